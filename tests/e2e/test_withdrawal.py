"""Withdrawal end to end (Art. 21): the request, the acknowledgement, the decision."""

import pytest
from sqlmodel import select

from models import Member, Representation, WithdrawalRequest
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from workflows.charter.roles import Role
from workflows.platform import people

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALREADY = "This was already decided; nothing was changed."


def admit(
    majlis: Majlis,
    name_en: str,
    name_ar: str,
    category: str,
    *representatives: SandboxUser,
    institutional: bool = False,
) -> int:
    """A member already admitted, with these people as its representatives."""
    with majlis.platform.uow.begin() as session:
        member = Member(
            category=category,
            name_en=name_en,
            name_ar=name_ar,
            country="MA",
            institutional=institutional or category == "full",
        )
        session.add(member)
        session.flush()
        assert member.id is not None
        for person in representatives:
            session.add(Representation(member_id=member.id, user_id=person.id))
            people.grant_role(session, user_id=person.id, role=Role.REPRESENTATIVE, actor_id=None)
        return member.id


async def menu_labels(user: SandboxUser, title: str) -> list[str]:
    await user.send("/menu")
    return [button["text"] for button in buttons(await user.wait_for(title))]


async def test_a_withdrawal_accepted_ends_the_membership_and_both_sides_are_told(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    general = await majlis.person("Omar", "en", (Role.SECRETARY_GENERAL,))
    mayor = await majlis.person("عبد السلام", "ar")
    deputy = await majlis.person("Karim", "en")
    member_id = admit(majlis, "Fez", "فاس", "full", mayor, deputy)

    assert "طلب الانسحاب" in await menu_labels(mayor, "القائمة الرئيسية")
    await mayor.press_button("طلب الانسحاب")
    await mayor.wait_for("طلب انسحاب")
    await mayor.send("قررت المدينة التركيز على شبكات إقليمية أخرى.")
    await mayor.wait_for("موقَّعًا من أعلى سلطة فيه")
    await mayor.send("هذا هو الطلب")
    await mayor.wait_for("يُرجى إرسال الخطاب الموقَّع مستندًا أو صورة")
    await mayor.send_document("withdrawal.pdf", PDF, "application/pdf")
    review = await mayor.wait_for("يُرجى مراجعة طلب الانسحاب")
    assert "withdrawal.pdf" in review["text"] and "شبكات إقليمية" in review["text"]
    await mayor.press_button("إرسال")
    await mayor.wait_for("تم الإرسال: طلب الانسحاب رقم 1 لدى الأمانة العامة")

    prompt = await clerk.wait_for("please acknowledge it", timeout=20)
    assert "Member: Fez (فاس)" in prompt["text"].replace("\u2068", "").replace("\u2069", "")
    letter = await clerk.wait_for(lambda m: m.get("document") is not None, after=0)
    assert letter["document"]["file_name"] == "withdrawal.pdf"
    await clerk.press_button("Acknowledge receipt")
    await clerk.wait_for(says("Acknowledged by Amina"), timeout=20)
    await mayor.wait_for("أقرّت الأمانة العامة بتسلّم طلب الانسحاب رقم 1", timeout=20)

    decision = await general.wait_for("please accept or refuse it (Art. 21)", timeout=20)
    await general.press_button("Accept the withdrawal")
    edited = await general.wait_for(says("Withdrawal accepted by Omar"), timeout=20)
    assert buttons(edited) == []
    await mayor.wait_for(says("لم يعد فاس (Fez) عضوًا في الجمعية"), timeout=20)
    await deputy.wait_for(says("Fez (فاس) is no longer a member of the Assembly"), timeout=20)
    await clerk.wait_for(says("Fez (فاس) has left the Assembly"), timeout=20)

    data = next(b["callback_data"] for b in buttons(decision) if b["text"].startswith("Accept"))
    again = await general.press(decision["message_id"], data, forged=True)
    told = plain((await general.callback_answer(again["callback_query_id"]))["text"])
    assert told.startswith(ALREADY) and "Withdrawal accepted by" in told

    with majlis.platform.db.session() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.standing == "withdrawn" and member.withdrawn_at
        ends = session.exec(select(Representation.until)).all()
        assert len(ends) == 2 and all(ends)
        for person in (mayor, deputy):
            assert Role.REPRESENTATIVE not in people.roles_of(session, person.id)
    assert "طلب الانسحاب" not in await menu_labels(mayor, "القائمة الرئيسية")
    await mayor.send("/withdraw")
    await mayor.wait_for("وأنت لا تمثّل أي عضو")


async def test_picking_the_member_cancelling_and_a_refusal(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    general = await majlis.person("Omar", "en", (Role.SECRETARY_GENERAL,))
    rania = await majlis.person("Rania", "en")
    admit(majlis, "Amman", "عمّان", "full", rania)
    institute = admit(majlis, "Urban Heritage Circle", "حلقة التراث العمراني", "associate", rania)

    await rania.send("/withdraw")
    await rania.wait_for("You represent several members")
    await rania.press_button("Urban Heritage Circle — حلقة التراث العمراني")
    await rania.wait_for("Please type the reason")
    await rania.send("We are merging into another organisation.")
    review = await rania.wait_for("Please review your withdrawal request")
    assert "Signed request" not in review["text"]
    await rania.press_button("« Back")
    await rania.press_button("Keep: We are merging into another organisatio…")
    await rania.wait_for("Please review your withdrawal request")
    await rania.press_button("Submit")
    await rania.wait_for("Sent: withdrawal request No. 1 is with the Secretariat.")
    first = await clerk.wait_for("please acknowledge it", timeout=20)
    assert "Signed request: not required for this member" in first["text"]

    await rania.send("/withdraw")
    await rania.wait_for("Withdrawal request No. 1 for")
    await rania.press_button("Cancel the withdrawal request")
    await rania.wait_for("Withdrawal request No. 1 is cancelled; the membership continues.")
    await clerk.wait_for(says("Cancelled by the member's representative Rania"), timeout=20)

    await rania.send("/withdraw")
    await rania.press_button("Urban Heritage Circle — حلقة التراث العمراني")
    await rania.send("We are merging into another organisation, after all.")
    await rania.press_button("Submit")
    await rania.wait_for("Sent: withdrawal request No. 2")
    await clerk.wait_for("Withdrawal request No. 2 (Art. 21)", timeout=20)
    await clerk.press_button("Acknowledge receipt")
    await general.wait_for("please accept or refuse it", timeout=20)
    await general.press_button("Refuse the withdrawal")
    await general.wait_for("Type the reason for refusing withdrawal request No. 2")
    await general.send("Dues for the current period must be settled first.")
    await general.wait_for("The withdrawal was refused")
    refusal = await rania.wait_for("did not accept withdrawal request No. 2", timeout=20)
    assert "Dues for the current period" in refusal["text"]
    await clerk.wait_for(says("was refused by the Secretary-General"), timeout=20)

    with majlis.platform.db.session() as session:
        assert session.get(Member, institute).standing == "active"  # type: ignore[union-attr]
        states = session.exec(select(WithdrawalRequest.state).order_by(WithdrawalRequest.id))
        assert list(states) == ["cancelled", "refused"]
        assert Role.REPRESENTATIVE in people.roles_of(session, rania.id)


async def test_only_the_secretariat_acknowledges_and_only_representatives_request(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    guest = await majlis.person("Mallory", "en")
    await guest.send("/withdraw")
    await guest.wait_for("you do not represent any member")
    rep = await majlis.person("Salma", "en")
    admit(majlis, "Observatory of Sale", "مرصد سلا", "observer", rep)
    await rep.send("/withdraw")
    await rep.send("Our work has ended.")
    await rep.press_button("Submit")
    prompt = await clerk.wait_for("please acknowledge it", timeout=20)

    data = next(b["callback_data"] for b in buttons(prompt))
    menu = (await rep.transcript())[-1]
    forged = await rep.press(menu["message_id"], data, forged=True)
    answer = await rep.callback_answer(forged["callback_query_id"])
    assert answer["text"].startswith("You are not allowed to do this")
    with majlis.platform.db.session() as session:
        assert session.exec(select(WithdrawalRequest)).one().state == "requested"
