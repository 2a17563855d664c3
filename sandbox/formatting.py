"""Telegram's text formatting rules: HTML and MarkdownV2 parsing into text and entities.

The HTML parser follows the Bot API server's own parser closely, including its error
messages and byte offsets, so that a bot sending malformed HTML sees the same
``Bad Request: can't parse entities: ...`` answer here as on Telegram.
Entity offsets and lengths are counted in UTF-16 code units, as the Bot API does.
"""

from __future__ import annotations

import re
from typing import Any

_SPACES = " \t\r\n\0\v\f"
_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text could not be parsed; ``str(error)`` is Telegram's explanation."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str | None, int]:
    """Decode an HTML entity starting at ``text[i] == '&'``; (None, i) if there is none."""
    end = text.find(";", i + 1)
    if end == -1 or end - i > 12:
        return None, i
    body = text[i + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    code: int | None = None
    if re.fullmatch(r"#[0-9]{1,7}", body):
        code = int(body[1:])
    elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", body):
        code = int(body[2:], 16)
    if code is None or code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None, i
    return chr(code), end + 1


def _normalize_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    if match:
        scheme = match.group(1).lower()
        if scheme in ("http", "https", "tg", "ton", "mailto"):
            return url
        return None
    if re.match(r"^[\w-]+(\.[\w-]+)+", url):
        return "http://" + url + ("" if "/" in url else "/")
    return None


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into plain text and a list of entities."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def fail(message: str) -> EntityParseError:
        return EntityParseError(message)

    out: list[str] = []
    u16 = 0
    nested: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 start, out index
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded, j = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded)
                u16 += utf16_len(decoded)
                i = j
            else:
                out.append("&")
                u16 += 1
                i += 1
            continue
        if c != "<":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _SUPPORTED_TAGS:
                raise fail(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                )
            argument = ""
            while at(i) != ">":
                while i < n and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attr_name = text[attr_begin:i].lower()
                if not attr_name:
                    raise fail(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{_byte_offset(text, begin)}"
                    )
                while i < n and at(i) in _SPACES:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                        continue
                    raise fail(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {_byte_offset(text, begin)}"
                    )
                i += 1
                while i < n and at(i) in _SPACES:
                    i += 1
                if i >= n:
                    raise fail(
                        f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                    )
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ">":
                        raise fail(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(text, token_begin)}"
                        )
                else:
                    quote = text[i]
                    value_begin = i
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            decoded, j = _decode_entity(text, i)
                            if decoded is not None:
                                chars.append(decoded)
                                i = j
                                continue
                        chars.append(text[i])
                        i += 1
                    if i >= n:
                        raise fail(
                            "Unclosed end of attribute value at byte offset "
                            f"{_byte_offset(text, value_begin)}"
                        )
                    i += 1
                    value = "".join(chars)
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr_name == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise fail(
                    f'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            nested.append((tag, argument, u16, len(out)))
            i += 1
            continue
        # an end tag
        if not nested:
            raise fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        while i < n and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        tag, argument, start, out_index = nested.pop()
        if end_name and end_name != tag:
            raise fail(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{tag}>", found "</{end_name}>"'
            )
        length = u16 - start
        if length <= 0:
            continue
        entity: dict[str, Any] | None = None
        if tag in _SIMPLE_TYPES:
            entity = {"type": _SIMPLE_TYPES[tag]}
        elif tag == "a":
            url = _normalize_url(argument or "".join(out[out_index:]))
            if url is not None:
                entity = {"type": "text_link", "url": url}
        elif tag == "tg-emoji":
            if argument:
                entity = {"type": "custom_emoji", "custom_emoji_id": argument}
        elif tag == "blockquote":
            entity = {"type": "expandable_blockquote" if argument else "blockquote"}
        elif tag == "pre":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == start
                and last["length"] == length
                and last.get("language")
            ):
                last["type"] = "pre"
            else:
                entity = {"type": "pre"}
        elif tag == "code":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "pre"
                and last["offset"] == start
                and last["length"] == length
                and argument
            ):
                last["language"] = argument
            else:
                entity = {"type": "code"}
                if argument:
                    entity["language"] = argument
        if entity is not None:
            entity["offset"] = start
            entity["length"] = length
            entities.append(entity)
    if nested:
        raise fail(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return "".join(out), _sorted(entities)


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 (the common subset: bold, italic, underline, strike, spoiler,
    code, pre, links, quotes) with Telegram's reserved-character errors."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, int, int]] = []  # marker, utf16 start, byte offset
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    markers = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}

    def byte(k: int) -> int:
        return _byte_offset(text, k)

    line_start = True
    quote_start: int | None = None
    while i < n:
        c = text[i]
        if line_start and c == ">":
            if quote_start is None:
                quote_start = u16
            i += 1
            line_start = False
            continue
        if line_start and quote_start is not None and c != ">":
            if u16 > quote_start:
                entities.append(
                    {"type": "blockquote", "offset": quote_start, "length": u16 - quote_start - 1}
                )
            quote_start = None
        line_start = False
        if c == "\\":
            if i + 1 < n and ord(text[i + 1]) in range(1, 127):
                out.append(text[i + 1])
                u16 += 1
                i += 2
                continue
            raise EntityParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if c == "\n":
            out.append(c)
            u16 += 1
            i += 1
            line_start = True
            continue
        if c == "`":
            is_pre = text.startswith("```", i)
            begin = i
            i += 3 if is_pre else 1
            language = ""
            if is_pre:
                eol = text.find("\n", i)
                first = text[i:eol] if eol != -1 else ""
                if eol != -1 and first and not any(ch in first for ch in " `"):
                    language = first
                    i = eol + 1
                elif eol == i:
                    i += 1
            closing = "```" if is_pre else "`"
            chunk: list[str] = []
            while i < n and not text.startswith(closing, i):
                if text[i] == "\\" and i + 1 < n and text[i + 1] in "`\\":
                    chunk.append(text[i + 1])
                    i += 2
                    continue
                chunk.append(text[i])
                i += 1
            if i >= n:
                raise EntityParseError(
                    f"Can't find end of {'Pre' if is_pre else 'Code'} entity at byte offset "
                    f"{byte(begin)}"
                )
            i += len(closing)
            body = "".join(chunk)
            if body:
                entity: dict[str, Any] = {
                    "type": "pre" if is_pre else "code",
                    "offset": u16,
                    "length": utf16_len(body),
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            out.append(body)
            u16 += utf16_len(body)
            continue
        if c == "[":
            stack.append(("[", u16, byte(i)))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, begin_byte = stack.pop()
            i += 1
            if i >= n or text[i] != "(":
                raise EntityParseError(
                    "Character '[' is reserved and must be escaped with the preceding '\\'"
                )
            close = text.find(")", i)
            if close == -1:
                raise EntityParseError(f"Can't find end of a URL at byte offset {byte(i)}")
            url = _normalize_url(text[i + 1 : close].replace("\\)", ")").replace("\\\\", "\\"))
            i = close + 1
            if url is not None and u16 > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": u16 - start, "url": url}
                )
            continue
        marker = None
        if text.startswith("__", i):
            marker = "__"
        elif text.startswith("||", i):
            marker = "||"
        elif c in "*_~":
            marker = c
        if marker is not None:
            open_index = next(
                (k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == marker), None
            )
            if open_index is not None:
                if open_index != len(stack) - 1:
                    raise EntityParseError(
                        f"Can't find end of {markers[stack[-1][0]].capitalize()} entity at byte "
                        f"offset {stack[-1][2]}"
                        if stack[-1][0] in markers
                        else "Can't find end of a link"
                    )
                _, start, _ = stack.pop()
                if u16 > start:
                    entities.append(
                        {"type": markers[marker], "offset": start, "length": u16 - start}
                    )
            else:
                stack.append((marker, u16, byte(i)))
            i += len(marker)
            continue
        if c in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(c)
        u16 += utf16_len(c)
        i += 1
    if quote_start is not None and u16 > quote_start:
        entities.append({"type": "blockquote", "offset": quote_start, "length": u16 - quote_start})
    if stack:
        marker, _, begin_byte = stack[-1]
        name = markers.get(marker, "TextUrl")
        raise EntityParseError(
            f"Can't find end of {name.capitalize()} entity at byte offset {begin_byte}"
        )
    return "".join(out), _sorted(entities)


def _sorted(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_text(
    text: str, parse_mode: str | None, explicit_entities: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Apply a Bot API parse_mode and trim surrounding whitespace as Telegram does."""
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        plain, entities = parse_html(text)
    elif mode == "markdownv2":
        plain, entities = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, entities = parse_markdown_v2(_legacy_markdown_to_v2(text))
    elif mode == "":
        plain, entities = text, [dict(e) for e in (explicit_entities or [])]
    else:
        raise ValueError("unsupported parse_mode")
    return trim(plain, entities)


def _legacy_markdown_to_v2(text: str) -> str:
    # Legacy Markdown has no escaping of most characters; escape them for the V2 parser.
    result: list[str] = []
    for ch in text:
        if ch in _MDV2_RESERVED and ch not in "*_`[]()":
            result.append("\\" + ch)
        else:
            result.append(ch)
    return "".join(result)


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading and trailing whitespace, moving and clipping entities to match."""
    stripped_left = text.lstrip()
    left = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    fixed: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, int(entity["offset"]) - left)
        end = min(total, int(entity["offset"]) + int(entity["length"]) - left)
        if end > start:
            moved = dict(entity)
            moved["offset"] = start
            moved["length"] = end - start
            fixed.append(moved)
    return result, fixed


_COMMAND_RE = re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{5,32}(?!\w)")
_URL_RE = re.compile(r"(?<![\w@])https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram adds to a user's plain text: bot commands, mentions and links."""
    entities: list[dict[str, Any]] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE), ("url", _URL_RE)):
        for match in pattern.finditer(text):
            entities.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    return _sorted(entities)
