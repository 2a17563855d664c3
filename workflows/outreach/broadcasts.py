"""Broadcasts: the Secretariat tells a segment of the Assembly something.

A broadcast is written for segments of people, in both working languages (Art. 3),
previewed, then scheduled (at once, or for a stated time) as a due item; it can be
cancelled until it starts. When it starts, every recipient's copy is written as an
outbox row in one bulk insert (a constant number of statements, however many
recipients), so the outbox's guarantees hold for each copy: delivered once, through
the shared rate limiter, across crashes and restarts. A progress due item edits the
sender's progress message as the copies go out, and ends with the report.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from models import (
    Broadcast,
    FeeDue,
    FeePeriod,
    Invitation,
    Member,
    Notification,
    Representation,
    RoleGrant,
    Seat,
    User,
)
from workflows.charter.bodies import Body
from workflows.charter.errors import IllegalTransition, MajlisError, NotAllowed
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.roles import STAFF, Role
from workflows.platform import audit, outbox, people, schedule, values
from workflows.platform.buttons import Button
from workflows.platform.values import Markup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportButton(Button, kind="broadcast.report"):
    """Under a broadcast's report: the CSV of those it did not reach."""

    broadcast_id: int


START = "broadcast.start"
PROGRESS = "broadcast.progress"
#: How often the sender's progress message is brought up to date.
PROGRESS_EVERY = timedelta(seconds=2)
#: Rows per bulk insert: a 2,000-person broadcast is two statements.
BATCH = 1000

# Segments, stored as strings. Member filters narrow the members whose
# representatives are reached (values of one kind add up, kinds narrow each other);
# groups of people (seats, invitees, the Secretariat) add to them.
ALL = "all"
CATEGORY = "category"
STANDING = "standing"
COUNTRY = "country"
BODY = "body"
INVITED = "invited"
UNANSWERED = "unanswered"
SECRETARIAT = "secretariat"
VOTING_SUSPENDED = "voting_suspended"
OVERDUE = "overdue"
STANDINGS = (VOTING_SUSPENDED, OVERDUE)
SEAT_BODIES = (Body.TRUSTEES, Body.STEERING, Body.COUNCIL)


class BroadcastState:
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class MissingTranslation(MajlisError):
    """Some recipients read a language the text is not written in, and the sender has
    not said to send them the other one."""

    default_reason = "broadcast_missing_translation"

    def __init__(self, language: str, readers: int) -> None:
        super().__init__(f"{readers} readers of {language} have no text")
        self.language = language
        self.readers = readers


class NoRecipients(MajlisError):
    default_reason = "broadcast_no_recipients"


def segment(kind: str, value: object = "") -> str:
    return f"{kind}:{value}" if value != "" else kind


def parse_segment(text: str) -> tuple[str, str]:
    kind, _, value = text.partition(":")
    return kind, value


def valid_segment(text: str) -> bool:
    kind, value = parse_segment(text)
    if kind in (ALL, SECRETARIAT):
        return value == ""
    if kind == CATEGORY:
        return value in {c.value for c in MemberCategory}
    if kind == STANDING:
        return value in STANDINGS
    if kind == COUNTRY:
        return len(value) == 2 and value.isalpha() and value.isupper()
    if kind == BODY:
        return value in {b.value for b in SEAT_BODIES}
    if kind in (INVITED, UNANSWERED):
        return value.isdigit()
    return False


@dataclass(frozen=True)
class Audience:
    """Who a set of segments reaches: people, with their language, and members."""

    people: dict[int, str]
    members: int

    def readers(self, language: str) -> int:
        return sum(1 for own in self.people.values() if own == language)


def require_staff(session: Session, user_id: int) -> None:
    if not people.roles_of(session, user_id) & STAFF:
        raise NotAllowed("broadcasts are the Secretariat's", reason="broadcast")


def audience(session: Session, segments: Iterable[str], *, now: datetime) -> Audience:
    chosen = [parse_segment(text) for text in segments if valid_segment(text)]
    by_kind: dict[str, set[str]] = {}
    for kind, value in chosen:
        by_kind.setdefault(kind, set()).add(value)
    member_ids: set[int] = set()
    person_ids: set[int] = set()
    if by_kind.keys() & {ALL, CATEGORY, STANDING, COUNTRY}:
        member_ids |= _members(session, by_kind, now=now)
    for body in by_kind.get(BODY, set()):
        person_ids |= set(
            session.exec(
                select(Seat.holder_id).where(Seat.body == body, col(Seat.ended_at).is_(None))
            )
        )
    for kind in (INVITED, UNANSWERED):
        for meeting in by_kind.get(kind, set()):
            query = select(Invitation.user_id, Invitation.member_id).where(
                Invitation.meeting_id == int(meeting)
            )
            if kind == UNANSWERED:
                query = query.where(Invitation.rsvp == "pending")
            for user_id, member_id in session.exec(query):
                if user_id is not None:
                    person_ids.add(user_id)
                if member_id is not None:
                    member_ids.add(member_id)
    if SECRETARIAT in by_kind:
        person_ids |= set(
            session.exec(
                select(RoleGrant.user_id).where(
                    col(RoleGrant.role).in_([Role.SECRETARIAT.value, Role.SECRETARY_GENERAL.value])
                )
            )
        )
    reached_members: set[int] = set()
    if member_ids:
        for user_id, member_id in session.exec(
            select(Representation.user_id, Representation.member_id).where(
                col(Representation.member_id).in_(member_ids),
                col(Representation.until).is_(None),
            )
        ):
            person_ids.add(user_id)
            reached_members.add(member_id)
    languages = (
        {
            user_id: language
            for user_id, language in session.exec(
                select(User.id, User.language).where(col(User.id).in_(person_ids))
            )
        }
        if person_ids
        else {}
    )
    return Audience(
        people={
            user_id: "ar" if language == "ar" else "en" for user_id, language in languages.items()
        },
        members=len(reached_members),
    )


def _members(session: Session, by_kind: dict[str, set[str]], *, now: datetime) -> set[int]:
    query = select(Member.id).where(
        col(Member.standing).in_([Standing.ACTIVE.value, Standing.SUSPENDED.value])
    )
    if CATEGORY in by_kind:
        query = query.where(col(Member.category).in_(sorted(by_kind[CATEGORY])))
    if COUNTRY in by_kind:
        query = query.where(col(Member.country).in_(sorted(by_kind[COUNTRY])))
    found = {member_id for member_id in session.exec(query) if member_id is not None}
    standings = by_kind.get(STANDING, set())
    if standings:
        wanted: set[int] = set()
        if VOTING_SUSPENDED in standings:
            wanted |= {
                member_id
                for member_id in session.exec(
                    select(Member.id).where(
                        Member.voting_right == VotingRight.SUSPENDED_FOR_FEES.value
                    )
                )
                if member_id is not None
            }
        if OVERDUE in standings:
            wanted |= set(
                session.exec(
                    select(FeeDue.member_id)
                    .join(FeePeriod, col(FeePeriod.id) == FeeDue.period_id)
                    .where(col(FeeDue.settled_at).is_(None), FeePeriod.due_on < now.date())
                )
            )
        found &= wanted
    return found


def text_for(broadcast: Broadcast, language: str) -> str:
    own, other = (
        (broadcast.text_ar, broadcast.text_en)
        if language == "ar"
        else (broadcast.text_en, broadcast.text_ar)
    )
    return own or other


def check_languages(found: Audience, *, text_en: str, text_ar: str, other_language: bool) -> None:
    """Refuse a text whose readers of a language would get nothing of their own,
    unless the sender chose to send them the other language."""
    if not text_en and not text_ar:
        raise MissingTranslation("en", found.readers("en"))
    if other_language:
        return
    for language, text in (("en", text_en), ("ar", text_ar)):
        readers = found.readers(language)
        if not text and readers:
            raise MissingTranslation(language, readers)


def create(
    session: Session,
    *,
    sender_id: int,
    segments: list[str],
    text_en: str,
    text_ar: str,
    other_language: bool,
    file: tuple[str, str] | None,
    due_at: datetime,
    time_zone: str,
    now: datetime,
) -> Broadcast:
    """Keep a broadcast checked and previewed by the bot; it starts at ``due_at``."""
    require_staff(session, sender_id)
    segments = [text for text in segments if valid_segment(text)]
    found = audience(session, segments, now=now)
    if not found.people:
        raise NoRecipients("nobody in these segments")
    check_languages(found, text_en=text_en, text_ar=text_ar, other_language=other_language)
    broadcast = Broadcast(
        sender_id=sender_id,
        segments=segments,
        text_en=text_en,
        text_ar=text_ar,
        other_language=other_language,
        file_id=file[0] if file else None,
        file_name=file[1] if file else None,
        due_at=max(due_at, now),
        time_zone=time_zone,
        created_at=now,
        people=len(found.people),
        members=found.members,
    )
    session.add(broadcast)
    session.flush()
    assert broadcast.id is not None
    schedule.schedule(
        session,
        kind=START,
        due_at=broadcast.due_at,
        dedupe_key=f"broadcast:{broadcast.id}:start",
        broadcast_id=broadcast.id,
    )
    audit.record(
        session,
        entity="broadcast",
        entity_id=broadcast.id,
        action="schedule",
        actor_id=sender_id,
        to_state=BroadcastState.SCHEDULED,
        at=now,
        segments=segments,
        people=broadcast.people,
    )
    return broadcast


def cancel(session: Session, *, broadcast_id: int, actor_id: int, now: datetime) -> Broadcast:
    """Cancel a broadcast that has not started; one that has is refused."""
    require_staff(session, actor_id)
    changed = session.execute(
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.state) == BroadcastState.SCHEDULED)
        .values(state=BroadcastState.CANCELLED, cancelled_at=now)
    )
    broadcast = session.get(Broadcast, broadcast_id, populate_existing=True)
    if not changed.rowcount or broadcast is None:  # type: ignore[attr-defined]
        raise IllegalTransition(
            machine="broadcast",
            state=broadcast.state if broadcast else None,
            event="cancel",
            subject=broadcast_id,
        )
    schedule.cancel(session, dedupe_prefix=f"broadcast:{broadcast_id}:", now=now)
    audit.record(
        session,
        entity="broadcast",
        entity_id=broadcast_id,
        action="cancel",
        actor_id=actor_id,
        from_state=BroadcastState.SCHEDULED,
        to_state=BroadcastState.CANCELLED,
        at=now,
    )
    return broadcast


BODY_KEY = "broadcasts.body_key"
PROGRESS_TEXT = "broadcasts.progress_text"
PROGRESS_DONE = "broadcasts.progress_done"
#: Notices by their stable names: their words and tags are in bot/notices.py.
REPORT = "broadcasts.report"


@schedule.handles(START)
def start(session: Session, args: dict[str, Any], now: datetime) -> None:
    """Write every recipient's copy, in bulk, and the sender's progress message."""
    broadcast_id = int(args["broadcast_id"])
    taken = session.execute(
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast_id, col(Broadcast.state) == BroadcastState.SCHEDULED)
        .values(state=BroadcastState.SENDING, started_at=now)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return  # cancelled, or started by an earlier attempt of this due item
    broadcast = session.get(Broadcast, broadcast_id, populate_existing=True)
    assert broadcast is not None
    found = audience(session, broadcast.segments, now=now)
    bodies = {
        language: values.encode({"body": Markup(text_for(broadcast, language))})
        for language in ("en", "ar")
    }
    rows: list[dict[str, Any]] = [
        {
            "chat_id": user_id,
            "key": BODY_KEY,
            "args": bodies[language],
            "buttons": [],
            "created_at": now,
            "attempts": 0,
            "file_id": broadcast.file_id,
            "file_kind": "document" if broadcast.file_id else None,
            "broadcast_id": broadcast_id,
        }
        for user_id, language in sorted(found.people.items())
    ]
    for first in range(0, len(rows), BATCH):
        session.execute(insert(Notification), rows[first : first + BATCH])
    broadcast.people = len(rows)
    broadcast.members = found.members
    progress = outbox.notify(
        session,
        chat_id=broadcast.sender_id,
        key=PROGRESS_TEXT,
        args={"number": broadcast_id, "sent": 0, "total": len(rows)},
        dedupe_key=f"broadcast:{broadcast_id}:progress",
    )
    broadcast.progress_id = progress.id if progress is not None else None
    session.add(broadcast)
    audit.record(
        session,
        entity="broadcast",
        entity_id=broadcast_id,
        action="start",
        actor_id=None,
        from_state=BroadcastState.SCHEDULED,
        to_state=BroadcastState.SENDING,
        at=now,
        people=len(rows),
    )
    _next_progress(session, broadcast_id, 1, now)


def _next_progress(session: Session, broadcast_id: int, turn: int, now: datetime) -> None:
    schedule.schedule(
        session,
        kind=PROGRESS,
        due_at=now + PROGRESS_EVERY,
        dedupe_key=f"broadcast:{broadcast_id}:progress:{turn}",
        broadcast_id=broadcast_id,
        turn=turn,
    )


@dataclass(frozen=True)
class Outcomes:
    delivered: int = 0
    blocked: int = 0
    never_started: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.blocked + self.never_started + self.failed


def outcome_of(row_delivered: bool, failed: bool, error: str | None) -> str:
    if row_delivered:
        return "delivered"
    if not failed:
        return "pending"
    text = (error or "").lower()
    if "blocked" in text:
        return "blocked"
    if "initiate conversation" in text or "chat not found" in text:
        return "never_started"
    return "failed"


def outcomes(session: Session, broadcast_id: int) -> Outcomes:
    counts: dict[str, int] = {}
    query = (
        select(
            col(Notification.delivered_at).is_not(None),
            col(Notification.failed_at).is_not(None),
            Notification.last_error,
            func.count(),
        )
        .where(Notification.broadcast_id == broadcast_id)
        .group_by(
            col(Notification.delivered_at).is_not(None),
            col(Notification.failed_at).is_not(None),
            col(Notification.last_error),
        )
    )
    for delivered, failed, error, count in session.exec(query):
        name = outcome_of(bool(delivered), bool(failed), error)
        counts[name] = counts.get(name, 0) + int(count)
    return Outcomes(**counts)


@schedule.handles(PROGRESS)
def progress(session: Session, args: dict[str, Any], now: datetime) -> None:
    """Edit the sender's progress message when the count moved; at the end, the report."""
    broadcast_id = int(args["broadcast_id"])
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.state != BroadcastState.SENDING:
        return
    counts = outcomes(session, broadcast_id)
    finished = counts.pending == 0
    if counts.handled != broadcast.shown or finished:
        broadcast.shown = counts.handled
        if broadcast.progress_id is not None:
            outbox.notify(
                session,
                chat_id=broadcast.sender_id,
                key=PROGRESS_DONE if finished else PROGRESS_TEXT,
                args={"number": broadcast_id, "sent": counts.handled, "total": broadcast.people},
                edit_of=broadcast.progress_id,
            )
    if not finished:
        session.add(broadcast)
        _next_progress(session, broadcast_id, int(args.get("turn", 0)) + 1, now)
        return
    broadcast.state = BroadcastState.DONE
    broadcast.finished_at = now
    session.add(broadcast)
    missed = counts.blocked + counts.never_started + counts.failed
    outbox.notify(
        session,
        chat_id=broadcast.sender_id,
        key=REPORT,
        args={
            "number": broadcast_id,
            "delivered": counts.delivered,
            "blocked": counts.blocked,
            "never": counts.never_started,
            "failed": counts.failed,
            "members": broadcast.members,
        },
        buttons=[[ReportButton(broadcast_id)]] if missed else [],
        dedupe_key=f"broadcast:{broadcast_id}:report",
    )
    audit.record(
        session,
        entity="broadcast",
        entity_id=broadcast_id,
        action="finish",
        actor_id=None,
        from_state=BroadcastState.SENDING,
        to_state=BroadcastState.DONE,
        at=now,
        delivered=counts.delivered,
        missed=missed,
    )


@dataclass(frozen=True)
class Missed:
    user_id: int
    first_name: str
    username: str | None
    language: str
    members: list[values.Name]
    outcome: str


def missed(session: Session, *, broadcast_id: int, reader_id: int) -> list[Missed]:
    """Who did not receive the broadcast, and why, for the report's CSV."""
    require_staff(session, reader_id)
    rows = session.exec(
        select(Notification.chat_id, Notification.failed_at, Notification.last_error)
        .where(
            Notification.broadcast_id == broadcast_id,
            col(Notification.delivered_at).is_(None),
        )
        .order_by(col(Notification.chat_id))
    ).all()
    found: list[Missed] = []
    for chat_id, failed_at, error in rows:
        user = session.get(User, chat_id)
        members = session.exec(
            select(Member)
            .join(Representation, col(Representation.member_id) == Member.id)
            .where(Representation.user_id == chat_id, col(Representation.until).is_(None))
        ).all()
        found.append(
            Missed(
                user_id=chat_id,
                first_name=user.first_name if user else "",
                username=user.username if user else None,
                language=user.language if user else "en",
                members=[values.Name.of(member) for member in members],
                outcome=outcome_of(False, failed_at is not None, error),
            )
        )
    return found
