"""Builders for meeting and vote tests: members with representatives, a session, a motion."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from models import Member, Representation, User
from workflows.charter.bodies import Body, SeatKind
from workflows.charter.meetings import SessionKind
from workflows.charter.roles import Role
from workflows.meetings import attendance, seats, sessions
from workflows.platform import people
from workflows.platform.clock import Clock


def person(session: Session, user_id: int, name: str, language: str = "en") -> User:
    user = session.get(User, user_id)
    if user is None:
        user = User(id=user_id, first_name=name, language=language, language_chosen=True)
        session.add(user)
        session.flush()
    return user


def member(
    session: Session,
    representative: User,
    name: str,
    *,
    category: str = "full",
    voting_right: str = "active",
    standing: str = "active",
) -> Member:
    row = Member(
        category=category,
        name_en=name,
        name_ar=f"{name} بالعربية",
        country="MA",
        standing=standing,
        voting_right=voting_right,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add(Representation(member_id=row.id, user_id=representative.id))
    people.grant_role(session, user_id=representative.id, role=Role.REPRESENTATIVE, actor_id=None)
    return row


def clerk(session: Session, user_id: int = 1) -> User:
    user = person(session, user_id, "Amina")
    people.grant_role(session, user_id=user.id, role=Role.SECRETARIAT, actor_id=None)
    return user


def assembly(session: Session, actor: User, clock: Clock, **overrides: object) -> int:
    details = sessions.Convening(
        body=Body.ASSEMBLY,
        kind=SessionKind.REGULAR,
        title="Ninth General Assembly",
        starts_at=clock.now() + timedelta(days=1),
        time_zone="Asia/Riyadh",
        place="Makkah",
        agenda="Budget; rules of procedure",
        **overrides,  # type: ignore[arg-type]
    )
    meeting = sessions.convene(session, details, actor, now=clock.now())
    assert meeting.id is not None
    return meeting.id


#: Seats for up to nine trustees, in an order the charter's composition allows (Art. 6).
TRUSTEE_SEATS = [
    *[SeatKind.MAYOR] * 4,
    *[SeatKind.URBAN_SCHOLAR] * 3,
    SeatKind.CHAIR,
    SeatKind.SECRETARY_GENERAL,
]


def board_meeting(
    session: Session,
    staff: User,
    trustees: Sequence[User],
    *,
    now: datetime,
    present: Sequence[User] | None = None,
    title: str = "Annual Board meeting",
) -> int:
    """Seat ``trustees`` on the Board of Trustees, convene and open its session, and check
    in ``present`` (all of them by default). Returns the session's id."""
    for trustee, kind in zip(trustees, TRUSTEE_SEATS, strict=False):
        seats.assign(session, Body.TRUSTEES, kind, trustee, staff, now=now)
    meeting = sessions.convene(
        session,
        sessions.Convening(
            body=Body.TRUSTEES,
            kind=SessionKind.REGULAR,
            title=title,
            starts_at=now,
            time_zone="UTC",
        ),
        staff,
        now=now,
    )
    assert meeting.id is not None
    sessions.open_session(session, meeting.id, staff, now=now)
    for trustee in trustees if present is None else present:
        attendance.check_in(session, meeting.id, trustee, now=now)
    return meeting.id
