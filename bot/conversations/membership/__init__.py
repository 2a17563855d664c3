"""Membership in chat (Art. 12-22, 24): one module and router per flow.

``apply`` (the application form, step by step, resumable), ``review`` (screening and
deciding applications, and the applicant's side of it), ``honorary`` (the nomination form
and the signatories' prompts, Art. 15), ``withdraw`` (a representative's request to
withdraw and its decisions, Art. 21), ``suspend`` (suspension for a breach and its
lifting, Art. 22), ``roles`` (the Secretariat grants and revokes roles), ``directory``
(the member directory: browse by country, category or standing; export as CSV) and
``register_import`` (the member register imported from a CSV file: the dry run, then the
confirmation). It may import ``workflows.membership``, ``workflows.platform``,
``workflows.charter``, ``models``, the bot's core and the shared conversation modules;
no other feature's conversations.
"""
