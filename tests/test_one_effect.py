"""Every decision, pressed by several people at the same moment, has exactly one effect.

Each case builds a scene, then runs the decision in ``PRESSES`` threads, each in its own
unit of work (its own transaction and database connection), released together by a
barrier. Each thread first reads the record as the bot does before deciding (to check
who may press, to draw the page): that earlier read is what a decision must never act
on. One press takes effect; the others change nothing and, when the step was taken by
someone else, are told who it was.

On PostgreSQL (``MAJLIS_TEST_DATABASE_URL``) the transactions really run at once; on
SQLite, which lets one writer in at a time, the same cases check the same counts.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from bot.engine import ACTED_FIRST
from bot.i18n import text_for
from models import (
    AmendmentSupport,
    Application,
    Attendance,
    AuditRecord,
    FeePayment,
    FeePeriod,
    HonoraryNomination,
    Invitation,
    Meeting,
    Member,
    Motion,
    Notification,
    Prompt,
    Representation,
    RoleGrant,
    Seat,
    SuspensionCase,
    User,
    VotingSuspension,
    WithdrawalRequest,
)
from tests.meetings_world import assembly
from workflows import decisions
from workflows.charter.bodies import Body, SeatKind
from workflows.charter.errors import IllegalTransition, MajlisError, NotAllowed
from workflows.charter.meetings import BallotKind, Rsvp
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.fees import payments, periods, reminders, voting_rights
from workflows.meetings import amendments, attendance, motions, seats, sessions
from workflows.membership import applications, honorary, suspensions, withdrawals
from workflows.membership.honorary import Capacity
from workflows.membership.suspensions import SuspensionEvent
from workflows.platform import people, prompts
from workflows.platform.unit_of_work import UnitOfWork

PRESSES = 6
#: The people who press: ids 1..PRESSES. The scene's other people come after.
DECIDERS = list(range(1, PRESSES + 1))
APPLICANT, REPRESENTATIVE, CHAIR, GENERAL, DELEGATE = 101, 102, 103, 104, 105
LETTER = withdrawals.Letter(file_id="letter", kind="document")


@dataclass
class Scene:
    """What a case decides on: the record every presser reads first, and anything else."""

    model: type[SQLModel]
    row_id: int
    more: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str
    #: The role the pressers hold.
    role: Role
    build: Callable[[Session, UnitOfWork], Scene]
    decide: Callable[[Session, Scene, User, UnitOfWork], object]
    #: How many times the decision's effect happened: must be one.
    effect: Callable[[Session, Scene], int]
    #: Every press is a decision of its own (an answer that may be changed).
    every_press_counts: bool = False

    def __repr__(self) -> str:
        return self.name


def person(session: Session, user_id: int, name: str, *roles: Role) -> User:
    user = session.get(User, user_id) or User(id=user_id, first_name=name, language_chosen=True)
    session.add(user)
    session.flush()
    for role in roles:
        people.grant_role(session, user_id=user_id, role=role, actor_id=None)
    return user


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def count(session: Session, model: type[SQLModel], *where: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def notified(session: Session, key: str, chat_id: int | None = None) -> int:
    where = [Notification.key == key]
    if chat_id is not None:
        where.append(Notification.chat_id == chat_id)
    return count(session, Notification, *where)


def audited(session: Session, entity: str, action: str, entity_id: int | None = None) -> int:
    where = [AuditRecord.entity == entity, AuditRecord.action == action]
    if entity_id is not None:
        where.append(AuditRecord.entity_id == str(entity_id))
    return count(session, AuditRecord, *where)


def now(uow: UnitOfWork) -> Any:
    return uow.clock.now()


# --- Scenes --------------------------------------------------------------------------


def full_member(session: Session, name: str = "Fez", *representatives: int) -> Member:
    member = Member(category="full", name_en=name, name_ar="فاس", country="MA", institutional=True)
    session.add(member)
    session.flush()
    assert member.id is not None
    for user_id in representatives or (REPRESENTATIVE,):
        person(session, user_id, f"Mayor {user_id}")
        session.add(Representation(member_id=member.id, user_id=user_id))
        people.grant_role(session, user_id=user_id, role=Role.REPRESENTATIVE, actor_id=None)
    session.flush()
    return member


def fee_period(session: Session, uow: UnitOfWork) -> FeePeriod:
    today = now(uow).date()
    return periods.open_period(session, terms(today), user(session, DECIDERS[0]), now=now(uow))


def terms(today: date) -> periods.PeriodTerms:
    return periods.PeriodTerms(
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year + 1, 12, 31),
        fee=Money(Decimal("1000"), "USD"),
        due_on=date(today.year + 1, 6, 30),
    )


def submitted(session: Session, uow: UnitOfWork) -> Scene:
    applicant = person(session, APPLICANT, "Salma")
    application = applications.start_draft(session, applicant, now=now(uow))
    applications.fill(
        session,
        application,
        applicant,
        category="full",
        name_en="Sale",
        name_ar="سلا",
        country="MA",
        signatory_name="Salma",
        signatory_title="Mayor",
        contact="mayor@sale.ma",
        adheres=True,
        letter_file_id="letter",
    )
    applications.submit(session, application, applicant, now=now(uow), settings=uow.settings)
    assert application.id is not None
    return Scene(Application, application.id)


def forwarded(session: Session, uow: UnitOfWork) -> Scene:
    person(session, 200, "Amina", Role.SECRETARIAT)
    fee_period(session, uow)
    scene = submitted(session, uow)
    applications.forward(
        session, scene.row_id, user(session, 200), now=now(uow), settings=uow.settings
    )
    return scene


def nominated(session: Session, uow: UnitOfWork, *, chair_signed: bool = False) -> Scene:
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    person(session, CHAIR, "Nabil", Role.CHAIR)
    person(session, GENERAL, "Omar", Role.SECRETARY_GENERAL)
    nomination = honorary.nominate(
        session,
        clerk,
        name_en="Hassan Fathy",
        name_ar="حسن فتحي",
        contribution="Architecture for the poor.",
        now=now(uow),
        settings=uow.settings,
    )
    assert nomination.id is not None
    if chair_signed:
        honorary.confirm(session, nomination.id, Capacity.CHAIR, user(session, CHAIR), now=now(uow))
    return Scene(HonoraryNomination, nomination.id)


def requested(session: Session, uow: UnitOfWork, *, acknowledged: bool = False) -> Scene:
    member = full_member(session)
    assert member.id is not None
    request = withdrawals.request(
        session,
        member.id,
        user(session, REPRESENTATIVE),
        reason="The council decided to leave.",
        letter=LETTER,
        now=now(uow),
        settings=uow.settings,
    )
    assert request.id is not None
    if acknowledged:
        clerk = person(session, 200, "Amina", Role.SECRETARIAT)
        withdrawals.acknowledge(session, request.id, clerk, now=now(uow), settings=uow.settings)
    return Scene(WithdrawalRequest, request.id, {"member": member.id})


def proposed(session: Session, uow: UnitOfWork, *, suspended: bool = False) -> Scene:
    member = full_member(session)
    assert member.id is not None
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    case = suspensions.propose(
        session, member.id, clerk, "A breach.", now=now(uow), settings=uow.settings
    )
    assert case.id is not None
    if suspended:
        general = person(session, GENERAL, "Omar", Role.SECRETARY_GENERAL)
        suspensions.decide(session, case.id, SuspensionEvent.SUSPEND, general, now=now(uow))
        suspensions.propose_lift(
            session, member.id, clerk, "Put right.", now=now(uow), settings=uow.settings
        )
    return Scene(SuspensionCase, case.id, {"member": member.id})


def suspendable(session: Session, uow: UnitOfWork) -> Scene:
    member = full_member(session)
    assert member.id is not None
    person(session, 200, "Amina", Role.SECRETARIAT)
    return Scene(Member, member.id)


def lift_candidate(session: Session, uow: UnitOfWork) -> Scene:
    scene = proposed(session, uow)
    general = person(session, GENERAL, "Omar", Role.SECRETARY_GENERAL)
    suspensions.decide(session, scene.row_id, SuspensionEvent.SUSPEND, general, now=now(uow))
    return Scene(Member, scene.more["member"])


def reported(session: Session, uow: UnitOfWork) -> Scene:
    member = full_member(session)
    assert member.id is not None
    person(session, 200, "Amina", Role.SECRETARIAT)
    fee_period(session, uow)
    due = periods.due_of(session, session.exec(select(FeePeriod.id)).one() or 0, member.id)
    assert due is not None and due.id is not None
    payment = payments.report_payment(
        session,
        due.id,
        user(session, REPRESENTATIVE),
        payments.PaymentReport(
            amount=Decimal("1000"),
            paid_on=now(uow).date(),
            reference="TR-1",
            receipt=payments.Receipt(file_id="receipt", kind="document"),
        ),
        now=now(uow),
        settings=uow.settings,
    )
    assert payment.id is not None
    return Scene(FeePayment, payment.id, {"member": member.id})


def unpaid(session: Session, uow: UnitOfWork, *, suspended: bool = False) -> Scene:
    member = full_member(session)
    assert member.id is not None
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    if suspended:
        voting_rights.suspend(session, member.id, clerk, reason="Council decision", now=now(uow))
    return Scene(Member, member.id)


def overdue(session: Session, uow: UnitOfWork) -> Scene:
    """A member that has not paid a fee whose grace period is over."""
    member = full_member(session)
    assert member.id is not None
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    today = now(uow).date()
    period = periods.open_period(
        session,
        periods.PeriodTerms(
            starts_on=today - timedelta(days=800),
            ends_on=today + timedelta(days=100),
            fee=Money(Decimal("1000"), "USD"),
            due_on=today - timedelta(days=400),
        ),
        clerk,
        now=now(uow),
    )
    return Scene(Member, member.id, {"period": period.id})


def at_deadline_or_by_hand(session: Session, scene: Scene, user: User, uow: UnitOfWork) -> bool:
    """The first presser is the scheduler ending the grace period; the others record the
    Council's decision by hand."""
    if user.id != DECIDERS[0]:
        voting_rights.suspend(session, scene.row_id, user, reason="Council decision", now=now(uow))
        return True
    reminders.grace_over(session, {"period_id": scene.more["period"]}, now(uow))
    return count(session, VotingSuspension, col(VotingSuspension.automatic).is_(True)) > 0


def period_terms(session: Session, uow: UnitOfWork) -> Scene:
    person(session, 200, "Amina", Role.SECRETARIAT)
    return Scene(User, 200)


def convened(session: Session, uow: UnitOfWork, *, open_: bool = False) -> Scene:
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    full_member(session, "Fez", REPRESENTATIVE, REPRESENTATIVE + 1000)
    meeting_id = assembly(session, clerk, uow.clock)
    if open_:
        sessions.open_session(session, meeting_id, clerk, now=now(uow))
    return Scene(Meeting, meeting_id)


def tabled(session: Session, uow: UnitOfWork, *, open_: bool = False) -> Scene:
    scene = convened(session, uow, open_=True)
    clerk = user(session, 200)
    motion = motions.propose(
        session,
        scene.row_id,
        clerk,
        text="Adopt the budget.",
        kind=MotionKind.ORDINARY,
        ballot=BallotKind.NAMED,
        closes_at=None,
        now=now(uow),
    )
    assert motion.id is not None
    if open_:
        motions.open_vote(session, motion.id, clerk, now=now(uow), settings=uow.settings)
    return Scene(Motion, motion.id, {"meeting": scene.row_id})


def amendment(session: Session, uow: UnitOfWork) -> Scene:
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    member = full_member(session, "Fez", *DECIDERS)
    meeting_id = assembly(session, clerk, uow.clock)
    motion = motions.propose(
        session,
        meeting_id,
        clerk,
        text="Amend Art. 23.",
        kind=MotionKind.CHARTER_AMENDMENT,
        ballot=BallotKind.NAMED,
        closes_at=None,
        now=now(uow),
    )
    assert motion.id is not None
    return Scene(Motion, motion.id, {"member": member.id})


def checkin(session: Session, uow: UnitOfWork) -> Scene:
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    member = full_member(session, "Fez", *DECIDERS)
    meeting_id = assembly(session, clerk, uow.clock)
    sessions.open_session(session, meeting_id, clerk, now=now(uow))
    return Scene(Meeting, meeting_id, {"member": member.id})


def seat(session: Session, uow: UnitOfWork) -> Scene:
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    holder = person(session, 300, "Karim")
    held = seats.assign(session, Body.TRUSTEES, SeatKind.MAYOR, holder, clerk, now=now(uow))
    assert held.id is not None
    return Scene(Seat, held.id)


def invited(session: Session, uow: UnitOfWork) -> Scene:
    clerk = person(session, 200, "Amina", Role.SECRETARIAT)
    full_member(session, "Fez", *DECIDERS)
    meeting_id = assembly(session, clerk, uow.clock)
    invitation = session.exec(select(Invitation.id).where(Invitation.meeting_id == meeting_id))
    return Scene(Invitation, invitation.one() or 0)


def nominators(session: Session, uow: UnitOfWork) -> Scene:
    person(session, CHAIR, "Nabil", Role.CHAIR)
    person(session, GENERAL, "Omar", Role.SECRETARY_GENERAL)
    return Scene(User, GENERAL)


def someone(session: Session, uow: UnitOfWork) -> Scene:
    person(session, 300, "Karim")
    return Scene(User, 300)


def trustee(session: Session, uow: UnitOfWork) -> Scene:
    person(session, 300, "Karim", Role.TRUSTEE)
    return Scene(User, 300)


# --- The decisions ---------------------------------------------------------------------


def prompts_of(kind: str) -> Callable[[Session, Scene], int]:
    return lambda s, scene: count(s, Prompt, Prompt.kind == kind, Prompt.subject_id == scene.row_id)


CASES = [
    Case(
        "application: forward",
        Role.SECRETARIAT,
        submitted,
        lambda s, scene, u, uow: applications.forward(
            s, scene.row_id, u, now=now(uow), settings=uow.settings
        ),
        prompts_of(applications.DECIDE),
    ),
    Case(
        "application: ask",
        Role.SECRETARIAT,
        submitted,
        lambda s, scene, u, uow: applications.ask(
            s, scene.row_id, u, f"Question from {u.first_name}", now=now(uow), settings=uow.settings
        ),
        lambda s, scene: notified(s, applications.QUESTION, APPLICANT),
    ),
    Case(
        "application: reject at screening",
        Role.SECRETARIAT,
        submitted,
        lambda s, scene, u, uow: applications.reject(s, scene.row_id, u, "No.", now=now(uow)),
        lambda s, scene: notified(s, applications.REJECTED_TO_APPLICANT, APPLICANT),
    ),
    Case(
        "application: admit",
        Role.SECRETARY_GENERAL,
        forwarded,
        lambda s, scene, u, uow: applications.admit(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: (
            count(s, Member)
            * notified(s, applications.WELCOME_MEMBER, APPLICANT)
            * notified(s, periods.NOTICE, APPLICANT)
        ),
    ),
    Case(
        "application: reject by the Secretary-General",
        Role.SECRETARY_GENERAL,
        forwarded,
        lambda s, scene, u, uow: applications.reject(s, scene.row_id, u, "No.", now=now(uow)),
        lambda s, scene: notified(s, applications.REJECTED_TO_APPLICANT, APPLICANT),
    ),
    Case(
        "honorary: the Chair's signature",
        Role.CHAIR,
        nominated,
        lambda s, scene, u, uow: honorary.confirm(s, scene.row_id, Capacity.CHAIR, u, now=now(uow)),
        lambda s, scene: notified(s, honorary.HALF_CONFIRMED),
    ),
    Case(
        "honorary: the second signature",
        Role.SECRETARY_GENERAL,
        lambda s, uow: nominated(s, uow, chair_signed=True),
        lambda s, scene, u, uow: honorary.confirm(
            s, scene.row_id, Capacity.SECRETARY_GENERAL, u, now=now(uow)
        ),
        lambda s, scene: count(s, Member) * notified(s, honorary.CONFIRMED_TO_NOMINATOR),
    ),
    Case(
        "honorary: decline",
        Role.SECRETARY_GENERAL,
        nominated,
        lambda s, scene, u, uow: honorary.decline(
            s, scene.row_id, Capacity.SECRETARY_GENERAL, u, "Not yet.", now=now(uow)
        ),
        lambda s, scene: notified(s, honorary.DECLINED_TO_NOMINATOR),
    ),
    Case(
        "honorary: nominate the same person",
        Role.SECRETARIAT,
        nominators,
        lambda s, scene, u, uow: honorary.nominate(
            s,
            u,
            name_en="Hassan Fathy",
            name_ar="حسن فتحي",
            contribution="Architecture.",
            now=now(uow),
            settings=uow.settings,
        ),
        lambda s, scene: count(s, HonoraryNomination),
    ),
    Case(
        "withdrawal: acknowledge",
        Role.SECRETARIAT,
        requested,
        lambda s, scene, u, uow: withdrawals.acknowledge(
            s, scene.row_id, u, now=now(uow), settings=uow.settings
        ),
        prompts_of(withdrawals.DECIDE),
    ),
    Case(
        "withdrawal: accept",
        Role.SECRETARY_GENERAL,
        lambda s, uow: requested(s, uow, acknowledged=True),
        lambda s, scene, u, uow: withdrawals.accept(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: (
            notified(s, withdrawals.ACCEPTED_TO_MEMBER, REPRESENTATIVE)
            * audited(s, "member", "withdraw")
        ),
    ),
    Case(
        "withdrawal: refuse",
        Role.SECRETARY_GENERAL,
        lambda s, uow: requested(s, uow, acknowledged=True),
        lambda s, scene, u, uow: withdrawals.refuse(s, scene.row_id, u, "Stay.", now=now(uow)),
        lambda s, scene: notified(s, withdrawals.REFUSED_TO_MEMBER, REPRESENTATIVE),
    ),
    Case(
        "suspension: propose",
        Role.SECRETARIAT,
        suspendable,
        lambda s, scene, u, uow: suspensions.propose(
            s, scene.row_id, u, "A breach.", now=now(uow), settings=uow.settings
        ),
        lambda s, scene: count(s, SuspensionCase),
    ),
    Case(
        "suspension: suspend",
        Role.SECRETARY_GENERAL,
        proposed,
        lambda s, scene, u, uow: suspensions.decide(
            s, scene.row_id, SuspensionEvent.SUSPEND, u, now=now(uow)
        ),
        lambda s, scene: (
            audited(s, "member", "suspend")
            * notified(s, suspensions.TO_MEMBER[SuspensionEvent.SUSPEND], REPRESENTATIVE)
        ),
    ),
    Case(
        "suspension: reject the proposal",
        Role.SECRETARY_GENERAL,
        proposed,
        lambda s, scene, u, uow: suspensions.decide(
            s, scene.row_id, SuspensionEvent.REJECT, u, now=now(uow)
        ),
        lambda s, scene: audited(s, "suspension", "reject"),
    ),
    Case(
        "suspension: propose the lifting",
        Role.SECRETARIAT,
        lift_candidate,
        lambda s, scene, u, uow: suspensions.propose_lift(
            s, scene.row_id, u, "Put right.", now=now(uow), settings=uow.settings
        ),
        lambda s, scene: count(s, Prompt, Prompt.kind == suspensions.LIFT),
    ),
    Case(
        "suspension: lift",
        Role.SECRETARY_GENERAL,
        lambda s, uow: proposed(s, uow, suspended=True),
        lambda s, scene, u, uow: suspensions.decide(
            s, scene.row_id, SuspensionEvent.LIFT, u, now=now(uow)
        ),
        lambda s, scene: (
            audited(s, "member", "lift")
            * notified(s, suspensions.TO_MEMBER[SuspensionEvent.LIFT], REPRESENTATIVE)
        ),
    ),
    Case(
        "fee payment: confirm",
        Role.SECRETARIAT,
        reported,
        lambda s, scene, u, uow: payments.confirm_payment(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: (
            notified(s, payments.CONFIRMED_TO_MEMBER, REPRESENTATIVE)
            * audited(s, "fee_due", "settle")
        ),
    ),
    Case(
        "fee payment: dispute",
        Role.SECRETARIAT,
        reported,
        lambda s, scene, u, uow: payments.dispute_payment(
            s, scene.row_id, u, "No such transfer.", now=now(uow)
        ),
        lambda s, scene: notified(s, payments.DISPUTED_TO_MEMBER, REPRESENTATIVE),
    ),
    Case(
        "fee period: open the same period",
        Role.SECRETARIAT,
        period_terms,
        lambda s, scene, u, uow: periods.open_period(s, terms(now(uow).date()), u, now=now(uow)),
        lambda s, scene: count(s, FeePeriod),
    ),
    Case(
        "voting right: suspend for fees",
        Role.SECRETARIAT,
        unpaid,
        lambda s, scene, u, uow: voting_rights.suspend(
            s, scene.row_id, u, reason="Council decision", now=now(uow)
        ),
        lambda s, scene: count(s, VotingSuspension),
    ),
    Case(
        "voting right: grace period over while suspended by hand",
        Role.SECRETARIAT,
        overdue,
        at_deadline_or_by_hand,
        lambda s, scene: (
            count(s, VotingSuspension)
            * notified(s, voting_rights.SUSPENDED_TO_MEMBER, REPRESENTATIVE)
        ),
    ),
    Case(
        "voting right: restore",
        Role.SECRETARIAT,
        lambda s, uow: unpaid(s, uow, suspended=True),
        lambda s, scene, u, uow: voting_rights.restore(
            s, scene.row_id, u, reason="Council decision", now=now(uow)
        ),
        lambda s, scene: notified(s, voting_rights.RESTORED_TO_MEMBER, REPRESENTATIVE),
    ),
    Case(
        "session: open",
        Role.SECRETARIAT,
        convened,
        lambda s, scene, u, uow: sessions.open_session(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: notified(s, sessions.CHECK_IN_NOW, REPRESENTATIVE),
    ),
    Case(
        "session: close",
        Role.SECRETARIAT,
        lambda s, uow: convened(s, uow, open_=True),
        lambda s, scene, u, uow: sessions.close_session(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: audited(s, "meeting", "close"),
    ),
    Case(
        "session: cancel",
        Role.SECRETARIAT,
        convened,
        lambda s, scene, u, uow: sessions.cancel_session(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: notified(s, sessions.CANCELLED, REPRESENTATIVE),
    ),
    Case(
        "invitation: the member's representatives answer",
        Role.REPRESENTATIVE,
        invited,
        lambda s, scene, u, uow: sessions.answer_invitation(
            s, scene.row_id, u, Rsvp.ATTEND, now=now(uow)
        ),
        # An answer may be changed: each press is one answer, recorded once, in turn.
        lambda s, scene: audited(s, "meeting", "rsvp") // PRESSES,
        every_press_counts=True,
    ),
    Case(
        "motion: open the vote",
        Role.SECRETARIAT,
        tabled,
        lambda s, scene, u, uow: motions.open_vote(
            s, scene.row_id, u, now=now(uow), settings=uow.settings
        ),
        lambda s, scene: audited(s, "motion", "open"),
    ),
    Case(
        "motion: close the vote",
        Role.SECRETARIAT,
        lambda s, uow: tabled(s, uow, open_=True),
        lambda s, scene, u, uow: motions.close_motion(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: notified(s, motions.RESULT, REPRESENTATIVE),
    ),
    Case(
        "amendment: the member's representatives support it",
        Role.REPRESENTATIVE,
        amendment,
        lambda s, scene, u, uow: amendments.support(
            s, scene.row_id, scene.more["member"], u, now=now(uow)
        ),
        lambda s, scene: count(s, AmendmentSupport),
    ),
    Case(
        "attendance: the member's representatives check in",
        Role.REPRESENTATIVE,
        checkin,
        lambda s, scene, u, uow: attendance.check_in(
            s, scene.row_id, u, member_id=scene.more["member"], now=now(uow)
        ),
        lambda s, scene: count(s, Attendance),
    ),
    Case(
        "seat: vacate",
        Role.SECRETARIAT,
        seat,
        lambda s, scene, u, uow: seats.vacate(s, scene.row_id, u, now=now(uow)),
        lambda s, scene: audited(s, "seat", "vacate") * audited(s, "user", "revoke"),
    ),
    Case(
        "seat: assign the same seat",
        Role.SECRETARIAT,
        someone,
        lambda s, scene, u, uow: seats.assign(
            s, Body.TRUSTEES, SeatKind.MAYOR, user(s, scene.row_id), u, now=now(uow)
        ),
        lambda s, scene: count(s, Seat),
    ),
    Case(
        "role: grant",
        Role.SECRETARIAT,
        someone,
        lambda s, scene, u, uow: people.grant_role(
            s, user_id=scene.row_id, role=Role.TRUSTEE, actor_id=u.id, tell=True
        ),
        lambda s, scene: (
            count(s, RoleGrant, RoleGrant.role == Role.TRUSTEE.value)
            * audited(s, "user", "grant", scene.row_id)
            * notified(s, people.GRANTED, scene.row_id)
        ),
    ),
    Case(
        "role: revoke",
        Role.SECRETARIAT,
        trustee,
        lambda s, scene, u, uow: people.revoke_role(
            s, user_id=scene.row_id, role=Role.TRUSTEE, actor_id=u.id, tell=True
        ),
        lambda s, scene: audited(s, "user", "revoke") * notified(s, people.REVOKED, scene.row_id),
    ),
]


@dataclass
class Outcome:
    presser: int
    acted: bool
    refusal: MajlisError | None = None
    #: What a refused presser is told about who acted first, in English.
    told: str | None = None
    seen: object = field(default=None, repr=False)


def press(
    uow: UnitOfWork, case: Case, scene: Scene, presser: int, gate: threading.Barrier
) -> Outcome:
    """One person's press, as the bot runs it: read the record, then decide."""
    serialised = uow.db.engine.dialect.name != "postgresql"
    if serialised:
        # SQLite's transactions begin IMMEDIATE: wait before, not inside one.
        gate.wait()
    try:
        with uow.begin() as session:
            deciding = user(session, presser)
            # The read the bot checks who may press on, held as the bot holds it: the
            # session keeps an object in its identity map only while it is referenced.
            seen = session.get(scene.model, scene.row_id)
            if not serialised:
                gate.wait()
            result = case.decide(session, scene, deciding, uow)
            return Outcome(presser, acted=result is not False, seen=seen)
    except IllegalTransition as refusal:
        with uow.db.session() as session:
            roles = people.roles_of(session, presser)
            first = decisions.first_to_act(session, refusal, roles)
            told = text_for("en")._(ACTED_FIRST, outcome=first) if first else None
        return Outcome(presser, acted=False, refusal=refusal, told=told)
    except MajlisError as refusal:
        return Outcome(presser, acted=False, refusal=refusal)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_many_pressing_one_decision_at_once_has_one_effect(uow: UnitOfWork, case: Case) -> None:
    with uow.begin() as session:
        for presser in DECIDERS:
            person(session, presser, f"Person {presser}", case.role)
        scene = case.build(session, uow)
    gate = threading.Barrier(PRESSES, timeout=60)
    with ThreadPoolExecutor(PRESSES) as pool:
        outcomes = list(pool.map(lambda p: press(uow, case, scene, p, gate), DECIDERS))

    acted = [outcome for outcome in outcomes if outcome.acted]
    with uow.db.session() as session:
        assert case.effect(session, scene) == 1, outcomes
    if case.every_press_counts:
        assert len(acted) == PRESSES, outcomes
        return
    assert len(acted) == 1, outcomes
    winner = f"Person {acted[0].presser}"
    automatic = text_for("en")._(decisions.AUTOMATIC, when=now(uow))
    for outcome in outcomes:
        if isinstance(outcome.refusal, IllegalTransition):
            assert outcome.told is not None, outcome
            assert winner in outcome.told or automatic in outcome.told, outcome


def test_two_secretaries_general_revoking_each_other_at_once_leave_one(uow: UnitOfWork) -> None:
    """The last Secretary-General stays, even when both revoke the other at the same moment."""
    with uow.begin() as session:
        for presser in (1, 2):
            person(session, presser, f"Person {presser}", Role.SECRETARY_GENERAL)
    gate = threading.Barrier(2, timeout=60)

    def revoke(presser: int) -> bool:
        if uow.db.engine.dialect.name != "postgresql":
            gate.wait()
        try:
            with uow.begin() as session:
                people.holders_of(session, Role.SECRETARY_GENERAL)
                if uow.db.engine.dialect.name == "postgresql":
                    gate.wait()
                return people.revoke_role(
                    session, user_id=3 - presser, role=Role.SECRETARY_GENERAL, actor_id=presser
                )
        except MajlisError:
            return False

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(revoke, (1, 2)))
    assert done.count(True) == 1
    with uow.db.session() as session:
        assert len(people.holders_of(session, Role.SECRETARY_GENERAL)) == 1


def test_who_decided_is_told_only_to_those_who_could_have_decided(uow: UnitOfWork) -> None:
    """A forged Admit from someone without the role learns nothing of who admitted."""
    with uow.begin() as session:
        general = person(session, 1, "Omar", Role.SECRETARY_GENERAL)
        scene = forwarded(session, uow)
        applications.admit(session, scene.row_id, general, now=now(uow))
    with uow.begin() as session:
        application = session.get(Application, scene.row_id)
        assert application is not None
        # The role is checked first: a guest is refused without a word of the state...
        with pytest.raises(NotAllowed):
            applications.APPLICATION.check(
                application.state, "admit", {Role.GUEST}, subject=application.id
            )
        # ...and even given the refusal a decider gets, is told nothing of who decided.
        with pytest.raises(IllegalTransition) as refused:
            applications.APPLICATION.check(
                application.state, "admit", {Role.SECRETARY_GENERAL}, subject=application.id
            )
        assert decisions.first_to_act(session, refused.value, {Role.GUEST}) is None
        told = decisions.first_to_act(session, refused.value, {Role.SECRETARY_GENERAL})
        assert told is not None and told.args["name"] == "Omar"


def test_a_prompt_resolved_twice_names_who_resolved_it_first(uow: UnitOfWork) -> None:
    """A copy of a prompt acted on after it was resolved (from /pending, say) is refused
    with the line every copy now shows."""
    with uow.begin() as session:
        clerk = person(session, 1, "Amina", Role.SECRETARIAT)
        scene = submitted(session, uow)
        applications.forward(session, scene.row_id, clerk, now=now(uow), settings=uow.settings)
        prompt = session.exec(select(Prompt).where(Prompt.kind == applications.SCREEN)).one()
        with pytest.raises(IllegalTransition) as refused:
            prompts.resolve(
                session,
                prompt,
                actor=clerk,
                outcome="forward",
                outcome_text=prompts.outcome("again", clerk, now(uow)),
                now=now(uow),
            )
        told = decisions.first_to_act(session, refused.value, {Role.SECRETARIAT})
        assert told is not None and told.key == applications.FORWARDED_BY
        assert told.args["name"] == "Amina"
        assert decisions.first_to_act(session, refused.value, {Role.CHAIR}) is None
