"""What every feature's use cases stand on: the transaction, the hand-over of what it owes,
time, people, and the scheduler's and the workers' plumbing.

``unit_of_work`` (one transaction and what it hands over after commit), ``locks`` (lock the
row, then read it under the lock), ``audit`` (the audit trail, in the transaction of the
change), ``outbox`` (notifications written with the change that causes them), ``queue``
(the Dramatiq broker on Redis and the jobs), ``schedule`` (deadlines, reminders and
escalations as rows with a due time), ``jobs`` (the scheduler's periodic work and the due
handlers every feature registers), ``prompts`` (approval prompts, first to act wins),
``decisions`` (what to tell someone whose decision came too late), ``people`` (who people
are, their language and roles), ``live`` (messages kept up to date), ``clock`` (time, real
or set by tests), ``settings`` (the one settings class, ``MAJLIS_*``), ``values``
(message keys and their stored arguments) and ``spreadsheets`` (the one CSV writer). It may
import ``models`` and ``workflows.charter``; ``jobs`` and ``decisions`` alone sit above the
features, importing the modules whose due rows and prompts they name.
"""
