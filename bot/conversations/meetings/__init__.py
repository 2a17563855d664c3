"""Meetings in chat (Art. 6-10, 23-27, 30): one module and router per flow.

``home`` (the list of meetings, a session's page, RSVP, delegates, check-in, attendance),
``session_form`` (the Secretariat's form for a new session), ``motion_form`` (the
Secretariat's form for a motion), ``votes`` (a motion's page, opening and closing the vote,
private and group ballots, support for an amendment), ``seats_admin`` (assigning and
vacating seats on the boards), ``callbacks`` (the buttons one page uses to open another's
form), ``choices`` (a choice pressed in the form the user is in), ``minutes`` (the minutes
as CSV) and ``minutes_pdf`` (the minutes as a PDF in English or Arabic, with its ``fonts/``). It may import ``workflows.meetings``,
``workflows.platform``, ``workflows.charter``, ``models``, the bot's core and the shared
conversation modules; no other feature's conversations.
"""
