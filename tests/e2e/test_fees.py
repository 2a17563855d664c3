"""Fees end to end (Art. 18, 25): notices, payment reports, confirmations and disputes,
reminders, and voting rights suspended and restored, through aiogram and the sandbox."""

import asyncio
import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from models import FeeDue, FeePayment, Member, Notification, Representation, User
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from tests.e2e.test_applications import tiny_png
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.fees import periods, reminders
from workflows.jobs import tick_once

pytestmark = pytest.mark.e2e

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def today(majlis: Majlis) -> date:
    return majlis.platform.uow.clock.now().date()


def advance(majlis: Majlis, days: int) -> None:
    majlis.platform.uow.clock.advance(days=days)  # type: ignore[attr-defined]


async def member(
    majlis: Majlis, name: str, name_ar: str, language: str = "ar"
) -> tuple[SandboxUser, int]:
    """A full member and its representative, who has started the bot."""
    mayor = await majlis.person(f"Mayor of {name}", language, (Role.REPRESENTATIVE,))
    with majlis.platform.uow.begin() as session:
        row = Member(category="full", name_en=name, name_ar=name_ar, country="MA")
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(Representation(member_id=row.id, user_id=mayor.id))
        return mayor, row.id


FEE = Money(Decimal(1500), "USD")


def open_period(
    majlis: Majlis,
    clerk: SandboxUser,
    *,
    due_in: int,
    grace: int = 90,
    fee: Money = FEE,
) -> None:
    """The Secretariat opens a period (the form itself is tested in the full cycle)."""
    start = today(majlis)
    with majlis.platform.uow.begin() as session:
        user = session.get(User, clerk.id)
        assert user is not None
        periods.open_period(
            session,
            periods.PeriodTerms(
                starts_on=start,
                ends_on=start + timedelta(days=729),
                fee=fee,
                due_on=start + timedelta(days=due_in),
                grace_days=grace,
            ),
            user,
            now=majlis.platform.uow.clock.now(),
        )


async def report(mayor: SandboxUser, amount: str, reference: str) -> None:
    """An English-speaking representative reports a payment from /pay to the thanks:
    the amount, today, the reference and a photo of the receipt."""
    await mayor.send("/pay")
    await see(mayor, "Type the amount")
    await mayor.send(amount)
    await see(mayor, "On which date was it paid?")
    await mayor.press_button("Today")
    await see(mayor, "bank reference")
    await mayor.send(reference)
    await see(mayor, "Send the bank's receipt")
    await mayor.send_photo(tiny_png())
    await see(mayor, "Please check, then send.")
    await mayor.press_button("Send the report")
    await see(mayor, "Thank you.")


async def see(user: SandboxUser, needle: str, **options: Any) -> dict[str, Any]:
    """Wait for a message containing ``needle``, ignoring the marks that isolate values."""
    return await user.wait_for(says(needle), **options)


def keys_sent_to(majlis: Majlis, chat_id: int) -> list[str]:
    with majlis.platform.db.session() as session:
        return list(
            session.exec(
                select(Notification.key)
                .where(Notification.chat_id == chat_id)
                .order_by(col(Notification.id))
            )
        )


async def test_a_full_fee_cycle_in_arabic(majlis: Majlis) -> None:
    clerk = await majlis.person("أمينة", "ar", (Role.SECRETARIAT,))
    mayor, member_id = await member(majlis, "Fez", "فاس")
    start = today(majlis)
    due = start + timedelta(days=40)

    await clerk.send("/fees")
    await see(clerk, "لم تُسجَّل أي فترة رسوم بعد")
    await clerk.press_button("فتح فترة رسوم")
    await see(clerk, "في أي يوم تبدأ فترة السنتين")
    await clerk.send(start.strftime("%d/%m/%Y").translate(ARABIC_DIGITS))
    ends = await see(clerk, "في أي يوم تنتهي")
    await clerk.press(ends["message_id"], buttons(ends)[0]["callback_data"])
    await see(clerk, "بأي عملة")
    await clerk.press_button("USD")
    await see(clerk, "كم يبلغ رسم فترة السنتين بعملة USD")
    await clerk.send("١٬٥٠٠")
    await see(clerk, "ما آخر يوم لسداده")
    await clerk.send(due.isoformat())
    await see(clerk, "مهلة السماح")
    await clerk.press_button("90 يومًا")
    await see(clerk, "تُرسل التذكيرات")
    await clerk.press_button("الإبقاء على المعتاد")
    check = await see(clerk, "يُرجى مراجعة فترة الرسوم")
    assert "US$" in check["text"] and "هـ" in check["text"]
    assert "إلى ممثلي عضو واحد كامل العضوية" in check["text"]
    await clerk.press_button("فتح الفترة وإرسال الإشعارات")
    await see(clerk, "فُتحت فترة الرسوم")

    notice = await see(mayor, "إشعار برسم العضوية", timeout=20)
    text = plain(notice["text"])
    assert "1,500.00" in text and "US$" in text and "فاس" in text
    assert f"{due.year}" in text and "هـ" in text  # Gregorian and Hijri
    await mayor.press_button("الإبلاغ عن دفعة")
    await see(mayor, "كم دُفع بعملة USD")
    await mayor.send("1500")
    await see(mayor, "في أي تاريخ دُفع")
    await mayor.press_button("اليوم")
    await see(mayor, "المرجع المصرفي")
    await mayor.send("TRX-2027-001")
    await see(mayor, "أرسل إيصال المصرف")
    await mayor.send_photo(tiny_png())
    review = await see(mayor, "المبلغ المدفوع")
    assert "TRX-2027-001" in review["text"] and "صورة" in review["text"]
    await mayor.press_button("إرسال البلاغ")
    await see(mayor, "أُبلغت الأمانة العامة بدفعة")

    receipt = await clerk.wait_for(lambda m: m.get("photo") is not None, timeout=20, after=0)
    assert "إيصال دفعة الرسوم" in plain(receipt.get("caption"))
    prompt = await see(clerk, "يُرجى تأكيدها أو الاعتراض عليها", timeout=20)
    assert "TRX-2027-001" in prompt["text"] and "فاس" in prompt["text"]
    await clerk.press_button("تأكيد")
    await clerk.wait_for(says("✅ أكّد أمينة"), timeout=20)

    confirmed = await see(mayor, "أكّدت الأمانة العامة دفعة", timeout=20)
    assert "سُدّد الرسم بالكامل" in confirmed["text"]
    await mayor.send("/statement")
    statement = plain((await see(mayor, "كشف الرسوم"))["text"])
    assert "مسدَّد بالكامل" in statement and "مؤكَّد" in statement
    assert "لا شيء مستحق" in statement and "حق التصويت: قائم" in statement
    with majlis.platform.db.session() as session:
        payment = session.exec(select(FeePayment)).one()
        assert (payment.state, payment.amount_minor, payment.member_id) == (
            "confirmed",
            150000,
            member_id,
        )
        assert session.exec(select(FeeDue)).one().settled_at is not None


async def test_a_partial_payment_leaves_the_rest_owed(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Sale", "سلا", "en")
    open_period(majlis, clerk, due_in=40)
    await see(mayor, "Membership fee notice", timeout=20)
    await report(mayor, "1,000", "SWIFT 7781")
    await see(clerk, "please confirm or dispute it", timeout=20)
    await clerk.press_button("Confirm")
    told = await see(mayor, "The Secretariat confirmed the payment", timeout=20)
    assert "Still owed: $500.00" in plain(told["text"])
    await mayor.send("/menu")
    await see(mayor, "Main menu")
    await mayor.press_button("Fee statement")
    statement = plain((await see(mayor, "Fee statement — Sale"))["text"])
    assert "$1,000.00 paid on" in statement and "confirmed" in statement
    assert "Balance: $500.00 — not yet due" in statement
    assert "Total owed: $500.00" in statement

    await clerk.send("/menu")
    await see(clerk, "Main menu")
    await clerk.press_button("Fees and payments")
    home = plain((await see(clerk, "Fee period"))["text"])
    assert "Paid: 0 · Reported: 0 · Overdue: 0 · Not yet due: 1" in home
    await clerk.press_button("Not yet due")
    listed = plain((await see(clerk, "1. Sale"))["text"])
    assert "1. Sale (سلا): paid $1,000.00, owes $500.00" in listed
    await clerk.press_button("Export as CSV")
    document = (await clerk.wait_for(lambda m: m.get("document") is not None))["document"]
    assert document["file_name"].endswith(".csv")
    url = f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{document['file_id']}"
    async with majlis.client.session.get(url) as response:
        data = await response.read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Member (English),Member (Arabic),Country,Currency,Fee")
    assert rows[1].startswith("Sale,سلا,Morocco,USD,1500.00,1000.00,0.00,500.00,not yet due")


async def test_a_disputed_report_is_answered_and_then_confirmed(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Tetouan", "تطوان", "en")
    open_period(majlis, clerk, due_in=40)
    await see(mayor, "Membership fee notice", timeout=20)
    await report(mayor, "1400", "REF-1")
    await see(clerk, "please confirm or dispute it", timeout=20)
    await clerk.press_button("Dispute")
    await see(clerk, "Type why fee payment No.")
    await clerk.send("Our bank received 1,500, not 1,400. Please check the amount.")
    await see(clerk, "the member is told why")
    await clerk.wait_for(says("❌ Disputed by Amina"), timeout=20, after=0)

    dispute = await see(mayor, "could not confirm the payment", timeout=20)
    assert "Our bank received 1,500" in dispute["text"]
    await mayor.press_button("Correct the report")
    await see(mayor, "Correcting the report")
    await mayor.send("1,500.00")
    await see(mayor, "On which date was it paid?")
    await mayor.press_button("Today")
    await see(mayor, "bank reference")
    await mayor.send("REF-1")
    await see(mayor, "Send the bank's receipt")
    await mayor.press_button("Keep the earlier receipt")
    await see(mayor, "the earlier receipt")
    await mayor.press_button("Send the corrected report")
    await see(mayor, "Thank you.")

    again = await see(clerk, "corrected after a dispute", timeout=20)
    assert "Our bank received 1,500" in again["text"] and "$1,500.00" in plain(again["text"])
    await clerk.press_button("Confirm")
    done = await see(mayor, "The Secretariat confirmed the payment", timeout=20)
    assert "The fee is paid in full" in done["text"]
    with majlis.platform.db.session() as session:
        payment = session.exec(select(FeePayment)).one()
        assert payment.state == "confirmed" and len(payment.corrections) == 1


async def test_typed_amounts_in_arabic_digits_and_refusals(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Kairouan", "القيروان")
    open_period(majlis, clerk, due_in=40)
    await see(mayor, "إشعار برسم العضوية", timeout=20)
    await mayor.send("/pay")
    await see(mayor, "كم دُفع بعملة USD")
    for typed, refusal in [
        ("ألف", "تعذّرت قراءة"),
        ("-500", "لا يمكن أن يكون المبلغ سالبًا"),
        ("٠", "يجب أن يكون المبلغ أكبر من الصفر"),
        ("١٥٠٠٠٠٠", "هذا المبلغ يتجاوز"),
        ("1500.505", "يُرجى ألّا تكتب بعد الفاصلة العشرية أكثر من رقمين"),
        ("1500 EUR", "هذا المبلغ بعملة أخرى"),
    ]:
        await mayor.send(typed)
        await mayor.wait_for(refusal)
    await mayor.send("١٬٢٥٠٫٥٠")
    await see(mayor, "في أي تاريخ دُفع")
    await mayor.send("٣٢/٠١/٢٠٢٧")
    await see(mayor, "يُرجى كتابة التاريخ بصيغة اليوم/الشهر/السنة")
    await mayor.send(today(majlis).strftime("%d/%m/%Y").translate(ARABIC_DIGITS))
    await see(mayor, "المرجع المصرفي")
    await mayor.send("TRX 9")
    await mayor.send_document("receipt.docx", b"PK not a pdf", "application/msword")
    await see(mayor, "نوع هذا الملف غير مقبول")
    await mayor.send_document("receipt.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    review = plain((await see(mayor, "المبلغ المدفوع"))["text"])
    assert "1,250.50" in review and "receipt.pdf" in review


async def test_reminders_before_and_after_the_due_date_and_none_after_a_report(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    paying, _ = await member(majlis, "Rabat", "الرباط", "en")
    late, _ = await member(majlis, "Oujda", "وجدة", "en")
    open_period(majlis, clerk, due_in=40)
    for mayor in (paying, late):
        await see(mayor, "Membership fee notice", timeout=20)

    advance(majlis, 11)  # past "30 days before"
    for mayor in (paying, late):
        first = await see(mayor, "Reminder: the membership fee", timeout=20)
        assert "in 29 days" in first["text"] and "$1,500.00" in plain(first["text"])
    await report(paying, "1500", "RB-1")

    advance(majlis, 23)  # past "7 days before"
    await see(late, "in 6 days", timeout=20)
    advance(majlis, 21)  # past "14 days after"
    after = await see(late, "was due on", timeout=20)
    assert "may be suspended from" in after["text"]
    assert keys_sent_to(majlis, paying.id).count(reminders.REMINDER_BEFORE) == 1
    assert reminders.REMINDER_AFTER not in keys_sent_to(majlis, paying.id)
    sent_reminders = [m for m in await paying.transcript() if "Reminder:" in plain(m.get("text"))]
    assert len(sent_reminders) == 1

    # The due rows are done: another tick, as after a restart, sends nothing again.
    await asyncio.to_thread(tick_once, majlis.platform.uow)
    assert keys_sent_to(majlis, late.id).count(reminders.REMINDER_AFTER) == 1


async def test_automatic_suspension_after_the_grace_period_and_restoration(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, member_id = await member(majlis, "Agadir", "أكادير", "en")
    open_period(majlis, clerk, due_in=10, grace=30)
    await see(mayor, "Membership fee notice", timeout=20)

    advance(majlis, 42)
    suspended = await see(mayor, "is suspended (Art. 25)", timeout=20)
    assert "not paid by the end of the grace period" in suspended["text"]
    staff = await see(clerk, "The grace period of the fee", timeout=20)
    assert "Agadir" in staff["text"]
    await mayor.send("/statement")
    assert "Voting right: suspended since" in plain((await see(mayor, "Fee statement"))["text"])

    await report(mayor, "1500", "AG-1")
    await see(clerk, "please confirm or dispute it", timeout=20)
    await clerk.press_button("Confirm")
    await see(mayor, "The fee is paid in full", timeout=20)
    restored = await see(mayor, "is restored", timeout=20)
    assert "the payment was confirmed" in restored["text"]
    await clerk.wait_for(says("The voting right of Agadir (أكادير) was restored"), timeout=20)
    with majlis.platform.db.session() as session:
        assert session.get(Member, member_id).voting_right == "active"  # type: ignore[union-attr]


async def test_the_council_suspends_and_restores_by_hand(majlis: Majlis) -> None:
    majlis.settings.fees_suspend_automatically = False
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, member_id = await member(majlis, "Meknes", "مكناس", "ar")
    open_period(majlis, clerk, due_in=10, grace=30)
    await see(mayor, "إشعار برسم العضوية", timeout=20)

    advance(majlis, 42)
    told = await see(clerk, "only by a decision of the Council", timeout=20)
    assert "Meknes" in told["text"]
    with majlis.platform.db.session() as session:
        assert session.get(Member, member_id).voting_right == "active"  # type: ignore[union-attr]

    await clerk.send("/fees")
    await see(clerk, "Fees and payments")
    await clerk.press_button("Suspend a voting right")
    await see(clerk, "Whose voting right does the Council suspend?")
    await clerk.press_button("Meknes — مكناس")
    await see(clerk, "Type the Council's decision to suspend")
    await clerk.send("Decision ESC-12/2027: fees of 2027 unpaid.")
    await see(clerk, "is suspended; the member is told")
    suspended = await see(mayor, "عُلّق حق مكناس في التصويت", timeout=20)
    assert "بقرار من المجلس التنفيذي الأعلى: Decision ESC-12/2027" in plain(suspended["text"])

    await clerk.send("/fees")
    await see(clerk, "Voting rights are suspended")
    await clerk.press_button("Restore a voting right")
    await see(clerk, "Whose voting right does the Council restore?")
    await clerk.press_button("Meknes — مكناس")
    await see(clerk, "Type the Council's decision to restore")
    await clerk.send("Decision ESC-13/2027: payment plan agreed.")
    await see(clerk, "is restored; the member is told")
    restored = await see(mayor, "أُعيد حق مكناس في التصويت", timeout=20)
    assert "payment plan agreed" in restored["text"]
    with majlis.platform.db.session() as session:
        assert session.get(Member, member_id).voting_right == "active"  # type: ignore[union-attr]


async def test_a_double_tap_on_confirm_is_counted_once(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    colleague = await majlis.person("Bilal", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Safi", "آسفي", "en")
    open_period(majlis, clerk, due_in=40)
    await see(mayor, "Membership fee notice", timeout=20)
    await report(mayor, "700", "SF-1")
    first = await see(clerk, "please confirm or dispute it", timeout=20)
    second = await see(colleague, "please confirm or dispute it", timeout=20)
    data = next(b["callback_data"] for b in buttons(first) if b["text"] == "Confirm")
    presses = await asyncio.gather(
        clerk.press(first["message_id"], data),
        clerk.press(first["message_id"], data),
        colleague.press(second["message_id"], data),
    )
    answers = [await clerk.callback_answer(p["callback_query_id"]) for p in presses]
    texts = sorted(plain(a["text"]) for a in answers)
    assert texts[0] == "Confirmed. The member is told."
    for late in texts[1:]:
        assert late.startswith("This was already decided; nothing was changed.")
        assert "confirmed by Amina" in late or "confirmed by Bilal" in late
    await see(mayor, "The Secretariat confirmed the payment", timeout=20)
    await asyncio.sleep(1)
    confirmations = [
        m for m in await mayor.transcript() if "The Secretariat confirmed" in plain(m.get("text"))
    ]
    assert len(confirmations) == 1 and "Still owed: $800.00" in plain(confirmations[0]["text"])
    with majlis.platform.db.session() as session:
        payment = session.exec(select(FeePayment)).one()
        assert payment.state == "confirmed" and payment.amount_minor == 70000


async def test_long_names_and_long_input_are_answered_and_the_csv_runs_no_formula(
    majlis: Majlis,
) -> None:
    """Ten members with 200-character names make a list longer than one message; a
    4096-character amount is quoted back; names that start like a formula stay text."""
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Kairouan", "القيروان", "en")
    starts = ['=HYPERLINK("http://evil.example","Pay here")', "+1+1", "-2+3", "@SUM(A1:A9)"]
    names = [f"{starts[n % 4]} City {n} ".ljust(200, "x") for n in range(10)]
    with majlis.platform.uow.begin() as session:
        for n, name in enumerate(names):
            session.add(
                Member(category="full", name_en=name, name_ar=f"مدينة {n} ".ljust(200, "م"))
            )
    open_period(majlis, clerk, due_in=40)

    await clerk.send("/menu")
    await see(clerk, "Main menu")
    await clerk.press_button("Fees and payments")
    await see(clerk, "Fee period")
    press = await clerk.press_button("Not yet due")
    answer = await clerk.callback_answer(press["callback_query_id"], timeout=20)
    assert answer["answered"]
    await see(clerk, "City 9", timeout=20)
    shown = "\n".join(plain(m.get("text")) for m in await clerk.transcript())
    assert all(f"City {n} " in shown for n in range(10))

    await clerk.press_button("Export as CSV")
    document = (await clerk.wait_for(lambda m: m.get("document") is not None))["document"]
    url = f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{document['file_id']}"
    async with majlis.client.session.get(url) as response:
        rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    exported = {row[0] for row in rows[1:]}
    assert exported >= {f"'{name}" for name in names}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    await see(mayor, "Membership fee notice", timeout=20)
    await mayor.send("/pay")
    await see(mayor, "Type the amount")
    await mayor.send("one thousand " * 315)
    await see(mayor, "as an amount. Please type digits", timeout=20)


@pytest.mark.parametrize("language", ["en", "ar"])
async def test_the_fee_picker_shows_a_bienniums_years_as_years(
    majlis: Majlis, language: str
) -> None:
    """A mayor of two member cities chooses which due a payment was for: the years read
    "2026 – 2028", never "2,026 – 2,028"."""
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor, _ = await member(majlis, "Fes", "فاس", language)
    with majlis.platform.uow.begin() as session:
        second = Member(category="full", name_en="Meknes", name_ar="مكناس", country="MA")
        session.add(second)
        session.flush()
        assert second.id is not None
        session.add(Representation(member_id=second.id, user_id=mayor.id))
    open_period(majlis, clerk, due_in=40)
    start = today(majlis)
    years = re.compile(rf"{start.year}\s*–\s*{(start + timedelta(days=729)).year}")
    await mayor.send("/pay")
    picker = await mayor.wait_for(lambda m: len(buttons(m)) >= 2)
    labels = [plain(b["text"]) for b in buttons(picker)]
    assert all(years.search(label) for label in labels), labels
