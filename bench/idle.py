"""Idle: the processor a worker uses while nothing happens, beside a bare Dramatiq worker.

A worker waits on Redis most of its life. Dramatiq's Redis consumers look at each
queue again after a wait, and each look is a round trip and a thread woken: what
an idle worker costs is how often it looks, times what a look costs on the machine.

* baseline: a bare ``dramatiq.Worker`` with Dramatiq's defaults (``worker_timeout``
  1 s) and Majlis's number of threads, consuming the same queues on the same broker
  settings (``workflows.platform.queue.make_broker``), with an actor on each;
* Majlis: ``majlis worker`` (every queue, the scheduler), as an operator starts it.

Each is a fresh process; once it has said it is ready and ``--settle`` seconds have
passed (it still loads for some seconds after the line), its CPU time is read from
``/proc`` over ``--seconds``. The figure is CPU milliseconds per second: a tenth of
a processor is 100.

    python -m bench.idle [--seconds 20] [--repeat 3] [--database-url URL] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    MAJLIS,
    ChildFailed,
    add_common_arguments,
    command,
    database_kind,
    drop_namespace,
    environment,
    fresh_database,
    interleave,
    new_namespace,
    positive,
    print_machine,
    process_cpu_seconds,
    python_process,
    redis_server,
)

BARE = "bare Dramatiq worker, Dramatiq's defaults (baseline)"
WORKER = "majlis worker"
SYSTEMS = [BARE, WORKER]
#: The bare worker: the same queues and threads as ``majlis worker``, Dramatiq's own
#: ``worker_timeout``; it says "ready" once its threads run.
BARE_WORKER = """
import sys, threading, dramatiq
from dramatiq import Worker
from workflows.platform.queue import QUEUES, TYPED_QUEUE, FOLLOW_UP_QUEUE, make_broker
url, namespace, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
broker = make_broker(url, namespace=namespace)
for queue in (*QUEUES, TYPED_QUEUE, FOLLOW_UP_QUEUE):
    dramatiq.actor(broker=broker, actor_name=f"noop_{queue}", queue_name=queue)(lambda: None)
worker = Worker(broker, worker_threads=threads)
worker.start()
print("ready", flush=True)
threading.Event().wait()
"""


async def _idle_cpu(
    argv: list[str], env: dict[str, str], ready: str, args: argparse.Namespace
) -> float:
    """CPU ms per second of the process of ``argv`` once it printed ``ready``."""
    with tempfile.TemporaryDirectory(prefix="majlis-bench-idle-") as folder:
        log = Path(folder) / "stderr.log"
        async with python_process(argv, env, log) as process:
            assert process.stdout is not None
            deadline = time.monotonic() + args.timeout
            while ready not in (line := await _line(process, deadline)):
                if not line:
                    raise ChildFailed(f"ended before its ready line: {log.read_text()[-2000:]}")
            await asyncio.sleep(args.settle)
            before, started = process_cpu_seconds(process.pid), time.monotonic()
            await asyncio.sleep(args.seconds)
            after, seconds = process_cpu_seconds(process.pid), time.monotonic() - started
    if before is None or after is None:
        raise ChildFailed("no /proc here to read a process's CPU time from")
    return (after - before) * 1000 / seconds


async def _line(process: asyncio.subprocess.Process, deadline: float) -> str:
    assert process.stdout is not None
    try:
        raw = await asyncio.wait_for(
            process.stdout.readline(), timeout=max(deadline - time.monotonic(), 0.01)
        )
    except TimeoutError:
        raise ChildFailed("no ready line in time") from None
    return str(raw.decode())


async def measure(system: str, args: argparse.Namespace, redis_url: str) -> float:
    namespace = new_namespace("idle")
    try:
        if system == BARE:
            argv = ["-c", BARE_WORKER, redis_url, namespace, str(args.threads)]
            return await _idle_cpu(argv, environment(), "ready", args)
        with (
            tempfile.TemporaryDirectory(prefix="majlis-bench-") as folder,
            fresh_database(args.database_url, Path(folder)) as database_url,
        ):
            env = environment(
                data_dir=str(Path(folder) / "data"),
                database_url=database_url,
                redis_url=redis_url,
                redis_namespace=namespace,
                worker_threads=str(args.threads),
            )
            migrate = await asyncio.create_subprocess_exec(
                sys.executable, *MAJLIS, "db", "upgrade", env=env,
                stdout=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            if await migrate.wait():
                raise ChildFailed("majlis db upgrade failed")
            return await _idle_cpu([*MAJLIS, "worker"], env, "worker:", args)
    finally:
        drop_namespace(redis_url, namespace)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.idle",
        description="CPU of an idle majlis worker beside a bare Dramatiq worker.",
    )
    parser.add_argument("--seconds", type=positive, default=20, help="seconds measured (20)")
    parser.add_argument(
        "--settle",
        type=positive,
        default=15,
        help="seconds after the ready line before measuring (15): a worker still loads "
        "its Telegram library and its handlers for some seconds after it",
    )
    parser.add_argument("--threads", type=positive, default=4, help="worker threads (4)")
    add_common_arguments(parser)
    return parser


async def run(args: argparse.Namespace) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {name: [] for name in SYSTEMS}
    with redis_server(args.redis_url) as (redis_url, redis_kind):
        print_machine(
            [
                f"redis:   {redis_kind}",
                f"db:      {database_kind(args.database_url)} (Majlis only)",
                f"work:    none; CPU read over {args.seconds} s, {args.settle} s after ready",
            ]
        )
        for name in interleave(SYSTEMS, args.repeat):
            figures[name].append(await measure(name, args, redis_url))
            print(f"  done: {name}", flush=True)
    baseline = statistics.median(figures[BARE])
    print()
    print("Idle worker, CPU ms per second (100 = a tenth of a processor)")
    header = f"{'name':<56} {'median':>7} {'ratio':>6}  min/max"
    print(header)
    print("-" * len(header))
    for name, values in figures.items():
        median = statistics.median(values)
        print(
            f"{name:<56} {median:>7.1f} {median / baseline:>6.2f}  "
            f"{min(values):.1f}/{max(values):.1f}"
        )
    return figures


main = command(parser, run)


if __name__ == "__main__":
    sys.exit(main(None))
