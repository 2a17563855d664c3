"""Fees in chat (Art. 18, 25): one module and router per flow.

``dues`` (a representative's statement, and where a payment report starts: /pay, the
button under a notice, the answer to a dispute), ``payment_form`` (the payment form:
amount, date paid, bank reference, receipt, review), ``fee_periods`` (the Secretariat
opens a fee period the Council decided), ``fees_admin`` (the Secretariat's overview, lists
and CSV export, confirming or disputing reports, voting rights by hand) and ``fee_forms``
(what the fee forms share: Back and Cancel, typed dates and amounts, receipts). It may
import ``workflows.fees``, ``workflows.platform``, ``workflows.charter``, ``models``, the
bot's core and the shared conversation modules; no other feature's conversations.
"""
