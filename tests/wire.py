"""What crossed the wire to PostgreSQL: libpq's trace of every connection an engine
opens, and the round trips counted in it."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event

from models import db as db_module


class Wire:
    """The trace so far; :meth:`since` reads what was sent after a :meth:`mark`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self) -> int:
        return self.path.stat().st_size

    def since(self, mark: int) -> str:
        with self.path.open("rb") as wire:
            wire.seek(mark)
            return wire.read().decode()

    def between(self, start: int, end: int) -> str:
        with self.path.open("rb") as wire:
            wire.seek(start)
            return wire.read(end - start).decode()


@contextmanager
def traced(engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    """Trace every connection ``engine`` opens from now on (the pool is emptied first,
    so that none escapes); no ping of a connection idle in the pool for a moment, which
    a slow machine would add."""
    from psycopg.pq import Trace

    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 3600.0)
    engine.dispose()
    path = folder / "wire.trace"
    trace = path.open("w")
    connections: list[Any] = []

    def trace_it(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.pgconn.trace(trace.fileno())  # line-buffered by libpq
        dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        connections.append(dbapi_connection.pgconn)

    sa_event.listen(engine, "connect", trace_it)
    try:
        yield Wire(path)
    finally:
        sa_event.remove(engine, "connect", trace_it)
        for pgconn in connections:
            pgconn.untrace()
        trace.close()


def round_trips(trace: str) -> int:
    """What the client sent in libpq's trace: each round trip ends with a Sync (the
    extended protocol) or is one Query (the simple one)."""
    sent = [line.split("\t")[2].strip() for line in trace.splitlines() if line.startswith("F\t")]
    return sent.count("Sync") + sent.count("Query")


def statements(trace: str, width: int | None = 120) -> list[str]:
    """The statements sent, in order, cut to ``width`` characters (for an assertion's
    message) unless it is None."""
    said = []
    for line in trace.splitlines():
        fields = line.split("\t")
        if line.startswith("F\t") and len(fields) > 3 and fields[2].strip() in ("Query", "Parse"):
            said.append(fields[3][:width])
    return said
