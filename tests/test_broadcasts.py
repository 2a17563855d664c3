"""Who a broadcast reaches, segment by segment and combined, and what its start writes:
every recipient's copy in a constant number of statements, however many they are."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from models import (
    FeeDue,
    FeePeriod,
    Invitation,
    Meeting,
    Member,
    Notification,
    Representation,
    RoleGrant,
    Seat,
    User,
)
from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.outreach import broadcasts
from workflows.outreach.broadcasts import (
    ALL,
    BODY,
    CATEGORY,
    COUNTRY,
    INVITED,
    OVERDUE,
    SECRETARIAT,
    STANDING,
    UNANSWERED,
    VOTING_SUSPENDED,
    segment,
)
from workflows.platform import schedule
from workflows.platform.unit_of_work import UnitOfWork

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
_ids = iter(range(5000, 100000))


def person(session: Session, language: str = "en") -> int:
    user = User(id=next(_ids), first_name="P", language=language)
    session.add(user)
    session.flush()
    return user.id


def member(
    session: Session,
    category: str = "full",
    country: str = "MA",
    *,
    standing: str = "active",
    voting_right: str = "active",
    language: str = "en",
) -> tuple[int, int]:
    row = Member(
        category=category,
        name_en="City",
        name_ar="مدينة",
        country=country,
        standing=standing,
        voting_right=voting_right,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    user_id = person(session, language)
    session.add(Representation(member_id=row.id, user_id=user_id))
    return row.id, user_id


@pytest.fixture
def scene(uow: UnitOfWork) -> dict[str, object]:
    with uow.begin() as session:
        fez = member(session, "full", "MA")
        rabat = member(session, "full", "MA", voting_right="suspended_for_fees", language="ar")
        cairo = member(session, "full", "EG")
        institute = member(session, "associate", "MA", language="ar")
        observer = member(session, "observer", "TR")
        honorary = member(session, "honorary", "SA")
        gone = member(session, "full", "MA", standing="withdrawn")
        period = FeePeriod(
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
            amount_minor=100,
            currency="USD",
            due_on=date(2026, 3, 1),
            grace_days=90,
            reminder_every_days_after=14,
        )
        session.add(period)
        session.flush()
        session.add(
            FeeDue(period_id=period.id, member_id=cairo[0], amount_minor=100, currency="USD")
        )
        trustee = person(session)
        steering = person(session, "ar")
        session.add(Seat(body="trustees", kind="trustee", holder_id=trustee))
        session.add(Seat(body="steering", kind="mayor", holder_id=steering))
        secretary = person(session)
        session.add(RoleGrant(user_id=secretary, role="secretariat"))
        meeting = Meeting(body="assembly", title="Session", starts_at=NOW + timedelta(days=9))
        session.add(meeting)
        session.flush()
        session.add(Invitation(meeting_id=meeting.id, voter="m1", member_id=fez[0], rsvp="attend"))
        session.add(Invitation(meeting_id=meeting.id, voter="m2", member_id=cairo[0]))
        session.add(Invitation(meeting_id=meeting.id, voter="u1", user_id=trustee))
        return {
            "fez": fez,
            "rabat": rabat,
            "cairo": cairo,
            "institute": institute,
            "observer": observer,
            "honorary": honorary,
            "gone": gone,
            "trustee": trustee,
            "steering": steering,
            "secretary": secretary,
            "meeting": meeting.id,
        }


def reach(uow: UnitOfWork, *segments: str) -> tuple[int, int]:
    with uow.begin() as session:
        found = broadcasts.audience(session, segments, now=NOW)
        return len(found.people), found.members


def test_each_segment_reaches_whom_it_says(uow: UnitOfWork, scene: dict[str, object]) -> None:
    meeting = scene["meeting"]
    assert reach(uow, ALL) == (6, 6), "withdrawn members are not reached"
    assert reach(uow, segment(CATEGORY, "full")) == (3, 3)
    assert reach(uow, segment(CATEGORY, "honorary")) == (1, 1)
    assert reach(uow, segment(STANDING, VOTING_SUSPENDED)) == (1, 1)
    assert reach(uow, segment(STANDING, OVERDUE)) == (1, 1)
    assert reach(uow, segment(COUNTRY, "MA")) == (3, 3)
    assert reach(uow, segment(BODY, "trustees")) == (1, 0)
    assert reach(uow, segment(SECRETARIAT)) == (1, 0)
    assert reach(uow, segment(INVITED, meeting)) == (3, 2)
    assert reach(uow, segment(UNANSWERED, meeting)) == (2, 1)


def test_segments_combine(uow: UnitOfWork, scene: dict[str, object]) -> None:
    # Kinds of member filter narrow each other; values of one kind add up.
    assert reach(uow, segment(CATEGORY, "full"), segment(COUNTRY, "MA")) == (2, 2)
    assert reach(uow, segment(CATEGORY, "full"), segment(CATEGORY, "associate")) == (4, 4)
    both = (segment(STANDING, VOTING_SUSPENDED), segment(STANDING, OVERDUE))
    assert reach(uow, *both) == (2, 2)
    assert reach(uow, segment(COUNTRY, "EG"), *both) == (1, 1)
    # Groups of people add to the members' representatives, each person once.
    assert reach(uow, segment(CATEGORY, "full"), segment(BODY, "trustees"), SECRETARIAT) == (5, 3)
    assert reach(uow, ALL, segment(INVITED, scene["meeting"])) == (7, 6)
    assert reach(uow, "category:mayors", "body:nowhere") == (0, 0), "forged segments reach no one"


def start_due(uow: UnitOfWork) -> None:
    schedule.run_due(uow.begin, now=NOW + timedelta(seconds=1))


def test_a_missing_language_is_refused_unless_the_other_is_sent(
    uow: UnitOfWork, scene: dict[str, object]
) -> None:
    secretary = scene["secretary"]
    assert isinstance(secretary, int)
    arguments = dict(
        sender_id=secretary,
        segments=[ALL],
        text_ar="",
        file=None,
        due_at=NOW,
        time_zone="UTC",
        now=NOW,
    )
    with pytest.raises(broadcasts.MissingTranslation), uow.begin() as session:
        broadcasts.create(session, text_en="Hello", other_language=False, **arguments)  # type: ignore[arg-type]
    with uow.begin() as session:
        made = broadcasts.create(session, text_en="Hello", other_language=True, **arguments)  # type: ignore[arg-type]
    start_due(uow)
    with uow.db.reading() as session:
        copies = session.exec(
            select(Notification).where(Notification.broadcast_id == made.id)
        ).all()
        assert len(copies) == 6
        assert {copy.args["body"]["$markup"] for copy in copies} == {"Hello"}


def test_only_staff_broadcast_and_a_started_one_cannot_be_cancelled(
    uow: UnitOfWork, scene: dict[str, object]
) -> None:
    fez = scene["fez"]
    assert isinstance(fez, tuple)
    with pytest.raises(NotAllowed), uow.begin() as session:
        broadcasts.create(
            session,
            sender_id=fez[1],
            segments=[ALL],
            text_en="x",
            text_ar="y",
            other_language=False,
            file=None,
            due_at=NOW,
            time_zone="UTC",
            now=NOW,
        )
    secretary = scene["secretary"]
    assert isinstance(secretary, int)
    with uow.begin() as session:
        made = broadcasts.create(
            session,
            sender_id=secretary,
            segments=[ALL],
            text_en="x",
            text_ar="y",
            other_language=False,
            file=None,
            due_at=NOW,
            time_zone="UTC",
            now=NOW,
        )
    start_due(uow)
    with pytest.raises(IllegalTransition), uow.begin() as session:
        broadcasts.cancel(session, broadcast_id=made.id or 0, actor_id=secretary, now=NOW)


def statements_to_start(uow: UnitOfWork, people: int, country: str) -> int:
    """How many INSERT statements into the outbox the start of a broadcast to ``people``
    makes."""
    with uow.begin() as session:
        secretary = person(session)
        session.add(RoleGrant(user_id=secretary, role="secretariat"))
        for _ in range(people):
            member(session, "observer", country)
        made = broadcasts.create(
            session,
            sender_id=secretary,
            segments=[segment(COUNTRY, country)],
            text_en="x",
            text_ar="y",
            other_language=False,
            file=None,
            due_at=NOW,
            time_zone="UTC",
            now=NOW,
        )
    inserts: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            inserts.append(statement)

    event.listen(uow.db.engine, "before_cursor_execute", seen)
    try:
        start_due(uow)
    finally:
        event.remove(uow.db.engine, "before_cursor_execute", seen)
    with uow.db.reading() as session:
        copies = session.exec(select(Notification.id).where(Notification.broadcast_id == made.id))
        assert len(copies.all()) == people
    return len(inserts)


def test_the_copies_are_written_in_a_constant_number_of_statements(uow: UnitOfWork) -> None:
    assert statements_to_start(uow, 400, "ZA") == statements_to_start(uow, 5, "ZW")
