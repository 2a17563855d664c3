"""The tests of Majlis: ``python -m pytest`` (see the README's Tests section).

Here, each beside the module it tests, the use cases without Telegram (``test_fees``,
``test_membership_workflows``, ...), the engine, texts, limits and the guarantees
(``test_one_effect``, ``test_secret_ballots``, ``test_bulk_statements``); ``conftest``
(a database and Redis for every test), ``meetings_world`` (builders for meetings and
votes) and ``inspection`` (PostgreSQL's inspection extensions). The packages:
``charter/`` (the pure rules), ``e2e/`` (end to end through a real Telegram library and
the sandbox), ``faults/`` (production processes killed, frozen and restarted) and
``sandbox/`` (the sandbox's own tests). Tests may import anything of Majlis.
"""
