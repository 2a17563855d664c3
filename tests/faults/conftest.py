"""Fault injection on the production setup: PostgreSQL, Redis, ``majlis bot`` and
``majlis worker`` as separate processes, killed, frozen and restarted for real.

These tests need the real services, since SQLite serialises every writer and one
process has no races: without ``MAJLIS_TEST_DATABASE_URL`` and
``MAJLIS_TEST_REDIS_URL`` they are skipped, with that reason. CI runs them once, in
its PostgreSQL run.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.i18n import language_name
from models.db import Database
from sandbox import Sandbox
from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.faults.processes import MajlisProcess, PrivatePostgres, PrivateRedis
from workflows.charter.roles import Role
from workflows.platform import people
from workflows.platform.queue import make_broker
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

MENU = {"en": "Main menu", "ar": "القائمة الرئيسية"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if POSTGRES_URL and REDIS_URL:
        return
    skip = pytest.mark.skip(
        reason="fault injection needs PostgreSQL and Redis: set MAJLIS_TEST_DATABASE_URL and "
        "MAJLIS_TEST_REDIS_URL (CI's second run does)"
    )
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@dataclass
class Deployment:
    """Majlis in production shape: a bot and workers as processes, sharing one database
    and one Redis, talking to the sandbox as to Telegram."""

    tmp_path: Path
    database_url: str
    redis_url: str
    namespace: str
    sandbox: Sandbox
    client: SandboxClient
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[MajlisProcess] = field(default_factory=list)

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAJLIS_")}
        env.update(
            MAJLIS_DATA_DIR=str(self.tmp_path / "data"),
            MAJLIS_DATABASE_URL=self.database_url,
            MAJLIS_REDIS_URL=self.redis_url,
            MAJLIS_REDIS_NAMESPACE=self.namespace,
            MAJLIS_SANDBOX_PORT=self.sandbox.url.rstrip("/").rsplit(":", 1)[1],
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def bot(self, name: str = "bot", **env: str) -> MajlisProcess:
        """A ``majlis bot`` process, not yet started."""
        process = MajlisProcess(
            ["bot"], env=self.env(**env), log=self.tmp_path / f"{name}.log", ready="bot: serving"
        )
        self.processes.append(process)
        return process

    def worker(self, *args: str, name: str = "worker", **env: str) -> MajlisProcess:
        """A ``majlis worker`` process with ``args``, not yet started."""
        process = MajlisProcess(
            ["worker", *args],
            env=self.env(**env),
            log=self.tmp_path / f"{name}.log",
            ready="worker:",
        )
        self.processes.append(process)
        return process

    def settings(self) -> Settings:
        return Settings(
            data_dir=self.tmp_path / "data",
            database_url=self.database_url,
            redis_url=self.redis_url,
            redis_namespace=self.namespace,
        )

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work in the test process, for setting the scene and reading results."""
        return UnitOfWork(
            db=Database(self.database_url),
            settings=self.settings(),
            broker=make_broker(self.redis_url, namespace=self.namespace),
        )

    async def person(
        self,
        name: str,
        language: str = "en",
        roles: tuple[Role, ...] = (),
        uow: UnitOfWork | None = None,
    ) -> SandboxUser:
        """Someone who has started the bot, picked a language and holds ``roles``
        (granted directly in the database through ``uow``)."""
        user = await self.client.create_user(name, language_code=language)
        await user.send("/start")
        await user.press_button(language_name(language), timeout=30)
        await user.wait_for(MENU[language], timeout=30)
        if roles:
            assert uow is not None, "granting roles needs a unit of work"
            with uow.begin() as session:
                for role in roles:
                    people.grant_role(session, user_id=user.id, role=role, actor_id=None)
        return user

    def logs(self) -> str:
        return "\n".join(f"==== {p.log.name}\n{p.output()[-20000:]}" for p in self.processes)


@pytest.fixture
async def fault_sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The Bot API sandbox with Telegram's flood control as it is (rate factor 1)."""
    box = Sandbox(port=0, rate_factor=1.0, data_dir=tmp_path / "sandbox")
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def deployment(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    namespace: str,
    fault_sandbox: Sandbox,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Deployment]:
    """Processes are started by the test; all of them are stopped at its end, and their
    logs printed when it failed."""
    async with SandboxClient(fault_sandbox.url) as client:
        running = Deployment(
            tmp_path=tmp_path,
            database_url=database_url,
            redis_url=redis_url,
            namespace=namespace,
            sandbox=fault_sandbox,
            client=client,
        )
        try:
            yield running
        finally:
            await asyncio.gather(
                *(asyncio.to_thread(process.stop) for process in running.processes)
            )
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                print(running.logs())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, migrated, to stop and start mid-test."""
    from models.migrate import upgrade

    cluster = PrivatePostgres().create()
    db = Database(cluster.url)
    upgrade(db)
    db.dispose()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A Redis of this test's own that forgets everything when restarted."""
    server = PrivateRedis(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.kill()
