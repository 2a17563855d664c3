"""What notifications say: the words and Telegram HTML of each notice a workflow asks
for by its stable name (``payments.REPORTED_HEADING`` is ``"payments.reported_heading"``).

A workflow stores a notification's stable name and its arguments, never its text
(``workflows/platform/outbox.py``); :meth:`bot.i18n.Text._` finds the template here,
translates it (the Arabic catalog is keyed by the English template) and fills it in.

Rows stored before notices had stable names hold the English template itself as key:
it is not found here, and is translated as it is, as before. For that reason one key
stays a gettext key in workflows: ``prompts.RESOLVED``, by which stored rows are found.
"""

from workflows import decisions
from workflows.fees import payments, periods, reminders, voting_rights
from workflows.meetings import amendments, attendance, ballots, motions, sessions, tallies
from workflows.membership import applications, honorary, suspensions, withdrawals
from workflows.outreach import broadcasts
from workflows.platform import people, prompts
from workflows.platform.values import N_, n_

__all__ = ["PLURALS", "TABLES", "TEMPLATES", "template"]

TEMPLATES: dict[str, str] = {
    # --- Membership ---------------------------------------------------------------
    applications.SCREEN_HEADING: N_(
        "<b>Membership application No. {number}</b> — please screen it."
    ),
    applications.DECIDE_HEADING: N_(
        "<b>Membership application No. {number}</b>, forwarded by the Secretariat — "
        "please admit or reject it (Art. 20)."
    ),
    applications.SUMMARY: N_(
        "{heading}\n\n"
        "Category: {category}\n"
        "Name (English): {name_en}\n"
        "Name (Arabic): {name_ar}\n"
        "Country: {country}\n"
        "Signed by: {signatory}, {title}\n"
        "Contact: {contact}\n"
        "Adherence to the charter's principles: confirmed\n"
        "Applicant: {applicant} (id {applicant_id})"
    ),
    applications.WITH_WARNING: N_("{summary}\n\n⚠️ {warning}"),
    applications.SAME_CITY_MEMBER: N_(
        "This city is already a member: {name} ({name_ar}). A city is one member (Art. 13, 25); "
        "admitting this application makes the applicant one more representative of that member."
    ),
    applications.SAME_CITY_APPLICATION: N_(
        "Application No. {number} ({name}) for the same city is still open. A city is one member "
        "(Art. 13, 25): this one cannot be admitted while the other is open."
    ),
    applications.JOINED_MEMBER: N_(
        "Your application No. {number} is decided: {name} is already a member of the Assembly, "
        "and you are now one of its representatives (Art. 24)."
    ),
    applications.JOINED_NOTICE: N_(
        "Application No. {number}: {name} ({name_ar}) was already a member; the applicant is "
        "now one of its representatives."
    ),
    applications.ANSWERED_SUMMARY: N_(
        "{summary}\n\n<b>Question:</b> {question}\n<b>Answer:</b> {answer}"
    ),
    applications.RECEIVED: N_(
        "Your application No. {number} has been received by the Secretariat. "
        "You will be told of every step; /status shows where it stands."
    ),
    applications.FORWARDED_TO_APPLICANT: N_(
        "Your application No. {number} has been screened and forwarded to the Secretary-General."
    ),
    applications.FORWARDED_BY: N_("✅ Forwarded to the Secretary-General by {name}, {when}."),
    applications.ASKED_BY: N_("❓ {name} asked the applicant, {when}: {question}"),
    applications.REJECTED_BY: N_("❌ Rejected by {name}, {when}. Reason: {reason}"),
    applications.ADMITTED_BY: N_("✅ Admitted by {name}, {when}."),
    applications.CANCELLED_BY_APPLICANT: N_("↩️ Withdrawn by the applicant, {when}."),
    applications.QUESTION: N_(
        "The Secretariat has a question about your application No. {number}:\n\n{question}\n\n"
        "Press Answer and type your reply."
    ),
    applications.QUESTION_REMINDER: N_(
        "Reminder: the Secretariat is still waiting for your answer about application "
        "No. {number}:\n\n{question}"
    ),
    applications.ANSWER_RECEIVED: N_(
        "Thank you. Your answer was added to application No. {number}."
    ),
    applications.REJECTED_TO_APPLICANT: N_(
        "Your application No. {number} was not accepted. Reason: {reason}"
    ),
    applications.WELCOME_MEMBER: N_(
        "Welcome to the World Assembly of Islamic Cities! {name} is now a member: {category}. "
        "You are its representative; /menu shows what you can do."
    ),
    applications.ADMITTED_NOTICE: N_(
        "Application No. {number} was admitted: {name} ({name_ar}) is now a member."
    ),
    applications.LAPSED_TO_APPLICANT: N_(
        "Your application No. {number} has lapsed because the Secretariat's question was not "
        "answered in time. You may apply again with /apply."
    ),
    applications.LAPSED_TO_STAFF: N_(
        "Application No. {number} lapsed: the applicant did not answer your question."
    ),
    honorary.HEADING: N_(
        "<b>Honorary membership: nomination No. {number}</b> — please confirm or decline it "
        "as {capacity} (Art. 15)."
    ),
    honorary.SUMMARY: N_(
        "{heading}\n\n"
        "Name (English): {name_en}\n"
        "Name (Arabic): {name_ar}\n"
        "Contribution to the purposes of the Assembly: {contribution}\n"
        "Nominated by: {nominator}\n\n"
        "Honorary membership needs the confirmation of both the Chair and the Secretary-General."
    ),
    honorary.CONFIRMED_BY: N_("✅ Confirmed by {name} as {capacity}, {when}."),
    honorary.DECLINED_BY: N_("❌ Declined by {name} as {capacity}, {when}. Reason: {reason}"),
    honorary.NOMINATED: N_(
        "Your nomination No. {number} of {name} for honorary membership was sent to the Chair "
        "and the Secretary-General. You will be told when they have decided."
    ),
    honorary.HALF_CONFIRMED: N_(
        "Nomination No. {number} ({name}): the {signatory} has confirmed it. "
        "The confirmation of the {other} is still awaited."
    ),
    honorary.CONFIRMED_TO_NOMINATOR: N_(
        "Nomination No. {number} is confirmed by both the Chair and the Secretary-General: "
        "{name} is now an honorary member of the Assembly."
    ),
    honorary.CONFIRMED_NOTICE: N_(
        "Honorary membership conferred (nomination No. {number}): {name} ({name_ar}) is now an "
        "honorary member."
    ),
    honorary.DECLINED_TO_NOMINATOR: N_(
        "Nomination No. {number} ({name}) was declined by the {signatory}. Reason: {reason}"
    ),
    suspensions.DECIDE_HEADING: N_(
        "<b>Suspension proposed, case No. {number}</b> (Art. 22) — please suspend the member or "
        "reject the proposal. A suspended member keeps its access to information but does not vote."
    ),
    suspensions.LIFT_HEADING: N_(
        "<b>Lifting of suspension proposed, case No. {number}</b> — please lift the suspension or "
        "keep it."
    ),
    suspensions.SUMMARY: N_(
        "{heading}\n\n"
        "Member: {name_en} ({name_ar})\n"
        "Breach of the charter: {reason}\n"
        "Proposed by: {proposer}"
    ),
    suspensions.LIFT_SUMMARY: N_("{summary}\n\n<b>Why lift it:</b> {reason}"),
    suspensions.CLOSED_BY_WITHDRAWAL: N_(
        "↩️ Closed: the member has withdrawn from the Assembly ({name}, {when})."
    ),
    withdrawals.ACKNOWLEDGE_HEADING: N_(
        "<b>Withdrawal request No. {number}</b> (Art. 21) — please acknowledge it; it then goes "
        "to the Secretary-General for decision."
    ),
    withdrawals.DECIDE_HEADING: N_(
        "<b>Withdrawal request No. {number}</b>, acknowledged by the Secretariat — please accept "
        "or refuse it (Art. 21). Accepting ends the membership and its voting right."
    ),
    withdrawals.SUMMARY: N_(
        "{heading}\n\n"
        "Member: {name_en} ({name_ar})\n"
        "Category: {category}\n"
        "Reason: {reason}\n"
        "Signed request: {letter}\n"
        "Requested by: {requester} (id {requester_id})"
    ),
    withdrawals.LETTER_ATTACHED: N_("attached above"),
    withdrawals.LETTER_NOT_NEEDED: N_("not required for this member"),
    withdrawals.ACKNOWLEDGED_BY: N_(
        "✅ Acknowledged by {name}, {when}; sent to the Secretary-General."
    ),
    withdrawals.ACCEPTED_BY: N_("✅ Withdrawal accepted by {name}, {when}."),
    withdrawals.REFUSED_BY: N_("❌ Refused by {name}, {when}. Reason: {reason}"),
    withdrawals.CANCELLED_BY: N_("↩️ Cancelled by the member's representative {name}, {when}."),
    withdrawals.RECEIVED: N_(
        "Your withdrawal request No. {number} for {name} ({name_ar}) has been sent to the "
        "Secretariat. "
        "You will be told of every step; you may cancel it with /withdraw until it is decided."
    ),
    withdrawals.ACKNOWLEDGED_TO_REQUESTER: N_(
        "Your withdrawal request No. {number} ({name}, {name_ar}) was acknowledged by the "
        "Secretariat and "
        "is now with the Secretary-General for decision."
    ),
    withdrawals.ACCEPTED_TO_MEMBER: N_(
        "The Secretary-General has accepted withdrawal request No. {number}: {name} ({name_ar}) "
        "is no longer a member of the Assembly. Its representation and voting right have ended. "
        "Thank you for the years of cooperation."
    ),
    withdrawals.ACCEPTED_NOTICE: N_(
        "Withdrawal request No. {number} was accepted: {name} ({name_ar}) has left the Assembly."
    ),
    withdrawals.REFUSED_TO_MEMBER: N_(
        "The Secretary-General did not accept withdrawal request No. {number} ({name}, "
        "{name_ar}); the "
        "membership continues. Reason: {reason}"
    ),
    withdrawals.REFUSED_NOTICE: N_(
        "Withdrawal request No. {number} ({name}) was refused by the Secretary-General. "
        "Reason: {reason}"
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
    payments.RECEIPT_CAPTION: N_("The receipt of fee payment No. {number}, for the request below."),
    payments.CONFIRMED_BY: N_("✅ {amount} confirmed by {name}, {when}."),
    payments.DISPUTED_BY: N_("❌ Disputed by {name}, {when}: {reason}"),
    payments.WITHDRAWN_BY_MEMBER: N_("↩️ Withdrawn by the member, {when}."),
    payments.PAID_IN_FULL: N_("The fee is paid in full. Thank you."),
    payments.STILL_OWED: N_("Still owed: {balance}."),
    payments.CONFIRMED_TO_MEMBER: N_(
        "The Secretariat confirmed the payment of {amount} made on {paid_on} by {member} for the "
        "fee {start} – {end}. {balance}"
    ),
    payments.RECORDED_TO_MEMBER: N_(
        "The Secretariat recorded a payment of {amount} received on {paid_on} from {member} for "
        "the fee {start} – {end}. {balance}"
    ),
    payments.DISPUTED_TO_MEMBER: N_(
        "The Secretariat could not confirm the payment of {amount} reported for {member} "
        "(paid on {paid_on}, reference {reference}).\n\nReason: {reason}\n\n"
        "Press Correct the report to send the right details, or Withdraw the report if it was "
        "made in error."
    ),
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
    reminders.REMINDER_AFTER: N_(
        "Reminder: the membership fee of {member} for {start} – {end} was due on {due}; "
        "{balance} is still owed. If it is not paid, the member's voting right may be suspended "
        "from {suspension} (Art. 25). Press Report a payment once you have paid."
    ),
    reminders.GRACE_SUSPENDED: N_(
        "The grace period of the fee {start} – {end} is over. The voting right of these members "
        "was suspended for unpaid fees (Art. 25); it is restored once their payment is "
        "confirmed:\n{names}"
    ),
    reminders.GRACE_BY_HAND: N_(
        "The grace period of the fee {start} – {end} is over and these members still owe. By "
        "the current policy their voting rights are suspended only by a decision of the Council, "
        "which you record under /fees:\n{names}"
    ),
    voting_rights.AUTOMATIC: N_(
        "the membership fee was not paid by the end of the grace period, and the policy of the "
        "Executive Supreme Council is to suspend the voting right then"
    ),
    voting_rights.DECIDED: N_("by decision of the Executive Supreme Council: {reason}"),
    voting_rights.PAID_UP: N_("the payment was confirmed and nothing overdue is owed"),
    voting_rights.SUSPENDED_TO_MEMBER: N_(
        "The voting right of {member} in the Assembly is suspended (Art. 25): {why}.\n\n"
        "It is restored as soon as the payment is confirmed. /statement shows what is owed; "
        "/pay reports a payment."
    ),
    voting_rights.SUSPENDED_TO_STAFF: N_(
        "The voting right of {member} ({member_ar}) was suspended (Art. 25): {why}."
    ),
    voting_rights.REINSTATED_OWES: N_(
        "{member} ({member_ar}) is back in active standing and still owes a fee past its grace "
        "period: {why}."
    ),
    voting_rights.BY_COUNCIL: N_(
        "by the current policy its voting right is suspended only by a decision of the Executive "
        "Supreme Council (Art. 25), recorded under /fees"
    ),
    voting_rights.RESTORED_TO_MEMBER: N_(
        "The voting right of {member} in the Assembly is restored: {why}."
    ),
    voting_rights.RESTORED_TO_STAFF: N_(
        "The voting right of {member} ({member_ar}) was restored: {why}."
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
    amendments.SUPPORT_REACHED: N_(
        "Amendment No. {number} has the support of {supporters} of {full} full members: it may now "
        "be put to the vote (Art. 30)."
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
    ballots.BY_HAND: N_("when the Secretariat closes it"),
    motions.RESULT: N_(
        "<b>Result — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\n"
        "Yes: {yes} · No: {no} · Abstain: {abstain} · votes cast: {cast}\n{quorum}\n{rules}\n"
        "<b>{outcome}</b>\n{rule}"
    ),
    motions.UNKNOWN_RULE: N_("Rule {rule}."),
    sessions.MEMBER_NAME: N_("{name_en} ({name_ar})"),
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
    sessions.RULES_LINE: N_(
        "Majority of: {base} (Art. 26). Members suspended for fees: {unpaid} (Art. 25)."
    ),
    sessions.UNPAID_LEFT_OUT: N_("not counted among the full members"),
    sessions.UNPAID_IN_BASE: N_("counted among the full members, their presence not"),
    sessions.TOO_FEW_SEATED: N_(
        "Only {seated} of the {seats} seats of the {body} are filled, and {needed} members must "
        "attend for a quorum (Art. {article}): no vote of this session can be decided until "
        "more seats are filled."
    ),
    sessions.QUORUM_MET: N_(
        "Quorum met: {attending} of {total} voting members present, {needed} needed (Art. {article})."
    ),
    sessions.QUORUM_NOT_MET: N_(
        "No quorum: {attending} of {total} voting members present, {needed} needed (Art. {article})."
    ),
    tallies.PRIVATE_BALLOT: N_(
        "<b>Ballot — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\n"
        "Closes: {closes}. You vote for {member}. Choose, then confirm."
    ),
    tallies.REMINDER: N_(
        "Reminder: you have not voted yet on motion No. {number}. Closes: {closes}.\n\n{text}"
    ),
    tallies.GROUP_BALLOT: N_(
        "<b>Vote — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\nCloses: {closes}.\n"
        "{counts}\nVoted: {voted} of {entitled} entitled.\n{names}"
    ),
    tallies.NAMED_COUNTS: N_("Yes {yes} · No {no} · Abstain {abstain}"),
    tallies.SECRET_COUNTS: N_("Secret ballot: the choices are counted at the close."),
    tallies.AND_MORE: N_("… and {count} more (see the minutes)"),
    tallies.CONFIRM: N_(
        "Motion No. {number}: {text}\n\nYou chose: <b>{choice}</b>. {final}\nConfirm?"
    ),
    tallies.SECRET_FINAL: N_("This is a secret ballot: once cast it cannot be changed."),
    tallies.NAMED_CHANGE: N_("You may change it until the vote closes."),
    tallies.NAMED_CAST: N_("✅ Your vote on motion No. {number} is recorded: {choice}."),
    tallies.CHANGED: N_("✅ Your vote on motion No. {number} is changed: {choice}."),
    tallies.SECRET_CAST_COPY: N_(
        "✅ Your secret ballot on motion No. {number} is cast. It is recorded apart from your "
        "name, and cannot be changed."
    ),
    tallies.BALLOT_CLOSED: N_(
        "<b>Motion No. {number}: the vote is closed.</b>\n\n{text}\n\n{yours}\n"
        "Yes: {yes} · No: {no} · Abstain: {abstain}\n<b>{outcome}</b>\n{rule}"
    ),
    tallies.YOUR_VOTE: N_("Your vote: {choice}."),
    tallies.SECRET_COUNTED: N_("Your secret ballot was counted."),
    tallies.DID_NOT_VOTE: N_("You did not vote."),
    # --- Outreach -----------------------------------------------------------------
    broadcasts.BODY_KEY: N_("{body}"),
    broadcasts.PROGRESS_TEXT: N_("📣 Broadcast No. {number}: sent {sent} of {total}."),
    broadcasts.PROGRESS_DONE: N_("📣 Broadcast No. {number}: finished, {sent} of {total} handled."),
    broadcasts.REPORT: N_(
        "<b>Broadcast No. {number}: report</b>\n"
        "Delivered: {delivered}\nBlocked the bot: {blocked}\nNever started the bot: {never}\n"
        "Failed: {failed}\nMembers reached: {members}"
    ),
    # --- Platform -----------------------------------------------------------------
    decisions.SOMEONE: N_("{name} has already acted on this, {when}."),
    decisions.AUTOMATIC: N_("This was already settled automatically at its deadline, {when}."),
    people.GRANTED: N_(
        "The Secretariat has given you the role: {role}. Send /menu to see what you can do now."
    ),
    people.LINKED: N_(
        "The Secretariat has registered you as a representative of {name}. Send /menu to see "
        "what you can do now."
    ),
    people.REVOKED: N_(
        "The Secretariat has withdrawn your role: {role}. Send /menu to see your menu."
    ),
    prompts.ATTACHMENT_CAPTION: N_("The signed letter, for the request below."),
    prompts.REMINDER: N_(
        "Reminder: the request above has been waiting for a decision since {since}."
    ),
    prompts.ESCALATED: N_(
        "Escalated to you: a request has been waiting for the Secretariat since {since}. "
        "You can decide it below."
    ),
}
#: The words workflows keep in tables by case: names of enum values, and notices that
#: depend on an event (``tallies.LABELS[Choice.YES]`` is ``"tallies.labels.yes"``).
TABLES: dict[str, str] = {
    # --- Membership ---------------------------------------------------------------
    "applications.category_names.full": N_("Full member (a city, by its mayor)"),
    "applications.category_names.associate": N_("Associate member (a person or organisation)"),
    "applications.category_names.observer": N_("Observer member"),
    "applications.category_names.honorary": N_("Honorary member"),
    "honorary.capacity.chair": N_("Chair of the Assembly"),
    "honorary.capacity.secretary_general": N_("Secretary-General"),
    "suspensions.outcomes.suspend": N_("⛔ Suspended by {name}, {when}."),
    "suspensions.outcomes.reject": N_("❌ Proposal rejected by {name}, {when}."),
    "suspensions.outcomes.lift": N_("✅ Suspension lifted by {name}, {when}."),
    "suspensions.outcomes.keep": N_("⛔ Kept suspended by {name}, {when}."),
    "suspensions.to_member.suspend": N_(
        "The Secretary-General has suspended the membership of {name} ({name_ar}) for a "
        "breach of the charter (Art. 22). Reason: {reason}\n\nDuring the suspension you keep access to the "
        "Assembly's information, but {name} does not vote. The Secretariat will tell you when "
        "the suspension is lifted."
    ),
    "suspensions.to_member.lift": N_(
        "The suspension of {name} ({name_ar}) has been lifted by the Secretary-General: the membership is "
        "in good standing again, with its voting right."
    ),
    "suspensions.notices.suspend": N_(
        "Case No. {number}: {name} ({name_ar}) is suspended by the Secretary-General."
    ),
    "suspensions.notices.reject": N_(
        "Case No. {number}: the Secretary-General rejected the proposal to suspend {name} "
        "({name_ar}); the membership continues."
    ),
    "suspensions.notices.lift": N_(
        "Case No. {number}: the suspension of {name} ({name_ar}) is lifted by the "
        "Secretary-General."
    ),
    "suspensions.notices.keep": N_(
        "Case No. {number}: the Secretary-General keeps {name} ({name_ar}) suspended."
    ),
    "withdrawals.category_names.full": N_("Full member"),
    "withdrawals.category_names.associate": N_("Associate member"),
    "withdrawals.category_names.observer": N_("Observer member"),
    "withdrawals.category_names.honorary": N_("Honorary member"),
    # --- Meetings -----------------------------------------------------------------
    "ballots.kind_names.ordinary": N_("ordinary decision"),
    "ballots.kind_names.rules_of_procedure": N_("rules of procedure"),
    "ballots.kind_names.charter_amendment": N_("charter amendment"),
    "ballots.ballot_names.named": N_("named vote"),
    "ballots.ballot_names.secret": N_("secret ballot"),
    "motions.outcomes.passed": N_("The motion is adopted."),
    "motions.outcomes.failed": N_("The motion is not adopted."),
    "motions.outcomes.no_quorum": N_("No decision: the quorum was not met."),
    "motions.rule_texts.majority_of_votes_cast": N_(
        "Art. {article}: Yes won a simple majority of {of}."
    ),
    "motions.rule_texts.no_majority_of_votes_cast": N_(
        "Art. {article}: Yes did not win a simple majority of {of}."
    ),
    "motions.rule_texts.tie": N_("Art. {article}: as many Yes as No; a tie is not a majority."),
    "motions.rule_texts.all_abstained": N_(
        "Art. {article}: every ballot was an abstention; there is no majority."
    ),
    "motions.rule_texts.no_ballots": N_("Art. {article}: no ballot was cast."),
    "motions.rule_texts.no_quorum": N_(
        "Art. {article}: fewer than a simple majority of the full members attended, so the "
        "session could not decide."
    ),
    "motions.majority_of.yes_no": N_("the votes cast"),
    "motions.majority_of.yes_no_abstain": N_("the ballots, abstentions included"),
    "motions.majority_of.present": N_("the voting members present"),
    "sessions.body_names.assembly": N_("General Assembly"),
    "sessions.body_names.trustees": N_("Board of Trustees"),
    "sessions.body_names.steering": N_("Steering Committee"),
    "sessions.body_names.council": N_("Executive Supreme Council"),
    "sessions.kind_names.regular": N_("regular session"),
    "sessions.kind_names.extraordinary": N_("extraordinary session"),
    "sessions.base_names.yes_no": N_("Yes and No (abstentions are not counted)"),
    "sessions.base_names.yes_no_abstain": N_("Yes, No and abstentions"),
    "sessions.base_names.present": N_("all the voting members present"),
    "tallies.labels.yes": N_("Yes"),
    "tallies.labels.no": N_("No"),
    "tallies.labels.abstain": N_("Abstain"),
    # --- Platform -----------------------------------------------------------------
    "decisions.by.motion_open": N_("🗳 Put to the vote by {name}, {when}."),
    "decisions.by.motion_closed": N_("🔒 Vote closed by {name}, {when}."),
    "decisions.by.motion_withdrawn": N_("↩️ Motion withdrawn by {name}, {when}."),
    "decisions.by.meeting_open": N_("Session opened by {name}, {when}."),
    "decisions.by.meeting_closed": N_("Session closed by {name}, {when}."),
    "decisions.by.meeting_cancelled": N_("Session cancelled by {name}, {when}."),
    "decisions.by.voting_right_suspended_for_fees": N_("Voting right suspended by {name}, {when}."),
    "decisions.by.voting_right_active": N_("Voting right restored by {name}, {when}."),
    "people.role_names.guest": N_("Guest"),
    "people.role_names.representative": N_("Representative of a member"),
    "people.role_names.secretariat": N_("Secretariat staff"),
    "people.role_names.secretary_general": N_("Secretary-General"),
    "people.role_names.chair": N_("Chair of the Assembly"),
    "people.role_names.trustee": N_("Member of the Board of Trustees"),
    "people.role_names.steering": N_("Member of the Steering Committee"),
    "people.role_names.council": N_("Member of the Executive Supreme Council"),
}
TEMPLATES.update(TABLES)
#: Notices with plural forms: a stable name for each form, rendered with the reader's
#: plural rule for ``count`` (Arabic has six).
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    (periods.OPENED, periods.OPENED_PLURAL): n_(
        "The fee period {start} – {end} was opened by {name}: {fee}, due by {due}. "
        "{count} fee notice was sent.",
        "The fee period {start} – {end} was opened by {name}: {fee}, due by {due}. "
        "{count} fee notices were sent.",
    ),
    (reminders.REMINDER_BEFORE, reminders.REMINDER_BEFORE_PLURAL): n_(
        "Reminder: the membership fee of {member} for {start} – {end}, {balance}, is due on "
        "{due}, in {count} day.",
        "Reminder: the membership fee of {member} for {start} – {end}, {balance}, is due on "
        "{due}, in {count} days.",
    ),
}
TEMPLATES.update(
    (name, text)
    for names, texts in PLURALS.items()
    for name, text in zip(names, texts, strict=True)
)


def template(key: str) -> str:
    """The English template of a notice's stable name; any other key is one already."""
    return TEMPLATES.get(key, key)
