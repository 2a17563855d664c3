"""Updates taken in and not yet handled: written durably, handled by any process.

The intake (the bot process) writes each batch it fetched with one multi-row
INSERT, and confirms it to Telegram only after that commit: a crash anywhere
later loses nothing. It then hands each chat to the queue; a handler job in any
worker, on any machine, takes that chat's rows in ``update_id`` order under a
per-chat lock, so one chat's updates are handled one after the other while
different chats run in parallel. A row is deleted once its update is answered;
the engine's record of handled updates makes a second handling change nothing.
The scheduler's sweep hands over again chats whose rows wait too long (the
intake died before enqueueing, or Redis lost its queues).

The inbox knows nothing of Telegram: an event is an opaque JSON object.
"""

import base64
import hmac
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dramatiq
from sqlalchemy import delete, func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from models import InboxUpdate
from models.db import Database
from workflows.queue import UPDATES_QUEUE, enqueue

log = logging.getLogger(__name__)

#: The job that handles one chat's waiting updates (registered in ``bot.intake``).
HANDLE_JOB = "handle_chat"
#: A chat whose rows have waited this long since their hand-over is handed over
#: again. A second job for a chat is harmless: it finds the chat taken, or nothing.
RESEND_AFTER = timedelta(seconds=10)
#: The first of PostgreSQL's two advisory-lock keys for chats: the two-key form has
#: a space of its own, apart from the one-key locks of ``workflows.locks``.
_LOCK_SPACE = 0x4D4A


#: Sealed events are padded to a multiple of this many bytes.
_PAD = 512


def seal(key: bytes, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` as the database keeps it: unreadable without the ballot key, since a
    press on a secret ballot carries the choice (the README's threat model), and of a
    length that does not depend on the button pressed (its data is padded to 64 bytes).

    A stream cipher from HMAC-SHA256 as a pseudo-random function, in counter mode under
    a random nonce, and a tag over the whole."""
    data = str(event.get("callback_data") or "")
    plain = json.dumps({**event, "pad": " " * (64 - len(data.encode()))}).encode()
    plain += b" " * (-len(plain) % _PAD)
    nonce = secrets.token_bytes(16)
    sealed = nonce + bytes(
        a ^ b for a, b in zip(plain, _stream(key, nonce, len(plain)), strict=True)
    )
    tag = hmac.digest(key, sealed, "sha256")[:16]
    return {"sealed": base64.b64encode(sealed + tag).decode("ascii")}


def unseal(key: bytes, stored: dict[str, Any]) -> dict[str, Any]:
    raw = base64.b64decode(stored["sealed"])
    sealed, tag = raw[:-16], raw[-16:]
    if not hmac.compare_digest(tag, hmac.digest(key, sealed, "sha256")[:16]):
        raise ValueError("an inbox row sealed under another ballot key")
    nonce, body = sealed[:16], sealed[16:]
    plain = bytes(a ^ b for a, b in zip(body, _stream(key, nonce, len(body)), strict=True))
    event = dict(json.loads(plain))
    event.pop("pad", None)
    return event


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(
        hmac.digest(key, nonce + counter.to_bytes(8, "big"), "sha256") for counter in range(blocks)
    )[:length]


def store(db: Database, rows: list[tuple[int, int, dict[str, Any]]], *, now: datetime) -> None:
    """Write ``(update_id, chat_id, sealed event)`` rows in one statement; an update
    already there (Telegram handing a batch over again) is left as it is."""
    if not rows:
        return
    values = [
        {"update_id": u, "chat_id": c, "event": e, "received_at": now, "enqueued_at": now}
        for u, c, e in rows
    ]
    with db.session() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(InboxUpdate).values(values).on_conflict_do_nothing())


def hand_over(broker: dramatiq.Broker, chat_ids: list[int]) -> None:
    """One handler job per chat; a failure is left to the sweep."""
    for chat_id in dict.fromkeys(chat_ids):
        enqueue(broker, HANDLE_JOB, chat_id, queue_name=UPDATES_QUEUE)


def waiting(db: Database, chat_id: int, *, limit: int = 50) -> list[InboxUpdate]:
    """The chat's waiting updates, oldest first."""
    with db.reading() as session:
        return list(
            session.exec(
                select(InboxUpdate)
                .where(col(InboxUpdate.chat_id) == chat_id)
                .order_by(col(InboxUpdate.update_id))
                .limit(limit)
            )
        )


def done(db: Database, update_id: int) -> None:
    with db.session() as session:
        session.execute(delete(InboxUpdate).where(col(InboxUpdate.update_id) == update_id))


def stale_chats(
    db: Database, *, now: datetime, resend_after: timedelta = RESEND_AFTER
) -> list[int]:
    """Chats with a row handed over longer than ``resend_after`` ago, stamped as handed
    over now (the caller enqueues them)."""
    cutoff = now - resend_after
    with db.session() as session:
        chats = list(
            session.exec(
                select(InboxUpdate.chat_id)
                .where(col(InboxUpdate.enqueued_at) < cutoff)
                .group_by(col(InboxUpdate.chat_id))
                .order_by(func.min(InboxUpdate.update_id))
            )
        )
        if chats:
            session.execute(
                update(InboxUpdate)
                .where(col(InboxUpdate.chat_id).in_(chats))
                .values(enqueued_at=now)
            )
    return chats


#: SQLite: chats are taken by locking one of this many files beside the database.
_STRIPES = 256


@contextmanager
def chat_taken(db: Database, chat_id: int) -> Iterator[bool]:
    """Take ``chat_id`` for handling; yields False when someone else has it.

    On PostgreSQL a session-level advisory lock, held on a connection of its own
    for as long as the chat's rows are being handled (each in transactions of its
    own): the server releases it the moment a killed process's connection drops.
    SQLite serves one machine: there a lock on a file beside the database, which
    the system releases the moment its process dies (two chats sharing a file only
    wait for each other).
    """
    if db.is_sqlite:
        with _file_lock(db, chat_id) as taken:
            yield taken
        return
    key = {"space": _LOCK_SPACE, "chat": _lock_key(chat_id)}
    with db.engine.connect() as connection:
        taken = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:space, :chat)"), key).scalar_one()
        )
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:space, :chat)"), key)
                connection.commit()


@contextmanager
def _file_lock(db: Database, chat_id: int) -> Iterator[bool]:
    import fcntl

    database = db.engine.url.database
    folder = Path(f"{database}.chats") if database and database != ":memory:" else None
    if folder is None:
        folder = Path(tempfile.gettempdir()) / f"majlis-chats-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    # A descriptor of its own per take: flock then excludes other threads too.
    with open(folder / f"{chat_id % _STRIPES:03d}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_key(chat_id: int) -> int:
    """The chat folded into PostgreSQL's 32-bit key; two chats sharing one only wait
    for each other."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded
