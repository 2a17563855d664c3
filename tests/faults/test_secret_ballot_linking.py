"""A secret ballot cannot be linked to its voter from the database, before or after
the close, while every ballot is counted once and nobody votes twice.

Twenty members vote by secret ballot through ``majlis bot`` on PostgreSQL, their
confirmations reaching the bot in one batch so that the ballots are cast in
concurrent transactions, five of them pressed twice. Then an attacker with the
database superuser's access tries to link each voter to a choice: through the rows
written in the voter's own or the nearest transaction (``xmin``), the physical
order of the rows (``ctid``), the dead row versions still on the pages
(``pageinspect``), the audit trail's vote records, the outbox, and the processes'
logs. Each attack may name a choice for a voter; where it cannot, the attacker
falls back on the best blind guess, the most frequent choice of the published
result. No attack may do better than that blind guess.
"""

import asyncio
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from models import AuditRecord, Motion, SecretParticipation, User
from models.db import Database
from sandbox.client import SandboxUser
from tests.conftest import POSTGRES_URL
from tests.faults.conftest import Deployment
from tests.inspection import extension
from tests.meetings_world import assembly, member
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.meetings import attendance, motions, sessions
from workflows.platform.clock import SystemClock

pytestmark = pytest.mark.faults

VOTERS = 20
TWICE = 5
LABELS = {Choice.YES: "Yes", Choice.NO: "No", Choice.ABSTAIN: "Abstain"}
#: How a choice would look in a tuple: a short varchar (its one-byte length header,
#: then the word), a JSON string, or the Confirm button of a ballot (its callback
#: data, "cast:<motion>:<member>:<choice>") kept with the text around it.
PATTERNS = {
    choice: (
        re.compile(re.escape(bytes([((len(choice.value) + 1) << 1) | 1]) + choice.value.encode())),
        re.compile(re.escape(f'"{choice.value}"'.encode())),
        re.compile(rb"cast:\d+:\d*:" + choice.value.encode() + rb"\b"),
    )
    for choice in Choice
}


@dataclass(frozen=True)
class Tuple:
    """One row version on a heap page, live or dead, as ``pageinspect`` shows it."""

    table: str
    block: int
    item: int
    xmin: int
    xmax: int
    data: bytes

    def choice(self) -> Choice | None:
        found = {c for c, shapes in PATTERNS.items() if any(s.search(self.data) for s in shapes)}
        return found.pop() if len(found) == 1 else None


def pages(superuser: tuple[Database, str], schema: str) -> list[Tuple]:
    """Every row version of every table of ``schema``, dead ones included."""
    admin, inspect = superuser
    found: list[Tuple] = []
    with admin.engine.begin() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :schema ORDER BY tablename"),
            {"schema": schema},
        ).scalars()
        for table in list(tables):
            name = f'"{schema}"."{table}"'
            blocks = connection.execute(
                text("SELECT pg_relation_size(CAST(:name AS regclass)) / 8192"), {"name": name}
            ).scalar_one()
            for block in range(int(blocks)):
                rows = connection.execute(
                    text(
                        f"SELECT lp, t_xmin, t_xmax, t_data FROM {inspect}.heap_page_items("
                        f"{inspect}.get_raw_page(:name, :block)) "
                        "WHERE t_data IS NOT NULL ORDER BY lp"
                    ),
                    {"name": name, "block": block},
                )
                for lp, xmin, xmax, data in rows:
                    found.append(Tuple(table, block, lp, int(xmin), int(xmax or 0), bytes(data)))
    return found


@pytest.fixture
def superuser() -> Iterator[tuple[Database, str]]:
    """The database as its superuser sees it, with ``pageinspect`` and its schema."""
    assert POSTGRES_URL
    admin = Database(POSTGRES_URL)
    try:
        yield admin, extension(admin, "pageinspect")
    finally:
        admin.dispose()


Attack = Callable[[list[Tuple], dict[str, int]], dict[str, Choice]]


def chosen(tuples: list[Tuple]) -> list[Tuple]:
    return [t for t in tuples if t.choice() is not None]


def nearest_transaction(tuples: list[Tuple], xids: dict[str, int]) -> dict[str, Choice]:
    """The choice in the row version written by the voter's transaction, or the one
    closest to it."""
    candidates = chosen(tuples)
    guesses = {}
    for voter, xid in xids.items():
        if not candidates:
            break
        distance = min(abs(t.xmin - xid) for t in candidates)
        near = {t.choice() for t in candidates if abs(t.xmin - xid) == distance}
        if len(near) == 1 and (choice := near.pop()) is not None:
            guesses[voter] = choice
    return guesses


def physical_order(tuples: list[Tuple], xids: dict[str, int]) -> dict[str, Choice]:
    """The n-th voter's row on the pages against the n-th row holding a choice, table
    by table; the attacker keeps the table that links most."""
    by_xid = {xid: voter for voter, xid in xids.items()}
    order = [
        by_xid[t.xmin] for t in tuples if t.table == "secret_participations" and t.xmin in by_xid
    ]
    best: dict[str, Choice] = {}
    for table in {t.table for t in tuples} - {"secret_participations"}:
        rows = [t for t in chosen(tuples) if t.table == table]
        guesses = {}
        for voter, row in zip(order, rows, strict=False):
            choice = row.choice()
            assert choice is not None
            guesses[voter] = choice
        if len(guesses) > len(best):
            best = guesses
    return best


def dead_versions(tuples: list[Tuple], xids: dict[str, int]) -> dict[str, Choice]:
    """The same transaction, among the row versions deleted or replaced since."""
    return nearest_transaction([t for t in tuples if t.xmax != 0], xids)


def audit_trail(audit: dict[str, int]) -> Attack:
    """From each vote record of the audit trail to the rows of its transaction."""

    def attack(tuples: list[Tuple], xids: dict[str, int]) -> dict[str, Choice]:
        return nearest_transaction(tuples, audit)

    return attack


def accuracy(guesses: dict[str, Choice], truth: dict[str, Choice], blind: Choice) -> float:
    right = sum(guesses.get(voter, blind) == choice for voter, choice in truth.items())
    return right / len(truth)


def logs_attack(logs: str, users: dict[str, int]) -> dict[str, Choice]:
    """A log line naming the voter's user id or voter key next to a choice."""
    guesses = {}
    for voter, user_id in users.items():
        for line in logs.splitlines():
            if re.search(rf"\b({user_id}|{voter})\b", line):
                words = {c for c in Choice if re.search(rf"\b{c.value}\b", line, re.I)}
                if len(words) == 1:
                    guesses[voter] = words.pop()
    return guesses


def schema_of(url: str) -> str:
    found = re.search(r"search_path%3D(\w+)", url)
    assert found, url
    return found.group(1)


async def test_no_attack_links_a_secret_ballot_to_its_voter(
    deployment: Deployment, superuser: tuple[Database, str]
) -> None:
    bot = deployment.bot()
    await asyncio.to_thread(bot.start)
    await asyncio.to_thread(deployment.worker("--threads", "4").start)
    uow = deployment.unit_of_work()
    clerk = await deployment.person("Amina", roles=(Role.SECRETARIAT,), uow=uow)
    people: list[SandboxUser] = await asyncio.gather(
        *(deployment.person(f"Mayor {i}") for i in range(VOTERS))
    )
    assignment = [Choice.YES] * 9 + [Choice.NO] * 7 + [Choice.ABSTAIN] * 4
    random.Random(20260).shuffle(assignment)

    clock = SystemClock()
    now = clock.now()
    with uow.begin() as session:
        staff = session.get(User, clerk.id)
        assert staff is not None
        cities = {}
        for index, person in enumerate(people):
            user = session.get(User, person.id)
            assert user is not None
            cities[person.id] = member(session, user, f"City {index}").id
        meeting_id = assembly(session, staff, clock)
        sessions.open_session(session, meeting_id, staff, now=now)
    with uow.begin() as session:
        for person in people:
            user = session.get(User, person.id)
            assert user is not None
            attendance.check_in(session, meeting_id, user, member_id=cities[person.id], now=now)
        staff = session.get(User, clerk.id)
        assert staff is not None
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Elect the host city of the next Assembly.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.SECRET,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        motion_id = motion.id
    with uow.begin() as session:
        staff = session.get(User, clerk.id)
        assert staff is not None
        motions.open_vote(session, motion_id, staff, now=now, settings=uow.settings)

    async def pick(person: SandboxUser, choice: Choice) -> None:
        await person.wait_for(f"Ballot — motion No. {motion_id}", timeout=60, after=0)
        await person.press_button(LABELS[choice], timeout=30)
        await person.wait_for("Confirm?", timeout=60)

    await asyncio.gather(*(pick(p, c) for p, c in zip(people, assignment, strict=True)))

    # Every confirmation reaches the bot in one batch: the ballots are cast in
    # concurrent transactions, and five voters press twice.
    await asyncio.to_thread(bot.freeze)
    try:
        presses = [await person.press_button("Confirm") for person in people]
        presses += [await person.press_button("Confirm") for person in people[:TWICE]]
    finally:
        await asyncio.to_thread(bot.thaw)
    answers = await asyncio.gather(
        *(
            person.callback_answer(press["callback_query_id"], timeout=60)
            for person, press in zip(people + people[:TWICE], presses, strict=True)
        )
    )
    assert all(answer["answered"] for answer in answers), answers
    for index in range(TWICE):
        # One of the two presses casts; the other, whichever it is, is refused.
        pair = sorted(answers[i]["text"] or "" for i in (index, VOTERS + index))
        assert ["already cast" in text for text in pair].count(True) == 1, pair

    users = {f"m{cities[p.id]}": p.id for p in people}
    truth = {f"m{cities[p.id]}": c for p, c in zip(people, assignment, strict=True)}
    schema = schema_of(deployment.database_url)

    def xids() -> tuple[dict[str, int], dict[str, int]]:
        """Each voter's transaction, from its participation row and from its audit record."""
        with uow.begin() as session:
            connection = session.connection()
            participations = connection.execute(
                text(
                    "SELECT voter, xmin::text::bigint FROM secret_participations "
                    "WHERE motion_id = :m"
                ),
                {"m": motion_id},
            ).all()
            audit = connection.execute(
                text(
                    "SELECT details, xmin::text::bigint FROM audit "
                    "WHERE entity = 'motion' AND action = 'vote'"
                )
            ).all()
        return (
            {voter: int(xid) for voter, xid in participations},
            {json_voter(details): int(xid) for details, xid in audit},
        )

    def attack_everything(stage: str, blind: Choice) -> None:
        tuples = pages(superuser, schema)
        by_participation, by_audit = xids()
        assert set(by_participation) == set(truth)
        attacks: dict[str, dict[str, Choice]] = {
            "same or nearest transaction (xmin)": nearest_transaction(tuples, by_participation),
            "physical order (ctid)": physical_order(tuples, by_participation),
            "dead row versions (pageinspect)": dead_versions(tuples, by_participation),
            "the audit trail's vote records": audit_trail(by_audit)(tuples, by_participation),
            "the processes' logs": logs_attack(deployment.logs(), users),
        }
        base = Counter(truth.values())[blind] / len(truth)
        linked = {
            name: accuracy(guesses, truth, blind)
            for name, guesses in attacks.items()
            if accuracy(guesses, truth, blind) > base
        }
        assert not linked, f"{stage}: better than the blind guess ({base:.0%}): {linked}"

    # While the vote is open the attacker knows no result: the blind guess is any choice.
    for blind in Choice:
        attack_everything("open", blind)

    with uow.begin() as session:
        participated = session.exec(
            select(func.count()).where(SecretParticipation.motion_id == motion_id)
        ).one()
        assert participated == VOTERS
        staff = session.get(User, clerk.id)
        motions.close_motion(session, motion_id, staff, now=clock.now())
    with uow.begin() as session:
        closed = session.get(Motion, motion_id)
        assert closed is not None
        expected = Counter(assignment)
        assert (closed.yes, closed.no, closed.abstain) == (
            expected[Choice.YES],
            expected[Choice.NO],
            expected[Choice.ABSTAIN],
        )
        votes_in_audit = session.exec(
            select(func.count()).where(AuditRecord.entity == "motion", AuditRecord.action == "vote")
        ).one()
        assert votes_in_audit == VOTERS

    # After the close the result is public: the blind guess is its most frequent choice.
    attack_everything("closed", Choice.YES)


def json_voter(details: object) -> str:
    import json

    parsed = json.loads(details) if isinstance(details, str) else details
    assert isinstance(parsed, dict)
    return str(parsed["voter"])
