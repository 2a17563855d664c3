"""Membership (Art. 12-22, 24) as use cases.

``applications`` (the application: the form's answers, screening, admission),
``honorary`` (a nomination both signatories must confirm, Art. 15), ``withdrawals``
(request, acknowledgement, decision, Art. 21), ``suspensions`` (suspension for a breach
and its lifting, Art. 22), ``standing`` (a member's standing and who speaks for it),
``directory`` (members by country, category and standing, and its export) and
``member_import`` (the member register brought in from a spreadsheet, a dry run first).
It may import ``workflows.platform``, ``workflows.charter``, ``models``, and
``workflows.fees`` (an admitted member owes its first fee; the voting right goes with the
standing); never ``bot``.
"""
