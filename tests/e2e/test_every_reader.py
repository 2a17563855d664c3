"""What each reader sees, in their language and in the order the words say (issue 11)."""

import pytest

from bot.sandbox.client import buttons
from tests.e2e.conftest import Majlis, plain

pytestmark = pytest.mark.e2e


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
    last = (await mayor_ar.transcript())[-1]
    assert "ما العضوية التي تتقدّم لها" in plain(last["text"])
    assert "عضو كامل (مدينة)" in labels(last)
