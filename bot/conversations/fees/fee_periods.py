"""Opening a fee period (Art. 18): the Secretariat records the Council's decision.

A guided form: the biennium's first and last days, the currency and amount, the
due date, the grace period and the reminders, then a review. Common answers are
buttons; anything else is typed. Answers live in the conversation row as a
:class:`PeriodForm`, and every step has Back and Cancel.
"""

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from babel.dates import format_date
from babel.numbers import list_currencies

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import refusals, steps
from bot.conversations.dates import parse_day
from bot.conversations.fees import fee_forms
from bot.conversations.fees.fee_forms import add_months, date_hint, next_new_year, policy_text
from bot.conversations.forms import ASKED_AGAIN, Nav
from bot.conversations.steps import with_nav
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from workflows.charter import fees as rules
from workflows.charter.errors import NotAllowed
from workflows.charter.money import DEFAULT_MAXIMUM_AMOUNT, Money
from workflows.charter.roles import STAFF
from workflows.fees import periods

router = Router("fee_periods")
FLOW = "fee_period"
#: Offered as buttons; any other ISO 4217 code may be typed.
CURRENCIES = ("USD", "EUR", "SAR", "AED", "KWD", "QAR")
GRACE_CHOICES = (30, 60, 90)
DEFAULT = "default"
OPEN = "open"


class Step(enum.StrEnum):
    START = "start"
    END = "end"
    CURRENCY = "currency"
    AMOUNT = "amount"
    DUE = "due"
    GRACE = "grace"
    REMINDERS = "reminders"
    REVIEW = "review"


ORDER = list(Step)


class PeriodForm(FlowState):
    """The answers so far, each named after the step that asks it."""

    FLOW: ClassVar[str] = FLOW
    step: Step
    start: date | None = None
    end: date | None = None
    currency: str | None = None
    amount: Decimal | None = None
    due: date | None = None
    grace: int | None = None
    before: list[int] | None = None
    every: int | None = None

    def first_day(self) -> date:
        assert self.start is not None
        return self.start

    def last_day(self) -> date:
        assert self.end is not None
        return self.end

    def fee_currency(self) -> str:
        assert self.currency is not None
        return self.currency

    def terms(self) -> periods.PeriodTerms:
        assert self.amount is not None and self.due is not None and self.grace is not None
        assert self.before is not None and self.every is not None
        return periods.PeriodTerms(
            starts_on=self.first_day(),
            ends_on=self.last_day(),
            fee=Money(self.amount, self.fee_currency()),
            due_on=self.due,
            grace_days=self.grace,
            reminder_days_before=tuple(self.before),
            reminder_every_days_after=self.every,
        )


@dataclass(frozen=True)
class PeriodPick(Callback, prefix="fpp"):
    """A button answer: a date (ISO), a currency, a number of days, ``default`` or ``open``."""

    step: Step
    value: str


def start(turn: Turn) -> None:
    if not turn.roles & STAFF:
        raise NotAllowed("fee periods are opened by the Secretariat", reason="role_not_allowed")
    if turn.event.chat_id != turn.user.id:
        turn.toast(turn.t._("Please open fee periods in our private chat."), alert=True)
        return
    turn.start(PeriodForm(step=Step.START))
    ask(turn, Step.START)


def form_of(turn: Turn) -> PeriodForm | None:
    form = turn.state(PeriodForm)
    if form is None:
        turn.say(turn.t._("This form is closed. Send /fees to start again."))
    return form


def ask(turn: Turn, step: Step) -> None:
    form = form_of(turn)
    if form is None:
        return
    form.step = step
    turn.save(form)
    t = turn.t
    today = turn.uow.clock.now().date()
    rows: Keyboard = []
    example = next_new_year(today)
    if step is Step.START:
        question = t._(
            "<b>A new fee period</b>\n\nThe Executive Supreme Council sets a fixed biennial fee "
            "(Art. 18). On which day does the biennium begin?"
        )
        # Offered days are never past: a biennium that began earlier is typed.
        options = sorted({today, next_new_year(today)})
        rows = [[pick(turn, step, option) for option in options]]
    elif step is Step.END:
        question = t._("On which day does it end?")
        rows = [[pick(turn, step, add_months(form.first_day(), 24) - timedelta(days=1))]]
    elif step is Step.CURRENCY:
        question = t._(
            "In which currency is the fee set? Pick one, or type its ISO code (for example MAD)."
        )
        rows = [
            [Button(code, PeriodPick(step, code).pack()) for code in CURRENCIES[:3]],
            [Button(code, PeriodPick(step, code).pack()) for code in CURRENCIES[3:]],
        ]
    elif step is Step.AMOUNT:
        question = t._(
            "What is the fee for the biennium, in {currency}? Type the amount, for example 1500.",
            currency=form.fee_currency(),
        )
    elif step is Step.DUE:
        question = t._("By which day must it be paid?")
        begin = form.first_day()
        usual = [begin, add_months(begin, 3) - timedelta(days=1)]
        # A biennium typed as begun months ago would offer due dates already past,
        # and opening it would find every member late at once: offer days to come.
        options = [option for option in usual if option >= today] or [
            min(today + timedelta(days=30), form.last_day())
        ]
        rows = [[pick(turn, step, option) for option in options]]
    elif step is Step.GRACE:
        question = t._(
            "How many days of grace after the due date before an unpaid member's voting right "
            "may be suspended (Art. 25)? Pick, or type a number of days."
        )
        rows = [
            [
                Button(
                    t.n_("{count} day", "{count} days", days), PeriodPick(step, str(days)).pack()
                )
                for days in GRACE_CHOICES
            ]
        ]
    elif step is Step.REMINDERS:
        policy = rules.DEFAULT_FEE_POLICY
        question = t._(
            "Reminders go to members who still owe. By default: {before} days before the due "
            "date, then every {every} days after it. Keep that, or type your own as days before, "
            "a slash, and the interval after, for example: 30, 7 / 14",
            before=", ".join(str(d) for d in policy.reminder_days_before),
            every=policy.reminder_every_days_after,
        )
        rows = [[Button(t._("Keep the default"), PeriodPick(step, DEFAULT).pack())]]
    else:
        review(turn, form)
        return
    if step in (Step.START, Step.END, Step.DUE):
        question += "\n" + date_hint(turn, example)
    turn.say(Html(question), with_nav(turn, FLOW, rows, back=step is not Step.START))


def pick(turn: Turn, step: Step, value: date) -> Button:
    """A date button, Gregorian only: the review shows both calendars."""
    label = format_date(value, format="long", locale=turn.t.language)
    return Button(label, PeriodPick(step, value.isoformat()).pack())


def review(turn: Turn, form: PeriodForm) -> None:
    t = turn.t
    terms = form.terms()
    lines = [
        t._("<b>Please check the fee period</b>"),
        "",
        t._("Biennium: {start} – {end}", start=terms.starts_on, end=terms.ends_on),
        t._("Fee: <b>{fee}</b>", fee=terms.fee),
        t._("Due by: {due}", due=terms.due_on),
        t.n_("Grace period: {count} day", "Grace period: {count} days", terms.grace_days),
        t._(
            "Reminders: {before} days before the due date, then every {every} days",
            before=", ".join(str(d) for d in terms.reminder_days_before),
            every=terms.reminder_every_days_after,
        ),
        t._("Suspension of voting rights: {policy}", policy=Html(policy_text(turn))),
        "",
        t.n_(
            "Opening it sends a fee notice to the representatives of {count} full member.",
            "Opening it sends a fee notice to the representatives of {count} full members.",
            len(periods.full_members(turn.session)),
        ),
    ]
    effects = periods.opening_effects(
        turn.session,
        terms,
        today=turn.uow.clock.now().date(),
        suspend_automatically=turn.uow.settings.fees_suspend_automatically,
    )
    if effects.overdue:
        lines.append(
            "⚠️ "
            + t.n_(
                "The due date has passed: opening it makes {count} full member overdue at once.",
                "The due date has passed: opening it makes {count} full members overdue at once.",
                effects.overdue,
            )
        )
    if effects.suspended:
        lines.append(
            "⚠️ "
            + t.n_(
                "The grace period is over too: opening it suspends the voting right of {count} "
                "full member at once (Art. 25).",
                "The grace period is over too: opening it suspends the voting right of {count} "
                "full members at once (Art. 25).",
                effects.suspended,
            )
        )
    if effects.overdue:
        lines.append(t._("Go back to choose a later due date, or open it as it is."))
    rows = [
        [Button(t._("Open the period and send the notices"), PeriodPick(Step.REVIEW, OPEN).pack())]
    ]
    turn.say(Html("\n".join(lines)), with_nav(turn, FLOW, rows))


def answer(turn: Turn, form: PeriodForm) -> None:
    """Keep the answer given at ``form``'s step and ask the next question."""
    turn.save(form)
    ask(turn, ORDER[ORDER.index(form.step) + 1])


def answer_date(turn: Turn, form: PeriodForm, value: date) -> None:
    if form.step is Step.START:
        form.start = value
    elif form.step is Step.END:
        form.end = value
    else:
        form.due = value
    answer(turn, form)


def check_date(turn: Turn, step: Step, value: date, form: PeriodForm) -> bool:
    t = turn.t
    problem = None
    if step is Step.END and value <= form.first_day():
        problem = t._("The biennium must end after it begins. Please type a later date.")
    elif step is Step.DUE and not form.first_day() <= value <= form.last_day():
        problem = t._("The due date must fall within the biennium. Please type another date.")
    if problem is not None:
        turn.say(problem, with_nav(turn, FLOW))
        return False
    return True


@router.button(PeriodPick)
def period_pick(turn: Turn, press: PeriodPick) -> None:
    form = form_of(turn)
    if form is None:
        return
    step = form.step
    if press.step is not step:
        turn.toast(turn.t._("This button belongs to another step of the form."), alert=True)
        return
    if step in (Step.START, Step.END, Step.DUE):
        value = parse_day(press.value)
        if value is None or not check_date(turn, step, value, form):
            return
        answer_date(turn, form, value)
    elif step is Step.CURRENCY and press.value in CURRENCIES:
        form.currency = press.value
        answer(turn, form)
    elif step is Step.GRACE and press.value.isdigit():
        form.grace = int(press.value)
        answer(turn, form)
    elif step is Step.REMINDERS and press.value == DEFAULT:
        policy = rules.DEFAULT_FEE_POLICY
        form.before = list(policy.reminder_days_before)
        form.every = policy.reminder_every_days_after
        answer(turn, form)
    elif step is Step.REVIEW and press.value == OPEN:
        submit(turn, form)
    else:
        turn.toast(turn.t._("This button belongs to another step of the form."), alert=True)


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    form = form_of(turn)
    if form is None:
        return
    step, text, t = form.step, (turn.event.text or "").strip(), turn.t
    if step in (Step.START, Step.END, Step.DUE):
        value = parse_day(text)
        if value is None:
            turn.say(
                date_hint(turn, next_new_year(turn.uow.clock.now().date())), with_nav(turn, FLOW)
            )
        elif check_date(turn, step, value, form):
            answer_date(turn, form, value)
    elif step is Step.CURRENCY:
        code = text.upper()
        if code not in list_currencies():
            turn.say(
                t._(
                    "“{text}” is not a currency code. Please type three letters, such as USD.",
                    text=text,
                ),
                with_nav(turn, FLOW),
            )
            return
        form.currency = code
        answer(turn, form)
    elif step is Step.AMOUNT:
        amount = fee_forms.read_amount(turn, text, form.fee_currency(), DEFAULT_MAXIMUM_AMOUNT)
        if amount is not None:
            form.amount = amount
            answer(turn, form)
    elif step is Step.GRACE:
        numbers = re.findall(r"\d+", text)
        if len(numbers) != 1 or not 0 <= int(numbers[0]) <= 730:
            turn.say(t._("Please type a number of days between 0 and 730."), with_nav(turn, FLOW))
            return
        form.grace = int(numbers[0])
        answer(turn, form)
    elif step is Step.REMINDERS:
        reminders = parse_reminders(text)
        if reminders is None:
            turn.say(
                t._(
                    "Please type days before, a slash, and the interval after, for example: 30, 7 / 14"
                ),
                with_nav(turn, FLOW),
            )
            return
        form.before, form.every = reminders
        answer(turn, form)
    else:
        turn.say(t._(ASKED_AGAIN))
        ask(turn, step)


def parse_reminders(text: str) -> tuple[list[int], int] | None:
    """ "30, 7 / 14" (Arabic-Indic digits too): days before the due date, then the interval."""
    head, slash, tail = text.replace("\\", "/").partition("/")
    if not slash:
        return None
    before = sorted({int(n) for n in re.findall(r"\d+", head)}, reverse=True)
    after = [int(n) for n in re.findall(r"\d+", tail)]
    if len(after) != 1 or not 1 <= after[0] <= 365 or any(not 1 <= d <= 365 for d in before):
        return None
    return before, after[0]


def submit(turn: Turn, form: PeriodForm) -> None:
    t = turn.t
    try:
        period = periods.open_period(
            turn.session, form.terms(), turn.user, now=turn.uow.clock.now()
        )
    except NotAllowed as refusal:
        if refusal.reason != "period_overlaps":
            raise
        # The form stays open, so that Back can change the dates.
        turn.say(refusals.sentence(turn, refusal.reason), with_nav(turn, FLOW))
        return
    turn.finish()
    turn.say(
        t._(
            "The fee period {start} – {end} is open; the notices are on their way. /fees shows "
            "who has paid.",
            start=period.starts_on,
            end=period.ends_on,
        )
    )


@steps.navigates(FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    """Back asks the question before; Cancel closes the form."""
    if action is Nav.CANCEL:
        steps.cancel_typing(turn, action)
        return
    form = form_of(turn)
    if form is not None:
        ask(turn, ORDER[max(0, ORDER.index(form.step) - 1)])
