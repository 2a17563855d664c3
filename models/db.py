"""The engine, sessions and units of work.

SQLite by default (one file in the data folder), PostgreSQL in production. On
SQLite every transaction begins IMMEDIATE: writers queue on the busy timeout
instead of failing when a read turns into a write.
"""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlmodel import Session, create_engine, text

log = logging.getLogger(__name__)

READ_ONLY = "majlis_read_only"
#: A pooled PostgreSQL connection that sat in the pool longer than this is pinged before
#: it is handed out; one back from use a moment ago is not (see :func:`_ping_if_idle`).
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "majlis_idle_since"
#: SQLSTATEs of a server that is going away or not yet back: the administrator
#: shut it down, it crashed, or it is still starting (class 08 is the connection).
_SERVER_GONE = {"57P01", "57P02", "57P03"}


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened."""


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached right now (stopped,
    restarting, the network), rather than that a statement was wrong."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.orig, "sqlstate", None)
    if state is None:
        # psycopg raises a bare OperationalError when it cannot connect at all.
        return type(error.orig).__name__ == "OperationalError" and hasattr(error.orig, "sqlstate")
    return state.startswith("08") or state in _SERVER_GONE


class Outage:
    """Whether the database answered this process lately, told in one line when it
    stops answering and one when it answers again, instead of a traceback per try."""

    def __init__(self, url: str) -> None:
        self.where = make_url(url).render_as_string()
        self._since: float | None = None
        self._lock = threading.Lock()

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def began(self, error: BaseException) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        log.error(
            "database unreachable at %s (%s); waiting quietly until it answers",
            self.where,
            reason[0] if reason else type(error).__name__,
        )

    def over(self) -> None:
        if self._since is None:  # the usual case, without taking the lock
            return
        with self._lock:
            if self._since is None:
                return
            lasted, self._since = time.monotonic() - self._since, None
        log.warning("database answers again, after %.0f s", lasted)


def normalise_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **options: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # Reads (see Database.reading) begin deferred: in WAL mode they never
            # wait for a writer, nor make one wait.
            reading = connection.get_execution_options().get(READ_ONLY, False)
            statement = "BEGIN" if reading else "BEGIN IMMEDIATE"
            # Sent on the driver's connection: through SQLAlchemy's execution of a
            # statement (events, result set-up) it took more processor time than many
            # a transaction's own statements. A failure reads as the statement's would.
            try:
                connection.connection.driver_connection.execute(statement)
            except sqlite3.Error as error:
                raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error

        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    engine = create_engine(url, **options)
    if not options.get("pool_pre_ping"):
        _ping_if_idle(engine)
    return engine


def _ping_if_idle(engine: Engine) -> None:
    """Ping a pooled connection before it is handed out when it sat idle in the pool for
    :data:`PING_AFTER_IDLE_S` or longer, as SQLAlchemy's ``pool_pre_ping`` pings every
    one: a connection the server or the network dropped meanwhile is replaced, with
    every other one the pool held since (a server restarted), before anyone uses it.

    One back from use a moment ago is not pinged. Under load each update checks out a
    connection several times (its turn, the inbox's reads and deletes, the stamps of
    its replies), and a ping on each was a round trip and a good part of the process's
    processor time per update; a connection lost in that moment fails like one lost
    in the middle of a transaction, which every caller already handles."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _idle(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A new connection carries no mark (its info starts empty): nothing to ping.
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # As pool_pre_ping: this connection and all the pool held before it go.
                raise InvalidatePoolError() from error
            raise


class Database:
    """The engine and the way to open a unit of work on it."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **options)
        self.outage = Outage(self.url)
        reading: dict[str, Any] = {READ_ONLY: True}
        if not self.is_sqlite:
            # At READ COMMITTED each statement reads its own snapshot inside a
            # transaction too: a BEGIN and a ROLLBACK around reads bought nothing but
            # two round trips.
            reading["isolation_level"] = "AUTOCOMMIT"
        self._reader = self.engine.execution_options(**reading)
        #: Run by :meth:`dispose` first: what holds a connection of its own for long
        #: (the chat locks of the update inbox).
        self.closers: list[Callable[[], None]] = []
        self._directs: dict[Any, Direct] = {}
        self._directs_mutex = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session: it takes no write lock and commits nothing (what it
        loaded stays readable once it is closed). On PostgreSQL its statements run in
        autocommit; on SQLite in a deferred transaction, which never waits for a
        writer."""
        with Session(self._reader, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def alone(self) -> Iterator[Connection]:
        """A connection for statements each atomic on its own (one ``UPDATE ...
        RETURNING``, a compare-and-set): on PostgreSQL in autocommit, without the round
        trips of a BEGIN and a COMMIT; on SQLite in a transaction of its own, which
        takes the write lock first."""
        if self.is_sqlite:
            with self.engine.begin() as connection:
                yield connection
            return
        with self.engine.connect() as pooled:
            yield pooled.execution_options(isolation_level="AUTOCOMMIT")

    def direct(self, statement: Any) -> "Direct":
        """``statement`` compiled once for this database (PostgreSQL only), to run on
        psycopg's connection (:class:`Direct`)."""
        with self._directs_mutex:
            found = self._directs.get(statement)
            if found is None:
                found = self._directs[statement] = Direct(statement, self.engine)
            return found

    def check(self) -> None:
        """Fail fast, with a readable reason, when the database cannot be used."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(
                f"cannot reach the database at {make_url(self.url).render_as_string()}: {reason}"
            ) from None

    def dispose(self) -> None:
        for close in self.closers:
            close()
        self.engine.dispose()


class Direct:
    """A Core statement compiled once for a PostgreSQL engine and run on psycopg's own
    connection: its parameters and columns converted by their SQLAlchemy types, its
    errors raised as SQLAlchemy raises them (a lost connection invalidated). For the
    statements every update runs: SQLAlchemy's execution of a statement costs some
    40 µs of CPU more than psycopg's, a compiled-cache lookup, an execution context
    and a result object each time.

    The statement is compiled whole: every parameter it has is given at each run, and
    no column's default is applied."""

    def __init__(self, statement: Any, engine: Engine) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.dialect = dialect
        self.sql: str = compiled.string
        self.binds: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.binds[name] = process
        self.columns: list[tuple[str, Callable[[Any], Any] | None]] = []
        if getattr(statement, "selected_columns", None) is not None and statement.is_select:
            for key, column in statement.selected_columns.items():
                process = column.type.dialect_impl(dialect).result_processor(dialect, None)
                self.columns.append((key, process))

    def rows(self, connection: Connection, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of the statement run with ``parameters`` on ``connection``, as dicts
        by column key (none for a statement that returns none)."""
        values = dict(parameters)
        for name, process in self.binds.items():
            if name in values:
                values[name] = process(values[name])
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(self.sql, values)
                fetched = cursor.fetchall() if cursor.description is not None else []
            finally:
                cursor.close()
        except self.dialect.loaded_dbapi.Error as error:
            lost = self.dialect.is_disconnect(error, dbapi_connection, None)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                self.sql,
                parameters,
                error,
                self.dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=self.dialect,
            ) from error
        columns = self.columns
        return [
            {
                key: value if process is None else process(value)
                for (key, process), value in zip(columns, row, strict=True)
            }
            for row in fetched
        ]
