"""Roles in chat end to end: the Secretariat grants and revokes, the person is told."""

import pytest
from sqlmodel import select

from bot.i18n import language_name
from models import RoleGrant
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import MENU, Majlis, plain, says
from workflows.charter.roles import Role
from workflows.platform import people

pytestmark = pytest.mark.e2e

DIRECTORY_AR = "دليل الأعضاء"


async def someone(majlis: Majlis, name: str, username: str, language: str) -> SandboxUser:
    """A person with a @username who has started the bot and picked a language."""
    user = await majlis.client.create_user(name, language_code=language, username=username)
    await user.send("/start")
    await user.press_button(language_name(language), timeout=15)
    await user.wait_for(MENU[language], timeout=15)
    return user


async def menu_labels(user: SandboxUser, language: str) -> list[str]:
    await user.send("/menu")
    menu = await user.wait_for(MENU[language])
    return [button["text"] for button in buttons(menu)]


async def test_the_secretariat_grants_and_revokes_a_role_in_chat(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    layla = await someone(majlis, "ليلى", "layla_k", "ar")
    assert DIRECTORY_AR not in await menu_labels(layla, "ar")

    assert "Roles" in await menu_labels(clerk, "en")
    await clerk.press_button("Roles")
    listing = await clerk.wait_for("Roles")
    assert f"Amina (id {clerk.id})" in plain(listing["text"])
    await clerk.press_button("Grant a role")
    await clerk.press_button("Member of the Steering Committee")
    await clerk.wait_for("to whom?")
    await clerk.send("@nobody_at_all")
    unknown = await clerk.wait_for("I know no one")
    assert "must first open this bot and send /start" in unknown["text"]
    await clerk.send("@Layla_K")
    question = await clerk.wait_for(says(f"to ليلى (@layla_k, id {layla.id})?"))
    assert [b["text"] for b in buttons(question)] == ["Confirm", "« Back", "Cancel"]
    await clerk.press_button("Confirm")
    await clerk.wait_for(says("now holds the role Member of the Steering Committee"))
    updated = await clerk.wait_for(says("• ليلى (@layla_k"))
    assert "<b>Member of the Steering Committee</b>" not in updated["text"]  # formatted

    told = await layla.wait_for("منحتك الأمانة العامة دور: عضو اللجنة التوجيهية", timeout=20)
    assert "/menu" in told["text"]
    assert DIRECTORY_AR in await menu_labels(layla, "ar")

    await clerk.send("/roles")
    await clerk.wait_for("Roles")
    await clerk.press_button("Revoke a role")
    offer = await clerk.wait_for("Which role do you want to revoke?")
    label = next(b["text"] for b in buttons(offer) if "ليلى" in b["text"])
    assert plain(label) == "Member of the Steering Committee: ليلى"
    await clerk.press_button(label)
    await clerk.wait_for(says("Revoke the role Member of the Steering Committee from ليلى"))
    await clerk.press_button("Confirm")
    await clerk.wait_for(says("no longer holds the role Member of the Steering Committee"))

    await layla.wait_for("سحبت الأمانة العامة منك دور: عضو اللجنة التوجيهية", timeout=20)
    assert DIRECTORY_AR not in await menu_labels(layla, "ar")
    with majlis.platform.db.session() as session:
        assert people.roles_of(session, layla.id) == set()


async def test_a_role_is_granted_by_telegram_id_and_cancel_changes_nothing(
    majlis: Majlis,
) -> None:
    general = await majlis.person("الأمين العام", "ar", (Role.SECRETARY_GENERAL,))
    yusuf = await majlis.person("Yusuf", "en")
    await general.send("/roles")
    await general.press_button("منح دور")
    await general.press_button("رئيس الجمعية")
    await general.wait_for("لمن تريد منح دور")
    await general.send(str(yusuf.id))
    await general.wait_for("سيُبلَّغ بذلك")
    await general.press_button("إلغاء")
    await general.wait_for("أُلغي الأمر؛ لم يتغيّر شيء.")
    with majlis.platform.db.session() as session:
        assert people.roles_of(session, yusuf.id) == set()

    await general.send("/roles")
    await general.press_button("منح دور")
    await general.press_button("رئيس الجمعية")
    await general.wait_for("لمن تريد منح دور")
    await general.send(str(yusuf.id))
    await general.press_button("تأكيد")
    await general.wait_for("أصبح")
    await yusuf.wait_for(
        "The Secretariat has given you the role: Chair of the Assembly", timeout=20
    )
    assert "Member directory" in await menu_labels(yusuf, "en")


async def test_roles_are_refused_to_someone_outside_the_secretariat(majlis: Majlis) -> None:
    mayor = await majlis.person("Idris", "en", (Role.REPRESENTATIVE,))
    assert "Roles" not in await menu_labels(mayor, "en")
    await mayor.send("/roles")
    await mayor.wait_for(
        "Only the Secretariat manages roles. If you need a role, ask the Secretariat."
    )
    menu = (await mayor.transcript())[-1]
    pressed = await mayor.press(
        menu["message_id"], f"roly:grant:{mayor.id}:secretariat", forged=True
    )
    answer = await mayor.callback_answer(pressed["callback_query_id"])
    assert (
        answer["text"]
        == "Only the Secretariat manages roles. If you need a role, ask the Secretariat."
    )
    assert answer["show_alert"] is True
    with majlis.platform.db.session() as session:
        assert people.roles_of(session, mayor.id) == {Role.REPRESENTATIVE}


async def test_a_secretariat_member_cannot_grant_secretary_general(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    await majlis.person("Omar", "en", (Role.SECRETARY_GENERAL,))
    await clerk.send("/roles")
    await clerk.press_button("Grant a role")
    pressed = await clerk.press_button("Secretary-General")
    answer = await clerk.callback_answer(pressed["callback_query_id"])
    refusal = "Only the Secretary-General may grant or revoke the role of Secretary-General."
    assert (answer["text"], answer["show_alert"]) == (refusal, True)

    # A modified client skipping the picker is refused by the workflow as well.
    forged = await clerk.press(
        pressed["message_id"], f"roly:grant:{clerk.id}:secretary_general", forged=True
    )
    answer = await clerk.callback_answer(forged["callback_query_id"])
    assert answer["text"] == refusal
    with majlis.platform.db.session() as session:
        holders = session.exec(
            select(RoleGrant.user_id).where(RoleGrant.role == Role.SECRETARY_GENERAL.value)
        ).all()
        assert clerk.id not in holders


async def test_staff_granted_before_their_first_message_read_their_telegram_language(
    majlis: Majlis,
) -> None:
    """The operator grants by id before the person ever wrote: until they pick a language,
    Majlis follows their Telegram's, Arabic here, and English for an English Telegram."""
    hala = await majlis.client.create_user("هالة", language_code="ar")
    tom = await majlis.client.create_user("Tom", language_code="en-GB")
    with majlis.platform.uow.begin() as session:
        for person in (hala, tom):
            people.grant_role(session, user_id=person.id, role=Role.SECRETARIAT, actor_id=None)

    await hala.send("/menu")
    menu = await hala.wait_for(MENU["ar"])
    assert "الموافقات المعلّقة" in [b["text"] for b in buttons(menu)]
    await tom.send("/menu")
    await tom.wait_for(MENU["en"])

    # Once chosen, the choice stands whatever the Telegram client says.
    await hala.send("/language")
    await hala.press_button(language_name("en"))
    await hala.send("/menu")
    await hala.wait_for(MENU["en"])
