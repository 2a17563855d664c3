"""Deliveries per second: Majlis's outbox next to a bare Dramatiq no-op actor.

Same Redis, same broker settings (``workflows.platform.queue.make_broker``), same number of
worker threads and the same ``worker_timeout`` (500 ms, that of Majlis's workers of
notices) for all:

* baseline: a Dramatiq actor that only counts its calls, N messages sent to it;
* Majlis: N notifications written with ``workflows.platform.outbox.notify`` inside one
  ``UnitOfWork.begin()`` (which hands them to the queue after commit), delivered
  by the workers of ``bot.platform.start_worker`` to the local sandbox (its flood
  control off), until every row has ``delivered_at``; twice:

  - with Majlis's Redis rate limiter (``bot.telegram_api.RateLimiter``), which keeps
    to Telegram's 30 messages a second overall and one a second per chat: the
    recipients are spread over many chats, so the overall 30/s cap bounds the figure;
  - with ``Delivery.limiter`` set to None, to measure the delivery path itself.

Each system runs in a process of its own (worker, producer and clock); the
sandbox runs in this one. One message (one notification) goes through first as a
warm-up and is not counted.

    python -m bench.delivery [--count 300] [--chats 100] [--threads 4] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import (
    Child,
    Row,
    Run,
    add_common_arguments,
    add_profiler_argument,
    command,
    cpu_seconds,
    database_kind,
    drop_namespace,
    fresh_database,
    measure_interleaved,
    new_namespace,
    peak_rss_kib,
    positive,
    print_machine,
    print_table,
    redis_server,
    start_profiler,
    stop_profiler,
)

BASELINE = "Dramatiq no-op actor (baseline)"
UNLIMITED = "Majlis outbox, limiter=None"
LIMITED = "Majlis outbox, RateLimiter (30/s overall cap)"
SYSTEMS = [BASELINE, UNLIMITED, LIMITED]
#: A real message id of the bot (English source text), with an argument to format.
KEY = "Welcome back, {name}."
#: Pause after the warm-up, so that its message is out of the limiter's one-second windows.
SETTLE_SECONDS = 1.1


# ---- the measured systems, each in a child process --------------------------------------------


def dramatiq_noop(conn: Connection, params: dict[str, Any]) -> None:
    import dramatiq
    from dramatiq import Worker

    from workflows.platform.queue import DELIVERY_QUEUE, JOBS_WORKER_TIMEOUT_MS, make_broker

    broker = make_broker(params["redis_url"], namespace=params["namespace"])
    done = threading.Condition()
    calls = 0

    def noop(number: int) -> None:
        nonlocal calls
        with done:
            calls += 1
            done.notify_all()

    actor = dramatiq.actor(broker=broker, actor_name="noop", queue_name=DELIVERY_QUEUE)(noop)
    worker = Worker(broker, worker_threads=params["threads"], worker_timeout=JOBS_WORKER_TIMEOUT_MS)
    worker.start()
    try:

        def wait_for(target: int) -> None:
            with done:
                if not done.wait_for(lambda: calls >= target, timeout=params["timeout"]):
                    raise TimeoutError(f"only {calls} of {target} messages processed in time")

        actor.send(0)  # warm-up
        wait_for(1)
        time.sleep(SETTLE_SECONDS)
        count = params["count"]
        conn.send(("started",))
        own_cpu = cpu_seconds()
        started = time.perf_counter()
        for number in range(count):
            actor.send(number + 1)
        handed = time.perf_counter() - started
        wait_for(count + 1)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - own_cpu
    finally:
        worker.stop()
        broker.close()
    conn.send(
        ("result", {"seconds": seconds, "cpu": cpu, "handed": handed, "rss_kib": peak_rss_kib()})
    )


def majlis_outbox(conn: Connection, params: dict[str, Any]) -> None:
    from dataclasses import replace

    from sqlalchemy import create_engine, text

    from bot.platform import open_platform, start_worker
    from models.db import normalise_url
    from workflows.platform import outbox
    from workflows.platform.queue import JobContext
    from workflows.platform.settings import Settings

    settings = Settings(telegram_token=None, webhook_url=None, **params["settings"])
    platform = open_platform(settings)
    # A plain engine to watch progress: Majlis's own begins every SQLite transaction
    # IMMEDIATE, which would make the watcher queue with the workers for the write lock.
    probe = create_engine(normalise_url(settings.effective_database_url), pool_size=1)
    try:
        start_worker(platform, threads=params["threads"])
        if not params["limiter"]:
            JobContext.set(delivery=replace(JobContext.get("delivery"), limiter=None))
        chats: list[int] = params["chats"]
        uow = platform.uow

        def query(sql: str) -> Any:
            with probe.connect() as connection:
                return connection.execute(text(sql)).one()

        def last_error() -> str | None:
            return query("SELECT max(last_error) FROM outbox WHERE last_error IS NOT NULL")[0]

        def wait_for(target: int) -> None:
            last_progress, seen = time.monotonic(), 0
            while True:
                done, failed = query("SELECT count(delivered_at), count(failed_at) FROM outbox")
                if done >= target:
                    return
                if failed:
                    raise RuntimeError(f"{failed} notifications failed for good: {last_error()}")
                if done > seen:
                    last_progress, seen = time.monotonic(), done
                elif time.monotonic() - last_progress > params["timeout"]:
                    raise TimeoutError(
                        f"only {done} of {target} notifications delivered; "
                        f"last error: {last_error()}"
                    )
                time.sleep(0.01)

        with uow.begin() as session:  # warm-up, to a chat of its own
            outbox.notify(session, chat_id=params["warmup_chat"], key=KEY, args={"name": "Warm"})
        wait_for(1)
        time.sleep(SETTLE_SECONDS)
        count = params["count"]
        conn.send(("started",))
        own_cpu = cpu_seconds()
        started = time.perf_counter()
        with uow.begin() as session:
            for number in range(count):
                outbox.notify(
                    session,
                    chat_id=chats[number % len(chats)],
                    key=KEY,
                    args={"name": f"Member {number}"},
                )
        handed = time.perf_counter() - started
        wait_for(count + 1)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - own_cpu
        attempts = int(query("SELECT sum(attempts) FROM outbox")[0])
    finally:
        probe.dispose()
        platform.close()
    conn.send(
        (
            "result",
            {
                "seconds": seconds,
                "cpu": cpu,
                "handed": handed,
                "rss_kib": peak_rss_kib(),
                "postponed": attempts - (count + 1),
            },
        )
    )


# ---- the parent: sandbox, recipients, and the clock's report -----------------------------------


async def measure(system: str, args: argparse.Namespace, redis_url: str) -> Run:
    from bot.platform import SANDBOX_TOKEN
    from sandbox import Sandbox
    from sandbox.client import SandboxClient

    namespace = new_namespace("delivery")
    params: dict[str, Any] = {
        "redis_url": redis_url,
        "namespace": namespace,
        "count": args.count,
        "threads": args.threads,
        "timeout": args.timeout,
    }
    if system == BASELINE:
        try:
            return await _collect(system, Child.start(dramatiq_noop, params), args)
        finally:
            drop_namespace(redis_url, namespace)

    sandbox = Sandbox(port=0, rate_factor=0)  # 0: the sandbox's flood control is off
    await sandbox.start()
    try:
        sandbox.register_bot(SANDBOX_TOKEN)
        account = sandbox.world.bot_for_token(SANDBOX_TOKEN)
        async with SandboxClient(sandbox.url) as client:
            # The bot may only write to users who wrote to it first.
            people = [await client.create_user(f"Member {i}") for i in range(args.chats + 1)]
            for person in people:
                await person.send("hello")
        chats = [person.id for person in people]
        with (
            tempfile.TemporaryDirectory(prefix="majlis-bench-") as folder,
            fresh_database(args.database_url, Path(folder)) as database_url,
        ):
            params.update(
                chats=chats[1:],
                warmup_chat=chats[0],
                limiter=system == LIMITED,
                settings={
                    "data_dir": Path(folder) / "data",
                    "database_url": database_url,
                    "redis_url": redis_url,
                    "redis_namespace": namespace,
                    "sandbox_host": "127.0.0.1",
                    "sandbox_port": sandbox.port,
                    "worker_threads": args.threads,
                },
            )
            run = await _collect(system, Child.start(majlis_outbox, params), args)
    finally:
        await sandbox.stop()
        drop_namespace(redis_url, namespace)
    sent = sum(
        1
        for chat_id in chats
        for message in account.conversations[chat_id].messages.values()
        if message.from_bot
    )
    if sent != args.count + 1:
        print(
            f"warning: {system}: the sandbox received {sent} messages for "
            f"{args.count + 1} notifications",
            file=sys.stderr,
        )
    return run


async def _collect(system: str, child: Child, args: argparse.Namespace) -> Run:
    try:
        await child.receive(args.timeout)  # "started"
        profiler = start_profiler(args.py_spy, system, child.pid)
        sandbox_cpu = cpu_seconds()
        _, result = await child.receive(args.timeout * 3)
        sandbox_cpu = cpu_seconds() - sandbox_cpu
        await stop_profiler(profiler)
    except BaseException:
        child.process.kill()
        raise
    finally:
        child.finish()
    return Run(
        count=args.count,
        seconds=result["seconds"],
        cpu=result["cpu"],
        rss_kib=result["rss_kib"],
        extra={
            "handed": result["handed"],
            "sandbox_cpu": sandbox_cpu,
            "postponed": result.get("postponed", 0),
        },
    )


# ---- the command -----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.delivery",
        description="Outbox deliveries per second next to a bare Dramatiq no-op actor.",
    )
    parser.add_argument("--count", type=positive, default=300, help="messages per run (300)")
    parser.add_argument(
        "--chats", type=positive, default=100, help="recipients the notifications go to (100)"
    )
    parser.add_argument(
        "--threads", type=positive, default=4, help="worker threads, for every system (4)"
    )
    add_common_arguments(parser)
    add_profiler_argument(parser)
    return parser


async def run(args: argparse.Namespace) -> list[Row]:
    with redis_server(args.redis_url) as (redis_url, redis_kind):
        print_machine(
            [
                f"redis:   {redis_kind}",
                f"db:      {database_kind(args.database_url)} (Majlis only)",
                f"work:    {args.count} messages per run, {args.threads} worker threads, "
                f"Majlis's to {args.chats} chats",
            ]
        )
        table = await measure_interleaved(
            SYSTEMS, BASELINE, args.repeat, lambda name: measure(name, args, redis_url)
        )
    print_table(
        "Deliveries (ratio: per second / baseline; CPU s and peak RSS: the process of "
        "worker and producer while measured)",
        table,
        unit="msgs",
    )
    for row in table:
        handed = row.median(lambda run: run.extra["handed"])
        sandbox_cpu = row.median(lambda run: run.extra["sandbox_cpu"])
        postponed = row.median(lambda run: run.extra["postponed"])
        print(
            f"{row.name}: all {row.count} on the queue after {handed:.2f} s"
            + ("" if row.baseline else f", {postponed:.0f} extra attempts (postponed or retried)")
            + f"; sandbox CPU s {sandbox_cpu:.2f}"
        )
    print(f"peak RSS of this process (sandbox): {peak_rss_kib() / 1024:.0f} MiB")
    return table


main = command(parser, run)


if __name__ == "__main__":
    sys.exit(main(None))
