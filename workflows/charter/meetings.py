"""Sessions, delegates, attendance and ballots: who may do what at a meeting.

Art. 23 (sessions of the Assembly), Art. 24 (representation and delegates),
Art. 25 (who votes), Art. 26 (attendance and majority), Art. 27 (rules of
procedure), Art. 30 (amendments). Where the charter is silent (secret ballots,
committees' quorum, reminders) the rule says it is our procedure. Reasons are
stable keys ``art<N>.<reason>`` or ``procedure.<reason>``; ``MEETING_RULE_KEYS``
lists them for the bot's translations.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from workflows.charter.bodies import Body
from workflows.charter.errors import Verdict
from workflows.charter.machines import SECRETARIAT
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.roles import Party, Role
from workflows.charter.statemachine import StateMachine, Transition
from workflows.charter.voting import MotionKind


class SessionKind(StrEnum):
    REGULAR = "regular"  # Art. 23: biennial for the Assembly, annual for the boards (Art. 6, 8)
    EXTRAORDINARY = (
        "extraordinary"  # Art. 30: "an extraordinary Convention ... called to this effect"
    )


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"  # check-in and voting
    CLOSED = "closed"
    CANCELLED = "cancelled"


class MeetingEvent(StrEnum):
    CONVENE = "convene"
    OPEN = "open"
    CLOSE = "close"
    CANCEL = "cancel"


_PRESIDING = SECRETARIAT | {Role.CHAIR}

MEETING: StateMachine[MeetingState, MeetingEvent] = StateMachine(
    name="meeting",
    states=MeetingState,
    events=MeetingEvent,
    transitions=[
        # Art. 23: sessions meet "by invitation"; the Secretariat, which runs the
        # Assembly's business (Art. 11), sends it.
        Transition(None, MeetingEvent.CONVENE, MeetingState.SCHEDULED, SECRETARIAT),
        # Art. 7: the Chair chairs; the Secretariat runs the session in chat.
        Transition(MeetingState.SCHEDULED, MeetingEvent.OPEN, MeetingState.OPEN, _PRESIDING),
        Transition(MeetingState.OPEN, MeetingEvent.CLOSE, MeetingState.CLOSED, _PRESIDING),
        Transition(
            MeetingState.SCHEDULED, MeetingEvent.CANCEL, MeetingState.CANCELLED, SECRETARIAT
        ),
    ],
)


class Rsvp(StrEnum):
    PENDING = "pending"
    ATTEND = "attend"
    DELEGATE = "delegate"  # Art. 24: "the official delegate of the highest authority"
    DECLINE = "decline"


class DelegationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


class BallotKind(StrEnum):
    NAMED = "named"
    SECRET = "secret"


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


# --- Delegates and attendance (Art. 24, 26) ----------------------------------


def may_name_delegate(category: MemberCategory, standing: Standing, body: Body) -> Verdict:
    """Art. 24: a full member is represented by its mayor "or the official delegate of
    the highest authority"; only full members vote, so only they name a voting delegate,
    and only for the Assembly (committee seats are personal, Art. 6, 8, 10)."""
    if body != Body.ASSEMBLY:
        return Verdict(False, "art24.delegates_only_at_the_assembly")
    if category != MemberCategory.FULL:
        return Verdict(False, "art24.only_full_members_name_delegates")
    if standing != Standing.ACTIVE:
        return Verdict(False, "art24.member_not_in_good_standing")
    return Verdict(True, "art24.delegate_may_be_named")


def may_check_in(state: MeetingState, standing: Standing | None) -> Verdict:
    """Art. 24: "All members are equally entitled to participate"; a suspended (Art. 22)
    or withdrawn (Art. 21) member does not. ``standing`` None: a seat holder."""
    if state != MeetingState.OPEN:
        return Verdict(False, "procedure.session_not_open")
    if standing is not None and standing != Standing.ACTIVE:
        return Verdict(False, "art24.member_not_in_good_standing")
    return Verdict(True, "art24.may_attend")


# --- Ballots (Art. 25, 26) ---------------------------------------------------


def may_vote_at_assembly(
    *,
    category: MemberCategory,
    standing: Standing,
    voting_right: VotingRight,
    checked_in: bool,
) -> Verdict:
    """Art. 25, 26: one vote per full member in good standing whose right is not
    suspended for fees and who attends. The reason names what is missing first."""
    if category != MemberCategory.FULL:
        return Verdict(False, "art25.only_full_members_vote")
    if standing == Standing.WITHDRAWN:
        return Verdict(False, "art21.member_withdrawn")
    if standing != Standing.ACTIVE:
        return Verdict(False, "art22.member_suspended")
    if voting_right != VotingRight.ACTIVE:
        return Verdict(False, "art25.voting_right_suspended_for_fees")
    if not checked_in:
        return Verdict(False, "art26.not_checked_in")
    return Verdict(True, "art25.entitled")


def may_vote_in_committee(*, holds_seat: bool, checked_in: bool, body: Body) -> Verdict:
    """Art. 6, 8, 10: in a board or committee the voters are its seat holders; like the
    Assembly (Art. 26), they vote when they attend."""
    if not holds_seat:
        return Verdict(False, f"art{_ARTICLE_OF_BODY[body]}.not_a_seat_holder")
    if not checked_in:
        return Verdict(False, "art26.not_checked_in")
    return Verdict(True, f"art{_ARTICLE_OF_BODY[body]}.seat_holder")


_ARTICLE_OF_BODY = {Body.ASSEMBLY: 25, Body.TRUSTEES: 6, Body.STEERING: 8, Body.COUNCIL: 10}


def may_cast(
    *,
    kind: BallotKind,
    open_: bool,
    already_cast_by: int | None,
    voter: int,
) -> Verdict:
    """One ballot per voter per motion (Art. 25: "equal voting rights").

    A named ballot may be changed until the close by the person who cast it; a
    member's representative and delegate share one vote, so the other cannot
    overwrite it. A secret ballot is final once cast: nothing links it to its
    voter any more, so it could not be found to be changed (our procedure).
    """
    if not open_:
        return Verdict(False, "procedure.vote_closed")
    if already_cast_by is None:
        return Verdict(True, "art25.one_vote")
    if already_cast_by != voter:
        return Verdict(False, "art25.member_already_voted")
    if kind == BallotKind.SECRET:
        return Verdict(False, "procedure.secret_vote_is_final")
    return Verdict(True, "procedure.named_vote_changed")


def motion_kind_allowed(body: Body, kind: MotionKind) -> Verdict:
    """Art. 27: the Assembly approves the Rules of Procedure. Art. 30: an amendment is
    decided by the Assembly, and may "emanate from the Board of trustees", which therefore
    votes on proposing one."""
    if kind == MotionKind.RULES_OF_PROCEDURE and body != Body.ASSEMBLY:
        return Verdict(False, "art27.rules_approved_by_the_assembly")
    if kind == MotionKind.CHARTER_AMENDMENT and body not in (Body.ASSEMBLY, Body.TRUSTEES):
        return Verdict(False, "art30.amendments_by_assembly_or_trustees")
    return Verdict(True, "art26.kind_allowed")


def may_support_amendment(category: MemberCategory, standing: Standing) -> Verdict:
    """Art. 30: "two third of full Members": full members in active standing support;
    a member suspended for fees is still a full member and may."""
    if category != MemberCategory.FULL:
        return Verdict(False, "art30.only_full_members_support")
    if standing != Standing.ACTIVE:
        return Verdict(False, "art24.member_not_in_good_standing")
    return Verdict(True, "art30.support_counted")


# --- Reminders --------------------------------------------------------------


def reminder_time(opened_at: datetime, closes_at: datetime | None) -> datetime | None:
    """Our procedure: remind those who have not voted an hour before the close, or
    halfway through a shorter vote; none for a vote closed by hand."""
    if closes_at is None or closes_at <= opened_at:
        return None
    lead = min(timedelta(hours=1), (closes_at - opened_at) / 2)
    return closes_at - lead


def voter_key(*, member_id: int | None = None, user_id: int | None = None) -> str:
    """The one-vote unit: a member at the Assembly, a seat holder in a committee."""
    if (member_id is None) == (user_id is None):
        raise ValueError("a voter is a member or a seat holder, not both or neither")
    return f"m{member_id}" if member_id is not None else f"u{user_id}"


SYSTEM = frozenset({Party.SYSTEM})

MEETING_RULE_KEYS: tuple[str, ...] = (
    "art24.delegates_only_at_the_assembly",
    "art24.only_full_members_name_delegates",
    "art24.member_not_in_good_standing",
    "procedure.session_not_open",
    "art25.only_full_members_vote",
    "art21.member_withdrawn",
    "art22.member_suspended",
    "art25.voting_right_suspended_for_fees",
    "art26.not_checked_in",
    *(f"art{article}.not_a_seat_holder" for article in (6, 8, 10)),
    "procedure.vote_closed",
    "procedure.secret_vote_is_final",
    "art25.member_already_voted",
    "art27.rules_approved_by_the_assembly",
    "art30.amendments_by_assembly_or_trustees",
    "art30.only_full_members_support",
)
"""Every refusal these rules give, for the bot's translations."""
