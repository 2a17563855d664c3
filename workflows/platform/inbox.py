"""Updates taken in and not yet answered: written durably, handled in any process.

The bot process writes each batch it fetched in one statement and confirms it to
Telegram only after that commit, so a crash anywhere later loses nothing. It then
hands each chat to the queue (:data:`UPDATES_QUEUE`; ahead of it :data:`FOLLOW_UP_QUEUE`
for a press following an answer just sent, and :data:`TYPED_QUEUE` ahead of both when a
message was typed: :class:`Lane`); a handler job in any worker,
on any machine, takes the chat (:class:`ChatLocks`: one handler per chat at a
time), answers its rows in ``update_id`` order and deletes them once their replies
are out. Different
chats run in parallel; one chat's updates one after the other. The engine's record
of handled updates makes a row answered twice (a handler killed before deleting
it) change nothing and send only what is still owed. The scheduler's sweep
(:func:`stale_chats`) hands over again chats whose rows wait too long: the bot
died between writing and enqueueing, or Redis lost its queues.

A press on a secret ballot carries the choice, so a waiting event is sealed
(:func:`seal`): AES-GCM under a key derived from the ballot key with HKDF, the
button data padded so that every press seals to the same length. The inbox knows
nothing of Telegram: an event is an opaque JSON object.
"""

import fcntl
import json
import os
import secrets
import tempfile
import threading
import weakref
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast

import dramatiq
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    LargeBinary,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql

from models import InboxUpdate, ProcessedUpdate
from models.bulk import insert_many, table_of
from models.db import Database
from workflows.platform.queue import FOLLOW_UP_QUEUE, TYPED_QUEUE, UPDATES_QUEUE, enqueue_many

#: The job that answers one chat's waiting updates (registered in ``bot.intake``).
HANDLE_JOB = "handle_chat"
#: The same for a chat with a message typed, on :data:`TYPED_QUEUE`, taken first.
HANDLE_TYPED_JOB = "handle_typed_chat"
#: The same for a press following an answer just sent, on :data:`FOLLOW_UP_QUEUE`.
HANDLE_FOLLOW_UP_JOB = "handle_follow_up"
#: How long after a chat's answers went out a press in it counts as following them.
FOLLOW_UP_WITHIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Lane:
    """A queue of handler jobs; workers take :data:`TYPED`, then :data:`FOLLOW_UP`, then
    :data:`PRESSES`."""

    name: str
    queue_name: str
    job: str


TYPED = Lane("typed", TYPED_QUEUE, HANDLE_TYPED_JOB)
FOLLOW_UP = Lane("follow-up", FOLLOW_UP_QUEUE, HANDLE_FOLLOW_UP_JOB)
PRESSES = Lane("presses", UPDATES_QUEUE, HANDLE_JOB)
LANES = {lane.name: lane for lane in (TYPED, FOLLOW_UP, PRESSES)}

#: A chat whose rows have waited this long since their hand-over is handed over
#: again. A second job for a chat is harmless: it finds the chat taken, or nothing.
RESEND_AFTER = timedelta(seconds=10)
#: Rows of a chat read at once by its handler.
BATCH = 50

INBOX = table_of(InboxUpdate)
WAITING = (
    select(INBOX.c.update_id, INBOX.c.sealed)
    .where(INBOX.c.chat_id == bindparam("chat_id"), INBOX.c.update_id > bindparam("after"))
    .order_by(INBOX.c.update_id)
    .limit(bindparam("limit"))
)
#: Before every update id Telegram hands out.
_BEFORE_ALL = -(1 << 62)
DONE = delete(INBOX).where(INBOX.c.update_id.in_(bindparam("update_ids", expanding=True)))
#: On PostgreSQL :data:`DONE` and then :data:`WAITING` in one statement (one round trip):
#: the rows read come after those deleted, so that the read, which does not see the
#: deletion, finds the same rows as a read after it.
DONE_THEN_WAITING = WAITING.add_cte(DONE.cte("done"))
PROCESSED = table_of(ProcessedUpdate)
#: An update whose replies are all out: its record forgets them, as the engine's stamp
#: of its last reply does (``bot.engine``). Written with its row's deletion, the stamp
#: costs no round trip of its own, and comes at the same moment: once the reply is out.
ANSWERED = (
    update(PROCESSED)
    .where(PROCESSED.c.update_id == bindparam("answered_id"))
    .values(replies=None, replies_sent=bindparam("answered_count"))
)
#: :data:`ANSWERED` with :data:`DONE_THEN_WAITING`, on PostgreSQL in one statement.
ANSWERED_DONE_THEN_WAITING = DONE_THEN_WAITING.add_cte(ANSWERED.cte("answered"))
_NOW = bindparam("now", type_=INBOX.c.received_at.type)
#: A batch written by the bot on PostgreSQL: one array per column, one statement
#: whatever the batch, compiled once (:func:`store`).
STORE = (
    postgresql.insert(INBOX)
    .from_select(
        ["update_id", "chat_id", "sealed", "received_at", "enqueued_at"],
        select(
            func.unnest(bindparam("update_ids", type_=postgresql.ARRAY(BigInteger))),
            func.unnest(bindparam("chat_ids", type_=postgresql.ARRAY(BigInteger))),
            func.unnest(bindparam("sealed", type_=postgresql.ARRAY(LargeBinary))),
            _NOW,
            _NOW,
        ),
    )
    .on_conflict_do_nothing()
)


# ---- sealing ------------------------------------------------------------------------------

#: Button data is padded to Telegram's limit on it, 64 bytes: a Yes, a No and an
#: Abstain seal to the same length.
_CALLBACK_BYTES = 64
#: The sealed text is padded to a multiple of this many bytes, so that what else
#: varies (a name, a typed message) shows its length only roughly.
_PAD = 256
_NONCE_BYTES = 12


def derive_key(secret: bytes) -> bytes:
    """The inbox's key, from the ballot key's secret: a key of its own (HKDF with a
    label), so that nothing sealed here helps to open a ballot, nor the reverse."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"majlis update inbox"
    ).derive(secret)


def _associated(update_id: int, chat_id: int) -> bytes:
    # The row's own keys are authenticated with it: a sealed event copied to another
    # row does not open.
    return update_id.to_bytes(8, "big", signed=True) + chat_id.to_bytes(8, "big", signed=True)


@lru_cache(maxsize=8)
def _cipher(key: bytes) -> AESGCM:
    # Made once per key: making it costs more than sealing a small event.
    return AESGCM(key)


def seal(key: bytes, update_id: int, chat_id: int, event: dict[str, Any]) -> bytes:
    """``event`` as the database keeps it: unreadable and unalterable without the key,
    and of a length that does not depend on the button pressed."""
    data = str(event.get("callback_data") or "")
    padded = {**event, "pad": " " * max(0, _CALLBACK_BYTES - len(data.encode()))}
    plain = json.dumps(padded, separators=(",", ":")).encode()
    plain += b" " * (-len(plain) % _PAD)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + _cipher(key).encrypt(nonce, plain, _associated(update_id, chat_id))


class BrokenSeal(RuntimeError):
    """A waiting update opens to nothing under this key: another ballot key sealed it,
    or the row was altered."""


def unseal(key: bytes, update_id: int, chat_id: int, sealed: bytes) -> dict[str, Any]:
    sealed = bytes(sealed)  # PostgreSQL drivers may hand back a memoryview
    nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    try:
        plain = _cipher(key).decrypt(nonce, body, _associated(update_id, chat_id))
    except InvalidTag:
        raise BrokenSeal(
            f"update {update_id} in the inbox opens to nothing: give every majlis process "
            "the same MAJLIS_BALLOT_KEY"
        ) from None
    event = dict(json.loads(plain))
    event.pop("pad", None)
    return event


# ---- the bot's side -----------------------------------------------------------------------


def store(db: Database, rows: Sequence[tuple[int, int, bytes]], *, now: datetime) -> None:
    """Write ``(update_id, chat_id, sealed event)`` rows in one statement (on PostgreSQL
    one round trip); an update already there (Telegram handing an unconfirmed batch
    over again) stays as it is."""
    if not rows:
        return
    if db.is_sqlite:
        values = [
            {
                "update_id": update_id,
                "chat_id": chat_id,
                "sealed": sealed,
                "received_at": now,
                "enqueued_at": now,
            }
            for update_id, chat_id, sealed in rows
        ]
        with db.session() as session:
            insert_many(session, InboxUpdate, values, skip_existing=True)
        return
    # One statement, atomic on its own: on PostgreSQL in autocommit, without the round
    # trips of a BEGIN and a COMMIT; run on psycopg's connection (``Direct``), since
    # building and compiling the statement anew for each batch cost the bot some 0.7 ms
    # of CPU a batch, three times the statement's own.
    update_ids, chat_ids, sealed = (list(column) for column in zip(*rows, strict=True))
    with db.alone() as connection:
        db.direct(STORE).rows(
            connection,
            {"update_ids": update_ids, "chat_ids": chat_ids, "sealed": sealed, "now": now},
        )


def hand_over(
    broker: dramatiq.Broker,
    chat_ids: Sequence[int],
    *,
    unless_queued: bool = False,
    typed: Collection[int] = (),
) -> None:
    """One handler job per chat, pipelined to Redis: the chats of ``typed`` (a message
    typed among their updates) in :data:`TYPED`, the others in :data:`PRESSES`.

    With ``unless_queued`` (the bot's hand-over of what it just wrote), a chat whose
    job waits in its lane, not yet picked up, gets no other: that job reads the
    chat's rows when it starts (:func:`picked_up` comes first), these included. A
    crowd writing at once would otherwise queue a job per update, all but the
    first finding nothing left to answer; nor does a chat a handler holds
    (:func:`holding`), whose holder reads its rows again as it lets go. A chat whose
    answers went out moments ago (:func:`letting_go`) goes in :data:`FOLLOW_UP`
    instead of :data:`PRESSES`. The sweep hands over in :data:`FOLLOW_UP`
    (:func:`hand_over_left`)."""
    chats = list(dict.fromkeys(chat_ids))
    marked: list[tuple[int, Lane]] = []
    if unless_queued and isinstance(broker, RedisBroker):
        lanes = marked = _newly_queued(broker, chats, typed)
    else:
        lanes = [(chat_id, TYPED if chat_id in typed else PRESSES) for chat_id in chats]
    try:
        for lane in LANES.values():
            calls = [(chat_id,) for chat_id, its in lanes if its is lane]
            if calls:
                enqueue_many(broker, lane.job, calls, queue_name=lane.queue_name)
    except Exception:
        if marked and isinstance(broker, RedisBroker):
            # Not queued after all: the next batch of these chats hands them over.
            with suppress(Exception):
                broker.client.delete(*(_queued_key(broker, *its) for its in marked))
        raise


#: How long a chat counts as held by a handler, unless it is let go first: a holder
#: killed leaves its mark this long at most, and its rows to the sweep.
HELD_FOR = timedelta(seconds=60)
#: How long a chat counts as having a job queued, unless the job starts first: neither
#: the bot nor the sweep gives it another meanwhile. In a crowd a job waits longer than
#: :data:`RESEND_AFTER` (a minute for the last of a thousand voters with Telegram's
#: flood control). Should Redis lose its queues the marks go with them, and the
#: scheduler hands every waiting chat over at once; a job lost some other way is
#: replaced after this.
QUEUED_FOR = timedelta(minutes=2)


def _queued_key(broker: RedisBroker, chat_id: int, lane: Lane) -> str:
    return f"{broker.namespace}:inbox.queued.{lane.name}:{chat_id}"


def _answered_key(broker: RedisBroker, chat_id: int) -> str:
    return f"{broker.namespace}:inbox.answered:{chat_id}"


def _held_key(broker: RedisBroker, chat_id: int) -> str:
    return f"{broker.namespace}:inbox.held:{chat_id}"


# For each chat (ARGV: namespace, mark's ttl, then chat and 1 if typed, 0 if not): ''
# when a handler holds it (the holder answers it before letting it go); else its lane,
# typed, else follow-up if its answers went out moments ago, else presses, marked as
# having a job queued there, or '' when one waits there already. The keys are those of
# _held_key, _queued_key and _answered_key.
_LANE_OF = """
local namespace, ttl = ARGV[1], ARGV[2]
local lanes = {}
for i = 3, #ARGV, 2 do
  local chat, lane = ARGV[i], 'presses'
  if ARGV[i + 1] == '1' then
    lane = 'typed'
  elseif redis.call('EXISTS', namespace .. ':inbox.answered:' .. chat) == 1 then
    lane = 'follow-up'
  end
  if redis.call('EXISTS', namespace .. ':inbox.held:' .. chat) == 0
      and redis.call('SET', namespace .. ':inbox.queued.' .. lane .. ':' .. chat, 1,
        'NX', 'PX', ttl) then
    lanes[#lanes + 1] = lane
  else
    lanes[#lanes + 1] = ''
  end
end
return lanes
"""


def _newly_queued(
    broker: RedisBroker, chat_ids: list[int], typed: Collection[int]
) -> list[tuple[int, Lane]]:
    """Of ``chat_ids``, those with no job waiting in their lane, each with its lane,
    marked as having one now (one round trip)."""
    if not chat_ids:
        return []
    args: list[Any] = [broker.namespace, int(QUEUED_FOR.total_seconds() * 1000)]
    for chat_id in chat_ids:
        args += [chat_id, 1 if chat_id in typed else 0]
    answer = cast(list[bytes], broker.client.eval(_LANE_OF, 0, *args))
    return [
        (chat_id, LANES[name.decode()])
        for chat_id, name in zip(chat_ids, answer, strict=True)
        if name
    ]


# For each chat (ARGV: namespace, the mark's ttl, the number of lanes, their names,
# then the chats): marked as having a job queued in the last lane named, unless one
# waits in any lane; returns the chats marked. The keys are those of _queued_key.
_UNLESS_WAITING = """
local namespace, ttl, lanes = ARGV[1], ARGV[2], tonumber(ARGV[3])
local marked = {}
for i = 4 + lanes, #ARGV do
  local chat, waits = ARGV[i], false
  for l = 4, 3 + lanes do
    if redis.call('EXISTS', namespace .. ':inbox.queued.' .. ARGV[l] .. ':' .. chat) == 1 then
      waits = true
    end
  end
  if not waits then
    redis.call('SET', namespace .. ':inbox.queued.' .. ARGV[3 + lanes] .. ':' .. chat, 1,
      'PX', ttl)
    marked[#marked + 1] = chat
  end
end
return marked
"""


def hand_over_left(broker: dramatiq.Broker, chat_ids: Sequence[int]) -> list[int]:
    """The sweep's hand-over: of ``chat_ids`` (their rows wait longer than
    :data:`RESEND_AFTER`), those whose job waits in no lane, not yet picked up. The
    others' jobs read the rows when they start: in a crowd a second job would only
    take the chat and find nothing. In :data:`FOLLOW_UP`: these have waited longest,
    and in a crowd a job in :data:`PRESSES` would wait behind every press since.
    Returns the chats handed over."""
    chats = list(dict.fromkeys(chat_ids))
    if chats and isinstance(broker, RedisBroker):
        lanes = [lane.name for lane in LANES.values() if lane is not FOLLOW_UP] + [FOLLOW_UP.name]
        args = [broker.namespace, int(QUEUED_FOR.total_seconds() * 1000), len(lanes), *lanes]
        answer = cast(list[bytes], broker.client.eval(_UNLESS_WAITING, 0, *args, *chats))
        chats = [int(chat) for chat in answer]
    if chats:
        lane = FOLLOW_UP
        try:
            enqueue_many(broker, lane.job, [(c,) for c in chats], queue_name=lane.queue_name)
        except Exception:
            if isinstance(broker, RedisBroker):
                with suppress(Exception):
                    broker.client.delete(*(_queued_key(broker, c, lane) for c in chats))
            raise
    return chats


def picked_up(broker: dramatiq.Broker | None, chat_id: int) -> None:
    """A handler job for ``chat_id`` starts, before it reads the chat's rows: what the
    bot writes from now on gets a job of its own."""
    if isinstance(broker, RedisBroker):
        broker.client.delete(*(_queued_key(broker, chat_id, lane) for lane in LANES.values()))


def holding(broker: dramatiq.Broker | None, chat_id: int) -> None:
    """A handler has taken ``chat_id``: what the bot writes for it from now on gets no
    job, since the holder reads the chat's rows again as it lets go (:func:`letting_go`
    comes first). Should the holder die, the sweep hands its rows over."""
    if isinstance(broker, RedisBroker):
        broker.client.set(_held_key(broker, chat_id), 1, px=int(HELD_FOR.total_seconds() * 1000))


def letting_go(broker: dramatiq.Broker | None, chat_id: int, *, answered: bool) -> None:
    """The holder of ``chat_id`` is about to read its rows a last time and let it go: what
    the bot writes from now on gets a job. With ``answered`` the chat's answers are out,
    and a press in it within :data:`FOLLOW_UP_WITHIN` follows them (:data:`FOLLOW_UP`)."""
    if not isinstance(broker, RedisBroker):
        return
    pipeline = broker.client.pipeline(transaction=False)
    pipeline.delete(_held_key(broker, chat_id))
    if answered:
        pipeline.set(
            _answered_key(broker, chat_id), 1, px=int(FOLLOW_UP_WITHIN.total_seconds() * 1000)
        )
    pipeline.execute()


def stale_chats(
    db: Database, *, now: datetime, resend_after: timedelta = RESEND_AFTER
) -> list[int]:
    """Chats with a row handed over longer than ``resend_after`` ago (or at all, with
    ``resend_after`` zero), stamped as handed over now: the caller enqueues them."""
    cutoff = now - resend_after
    with db.session() as session:
        chats = [
            chat_id
            for (chat_id,) in session.execute(
                select(INBOX.c.chat_id)
                .where(INBOX.c.enqueued_at <= cutoff)
                .group_by(INBOX.c.chat_id)
                .order_by(func.min(INBOX.c.update_id))
            )
        ]
        if chats:
            session.execute(update(INBOX).where(INBOX.c.chat_id.in_(chats)).values(enqueued_at=now))
    return chats


# ---- the handler's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    update_id: int
    sealed: bytes


@dataclass(frozen=True)
class Answered:
    """An update whose ``count`` replies are all out (:data:`ANSWERED`)."""

    update_id: int
    count: int

    @property
    def parameters(self) -> dict[str, int]:
        return {"answered_id": self.update_id, "answered_count": self.count}


class Chat:
    """A chat taken by this handler: its waiting rows read and deleted, each statement on
    a connection of the pool and committed at once (on PostgreSQL in autocommit: no
    BEGIN and COMMIT round trips)."""

    def __init__(self, db: Database, chat_id: int) -> None:
        self.db = db
        self.chat_id = chat_id

    def waiting(self, *, after: int | None = None, limit: int = BATCH) -> list[Waiting]:
        """The chat's waiting updates after ``after`` (all with None), oldest first."""
        with self.db.alone() as connection:
            return self._waiting(connection, after, limit)

    def done(self, update_ids: Sequence[int], *, answered: Answered | None = None) -> None:
        """``update_ids`` leave the inbox; ``answered``, an update whose replies are all
        out, is stamped so first (:data:`ANSWERED`)."""
        if not update_ids and answered is None:
            return
        with self.db.alone() as connection:
            if answered is not None:
                connection.execute(ANSWERED, answered.parameters)
            if update_ids:
                connection.execute(DONE, {"update_ids": list(update_ids)})

    def done_then_waiting(
        self, update_ids: Sequence[int], *, after: int, answered: Answered | None = None
    ) -> list[Waiting]:
        """:meth:`done`, then :meth:`waiting` after ``after``, on one connection (on
        SQLite in one transaction, on PostgreSQL in one statement): the handler of a
        chat whose answers are out looks at once for what came meanwhile."""
        with self.db.alone() as connection:
            if update_ids and not self.db.is_sqlite and max(update_ids) <= after:
                return self._waiting(connection, after, BATCH, done=update_ids, answered=answered)
            if answered is not None:
                connection.execute(ANSWERED, answered.parameters)
            if update_ids:
                connection.execute(DONE, {"update_ids": list(update_ids)})
            return self._waiting(connection, after, BATCH)

    def _waiting(
        self,
        connection: Connection,
        after: int | None,
        limit: int,
        *,
        done: Sequence[int] = (),
        answered: Answered | None = None,
    ) -> list[Waiting]:
        parameters: dict[str, Any] = {
            "chat_id": self.chat_id,
            "after": _BEFORE_ALL if after is None else after,
            "limit": limit,
        }
        if done and answered is not None:
            rows = connection.execute(
                ANSWERED_DONE_THEN_WAITING,
                {**parameters, "update_ids": list(done), **answered.parameters},
            )
        elif done:
            rows = connection.execute(DONE_THEN_WAITING, {**parameters, "update_ids": list(done)})
        else:
            rows = connection.execute(WAITING, parameters)
        return [Waiting(row.update_id, bytes(row.sealed)) for row in rows]


def waiting_for(db: Database, chat_id: int) -> bool:
    """Whether ``chat_id`` has updates waiting (without taking it)."""
    return bool(Chat(db, chat_id).waiting(limit=1))


#: The first of PostgreSQL's two advisory-lock keys for chats: the two-key form has a
#: space of its own, apart from the one-key locks of ``workflows.platform.locks``.
_LOCK_SPACE = 0x4D4A
_TAKE = text("SELECT pg_try_advisory_lock(:space, :chat)")
_RELEASE = text("SELECT pg_advisory_unlock(:space, :chat)")
#: :data:`_TAKE`, and when it holds, the chat's first waiting rows, in one statement.
#: The read's snapshot is taken before the lock: a row written between the two is
#: found by the holder's next look, as every row written while it holds the chat.
_TAKE_READING = text(
    f"""WITH took AS MATERIALIZED (SELECT pg_try_advisory_lock(:space, :chat) AS held)
SELECT took.held, waiting.update_id, waiting.sealed FROM took
LEFT JOIN LATERAL (
  SELECT update_id, sealed FROM {INBOX.name}
  WHERE took.held AND chat_id = :chat_id ORDER BY update_id LIMIT :limit
) AS waiting ON true
ORDER BY waiting.update_id"""
)


class Hold:
    """A chat taken by this process, until :meth:`release`, from whichever thread."""

    def __init__(self, locks: "ChatLocks", chat_id: int, token: Any) -> None:
        self.locks = locks
        self.chat_id = chat_id
        self.token = token
        self.released = False

    def release(self) -> None:
        self.locks.release(self)


class ChatLocks:
    """Which chats this process handles: one handler per chat at a time, across every
    process and machine, held for as long as the chat's answers are being sent, which
    may be long after the thread that answered has moved on.

    On PostgreSQL a session-level advisory lock per chat, all on one connection of the
    process's own, so that a chat waiting for its turn to send holds no connection of
    the pool: the server releases them all the moment a killed process's connection
    drops. SQLite serves one machine: there a lock on a file per chat beside the
    database, which the system releases the moment its process dies. Within the
    process a set of the chats held, since one session may take its own lock twice.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._mutex = threading.Lock()
        self._held: set[int] = set()
        self._connection: Connection | None = None
        #: Moves on when the lock connection is lost: holds taken before it hold nothing
        #: on the server any more, and their release must not unlock a later take.
        self._generation = 0

    def take(self, chat_id: int) -> Hold | None:
        """``chat_id`` held by this process, or None when a handler here or elsewhere has it."""
        with self._mutex:
            if chat_id in self._held:
                return None
            if self.is_sqlite:
                handle = _file_lock(self.engine, chat_id)
                if handle is None:
                    return None
                self._held.add(chat_id)
                return Hold(self, chat_id, handle)
            try:
                held = bool(self._lock_connection().execute(_TAKE, _key(chat_id)).scalar_one())
            except Exception:
                # The connection may have been closed while idle: one more try on a
                # new one. Nothing held on the old one holds any more.
                self._lost()
                held = bool(self._lock_connection().execute(_TAKE, _key(chat_id)).scalar_one())
            if not held:
                return None
            self._held.add(chat_id)
            return Hold(self, chat_id, self._generation)

    def take_reading(
        self, chat: "Chat", *, limit: int = BATCH
    ) -> tuple[Hold, list[Waiting]] | None:
        """:meth:`take`, and when held, the chat's first waiting updates
        (:meth:`Chat.waiting`); on PostgreSQL in one statement."""
        if self.is_sqlite:
            hold = self.take(chat.chat_id)
            return None if hold is None else (hold, chat.waiting(limit=limit))
        with self._mutex:
            if chat.chat_id in self._held:
                return None
            parameters = {**_key(chat.chat_id), "chat_id": chat.chat_id, "limit": limit}
            try:
                rows = self._lock_connection().execute(_TAKE_READING, parameters).all()
            except Exception:
                # As in take: one more try on a new connection.
                self._lost()
                rows = self._lock_connection().execute(_TAKE_READING, parameters).all()
            if not rows[0].held:
                return None
            self._held.add(chat.chat_id)
            hold = Hold(self, chat.chat_id, self._generation)
        waiting = [
            Waiting(row.update_id, bytes(row.sealed)) for row in rows if row.update_id is not None
        ]
        return hold, waiting

    def release_then_waiting(self, hold: Hold, chat: "Chat") -> bool:
        """:meth:`release`, then whether ``chat`` has updates waiting, read after the
        release: a row written after the read has a job of its own, which finds the
        chat free. On PostgreSQL in one round trip on the lock connection."""
        with self._mutex:
            if (
                not self.is_sqlite
                and not hold.released
                and hold.token == self._generation
                and self._connection is not None
            ):
                hold.released = True
                self._held.discard(hold.chat_id)
                try:
                    return self._unlock_then_look(self._connection, hold.chat_id)
                except Exception:
                    # Closing the connection releases the lock; the look is made anew.
                    self._lost()
        self.release(hold)
        return bool(chat.waiting(limit=1))

    @staticmethod
    def _unlock_then_look(connection: Connection, chat_id: int) -> bool:
        # Two statements in one message of the simple protocol: one round trip, and
        # the read's snapshot taken after the unlock (each statement takes its own).
        key = _key(chat_id)
        sql = (
            f"SELECT pg_advisory_unlock({int(key['space'])}, {int(key['chat'])}); "
            f"SELECT 1 FROM {INBOX.name} WHERE chat_id = {int(chat_id)} LIMIT 1"
        )
        driver = cast(Any, connection.connection.driver_connection)
        with driver.cursor() as cursor:
            # Never prepared: a statement of two cannot be, and the chat is in its text.
            cursor.execute(sql, prepare=False)
            cursor.nextset()
            return cursor.fetchone() is not None

    def release(self, hold: Hold) -> None:
        with self._mutex:
            if hold.released:
                return
            hold.released = True
            self._held.discard(hold.chat_id)
            if self.is_sqlite:
                handle = hold.token
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
                return
            if hold.token != self._generation or self._connection is None:
                return  # released with the connection it was taken on
            try:
                self._connection.execute(_RELEASE, _key(hold.chat_id))
            except Exception:
                # The server is away or the connection broke: closing it releases the
                # lock wherever the server still holds it.
                self._lost()

    def close(self) -> None:
        with self._mutex:
            self._lost()

    def _lock_connection(self) -> Connection:
        if self._connection is None:
            # Autocommit: the locks are the session's, and each statement stands alone.
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def _lost(self) -> None:
        if self._connection is not None:
            with suppress(Exception):
                self._connection.invalidate()
            with suppress(Exception):
                self._connection.close()
        self._connection = None
        self._generation += 1


_LOCKS: "weakref.WeakKeyDictionary[Database, ChatLocks]" = weakref.WeakKeyDictionary()
_LOCKS_MUTEX = threading.Lock()


def locks_of(db: Database) -> ChatLocks:
    """The process's chat locks on ``db``."""
    with _LOCKS_MUTEX:
        locks = _LOCKS.get(db)
        if locks is None:
            # The locks know the engine, not ``db``: ``db`` leaves the map when it is gone.
            locks = _LOCKS[db] = ChatLocks(db.engine)
            db.closers.append(locks.close)
        return locks


@contextmanager
def taken(db: Database, chat_id: int) -> Iterator[Chat | None]:
    """Take ``chat_id`` for the length of a ``with`` block; None when another handler
    has it (:class:`ChatLocks`)."""
    hold = locks_of(db).take(chat_id)
    if hold is None:
        yield None
        return
    try:
        yield Chat(db, chat_id)
    finally:
        hold.release()


def _file_lock(engine: Engine, chat_id: int) -> IO[str] | None:
    database = engine.url.database
    if database and database != ":memory:":
        folder = Path(f"{database}.chats")
    else:
        folder = Path(tempfile.gettempdir()) / f"majlis-chats-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    # A file per chat, so that a chat held only holds itself up: a chat whose update
    # finds it held is looked at again by its holder, not by the update's own job.
    # A descriptor of its own per take: flock then excludes other threads too.
    handle = open(folder / f"{chat_id}.lock", "a")  # noqa: SIM115 - held past this call
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    except BaseException:
        handle.close()
        raise
    return handle


def _key(chat_id: int) -> dict[str, int]:
    return {"space": _LOCK_SPACE, "chat": _lock_key(chat_id)}


def _lock_key(chat_id: int) -> int:
    """The chat folded into PostgreSQL's 32-bit key. Two chats sharing one exclude each
    other across processes: the second's update waits for the sweep
    (:data:`RESEND_AFTER`), which is rare enough for chat ids Telegram hands out."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded
