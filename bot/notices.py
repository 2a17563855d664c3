"""What notifications say: the words and Telegram HTML of each notice a workflow asks
for by its stable name (``payments.REPORTED_HEADING`` is ``"payments.reported_heading"``).

Workflows write no text with tags: they store a notification's stable name and its
arguments (``workflows/platform/outbox.py``); :class:`bot.i18n.Text` finds the template
here, translates it (the Arabic catalog is keyed by the English template) and fills it
in. A row stored before a notice had a stable name holds the English template itself as
its key; it is not found here and is translated as it is, as before.
"""

from workflows.fees import payments, periods
from workflows.meetings import amendments, attendance, motions, sessions, tallies
from workflows.membership import applications, honorary, suspensions, withdrawals
from workflows.outreach import broadcasts
from workflows.platform.values import N_

__all__ = ["TEMPLATES", "template"]

TEMPLATES: dict[str, str] = {
    # --- Membership ---------------------------------------------------------------
    applications.SCREEN_HEADING: N_(
        "<b>Membership application No. {number}</b> — please screen it."
    ),
    applications.DECIDE_HEADING: N_(
        "<b>Membership application No. {number}</b>, forwarded by the Secretariat — "
        "please admit or reject it (Art. 20)."
    ),
    applications.ANSWERED_SUMMARY: N_(
        "{summary}\n\n<b>Question:</b> {question}\n<b>Answer:</b> {answer}"
    ),
    honorary.HEADING: N_(
        "<b>Honorary membership: nomination No. {number}</b> — please confirm or decline it "
        "as {capacity} (Art. 15)."
    ),
    suspensions.DECIDE_HEADING: N_(
        "<b>Suspension proposed, case No. {number}</b> (Art. 22) — please suspend the member or "
        "reject the proposal. A suspended member keeps its access to information but does not vote."
    ),
    suspensions.LIFT_HEADING: N_(
        "<b>Lifting of suspension proposed, case No. {number}</b> — please lift the suspension or "
        "keep it."
    ),
    suspensions.LIFT_SUMMARY: N_("{summary}\n\n<b>Why lift it:</b> {reason}"),
    withdrawals.ACKNOWLEDGE_HEADING: N_(
        "<b>Withdrawal request No. {number}</b> (Art. 21) — please acknowledge it; it then goes "
        "to the Secretary-General for decision."
    ),
    withdrawals.DECIDE_HEADING: N_(
        "<b>Withdrawal request No. {number}</b>, acknowledged by the Secretariat — please accept "
        "or refuse it (Art. 21). Accepting ends the membership and its voting right."
    ),
    # --- Fees ---------------------------------------------------------------------
    payments.REPORTED_HEADING: N_(
        "<b>Fee payment No. {number}</b> reported — please confirm or dispute it."
    ),
    payments.CORRECTED_HEADING: N_(
        "<b>Fee payment No. {number}</b>, corrected after a dispute — please confirm or dispute it."
    ),
    payments.PAYMENT_SUMMARY: N_(
        "{heading}\n\n"
        "Member: {member} ({member_ar})\n"
        "Fee {start} – {end}: {fee}; confirmed so far: {confirmed}\n"
        "Amount paid: <b>{amount}</b>\n"
        "Paid on: {paid_on}\n"
        "Bank reference: {reference}\n"
        "Reported by: {reporter} (id {reporter_id})"
    ),
    payments.CORRECTED_SUMMARY: N_("{summary}\n\n<b>Disputed earlier:</b> {reason}"),
    periods.NOTICE: N_(
        "<b>Membership fee notice</b> — {member} ({member_ar})\n\n"
        "The Executive Supreme Council has set the membership fee for the biennium "
        "{start} – {end} (Art. 18):\n\n"
        "Amount: <b>{fee}</b>\n"
        "Due by: <b>{due}</b>\n\n"
        "Once you have paid, press Report a payment (or send /pay) and give the amount, the date, "
        "the bank reference and the receipt; the Secretariat confirms it. /statement shows what "
        "is paid and what is owed."
    ),
    # --- Meetings -----------------------------------------------------------------
    amendments.SUPPORT_CALL: N_(
        "<b>Proposed amendment to the charter — No. {number}</b>\n\n{text}\n\nUnder Art. 30 it is "
        "put to the vote when two thirds of the full members support it. Does {member} support it?"
    ),
    amendments.SUPPORT_COUNT: N_(
        "<b>Support for amendment No. {number}</b>\n{supporters} of {full} full members support it; "
        "{needed} are needed (Art. 30)."
    ),
    attendance.DELEGATE_ASKED: N_(
        "{by} names you the official delegate of {member} (Art. 24) for:\n\n<b>{title}</b>\n"
        "When: {when} ({zone})\nWhere: {where}\n\nYou would check in and vote for {member}. "
        "Do you accept?"
    ),
    attendance.DELEGATE_ACCEPTED: N_(
        "{delegate} accepted to be the delegate of {member} at <b>{title}</b>."
    ),
    attendance.DELEGATE_REFUSED: N_(
        "{delegate} refused to be the delegate of {member} at <b>{title}</b>. You may name another."
    ),
    motions.RESULT: N_(
        "<b>Result — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\n"
        "Yes: {yes} · No: {no} · Abstain: {abstain} · votes cast: {cast}\n{quorum}\n{rules}\n"
        "<b>{outcome}</b>\n{rule}"
    ),
    sessions.SESSION_LINES: N_(
        "<b>{title}</b>\n{body}, {kind}\nWhen: {when} ({zone})\nWhere: {where}\nAgenda:\n{agenda}"
    ),
    sessions.INVITATION: N_(
        "You are invited, for {member}, to:\n\n<b>{title}</b>\n{body}, {kind}\n"
        "When: {when} ({zone})\nWhere: {where}\nAgenda:\n{agenda}\n\nWill you attend?"
    ),
    sessions.ANNOUNCED: N_(
        "Announced: <b>{title}</b>\n{body}, {kind}\nWhen: {when} ({zone})\nWhere: {where}\n"
        "Agenda:\n{agenda}"
    ),
    sessions.CHECK_IN_NOW: N_(
        "<b>{title}</b> is open. Press Check in when you are present, to be counted for the "
        "quorum and to vote. {member}"
    ),
    sessions.CANCELLED: N_("<b>{title}</b> ({when}) is cancelled."),
    sessions.BOARD_TEXT: N_(
        "<b>Attendance: {title}</b>\nPresent: {present} of {invited} invited.\n{quorum}\n{rules}"
    ),
    tallies.PRIVATE_BALLOT: N_(
        "<b>Ballot — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\n"
        "Closes: {closes}. You vote for {member}. Choose, then confirm."
    ),
    tallies.GROUP_BALLOT: N_(
        "<b>Vote — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\nCloses: {closes}.\n"
        "{counts}\nVoted: {voted} of {entitled} entitled.\n{names}"
    ),
    tallies.CONFIRM: N_(
        "Motion No. {number}: {text}\n\nYou chose: <b>{choice}</b>. {final}\nConfirm?"
    ),
    tallies.BALLOT_CLOSED: N_(
        "<b>Motion No. {number}: the vote is closed.</b>\n\n{text}\n\n{yours}\n"
        "Yes: {yes} · No: {no} · Abstain: {abstain}\n<b>{outcome}</b>\n{rule}"
    ),
    # --- Outreach -----------------------------------------------------------------
    broadcasts.REPORT: N_(
        "<b>Broadcast No. {number}: report</b>\n"
        "Delivered: {delivered}\nBlocked the bot: {blocked}\nNever started the bot: {never}\n"
        "Failed: {failed}\nMembers reached: {members}"
    ),
}


def template(key: str) -> str:
    """The English template of a notice's stable name; any other key is one already."""
    return TEMPLATES.get(key, key)
