"""Updates per second: Majlis's /start next to a bare aiogram echo bot.

Both go the same way: users write to the local sandbox through its user API, the
bot long-polls the sandbox with the real aiogram ``Bot``, and its replies go back
to the sandbox with ``sendMessage``. Flood control is off (``rate_factor=0``).

* baseline: an aiogram ``Dispatcher`` with one ``@router.message()`` handler that
  answers ``message.answer(message.text)``, polled by Majlis's own poll loop
  (``bot.runtimes.common.poll``, asking ``bot.get_updates`` as aiogram does, which
  validates each update into aiogram's models), the loop Majlis uses, so that only
  what happens per update differs;
* the same echo bot polled by aiogram's ``dp.start_polling``, for comparison;
* Majlis: ``bot.app.serve_bot`` on a platform from ``bot.platform.open_platform``,
  which takes the updates into the inbox, and in the same process the workers of
  ``bot.platform.start_worker`` that answer them, as ``majlis run`` does.

The clock runs from the first ``/start`` sent until the sandbox holds a bot reply
for every one of them. Each bot runs in a process of its own; the sandbox and the
users run in this one.

    python -m bench.updates [--users 50] [--messages 10] [--redis-url URL] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import (
    Child,
    ChildFailed,
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
    process_cpu_split,
    redis_server,
    start_profiler,
    stop_profiler,
)

ECHO_MAJLIS_POLL = "aiogram echo, Majlis poll loop"
ECHO_AIOGRAM_POLL = "aiogram echo, dp.start_polling (baseline)"
MAJLIS = "Majlis /start, serve_bot"
SYSTEMS = [ECHO_AIOGRAM_POLL, ECHO_MAJLIS_POLL, MAJLIS]
COMMAND = "/start"


# ---- the bots, each in a child process -------------------------------------------------------


def echo_bot(conn: Connection, params: dict[str, Any]) -> None:
    asyncio.run(_echo_bot(conn, params))


async def _echo_bot(conn: Connection, params: dict[str, Any]) -> None:
    from aiogram import Dispatcher, Router
    from aiogram.types import Message, Update

    from bot.runtimes.aiogram_runtime import make_bot
    from bot.runtimes.common import ALLOWED_UPDATES, POLL_TIMEOUT, poll

    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = make_bot(params["token"], params["api_url"])
    stop = asyncio.Event()
    if params["poll"] == "majlis":

        async def fetch(offset: int | None, timeout: int) -> list[Update]:
            return await bot.get_updates(
                offset=offset,
                timeout=timeout,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=timeout + 10,
            )

        async def take(updates: list[Update]) -> None:
            # Answered before the batch is confirmed, all at once: as Majlis's loop did
            # when it answered updates itself.
            await asyncio.gather(*(dispatcher.feed_update(bot, update) for update in updates))

        polling = asyncio.create_task(poll(fetch, take, stop=stop))
    else:
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                polling_timeout=POLL_TIMEOUT,
                allowed_updates=ALLOWED_UPDATES,
                handle_signals=False,
                close_bot_session=False,
            )
        )
    try:
        await _until_told_to_stop(conn, polling)
    finally:
        stop.set()
        if params["poll"] != "majlis":
            with contextlib.suppress(RuntimeError):  # it had already stopped
                await dispatcher.stop_polling()
        await asyncio.wait_for(polling, timeout=30)
        await bot.session.close()
    conn.send(("done", {"rss_kib": peak_rss_kib(), "cpu": cpu_seconds()}))


def majlis_bot(conn: Connection, params: dict[str, Any]) -> None:
    asyncio.run(_majlis_bot(conn, params))


async def _majlis_bot(conn: Connection, params: dict[str, Any]) -> None:
    from bot.app import serve_bot
    from bot.platform import open_platform, start_worker
    from workflows.platform.settings import Settings

    settings = Settings(telegram_token=None, webhook_url=None, **params["settings"])
    platform = await asyncio.to_thread(open_platform, settings)
    # The handlers of the updates the bot takes in, in its own process as in ``majlis run``.
    start_worker(platform, threads=settings.worker_threads)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_bot(platform, stop))
    try:
        await _until_told_to_stop(conn, serving)
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=30)
        await asyncio.to_thread(platform.close)
    conn.send(("done", {"rss_kib": peak_rss_kib(), "cpu": cpu_seconds()}))


async def _until_told_to_stop(conn: Connection, serving: asyncio.Task[Any]) -> None:
    """Wait for the parent's "stop" (or the end of its pipe); fail if the bot stops first."""
    told = asyncio.ensure_future(asyncio.to_thread(_receive_quietly, conn))
    await asyncio.wait({told, serving}, return_when=asyncio.FIRST_COMPLETED)
    if serving.done():
        serving.result()  # raises what stopped the bot
        raise RuntimeError("the bot stopped on its own")


def _receive_quietly(conn: Connection) -> Any:
    try:
        return conn.recv()
    except EOFError:
        return None


# ---- the load, in this process ---------------------------------------------------------------


def _expected(system: str) -> Callable[[str], bool]:
    if system == MAJLIS:
        return lambda text: text.startswith("Welcome to Majlis")
    return lambda text: text == COMMAND


async def measure(system: str, args: argparse.Namespace, redis_url: str) -> Run:
    from bot.platform import SANDBOX_TOKEN
    from sandbox import Sandbox
    from sandbox.client import SandboxClient

    sandbox = Sandbox(port=0, rate_factor=0)  # 0: the sandbox's flood control is off
    await sandbox.start()
    namespace = new_namespace("updates")
    try:
        sandbox.register_bot(SANDBOX_TOKEN)
        account = sandbox.world.bot_for_token(SANDBOX_TOKEN)
        async with SandboxClient(sandbox.url) as client:
            users = [await client.create_user(f"User {i}") for i in range(args.users)]
            warm = await client.create_user("Warm-up")
            with (
                tempfile.TemporaryDirectory(prefix="majlis-bench-") as folder,
                fresh_database(args.database_url, Path(folder)) as database_url,
            ):
                if system == MAJLIS:
                    settings = {
                        "data_dir": Path(folder) / "data",
                        "database_url": database_url,
                        "redis_url": redis_url,
                        "redis_namespace": namespace,
                        "sandbox_host": "127.0.0.1",
                        "sandbox_port": sandbox.port,
                        # As the sandbox here: no flood control, so no rate limiter either.
                        "sandbox_rate_factor": 0,
                    }
                    child = Child.start(majlis_bot, {"settings": settings})
                else:
                    poll = "majlis" if system == ECHO_MAJLIS_POLL else "aiogram"
                    child = Child.start(
                        echo_bot,
                        {"token": SANDBOX_TOKEN, "api_url": sandbox.api_root, "poll": poll},
                    )
                try:
                    run = await _drive(system, args, sandbox, account, child, users, warm)
                except BaseException:
                    child.process.kill()
                    raise
                finally:
                    child.finish()
    finally:
        await sandbox.stop()
        drop_namespace(redis_url, namespace)
    return run


async def _drive(
    system: str,
    args: argparse.Namespace,
    sandbox: Any,
    account: Any,
    child: Child,
    users: list[Any],
    warm: Any,
) -> Run:
    deadline = time.monotonic() + args.timeout
    while account.poll_generation == 0:  # not polling yet (Majlis migrates its database first)
        if not child.alive():
            await child.receive(1)  # raises with the child's error
        if time.monotonic() > deadline:
            raise ChildFailed("the bot did not start polling in time")
        await asyncio.sleep(0.05)
    await warm.send(COMMAND)
    await warm.wait_for(lambda message: True, timeout=args.timeout)

    total = args.users * args.messages
    ids = [user.id for user in users]
    # Every update waits in the sandbox before the clock starts, with the bot stopped
    # (SIGSTOP), as when a crowd writes at once: what is measured is the bot draining
    # them, not how fast this process can write them (which capped the figure).
    os.kill(child.pid, signal.SIGSTOP)
    try:
        world = sandbox.world
        for _ in range(args.messages):
            for user_id in ids:
                world.user_send(world.user(user_id), user_id, text=COMMAND)
        before = world.last_seq
    finally:
        own_cpu, bot_cpu = cpu_seconds(), process_cpu_split(child.pid)
        started = time.perf_counter()
        os.kill(child.pid, signal.SIGCONT)
    profiler = start_profiler(args.py_spy, system, child.pid)
    last_progress, seen = time.monotonic(), 0
    while True:
        # Only the bot writes now: the sequence counts its replies without a scan.
        answered = world.last_seq - before
        if answered >= total and _replies(account, ids) >= total:
            break
        if answered > seen:
            last_progress, seen = time.monotonic(), answered
        elif time.monotonic() - last_progress > args.timeout:
            raise ChildFailed(f"only {answered} of {total} replies after {args.timeout:.0f} s")
        if not child.alive():
            await child.receive(1)
        await asyncio.sleep(0.005)
    seconds = time.perf_counter() - started
    bot_cpu_after = process_cpu_split(child.pid)
    sandbox_cpu = cpu_seconds() - own_cpu
    await stop_profiler(profiler)

    child.send("stop")
    _, done = await child.receive(60)
    wrong = _unexpected(account, ids, _expected(system))
    if wrong:
        print(f"warning: {system}: {wrong} replies were not the expected answer", file=sys.stderr)
    extra = {"sandbox_cpu": sandbox_cpu, "wrong": wrong}
    cpu = None
    if bot_cpu is not None and bot_cpu_after is not None:
        cpu = sum(bot_cpu_after) - sum(bot_cpu)
        extra["system_cpu"] = bot_cpu_after[1] - bot_cpu[1]
    return Run(count=total, seconds=seconds, cpu=cpu, rss_kib=done["rss_kib"], extra=extra)


def _bot_messages(account: Any, chat_ids: list[int]) -> list[Any]:
    found = []
    for chat_id in chat_ids:
        conversation = account.conversations.get(chat_id)
        if conversation is not None:
            found += [m for m in conversation.messages.values() if m.from_bot]
    return found


def _replies(account: Any, chat_ids: list[int]) -> int:
    return len(_bot_messages(account, chat_ids))


def _unexpected(account: Any, chat_ids: list[int], expected: Callable[[str], bool]) -> int:
    return sum(1 for m in _bot_messages(account, chat_ids) if not expected(m.text or ""))


# ---- the command -----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.updates",
        description="Updates per second through Majlis's /start next to a bare aiogram echo bot.",
    )
    parser.add_argument("--users", type=positive, default=100, help="users writing at once (100)")
    parser.add_argument(
        "--messages", type=positive, default=20, help="/start messages per user (20)"
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
                f"work:    {args.users} users x {args.messages} '{COMMAND}' = "
                f"{args.users * args.messages} updates per run, sent concurrently",
            ]
        )
        table = await measure_interleaved(
            SYSTEMS, ECHO_AIOGRAM_POLL, args.repeat, lambda name: measure(name, args, redis_url)
        )
    print_table(
        "Updates through the sandbox (ratio: per second / baseline; CPU s: the bot's process "
        "while measured; peak RSS: the bot's process)",
        table,
        unit="updates",
    )
    for row in table:
        sandbox_cpu = row.median(lambda run: run.extra["sandbox_cpu"])
        print(f"sandbox and users, CPU s while measuring {row.name}: {sandbox_cpu:.2f}")
    for row in table:
        system = row.median(lambda run: run.extra.get("system_cpu"))
        if system is not None:
            print(f"of the bot's CPU s while measuring {row.name}, system time: {system:.2f}")
    print(f"peak RSS of this process (sandbox and users): {peak_rss_kib() / 1024:.0f} MiB")
    return table


main = command(parser, run)


if __name__ == "__main__":
    sys.exit(main(None))
