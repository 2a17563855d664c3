"""Reply latency of people using the bot while a broadcast goes out.

Majlis runs in this process as ``majlis run`` does (bot, workers, scheduler) against
the local sandbox with Telegram's own flood control (rate factor 1). ``--askers``
people each send ``/menu`` once a second and time the bot's answer: first for
``--seconds`` with nothing else going on (the baseline, same run, same machine),
then while a broadcast to ``--people`` representatives is being delivered. The
broadcast is made with ``workflows.outreach.broadcasts.create`` and started by the
scheduler as in production; its copies go through the outbox and the shared
rate limiter (30 messages a second overall, one per chat).

    python -m bench.broadcast [--people 2000] [--askers 10] [--seconds 15]
                              [--redis-url URL] [--database-url URL]

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import col, select

from bench.common import (
    database_kind,
    drop_namespace,
    fresh_database,
    new_namespace,
    positive,
    print_machine,
    redis_server,
)
from sandbox.client import SandboxUser


async def ask_once(user: SandboxUser) -> float:
    """Seconds from sending /menu to the bot's answer in the sandbox."""
    started = time.perf_counter()
    await user.send("/menu")
    await user.wait_for("Main menu", timeout=120)
    return time.perf_counter() - started


async def askers_loop(users: list[SandboxUser], stop: asyncio.Event) -> list[float]:
    latencies: list[float] = []

    async def one(user: SandboxUser) -> None:
        while not stop.is_set():
            began = time.perf_counter()
            latencies.append(await ask_once(user))
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - began)))

    await asyncio.gather(*(one(user) for user in users))
    return latencies


def describe(name: str, latencies: list[float]) -> str:
    if not latencies:
        return f"{name:<40} no replies"
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{name:<40} {len(ordered):>6} {statistics.median(ordered) * 1000:>9.0f} "
        f"{p95 * 1000:>9.0f} {ordered[-1] * 1000:>9.0f}"
    )


async def run(args: argparse.Namespace, redis_url: str, database_url: str, folder: Path) -> None:
    from bot.app import serve_bot
    from bot.platform import Scheduler, open_platform, start_worker
    from models import Member, Notification, Representation, RoleGrant, User
    from sandbox import Sandbox
    from sandbox.client import SandboxClient
    from workflows.outreach import broadcasts
    from workflows.platform.settings import Settings

    sandbox = Sandbox(port=0, rate_factor=1.0)
    await sandbox.start()
    namespace = new_namespace("broadcast")
    port = int(sandbox.url.rstrip("/").rsplit(":", 1)[1])
    settings = Settings(
        data_dir=folder / "data",
        database_url=database_url,
        redis_url=redis_url,
        redis_namespace=namespace,
        sandbox_port=port,
    )
    platform = await asyncio.to_thread(open_platform, settings)
    start_worker(platform, threads=4)
    scheduler = Scheduler(platform)
    scheduler.start()
    stop = asyncio.Event()
    bot_task = asyncio.create_task(serve_bot(platform, stop))
    try:
        async with SandboxClient(sandbox.url) as client:
            askers = [await client.create_user(f"Asker {n}") for n in range(args.askers)]
            for user in askers:
                await ask_once(user)  # warm-up, not counted
            secretary = await client.create_user("Secretary")
            await secretary.send("/start")
            recipients = [
                await client.create_user(f"Mayor {n}", language_code="ar" if n % 3 else "en")
                for n in range(args.people)
            ]
            # The recipients have started the bot: their private chats exist.
            for account in sandbox.world.bots.values():
                for user in recipients:
                    account.conversation(user.id)
            now = datetime.now(UTC)
            with platform.uow.begin() as session:
                session.execute(
                    insert(User),
                    [
                        {
                            "id": user.id,
                            "first_name": f"Mayor {n}",
                            "language": "ar" if n % 3 else "en",
                            "language_chosen": True,
                            "created_at": now,
                        }
                        for n, user in enumerate(recipients)
                    ],
                )
                session.execute(
                    insert(Member),
                    [
                        {
                            "category": "full",
                            "name_en": f"City {n}",
                            "name_ar": f"مدينة {n}",
                            "country": "MA",
                            "institutional": False,
                            "standing": "active",
                            "voting_right": "active",
                            "admitted_at": now,
                        }
                        for n in range(args.people)
                    ],
                )
                member_ids = list(session.exec(select(Member.id).order_by(col(Member.id))))
                session.execute(
                    insert(Representation),
                    [
                        {"member_id": member_id, "user_id": user.id, "since": now}
                        for member_id, user in zip(member_ids, recipients, strict=True)
                    ],
                )
                session.add(RoleGrant(user_id=secretary.id, role="secretariat", granted_at=now))

            stop_asking = asyncio.Event()
            asking = asyncio.create_task(askers_loop(askers, stop_asking))
            await asyncio.sleep(args.seconds)
            stop_asking.set()
            baseline = await asking

            def delivered(broadcast_id: int) -> int:
                with platform.uow.db.reading() as session:
                    return int(
                        session.exec(
                            select(func.count()).where(
                                Notification.broadcast_id == broadcast_id,
                                col(Notification.delivered_at).is_not(None),
                            )
                        ).one()
                    )

            stop_asking = asyncio.Event()
            asking = asyncio.create_task(askers_loop(askers, stop_asking))
            created = time.perf_counter()
            with platform.uow.begin() as session:
                broadcast = broadcasts.create(
                    session,
                    sender_id=secretary.id,
                    segments=[broadcasts.ALL],
                    text_en="<b>Conference</b> of mayors",
                    text_ar="<b>مؤتمر</b> العمد",
                    other_language=False,
                    file=None,
                    due_at=datetime.now(UTC),
                    time_zone="UTC",
                    now=datetime.now(UTC),
                )
                broadcast_id = broadcast.id or 0
            while await asyncio.to_thread(delivered, broadcast_id) < args.people:
                await asyncio.sleep(0.5)
            took = time.perf_counter() - created
            stop_asking.set()
            during = await asking
    finally:
        stop.set()
        await asyncio.wait_for(bot_task, timeout=60)
        scheduler.stop()
        await asyncio.to_thread(platform.close)
        await sandbox.stop()
        drop_namespace(redis_url, namespace)

    print()
    print(
        f"broadcast to {args.people}: all delivered {took:.1f} s after it was made "
        f"({args.people / took:.1f} messages/s; Telegram allows 30)"
    )
    print(f"{'reply to /menu (ms)':<40} {'count':>6} {'median':>9} {'p95':>9} {'max':>9}")
    print(describe("nothing else going on (baseline)", baseline))
    print(describe(f"during a broadcast to {args.people}", during))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=positive, default=2000)
    parser.add_argument("--askers", type=positive, default=10)
    parser.add_argument("--seconds", type=positive, default=15)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with (
        redis_server(args.redis_url) as (redis_url, redis_text),
        tempfile.TemporaryDirectory(prefix="majlis-bench-broadcast-") as folder,
        fresh_database(args.database_url, Path(folder)) as database_url,
    ):
        print_machine(
            [
                f"redis:   {redis_text}",
                f"db:      {database_kind(args.database_url)}",
                f"work:    {args.askers} people sending /menu once a second; a broadcast to "
                f"{args.people}",
            ]
        )
        asyncio.run(run(args, redis_url, database_url, Path(folder)))


if __name__ == "__main__":
    main()
