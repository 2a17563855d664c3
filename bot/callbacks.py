"""Typed callback data: what a button carries, packed into Telegram's 64 bytes.

Callback data is client input. Unpacking checks its shape and types and nothing
more: whoever presses a button is authorised afterwards, from the database.
"""

import dataclasses
import enum
from typing import Any, ClassVar, Self, get_type_hints

MAX_BYTES = 64
SEPARATOR = ":"


class ForgedCallback(ValueError):
    """Callback data that no button of ours could have carried."""


@dataclasses.dataclass(frozen=True)
class Callback:
    """Base of every button's data: ``prefix:field:field``."""

    prefix: ClassVar[str]
    _registry: ClassVar[dict[str, type["Callback"]]] = {}

    def __init_subclass__(
        cls, *, prefix: str, formerly: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        """``formerly``: prefixes this button carried before, still in people's chats."""
        super().__init_subclass__(**kwargs)
        for each in (prefix, *formerly):
            if SEPARATOR in each or each in Callback._registry:
                raise ValueError(f"bad or duplicate callback prefix {each!r}")
            Callback._registry[each] = cls
        cls.prefix = prefix

    def pack(self) -> str:
        parts = [self.prefix]
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            text = value.value if isinstance(value, enum.Enum) else str(value)
            if SEPARATOR in text:
                raise ValueError(f"{item.name} may not contain {SEPARATOR!r}")
            parts.append(text)
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {packed!r}")
        return packed

    @classmethod
    def unpack(cls, data: str) -> Self:
        parsed = parse(data)
        if not isinstance(parsed, cls):
            raise ForgedCallback(data)
        return parsed


def parse(data: str) -> Callback:
    """The callback a button carried, or :class:`ForgedCallback`."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise ForgedCallback(data)
    prefix, *values = data.split(SEPARATOR)
    cls = Callback._registry.get(prefix)
    if cls is None:
        raise ForgedCallback(data)
    fields = dataclasses.fields(cls)
    if len(values) != len(fields):
        raise ForgedCallback(data)
    hints = get_type_hints(cls)
    converted: dict[str, Any] = {}
    for item, raw in zip(fields, values, strict=True):
        kind = hints[item.name]
        try:
            if kind is int:
                converted[item.name] = int(raw)
            elif isinstance(kind, type) and issubclass(kind, enum.Enum):
                converted[item.name] = kind(raw)
            elif kind is str:
                converted[item.name] = raw
            else:
                raise TypeError(f"unsupported callback field type {kind!r}")
        except ValueError:
            raise ForgedCallback(data) from None
    return cls(**converted)
