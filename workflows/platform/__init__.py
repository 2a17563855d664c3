"""What every feature's use cases stand on: the transaction, the hand-over of what it owes,
time, people, and the scheduler's and the workers' plumbing.

``unit_of_work`` (one transaction and what it hands over after commit), ``locks`` (lock the
row, then read it under the lock), ``audit`` (the audit trail, in the transaction of the
change), ``outbox`` (notifications written with the change that causes them), ``queue``
(the Dramatiq broker on Redis and the jobs), ``schedule`` (deadlines, reminders and
escalations as rows with a due time), ``prompts`` (approval prompts, first to act wins),
``people`` (who people
are, their language and roles), ``live`` (messages kept up to date), ``clock`` (time, real
or set by tests), ``settings`` (the one settings class, ``MAJLIS_*``), ``values``
(message keys and their stored arguments), ``buttons`` (the buttons a notice needs, as
typed values) and ``spreadsheets`` (the one CSV writer). It may
import ``models`` and ``workflows.charter``, never a feature: the features stand on it.
"""
