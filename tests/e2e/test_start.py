"""/start, language and menu through the real aiogram library and the sandbox."""

import pytest

from sandbox.client import buttons
from tests.e2e.conftest import Majlis

pytestmark = pytest.mark.e2e


def labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [button["text"] for button in buttons(message)]


async def test_start_in_arabic(majlis: Majlis) -> None:
    mayor = await majlis.client.create_user("عبد الله", language_code="ar")
    await mayor.send("/start")
    greeting = await mayor.wait_for("أهلًا بك في مجلس")
    assert labels(greeting) == ["English", "العربية"]
    assert "عبد الله" in greeting["text"]

    await mayor.press_button("العربية")
    menu = await mayor.wait_for("القائمة الرئيسية")
    assert "عن الجمعية" in labels(menu)
    assert "طلب العضوية" in labels(menu)
    transcript = await mayor.transcript()
    assert any("تم ضبط اللغة" in (m.get("text") or "") for m in transcript)


async def test_start_in_english_then_change_to_arabic(majlis: Majlis) -> None:
    mayor = await majlis.client.create_user("Fatima", language_code="en-GB")
    await mayor.send("/start")
    greeting = await mayor.wait_for("Welcome to Majlis, ")
    assert "Please choose your language" in greeting["text"]
    await mayor.press_button("English")
    menu = await mayor.wait_for("Main menu")
    assert "About the Assembly" in labels(menu)

    await mayor.send("/language")
    await mayor.wait_for("Please choose your language.")
    await mayor.press_button("العربية")
    await mayor.wait_for("القائمة الرئيسية")
    await mayor.send("/help")
    help_text = await mayor.wait_for("يساعد")
    assert "<b>" not in help_text["text"]  # rendered as formatting, not shown as tags

    await mayor.send("/start")
    await mayor.wait_for("أهلًا بعودتك")


async def test_menu_item_answers_the_press(majlis: Majlis) -> None:
    mayor = await majlis.client.create_user("Omar", language_code="en")
    await mayor.send("/start")
    await mayor.press_button("English")
    await mayor.wait_for("Main menu")
    await mayor.press_button("About the Assembly")
    about = await mayor.wait_for("World Assembly of Islamic Cities")
    assert "Art. 3" in about["text"]
    await mayor.press_button("Apply for membership")
    await mayor.wait_for("Which membership do you apply for?")


async def test_restart_in_the_middle_of_a_conversation(majlis: Majlis) -> None:
    mayor = await majlis.client.create_user("Yusuf", language_code="ar")
    await mayor.send("/start")
    await mayor.wait_for("أهلًا بك في مجلس")

    await majlis.stop_bot()
    # Pressed while the bot is down: Telegram keeps the update until it is back.
    await mayor.press_button("English")
    majlis.start_bot()

    await mayor.wait_for("Main menu", timeout=20)
    await mayor.send("/start")
    await mayor.wait_for("Welcome back, ")
