"""Long lists in a message: whole entries per page, within Telegram's 4096 characters."""

from collections.abc import Callable

from bot.callbacks import Callback
from bot.chat import Button

#: Telegram's limit is 4096 UTF-16 code units of text; the rest is room for markup
#: that is not counted and for the page line added afterwards.
LIMIT = 3900


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def paginate(header: str, blocks: list[str], *, limit: int = LIMIT) -> list[str]:
    """``header`` and as many whole ``blocks`` as fit, page after page (at least one).

    Blocks are never cut (that could split an HTML tag); each must fit a page with
    the header, which the callers' bounded fields (names of at most 200
    characters) guarantee.
    """
    pages: list[str] = []
    current = header
    for block in blocks:
        candidate = f"{current}\n\n{block}"
        if units(candidate) > limit and current != header:
            pages.append(current)
            candidate = f"{header}\n\n{block}"
        current = candidate
    pages.append(current)
    return pages


def arrows(number: int, count: int, to: Callable[[int], Callback]) -> list[Button]:
    """‹ n/m › under a page; no row at all when there is one page."""
    if count <= 1:
        return []
    row = []
    if number > 0:
        row.append(Button("‹", to(number - 1).pack()))
    row.append(Button(f"{number + 1}/{count}", to(number).pack()))
    if number < count - 1:
        row.append(Button("›", to(number + 1).pack()))
    return row


def clamp(number: int, count: int) -> int:
    return max(0, min(number, count - 1))
