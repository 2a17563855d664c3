"""Honorary membership, withdrawal and suspension as use cases, without Telegram."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from models import Member, Notification, Prompt, Representation, SuspensionCase, User
from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.charter.roles import Role
from workflows.membership import honorary, suspensions, withdrawals
from workflows.membership.honorary import Capacity
from workflows.membership.withdrawals import Letter
from workflows.platform import people
from workflows.platform.unit_of_work import UnitOfWork

CLERK, CHAIR, GENERAL, MAYOR, DEPUTY = 1, 2, 3, 4, 5
LETTER = Letter(file_id="file-1", kind="document", name="request.pdf", mime="application/pdf")


@pytest.fixture
def session(uow: UnitOfWork) -> Iterator[Session]:
    with uow.begin() as session:
        for user_id, name, role in [
            (CLERK, "Amina", "secretariat"),
            (CHAIR, "Nabil", "chair"),
            (GENERAL, "Omar", "secretary_general"),
            (MAYOR, "Youssef", None),
            (DEPUTY, "Karim", None),
        ]:
            session.add(User(id=user_id, first_name=name))
            session.flush()
            if role:
                people.grant_role(session, user_id=user_id, role=Role(role), actor_id=None)
        yield session


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def member(session: Session, name: str, category: str = "full", *representatives: int) -> Member:
    row = Member(category=category, name_en=name, name_ar="مدينة", institutional=category == "full")
    session.add(row)
    session.flush()
    assert row.id is not None
    for user_id in representatives:
        session.add(Representation(member_id=row.id, user_id=user_id))
        people.grant_role(session, user_id=user_id, role=Role.REPRESENTATIVE, actor_id=None)
    session.flush()
    return row


def texts_to(session: Session, chat_id: int) -> list[str]:
    rows = session.exec(select(Notification).where(Notification.chat_id == chat_id))
    return [row.key for row in rows]


# --- Honorary membership ------------------------------------------------------


def nominate(session: Session, uow: UnitOfWork, name: str = "Hassan Fathy") -> int:
    nomination = honorary.nominate(
        session,
        user(session, CLERK),
        name_en=name,
        name_ar="حسن فتحي",
        contribution="Architecture for the poor.",
        now=uow.clock.now(),
        settings=uow.settings,
    )
    assert nomination.id is not None
    return nomination.id


def test_both_signatures_in_either_order_make_one_honorary_member(
    session: Session, uow: UnitOfWork
) -> None:
    first = nominate(session, uow, "Hassan Fathy")
    second = nominate(session, uow, "Rifat Chadirji")
    now = uow.clock.now()
    assert honorary.confirm(session, first, Capacity.CHAIR, user(session, CHAIR), now=now) is None
    made = honorary.confirm(
        session, first, Capacity.SECRETARY_GENERAL, user(session, GENERAL), now=now
    )
    assert (
        honorary.confirm(
            session, second, Capacity.SECRETARY_GENERAL, user(session, GENERAL), now=now
        )
        is None
    )
    other = honorary.confirm(session, second, Capacity.CHAIR, user(session, CHAIR), now=now)
    assert made is not None and other is not None
    assert {(m.category, m.fee_notice_due_at) for m in (made, other)} == {("honorary", None)}
    assert session.exec(select(Prompt).where(Prompt.resolved_at == None)).all() == []  # noqa: E711
    assert honorary.CONFIRMED_TO_NOMINATOR in texts_to(session, CLERK)


def test_a_signatory_signs_only_in_their_own_capacity_and_once(
    session: Session, uow: UnitOfWork
) -> None:
    nomination = nominate(session, uow)
    now = uow.clock.now()
    with pytest.raises(NotAllowed):
        honorary.confirm(session, nomination, Capacity.CHAIR, user(session, GENERAL), now=now)
    with pytest.raises(NotAllowed):
        honorary.decline(session, nomination, Capacity.CHAIR, user(session, GENERAL), "no", now=now)
    honorary.confirm(session, nomination, Capacity.CHAIR, user(session, CHAIR), now=now)
    with pytest.raises(IllegalTransition):
        honorary.decline(session, nomination, Capacity.CHAIR, user(session, CHAIR), "no", now=now)
    honorary.decline(
        session, nomination, Capacity.SECRETARY_GENERAL, user(session, GENERAL), "Not yet.", now=now
    )
    assert session.exec(select(Member)).all() == []
    assert honorary.DECLINED_TO_NOMINATOR in texts_to(session, CLERK)


def test_a_nomination_needs_a_chair_and_is_not_repeated(session: Session, uow: UnitOfWork) -> None:
    nominate(session, uow)
    with pytest.raises(NotAllowed) as duplicate:
        nominate(session, uow, "hassan fathy")
    assert duplicate.value.reason == "duplicate"
    people.revoke_role(session, user_id=CHAIR, role=Role.CHAIR, actor_id=None)
    with pytest.raises(NotAllowed) as no_chair:
        nominate(session, uow, "Someone Else")
    assert no_chair.value.reason == "no_chair"
    with pytest.raises(NotAllowed):
        honorary.nominate(
            session,
            user(session, MAYOR),
            name_en="A",
            name_ar="ب",
            contribution="c",
            now=uow.clock.now(),
            settings=uow.settings,
        )


# --- Withdrawal ------------------------------------------------------------------


def request(session: Session, uow: UnitOfWork, member_id: int, letter: Letter | None) -> int:
    withdrawal = withdrawals.request(
        session,
        member_id,
        user(session, MAYOR),
        reason="We leave.",
        letter=letter,
        now=uow.clock.now(),
        settings=uow.settings,
    )
    assert withdrawal.id is not None
    return withdrawal.id


def test_a_full_member_sends_the_signed_request_an_observer_need_not(
    session: Session, uow: UnitOfWork
) -> None:
    city = member(session, "Fez", "full", MAYOR)
    observer = member(session, "Observatory", "observer", MAYOR)
    other = member(session, "Rabat", "full", DEPUTY)
    assert city.id and observer.id and other.id
    with pytest.raises(NotAllowed) as unsigned:
        request(session, uow, city.id, None)
    assert unsigned.value.reason == "letter"
    request(session, uow, observer.id, None)
    with pytest.raises(NotAllowed) as twice:
        request(session, uow, observer.id, None)
    assert twice.value.reason == "duplicate"
    with pytest.raises(NotAllowed):
        request(session, uow, other.id, LETTER)


def test_an_accepted_withdrawal_ends_standing_representation_and_open_suspension(
    session: Session, uow: UnitOfWork
) -> None:
    city = member(session, "Fez", "full", MAYOR, DEPUTY)
    member(session, "Rabat", "full", DEPUTY)
    assert city.id is not None
    now, settings = uow.clock.now(), uow.settings
    case = suspensions.propose(
        session, city.id, user(session, CLERK), "Breach.", now=now, settings=settings
    )
    withdrawal = request(session, uow, city.id, LETTER)
    with pytest.raises(IllegalTransition):
        withdrawals.accept(session, withdrawal, user(session, GENERAL), now=now)
    with pytest.raises(NotAllowed):
        withdrawals.acknowledge(
            session, withdrawal, user(session, MAYOR), now=now, settings=settings
        )
    withdrawals.acknowledge(session, withdrawal, user(session, CLERK), now=now, settings=settings)
    with pytest.raises(NotAllowed):
        withdrawals.accept(session, withdrawal, user(session, CLERK), now=now)
    withdrawals.accept(session, withdrawal, user(session, GENERAL), now=now)

    session.refresh(city)
    assert (city.standing, city.withdrawn_at) == ("withdrawn", now)
    assert Role.REPRESENTATIVE not in people.roles_of(session, MAYOR)
    # Karim still speaks for Rabat, so keeps the role.
    assert Role.REPRESENTATIVE in people.roles_of(session, DEPUTY)
    assert session.get(SuspensionCase, case.id).state == "rejected"  # type: ignore[union-attr]
    assert withdrawals.ACCEPTED_TO_MEMBER in texts_to(session, DEPUTY)
    assert withdrawals.ACCEPTED_NOTICE in texts_to(session, CLERK)
    assert session.exec(select(Prompt).where(Prompt.resolved_at == None)).all() == []  # noqa: E711


def test_a_representative_cancels_before_the_decision_only(
    session: Session, uow: UnitOfWork
) -> None:
    city = member(session, "Fez", "full", MAYOR, DEPUTY)
    assert city.id is not None
    now = uow.clock.now()
    first = request(session, uow, city.id, LETTER)
    with pytest.raises(NotAllowed):
        withdrawals.cancel(session, first, user(session, CLERK), now=now)
    withdrawals.cancel(session, first, user(session, DEPUTY), now=now)
    second = request(session, uow, city.id, LETTER)
    withdrawals.acknowledge(session, second, user(session, CLERK), now=now, settings=uow.settings)
    withdrawals.refuse(session, second, user(session, GENERAL), "Not now.", now=now)
    with pytest.raises(IllegalTransition):
        withdrawals.cancel(session, second, user(session, MAYOR), now=now)
    session.refresh(city)
    assert city.standing == "active"


# --- Suspension ------------------------------------------------------------------


def test_suspension_and_lifting_change_the_standing_through_the_secretary_general(
    session: Session, uow: UnitOfWork
) -> None:
    city = member(session, "Fez", "full", MAYOR)
    assert city.id is not None
    now, settings = uow.clock.now(), uow.settings
    with pytest.raises(NotAllowed):
        suspensions.propose(session, city.id, user(session, MAYOR), "x", now=now, settings=settings)
    case = suspensions.propose(
        session, city.id, user(session, CLERK), "Breach.", now=now, settings=settings
    )
    assert case.id is not None
    assert suspensions.candidates(session, lifting=False) == []
    with pytest.raises(NotAllowed):
        suspensions.decide(
            session, case.id, suspensions.SuspensionEvent.SUSPEND, user(session, CLERK), now=now
        )
    suspensions.decide(
        session, case.id, suspensions.SuspensionEvent.SUSPEND, user(session, GENERAL), now=now
    )
    session.refresh(city)
    assert city.standing == "suspended"
    assert [m.id for m in suspensions.candidates(session, lifting=True)] == [city.id]
    with pytest.raises(NotAllowed) as not_active:
        suspensions.propose(session, city.id, user(session, CLERK), "y", now=now, settings=settings)
    assert not_active.value.reason == "not_active"

    suspensions.propose_lift(
        session, city.id, user(session, CLERK), "Apologised.", now=now, settings=settings
    )
    assert suspensions.candidates(session, lifting=True) == []
    suspensions.decide(
        session, case.id, suspensions.SuspensionEvent.LIFT, user(session, GENERAL), now=now
    )
    session.refresh(city)
    assert city.standing == "active"
    assert texts_to(session, MAYOR) == [
        suspensions.TO_MEMBER[suspensions.SuspensionEvent.SUSPEND],
        suspensions.TO_MEMBER[suspensions.SuspensionEvent.LIFT],
    ]
