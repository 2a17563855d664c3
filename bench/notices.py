"""Notices at Telegram's limit: N notices to N members, with Telegram's flood control on.

A fee period's notices go one to each member. Here N notifications, one per
member, are written with ``workflows.platform.outbox.notify`` in one ``UnitOfWork.begin()``
and delivered by the workers of ``bot.platform.start_worker`` with Majlis's Redis
rate limiter, to the local sandbox with its flood control at Telegram's rates
(``rate_factor=1``: 30 messages a second overall, a bucket of 30). The clock runs
from the first statement until every row has ``delivered_at``.

The physical limit is the floor of N/30 seconds: the figure printed beside each
run is the fraction of that limit reached (floor / seconds; 1.00 is Telegram's
limit), and the number of HTTP 429s the sandbox answered meanwhile, which a
sender that keeps to the limits never sees.

    python -m bench.notices [--sizes 100,1000] [--repeat 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    Child,
    add_common_arguments,
    command,
    database_kind,
    drop_namespace,
    fresh_database,
    new_namespace,
    positive,
    print_machine,
    redis_server,
)
from bench.delivery import majlis_outbox

#: Telegram's overall limit for one bot.
PER_SECOND = 30


async def measure(size: int, args: argparse.Namespace, redis_url: str) -> dict[str, float]:
    from bot.platform import SANDBOX_TOKEN
    from sandbox import Sandbox

    namespace = new_namespace("notices")
    sandbox = Sandbox(port=0, rate_factor=1.0)  # Telegram's rates
    await sandbox.start()
    try:
        sandbox.register_bot(SANDBOX_TOKEN)
        account = sandbox.world.bot_for_token(SANDBOX_TOKEN)
        members = [sandbox.world.create_user(f"Member {i}") for i in range(size + 1)]
        for member in members:  # members who started the bot long ago
            account.conversation(member.id)
        chats = [member.id for member in members]
        with (
            tempfile.TemporaryDirectory(prefix="majlis-bench-") as folder,
            fresh_database(args.database_url, Path(folder)) as database_url,
        ):
            params: dict[str, Any] = {
                "redis_url": redis_url,
                "namespace": namespace,
                "count": size,
                "threads": args.threads,
                "timeout": args.timeout,
                "chats": chats[1:],
                "warmup_chat": chats[0],
                "limiter": True,
                "settings": {
                    "data_dir": Path(folder) / "data",
                    "database_url": database_url,
                    "redis_url": redis_url,
                    "redis_namespace": namespace,
                    "sandbox_host": "127.0.0.1",
                    "sandbox_port": sandbox.port,
                    "worker_threads": args.threads,
                },
            }
            child = Child.start(majlis_outbox, params)
            try:
                await child.receive(args.timeout)  # "started", after the warm-up
                refused_before = account.flood.refused
                _, result = await child.receive(args.timeout * 3)
            except BaseException:
                child.process.kill()
                raise
            finally:
                child.finish()
        sent = sum(
            1 for chat in chats for m in account.conversations[chat].messages.values() if m.from_bot
        )
        if sent != size + 1:
            print(f"warning: {sent} messages for {size + 1} notifications", file=sys.stderr)
        return {
            "seconds": result["seconds"],
            "handed": result["handed"],
            "refused": account.flood.refused - refused_before,
            "postponed": result["postponed"],
            "cpu": result["cpu"],
        }
    finally:
        await sandbox.stop()
        drop_namespace(redis_url, namespace)


def _spread(values: list[float], form: str) -> str:
    return "/".join(form.format(v) for v in (min(values), statistics.median(values), max(values)))


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.notices",
        description="N notices to N members against the N/30 s floor, flood control on.",
    )
    parser.add_argument(
        "--sizes",
        default="100,1000",
        help="numbers of members, comma-separated (100,1000; add 2000 for the growth)",
    )
    parser.add_argument("--threads", type=positive, default=4, help="worker threads (4)")
    add_common_arguments(parser)
    return parser


async def run(args: argparse.Namespace) -> None:
    sizes = [int(size) for size in args.sizes.split(",")]
    runs: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    with redis_server(args.redis_url) as (redis_url, redis_kind):
        print_machine(
            [
                f"redis:   {redis_kind}",
                f"db:      {database_kind(args.database_url)}",
                f"work:    N notices to N members, {args.threads} worker threads, "
                f"sandbox flood control at Telegram's rates, {args.repeat} run(s) each",
            ]
        )
        for _ in range(args.repeat):
            for size in sizes:
                runs[size].append(await measure(size, args, redis_url))
                print(f"  done: {size}", file=sys.stderr)
    print()
    print(
        "Notices (min/median/max over runs; floor: N/30 s, Telegram's limit; "
        "fraction: floor / seconds)"
    )
    header = (
        f"{'N':>6} {'floor s':>8} {'seconds':>20} {'fraction of limit':>18} "
        f"{'HTTP 429s':>10} {'postponed':>10} {'written s':>10} {'CPU s':>8}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        floor = size / PER_SECOND
        done = runs[size]
        seconds = [r["seconds"] for r in done]
        print(
            f"{size:>6} {floor:>8.2f} {_spread(seconds, '{:.2f}'):>20} "
            f"{_spread([floor / s for s in seconds], '{:.3f}'):>18} "
            f"{_spread([r['refused'] for r in done], '{:.0f}'):>10} "
            f"{_spread([r['postponed'] for r in done], '{:.0f}'):>10} "
            f"{statistics.median(r['handed'] for r in done):>10.2f} "
            f"{statistics.median(r['cpu'] for r in done):>8.2f}"
        )
    print(
        "seconds: from the first statement to the last stamp; written s: until the "
        "notifications were committed and on the queue; postponed: attempts beyond one "
        "per notification; CPU s: the worker's process"
    )


main = command(parser, run)


if __name__ == "__main__":
    sys.exit(main(None))
