"""Membership fees (Art. 18) and the voting right they carry (Art. 25) as use cases.

``periods`` (fee periods, each full member's due and its notice), ``payments`` (reported
by a member, confirmed or disputed by the Secretariat), ``statements`` (balances,
statements and the Secretariat's lists), ``reminders`` (reminders and the end of the
grace period, from due rows), ``voting_rights`` (suspended for unpaid fees, and restored)
and ``currencies`` (each currency's digits, from CLDR through Babel). It may import
``workflows.platform``, ``workflows.charter`` and ``models``; no other feature, never
``bot``.
"""
