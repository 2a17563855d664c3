"""Every text the bot sends fits Telegram's limits: paged at line ends, cut where a
line is longer than a page, markup balanced on every page, buttons under the last."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import lengths
from bot.chat import Button, Reply


def balanced(text: str) -> bool:
    stack = []
    for closing, name in re.findall(r"<(/?)(\w+)[^>]*>", text):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_a_short_text_is_left_alone() -> None:
    assert lengths.pages("<b>Fez</b> &amp; Rabat") == ["<b>Fez</b> &amp; Rabat"]
    assert lengths.units("<b>Fez</b> &amp; 🕌") == len("Fez & ") + 2


def test_a_long_list_is_paged_at_line_ends_with_whole_lines() -> None:
    lines = [f"{n}. <b>{'م' * 380}</b> owes $500.00" for n in range(20)]
    pages = lengths.pages("\n".join(lines))
    assert len(pages) > 1
    assert all(lengths.units(page) <= lengths.TEXT and balanced(page) for page in pages)
    assert "\n".join(pages).split("\n") == lines


def test_one_line_longer_than_a_page_is_cut_with_its_markup_closed_and_reopened() -> None:
    text = "Not an amount: <b>" + "7" * 5000 + "&amp;</b> end"
    pages = lengths.pages(text)
    assert len(pages) == 2
    assert all(lengths.units(page) <= lengths.TEXT and balanced(page) for page in pages)
    assert pages[1].startswith("<b>") and pages[1].endswith("</b> end")
    assert "".join(re.sub(r"<[^>]+>", "", page) for page in pages) == re.sub(r"<[^>]+>", "", text)


def test_shortened_texts_keep_within_their_limits() -> None:
    caption = lengths.shorten("<i>" + "x" * 2000 + "</i>", lengths.CAPTION)
    assert lengths.units(caption) == lengths.CAPTION and balanced(caption)
    alert = lengths.shorten_plain("🕌" * 150)
    assert len(alert.encode("utf-16-le")) // 2 <= lengths.ALERT and alert.endswith("…")


def test_a_long_reply_becomes_pages_with_its_buttons_under_the_last() -> None:
    buttons = [[Button("Back", "back")]]
    fitted = lengths.fit(Reply(text="\n".join(["y" * 1000] * 9), buttons=buttons, edit=True))
    assert len(fitted) == 3
    assert [r.edit for r in fitted] == [True, False, False]
    assert [r.buttons for r in fitted] == [[], [], buttons]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["\n", "&amp;", "🕌", "<b>", "</b>", "<i>", "</i>", " "]),
            st.text(alphabet="abcمدينة", min_size=1, max_size=30),
        ),
        max_size=400,
    ),
    st.integers(min_value=20, max_value=200),
)
def test_any_text_is_paged_within_the_limit_with_balanced_markup(
    parts: list[str], limit: int
) -> None:
    text = "".join(parts)
    # Tags as the bot writes them: each opened one closed, in order.
    text = re.sub(r"<(/?)([bi])>", "", text) if not balanced(text) else text
    pages = lengths.pages(text, limit)
    assert all(lengths.units(page) <= limit and balanced(page) for page in pages)
    visible = [re.sub(r"<[^>]+>", "", page) for page in pages]
    # Nothing visible is lost; line ends (and blank pages) at page edges may be.
    assert "".join("".join(visible).split()) == "".join(re.sub(r"<[^>]+>", "", text).split())
