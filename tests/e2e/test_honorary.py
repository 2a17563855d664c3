"""Honorary membership end to end (Art. 15): nomination, both signatures, a decline."""

import pytest
from sqlmodel import select

from models import HonoraryNomination, Member
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from workflows.charter.roles import Role

pytestmark = pytest.mark.e2e

ALREADY = "This was already decided; nothing was changed."
ALREADY_AR = "سبق البتّ في هذا؛ ولم يتغيّر شيء."


async def nominate(clerk: SandboxUser, name: str = "Rifat Chadirji") -> None:
    await clerk.send("/nominate")
    await clerk.wait_for("What is the name of the nominee, in English?")
    await clerk.send("x")
    await clerk.wait_for("Please type between 2 and 200 characters.")
    await clerk.send(name)
    await clerk.wait_for("in Arabic?")
    await clerk.send("Chadirji")
    await clerk.wait_for("Please type the name in Arabic letters.")
    await clerk.press_button("« Back")
    await clerk.wait_for("in English?")
    await clerk.press_button(f"Keep: {name}")
    await clerk.wait_for("in Arabic?")
    await clerk.send("رفعة الجادرجي")
    await clerk.wait_for("Describe the contribution")
    await clerk.send(
        "Half a century of writing and building on the architecture of Islamic cities."
    )
    review = await clerk.wait_for("Please review the nomination")
    assert "رفعة الجادرجي" in review["text"] and "Half a century" in review["text"]
    await clerk.press_button("Submit")
    await clerk.wait_for(says("was sent to the Chair and the Secretary-General"))


async def signatories(majlis: Majlis) -> tuple[SandboxUser, SandboxUser, SandboxUser]:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    chair = await majlis.person("نبيل", "ar", (Role.CHAIR,))
    general = await majlis.person("Omar", "en", (Role.SECRETARY_GENERAL,))
    return clerk, chair, general


async def test_chair_then_secretary_general_confer_honorary_membership(majlis: Majlis) -> None:
    clerk, chair, general = await signatories(majlis)
    colleague = await majlis.person("Bilal", "en", (Role.SECRETARIAT,))
    await nominate(clerk)

    prompt = await chair.wait_for("بصفتكم رئيس الجمعية", timeout=20)
    assert "رفعة الجادرجي" in prompt["text"] and "Half a century" in prompt["text"]
    assert [b["text"] for b in buttons(prompt)] == ["تأكيد", "رفض الترشيح"]
    await general.wait_for("as Secretary-General (Art. 15)", timeout=20)

    await chair.press_button("تأكيد")
    await chair.wait_for(says("أكّده نبيل بصفته رئيس الجمعية"), timeout=20)
    await clerk.wait_for(says("the Chair of the Assembly has confirmed it"), timeout=20)
    with majlis.platform.db.session() as session:
        assert session.exec(select(Member)).first() is None

    await general.press_button("Confirm")
    edited = await general.wait_for(says("Confirmed by Omar as Secretary-General"), timeout=20)
    assert buttons(edited) == []
    await clerk.wait_for(says("Rifat Chadirji is now an honorary member"), timeout=20)
    await colleague.wait_for(says("Rifat Chadirji (رفعة الجادرجي) is now an honorary member"))

    with majlis.platform.db.session() as session:
        member = session.exec(select(Member)).one()
        assert (member.category, member.name_ar, member.standing) == (
            "honorary",
            "رفعة الجادرجي",
            "active",
        )
        assert member.fee_notice_due_at is None and member.contribution
        nomination = session.exec(select(HonoraryNomination)).one()
        assert nomination.state == "confirmed" and nomination.member_id == member.id


async def test_secretary_general_first_and_a_second_tap_is_refused(majlis: Majlis) -> None:
    clerk, chair, general = await signatories(majlis)
    await nominate(clerk, "Hassan Fathy")
    prompt = await general.wait_for("as Secretary-General (Art. 15)", timeout=20)
    await general.press_button("Confirm")
    await general.wait_for(says("Confirmed by Omar"), timeout=20)
    await clerk.wait_for(says("the Secretary-General has confirmed it"), timeout=20)

    data = next(b["callback_data"] for b in buttons(prompt) if b["text"] == "Confirm")
    again = await general.press(prompt["message_id"], data, forged=True)
    answer = plain((await general.callback_answer(again["callback_query_id"]))["text"])
    assert answer.startswith(ALREADY) and "Confirmed by Omar as Secretary-General" in answer

    await chair.press_button("تأكيد", timeout=20)
    await chair.wait_for(says("أكّده نبيل بصفته رئيس الجمعية"), timeout=20)
    await clerk.wait_for(says("Hassan Fathy is now an honorary member"), timeout=20)
    with majlis.platform.db.session() as session:
        assert session.exec(select(Member)).one().category == "honorary"


async def test_a_decline_ends_the_nomination_and_the_nominator_reads_why(majlis: Majlis) -> None:
    _, chair, general = await signatories(majlis)
    trustee = await majlis.person("Yusuf", "en", (Role.TRUSTEE,))
    guest = await majlis.person("Mallory", "en")
    await guest.send("/nominate")
    await guest.wait_for("nominated by the Secretariat or by a member of the Board of Trustees")

    await nominate(trustee, "Old Town Trust")
    await general.wait_for("as Secretary-General (Art. 15)", timeout=20)
    await general.press_button("Confirm")
    await general.wait_for(says("Confirmed by Omar"), timeout=20)

    chair_prompt = await chair.wait_for("بصفتكم رئيس الجمعية", timeout=20)
    menu = (await guest.transcript())[-1]
    forged = await guest.press(
        menu["message_id"], f"hon:{nomination_id(majlis)}:chair:confirm", forged=True
    )
    refusal = await guest.callback_answer(forged["callback_query_id"])
    assert refusal["text"].startswith("You are not allowed to do this")

    await chair.press_button("رفض الترشيح")
    await chair.wait_for("اكتب سبب رفض الترشيح")
    await chair.send("المساهمة غير موثّقة بما يكفي.")
    await chair.wait_for("رُفض الترشيح وأُبلغ صاحبه بالسبب")
    await chair.wait_for(says("رفضه نبيل بصفته رئيس الجمعية"), after=0, timeout=20)
    declined = await trustee.wait_for("was declined by the Chair of the Assembly", timeout=20)
    assert "المساهمة غير موثّقة بما يكفي." in declined["text"]

    stale = await chair.press(
        chair_prompt["message_id"], f"hon:{nomination_id(majlis)}:chair:confirm", forged=True
    )
    told = plain((await chair.callback_answer(stale["callback_query_id"]))["text"])
    assert told.startswith(ALREADY_AR) and "رفضه نبيل بصفته رئيس الجمعية" in told
    with majlis.platform.db.session() as session:
        assert session.exec(select(HonoraryNomination)).one().state == "declined"
        assert session.exec(select(Member)).first() is None


def nomination_id(majlis: Majlis) -> int:
    with majlis.platform.db.session() as session:
        nomination = session.exec(select(HonoraryNomination)).one()
        assert nomination.id is not None
        return nomination.id


async def test_the_chair_finds_a_nomination_again_in_pending(majlis: Majlis) -> None:
    clerk, chair, _ = await signatories(majlis)
    await nominate(clerk)
    await chair.wait_for("بصفتكم رئيس الجمعية", timeout=20)
    await chair.send("/pending")
    listing = await chair.wait_for("طلب واحد بانتظارك.")
    assert len(buttons(listing)) == 1
    await chair.press_button(buttons(listing)[0]["text"])
    again = await chair.wait_for("بصفتكم رئيس الجمعية")
    assert [b["text"] for b in buttons(again)] == ["تأكيد", "رفض الترشيح"]
    await chair.press_button("تأكيد")
    await clerk.wait_for(says("the Chair of the Assembly has confirmed it"), timeout=20)
    await chair.send("/pending")
    await chair.wait_for("لا شيء بانتظارك.")
