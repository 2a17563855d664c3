"""The one CSV writer of Majlis: every export (directory, fees, minutes) goes through it.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab
or carriage return before one) as a formula, so a member named
``=HYPERLINK("http://…")`` would become a link in the Secretariat's spreadsheet. Such
a text cell is written with a leading apostrophe, which spreadsheets show as text.
Numbers stay numbers. The file is UTF-8 with a byte-order mark, without which
spreadsheet programs read Arabic as another encoding, and CRLF line ends (RFC 4180).
"""

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """Text a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(value) for value in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
