"""The charter's pure rules, without a database: the error tree and roles (``test_foundations``,
which also checks that the charter imports only the standard library), ``test_machines``,
``test_voting``, ``test_meetings``, ``test_bodies``, ``test_fees`` and ``test_money``.
They import ``workflows.charter`` (and Babel, for the currencies' digits) only.
"""
