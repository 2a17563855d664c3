"""A worker killed in the middle of a delivery: the notification still arrives, once."""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from models.db import Database
from sandbox import Sandbox
from sandbox.client import SandboxClient
from tests.e2e.test_runtimes import free_port
from workflows.platform import outbox
from workflows.platform.queue import DELIVERY_QUEUE, enqueue, make_broker
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

pytestmark = pytest.mark.e2e


class Blackhole:
    """A Bot API that accepts requests and never answers: Telegram hanging mid-send."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requested = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readline()
            self.requested.set()
            await reader.read()  # until the worker dies and the connection drops

        self.server = await asyncio.start_server(hold, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def blackhole() -> AsyncIterator[Blackhole]:
    hole = Blackhole()
    await hole.start()
    yield hole
    await hole.stop()


async def start_worker(env: dict[str, str], *extra: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
        "worker",
        "--threads",
        "1",
        *extra,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert line.startswith(b"worker:"), line
    return process


async def test_a_worker_killed_during_delivery_loses_nothing_and_repeats_nothing(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    namespace: str,
    sandbox: Sandbox,
    blackhole: Blackhole,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAJLIS_")}
    env.update(
        MAJLIS_DATA_DIR=str(tmp_path / "data"),
        MAJLIS_DATABASE_URL=database_url,
        MAJLIS_REDIS_URL=redis_url,
        MAJLIS_REDIS_NAMESPACE=namespace,
    )
    sandbox_port = sandbox.url.rstrip("/").rsplit(":", 1)[1]
    db = Database(database_url)
    broker = make_broker(redis_url, namespace=namespace)
    settings = Settings(database_url=database_url, redis_url=redis_url, redis_namespace=namespace)
    uow = UnitOfWork(db=db, settings=settings, broker=broker)
    workers: list[asyncio.subprocess.Process] = []
    async with SandboxClient(sandbox.url) as client:
        try:
            mayor = await client.create_user("Zainab", language_code="en")
            await mayor.send("/start")

            # Worker A sends into a Bot API that hangs, and is killed while it waits.
            workers.append(await start_worker({**env, "MAJLIS_SANDBOX_PORT": str(blackhole.port)}))
            with uow.begin() as session:
                row = outbox.notify(
                    session, chat_id=mayor.id, key="Welcome back, {name}.", args={"name": "Zainab"}
                )
                assert row is not None and row.id is not None
                notification_id = row.id
            await asyncio.wait_for(blackhole.requested.wait(), timeout=30)
            workers[0].send_signal(signal.SIGKILL)
            await workers[0].wait()

            # Worker B, without the outbox sweep: only Dramatiq's redelivery of the dead
            # worker's message can bring the notification back, and it must not wait for
            # the dead worker's lease (production's, 20 s) to run out.
            workers.append(
                await start_worker({**env, "MAJLIS_SANDBOX_PORT": sandbox_port}, "--no-scheduler")
            )
            await mayor.wait_for("Welcome back, ", timeout=60)
            for _ in range(100):
                stamped = outbox.load(db, notification_id)
                if stamped is not None and stamped.delivered_at is not None:
                    break
                await asyncio.sleep(0.1)
            assert stamped is not None and stamped.delivered_at is not None

            for _ in range(3):
                enqueue(broker, outbox.DELIVERY_JOB, notification_id, queue_name=DELIVERY_QUEUE)
            await asyncio.sleep(2)
            transcript = await mayor.transcript()
            assert sum("Welcome back" in (m.get("text") or "") for m in transcript) == 1
        finally:
            for process in workers:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(process.wait(), timeout=30)
                    except TimeoutError:
                        process.kill()
            broker.close()
            db.dispose()
