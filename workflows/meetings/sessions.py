"""Sessions of the Assembly and meetings of the boards: convening, invitations, RSVP,
who speaks for whom, the quorum and the Secretariat's live attendance board.

Art. 23 (sessions by invitation), Art. 24 (representatives and delegates, every
member may participate), Art. 26 (quorum). Each step checks ``MEETING`` with the
actor's roles from the database, writes an audit record and its notifications.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from models import Attendance, BodyRules, Invitation, Meeting, Member, Motion, User, bulk
from workflows.charter.bodies import COMPOSITIONS, Body
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import MotionState
from workflows.charter.meetings import (
    MEETING,
    MeetingEvent,
    MeetingState,
    Rsvp,
    SessionKind,
    may_name_delegate,
    voter_key,
)
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.voting import (
    Bases,
    MajorityBase,
    MemberStanding,
    QuorumResult,
    VotingRules,
    bases,
)
from workflows.meetings import seats, speakers
from workflows.membership import representation
from workflows.platform import audit, live, locks, outbox, people, schedule
from workflows.platform.buttons import Button
from workflows.platform.unit_of_work import SETTINGS
from workflows.platform.values import Message, Texts, message

BOARD = "meeting.board"
#: A group chat's language when its posts carry both working languages (Art. 3).
BOTH_LANGUAGES = "both"


def lock(session: Session, meeting_id: int) -> Meeting:
    return locks.lock(session, Meeting, meeting_id)


def load(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotAllowed("no such session", reason="not_found")
    return meeting


def _step(
    session: Session, meeting: Meeting, event: MeetingEvent, user: User, *, now: datetime
) -> None:
    audit.transition(
        session,
        MEETING,
        meeting,
        event,
        people.actor_roles(session, user),
        entity="meeting",
        actor_id=user.id,
        now=now,
    )


def _invitees(session: Session, body: Body) -> list[tuple[str, int | None, int | None]]:
    """(voter, member, seat holder) of everyone invited: at the Assembly every member
    in good standing, whatever its category (Art. 24: all "equally entitled to
    participate"); in a board or committee its seat holders (Art. 6, 8, 10)."""
    if body == Body.ASSEMBLY:
        members = session.exec(
            select(Member.id)
            .where(Member.standing == Standing.ACTIVE.value)
            .order_by(col(Member.id))
        )
        return [(voter_key(member_id=m), m, None) for m in members if m is not None]
    return [(voter_key(user_id=u), None, u) for u in sorted(seats.holders(session, body))]


# --- Convening (Art. 23) -----------------------------------------------------


@dataclass(frozen=True)
class Convening:
    body: Body
    kind: SessionKind
    title: str
    starts_at: datetime
    time_zone: str
    place: str | None = None
    link: str | None = None
    agenda: str = ""
    group_chat_id: int | None = None
    title_ar: str | None = None
    agenda_ar: str | None = None


def convene(session: Session, details: Convening, actor: User, *, now: datetime) -> Meeting:
    """Create the session and invite everyone entitled (Art. 23, 24)."""
    MEETING.check(None, MeetingEvent.CONVENE, people.actor_roles(session, actor))
    ZoneInfo(details.time_zone)  # refuses an unknown zone before anything is written
    meeting = Meeting(
        body=details.body.value,
        kind=details.kind.value,
        title=details.title,
        starts_at=details.starts_at,
        time_zone=details.time_zone,
        place=details.place,
        link=details.link,
        agenda=details.agenda,
        title_ar=details.title_ar,
        agenda_ar=details.agenda_ar,
        group_chat_id=details.group_chat_id,
        created_by=actor.id,
        created_at=now,
        majority_base=body_base(session, details.body).value,
        fee_suspended_in_quorum_base=_fee_suspended_in_base(session),
    )
    audit.create(
        session, meeting, MeetingEvent.CONVENE, entity="meeting", actor_id=actor.id, now=now
    )
    assert meeting.id is not None
    invitees = _invitees(session, details.body)
    # Written and announced in a fixed number of statements, whatever the number of
    # members: the rows in one insert, their notices in another.
    written = bulk.insert_many(
        session,
        Invitation,
        [
            {"meeting_id": meeting.id, "voter": voter, "member_id": member_id, "user_id": user_id}
            for voter, member_id, user_id in invitees
        ],
        Invitation.id,
        Invitation.voter,
    )
    ids = {voter: invitation_id for invitation_id, voter in written}
    invitations = [
        Invitation(
            id=ids[voter], meeting_id=meeting.id, voter=voter, member_id=member_id, user_id=user_id
        )
        for voter, member_id, user_id in invitees
    ]
    held = _load_members(session, invitations)
    outbox.notify_many(
        session,
        [
            outbox.Owed(
                chat_id=chat_id,
                key=INVITATION,
                args=describe(session, meeting, for_member=invitation.member_id),
                buttons=rsvp_buttons(session, meeting, invitation),
            )
            for invitation, chat_ids in _recipients(session, meeting, invitations)
            for chat_id in chat_ids
        ],
    )
    del held  # loaded until every invitation was described
    if meeting.group_chat_id is not None:
        outbox.notify(
            session, chat_id=meeting.group_chat_id, key=ANNOUNCED, args=describe(session, meeting)
        )
    return meeting


def _recipients(
    session: Session, meeting: Meeting, invitations: list[Invitation]
) -> list[tuple[Invitation, list[int]]]:
    """:func:`speakers.invitation_recipients` of each invitation, read at once."""
    assert meeting.id is not None
    member_ids = sorted({i.member_id for i in invitations if i.member_id is not None})
    speaking = speakers.speakers_of(session, meeting.id, member_ids)
    return [
        (
            invitation,
            [invitation.user_id]
            if invitation.user_id is not None
            else speaking[invitation.member_id or 0],
        )
        for invitation in invitations
    ]


def _load_members(session: Session, invitations: list[Invitation]) -> list[Member]:
    """The members invited, loaded at once: while the caller holds them, the session
    finds each in its identity map, and describing an invitation costs no query."""
    member_ids = sorted({i.member_id for i in invitations if i.member_id is not None})
    loaded: list[Member] = []
    for part in outbox.slices(member_ids):
        loaded.extend(session.exec(select(Member).where(bulk.among(session, col(Member.id), part))))
    return loaded


def _fee_suspended_in_base(session: Session) -> bool:
    settings = session.info.get(SETTINGS)
    return bool(settings.fee_suspended_in_quorum_base) if settings is not None else False


@dataclass(frozen=True)
class RsvpButton(Button, kind="meeting.rsvp"):
    """Under an invitation: the answer of the invited member's representative."""

    meeting_id: int
    invitation_id: int
    answer: Rsvp


@dataclass(frozen=True)
class CheckInButton(Button, kind="meeting.check_in"):
    """Under "the session is open": the member's representative is present."""

    meeting_id: int
    member_id: int


def rsvp_buttons(session: Session, meeting: Meeting, invitation: Invitation) -> list[list[Button]]:
    """Attend, Decline, and for a full member at the Assembly, Send a delegate (Art. 24)."""
    assert meeting.id is not None and invitation.id is not None
    member = session.get(Member, invitation.member_id) if invitation.member_id else None
    answers = [Rsvp.ATTEND]
    if member is not None and may_name_delegate(
        MemberCategory(member.category), Standing(member.standing), Body(meeting.body)
    ):
        answers.append(Rsvp.DELEGATE)
    answers.append(Rsvp.DECLINE)
    return [[RsvpButton(meeting.id, invitation.id, answer) for answer in answers]]


def local_start(meeting: Meeting) -> datetime:
    """The start time in the session's stated zone."""
    return meeting.starts_at.astimezone(ZoneInfo(meeting.time_zone))


def describe(
    session: Session, meeting: Meeting, *, for_member: int | None = None
) -> dict[str, Any]:
    where = meeting.place or ""
    if meeting.link:
        where = f"{where} {meeting.link}".strip()
    member = session.get(Member, for_member) if for_member is not None else None
    return {
        "title": title_of(meeting),
        "number": str(meeting.id),
        "body": message(BODY_NAMES[Body(meeting.body)]),
        "kind": message(KIND_NAMES[SessionKind(meeting.kind)]),
        "when": local_start(meeting),
        "zone": meeting.time_zone,
        "where": where or "—",
        "agenda": agenda_of(meeting),
        "member": member_name(member) if member else "",
    }


def title_of(meeting: Meeting) -> Texts:
    return Texts(meeting.title, meeting.title_ar or "")


def agenda_of(meeting: Meeting) -> Texts:
    if not meeting.agenda and not meeting.agenda_ar:
        return Texts("—", "—")
    return Texts(meeting.agenda, meeting.agenda_ar or "")


def write_texts(
    session: Session,
    meeting_id: int,
    actor: User,
    *,
    language: str,
    title: str,
    agenda: str,
    now: datetime,
) -> Meeting:
    """The Secretariat writes, or rewrites, the session's title and agenda in one of the
    working languages; every later post shows them."""
    seats.require_staff(session, actor)
    meeting = lock(session, meeting_id)
    if language == "ar":
        meeting.title_ar, meeting.agenda_ar = title or None, agenda or None
    else:
        meeting.title, meeting.agenda = title, agenda
    session.add(meeting)
    audit.record(
        session,
        entity="meeting",
        entity_id=meeting.id,
        action="texts",
        actor_id=actor.id,
        at=now,
        language=language,
    )
    return meeting


def member_name(member: Member) -> Message:
    """A member's name in the reader's language first, the other after it."""
    return message(MEMBER_NAME, name_en=member.name_en, name_ar=member.name_ar)


def answer_invitation(
    session: Session, invitation_id: int, user: User, answer: Rsvp, *, now: datetime
) -> Invitation:
    invitation = locks.lock(session, Invitation, invitation_id)
    if answer == Rsvp.PENDING:
        raise NotAllowed("no such invitation", reason="not_found")
    meeting = load(session, invitation.meeting_id)
    if user.id not in speakers.invitation_recipients(session, meeting, invitation) and (
        invitation.member_id is None
        or user.id not in representation.representatives(session, invitation.member_id)
    ):
        raise NotAllowed("not this invitation's addressee", reason="not_invited")
    if meeting.state in (MeetingState.CLOSED.value, MeetingState.CANCELLED.value):
        raise NotAllowed("the session is over", reason="procedure.session_over")
    if answer == Rsvp.DELEGATE and invitation.member_id is None:
        raise NotAllowed("seats are personal", reason="art24.delegates_only_at_the_assembly")
    invitation.rsvp, invitation.answered_by, invitation.answered_at = answer.value, user.id, now
    session.add(invitation)
    audit.record(
        session,
        entity="meeting",
        entity_id=meeting.id,
        action="rsvp",
        actor_id=user.id,
        to_state=answer.value,
        at=now,
        voter=invitation.voter,
    )
    return invitation


# --- Opening, closing, the quorum (Art. 26) ----------------------------------


def open_session(session: Session, meeting_id: int, actor: User, *, now: datetime) -> Meeting:
    """Open check-in: every invitee who did not decline gets a check-in button, and the
    actor gets the attendance board, kept up to date."""
    meeting = lock(session, meeting_id)
    _step(session, meeting, MeetingEvent.OPEN, actor, now=now)
    meeting.opened_at = now
    invited = [
        invitation
        for invitation in speakers.invitations(session, meeting)
        if invitation.rsvp != Rsvp.DECLINE.value
    ]
    held = _load_members(session, invited)
    outbox.notify_many(
        session,
        [
            outbox.Owed(
                chat_id=chat_id,
                key=CHECK_IN_NOW,
                args=describe(session, meeting, for_member=invitation.member_id),
                buttons=[[CheckInButton(meeting.id or 0, invitation.member_id or 0)]],
            )
            for invitation, chat_ids in _recipients(session, meeting, invited)
            for chat_id in chat_ids
        ],
    )
    del held  # loaded until every invitation was described
    board = outbox.notify(
        session, chat_id=actor.id, key=BOARD_TEXT, args=board_args(session, meeting)
    )
    meeting.board_id = board.id if board else None
    session.add(meeting)
    return meeting


def close_session(session: Session, meeting_id: int, actor: User, *, now: datetime) -> Meeting:
    meeting = lock(session, meeting_id)
    still_open = session.exec(
        select(Motion.id).where(
            Motion.meeting_id == meeting.id, Motion.state == MotionState.OPEN.value
        )
    ).first()
    if still_open is not None:
        raise NotAllowed("close the votes first", reason="procedure.motions_still_open")
    _step(session, meeting, MeetingEvent.CLOSE, actor, now=now)
    meeting.closed_at = now
    refresh_board(session, meeting, now=now)
    return meeting


def cancel_session(session: Session, meeting_id: int, actor: User, *, now: datetime) -> Meeting:
    meeting = lock(session, meeting_id)
    _step(session, meeting, MeetingEvent.CANCEL, actor, now=now)
    for chat_id in speakers.audience(session, meeting):
        outbox.notify(session, chat_id=chat_id, key=CANCELLED, args=describe(session, meeting))
    return meeting


def rules_of(meeting: Meeting) -> VotingRules:
    """The session's reading of Art. 25, 26 and 30 (thresholds are the charter's)."""
    return VotingRules(
        majority_base=MajorityBase(meeting.majority_base),
        fee_suspended_in_quorum_base=meeting.fee_suspended_in_quorum_base,
    )


def bases_of(session: Session, meeting: Meeting, rules: VotingRules | None = None) -> Bases[str]:
    """Who is in the session's bases now, by voter key, under its frozen rules:
    the one count the board, the results, the minutes and Art. 30's gate read."""
    assert meeting.id is not None
    rules = rules or rules_of(meeting)
    present = {row.voter for row in speakers.attended(session, meeting.id)}
    body = Body(meeting.body)
    if body == Body.ASSEMBLY:
        return bases(
            body,
            rules,
            members=(
                MemberStanding(
                    member_id=voter_key(member_id=member.id),
                    category=MemberCategory(member.category),
                    standing=Standing(member.standing),
                    voting_right=VotingRight(member.voting_right),
                    checked_in=voter_key(member_id=member.id) in present,
                )
                for member in session.exec(select(Member))
                if member.id is not None
            ),
        )
    holders = [voter_key(user_id=h) for h in seats.holders(session, body)]
    return bases(body, rules, seat_holders=holders, checked_in=present)


def quorum_of(session: Session, meeting: Meeting, rules: VotingRules | None = None) -> QuorumResult:
    """Art. 26 at the Assembly; a board's on its seats as the charter composes them."""
    rules = rules or rules_of(meeting)
    return bases_of(session, meeting, rules).quorum(rules)


def seating_shortfall(session: Session, meeting: Meeting) -> dict[str, Any] | None:
    """A board with fewer seat holders than its quorum can never decide: say so
    before the session opens (Art. 6, 8), with the counts; None when it can."""
    body = Body(meeting.body)
    if body == Body.ASSEMBLY:
        return None
    result = quorum_of(session, meeting)
    seated = result.total - bases_of(session, meeting).vacant_seats
    if seated >= result.needed:
        return None
    return {
        "body": message(BODY_NAMES[body]),
        "seated": seated,
        "seats": result.total,
        "needed": result.needed,
        "article": COMPOSITIONS[body].article,
    }


def choose_body_base(
    session: Session, body: Body, base: MajorityBase, actor: User, *, now: datetime
) -> None:
    """The Secretariat chooses a body's majority base (Art. 26 leaves it open, Art. 27
    gives the Secretariat the procedure); sessions convened from now on take it."""
    seats.require_staff(session, actor)
    row = session.get(BodyRules, body.value) or BodyRules(body=body.value, majority_base="")
    row.majority_base, row.changed_by, row.changed_at = base.value, actor.id, now
    session.add(row)
    audit.record(
        session,
        entity="body",
        entity_id=None,
        action="majority_base",
        actor_id=actor.id,
        to_state=base.value,
        at=now,
        body=body.value,
    )


def body_base(session: Session, body: Body) -> MajorityBase:
    row = session.get(BodyRules, body.value)
    if row is not None:
        return MajorityBase(row.majority_base)
    settings = session.info.get(SETTINGS)
    return MajorityBase(settings.majority_base) if settings is not None else MajorityBase.YES_NO


def choose_rules(
    session: Session,
    meeting_id: int,
    actor: User,
    *,
    majority_base: MajorityBase,
    fee_suspended_in_quorum_base: bool | None = None,
    now: datetime,
) -> Meeting:
    """Change a session's reading before it opens; once open it is fixed, so that
    the board, every result and the minutes count on the same bases."""
    seats.require_staff(session, actor)
    meeting = lock(session, meeting_id)
    if meeting.state != MeetingState.SCHEDULED.value:
        raise NotAllowed("the session has opened", reason="procedure.rules_fixed_once_open")
    meeting.majority_base = majority_base.value
    if fee_suspended_in_quorum_base is not None:
        meeting.fee_suspended_in_quorum_base = fee_suspended_in_quorum_base
    session.add(meeting)
    audit.record(
        session,
        entity="meeting",
        entity_id=meeting.id,
        action="rules",
        actor_id=actor.id,
        to_state=majority_base.value,
        at=now,
        fee_suspended_in_quorum_base=meeting.fee_suspended_in_quorum_base,
    )
    return meeting


def board_args(session: Session, meeting: Meeting) -> dict[str, Any]:
    result = quorum_of(session, meeting)
    assert meeting.id is not None
    return {
        **describe(session, meeting),
        "present": _count(session, Attendance, meeting.id),
        "invited": _count(session, Invitation, meeting.id),
        "quorum": quorum_message(result),
        "rules": rules_message(rules_of(meeting)),
    }


def _count(session: Session, table: type[Attendance] | type[Invitation], meeting_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(table).where(table.meeting_id == meeting_id)
    ).one()


def rules_message(rules: VotingRules) -> Message:
    """The session's reading in words, for the board, the results and the minutes."""
    return message(
        RULES_LINE,
        base=message(BASE_NAMES[rules.majority_base]),
        unpaid=message(UNPAID_IN_BASE if rules.fee_suspended_in_quorum_base else UNPAID_LEFT_OUT),
    )


def quorum_message(result: QuorumResult) -> Message:
    return message(
        QUORUM_MET if result.met else QUORUM_NOT_MET,
        attending=result.attending,
        total=result.total,
        needed=result.needed,
        article=result.article,
    )


def refresh_board(session: Session, meeting: Meeting, *, now: datetime) -> None:
    if meeting.board_id is not None:
        live.edit(
            session,
            target_id=meeting.board_id,
            key=BOARD_TEXT,
            args=board_args(session, meeting),
            buttons=[],
            now=now,
        )


@schedule.handles(BOARD)
def _refresh_board(session: Session, args: dict[str, Any], now: datetime) -> None:
    meeting = session.get(Meeting, args["subject_id"])
    if meeting is not None:
        refresh_board(session, meeting, now=now)


BODY_NAMES = {
    Body.ASSEMBLY: "sessions.body_names.assembly",
    Body.TRUSTEES: "sessions.body_names.trustees",
    Body.STEERING: "sessions.body_names.steering",
    Body.COUNCIL: "sessions.body_names.council",
}
KIND_NAMES = {
    SessionKind.REGULAR: "sessions.kind_names.regular",
    SessionKind.EXTRAORDINARY: "sessions.kind_names.extraordinary",
}
MEMBER_NAME = "sessions.member_name"
#: Notices by their stable names: their words and tags are in bot/notices.py.
SESSION_LINES = "sessions.session_lines"
INVITATION = "sessions.invitation"
ANNOUNCED = "sessions.announced"
CHECK_IN_NOW = "sessions.check_in_now"
CANCELLED = "sessions.cancelled"
BOARD_TEXT = "sessions.board_text"
BASE_NAMES = {
    MajorityBase.YES_NO: "sessions.base_names.yes_no",
    MajorityBase.YES_NO_ABSTAIN: "sessions.base_names.yes_no_abstain",
    MajorityBase.PRESENT: "sessions.base_names.present",
}
RULES_LINE = "sessions.rules_line"
UNPAID_LEFT_OUT = "sessions.unpaid_left_out"
UNPAID_IN_BASE = "sessions.unpaid_in_base"
TOO_FEW_SEATED = "sessions.too_few_seated"
QUORUM_MET = "sessions.quorum_met"
QUORUM_NOT_MET = "sessions.quorum_not_met"
