"""Membership applications end to end: the form, screening, the question loop, decisions."""

import asyncio
import random
import struct
import zlib

import pytest
from sqlmodel import select

from models import Application, Member, User
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from workflows.charter.roles import Role
from workflows.membership import applications
from workflows.platform import people

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def tiny_png() -> bytes:
    """A valid one-pixel PNG, as a phone camera's photo would be, only smaller."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def fill_arabic_form(
    mayor: SandboxUser, city: str = "Fez", city_ar: str = "فاس", contact: str = "mayor@fes.ma"
) -> None:
    await answer_up_to_the_letter(mayor, city, city_ar, contact)
    await mayor.send_document("letter.pdf", PDF, "application/pdf")
    review = await mayor.wait_for("يُرجى مراجعة طلبك")
    assert city_ar in review["text"] and "المغرب" in review["text"]


async def answer_up_to_the_letter(
    mayor: SandboxUser, city: str, city_ar: str, contact: str = "mayor@fes.ma"
) -> None:
    await mayor.send("/apply")
    await mayor.wait_for("ما العضوية التي تتقدّم لها")
    await mayor.press_button("عضو كامل (مدينة)")
    await mayor.wait_for("بالإنجليزية؟")
    await mayor.send(city)
    await mayor.wait_for("بالعربية؟")
    await mayor.send(city_ar)
    await mayor.wait_for("في أي بلد")
    await mayor.send("المغرب")
    await mayor.wait_for("من يوقّع الطلب")
    await mayor.send("عبد السلام البقالي")
    await mayor.wait_for("صفة الموقِّع")
    await mayor.send("رئيس المجلس الجماعي")
    await mayor.wait_for("كيف يمكن للأمانة العامة")
    await mayor.send(contact)
    await mayor.wait_for("مبادئ الجمعية")
    await mayor.press_button("أؤكّد التزامنا")
    await mayor.wait_for("خطاب الطلب")


async def staff(majlis: Majlis) -> tuple[SandboxUser, SandboxUser]:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    general = await majlis.person("الأمين العام", "ar", (Role.SECRETARY_GENERAL,))
    return clerk, general


async def test_an_arabic_application_from_first_tap_to_admission(majlis: Majlis) -> None:
    clerk, general = await staff(majlis)
    mayor = await majlis.person("عبد السلام", "ar")
    await fill_arabic_form(mayor)
    await mayor.press_button("إرسال")
    await mayor.wait_for("تم الإرسال")
    await mayor.wait_for("تسلّمت الأمانة العامة طلبك")

    prompt = await clerk.wait_for("please screen it", timeout=20)
    assert "فاس" in prompt["text"] and "Country: Morocco" in prompt["text"]
    assert f"(id {mayor.id})" in plain(prompt["text"])
    letter = await clerk.wait_for(lambda m: m.get("document") is not None, after=0)
    assert letter["document"]["file_name"] == "letter.pdf"
    await clerk.press_button("Forward to the Secretary-General")
    await clerk.wait_for(says("Forwarded to the Secretary-General by Amina"), timeout=20)

    decision = await general.wait_for("يُرجى قبوله أو رفضه", timeout=20)
    assert "المغرب" in decision["text"]
    await mayor.wait_for("أُحيل إلى الأمين العام", timeout=20)
    await general.press_button("قبول")
    await general.wait_for(says("قبله الأمين العام"), timeout=20)

    welcome = await mayor.wait_for("أهلًا بكم في الجمعية العالمية للمدن الإسلامية", timeout=20)
    assert "فاس" in plain(welcome["text"]) and "Fez" not in welcome["text"]
    await clerk.wait_for(says("was admitted: Fez"), timeout=20)
    with majlis.platform.db.session() as session:
        member = session.exec(select(Member)).one()
        assert (member.category, member.name_ar, member.country) == ("full", "فاس", "MA")
        assert member.fee_notice_due_at is not None
        assert Role.REPRESENTATIVE in people.roles_of(session, mayor.id)
    await mayor.send("/menu")
    menu = await mayor.wait_for("القائمة الرئيسية")
    assert "كشف الرسوم" in [b["text"] for b in buttons(menu)]


async def test_the_secretariat_asks_and_the_answer_comes_back(majlis: Majlis) -> None:
    clerk, _ = await staff(majlis)
    mayor = await majlis.person("Rania", "en")
    await mayor.send("/apply")
    await mayor.press_button("Associate member")
    await mayor.wait_for("on behalf of an organisation")
    await mayor.press_button("Yes, an organisation")
    for prompt, answer in [
        ("in English?", "Institute of Urban Heritage"),
        ("in Arabic?", "معهد التراث العمراني"),
        ("In which country?", "Jordan"),
        ("Who signs", "Rania Haddad"),
        ("title", "Director"),
        ("reach you", "+962 6 000 0000"),
    ]:
        await mayor.wait_for(prompt)
        await mayor.send(answer)
    await mayor.press_button("I confirm our adherence")
    await mayor.wait_for("signed by the highest authority")
    await mayor.send_photo(tiny_png())
    await mayor.wait_for("Please review your application")
    await mayor.press_button("Submit")
    await mayor.wait_for("Submitted")

    await clerk.wait_for("please screen it", timeout=20)
    await clerk.press_button("Ask the applicant")
    await clerk.wait_for("Type your question")
    await clerk.send("Please send your registration certificate number.")
    await clerk.wait_for("Your question was sent")
    await clerk.wait_for(says("Amina asked the applicant"), timeout=20)

    question = await mayor.wait_for("registration certificate", timeout=20)
    assert "Answer" in [b["text"] for b in buttons(question)]
    await mayor.press_button("Answer")
    await mayor.wait_for("Type your answer")
    await mayor.send("It is JO-2024-118.")
    await mayor.wait_for("Your answer was added")

    again = await clerk.wait_for("JO-2024-118", timeout=20)
    assert "registration certificate" in again["text"]
    await mayor.send("/status")
    status = await mayor.wait_for("Your applications")
    assert "with the Secretariat for screening" in status["text"]


async def test_rejection_reaches_the_applicant_in_their_language(majlis: Majlis) -> None:
    clerk, _ = await staff(majlis)
    mayor = await majlis.person("Nour", "ar")
    await fill_arabic_form(mayor, "Tetouan", "تطوان")
    await mayor.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)
    await clerk.press_button("Reject")
    await clerk.wait_for("Type the reason")
    await clerk.send("The letter is not signed.")
    await clerk.wait_for(says("Rejected by Amina"), timeout=20)
    refusal = await mayor.wait_for("لم يُقبل طلبك", timeout=20)
    assert "The letter is not signed." in refusal["text"]


async def test_two_staff_tapping_forward_at_once_has_one_effect(majlis: Majlis) -> None:
    clerk, _ = await staff(majlis)
    colleague = await majlis.person("Bilal", "en", (Role.SECRETARIAT,))
    mayor = await majlis.person("Salma", "ar")
    await fill_arabic_form(mayor, "Sale", "سلا")
    await mayor.press_button("إرسال")
    first = await clerk.wait_for("please screen it", timeout=20)
    second = await colleague.wait_for("please screen it", timeout=20)
    data = next(b["callback_data"] for b in buttons(first) if b["text"].startswith("Forward"))
    presses = await asyncio.gather(
        clerk.press(first["message_id"], data),
        colleague.press(second["message_id"], data),
    )
    answers = [
        plain((await clerk.callback_answer(p["callback_query_id"]))["text"]) for p in presses
    ]
    won = answers.index("Forwarded to the Secretary-General.")
    lost = answers[1 - won]
    assert lost.startswith("This was already decided; nothing was changed.")
    assert f"Forwarded to the Secretary-General by {(clerk, colleague)[won].first_name}" in lost
    edited = [
        await person.wait_for(says("Forwarded to the Secretary-General by"), timeout=20, after=0)
        for person in (clerk, colleague)
    ]
    assert [buttons(message) for message in edited] == [[], []]
    with majlis.platform.db.session() as session:
        application = session.exec(select(Application)).one()
        assert application.state == "forwarded"


async def test_a_guest_pressing_a_forged_secretariat_button_is_refused(
    majlis: Majlis, caplog: pytest.LogCaptureFixture
) -> None:
    clerk, _ = await staff(majlis)
    mayor = await majlis.person("Idris", "ar")
    await fill_arabic_form(mayor, "Meknes", "مكناس")
    await mayor.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)
    with majlis.platform.db.session() as session:
        application = session.exec(select(Application)).one()
    guest = await majlis.person("Mallory", "en")
    menu = (await guest.transcript())[-1]
    pressed = await guest.press(menu["message_id"], f"app:{application.id}:forward", forged=True)
    answer = await guest.callback_answer(pressed["callback_query_id"])
    assert answer["text"] == (
        "You are not allowed to do this: none of your roles includes it. If you think one "
        "should, ask the Secretariat."
    )
    with majlis.platform.db.session() as session:
        assert session.get(Application, application.id).state == "submitted"  # type: ignore[union-attr]


async def test_a_guest_learns_nothing_of_an_applications_state_from_a_refusal(
    majlis: Majlis,
) -> None:
    """Forged decision buttons are refused alike whether the application waits or was
    decided: the role is checked before the state."""
    clerk, _ = await staff(majlis)
    mayor = await majlis.person("Karim", "ar")
    await fill_arabic_form(mayor, "Safi", "آسفي")
    await mayor.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)
    guest = await majlis.person("Mallory", "en")
    menu = (await guest.transcript())[-1]
    with majlis.platform.db.session() as session:
        application_id = session.exec(select(Application.id)).one()

    async def refusals() -> list[str]:
        answers = []
        for action in ("forward", "admit", "reject", "ask"):
            data = f"app:{application_id}:{action}"
            pressed = await guest.press(menu["message_id"], data, forged=True)
            answers.append((await guest.callback_answer(pressed["callback_query_id"]))["text"])
        return answers

    waiting = await refusals()
    with majlis.platform.uow.begin() as session:
        user = session.get(User, clerk.id)
        assert user is not None
        applications.reject(
            session, application_id, user, "Incomplete.", now=majlis.platform.uow.clock.now()
        )
    decided = await refusals()
    refused = (
        "You are not allowed to do this: none of your roles includes it. "
        "If you think one should, ask the Secretariat."
    )
    assert waiting == decided == [refused] * 4


async def test_a_restart_in_the_middle_of_the_form_loses_nothing(majlis: Majlis) -> None:
    mayor = await majlis.person("Hamza", "en")
    await mayor.send("/apply")
    await mayor.press_button("Full member (a city)")
    await mayor.wait_for("in English?")
    await mayor.send("Kairouan")
    await mayor.wait_for("in Arabic?")

    await majlis.restart_bot()
    await mayor.send("القيروان")
    await mayor.wait_for("In which country?", timeout=20)

    await mayor.press_button("Cancel")
    await mayor.wait_for("your answers are kept")
    await mayor.send("/apply")
    await mayor.wait_for("You have an unfinished application")
    await mayor.press_button("Resume")
    await mayor.wait_for("In which country?")
    await mayor.send("tunis")
    await mayor.wait_for("Who signs")
    await mayor.press_button("« Back")
    await mayor.wait_for("In which country?")
    with majlis.platform.db.session() as session:
        draft = session.exec(select(Application)).one()
        assert (draft.name_en, draft.name_ar, draft.country) == ("Kairouan", "القيروان", "TN")


async def test_a_wrong_or_oversized_letter_is_refused_clearly(majlis: Majlis) -> None:
    mayor = await majlis.person("Youssef", "ar")
    await mayor.send("/apply")
    await mayor.press_button("عضو كامل (مدينة)")
    for prompt, answer in [
        ("بالإنجليزية؟", "Rabat"),
        ("بالعربية؟", "Rabat"),
    ]:
        await mayor.wait_for(prompt)
        await mayor.send(answer)
    await mayor.wait_for("يُرجى كتابة الاسم بالحروف العربية")
    await mayor.send("الرباط")
    await mayor.wait_for("في أي بلد")
    await mayor.send("xyz")
    await mayor.wait_for("لا يوجد بلد بهذا الاسم")
    await mayor.send("المغرب")
    for prompt, answer in [
        ("من يوقّع الطلب", "أسماء"),
        ("صفة الموقِّع", "عمدة الرباط"),
        ("كيف يمكن للأمانة العامة", "no contact"),
    ]:
        await mayor.wait_for(prompt)
        await mayor.send(answer)
    await mayor.wait_for("يُرجى كتابة عنوان بريد إلكتروني أو رقم هاتف")
    await mayor.send("+212 5 37 00 00 00")
    await mayor.press_button("أؤكّد التزامنا")
    await mayor.wait_for("خطاب الطلب")

    await mayor.send_document(
        "letter.docx",
        b"PK\x03\x04 not a pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    await mayor.wait_for("نوع هذا الملف غير مقبول")
    majlis.settings.letter_max_mb = 0.001
    await mayor.send_document("letter.pdf", PDF * 100, "application/pdf")
    await mayor.wait_for("هذا الملف كبير جدًا")
    majlis.settings.letter_max_mb = 10
    await mayor.send_document("letter.pdf", PDF, "application/pdf")
    review = await mayor.wait_for("يُرجى مراجعة طلبك")
    assert "الرباط" in review["text"] and "letter.pdf" in review["text"]


async def test_a_letter_is_judged_by_its_bytes_not_by_its_name(majlis: Majlis) -> None:
    """Random bytes named letter.pdf, or a PNG cut short, are refused; a real PNG sent
    under a PDF's name is taken for what it is."""
    mayor = await majlis.person("Hamza", "ar")
    await answer_up_to_the_letter(mayor, "Tetouan", "تطوان")
    await mayor.send_document("letter.pdf", random.Random(8).randbytes(200), "application/pdf")
    await mayor.wait_for("ليس ملف PDF أو JPEG أو PNG سليمًا")
    await mayor.send_document("scan.png", tiny_png()[:-12], "image/png")
    await mayor.wait_for("ليس ملف PDF أو JPEG أو PNG سليمًا")
    await mayor.send_document("letter.pdf", PDF.replace(b"%%EOF", b"%%"), "application/pdf")
    await mayor.wait_for("ليس ملف PDF أو JPEG أو PNG سليمًا")
    await mayor.send_document("letter.pdf", tiny_png(), "application/pdf")
    review = await mayor.wait_for("يُرجى مراجعة طلبك")
    assert "تطوان" in review["text"]
    with majlis.platform.db.session() as session:
        application = session.exec(select(Application)).one()
        assert application.letter_mime == "image/png"


async def test_an_unanswered_prompt_is_reminded_then_escalated(majlis: Majlis) -> None:
    clerk, general = await staff(majlis)
    mayor = await majlis.person("Samir", "ar")
    await fill_arabic_form(mayor, "Oujda", "وجدة")
    await mayor.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)

    clock = majlis.platform.uow.clock
    clock.advance(hours=49)  # type: ignore[attr-defined]
    await clerk.wait_for("Reminder: the request above has been waiting", timeout=20)
    clock.advance(hours=72)  # type: ignore[attr-defined]
    await general.wait_for("أُحيل إليك للمتابعة", timeout=20)
    copy = await general.wait_for("يُرجى تدقيقه", timeout=20)
    assert "إحالة إلى الأمين العام" in [b["text"] for b in buttons(copy)]
    await general.press_button("إحالة إلى الأمين العام")
    await clerk.wait_for(says("Forwarded to the Secretary-General by"), timeout=20, after=0)
    await general.wait_for("يُرجى قبوله أو رفضه", timeout=20)


async def test_an_unanswered_question_is_reminded_then_the_application_lapses(
    majlis: Majlis,
) -> None:
    clerk, _ = await staff(majlis)
    mayor = await majlis.person("Lina", "ar")
    await fill_arabic_form(mayor, "Agadir", "أكادير")
    await mayor.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)
    await clerk.press_button("Ask the applicant")
    await clerk.send("Which district?")
    await mayor.wait_for("Which district?", timeout=20)

    clock = majlis.platform.uow.clock
    clock.advance(days=8)  # type: ignore[attr-defined]
    await mayor.wait_for("تذكير: ما زالت الأمانة العامة بانتظار إجابتك", timeout=20)
    clock.advance(days=23)  # type: ignore[attr-defined]
    await mayor.wait_for("سقط طلبك", timeout=20)
    await clerk.wait_for("lapsed: the applicant did not answer", timeout=20)
    with majlis.platform.db.session() as session:
        assert session.exec(select(Application)).one().state == "lapsed"


async def test_prompts_reach_the_bound_secretariat_group_and_questions_go_private(
    majlis: Majlis,
) -> None:
    clerk, _ = await staff(majlis)
    group = await majlis.client.create_group("Secretariat", [clerk])
    await clerk.send("/bind", chat_id=group.id)
    await clerk.wait_for("now the Secretariat's group", chat_id=group.id, timeout=20)

    mayor = await majlis.person("Maha", "ar")
    await fill_arabic_form(mayor, "Safi", "آسفي")
    await mayor.press_button("إرسال")
    in_group = await clerk.wait_for("please screen it", chat_id=group.id, timeout=20)
    assert "آسفي" in in_group["text"]
    await clerk.press_button("Ask the applicant", chat_id=group.id)
    await clerk.wait_for("Type your question", timeout=20)  # in the private chat
    await clerk.send("Is the council's decision attached?")
    await clerk.wait_for(says("Amina asked the applicant"), chat_id=group.id, timeout=20, after=0)
    await mayor.wait_for("Is the council's decision attached?", timeout=20)

    number = plain(in_group["text"]).split("No. ")[1].split(" ")[0]
    await clerk.send(f"/history {number}")
    history = await clerk.wait_for("History of application No.")
    assert "waiting for your answer to a question" in history["text"]
    assert "Is the council's decision attached?" in history["text"]


async def test_pending_lists_what_waits_for_the_secretariat(majlis: Majlis) -> None:
    clerk, _ = await staff(majlis)
    mayor = await majlis.person("Adam", "en")
    await mayor.send("/pending")
    await mayor.wait_for("You are not allowed to do this")
    await clerk.send("/pending")
    await clerk.wait_for("Nothing is waiting for you.")
    other = await majlis.person("Hiba", "ar")
    await fill_arabic_form(other, "Taza", "تازة")
    await other.press_button("إرسال")
    await clerk.wait_for("please screen it", timeout=20)
    await clerk.send("/pending")
    listing = await clerk.wait_for("1 request is waiting for you.")
    assert buttons(listing)[0]["text"].startswith("Membership application No.")
    await clerk.press_button(buttons(listing)[0]["text"])
    opened = await clerk.wait_for("please screen it")
    assert "تازة" in opened["text"]
    await clerk.press_button("Forward to the Secretary-General")
    await clerk.wait_for(says("Forwarded to the Secretary-General by Amina"), timeout=20, after=0)
