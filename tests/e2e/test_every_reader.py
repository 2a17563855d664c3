"""What each reader sees, in their language and in the order the words say (issue 11)."""

import pytest
from sqlmodel import select

from bot.sandbox.client import buttons
from models import Application
from tests.e2e.conftest import Majlis, plain, says
from tests.e2e.test_applications import fill_arabic_form, staff

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


async def test_an_unnamed_draft_is_offered_again_without_a_dash(majlis: Majlis) -> None:
    karim = await majlis.person("Karim", "en")
    await karim.send("/apply")
    await karim.wait_for("Which membership do you apply for")
    await karim.send("/apply")
    again = await karim.wait_for("You have started an application")
    assert "(—)" not in plain(again["text"])
    assert labels(again) == ["Resume", "Start over"]
