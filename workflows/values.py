"""Arguments of stored messages: JSON that keeps dates, times and amounts typed."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any


def encode(args: dict[str, Any]) -> dict[str, Any]:
    return {name: _encode(value) for name, value in args.items()}


def decode(args: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in args.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$datetime":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
        if tag == "$decimal":
            return Decimal(raw)
    return value
