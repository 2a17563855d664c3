"""A secret ballot's choice is stored apart from its voter and leaks nowhere else:
not in the audit trail, not in the outbox, not in the live tally; the close writes
the choices again under new keys."""

import json
from datetime import timedelta

from sqlalchemy import inspect
from sqlmodel import select

from models import AuditRecord, GroupChat, Notification, SecretChoice, SecretParticipation, User
from tests.meetings_world import assembly, clerk, member, person
from workflows import attendance, meetings, motions, tallies, votes
from workflows.charter.meetings import BallotKind, Choice
from workflows.charter.voting import MotionKind
from workflows.unit_of_work import UnitOfWork


def test_nothing_links_a_secret_choice_to_its_voter(uow: UnitOfWork) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        session.add(GroupChat(id=-100, title="Hall"))
        session.flush()
        reps = [person(session, 100 + i, f"Mayor {i}") for i in range(3)]
        cities = [member(session, rep, f"City {i}") for i, rep in enumerate(reps)]
        meeting_id = assembly(session, staff, uow.clock, group_chat_id=-100)
        meetings.open_session(session, meeting_id, staff, now=now)
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
        motion_id = motion.id
    for rep, choice in zip(reps, [Choice.YES, Choice.NO, Choice.YES], strict=True):
        with uow.begin() as session:
            user = session.get(User, rep.id)
            assert user is not None
            votes.cast_ballot(session, motion_id, user, choice, now=now)
        with uow.begin() as session:
            tallies.refresh_tally(session, {"subject_id": motion_id}, now)

    with uow.begin() as session:
        columns = {
            column["name"] for column in inspect(session.connection()).get_columns("secret_choices")
        }
        assert columns == {"id", "motion_id", "choice"}
        before = {row.id for row in session.exec(select(SecretChoice))}
        assert len(before) == 3 and all(len(key) == 32 for key in before)
        participants = session.exec(select(SecretParticipation.cast_by)).all()
        assert sorted(participants) == sorted(rep.id for rep in reps)
        audit = session.exec(select(AuditRecord).where(AuditRecord.entity == "motion")).all()
        assert all("choice" not in record.details for record in audit)
        for row in session.exec(select(Notification)):
            stored = json.dumps(row.args)
            assert '"yes"' not in stored and '"no": 1' not in stored, stored

        staff_user = session.get(User, 1)
        closed = motions.close_motion(session, motion_id, staff_user, now=now)
        assert (closed.yes, closed.no, closed.abstain, closed.result) == (2, 1, 0, "passed")
        after = {row.id for row in session.exec(select(SecretChoice))}
        assert len(after) == 3 and not after & before
