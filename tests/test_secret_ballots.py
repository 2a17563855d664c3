"""A secret ballot's choice is stored sealed, under a key the database never holds,
and leaks nowhere else: not in the audit trail, not in the outbox, not in the live
tally, not in the size of what its transaction writes; the close keeps the totals
and deletes the seals.

The attacks on a production deployment (``xmin``, ``ctid``, ``pageinspect``, the
audit trail, the logs) are in ``tests/faults/test_secret_ballot_linking.py``.
"""

import json
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from models import AuditRecord, GroupChat, Notification, SealedBallot, SecretParticipation, User
from models.db import Database
from tests.conftest import POSTGRES_URL
from tests.inspection import extension
from tests.meetings_world import assembly, clerk, member, person
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.voting import MotionKind
from workflows.meetings import attendance, ballots, motions, seals, sessions, tallies
from workflows.platform.settings import ConfigurationError, Settings, load_settings
from workflows.platform.unit_of_work import UnitOfWork


def secret_vote(uow: UnitOfWork, voters: int) -> tuple[int, list[User]]:
    """An open session where ``voters`` members checked in, and a secret vote open."""
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        session.add(GroupChat(id=-100, title="Hall"))
        session.flush()
        reps = [person(session, 100 + i, f"Mayor {i}") for i in range(voters)]
        cities = [member(session, rep, f"City {i}") for i, rep in enumerate(reps)]
        meeting_id = assembly(session, staff, uow.clock, group_chat_id=-100)
        sessions.open_session(session, meeting_id, staff, now=now)
        for rep, city in zip(reps, cities, strict=True):
            attendance.check_in(session, meeting_id, rep, member_id=city.id, now=now)
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Elect the host city.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.SECRET,
            closes_at=now + timedelta(hours=1),
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        return motion.id, reps


def cast(uow: UnitOfWork, motion_id: int, rep: User, choice: Choice) -> None:
    with uow.begin() as session:
        user = session.get(User, rep.id)
        assert user is not None
        ballots.cast_ballot(session, motion_id, user, choice, now=uow.clock.now())


def test_nothing_links_a_secret_choice_to_its_voter(uow: UnitOfWork, tmp_path: Path) -> None:
    motion_id, reps = secret_vote(uow, 3)
    for rep, choice in zip(reps, [Choice.YES, Choice.NO, Choice.YES], strict=True):
        cast(uow, motion_id, rep, choice)
        with uow.begin() as session:
            tallies.refresh_tally(session, {"subject_id": motion_id}, uow.clock.now())

    stranger = seals.key_of(Settings(data_dir=tmp_path / "elsewhere"))
    with uow.begin() as session:
        columns = {
            column["name"] for column in inspect(session.connection()).get_columns("sealed_ballots")
        }
        assert columns == {"id", "motion_id", "seal"}
        sealed = session.exec(select(SealedBallot)).all()
        assert len(sealed) == 3
        assert len({row.seal for row in sealed}) == 3, "two Yes seals must share nothing"
        assert {len(row.seal) for row in sealed} == {seals.SEAL_BYTES}
        for row in sealed:
            assert not any(c.value.encode() in row.seal for c in Choice)
            with pytest.raises(seals.BrokenSeal):
                stranger.open(motion_id, row.seal)
        participants = session.exec(select(SecretParticipation.cast_by)).all()
        assert sorted(participants) == sorted(rep.id for rep in reps)
        audit = session.exec(select(AuditRecord).where(AuditRecord.entity == "motion")).all()
        assert all("choice" not in record.details for record in audit)
        for row in session.exec(select(Notification)):
            stored = json.dumps(row.args)
            assert '"yes"' not in stored and '"no": 1' not in stored, stored

        staff_user = session.get(User, 1)
        closed = motions.close_motion(session, motion_id, staff_user, now=uow.clock.now())
        assert (closed.yes, closed.no, closed.abstain, closed.result) == (2, 1, 0, "passed")
    with uow.begin() as session:
        assert session.exec(select(SealedBallot)).all() == []


def test_a_seal_is_random_the_same_size_for_every_choice_and_bound_to_its_motion(
    tmp_path: Path,
) -> None:
    key = seals.key_of(Settings(data_dir=tmp_path))
    sealed = [key.seal(7, choice) for choice in Choice for _ in range(50)]
    assert len(set(sealed)) == len(sealed)
    assert {len(seal) for seal in sealed} == {seals.SEAL_BYTES}
    assert [key.open(7, seal) for seal in sealed] == [c for c in Choice for _ in range(50)]
    with pytest.raises(seals.BrokenSeal):
        key.open(8, sealed[0])
    key_file = tmp_path / seals.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert seals.key_of(Settings(data_dir=tmp_path)).fingerprint == key.fingerprint
    configured = "k" * 40
    assert (
        seals.key_of(Settings(ballot_key=configured)).fingerprint  # type: ignore[arg-type]
        != key.fingerprint
    )


def test_a_process_with_another_ballot_key_refuses_and_loses_nothing(
    uow: UnitOfWork, db: Database, tmp_path: Path
) -> None:
    motion_id, reps = secret_vote(uow, 2)
    cast(uow, motion_id, reps[0], Choice.NO)
    elsewhere = UnitOfWork(
        db=db,
        settings=Settings(data_dir=tmp_path / "another", database_url=uow.settings.database_url),
        clock=uow.clock,
    )
    with pytest.raises(seals.KeyMismatch, match="MAJLIS_BALLOT_KEY"):
        cast(elsewhere, motion_id, reps[1], Choice.YES)
    with pytest.raises(seals.KeyMismatch), elsewhere.begin() as session:
        motions.close_motion(session, motion_id, session.get(User, 1), now=uow.clock.now())
    cast(uow, motion_id, reps[1], Choice.YES)
    with uow.begin() as session:
        closed = motions.close_motion(session, motion_id, session.get(User, 1), now=uow.clock.now())
        assert (closed.yes, closed.no, closed.votes_cast) == (1, 1, 2)


def test_a_short_ballot_key_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAJLIS_BALLOT_KEY", "too short")
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    assert str(refused.value).startswith("MAJLIS_BALLOT_KEY must be at least 32 characters")
    assert "\n" not in str(refused.value)


LSN = "SELECT pg_current_wal_insert_lsn()"
#: Where the WAL is written to disk: a committed ballot is before it, and the WAL
#: cannot be read past it (other sessions may have inserted records not yet flushed).
FLUSHED = "SELECT pg_current_wal_flush_lsn()"


def wal_records(
    session: Session, walinspect: str, start: str, end: str
) -> list[tuple[str, str, int]]:
    """What the WAL shows between two points of this test's tables: each record's kind,
    its relation and its size without full-page images."""
    connection = session.connection()
    names = dict(
        connection.execute(
            text(
                "SELECT pg_relation_filenode(c.oid)::text, c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
            )
        ).all()
    )
    rows = connection.execute(
        text(
            "SELECT resource_manager, record_type, record_length - fpi_length, block_ref "
            f"FROM {walinspect}.pg_get_wal_records_info(CAST(:start AS pg_lsn), CAST(:end AS pg_lsn)) "
            "WHERE resource_manager IN ('Heap', 'Btree')"
        ),
        {"start": start, "end": end},
    )
    found = []
    for manager, kind, size, blocks in rows:
        for node in re.findall(r"rel \d+/\d+/(\d+)", blocks or ""):
            if node in names:
                found.append((f"{manager} {kind}", names[node], int(size)))
    return sorted(found)


@pytest.mark.skipif(
    not POSTGRES_URL, reason="the WAL is PostgreSQL's: set MAJLIS_TEST_DATABASE_URL"
)
def test_the_wal_shows_the_same_records_whatever_the_choice(uow: UnitOfWork) -> None:
    """Two voters alike in everything but their choice write WAL records of the same
    kinds and sizes into the same relations."""
    assert POSTGRES_URL
    admin = Database(POSTGRES_URL)
    walinspect = extension(admin, "pg_walinspect")
    admin.dispose()
    motion_id, reps = secret_vote(uow, 8)
    # The first ballots create the tables' first pages; compare two that do not.
    for rep in reps[:4]:
        cast(uow, motion_id, rep, Choice.NO)
    seen = {}
    for rep, choice in zip(
        reps[4:], [Choice.YES, Choice.ABSTAIN, Choice.NO, Choice.YES], strict=True
    ):
        with uow.begin() as session:
            start = str(session.connection().execute(text(LSN)).scalar_one())
        cast(uow, motion_id, rep, choice)
        with uow.begin() as session:
            end = str(session.connection().execute(text(FLUSHED)).scalar_one())
            seen[choice, rep.id] = wal_records(session, walinspect, start, end)
    records = list(seen.values())
    assert records[0], "no WAL records found for the ballot's transaction"
    assert all(r == records[0] for r in records), seen
