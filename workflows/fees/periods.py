"""Membership fees (Art. 18): fee periods, and each full member's due and its notice.

The Secretariat records the biennial fee the Executive Supreme Council decided;
every full member in good standing then owes one due for it, and each of its
representatives gets a notice in their own language. Reminders and the end of
the grace period are due items written when the period opens, so a restart
neither loses nor repeats them (:mod:`workflows.fees.reminders` acts on them).
Balances and statements are in :mod:`workflows.fees.statements`, payments in
:mod:`workflows.fees.payments`, voting rights in :mod:`workflows.fees.voting_rights`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple, Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import FeeDue, FeePeriod, Member, User, bulk
from workflows.charter import fees as rules
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.money import Money
from workflows.charter.roles import STAFF, Role
from workflows.fees.statements import DueStatus, fee_of
from workflows.membership import representation
from workflows.platform import audit, locks, outbox, people, prompts, schedule
from workflows.platform.buttons import Button
from workflows.platform.unit_of_work import SETTINGS

#: Reminders and the end of the grace period fall at this hour on their day:
#: 09:00 in Mecca, 07:00 in Rabat, 13:00 in Jakarta, read in working hours.
DAILY_HOUR = time(6, 0, tzinfo=UTC)
REMIND = "fees.remind"
GRACE_OVER = "fees.grace_over"


@dataclass(frozen=True)
class PayButton(Button, kind="fee.pay"):
    """Under a fee notice or a reminder: report a payment of this due."""

    due_id: int


@dataclass(frozen=True, kw_only=True)
class PeriodTerms:
    """What the Secretariat records for a period: the Council's decision (Art. 18)
    and the fee policy (grace period, reminders)."""

    starts_on: date
    ends_on: date
    fee: Money
    due_on: date
    grace_days: int = rules.DEFAULT_FEE_POLICY.grace_days
    reminder_days_before: tuple[int, ...] = rules.DEFAULT_FEE_POLICY.reminder_days_before
    reminder_every_days_after: int = rules.DEFAULT_FEE_POLICY.reminder_every_days_after

    def problem(self) -> str | None:
        """Why these terms cannot be recorded (a reason key), or None."""
        if self.ends_on <= self.starts_on:
            return "period_ends_before_it_starts"
        if not self.starts_on <= self.due_on <= self.ends_on:
            return "due_date_outside_period"
        if self.fee.amount <= 0:
            return "fee_not_positive"
        try:
            self.policy(suspend_automatically=True)
        except ValueError:
            return "bad_policy"
        return None

    def policy(self, *, suspend_automatically: bool) -> rules.FeePolicy:
        return rules.FeePolicy(
            grace_days=self.grace_days,
            reminder_days_before=self.reminder_days_before,
            reminder_every_days_after=self.reminder_every_days_after,
            suspend_automatically=suspend_automatically,
        )


def at_daily_hour(day: date) -> datetime:
    return datetime.combine(day, DAILY_HOUR)


def policy_of(period: FeePeriod, *, suspend_automatically: bool) -> rules.FeePolicy:
    return rules.FeePolicy(
        grace_days=period.grace_days,
        reminder_days_before=tuple(period.reminder_days_before),
        reminder_every_days_after=period.reminder_every_days_after,
        suspend_automatically=suspend_automatically,
    )


def suspends_automatically(session: Session) -> bool:
    """The policy in force (``MAJLIS_FEES_SUSPEND_AUTOMATICALLY``) for this unit of work."""
    settings = session.info.get(SETTINGS)
    if settings is None:
        return rules.DEFAULT_FEE_POLICY.suspend_automatically
    return bool(settings.fees_suspend_automatically)


def require_staff(session: Session, user: User) -> None:
    """Art. 11: the Secretariat manages the Assembly's financial resources."""
    if not people.roles_of(session, user.id) & STAFF:
        raise NotAllowed("fees are kept by the Secretariat", reason="role_not_allowed")


# --- Who owes ----------------------------------------------------------------


class Owing(Protocol):
    """What issuing a due reads of a member: a :class:`Member`, or a :class:`FullMember`."""

    @property
    def id(self) -> int | None: ...
    @property
    def category(self) -> str: ...
    @property
    def standing(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def name_ar(self) -> str: ...
    @property
    def fee_notice_due_at(self) -> datetime | None: ...


class FullMember(NamedTuple):
    """A full member as :func:`full_member_rows` reads it: columns, not an object."""

    id: int
    category: str
    standing: str
    name_en: str
    name_ar: str
    fee_notice_due_at: datetime | None


def owes_notice(member: Owing) -> bool:
    """Art. 18: full members pay; a notice goes to those in good standing (not
    suspended for a breach under Art. 22, not withdrawn under Art. 21)."""
    return (
        rules.owes_fee(MemberCategory(member.category)) and member.standing == Standing.ACTIVE.value
    )


def full_members(session: Session) -> list[Member]:
    query = select(Member).where(
        Member.category == MemberCategory.FULL.value, Member.standing == Standing.ACTIVE.value
    )
    return list(session.exec(query.order_by(col(Member.name_en))))


def full_member_rows(session: Session) -> list[FullMember]:
    """:func:`full_members`, read as columns: 2,000 members made objects cost more than
    the rest of opening a period for them."""
    query = select(  # type: ignore[call-overload]
        col(Member.id),
        col(Member.category),
        col(Member.standing),
        col(Member.name_en),
        col(Member.name_ar),
        col(Member.fee_notice_due_at),
    ).where(Member.category == MemberCategory.FULL.value, Member.standing == Standing.ACTIVE.value)
    return [FullMember(*row) for row in session.exec(query.order_by(col(Member.name_en)))]


# --- Periods ---------------------------------------------------------------------


def periods(session: Session) -> list[FeePeriod]:
    """Every period recorded, the latest first."""
    return list(session.exec(select(FeePeriod).order_by(col(FeePeriod.starts_on).desc())))


def current_period(session: Session, today: date) -> FeePeriod | None:
    """The period whose biennium includes ``today``, else the latest one not ended."""
    running = session.exec(
        select(FeePeriod).where(col(FeePeriod.starts_on) <= today, col(FeePeriod.ends_on) >= today)
    ).first()
    if running is not None:
        return running
    return session.exec(
        select(FeePeriod).where(col(FeePeriod.ends_on) >= today).order_by(col(FeePeriod.starts_on))
    ).first()


def overlapping(session: Session, starts_on: date, ends_on: date) -> FeePeriod | None:
    return session.exec(
        select(FeePeriod).where(
            col(FeePeriod.starts_on) <= ends_on, col(FeePeriod.ends_on) >= starts_on
        )
    ).first()


@dataclass(frozen=True)
class OpeningEffects:
    """What opening a period would do at once, for the review before it is opened."""

    notified: int
    #: Members whose notice would arrive after its due date (Art. 18).
    overdue: int
    #: Members whose voting right the first scheduler pass would suspend (Art. 25).
    suspended: int


def opening_effects(
    session: Session, terms: PeriodTerms, *, today: date, suspend_automatically: bool
) -> OpeningEffects:
    """Art. 18, 25: a due date already past makes every notified member late at once,
    and a grace period already over suspends their voting right at once."""
    members = [member for member in full_members(session) if owes_notice(member)]
    overdue = len(members) if terms.due_on < today else 0
    policy = terms.policy(suspend_automatically=suspend_automatically)
    suspended = 0
    if rules.voting_suspension_due(
        due_date=terms.due_on, owed=terms.fee, today=today, policy=policy
    ):
        suspended = sum(1 for member in members if member.voting_right == VotingRight.ACTIVE.value)
    return OpeningEffects(notified=len(members), overdue=overdue, suspended=suspended)


def open_period(session: Session, terms: PeriodTerms, user: User, *, now: datetime) -> FeePeriod:
    """Record the Council's fee for a biennium and send every full member its notice."""
    require_staff(session, user)
    problem = terms.problem()
    if problem is not None:
        raise NotAllowed(f"fee period refused: {problem}", reason=problem)
    # Two members of the Secretariat recording the same period at once: one period.
    locks.serialise(session, "fee_periods")
    if overlapping(session, terms.starts_on, terms.ends_on) is not None:
        raise NotAllowed("another fee period covers these dates", reason="period_overlaps")
    period = FeePeriod(
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        amount_minor=terms.fee.minor,
        currency=terms.fee.currency,
        due_on=terms.due_on,
        grace_days=terms.grace_days,
        reminder_days_before=list(terms.reminder_days_before),
        reminder_every_days_after=terms.reminder_every_days_after,
        opened_by=user.id,
        opened_at=now,
    )
    session.add(period)
    session.flush()
    assert period.id is not None
    audit.record(
        session,
        entity="fee_period",
        entity_id=period.id,
        action="open",
        actor_id=user.id,
        to_state="open",
        at=now,
        fee=str(terms.fee),
        starts_on=terms.starts_on.isoformat(),
        ends_on=terms.ends_on.isoformat(),
        due_on=terms.due_on.isoformat(),
        grace_days=terms.grace_days,
        reminders=[*terms.reminder_days_before, terms.reminder_every_days_after],
    )
    _schedule(session, period, now=now)
    sent = issue_dues(session, period, full_member_rows(session), now=now)
    for chat_id in prompts.audience_of(session, Role.SECRETARIAT):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=OPENED,
            plural_key=OPENED_PLURAL,
            args={**period_args(period), "count": sent, "name": user.first_name},
        )
    return period


def _schedule(session: Session, period: FeePeriod, *, now: datetime) -> None:
    """Reminders up to the end of the biennium, and the end of the grace period."""
    assert period.id is not None
    policy = policy_of(period, suspend_automatically=True)
    reminders = [
        schedule.Due(
            kind=REMIND,
            due_at=moment,
            dedupe_key=f"fees:period:{period.id}:remind:{moment:%Y%m%d}",
            args={"period_id": period.id, "on": moment.date().isoformat()},
        )
        for moment in rules.reminder_schedule(
            at_daily_hour(period.due_on),
            until=at_daily_hour(period.ends_on),
            issued_at=now,
            policy=policy,
        )
    ]
    grace = schedule.Due(
        kind=GRACE_OVER,
        due_at=at_daily_hour(rules.suspension_date(period.due_on, policy=policy)),
        dedupe_key=f"fees:period:{period.id}:grace",
        args={"period_id": period.id},
    )
    schedule.schedule_many(session, [*reminders, grace])


def period_args(period: FeePeriod) -> dict[str, Any]:
    return {
        "start": period.starts_on,
        "end": period.ends_on,
        "fee": fee_of(period),
        "due": period.due_on,
    }


# --- Dues and notices ---------------------------------------------------------------


def due_of(session: Session, period_id: int, member_id: int) -> FeeDue | None:
    return session.exec(
        select(FeeDue).where(FeeDue.period_id == period_id, FeeDue.member_id == member_id)
    ).first()


def issue_due(session: Session, period: FeePeriod, member: Member, *, now: datetime) -> bool:
    """Make ``member`` owe ``period``'s fee and send the notice; False if it already did."""
    assert period.id is not None and member.id is not None
    if not owes_notice(member) or due_of(session, period.id, member.id) is not None:
        return False
    due = FeeDue(
        period_id=period.id,
        member_id=member.id,
        amount_minor=period.amount_minor,
        currency=period.currency,
        created_at=now,
        notified_at=now,
    )
    try:
        # Two openings or an admission racing: the unique constraint lets one through.
        with session.begin_nested():
            session.add(due)
    except IntegrityError:
        return False
    audit.record(
        session,
        entity="fee_due",
        entity_id=due.id,
        action="issue",
        actor_id=None,
        to_state=DueStatus.OWING.value,
        at=now,
        member=member.id,
        period=period.id,
    )
    assert due.id is not None
    outbox.notify_many(
        session,
        _notices(period, member, due.id, representation.representatives(session, member.id)),
    )
    if member.fee_notice_due_at is not None:
        member.fee_notice_due_at = None
        session.add(member)
    return True


def issue_dues(
    session: Session, period: FeePeriod, members: Sequence[Owing], *, now: datetime
) -> int:
    """:func:`issue_due` for every one of ``members``, in order, with a constant number
    of statements per slice of members rather than several per member: 2,000 members
    are notified in well under a second. Returns how many dues were issued."""
    assert period.id is not None
    issued = set(session.exec(select(FeeDue.member_id).where(FeeDue.period_id == period.id)).all())
    owing = [m for m in members if owes_notice(m) and m.id not in issued]
    if not owing:
        return 0
    dues = [
        {
            "period_id": period.id,
            "member_id": member.id,
            "amount_minor": period.amount_minor,
            "currency": period.currency,
            "created_at": now,
            "notified_at": now,
        }
        for member in owing
    ]
    try:
        with session.begin_nested():
            written = bulk.insert_many(session, FeeDue, dues, FeeDue.id, FeeDue.member_id)
    except IntegrityError:
        # An admission issued one of them meanwhile: the unique constraint decides
        # member by member, as it does for a single due.
        return sum(
            1
            for member in owing
            if issue_due(session, period, session.get_one(Member, member.id), now=now)
        )
    due_ids = {member_id: due_id for due_id, member_id in written}
    speakers = representation.representatives_of(session, list(due_ids))
    records: list[dict[str, Any]] = []
    notices: list[outbox.Owed] = []
    common = period_args(period)
    for member in owing:
        assert member.id is not None
        due_id = due_ids[member.id]
        records.append(
            audit.entry(
                entity="fee_due",
                entity_id=due_id,
                action="issue",
                actor_id=None,
                to_state=DueStatus.OWING.value,
                at=now,
                member=member.id,
                period=period.id,
            )
        )
        notices.extend(_notices(period, member, due_id, speakers[member.id], common))
    # A notice left due at admission (no period then) is sent now.
    waiting = [member.id for member in owing if member.fee_notice_due_at is not None]
    for part in outbox.slices(waiting):
        session.execute(
            update(Member)
            .where(bulk.among(session, col(Member.id), part))
            .values(fee_notice_due_at=None)
        )
    audit.record_many(session, records)
    outbox.notify_many(session, notices)
    return len(owing)


def _notices(
    period: FeePeriod,
    member: Owing,
    due_id: int,
    chat_ids: list[int],
    common: dict[str, Any] | None = None,
) -> list[outbox.Owed]:
    """``common``: :func:`period_args`, if already made for the batch."""
    common = period_args(period) if common is None else common
    return [
        outbox.Owed(
            chat_id=chat_id,
            key=NOTICE,
            args={**common, "member": member.name_en, "member_ar": member.name_ar},
            buttons=[[PayButton(due_id)]],
            dedupe_key=f"fees:notice:{due_id}:{chat_id}",
        )
        for chat_id in chat_ids
    ]


def issue_first_notice(session: Session, member: Member, *, now: datetime) -> bool:
    """On admission (Art. 20): a full member admitted while a period runs owes its fee.

    With no period recorded yet the notice stays due (``fee_notice_due_at``), and
    opening the next period sends it.
    """
    if member.fee_notice_due_at is None:
        return False
    period = current_period(session, now.date())
    if period is None:
        return False
    issued = issue_due(session, period, member, now=now)
    member.fee_notice_due_at = None
    session.add(member)
    return issued


def lock_due(session: Session, due_id: int) -> FeeDue:
    return locks.lock(session, FeeDue, due_id)


#: Notices by their stable names: their words and tags are in bot/notices.py.
NOTICE = "periods.notice"
OPENED, OPENED_PLURAL = "periods.opened", "periods.opened_plural"
