"""Start-up: from ``majlis run`` (and ``majlis bot``) to the first reply, beside bare aiogram.

Every system is a fresh child process started with this checkout's Python, as a user
starts it; the clock runs from just before the process is created.

* ``majlis run`` on the embedded defaults (a fresh data folder per run, so SQLite and
  its migrations from nothing, the embedded Valkey, the local sandbox on a free port,
  flood control on): when it prints its ready line ``Sandbox: URL``, a new user is
  made on that sandbox and sends ``/start``; the figures are the time to the ready
  line and the time to the bot's first message in that chat. The same again on the
  data folder of the run before (the database already migrated), as a restart is.
* its baseline: one process that starts the same sandbox in the same way
  (``sandbox.Sandbox``, flood control on), prints the same line, and polls it with
  a bare aiogram bot (a ``Dispatcher``, one handler answering every message,
  ``dp.start_polling``); the user is made and writes in the same way.
* ``majlis bot``, and its baseline the bare aiogram bot alone, against a sandbox in
  this process: the ``/start`` is written before the process starts (it waits in
  the sandbox), the ready line is ``bot: serving @name``. ``majlis bot`` does not
  migrate: the database is migrated here before the clock starts. It only takes
  updates in: a ``majlis worker --queues updates`` answers them, started and ready
  before the clock, as workers run on when a bot restarts.

With ``--database-url`` and ``--redis-url`` (PostgreSQL and Redis, as in production)
both Majlis rows use them (a throwaway schema and Redis namespace per run).

    python -m bench.startup [--repeat 5] [--database-url URL] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    MAJLIS,
    ChildFailed,
    command,
    database_kind,
    drop_namespace,
    environment,
    fresh_database,
    new_namespace,
    positive,
    print_machine,
    process_cpu_seconds,
    python_process,
)

RUN_FRESH = "majlis run, new data folder"
RUN_AGAIN = "majlis run, same data again"
RUN_BASELINE = "aiogram + sandbox, one process (baseline)"
BOT = "majlis bot"
BOT_BASELINE = "aiogram bot alone (baseline)"

#: The bot token both sandboxes know (any well-formed token will do).
TOKEN = "1000000001:SANDBOX-majlis-local-bot-api-token0"
READY_RUN = re.compile(r"Sandbox: (http://\S+/)\n")
READY_BOT = "bot: serving"
READY_WORKER = "worker:"

#: The baseline: a bare aiogram bot, with the sandbox in its own process when no Bot
#: API is given (as ``majlis run`` hosts it). Run with ``python -c``: it imports only
#: what it uses.
BARE_BOT = """
import asyncio, sys
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

async def main(token, where):
    sandbox = None
    if where.startswith("http"):
        api_root = where
    else:
        from sandbox import Sandbox
        sandbox = Sandbox(port=int(where), rate_factor=1.0)
        sandbox.register_bot(token)
        await sandbox.start()
        api_root = sandbox.api_root
        print(f"Sandbox: {sandbox.url}", flush=True)
    router = Router()

    @router.message()
    async def welcome(message: Message) -> None:
        await message.answer("Welcome")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_root)))
    print("bot: serving", flush=True)
    try:
        await dispatcher.start_polling(bot, handle_signals=True)
    finally:
        if sandbox is not None:
            await sandbox.stop()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@dataclass
class Start:
    ready: float
    reply: float
    cpu: float | None


@dataclass
class Row:
    name: str
    baseline: bool = False
    runs: list[Start] = field(default_factory=list)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup",
        description="Seconds from starting majlis run / majlis bot to the first reply, "
        "beside a bare aiogram bot.",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        help="Redis for Majlis (default: none, so majlis run starts its embedded Valkey)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL for Majlis (a throwaway schema per run); default: SQLite in "
        "the run's data folder",
    )
    parser.add_argument("--repeat", type=positive, default=5, help="runs of every system")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up on a run after")
    parser.add_argument(
        "--only",
        choices=("run", "bot"),
        default=None,
        help="only the majlis run rows, or only the majlis bot rows",
    )
    return parser


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _ready_line(
    process: Any, pattern: re.Pattern[str] | str, log: Path, timeout: float
) -> str:
    """The process's first stdout line matching ``pattern``; fails if it ends first."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            raw = await asyncio.wait_for(process.stdout.readline(), timeout=max(remaining, 0.01))
        except TimeoutError:
            raise ChildFailed(f"no ready line within {timeout:.0f} s: {''.join(seen)}") from None
        if not raw:
            await process.wait()
            raise ChildFailed(
                f"the process ended (exit {process.returncode}) before its ready line:\n"
                f"{''.join(seen)}{log.read_text(errors='replace')[-3000:]}"
            )
        line = raw.decode()
        seen.append(line)
        if isinstance(pattern, str) and pattern in line:
            return line
        if isinstance(pattern, re.Pattern) and pattern.fullmatch(line):
            return line


async def measure_run(
    system: str, data: Path, database_url: str, redis: str | None, args: argparse.Namespace
) -> Start:
    """``majlis run`` or its baseline: ready line, then a new user's /start answered."""
    from sandbox.client import SandboxClient

    port = _free_port()
    log = data.parent / "output.log"
    if system == RUN_BASELINE:
        argv, env = ["-c", BARE_BOT, TOKEN, str(port)], environment()
    else:
        settings = {"data_dir": str(data), "sandbox_port": str(port)}
        settings["database_url"] = database_url
        if redis:
            settings["redis_url"] = redis
            settings["redis_namespace"] = args.namespace
        argv, env = [*MAJLIS, "run"], environment(**settings)
    started = time.perf_counter()
    async with python_process(argv, env, log) as process:
        line = await _ready_line(process, READY_RUN, log, args.timeout)
        ready = time.perf_counter() - started
        shown = READY_RUN.fullmatch(line)
        assert shown is not None, line
        url = shown.group(1)
        async with SandboxClient(url) as client:
            user = await client.create_user("Huda")
            await user.send("/start")
            await user.wait_for(lambda message: True, timeout=args.timeout)
        reply = time.perf_counter() - started
        cpu = process_cpu_seconds(process.pid)
    return Start(ready, reply, cpu)


async def measure_bot(
    system: str, sandbox: Any, database_url: str, redis: str | None, args: argparse.Namespace
) -> Start:
    """``majlis bot`` or the bare bot: /start already waiting, the process started."""
    from sandbox.client import SandboxClient

    log = Path(args.folder) / "output.log"
    if system == BOT_BASELINE:
        argv, env = ["-c", BARE_BOT, TOKEN, sandbox.api_root], environment()
    else:
        settings = {
            "data_dir": str(Path(args.folder) / "data"),
            "database_url": database_url,
            "telegram_token": TOKEN,
            "telegram_api_url": sandbox.api_root,
        }
        if redis:
            settings["redis_url"] = redis
            settings["redis_namespace"] = args.namespace
        argv, env = [*MAJLIS, "bot"], environment(**settings)
    async with contextlib.AsyncExitStack() as stack:
        if system != BOT_BASELINE:
            # The workers answer what the bot takes in; they run already, as in
            # production, where the bot is what restarts (started first, so that the
            # bot finds the embedded Valkey they started, if any).
            handlers = await stack.enter_async_context(
                python_process(
                    [*MAJLIS, "worker", "--queues", "updates", "--no-scheduler"], env, log
                )
            )
            await _ready_line(handlers, READY_WORKER, log, args.timeout)
        client = await stack.enter_async_context(SandboxClient(sandbox.url))
        user = await client.create_user("Huda")
        await user.send("/start")
        started = time.perf_counter()
        async with python_process(argv, env, log) as process:
            answered = asyncio.ensure_future(user.wait_for(lambda m: True, timeout=args.timeout))
            try:
                await _ready_line(process, READY_BOT, log, args.timeout)
                ready = time.perf_counter() - started
                await answered
            finally:
                answered.cancel()
            reply = time.perf_counter() - started
            cpu = process_cpu_seconds(process.pid)
    return Start(ready, reply, cpu)


async def run(args: argparse.Namespace) -> None:
    print_machine(
        [
            f"database: {database_kind(args.database_url)}",
            f"redis:    {f'Redis at {args.redis_url}' if args.redis_url else 'none given: majlis run starts its embedded Valkey, majlis bot the one its worker started'}",
            "sandbox:  flood control on (rate_factor=1)",
            f"runs:     {args.repeat} of every system, interleaved",
        ]
    )
    systems: list[str] = []
    if args.only in (None, "run"):
        systems += [RUN_BASELINE, RUN_FRESH, RUN_AGAIN]
    if args.only in (None, "bot"):
        systems += [BOT_BASELINE, BOT]
    rows = {name: Row(name, baseline=name in (RUN_BASELINE, BOT_BASELINE)) for name in systems}
    for _ in range(args.repeat):
        if args.only in (None, "run"):
            await _run_rows(rows, args)
        if args.only in (None, "bot"):
            await _bot_rows(rows, args)
    _print(list(rows.values()))


async def _run_rows(rows: dict[str, Row], args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="majlis-bench-startup-") as folder:
        args.namespace = new_namespace("startup")
        data = Path(folder) / "data"
        try:
            with fresh_database(args.database_url, data) as database_url:
                data.mkdir()
                for system in (RUN_BASELINE, RUN_FRESH, RUN_AGAIN):
                    rows[system].runs.append(
                        await measure_run(system, data, database_url, args.redis_url, args)
                    )
                    print(f"  done: {system}", file=sys.stderr)
        finally:
            if args.redis_url:
                drop_namespace(args.redis_url, args.namespace)


async def _bot_rows(rows: dict[str, Row], args: argparse.Namespace) -> None:
    from bot.platform import open_database
    from sandbox import Sandbox
    from workflows.platform.settings import Settings

    with tempfile.TemporaryDirectory(prefix="majlis-bench-startup-") as folder:
        args.folder = folder
        args.namespace = new_namespace("startup")
        sandbox = Sandbox(port=0, rate_factor=1.0)
        sandbox.register_bot(TOKEN)
        await sandbox.start()
        try:
            (Path(folder) / "data").mkdir()
            with fresh_database(args.database_url, Path(folder) / "data") as database_url:
                # majlis bot does not migrate: the database is made ready before the clock.
                settings = Settings(data_dir=Path(folder) / "data", database_url=database_url)
                (await asyncio.to_thread(open_database, settings, migrate=True)).dispose()
                for system in (BOT_BASELINE, BOT):
                    rows[system].runs.append(
                        await measure_bot(system, sandbox, database_url, args.redis_url, args)
                    )
                    print(f"  done: {system}", file=sys.stderr)
        finally:
            await sandbox.stop()
            if args.redis_url:
                drop_namespace(args.redis_url, args.namespace)


def _spread(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in (min(values), statistics.median(values), max(values)))


def _print(rows: list[Row]) -> None:
    header = (
        f"{'name':<44} {'ready line s':>17} {'first reply s':>17} {'ratio':>6} "
        f"{'reply-ready s':>17} {'CPU s':>6}"
    )
    print()
    print("From process start (min/median/max; ratio: median first reply / the baseline's above)")
    print(header)
    print("-" * len(header))
    baseline: Row | None = None
    for row in rows:
        if row.baseline:
            baseline = row
        replies = [run.reply for run in row.runs]
        ratio = (
            statistics.median(replies) / statistics.median([run.reply for run in baseline.runs])
            if baseline is not None
            else float("nan")
        )
        cpus = [run.cpu for run in row.runs if run.cpu is not None]
        print(
            f"{row.name:<44} {_spread([run.ready for run in row.runs]):>17} "
            f"{_spread(replies):>17} {ratio:>6.2f} "
            f"{_spread([run.reply - run.ready for run in row.runs]):>17} "
            f"{statistics.median(cpus) if cpus else float('nan'):>6.2f}"
        )


main = command(_parser, run)

if __name__ == "__main__":
    sys.exit(main(None))
