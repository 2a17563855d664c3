"""Bulk work: a fee period opened for N members, a vote opened for N voters, one live
tally refreshed over N ballots, each next to the bare cost of writing (or counting)
the same number of rows in the same database, measured in the same run.

For each N (``--sizes``, default 100, 1,000, 2,000) and each repetition, a fresh
database (a SQLite file, or a throwaway PostgreSQL schema) gets N full members,
each with a representative, then:

* ``fee period``: ``workflows.fees.periods.open_period`` in one ``UnitOfWork.begin()``,
  which hands the notices to Dramatiq on Redis after commit. Timed: to the first
  notice on the queue (the transaction committed), and to the last one;
* ``open vote``: an Assembly where the N members checked in, a motion, and
  ``workflows.meetings.motions.open_vote`` in one unit of work (ballots to all, the group's
  tally message); timed to the first ballot on the queue;
* ``tally refresh``: once every member has voted, ``workflows.meetings.tallies.refresh_tally``
  (the live tally's due-item handler) in one unit of work.

Baselines, in the same database and the same run:

* ``bare insert``: N rows into the outbox and N into the audit trail, one
  executemany each, in one transaction: about what a notice per member must
  write at least;
* ``bare count``: ``SELECT choice, count(*) ... GROUP BY choice`` over the N ballots.

Statements are counted on the cursor (``before_cursor_execute``). Every figure is
min / median / max over ``--repeat`` runs. Nothing is delivered to Telegram: the
floor for that is N / 30 s (Telegram's overall cap), printed beside the figures;
``bench.delivery`` measures delivery itself.

    python -m bench.bulk [--sizes 100,1000,2000] [--repeat 3]
        [--database-url postgresql://...] [--redis-url redis://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dramatiq

from bench.common import (
    add_common_arguments,
    database_kind,
    drop_namespace,
    fresh_database,
    new_namespace,
    print_machine,
    redis_server,
)

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
STAFF = 1
FIRST_REP = 100_000
HALL = -1001


# ---- a world of N members -------------------------------------------------------------------


def populate(uow: Any, count: int) -> None:
    from models import GroupChat, Member, Representation, User
    from workflows.charter.roles import Role
    from workflows.platform import people

    with uow.begin() as session:
        session.add(User(id=STAFF, first_name="Amina", language="en", language_chosen=True))
        session.add(GroupChat(id=HALL, title="Hall"))
        session.flush()
        people.grant_role(session, user_id=STAFF, role=Role.SECRETARIAT, actor_id=None)
        session.add_all(
            User(id=FIRST_REP + i, first_name=f"Mayor {i}", language="en", language_chosen=True)
            for i in range(count)
        )
        members = [
            Member(category="full", name_en=f"City {i:05}", name_ar=f"مدينة {i}", country="MA")
            for i in range(count)
        ]
        session.add_all(members)
        session.flush()
        session.add_all(
            Representation(member_id=member.id or 0, user_id=FIRST_REP + i)
            for i, member in enumerate(members)
        )


def assembly_in_session(uow: Any, count: int) -> int:
    """An open Assembly where every member checked in, and a motion tabled."""
    from sqlmodel import select

    from models import Attendance, Member, User
    from workflows.charter.bodies import Body
    from workflows.charter.meetings import BallotKind, SessionKind
    from workflows.charter.voting import MotionKind
    from workflows.meetings import motions, sessions

    with uow.begin() as session:
        staff = session.get_one(User, STAFF)
        details = sessions.Convening(
            body=Body.ASSEMBLY,
            kind=SessionKind.REGULAR,
            title="Ninth General Assembly",
            starts_at=NOW + timedelta(days=1),
            time_zone="Asia/Riyadh",
            place="Makkah",
            group_chat_id=HALL,
        )
        meeting = sessions.convene(session, details, staff, now=NOW)
        assert meeting.id is not None
        meeting_id = meeting.id
    with uow.begin() as session:
        staff = session.get_one(User, STAFF)
        sessions.open_session(session, meeting_id, staff, now=NOW)
        # Checked in as the check-in button records it (no ballot is open yet, so
        # nothing else happens then).
        for member in session.exec(select(Member)):
            session.add(
                Attendance(
                    meeting_id=meeting_id,
                    voter=f"m{member.id}",
                    member_id=member.id or 0,
                    user_id=None,
                    at=NOW,
                )
            )
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Adopt the budget",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=NOW + timedelta(hours=1),
            now=NOW,
        )
        assert motion.id is not None
        return motion.id


def everyone_votes(uow: Any, motion_id: int, count: int) -> None:
    from sqlmodel import select

    from models import Ballot, Member

    with uow.begin() as session:
        members = list(session.exec(select(Member)))
        session.add_all(
            Ballot(
                motion_id=motion_id,
                voter=f"m{member.id}",
                member_id=member.id,
                cast_by=FIRST_REP + i,
                choice=("yes", "no", "abstain")[i % 3],
                cast_at=NOW,
            )
            for i, member in enumerate(members)
        )


# ---- measuring ----------------------------------------------------------------------------


class EnqueueTimes(dramatiq.Middleware):
    """Notes when the first and last messages were on the queue (Dramatiq's
    ``after_enqueue``, however the messages were sent: one by one or pipelined)."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.count = 0

    def after_enqueue(self, broker: Any, message: Any, delay: Any) -> None:
        self.last = time.perf_counter()
        self.first = self.first or self.last
        self.count += 1


@contextmanager
def counting(db: Any) -> Iterator[list[int]]:
    from sqlalchemy import event

    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def one_run(database_url: str, redis_url: str, count: int) -> dict[str, float]:
    """Every measurement for one N on one fresh database; seconds and statements."""
    from sqlalchemy import func, insert
    from sqlmodel import select

    from models import AuditRecord, Ballot, Notification, User
    from models.bulk import table_of
    from models.db import Database
    from models.migrate import upgrade
    from workflows.charter.money import Money
    from workflows.fees import periods
    from workflows.meetings import motions, tallies
    from workflows.platform.clock import FrozenClock
    from workflows.platform.queue import make_broker
    from workflows.platform.settings import Settings
    from workflows.platform.unit_of_work import UnitOfWork

    namespace = new_namespace("bulk")
    db = Database(database_url)
    upgrade(db)
    with tempfile.TemporaryDirectory(prefix="majlis-bench-bulk-") as folder:
        settings = Settings(data_dir=Path(folder), database_url=database_url)
        broker = make_broker(redis_url, namespace=namespace)
        queued = EnqueueTimes()
        broker.add_middleware(queued)
        uow = UnitOfWork(db=db, settings=settings, broker=broker, clock=FrozenClock(NOW))
        out: dict[str, float] = {}
        try:
            populate(uow, count)

            # The floor: the same number of rows, written bare.
            rows = [
                {"chat_id": FIRST_REP + i, "key": "k", "args": {}, "buttons": [], "attempts": 0}
                for i in range(count)
            ]
            audits = [
                {"entity": "bench", "entity_id": str(i), "action": "a", "details": {}, "at": NOW}
                for i in range(count)
            ]
            start = time.perf_counter()
            with db.session() as session:
                session.execute(insert(table_of(Notification)), rows)
                session.execute(insert(table_of(AuditRecord)), audits)
            out["bare insert s"] = time.perf_counter() - start

            terms = periods.PeriodTerms(
                starts_on=date(2027, 1, 1),
                ends_on=date(2028, 12, 31),
                fee=Money(Decimal("1500"), "USD"),
                due_on=date(2027, 3, 31),
            )
            start = time.perf_counter()
            with counting(db) as seen, uow.begin() as session:
                staff = session.get_one(User, STAFF)
                periods.open_period(session, terms, staff, now=NOW)
            done = time.perf_counter()
            out["fee period: first notice queued s"] = (queued.first or done) - start
            out["fee period: all queued s"] = done - start
            out["fee period: statements"] = seen[0]
            out["fee period: notices queued"] = queued.count

            motion_id = assembly_in_session(uow, count)
            queued.first = None
            queued.count = 0
            start = time.perf_counter()
            with counting(db) as seen, uow.begin() as session:
                staff = session.get_one(User, STAFF)
                motions.open_vote(session, motion_id, staff, now=NOW, settings=settings)
            done = time.perf_counter()
            out["open vote: first ballot queued s"] = (queued.first or done) - start
            out["open vote: all queued s"] = done - start
            out["open vote: statements"] = seen[0]
            out["open vote: ballots queued"] = queued.count

            everyone_votes(uow, motion_id, count)
            start = time.perf_counter()
            with counting(db) as seen, uow.begin() as session:
                tallies.refresh_tally(session, {"subject_id": motion_id}, NOW)
            out["tally refresh s"] = time.perf_counter() - start
            out["tally refresh: statements"] = seen[0]

            start = time.perf_counter()
            with db.reading() as session:
                session.exec(
                    select(Ballot.choice, func.count())
                    .where(Ballot.motion_id == motion_id)
                    .group_by(Ballot.choice)
                ).all()
            out["bare count s"] = time.perf_counter() - start
        finally:
            broker.close()
            drop_namespace(redis_url, namespace)
            db.dispose()
    return out


# ---- the report ---------------------------------------------------------------------------


def spread(values: list[float], unit: str) -> str:
    if unit == "s":
        return f"{min(values):7.3f} {statistics.median(values):7.3f} {max(values):7.3f}"
    return f"{min(values):7.0f} {statistics.median(values):7.0f} {max(values):7.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument(
        "--sizes",
        default="100,1000,2000",
        help="numbers of members, comma-separated (default 100,1000,2000)",
    )
    parser.set_defaults(repeat=3)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with redis_server(args.redis_url) as (redis_url, redis_kind):
        print_machine(
            [
                f"redis:   {redis_kind}",
                f"db:      {database_kind(args.database_url)}",
                f"work:    N members = {', '.join(map(str, sizes))}; {args.repeat} runs each, "
                "a fresh database per run",
            ]
        )
        results: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
        for _ in range(args.repeat):
            for size in sizes:
                with (
                    tempfile.TemporaryDirectory(prefix="majlis-bench-bulk-db-") as folder,
                    fresh_database(args.database_url, Path(folder)) as url,
                ):
                    results[size].append(one_run(url, redis_url, size))
    print()
    print("min / median / max over the runs; seconds (s) or statements")
    names = list(results[sizes[0]][0])
    header = f"{'':<36}" + "".join(f"{'N = ' + str(size):>25}" for size in sizes)
    print(header)
    print("-" * len(header))
    for name in names:
        unit = "s" if name.endswith(" s") else ""
        cells = "".join(
            f"{spread([run[name] for run in results[size]], unit):>25}" for size in sizes
        )
        print(f"{name:<36}{cells}")
    floor = "".join(f"{size / 30:>25.1f}" for size in sizes)
    print(f"{'delivery floor N/30 s (Telegram)':<36}{floor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
