"""The use cases of Majlis and the charter's rules, grouped by feature; nothing of Telegram.

``platform/`` is what every feature stands on (unit of work, outbox, queue, schedule,
audit, people, prompts, settings), ``charter/`` the pure rules, and the features are
``membership/``, ``fees/``, ``meetings/`` and ``outreach/``. Two modules stand above the
features and import them: ``jobs`` (the scheduler's periodic work, and every feature's due
handlers, which a worker started alone must know) and ``decisions`` (what to tell someone
whose decision came too late, by which prompt asks for which step). A use case takes plain values
and a unit of work, asks the charter whether the step is allowed, writes the change, its
audit record and the notifications it causes, and returns facts: the words, tags and
callback strings people see are made in ``bot``. The workflows may import ``models``, the
charter and each other as the features' packages say; never ``bot``, aiogram or
python-telegram-bot. Importing the package registers CLDR's currency digits for
``charter.money`` before anything counts money.
"""

# CLDR's currency digits, registered for ``charter.money`` before anything counts money.
from workflows.fees import currencies as _currencies  # noqa: F401
