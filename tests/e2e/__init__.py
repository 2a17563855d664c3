"""Majlis end to end: the real runtime, workers and scheduler against the local sandbox,
driven from the user's side with ``sandbox.client``, one module per feature
(``test_applications``, ``test_fees``, ``test_meetings``, ``test_votes``, ...) and the
cross-cutting ones (``test_delivery``, ``test_runtimes``, ``test_sending_limits``,
``test_majlis_run``). ``conftest`` builds the running Majlis.
"""
