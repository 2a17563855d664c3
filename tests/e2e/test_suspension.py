"""Suspension end to end (Art. 22): proposal, decision, keeping and lifting it."""

import pytest
from sqlmodel import select

from models import Member, SuspensionCase
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from tests.e2e.test_withdrawal import admit
from workflows.charter.roles import Role
from workflows.platform import people

pytestmark = pytest.mark.e2e

ALREADY_AR = "سبق البتّ في هذا؛ ولم يتغيّر شيء."


async def propose(clerk: SandboxUser, command: str, pick: str, reason: str) -> None:
    await clerk.send(command)
    await clerk.wait_for("Which member? Type part of its name")
    await clerk.send(pick)
    await clerk.wait_for("Type it;")
    await clerk.send(reason)
    await clerk.wait_for("Please review the proposal")
    await clerk.press_button("Send to the Secretary-General")
    await clerk.wait_for("Sent: the proposal to")


def standing(majlis: Majlis, member_id: int) -> str:
    with majlis.platform.db.session() as session:
        member = session.get(Member, member_id)
        assert member is not None
        return member.standing


async def test_a_suspension_kept_then_lifted(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    general = await majlis.person("الأمين العام", "ar", (Role.SECRETARY_GENERAL,))
    mayor = await majlis.person("Youssef", "en")
    tangier = admit(majlis, "Tangier", "طنجة", "full", mayor)
    admit(majlis, "Rabat", "الرباط", "full")

    await clerk.send("/suspend")
    picker = await clerk.wait_for("Which member?")
    assert [b["text"] for b in buttons(picker)][:2] == ["Rabat — الرباط", "Tangier — طنجة"]
    await clerk.send("zzz")
    await clerk.wait_for("No member matches that")
    await clerk.send("طنج")
    await clerk.wait_for(says("Which obligation or principle of the charter has Tangier breached?"))
    await clerk.send("Public statements contrary to the interests of the Assembly (Art. 16).")
    review = await clerk.wait_for("Please review the proposal")
    assert "Suspend: Tangier (طنجة)" in review["text"].replace("\u2068", "").replace("\u2069", "")
    await clerk.press_button("Send to the Secretary-General")
    await clerk.wait_for(says("Sent: the proposal to suspend Tangier (case No. 1)"))

    prompt = await general.wait_for("اقتراح تعليق عضوية، الملف رقم 1", timeout=20)
    assert "Art. 16" in prompt["text"]
    await general.press_button("تعليق عضوية العضو")
    await general.wait_for(says("علّق الأمين العام العضوية"), timeout=20)
    told = await mayor.wait_for("has suspended the membership of", timeout=20)
    assert "you keep access to the Assembly's information" in told["text"]
    await clerk.wait_for(says("Case No. 1: Tangier (طنجة) is suspended"), timeout=20)
    assert standing(majlis, tangier) == "suspended"
    with majlis.platform.db.session() as session:
        assert Role.REPRESENTATIVE in people.roles_of(session, mayor.id)

    data = next(b["callback_data"] for b in buttons(prompt) if b["text"] == "تعليق عضوية العضو")
    again = await general.press(prompt["message_id"], data, forged=True)
    told = plain((await general.callback_answer(again["callback_query_id"]))["text"])
    assert told.startswith(ALREADY_AR) and "⛔ علّق الأمين العام العضوية" in told

    await clerk.send("/suspend")
    again_picker = await clerk.wait_for("Which member?")
    labels = [b["text"] for b in buttons(again_picker)]
    assert "Rabat — الرباط" in labels and "Tangier — طنجة" not in labels
    await clerk.press_button("Cancel")
    await clerk.wait_for("The proposal was not sent; nothing was changed.")

    await propose(clerk, "/lift", "Tangier", "A public apology was made.")
    await general.wait_for("اقتراح رفع تعليق، الملف رقم 1", timeout=20)
    await general.press_button("إبقاء التعليق")
    await clerk.wait_for(says("the Secretary-General keeps Tangier (طنجة) suspended"), timeout=20)
    assert standing(majlis, tangier) == "suspended"

    await propose(clerk, "/lift", "Tang", "The apology was published by the city council.")
    lift = await general.wait_for(says("The apology was published"), timeout=20)
    assert "سبب رفع التعليق" in lift["text"] and buttons(lift)
    await general.press_button("رفع التعليق")
    await general.wait_for(says("رفع الأمين العام التعليق"), timeout=20, after=0)
    await mayor.wait_for(says("The suspension of Tangier (طنجة) has been lifted"), timeout=20)
    await clerk.wait_for(says("the suspension of Tangier (طنجة) is lifted"), timeout=20)
    assert standing(majlis, tangier) == "active"
    with majlis.platform.db.session() as session:
        assert session.exec(select(SuspensionCase)).one().state == "lifted"


async def test_only_the_secretary_general_decides_and_a_rejection(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    general = await majlis.person("Omar", "en", (Role.SECRETARY_GENERAL,))
    mayor = await majlis.person("Hind", "en")
    meknes = admit(majlis, "Meknes", "مكناس", "full", mayor)
    await mayor.send("/suspend")
    await mayor.wait_for("Suspensions are proposed by the Secretariat.")

    await propose(clerk, "/suspend", "Meknes", "Failure to honour its obligations.")
    await general.wait_for("Suspension proposed, case No. 1", timeout=20)
    for person in (mayor, clerk):
        last = (await person.transcript())[-1]
        forged = await person.press(last["message_id"], "sus:1:suspend", forged=True)
        answer = await person.callback_answer(forged["callback_query_id"])
        assert answer["text"].startswith("You are not allowed to do this")
    assert standing(majlis, meknes) == "active"

    await general.press_button("Reject the proposal")
    await general.wait_for(says("Proposal rejected by Omar"), timeout=20)
    await clerk.wait_for(says("rejected the proposal to suspend Meknes"), timeout=20)
    assert standing(majlis, meknes) == "active"
    await clerk.send("/lift")
    await clerk.wait_for("No member is suspended at the moment.")
