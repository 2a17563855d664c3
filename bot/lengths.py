"""Telegram's length limits, kept in one place for every text the bot sends.

Telegram refuses a message over 4096 characters of visible text ("message is too
long"), a caption over 1024 and a button's answer over 200, counting UTF-16 code
units and not the HTML markup. Replies in a conversation are cut into pages at line
ends (a single longer line is cut where it must), with the markup closed at the end
of a page and opened again on the next, and the buttons under the last page; a
caption, an answer to a press and a notification the workers send or edit (one
message each, whose id later edits need) are shortened with an ellipsis. Lists that
users page through themselves are paged with buttons beforehand
(``bot.conversations.pages``); this is the net under everything else.
"""

import html
import re
from dataclasses import replace

from bot.chat import Reply

TEXT = 4096
CAPTION = 1024
ALERT = 200
ELLIPSIS = "…"
#: A tag, an entity, or one character: the pieces a text can be cut between.
PIECE = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>|&#?\w+;|.", re.DOTALL)


def units(text: str) -> int:
    """The visible length of an HTML text as Telegram counts it (UTF-16 code units)."""
    return len(_visible(text).encode("utf-16-le")) // 2


def _visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _size(piece: re.Match[str]) -> int:
    if piece.group(2):
        return 0
    return len(html.unescape(piece.group(0)).encode("utf-16-le")) // 2


def pages(text: str, limit: int = TEXT) -> list[str]:
    """``text`` in pages of at most ``limit`` visible units, markup balanced on each."""
    if units(text) <= limit:
        return [text]
    chunks: list[list[re.Match[str]]] = [[]]
    used = 0
    line: list[re.Match[str]] = []
    line_used = 0

    def place_line() -> None:
        nonlocal used
        if chunks[-1] and used + line_used > limit:
            chunks.append([])
            used = 0
            # The line end that separated it from the previous page is not repeated.
            while line and line[0].group(0) == "\n":
                line.pop(0)
        chunks[-1].extend(line)
        used += sum(_size(piece) for piece in line)

    for piece in PIECE.finditer(text):
        size = _size(piece)
        if line_used + size > limit:
            # One line longer than a page: cut it here.
            place_line()
            chunks.append([])
            used = 0
            line, line_used = [], 0
        line.append(piece)
        line_used += size
        if piece.group(0) == "\n":
            place_line()
            line, line_used = [], 0
    place_line()
    # Telegram refuses a message with nothing visible in it.
    return [page for page in _balanced(chunks) if _visible(page).strip()] or [ELLIPSIS]


def _balanced(chunks: list[list[re.Match[str]]]) -> list[str]:
    """Close the tags a page leaves open, and open them again on the next page."""
    out: list[str] = []
    open_tags: list[tuple[str, str]] = []
    for chunk in chunks:
        body = "".join(tag for _, tag in open_tags)
        for piece in chunk:
            body += piece.group(0)
            name = piece.group(2)
            if name and piece.group(1):
                for index in range(len(open_tags) - 1, -1, -1):
                    if open_tags[index][0] == name.lower():
                        del open_tags[index]
                        break
            elif name:
                open_tags.append((name.lower(), piece.group(0)))
        body += "".join(f"</{name}>" for name, _ in reversed(open_tags))
        out.append(body.strip("\n"))
    return out


def shorten(text: str, limit: int) -> str:
    """``text``, or as much of it as fits in ``limit`` with an ellipsis."""
    if units(text) <= limit:
        return text
    return pages(text, limit - 1)[0] + ELLIPSIS


def shorten_plain(text: str, limit: int = ALERT) -> str:
    """A text without markup (an answer to a press) within ``limit`` units."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    kept, used = [], 0
    for char in text:
        size = len(char.encode("utf-16-le")) // 2
        if used + size > limit - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + ELLIPSIS


def fit(reply: Reply) -> list[Reply]:
    """A reply as messages Telegram accepts: pages of text, the buttons under the
    last; a document's caption shortened. An edit becomes the first page, the rest
    follow as new messages."""
    if reply.document is not None:
        return [replace(reply, text=shorten(reply.text, CAPTION))]
    texts = pages(reply.text)
    if len(texts) == 1:
        return [reply]
    last = len(texts) - 1
    return [
        replace(
            reply,
            text=text,
            buttons=reply.buttons if number == last else [],
            edit=reply.edit and number == 0,
        )
        for number, text in enumerate(texts)
    ]
