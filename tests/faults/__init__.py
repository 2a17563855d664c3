"""Fault injection on the production setup: ``majlis bot`` and ``majlis worker`` as
processes (``processes``) on PostgreSQL and Redis, killed, frozen and restarted
(``test_bot_crash``, ``test_workers``, ``test_database_outage``, ``test_one_effect``,
...). Skipped, saying so, unless ``MAJLIS_TEST_DATABASE_URL`` and ``MAJLIS_TEST_REDIS_URL``
are set.
"""
