"""What each reader sees, in their language and in the order the words say (issue 11)."""

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bidi import get_display
from sqlmodel import col, select

from bot.delivery import Delivery, deliver
from bot.i18n import language_name
from bot.platform import bot_api_url, bot_token, open_platform, start_worker
from bot.telegram_api import BotApi
from models import Application, Conversation, Notification, User
from sandbox import Sandbox
from sandbox.client import SandboxClient, SandboxUser, buttons
from tests.e2e.conftest import Majlis, e2e_settings, plain, says
from tests.e2e.test_applications import fill_arabic_form, staff
from tests.e2e.test_fees import member, open_period, report, see
from tests.e2e.test_votes import hall
from tests.e2e.test_withdrawal import PDF, admit
from workflows.charter.meetings import BallotKind
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.meetings import motions
from workflows.platform.clock import ShiftableClock
from workflows.platform.queue import UPDATES_QUEUE

pytestmark = pytest.mark.e2e

#: Marks that steer direction but take no place on the screen.
INVISIBLE = re.compile("[\u200e\u200f\u061c\u2066-\u2069]")


def labels(message: dict[str, object]) -> list[str]:
    return [button["text"] for button in buttons(message)]


async def test_typing_where_a_button_is_wanted_repeats_the_buttons(majlis: Majlis) -> None:
    """The hint is never the last word with only Back and Cancel: the question comes
    again, with the buttons it needs, as the last message."""
    mayor = await majlis.person("Karim", "en")
    await mayor.send("/apply")
    await mayor.wait_for("Which membership do you apply for")
    await mayor.send("Fez")
    await mayor.wait_for("Please answer with one of the buttons")
    await mayor.wait_for("Which membership do you apply for")
    last = (await mayor.transcript())[-1]
    assert "Which membership do you apply for" in plain(last["text"])
    assert "Full member (a city)" in labels(last)
    await mayor.press_button("Full member (a city)")
    await mayor.wait_for("in English?")

    mayor_ar = await majlis.person("عبد السلام", "ar")
    await mayor_ar.send("/apply")
    await mayor_ar.wait_for("ما العضوية التي تتقدّم لها")
    await mayor_ar.send("فاس")
    await mayor_ar.wait_for("يُرجى الإجابة بأحد الأزرار")
    await mayor_ar.wait_for("ما العضوية التي تتقدّم لها")
    last = (await mayor_ar.transcript())[-1]
    assert "ما العضوية التي تتقدّم لها" in plain(last["text"])
    assert "عضو كامل (مدينة)" in labels(last)


async def test_arabic_readers_see_the_arabic_name_and_apply_says_what_exists(
    majlis: Majlis,
) -> None:
    clerk, general = await staff(majlis)
    mayor = await majlis.person("عبد الله", "ar")
    await fill_arabic_form(mayor, city="Madinah", city_ar="المدينة المنورة")
    await mayor.press_button("إرسال")
    await mayor.wait_for("تسلّمت الأمانة العامة طلبك")
    with majlis.platform.db.session() as session:
        number = session.exec(select(Application.id)).one()

    # A second /apply while the first is under review: what exists, not a silent draft No. 2.
    await mayor.send("/apply")
    told = await mayor.wait_for(says(f"طلبك رقم {number}"))
    assert "المدينة المنورة" in plain(told["text"]) and "Madinah" not in told["text"]
    assert "لدى الأمانة العامة" in told["text"]
    assert "ما وصل إليه طلبي" in labels(told)
    with majlis.platform.db.session() as session:
        assert len(session.exec(select(Application)).all()) == 1
    await mayor.press_button("ما وصل إليه طلبي")
    status = await mayor.wait_for("طلباتك")
    assert f"رقم {number} — المدينة المنورة" in plain(status["text"])
    assert "Madinah" not in status["text"]

    await clerk.wait_for("please screen it", timeout=20)
    await clerk.press_button("Forward to the Secretary-General")
    await general.wait_for("يُرجى قبوله أو رفضه", timeout=20)
    await general.press_button("قبول")
    welcome = await mayor.wait_for("أهلًا بكم في الجمعية العالمية للمدن الإسلامية", timeout=20)
    assert "المدينة المنورة" in plain(welcome["text"])
    assert "أصبحت Madinah" not in plain(welcome["text"]) and "Madinah" not in welcome["text"]
    admitted = await clerk.wait_for(says("was admitted: Madinah"), timeout=20)
    assert "المدينة المنورة" in plain(admitted["text"])

    # After admission /apply says whom the person represents, never "(—)".
    await mayor.send("/apply")
    after = await mayor.wait_for(says("المدينة المنورة"))
    assert "تمثّل" in after["text"] and "—" not in plain(after["text"])
    assert "لم يكتمل" not in after["text"]
    with majlis.platform.db.session() as session:
        states = session.exec(select(Application.state)).all()
        assert states == ["admitted"]
    # Another city or organisation remains possible, on purpose.
    await mayor.press_button("التقدّم لجهة أخرى")
    await mayor.wait_for("ما العضوية التي تتقدّم لها")


async def test_an_unnamed_draft_is_offered_again_without_a_dash(majlis: Majlis) -> None:
    karim = await majlis.person("Karim", "en")
    await karim.send("/apply")
    await karim.wait_for("Which membership do you apply for")
    await karim.send("/apply")
    again = await karim.wait_for("You have started an application")
    assert "(—)" not in plain(again["text"])
    assert labels(again) == ["Resume", "Start over"]


def seen(text: str | None, language: str) -> str:
    """What the reader's screen shows, left to right, line by line: the Unicode
    Bidirectional Algorithm in a paragraph of the reader's direction."""
    direction = "R" if language == "ar" else "L"
    lines = [get_display(line, base_dir=direction) for line in (text or "").split("\n")]
    return INVISIBLE.sub("", "\n".join(lines))


async def test_commands_and_amounts_keep_their_shape_in_arabic(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Madinah", "المدينة المنورة", "ar")
    mayor_en, _ = await member(majlis, "Fez", "فاس", "en")
    open_period(majlis, clerk, due_in=60, fee=Money(Decimal(5000), "USD"))

    notice = await see(mayor, "إشعار برسم العضوية", timeout=20)
    shown = seen(notice["text"], "ar")
    assert "pay/" not in shown and "statement/" not in shown
    assert "/pay" in shown and "/statement" in shown
    assert "$US" not in shown and "US$" in shown and "5,000.00" in shown

    await mayor.send("/statement")
    statement = await see(mayor, "كشف الرسوم")
    assert "$US" not in seen(statement["text"], "ar") and "US$" in seen(statement["text"], "ar")

    notice_en = await see(mayor_en, "Membership fee notice", timeout=20)
    assert "$5,000.00" in seen(notice_en["text"], "en")
    assert "/pay" in seen(notice_en["text"], "en")


async def test_an_arabic_phone_number_reads_the_same_to_every_reader(majlis: Majlis) -> None:
    phone = "+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧"
    clerk, general = await staff(majlis)
    mayor = await majlis.person("عبد الله", "ar")
    await fill_arabic_form(mayor, city="Madinah", city_ar="المدينة المنورة", contact=phone)
    review = (await mayor.transcript())[-1]
    assert phone in seen(review["text"], "ar")
    await mayor.press_button("إرسال")

    prompt = await clerk.wait_for("please screen it", timeout=20)
    shown = seen(prompt["text"], "en")
    assert phone in shown and "+٤٥٦٧ ١٢٣ ٥٠ ٩٦٦" not in shown
    await clerk.press_button("Forward to the Secretary-General")
    decision = await general.wait_for("يُرجى قبوله أو رفضه", timeout=20)
    assert phone in seen(decision["text"], "ar")


async def test_history_names_who_acted(majlis: Majlis) -> None:
    clerk, general = await staff(majlis)
    mayor = await majlis.person("عبد الله", "ar")
    await fill_arabic_form(mayor)
    await mayor.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)
    await clerk.press_button("Forward to the Secretary-General")
    await general.wait_for("يُرجى قبوله أو رفضه", timeout=20)
    with majlis.platform.db.session() as session:
        number = session.exec(select(Application.id)).one()

    await clerk.send(f"/history {number}")
    shown = plain((await clerk.wait_for(says(f"History of application No. {number}")))["text"])
    assert "Amina — with the Secretary-General for decision" in shown
    assert "عبد الله — with the Secretariat for screening" in shown
    assert not re.search(r"\d{3},\d{3},\d{3}", shown), shown

    await general.send(f"/history {number}")
    shown = plain((await general.wait_for(says(f"سجلّ الطلب رقم {number}")))["text"])
    assert "Amina — لدى الأمين العام" in shown
    assert not re.search(r"\d{3},\d{3},\d{3}", shown), shown


async def test_the_minutes_csv_says_counts_and_rules_in_words(majlis: Majlis) -> None:
    h = await hall(majlis)
    clock = majlis.platform.uow.clock
    with majlis.platform.uow.begin() as session:
        clerk = session.get(User, h.clerk.id)
        assert clerk is not None
        motion = motions.propose(
            session,
            h.meeting_id,
            clerk,
            text="Adopt the annual report.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=clock.now(),
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, clerk, now=clock.now(), settings=majlis.settings)
        motions.close_motion(session, motion.id, clerk, now=clock.now())

    for language, meetings_label, csv_label, counts, article in [
        ("en", "Meetings and votes", "Minutes CSV", "Yes 0, No 0, Abstain 0", "Art. 26"),
        ("ar", "الاجتماعات والتصويت", "المحضر CSV", "نعم 0، لا 0، امتناع 0", "المادة 26"),
    ]:
        if language == "ar":
            await h.clerk.send("/language")
            await h.clerk.press_button(language_name("ar"))
        await h.clerk.send("/menu")
        await h.clerk.press_button(meetings_label)
        listing = await h.clerk.wait_for(
            lambda m: any("Extraordinary Assembly" in b["text"] for b in buttons(m))
        )
        session_button = next(b for b in buttons(listing) if "Extraordinary Assembly" in b["text"])
        await h.clerk.press(listing["message_id"], session_button["callback_data"])
        await h.clerk.press_button(csv_label)
        sheet = await h.clerk.wait_for(lambda m: m.get("document") is not None)
        async with majlis.client.session.get(
            f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{sheet['document']['file_id']}"
        ) as response:
            rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
        motion_row = next(row for row in rows if "Adopt the annual report." in row)
        detail = " ".join(motion_row)
        assert "art26." not in detail and "0/0/0" not in detail
        assert counts in detail and article in detail, detail


@pytest.fixture
async def majlis_held(
    tmp_path: Path, database_url: str, redis_url: str, namespace: str, sandbox: Sandbox
) -> AsyncIterator[tuple[Majlis, Delivery]]:
    """Majlis with the bot and handlers but no delivery worker: the test delivers the
    outbox itself, in the order a busy pool of delivery threads may happen to pick the
    rows up."""
    port = int(sandbox.url.rstrip("/").rsplit(":", 1)[1])
    settings = e2e_settings(tmp_path, database_url, redis_url, namespace, port)
    platform = await asyncio.to_thread(open_platform, settings, clock=ShiftableClock())
    start_worker(platform, threads=2, queues={UPDATES_QUEUE})
    api = BotApi(bot_token(settings), bot_api_url(settings))
    async with SandboxClient(sandbox.url) as client:
        running = Majlis(settings=settings, platform=platform, sandbox=sandbox, client=client)
        running.start_bot()
        try:
            yield running, Delivery(uow=platform.uow, api=api, limiter=None)
        finally:
            await running.stop_bot()
            api.close()
            await asyncio.to_thread(platform.close)


def owed_to(majlis: Majlis, chat_id: int) -> list[int]:
    with majlis.platform.db.reading() as session:
        return [
            row_id
            for row_id in session.exec(
                select(Notification.id)
                .where(Notification.chat_id == chat_id, col(Notification.delivered_at).is_(None))
                .order_by(col(Notification.id))
            )
            if row_id is not None
        ]


async def document_then_prompt(
    majlis: Majlis, delivery: Delivery, reader: SandboxUser, caption: str, prompt: str
) -> None:
    """Deliver what ``reader`` is owed, latest row first as a second delivery thread may
    take it up, then the rest; the document must come before the prompt about it."""
    for row_id in reversed(owed_to(majlis, reader.id)):
        await asyncio.to_thread(deliver, delivery, row_id)
    for row_id in owed_to(majlis, reader.id):
        await asyncio.to_thread(deliver, delivery, row_id)
    assert owed_to(majlis, reader.id) == []
    transcript = [m for m in await reader.transcript() if m.get("from", {}).get("id") != reader.id]
    document = next(i for i, m in enumerate(transcript) if m.get("document") or m.get("photo"))
    asking = next(i for i, m in enumerate(transcript) if prompt in plain(m.get("text")))
    assert caption in plain(transcript[document].get("caption"))
    assert document < asking, [plain(m.get("text") or m.get("caption")) for m in transcript]


async def test_the_signed_letter_comes_before_the_prompt_that_refers_to_it(
    majlis_held: tuple[Majlis, Delivery],
) -> None:
    majlis, delivery = majlis_held
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    clerk_ar = await majlis.person("هالة", "ar", (Role.SECRETARIAT,))
    mayor = await majlis.person("عبد السلام", "ar")
    await fill_arabic_form(mayor)
    await mayor.press_button("إرسال")
    await mayor.wait_for("تم الإرسال")

    for reader, caption, prompt in [
        (clerk, "The signed letter, for the request below.", "please screen it"),
        (clerk_ar, "الخطاب الموقَّع، للطلب أدناه", "يُرجى تدقيقه"),
    ]:
        await document_then_prompt(majlis, delivery, reader, caption, prompt)


async def test_the_receipt_comes_before_the_prompt_that_refers_to_it(
    majlis_held: tuple[Majlis, Delivery],
) -> None:
    majlis, delivery = majlis_held
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    clerk_ar = await majlis.person("هالة", "ar", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Fez", "فاس", "en")
    open_period(majlis, clerk, due_in=60)
    await report(mayor, "1500", "TR-2026-118")
    for reader, caption, prompt in [
        (clerk, "The receipt of fee payment No. 1, for the request below.", "Fee payment No. 1"),
        (clerk_ar, "إيصال دفعة الرسوم رقم 1، للطلب أدناه.", "دفعة الرسوم رقم 1"),
    ]:
        await document_then_prompt(majlis, delivery, reader, caption, prompt)


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def offered_days(message: dict[str, Any]) -> list[date]:
    """The dates a question's buttons offer (their callback data carries them)."""
    return [
        date.fromisoformat(found.group(0))
        for button in buttons(message)
        if (found := ISO_DAY.search(button["callback_data"]))
    ]


async def test_the_fee_form_offers_no_past_dates_and_warns_before_overdue(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    await member(majlis, "Fez", "فاس", "en")
    await member(majlis, "Rabat", "الرباط", "ar")
    today = majlis.platform.uow.clock.now().date()

    await clerk.send("/fees")
    await clerk.press_button("Open a fee period")
    begins = await see(clerk, "On which day does the biennium begin?")
    assert offered_days(begins) and min(offered_days(begins)) >= today
    # A biennium that began earlier this year, typed as day/month/year.
    began = date(today.year, 1, 1)
    await clerk.send(began.strftime("%d/%m/%Y"))
    ends = await see(clerk, "On which day does it end?")
    await clerk.press(ends["message_id"], buttons(ends)[0]["callback_data"])
    await see(clerk, "In which currency")
    await clerk.press_button("USD")
    await see(clerk, "What is the fee for the biennium")
    await clerk.send("1000")
    due = await see(clerk, "By which day must it be paid?")
    assert offered_days(due) and min(offered_days(due)) >= today
    await clerk.send(f"{began.year}-01-31")
    await see(clerk, "How many days of grace")
    await clerk.press_button("30 days")
    await see(clerk, "Reminders go to members who still owe")
    await clerk.press_button("Keep the default")
    check = plain((await see(clerk, "Please check the fee period"))["text"])
    assert "makes 2 full members overdue at once" in check
    assert "suspends the voting right of 2 full members at once" in check


async def test_every_form_reads_both_date_forms_in_either_digits(majlis: Majlis) -> None:
    clerk = await majlis.person("هالة", "ar", (Role.SECRETARIAT,))
    await clerk.send("/menu")
    await clerk.press_button("الاجتماعات والتصويت")
    await clerk.press_button("جلسة جديدة")
    await clerk.press_button("الجمعية العامة")
    await clerk.press_button("دورة عادية")
    await see(clerk, "اكتب عنوان الجلسة")
    await clerk.send("الدورة التاسعة")
    await see(clerk, "عنوان الجلسة بالإنجليزية")
    await clerk.press_button("لاحقًا")
    await see(clerk, "متى تبدأ؟")
    await clerk.send("١/١٢/٢٠٢٦ ١٠:٠٠")
    await see(clerk, "بأي منطقة زمنية")
    await clerk.press_button("رجوع")
    await see(clerk, "متى تبدأ؟")
    await clerk.send("01/12/2026 10:00")
    await see(clerk, "بأي منطقة زمنية")
    with majlis.platform.db.session() as session:
        conversation = session.get(Conversation, (clerk.id, clerk.id))
        assert conversation is not None and conversation.data["when"] == "2026-12-01 10:00"
    await clerk.press_button("رجوع")
    await clerk.send("2026-12-01")
    asked = await see(clerk, "اكتب التاريخ والوقت")
    assert "01/12/2026 10:00" in plain(asked["text"])


async def test_the_signed_withdrawal_request_comes_before_the_prompt_saying_attached_above(
    majlis_held: tuple[Majlis, Delivery],
) -> None:
    majlis, delivery = majlis_held
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    clerk_ar = await majlis.person("هالة", "ar", (Role.SECRETARIAT,))
    mayor = await majlis.person("عبد السلام", "ar")
    admit(majlis, "Fez", "فاس", "full", mayor)
    await mayor.send("/withdraw")
    await mayor.wait_for("طلب انسحاب")
    await mayor.send("قررت المدينة التركيز على شبكات إقليمية أخرى.")
    await mayor.wait_for("موقَّعًا من أعلى سلطة فيه")
    await mayor.send("هذا هو الطلب")
    await mayor.wait_for("يُرجى إرسال الخطاب الموقَّع مستندًا أو صورة")
    await mayor.send_document("withdrawal.pdf", PDF, "application/pdf")
    await mayor.wait_for("يُرجى مراجعة طلب الانسحاب")
    await mayor.press_button("إرسال")
    await mayor.wait_for("تم الإرسال")
    for reader, caption, prompt in [
        (clerk, "The signed letter, for the request below.", "please acknowledge it"),
        (clerk_ar, "الخطاب الموقَّع، للطلب أدناه", "طلب الانسحاب رقم 1"),
    ]:
        await document_then_prompt(majlis, delivery, reader, caption, prompt)
