"""Telegram's HTML and MarkdownV2 rules, offsets in UTF-16 code units."""

from __future__ import annotations

import pytest

from sandbox.formatting import (
    EntityParseError,
    detect_entities,
    parse_html,
    parse_markdown_v2,
    parse_text,
)


def test_all_supported_tags() -> None:
    text, entities = parse_html(
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        "<strike>k</strike><del>d</del><tg-spoiler>p</tg-spoiler>"
        '<span class="tg-spoiler">q</span><code>c</code><pre>p</pre>'
        "<blockquote>q</blockquote><blockquote expandable>x</blockquote>"
        '<a href="https://example.org/?a=1&amp;b=2">l</a><tg-emoji emoji-id="5368324170671202286">e</tg-emoji>'
    )
    assert text == "bsieunskdpqcpqxle"
    assert [e["type"] for e in entities] == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "text_link",
        "custom_emoji",
    ]
    assert entities[15]["url"] == "https://example.org/?a=1&b=2"
    assert entities[16]["custom_emoji_id"] == "5368324170671202286"


def test_entities_and_utf16_offsets() -> None:
    text, entities = parse_html("&lt;😀&gt; &amp; &quot;<b>ب</b>&#65;&#x42;&nbsp;")
    assert text == '<😀> & "بAB&nbsp;'
    # the emoji is two UTF-16 code units
    assert entities == [{"type": "bold", "offset": 8, "length": 1}]


def test_pre_with_language() -> None:
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_nested_and_empty_tags() -> None:
    text, entities = parse_html("<b>bold <i>both</i></b><i></i>")
    assert text == "bold both"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 9},
        {"type": "italic", "offset": 5, "length": 4},
    ]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<b", "Unclosed start tag at byte offset 0"),
        ("é<img src=x>", 'Unsupported start tag "img" at byte offset 2'),
        (
            "<b x>y</b>",
            'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0',
        ),
        ("<a href='x>y</a>", "Unclosed end of attribute value at byte offset 8"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<i><b>x</i></b>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
    ],
)
def test_html_errors(html: str, message: str) -> None:
    with pytest.raises(EntityParseError) as raised:
        parse_html(html)
    assert str(raised.value) == message


def test_parse_text_trims_and_keeps_entities_aligned() -> None:
    text, entities = parse_text("  <b> hi</b>  ", "HTML")
    assert text == "hi"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]
    with pytest.raises(ValueError, match="unsupported parse_mode"):
        parse_text("x", "BBCode")


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        r"*bold* _it_ __under__ ~del~ ||sp|| `c` [l](https://x.org) 1\.5"
    )
    assert text == "bold it under del sp c l 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_markdown_v2("1.5")
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity"):
        parse_markdown_v2("*open")


def test_detected_entities_in_user_text() -> None:
    entities = detect_entities("/vote@majlis_bot now, see https://example.org and @someone")
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bot_command", 0, 16),
        ("url", 26, 19),
        ("mention", 50, 8),
    ]
