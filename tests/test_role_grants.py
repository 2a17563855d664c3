"""Granting and revoking roles: who may, what the person is told, who can be found."""

import pytest
from sqlmodel import select

from models import AuditRecord, Notification, RoleGrant, User
from workflows.charter.errors import NotAllowed
from workflows.charter.roles import Role
from workflows.platform import people
from workflows.platform.unit_of_work import UnitOfWork

CLERK, GENERAL, GUEST, PERSON = 11, 12, 13, 14


@pytest.fixture
def staffed(uow: UnitOfWork) -> UnitOfWork:
    with uow.begin() as session:
        for user_id, name in [(CLERK, "Amina"), (GENERAL, "Omar"), (GUEST, "Guest")]:
            session.add(User(id=user_id, first_name=name))
        session.add(User(id=PERSON, first_name="Layla", username="Layla_K", language="ar"))
        session.flush()
        people.grant_role(session, user_id=CLERK, role=Role.SECRETARIAT, actor_id=None)
        people.grant_role(session, user_id=GENERAL, role=Role.SECRETARY_GENERAL, actor_id=None)
    return uow


def test_the_secretariat_grants_and_the_person_is_told(staffed: UnitOfWork) -> None:
    with staffed.begin() as session:
        assert people.grant_role(
            session, user_id=PERSON, role=Role.STEERING, actor_id=CLERK, tell=True
        )
        assert not people.grant_role(
            session, user_id=PERSON, role=Role.STEERING, actor_id=CLERK, tell=True
        )
    with staffed.begin() as session:
        assert people.roles_of(session, PERSON) == {Role.STEERING}
        told = session.exec(select(Notification).where(Notification.chat_id == PERSON)).all()
        assert [row.key for row in told] == [people.GRANTED]
        assert told[0].args["role"]["$message"]["key"] == people.ROLE_NAMES[Role.STEERING]
        grant = session.exec(select(RoleGrant).where(RoleGrant.user_id == PERSON)).one()
        assert grant.granted_by == CLERK
        record = session.exec(select(AuditRecord).where(AuditRecord.action == "grant")).all()[-1]
        assert (record.actor_id, record.to_state) == (CLERK, "steering")


def test_revoking_tells_the_person_and_is_audited(staffed: UnitOfWork) -> None:
    with staffed.begin() as session:
        people.grant_role(session, user_id=PERSON, role=Role.COUNCIL, actor_id=CLERK)
        assert people.revoke_role(
            session, user_id=PERSON, role=Role.COUNCIL, actor_id=CLERK, tell=True
        )
        assert not people.revoke_role(session, user_id=PERSON, role=Role.COUNCIL, actor_id=CLERK)
    with staffed.begin() as session:
        assert people.roles_of(session, PERSON) == set()
        keys = session.exec(select(Notification.key).where(Notification.chat_id == PERSON)).all()
        assert keys == [people.REVOKED]
        revoke = session.exec(select(AuditRecord).where(AuditRecord.action == "revoke")).one()
        assert (revoke.actor_id, revoke.from_state) == (CLERK, "council")


def test_someone_outside_the_secretariat_may_not_grant(staffed: UnitOfWork) -> None:
    with staffed.begin() as session, pytest.raises(NotAllowed) as refusal:
        people.grant_role(session, user_id=PERSON, role=Role.CHAIR, actor_id=GUEST)
    assert refusal.value.reason == "not_staff"


def test_only_the_secretary_general_grants_or_revokes_secretary_general(
    staffed: UnitOfWork,
) -> None:
    with staffed.begin() as session:
        with pytest.raises(NotAllowed) as refusal:
            people.grant_role(session, user_id=PERSON, role=Role.SECRETARY_GENERAL, actor_id=CLERK)
        assert refusal.value.reason == "secretary_general_only"
        with pytest.raises(NotAllowed) as refusal:
            people.revoke_role(
                session, user_id=GENERAL, role=Role.SECRETARY_GENERAL, actor_id=CLERK
            )
        assert refusal.value.reason == "secretary_general_only"
        assert people.roles_of(session, PERSON) == set()
        assert people.grant_role(
            session, user_id=PERSON, role=Role.SECRETARY_GENERAL, actor_id=GENERAL
        )
        assert people.revoke_role(
            session, user_id=GENERAL, role=Role.SECRETARY_GENERAL, actor_id=PERSON
        )
        assert [user.id for user in people.holders_of(session, Role.SECRETARY_GENERAL)] == [PERSON]


def test_the_last_secretary_general_stays_unless_the_operator_revokes(
    staffed: UnitOfWork,
) -> None:
    with staffed.begin() as session:
        with pytest.raises(NotAllowed) as refusal:
            people.revoke_role(
                session, user_id=GENERAL, role=Role.SECRETARY_GENERAL, actor_id=GENERAL
            )
        assert refusal.value.reason == "last_secretary_general"
        assert people.revoke_role(
            session, user_id=GENERAL, role=Role.SECRETARY_GENERAL, actor_id=None
        )


def test_a_person_is_found_by_id_or_username(staffed: UnitOfWork) -> None:
    with staffed.begin() as session:
        found = [
            people.find_person(session, typed)
            for typed in [str(PERSON), f" {PERSON} ", "@layla_k", "LAYLA_K"]
        ]
        assert [user.id if user else None for user in found] == [PERSON] * 4
        for typed in ["@nobody_here", "999", "12345678901234567890", "Layla", "", "@a b"]:
            assert people.find_person(session, typed) is None, typed
