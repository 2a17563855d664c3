"""Why a step was refused, as a sentence in the reader's language.

The workflows refuse with a stable reason key (``art25.only_full_members_vote``);
here each key becomes a sentence that says why and what to do. Every key a
workflow can refuse with is listed (``tests/test_refusal_sentences.py`` reads
them from the code and checks it). This is the one table of refusals: the
engine tells any refusal with it, and the conversations' handlers through
:mod:`bot.conversations.refusals`.
"""

from bot.i18n import Text
from workflows.platform.values import N_

REFUSALS: dict[str, str] = {
    "art24.delegates_only_at_the_assembly": N_(
        "Delegates are named for sessions of the Assembly only; seats on a board are personal."
    ),
    "art24.only_full_members_name_delegates": N_(
        "Only full members name a voting delegate (Art. 24, 25)."
    ),
    "art24.member_not_in_good_standing": N_(
        "The member is suspended or has withdrawn, so it cannot take part (Art. 21, 22)."
    ),
    "art24.not_a_representative_or_delegate": N_(
        "You do not represent a member at this session, nor are you its accepted delegate "
        "(Art. 24)."
    ),
    "procedure.session_not_open": N_("The session is not open: check-in and votes are closed."),
    "procedure.session_over": N_("This session is over."),
    "procedure.motions_still_open": N_("Close the votes still open before closing the session."),
    "art25.only_full_members_vote": N_(
        "Only full members vote in the Assembly; associate, observer and honorary members "
        "take part without a vote (Art. 25)."
    ),
    "art21.member_withdrawn": N_("The member has withdrawn from the Assembly (Art. 21)."),
    "art22.member_suspended": N_("The member is suspended, so it cannot vote (Art. 22)."),
    "art25.voting_right_suspended_for_fees": N_(
        "The member's voting right is suspended for unpaid fees (Art. 25). It is restored when "
        "the payment is confirmed."
    ),
    "art26.not_checked_in": N_("Check in first: only those present vote (Art. 26)."),
    "art6.not_a_seat_holder": N_("Only the Board of Trustees' seat holders vote here (Art. 6)."),
    "art8.not_a_seat_holder": N_("Only the Steering Committee's seat holders vote here (Art. 8)."),
    "art10.not_a_seat_holder": N_("Only the Council's seat holders vote here (Art. 10)."),
    "procedure.vote_closed": N_("This vote is closed; no ballot can be cast or changed."),
    "procedure.secret_vote_is_final": N_(
        "Your secret ballot is already cast; it cannot be changed."
    ),
    "art25.member_already_voted": N_(
        "Your member has already voted on this motion: one vote per member (Art. 25)."
    ),
    "art27.rules_approved_by_the_assembly": N_(
        "Rules of procedure are approved by the Assembly (Art. 27)."
    ),
    "art30.amendments_by_assembly_or_trustees": N_(
        "Charter amendments are proposed by the Board of Trustees and decided by the Assembly "
        "(Art. 30)."
    ),
    "art30.only_full_members_support": N_("Only full members support an amendment (Art. 30)."),
    "art30.insufficient_support": N_(
        "This amendment is not supported by two thirds of the full members yet, nor does it "
        "come from the Board of Trustees (Art. 30)."
    ),
    "art30.source_not_passed_by_trustees": N_(
        "That motion was not passed by the Board of Trustees (Art. 30)."
    ),
    "art30.source_not_an_amendment": N_(
        "That motion of the Board of Trustees is not a charter amendment; only a proposed "
        "amendment the Board passed goes to the Assembly (Art. 30)."
    ),
    "art30.source_text_changed": N_(
        "The Assembly decides the amendment the Board of Trustees passed, word for word "
        "(Art. 30); its text cannot be changed."
    ),
    "art30.source_already_proposed": N_(
        "That amendment of the Board of Trustees is already before the Assembly (Art. 30)."
    ),
    "art30.source_only_for_amendments": N_(
        "Only a charter amendment at the Assembly comes from a motion of the Board of "
        "Trustees (Art. 30)."
    ),
    "procedure.rules_fixed_once_open": N_(
        "The vote has opened: its majority base and its rules can no longer change."
    ),
    "procedure.support_closed": N_("Support is no longer being collected for this amendment."),
    "procedure.closing_time_passed": N_("The closing time has already passed; set a later one."),
    "procedure.secret_in_private": N_("Secret ballots are cast in the private chat with me."),
    "several_members": N_(
        "You speak for several members here; please vote from the ballot sent to you in our "
        "private chat."
    ),
    "not_invited": N_("This invitation is not addressed to you."),
    "not_representative": N_("Only the member's representative can do this."),
    "delegate_is_representative": N_(
        "This person already represents the member; name someone else as delegate."
    ),
    "delegate_speaks_for_another_member": N_(
        "This person already speaks for another member at this session; one person speaks "
        "for one member."
    ),
    "not_the_delegate": N_("This delegation is not addressed to you."),
    "delegation_answered": N_("This delegation has already been answered."),
    "seat_already_held": N_("This person already holds that seat."),
    "art24.assembly_has_no_seats": N_("The Assembly has no seats: its members are its cities."),
    "art6.seat_kind_not_in_body": N_("The Board of Trustees has no seat of that kind (Art. 6)."),
    "art8.seat_kind_not_in_body": N_("The Steering Committee has no seat of that kind (Art. 8)."),
    "art10.seat_kind_not_in_body": N_("The Council has no seat of that kind (Art. 10)."),
    "art6.body_full": N_("The Board of Trustees already has its 9 members (Art. 6)."),
    "art8.body_full": N_("The Steering Committee already has its 21 members (Art. 8)."),
    "art6.seat_limit_reached": N_(
        "All seats of that kind on the Board of Trustees are taken (Art. 6: the Secretary-General, "
        "the Chair, 4 mayors, 3 urban and theology scholars)."
    ),
    "art8.seat_limit_reached": N_(
        "All seats of that kind on the Steering Committee are taken (Art. 8: 7 mayors, 7 "
        "theology scholars, 7 urban science professors)."
    ),
    "role_not_allowed": N_(
        "You are not allowed to do this: none of your roles includes it. If you think one "
        "should, ask the Secretariat."
    ),
    # Membership (Art. 12-22).
    "art13.city_applied_for": N_(
        "Another application for the same city is still open. A city is one member (Art. 13, "
        "25): decide that one first; if it is admitted, this applicant can then be made one "
        "of the member's representatives."
    ),
    "category": N_(
        "Honorary membership is conferred by nomination (Art. 15); please choose full, "
        "associate or observer membership."
    ),
    "duplicate": N_("This has already been requested and is still open, or is already done."),
    "incomplete": N_("Some answers are still missing; please complete the form first."),
    "not_owner": N_("Only the applicant can change this application."),
    "letter": N_(
        "The request must carry the letter signed by the city's highest authority (Art. 21)."
    ),
    "withdrawn": N_("The member has withdrawn from the Assembly (Art. 21)."),
    "not_active": N_("The member is not in active standing, so it cannot be suspended (Art. 22)."),
    "not_suspended": N_("The member is not suspended, so there is nothing to lift (Art. 22)."),
    "no_chair": N_(
        "No one holds the role of Chair of the Assembly yet, so no one could confirm the "
        "nomination (Art. 15). Ask the Secretariat to grant the role first."
    ),
    "no_sg": N_(
        "No one holds the role of Secretary-General yet, so no one could confirm the "
        "nomination (Art. 15)."
    ),
    "reader": N_(
        "The directory is for members' representatives, seat holders and the Secretariat."
    ),
    "staff": N_("Withdrawn members and exports are for the Secretariat."),
    # Roles.
    "not_staff": N_("Only the Secretariat grants and revokes roles."),
    "secretary_general_only": N_("Only the Secretary-General grants or revokes that role."),
    "last_secretary_general": N_(
        "The last Secretary-General keeps the role until another is granted it."
    ),
    # Broadcasts.
    "broadcast": N_("Broadcasts are sent by the Secretariat and the Secretary-General."),
    # Fees (Art. 18, 25).
    "not_a_full_member": N_("Only full members pay fees and vote (Art. 18, 25)."),
    "paid_in_future": N_(
        "A payment cannot be dated in the future; please type the day it was made."
    ),
    "reference_missing": N_("Please give the bank reference of the payment."),
    "receipt_missing": N_("Please send the receipt of the payment."),
    "period_overlaps": N_(
        "Another fee period already covers some of these dates. Please press Back and change "
        "the dates."
    ),
    "period_ends_before_it_starts": N_("The fee period ends before it starts."),
    "due_date_outside_period": N_("The due date must fall within the fee period."),
    "fee_not_positive": N_("The fee must be more than zero."),
    "bad_policy": N_("The grace period and reminders must be whole days, zero or more."),
    "not_found": N_("This no longer exists."),
    "import_has_problems": N_(
        "This file has lines with a problem, so nothing was imported. Correct them and send "
        "the file again."
    ),
    "import_changed": N_(
        "The register changed since the dry run, so nothing was imported. Send the file again "
        "for a new dry run."
    ),
    # Membership: applications, honorary members, withdrawals, suspensions, roles, directory.
    # A membership conversation tells some refusals in its own words: under its own key,
    # "<conversation>.<the reason the workflow raised>".
    "application.duplicate": N_(
        "There is already an open application or a membership for this city or "
        "organisation. /status shows your applications."
    ),
    "application.incomplete": N_("Some answers are still missing."),
    "nomination.duplicate": N_(
        "This person or organisation is already nominated, or already an honorary member."
    ),
    "nomination.no_chair": N_(
        "No one holds the role of Chair of the Assembly yet, so no one could confirm the "
        "nomination. Ask the Secretariat to grant the role first; your answers are kept."
    ),
    "nomination.no_sg": N_(
        "No one holds the role of Secretary-General yet, so no one could confirm the "
        "nomination. Your answers are kept."
    ),
    "withdrawal.duplicate": N_(
        "A withdrawal request for this member is already open. Send /withdraw to see it."
    ),
    "suspension.duplicate": N_("A suspension of this member is already proposed or in force."),
    "suspension.not_active": N_(
        "This member is not in active standing, so it cannot be suspended."
    ),
    "suspension.not_suspended": N_(
        "This member is not suspended, or its lifting is already proposed."
    ),
    "roles.not_staff": N_(
        "Only the Secretariat manages roles. If you need a role, ask the Secretariat."
    ),
    "roles.secretary_general_only": N_(
        "Only the Secretary-General may grant or revoke the role of Secretary-General."
    ),
    "roles.last_secretary_general": N_(
        "This is the only Secretary-General, so the role cannot be revoked in chat. "
        "Grant it to the successor first."
    ),
    "directory.reader": N_(
        "The member directory is open to representatives of members, seat holders and the "
        "Secretariat."
    ),
    "directory.staff": N_(
        "Only the Secretariat can see withdrawn members and export the directory."
    ),
    "register_import.changed": N_("The register changed since this dry run."),
    # (end of membership)
    # Fees: periods, dues, payments, voting rights.
    # (end of fees)
    # Meetings: sessions, seats, motions, ballots.
    # (end of meetings)
}
GENERIC = N_("You are not allowed to do this. If you think you should be, ask the Secretariat.")


def sentence_for(t: Text, reason: str) -> str:
    return t._(REFUSALS.get(reason, GENERIC))


def in_words_of(flow: str, reason: str) -> str | None:
    """The key of ``reason`` said in ``flow``'s own words (``flow.reason``), if the
    table has them: a form may say a refusal its own way, keeping its context."""
    own = f"{flow}.{reason}"
    return own if own in REFUSALS else None
