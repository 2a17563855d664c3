"""Several people pressing the same decision at the same moment: one effect, and the others
told who acted first, in their language.

``majlis bot`` and ``majlis worker`` run as processes on PostgreSQL and Redis. The bot is
frozen while everyone presses on their own copy of the prompt, then thawed: the presses
reach it in one getUpdates batch and are handled concurrently, each in its own
transaction. What is counted is what the people notice: members created, messages
received, the answer to each press.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.engine import ACTED_FIRST
from bot.i18n import text_for, translations
from bot.notices import template
from models import (
    Application,
    FeeDue,
    FeePayment,
    Member,
    Motion,
    Notification,
    User,
    WithdrawalRequest,
)
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import plain
from tests.e2e.test_applications import fill_arabic_form
from tests.faults.conftest import Deployment
from tests.faults.processes import MajlisProcess, wait_until
from workflows.charter.bodies import Body
from workflows.charter.meetings import BallotKind, SessionKind
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.fees import payments, periods
from workflows.meetings import motions, sessions
from workflows.membership import applications, honorary, withdrawals
from workflows.platform.unit_of_work import UnitOfWork

pytestmark = pytest.mark.faults


def copy_with(person: SandboxUser, data: str) -> Callable[[], Awaitable[dict[str, Any]]]:
    """The message in ``person``'s chat that carries a button with ``data``."""

    async def find() -> dict[str, Any]:
        return await person.wait_for(
            lambda m: any(b.get("callback_data") == data for b in buttons(m)), after=0, timeout=60
        )

    return find


async def all_press_at_once(
    bot: MajlisProcess, presses: list[tuple[SandboxUser, dict[str, Any], str]]
) -> list[str]:
    """Freeze the bot, let everyone press on their own message, thaw it; the answers to
    the presses, in the order given, without the marks that isolate names."""
    bot.freeze()
    try:
        pressed = await asyncio.gather(
            *(person.press(copy["message_id"], data) for person, copy, data in presses)
        )
    finally:
        bot.thaw()
    answers = await asyncio.gather(
        *(
            person.callback_answer(press["callback_query_id"], timeout=60)
            for (person, _, _), press in zip(presses, pressed, strict=True)
        )
    )
    return [plain(answer.get("text")) for answer in answers]


async def everything_delivered(uow: UnitOfWork) -> None:
    """Wait until the worker has sent every notification written so far: what the people
    have then received is all they will receive."""

    def done() -> bool:
        with uow.db.session() as session:
            left = session.exec(
                select(func.count())
                .select_from(Notification)
                .where(
                    col(Notification.delivered_at).is_(None), col(Notification.failed_at).is_(None)
                )
            ).one()
        return left == 0

    # In a thread: the sandbox the worker delivers to runs on this event loop.
    await asyncio.to_thread(wait_until, done, timeout=120, what="every notification delivered")


async def received(person: SandboxUser, needle: str) -> int:
    """How many messages in ``person``'s chat say ``needle`` (edits counted once)."""
    return sum(
        needle in plain(m.get("text") or m.get("caption"))
        for m in await person.transcript()
        if m.get("from_bot")
    )


def data_of(message: dict[str, Any]) -> list[str]:
    return [b.get("callback_data") or "" for b in buttons(message)]


async def press_data(person: SandboxUser, data: str) -> None:
    """Press the button carrying ``data`` on the newest message that has it."""
    copy = await copy_with(person, data)()
    await person.press(copy["message_id"], data)


def count(uow: UnitOfWork, model: Any, *where: Any) -> int:
    with uow.db.session() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def said(person: SandboxUser, key: str) -> str:
    """The longest stretch of what ``key`` says in ``person``'s language between two
    placeholders: enough to tell that message from any other."""
    text = re.sub(r"<[^>]+>", "", translations(person.language_code).gettext(template(key)))
    return max((plain(part).strip() for part in re.split(r"\{\w+\}", text)), key=len)


async def race(
    bot: MajlisProcess, people: list[SandboxUser], data: str, done: str
) -> tuple[SandboxUser, list[str]]:
    """Everyone in ``people`` presses the button ``data`` on their own copy at once.

    Exactly one is answered ``done`` (in their language); every other is told, in theirs,
    that it was already decided, and by whom. Returns the one who acted, and the answers."""
    copies = [await copy_with(person, data)() for person in people]
    answers = await all_press_at_once(
        bot, [(person, copy, data) for person, copy in zip(people, copies, strict=True)]
    )
    won = [
        index
        for index, (person, answer) in enumerate(zip(people, answers, strict=True))
        if answer == plain(text_for(person.language_code)._(done))
    ]
    assert len(won) == 1, answers
    winner = people[won[0]]
    for person, answer in zip(people, answers, strict=True):
        if person is not winner:
            assert said(person, ACTED_FIRST) in answer, answer
            assert winner.first_name in answer, answer
    return winner, answers


async def test_forward_admit_confirm_and_withdrawal_pressed_by_two_at_once(
    deployment: Deployment,
) -> None:
    bot = deployment.bot()
    await asyncio.to_thread(bot.start)
    await asyncio.to_thread(deployment.worker("--threads", "4").start)
    uow = deployment.unit_of_work()
    amina = await deployment.person("Amina", "en", (Role.SECRETARIAT,), uow)
    bilal = await deployment.person("بلال", "ar", (Role.SECRETARIAT,), uow)
    omar = await deployment.person("Omar", "en", (Role.SECRETARY_GENERAL,), uow)
    hisham = await deployment.person("هشام", "ar", (Role.SECRETARY_GENERAL,), uow)
    mayor = await deployment.person("Salma", "ar")
    clerks, generals = [amina, bilal], [omar, hisham]
    today = uow.clock.now().date()
    with uow.begin() as session:
        clerk = session.get(User, amina.id)
        assert clerk is not None
        periods.open_period(
            session,
            periods.PeriodTerms(
                starts_on=date(today.year, 1, 1),
                ends_on=date(today.year + 1, 12, 31),
                fee=Money(Decimal("1000"), "USD"),
                due_on=date(today.year + 1, 6, 30),
            ),
            clerk,
            now=uow.clock.now(),
        )
    await fill_arabic_form(mayor, "Sale", "سلا")
    await mayor.press_button("إرسال")
    with uow.db.session() as session:
        application_id = session.exec(select(Application.id)).one()

    # Forward, pressed by both members of the Secretariat: one prompt to each SG.
    await race(bot, clerks, f"app:{application_id}:forward", "Forwarded to the Secretary-General.")
    await everything_delivered(uow)
    admit = f"app:{application_id}:admit"
    for general in generals:
        prompts = [m for m in await general.transcript() if admit in data_of(m)]
        assert len(prompts) == 1, f"{general.first_name} was asked {len(prompts)} times"
    assert await received(mayor, said(mayor, applications.FORWARDED_TO_APPLICANT)) == 1

    # Admit, pressed by both Secretaries-General: one member, one fee due, one welcome.
    await race(bot, generals, admit, "Admitted. The applicant and the Secretariat are told.")
    await everything_delivered(uow)
    assert count(uow, Member) == 1
    assert count(uow, FeeDue) == 1
    assert await received(mayor, said(mayor, applications.WELCOME_MEMBER)) == 1
    assert await received(mayor, said(mayor, periods.NOTICE)) == 1

    # A reported payment, confirmed by both members of the Secretariat: counted once.
    with uow.begin() as session:
        due = session.exec(select(FeeDue)).one()
        application = session.get(Application, application_id)
        representative = session.get(User, mayor.id)
        assert application is not None and representative is not None and due.id is not None
        letter = (application.letter_file_id or "", application.letter_kind or "document")
        payment = payments.report_payment(
            session,
            due.id,
            representative,
            payments.PaymentReport(
                amount=Decimal("400"),
                paid_on=today,
                reference="TR-77",
                receipt=payments.Receipt(file_id=letter[0], kind=letter[1]),
            ),
            now=uow.clock.now(),
            settings=deployment.settings(),
        )
        payment_id, member_id = payment.id, payment.member_id
    await race(bot, clerks, f"feedec:{payment_id}:confirm", "Confirmed. The member is told.")
    await everything_delivered(uow)
    assert count(uow, FeePayment, FeePayment.state == "confirmed") == 1
    assert await received(mayor, said(mayor, payments.CONFIRMED_TO_MEMBER)) == 1

    # A withdrawal, acknowledged by both members of the Secretariat, then accepted by
    # both Secretaries-General: one prompt each, one end of membership.
    with uow.begin() as session:
        representative = session.get(User, mayor.id)
        assert representative is not None
        request = withdrawals.request(
            session,
            member_id,
            representative,
            reason="The city council decided to leave.",
            letter=withdrawals.Letter(file_id=letter[0], kind=letter[1]),
            now=uow.clock.now(),
            settings=deployment.settings(),
        )
        request_id = request.id
    await race(
        bot,
        clerks,
        f"wdr:{request_id}:ack",
        "Acknowledged; the request is with the Secretary-General.",
    )
    await everything_delivered(uow)
    accept = f"wdr:{request_id}:accept"
    for general in generals:
        prompts = [m for m in await general.transcript() if accept in data_of(m)]
        assert len(prompts) == 1, f"{general.first_name} was asked {len(prompts)} times"
    await race(
        bot,
        generals,
        accept,
        "Withdrawal accepted. The member's representatives and the Secretariat are told.",
    )
    await everything_delivered(uow)
    assert count(uow, WithdrawalRequest, WithdrawalRequest.state == "withdrawn") == 1
    assert await received(mayor, said(mayor, withdrawals.ACCEPTED_TO_MEMBER)) == 1


async def test_honorary_signatures_and_closing_a_vote_pressed_by_two_at_once(
    deployment: Deployment,
) -> None:
    bot = deployment.bot()
    await asyncio.to_thread(bot.start)
    await asyncio.to_thread(deployment.worker("--threads", "4").start)
    uow = deployment.unit_of_work()
    amina = await deployment.person("Amina", "en", (Role.SECRETARIAT,), uow)
    bilal = await deployment.person("بلال", "ar", (Role.SECRETARIAT,), uow)
    nabil = await deployment.person("Nabil", "en", (Role.CHAIR,), uow)
    rania = await deployment.person("رانيا", "ar", (Role.CHAIR,), uow)
    omar = await deployment.person("Omar", "en", (Role.SECRETARY_GENERAL,), uow)
    hisham = await deployment.person("هشام", "ar", (Role.SECRETARY_GENERAL,), uow)
    now = uow.clock.now()
    with uow.begin() as session:
        clerk = session.get(User, amina.id)
        assert clerk is not None
        nomination = honorary.nominate(
            session,
            clerk,
            name_en="Hassan Fathy",
            name_ar="حسن فتحي",
            contribution="Architecture for the poor.",
            now=now,
            settings=deployment.settings(),
        )
        nomination_id = nomination.id

    # Each signature pressed by both holders of the role: signed once, one member.
    await race(
        bot,
        [nabil, rania],
        f"hon:{nomination_id}:chair:confirm",
        "Confirmed. The other signatory's confirmation is still needed.",
    )
    await everything_delivered(uow)
    assert await received(amina, said(amina, honorary.HALF_CONFIRMED)) == 1
    await race(
        bot,
        [omar, hisham],
        f"hon:{nomination_id}:sg:confirm",
        "Confirmed: the honorary membership is conferred.",
    )
    await everything_delivered(uow)
    assert count(uow, Member, Member.category == "honorary") == 1
    assert await received(amina, said(amina, honorary.CONFIRMED_TO_NOMINATOR)) == 1

    # Closing a vote, pressed by both members of the Secretariat on the motion's page.
    with uow.begin() as session:
        clerk = session.get(User, amina.id)
        assert clerk is not None
        meeting = sessions.convene(
            session,
            sessions.Convening(
                body=Body.ASSEMBLY,
                kind=SessionKind.EXTRAORDINARY,
                title="Extraordinary Assembly",
                starts_at=now + timedelta(hours=1),
                time_zone="Asia/Riyadh",
                place="Makkah",
            ),
            clerk,
            now=now,
        )
        assert meeting.id is not None
        sessions.open_session(session, meeting.id, clerk, now=now)
        motion = motions.propose(
            session,
            meeting.id,
            clerk,
            text="Host the next Assembly in Fez.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, clerk, now=now, settings=deployment.settings())
        meeting_id, motion_id = meeting.id, motion.id
    for person in (amina, bilal):
        await person.send("/menu")
        await person.press_button(text_for(person.language_code)._("Meetings and votes"))
        await press_data(person, f"mtg:{meeting_id}:view")
        await press_data(person, f"mot:{motion_id}:view")
    await race(
        bot,
        [amina, bilal],
        f"mot:{motion_id}:close",
        "The vote is closed; the result was announced.",
    )
    await everything_delivered(uow)
    assert count(uow, Motion, Motion.state == "closed") == 1
    for person in (amina, bilal):
        announced = [
            m
            for m in await person.transcript()
            if said(person, motions.RESULT) in plain(m.get("text"))
            and not any(data.startswith("mot:") for data in data_of(m))  # the motion's page
        ]
        assert len(announced) == 1, f"{person.first_name} got {len(announced)} results"
