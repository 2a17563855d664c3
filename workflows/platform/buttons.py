"""Buttons a notification asks for, as facts: what pressing one does, to which record.

A use case says which buttons go under a notice (``PayButton(due_id=7)``); it writes
no label and no callback data. The bot gives each kind its words and packs it into
its own typed callback (``bot/buttons.py``), when the notification is rendered.

Each kind is a frozen dataclass of ints, strings and string enums, registered under a
stable name that is stored with the notification: ``{"$button": name, field: value}``.
Rows written before buttons were facts hold ``{"key": label, "data": callback}``; the
bot still renders those as they are.
"""

import dataclasses
import enum
from collections.abc import Sequence
from typing import Any, ClassVar, Self, get_type_hints

__all__ = ["TAG", "Button", "Cell", "Stored", "decode", "encode"]

#: The key that marks a stored button fact.
TAG = "$button"

#: A button as one row of the outbox keeps it (JSON).
Stored = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Button:
    """Base of every button kind: subclass with ``kind="stable-name"``."""

    kind: ClassVar[str]
    _kinds: ClassVar[dict[str, type["Button"]]] = {}

    def __init_subclass__(cls, *, kind: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind in Button._kinds:
            raise ValueError(f"duplicate button kind {kind!r}")
        cls.kind = kind
        Button._kinds[kind] = cls

    def stored(self) -> Stored:
        fields = {name: _plain(getattr(self, name)) for name in _names(type(self))}
        return {TAG: self.kind, **fields}

    @classmethod
    def from_stored(cls, cell: Stored) -> Self:
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            kind, raw = hints[item.name], cell[item.name]
            values[item.name] = kind(raw) if isinstance(kind, type) else raw
        return cls(**values)


#: A cell of a keyboard a use case hands to the outbox: a fact, or a stored button
#: copied as it is from another notification (a prompt's copy for a new holder).
Cell = Button | Stored


_NAMES: dict[type[Button], tuple[str, ...]] = {}


def _names(kind: type[Button]) -> tuple[str, ...]:
    """A kind's fields, in order (``dataclasses.fields`` costs more than the rest of
    :meth:`Button.stored`, 6,000 times over for ballots to 2,000 voters)."""
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(item.name for item in dataclasses.fields(kind))
    return names


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def encode(rows: Sequence[Sequence[Cell]] | None) -> list[list[Stored]]:
    return [
        [cell.stored() if isinstance(cell, Button) else cell for cell in row] for row in rows or []
    ]


def decode(cell: Stored) -> Button | None:
    """The fact a stored button holds; None for a row written before (label and data)."""
    name = cell.get(TAG)
    if name is None:
        return None
    return Button._kinds[name].from_stored(cell)
