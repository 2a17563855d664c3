"""The fees workflow without Telegram: periods, notices, payments, reminders, voting rights."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from bot.buttons import keyboard
from bot.i18n import text_for
from bot.notices import template
from models import (
    AuditRecord,
    DueItem,
    FeeDue,
    FeePayment,
    Member,
    Notification,
    Prompt,
    Representation,
    User,
)
from workflows.charter.errors import IllegalTransition, InvalidAmount, NotAllowed
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.fees import payments, periods, reminders, statements, voting_rights
from workflows.fees.payments import PaymentReport, Receipt
from workflows.platform import people, schedule, values
from workflows.platform.clock import FrozenClock
from workflows.platform.unit_of_work import UnitOfWork

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
CLERK, MAYOR, OTHER_MAYOR, STRANGER = 100, 200, 300, 400
RECEIPT = Receipt(file_id="receipt-1", kind="document", name="receipt.pdf", mime="application/pdf")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def terms(**changes: object) -> periods.PeriodTerms:
    values: dict[str, object] = {
        "starts_on": date(2027, 1, 1),
        "ends_on": date(2028, 12, 31),
        "fee": usd("1500"),
        "due_on": date(2027, 3, 31),
        "grace_days": 90,
    }
    values.update(changes)
    return periods.PeriodTerms(**values)  # type: ignore[arg-type]


def member(session: Session, name: str, rep: int, *, category: str = "full") -> Member:
    row = Member(category=category, name_en=name, name_ar=f"{name} (ar)", country="MA")
    session.add(row)
    session.flush()
    assert row.id is not None
    if session.get(User, rep) is None:
        session.add(User(id=rep, first_name=f"rep{rep}", language="ar"))
        session.flush()
    session.add(Representation(member_id=row.id, user_id=rep))
    return row


@pytest.fixture
def world(uow: UnitOfWork, clock: FrozenClock) -> dict[str, int]:
    clock.set(START)
    with uow.begin() as session:
        session.add(User(id=CLERK, first_name="Amina"))
        session.add(User(id=STRANGER, first_name="Mallory"))
        session.flush()
        people.grant_role(session, user_id=CLERK, role=Role.SECRETARIAT, actor_id=None)
        fez = member(session, "Fez", MAYOR)
        tunis = member(session, "Tunis", OTHER_MAYOR)
        member(session, "Institute", STRANGER + 1, category="associate")
        return {"fez": fez.id or 0, "tunis": tunis.id or 0}


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def open_default(uow: UnitOfWork, clock: FrozenClock, **changes: object) -> int:
    with uow.begin() as session:
        period = periods.open_period(
            session, terms(**changes), user(session, CLERK), now=clock.now()
        )
        return period.id or 0


def due_id(uow: UnitOfWork, member_id: int) -> int:
    with uow.begin() as session:
        due = session.exec(select(FeeDue).where(FeeDue.member_id == member_id)).one()
        return due.id or 0


def notes(uow: UnitOfWork, chat_id: int) -> list[Notification]:
    with uow.begin() as session:
        return list(
            session.exec(
                select(Notification)
                .where(Notification.chat_id == chat_id)
                .order_by(col(Notification.id))
            )
        )


def report(
    uow: UnitOfWork, clock: FrozenClock, member_id: int, amount: str, by: int = MAYOR
) -> int:
    due = due_id(uow, member_id)
    with uow.begin() as session:
        payment = payments.report_payment(
            session,
            due,
            user(session, by),
            PaymentReport(Decimal(amount), clock.now().date(), "TRX-1", RECEIPT),
            now=clock.now(),
            settings=uow.settings,
        )
        return payment.id or 0


def confirm(uow: UnitOfWork, clock: FrozenClock, payment_id: int) -> None:
    with uow.begin() as session:
        payments.confirm_payment(session, payment_id, user(session, CLERK), now=clock.now())


def run_until(uow: UnitOfWork, clock: FrozenClock, moment: datetime) -> None:
    clock.set(moment)
    schedule.run_due(uow.begin, now=moment)


def test_opening_a_period_notifies_every_full_member_and_schedules_reminders(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    period_id = open_default(uow, clock)
    [notice] = notes(uow, MAYOR)
    assert notice.key == periods.NOTICE
    assert notice.args["fee"] == {"$money": {"amount": "1500.00", "currency": "USD"}}
    assert notice.args["due"] == {"$date": "2027-03-31"}
    [[pay]] = keyboard(text_for("en"), notice.buttons)
    assert pay.data == f"feepay:{due_id(uow, world['fez'])}"
    assert len(notes(uow, OTHER_MAYOR)) == 1
    assert notes(uow, STRANGER + 1) == []  # an associate pays no fee (Art. 18)
    assert "2 fee notices" in template(periods.OPENED_PLURAL).replace("{count}", "2")
    with uow.begin() as session:
        items = session.exec(select(DueItem).order_by(col(DueItem.due_at))).all()
        reminders = [i.due_at for i in items if i.kind == periods.REMIND]
        assert reminders[:3] == [
            datetime(2027, 3, 1, 6, tzinfo=UTC),
            datetime(2027, 3, 24, 6, tzinfo=UTC),
            datetime(2027, 4, 14, 6, tzinfo=UTC),
        ]
        assert reminders[-1] <= datetime(2028, 12, 31, 6, tzinfo=UTC)
        [grace] = [i for i in items if i.kind == periods.GRACE_OVER]
        assert grace.due_at == datetime(2027, 6, 30, 6, tzinfo=UTC)
        assert session.exec(select(AuditRecord).where(AuditRecord.entity == "fee_period")).one()
        assert periods.current_period(session, date(2027, 5, 1)).id == period_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ends_on": date(2026, 12, 1)}, "period_ends_before_it_starts"),
        ({"due_on": date(2029, 1, 1)}, "due_date_outside_period"),
        ({"reminder_every_days_after": 0}, "bad_policy"),
    ],
)
def test_inconsistent_terms_are_refused(
    uow: UnitOfWork,
    clock: FrozenClock,
    world: dict[str, int],
    changes: dict[str, object],
    reason: str,
) -> None:
    with pytest.raises(NotAllowed) as refused:
        open_default(uow, clock, **changes)
    assert refused.value.reason == reason


def test_only_the_secretariat_opens_a_period_and_periods_do_not_overlap(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    with uow.begin() as session, pytest.raises(NotAllowed):
        periods.open_period(session, terms(), user(session, MAYOR), now=clock.now())
    open_default(uow, clock)
    with pytest.raises(NotAllowed) as refused:
        open_default(
            uow,
            clock,
            starts_on=date(2028, 1, 1),
            ends_on=date(2029, 12, 31),
            due_on=date(2028, 3, 1),
        )
    assert refused.value.reason == "period_overlaps"


def test_a_full_member_admitted_during_the_period_gets_its_notice(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    with uow.begin() as session:
        new = member(session, "Kairouan", 500)
        new.fee_notice_due_at = clock.now()
        assert periods.issue_first_notice(session, new, now=clock.now())
        assert new.fee_notice_due_at is None
        assert not periods.issue_first_notice(session, new, now=clock.now())
    assert [n.key for n in notes(uow, 500)] == [periods.NOTICE]


def test_a_partial_payment_leaves_the_rest_owed_and_the_statement_says_so(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    payment_id = report(uow, clock, world["fez"], "500")
    with uow.begin() as session:
        prompt = session.exec(select(Prompt)).one()
        assert (prompt.kind, prompt.subject_id) == (payments.CONFIRM, payment_id)
        line = statements.statement(session, world["fez"], today=clock.now().date()).lines[0]
        assert line.status is statements.DueStatus.REPORTED
        assert line.balance == usd("1500")  # a report counts once confirmed
    staff = notes(uow, CLERK)
    assert staff[-2].file_id == "receipt-1" and staff[-1].key == payments.PAYMENT_SUMMARY
    confirm(uow, clock, payment_id)
    with uow.begin() as session:
        statement = statements.statement(session, world["fez"], today=clock.now().date())
        assert statement.lines[0].confirmed == usd("500")
        assert statement.lines[0].balance == usd("1000")
        assert statement.owed == [usd("1000")]
        assert statement.lines[0].status is statements.DueStatus.OWING
    told = notes(uow, MAYOR)[-1]
    assert told.key == payments.CONFIRMED_TO_MEMBER
    assert told.args["balance"]["$message"]["key"] == payments.STILL_OWED


def test_a_double_confirmation_counts_once(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    payment_id = report(uow, clock, world["fez"], "1500")
    confirm(uow, clock, payment_id)
    with pytest.raises(IllegalTransition):
        confirm(uow, clock, payment_id)
    with uow.begin() as session:
        statement = statements.statement(session, world["fez"], today=clock.now().date())
        assert statement.lines[0].confirmed == usd("1500")
        assert statement.lines[0].status is statements.DueStatus.PAID
        due = session.exec(select(FeeDue).where(FeeDue.member_id == world["fez"])).one()
        assert due.settled_at == clock.now()
    assert [n.key for n in notes(uow, MAYOR)].count(payments.CONFIRMED_TO_MEMBER) == 1


def test_only_a_representative_of_the_member_reports(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    with pytest.raises(NotAllowed):
        report(uow, clock, world["fez"], "100", by=OTHER_MAYOR)


@pytest.mark.parametrize(
    ("amount", "problem"), [("0", "zero"), ("20000", "absurd"), ("10.001", "too_precise")]
)
def test_impossible_amounts_are_refused(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int], amount: str, problem: str
) -> None:
    open_default(uow, clock)
    with pytest.raises(InvalidAmount) as refused:
        report(uow, clock, world["fez"], amount)
    assert refused.value.reason == problem


def test_a_disputed_report_is_corrected_then_confirmed(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    payment_id = report(uow, clock, world["fez"], "1400")
    with uow.begin() as session:
        payments.dispute_payment(
            session, payment_id, user(session, CLERK), "We received 1,500.", now=clock.now()
        )
    disputed = notes(uow, MAYOR)[-1]
    assert disputed.key == payments.DISPUTED_TO_MEMBER
    assert disputed.args["reason"] == "We received 1,500."
    assert keyboard(text_for("en"), disputed.buttons)[0][0].data == f"feefix:{payment_id}:correct"
    with uow.begin() as session:
        payments.correct_payment(
            session,
            payment_id,
            user(session, MAYOR),
            PaymentReport(Decimal("1500"), clock.now().date(), "TRX-2"),
            now=clock.now(),
            settings=uow.settings,
        )
        payment = session.get(FeePayment, payment_id)
        assert payment is not None
        assert (payment.state, payment.amount_minor, payment.receipt_file_id) == (
            "reported",
            150000,
            "receipt-1",
        )
        assert payment.corrections[0]["amount_minor"] == 140000
        prompts = session.exec(select(Prompt).order_by(col(Prompt.id))).all()
        assert [p.resolved_at is None for p in prompts] == [False, True]
    assert notes(uow, CLERK)[-1].key == payments.CORRECTED_SUMMARY
    confirm(uow, clock, payment_id)
    with uow.begin() as session:
        assert statements.statement(session, world["fez"], today=clock.now().date()).owed == []


def test_reminders_before_and_after_the_due_date_stop_once_a_payment_is_reported(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    run_until(uow, clock, datetime(2027, 3, 1, 7, tzinfo=UTC))
    before = notes(uow, MAYOR)[-1]
    assert (before.key, before.args["count"]) == (reminders.REMINDER_BEFORE, 30)
    report(uow, clock, world["fez"], "1500")  # Fez reports; Tunis does not
    run_until(uow, clock, datetime(2027, 3, 24, 7, tzinfo=UTC))
    run_until(uow, clock, datetime(2027, 4, 14, 7, tzinfo=UTC))
    keys = [n.key for n in notes(uow, MAYOR)]
    assert keys.count(reminders.REMINDER_BEFORE) == 1 and reminders.REMINDER_AFTER not in keys
    tunis = [n.key for n in notes(uow, OTHER_MAYOR)]
    assert (
        tunis.count(reminders.REMINDER_BEFORE) == 2 and tunis.count(reminders.REMINDER_AFTER) == 1
    )
    # A restart re-running the tick repeats nothing.
    schedule.run_due(uow.begin, now=clock.now())
    assert [n.key for n in notes(uow, OTHER_MAYOR)] == tunis


def test_after_the_grace_period_the_voting_right_is_suspended_and_restored_on_payment(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    payment_id = report(uow, clock, world["fez"], "1000")
    confirm(uow, clock, payment_id)
    run_until(uow, clock, datetime(2027, 6, 30, 7, tzinfo=UTC))
    with uow.begin() as session:
        fez = session.get(Member, world["fez"])
        assert fez is not None and fez.voting_right == "suspended_for_fees"
        assert not voting_rights.entitled_to_vote(fez)
        suspension = statements.current_suspension(session, world["fez"])
        assert suspension is not None and suspension.automatic
    assert notes(uow, MAYOR)[-1].key == voting_rights.SUSPENDED_TO_MEMBER
    staff = notes(uow, CLERK)[-1]
    assert staff.key == reminders.GRACE_SUSPENDED
    assert [name.en for name in values.decode(staff.args)["names"]] == ["Fez", "Tunis"]

    payment_id = report(uow, clock, world["fez"], "400")
    confirm(uow, clock, payment_id)
    with uow.begin() as session:
        assert session.get(Member, world["fez"]).voting_right == "suspended_for_fees"  # type: ignore[union-attr]
    payment_id = report(uow, clock, world["fez"], "100")
    confirm(uow, clock, payment_id)
    with uow.begin() as session:
        fez = session.get(Member, world["fez"])
        assert fez is not None and voting_rights.entitled_to_vote(fez)
        assert statements.current_suspension(session, world["fez"]) is None
    assert notes(uow, MAYOR)[-1].key == voting_rights.RESTORED_TO_MEMBER


def test_when_the_policy_is_by_hand_the_secretariat_is_told_and_nothing_is_suspended(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    uow.settings.fees_suspend_automatically = False
    open_default(uow, clock)
    run_until(uow, clock, datetime(2027, 6, 30, 7, tzinfo=UTC))
    with uow.begin() as session:
        assert session.get(Member, world["fez"]).voting_right == "active"  # type: ignore[union-attr]
    assert notes(uow, CLERK)[-1].key == reminders.GRACE_BY_HAND


def test_the_council_suspends_and_restores_by_hand(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    with uow.begin() as session, pytest.raises(NotAllowed):
        voting_rights.suspend(
            session, world["fez"], user(session, MAYOR), reason="no", now=clock.now()
        )
    with uow.begin() as session:
        voting_rights.suspend(
            session,
            world["fez"],
            user(session, CLERK),
            reason="Council decision 12/2027",
            period_id=voting_rights.oldest_unpaid_period(
                session, world["fez"], today=clock.now().date()
            ),
            now=clock.now(),
        )
    told = notes(uow, MAYOR)[-1]
    assert told.key == voting_rights.SUSPENDED_TO_MEMBER
    assert told.args["why"]["$message"]["args"]["reason"] == "Council decision 12/2027"
    with uow.begin() as session:
        voting_rights.restore(
            session,
            world["fez"],
            user(session, CLERK),
            reason="Council decision 13/2027",
            now=clock.now(),
        )
        assert session.get(Member, world["fez"]).voting_right == "active"  # type: ignore[union-attr]
        history = session.exec(
            select(AuditRecord).where(AuditRecord.entity == "member").order_by(col(AuditRecord.id))
        ).all()
        assert [(h.action, h.reason) for h in history] == [
            ("suspend_for_fees", "Council decision 12/2027"),
            ("restore", "Council decision 13/2027"),
        ]
    with uow.begin() as session, pytest.raises(IllegalTransition):
        voting_rights.restore(
            session, world["fez"], user(session, CLERK), reason="x", now=clock.now()
        )


def test_a_payment_recorded_by_the_secretariat_counts_at_once(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    due = due_id(uow, world["tunis"])
    with uow.begin() as session:
        payment = payments.record_payment(
            session,
            due,
            user(session, CLERK),
            PaymentReport(Decimal("1500"), date(2027, 1, 3), "SWIFT 99"),
            now=clock.now(),
        )
        assert payment.state == "confirmed"
        assert session.exec(select(Prompt)).first() is None
    assert notes(uow, OTHER_MAYOR)[-1].key == payments.RECORDED_TO_MEMBER
    with uow.begin() as session:
        lines = statements.roster(
            session, periods.periods(session)[0].id or 0, today=clock.now().date()
        )
        assert [(line.member.name_en, line.status) for line in lines] == [
            ("Fez", statements.DueStatus.OWING),
            ("Tunis", statements.DueStatus.PAID),
        ]


def test_csv_is_utf8_with_a_byte_order_mark() -> None:
    data = statements.to_csv(["Member", "Balance"], [["فاس", "1500.00"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["Member,Balance", "فاس,1500.00"]


def test_a_future_payment_date_is_refused(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    open_default(uow, clock)
    due = due_id(uow, world["fez"])
    with uow.begin() as session, pytest.raises(NotAllowed) as refused:
        payments.report_payment(
            session,
            due,
            user(session, MAYOR),
            PaymentReport(Decimal("10"), clock.now().date() + timedelta(days=1), "X1", RECEIPT),
            now=clock.now(),
            settings=uow.settings,
        )
    assert refused.value.reason == "paid_in_future"


def test_admission_of_a_full_member_during_a_period_sends_its_notice(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    from models import Application
    from workflows.membership import applications

    open_default(uow, clock)
    with uow.begin() as session:
        session.add(User(id=600, first_name="Secretary-General"))
        session.add(User(id=700, first_name="Mayor of Sfax", language="ar"))
        session.flush()
        people.grant_role(session, user_id=600, role=Role.SECRETARY_GENERAL, actor_id=None)
        application = Application(
            applicant_id=700,
            state="forwarded",
            category="full",
            name_en="Sfax",
            name_ar="صفاقس",
            country="TN",
            adheres=True,
        )
        session.add(application)
        session.flush()
        member_row = applications.admit(
            session, application.id or 0, user(session, 600), now=clock.now()
        )
        assert member_row.fee_notice_due_at is None
    assert [n.key for n in notes(uow, 700)] == [applications.WELCOME_MEMBER, periods.NOTICE]


def test_without_a_period_the_first_notice_stays_due_until_one_opens(
    uow: UnitOfWork, clock: FrozenClock, world: dict[str, int]
) -> None:
    with uow.begin() as session:
        new = member(session, "Sousse", 800)
        new.fee_notice_due_at = clock.now()
        assert not periods.issue_first_notice(session, new, now=clock.now())
        assert new.fee_notice_due_at is not None
        new_id = new.id
    open_default(uow, clock)
    with uow.begin() as session:
        assert session.get(Member, new_id).fee_notice_due_at is None  # type: ignore[union-attr]
    assert [n.key for n in notes(uow, 800)] == [periods.NOTICE]
