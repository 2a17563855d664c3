"""A vote in the room: N voters press Yes, then Confirm, all at once.

Every voter has a private ballot with Yes / No / Abstain. All of them press Yes at
the same moment; each presses Confirm as soon as it appears. Measured from each
Confirm press: until the press is answered (answerCallbackQuery, the spinner
stops) and until the voter's chat shows that the vote is recorded. Also the
ballots counted in the database at the end and the HTTP 429s the sandbox gave.

* baseline: a bare aiogram bot (``dp.start_polling``) that answers the same two
  presses on the same ballots: Yes edits in a Confirm button, Confirm answers the
  press and edits the text to "recorded". It is the floor of the sandbox, the
  HTTP layer and aiogram on this machine in the same run.
* Majlis with 1, 2, 4 handler processes: ``majlis bot`` (takes updates in),
  ``majlis worker --queues default,delivery`` (the scheduler and notifications)
  and K × ``majlis worker --queues updates --no-scheduler`` (the handlers).

The ballots are set up in the database and sent before the clock starts (with the
sandbox's flood control off for the set-up). ``--flood on`` measures with the
sandbox's flood control on (Telegram's rates), ``off`` with it off, so that only
Majlis is measured.

    python -m bench.burst [--voters 100,1000] [--handlers 1,2,4] [--flood off,on]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import (
    Child,
    add_common_arguments,
    database_kind,
    drop_namespace,
    fresh_database,
    new_namespace,
    print_machine,
    process_cpu_seconds,
    redis_server,
)

ROOT = Path(__file__).resolve().parents[1]
MAJLIS = [
    sys.executable,
    "-c",
    "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
]
RECORDED = "is recorded"


@dataclass
class Result:
    name: str
    voters: int
    flood: str
    answered: list[float] = field(default_factory=list)
    recorded: list[float] = field(default_factory=list)
    ballots: int = 0
    floods: int = 0
    seconds: float = 0.0
    cpu: float | None = None


# ---- the baseline bot, in a child process ---------------------------------------------------


def echo_bot(conn: Connection, params: dict[str, Any]) -> None:
    asyncio.run(_echo_bot(conn, params))


async def _echo_bot(conn: Connection, params: dict[str, Any]) -> None:
    from aiogram import Dispatcher, Router
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

    from bot.runtimes.aiogram_runtime import make_bot
    from bot.runtimes.common import ALLOWED_UPDATES, POLL_TIMEOUT

    router = Router(name="ballot")

    async def patiently(call: Any) -> None:
        from aiogram.exceptions import TelegramRetryAfter

        for _ in range(10):
            try:
                await call()
                return
            except TelegramRetryAfter as flood:
                await asyncio.sleep(flood.retry_after)

    @router.callback_query()
    async def press(query: CallbackQuery) -> None:
        message = query.message
        assert message is not None and query.bot is not None
        bot = query.bot
        if query.data == "c":
            await patiently(lambda: query.answer("Your vote is recorded: Yes"))
            await patiently(
                lambda: bot.edit_message_text(
                    "Your vote is recorded: Yes",
                    chat_id=message.chat.id,
                    message_id=message.message_id,
                )
            )
            return
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Confirm", callback_data="c")]]
        )
        await patiently(
            lambda: bot.edit_message_text(
                "You chose: Yes",
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=keyboard,
            )
        )
        await patiently(query.answer)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = make_bot(params["token"], params["api_url"])
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            polling_timeout=POLL_TIMEOUT,
            allowed_updates=ALLOWED_UPDATES,
            handle_signals=False,
            close_bot_session=False,
        )
    )
    conn.send("ready")
    await asyncio.to_thread(conn.recv)
    with contextlib.suppress(RuntimeError):
        await dispatcher.stop_polling()
    await asyncio.wait_for(polling, timeout=30)
    await bot.session.close()


# ---- the scene ------------------------------------------------------------------------------


def set_the_scene(
    database_url: str, settings_values: dict[str, Any], clerk_id: int, voters: list[int]
) -> None:
    """Members, their representatives checked in, and a named motion open to the vote;
    its ballots are rows of the outbox, sent by :func:`send_ballots`."""
    from bot.platform import open_database
    from models import Member, Representation, User
    from workflows import attendance, meetings, motions, people
    from workflows.charter.bodies import Body
    from workflows.charter.meetings import BallotKind, SessionKind
    from workflows.charter.roles import Role
    from workflows.charter.voting import MotionKind
    from workflows.clock import SystemClock
    from workflows.settings import Settings
    from workflows.unit_of_work import UnitOfWork

    settings = Settings(**settings_values)
    db = open_database(settings, migrate=True)
    uow = UnitOfWork(db=db, settings=settings, broker=None)
    now = SystemClock().now()
    with uow.begin() as session:
        clerk = User(id=clerk_id, first_name="Clerk", language="en", language_chosen=True)
        session.add(clerk)
        session.flush()
        people.grant_role(session, user_id=clerk.id, role=Role.SECRETARIAT, actor_id=None)
        for index, user_id in enumerate(voters):
            session.add(
                User(id=user_id, first_name=f"Voter {index}", language="en", language_chosen=True)
            )
            member = Member(category="full", name_en=f"City {index}", name_ar=f"مدينة {index}")
            session.add(member)
            session.flush()
            assert member.id is not None
            session.add(Representation(member_id=member.id, user_id=user_id))
            people.grant_role(session, user_id=user_id, role=Role.REPRESENTATIVE, actor_id=None)
        meeting = meetings.convene(
            session,
            meetings.Convening(
                body=Body.ASSEMBLY,
                kind=SessionKind.EXTRAORDINARY,
                title="Extraordinary Assembly",
                starts_at=now,
                time_zone="Asia/Riyadh",
                place="Makkah",
            ),
            clerk,
            now=now,
        )
        assert meeting.id is not None
        meetings.open_session(session, meeting.id, clerk, now=now)
        for user_id in voters:
            user = session.get(User, user_id)
            assert user is not None
            attendance.check_in(session, meeting.id, user, now=now)
        motion = motions.propose(
            session,
            meeting.id,
            clerk,
            text="The budget",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, clerk, now=now, settings=settings)
    db.dispose()


def send_ballots(database_url: str, settings_values: dict[str, Any], api_url: str) -> None:
    """Every notification of the scene, sent by Majlis's own delivery without its limiter."""
    from sqlmodel import col, select

    from bot.delivery import Delivery, deliver
    from bot.platform import SANDBOX_TOKEN
    from bot.telegram_api import BotApi
    from models import Notification
    from models.db import Database
    from workflows.settings import Settings
    from workflows.unit_of_work import UnitOfWork

    settings = Settings(**settings_values)
    db = Database(database_url)
    uow = UnitOfWork(db=db, settings=settings, broker=None)
    with db.reading() as session:
        ids = list(session.exec(select(Notification.id).order_by(col(Notification.id))))
    apis = [BotApi(SANDBOX_TOKEN, api_url) for _ in range(8)]
    try:
        with ThreadPoolExecutor(max_workers=len(apis)) as pool:
            list(
                pool.map(
                    lambda pair: deliver(
                        Delivery(uow=uow, api=apis[pair[0] % 8], limiter=None), pair[1]
                    ),
                    enumerate(ids),
                )
            )
    finally:
        for api in apis:
            api.close()
        db.dispose()


def send_plain_ballots(api_url: str, voters: list[int]) -> None:
    from bot.platform import SANDBOX_TOKEN
    from bot.telegram_api import BotApi

    apis = [BotApi(SANDBOX_TOKEN, api_url) for _ in range(8)]
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    try:
        with ThreadPoolExecutor(max_workers=len(apis)) as pool:
            list(
                pool.map(
                    lambda pair: apis[pair[0] % 8].call(
                        "sendMessage", chat_id=pair[1], text="Ballot", reply_markup=keyboard
                    ),
                    enumerate(voters),
                )
            )
    finally:
        for api in apis:
            api.close()


def count_ballots(database_url: str) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from models import Ballot
    from models.db import Database

    db = Database(database_url)
    try:
        with db.reading() as session:
            return int(session.exec(select(func.count()).select_from(Ballot)).one())
    finally:
        db.dispose()


# ---- watching the sandbox -------------------------------------------------------------------


class Watch:
    """When each voter's Confirm press was answered and its chat first said "recorded";
    and how many 429s the sandbox gave."""

    def __init__(self, sandbox: Any, account: Any) -> None:
        from bot.sandbox import botapi, world

        self.answered: dict[str, float] = {}
        self.recorded: dict[int, float] = {}
        self.floods = 0
        self._undo: list[Any] = []
        handlers = botapi.HANDLERS
        original_answer = handlers["answercallbackquery"]

        async def answer(ctx: Any, params: Any) -> Any:
            result = await original_answer(ctx, params)
            self.answered.setdefault(params.text("callback_query_id") or "", time.monotonic())
            return result

        handlers["answercallbackquery"] = answer
        self._undo.append(lambda: handlers.__setitem__("answercallbackquery", original_answer))

        conversation = world.Conversation
        original_add, original_touch = conversation.add, conversation.touch
        watch = self

        def note(message: Any) -> None:
            if message.from_bot and RECORDED in (message.text or ""):
                watch.recorded.setdefault(message.chat_id, time.monotonic())

        def add(self: Any, message: Any) -> Any:
            note(message)
            return original_add(self, message)

        def touch(self: Any, message: Any) -> None:
            note(message)
            original_touch(self, message)

        conversation.add, conversation.touch = add, touch  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(conversation, "add", original_add))
        self._undo.append(lambda: setattr(conversation, "touch", original_touch))

        flood = account.flood
        original_check = flood.check

        def check(chat_id: int, is_group: bool) -> int:
            wait = original_check(chat_id, is_group)
            if wait:
                watch.floods += 1
            return int(wait)

        flood.check = check
        self._undo.append(lambda: setattr(flood, "check", original_check))

    def close(self) -> None:
        for undo in reversed(self._undo):
            undo()


# ---- the voters -----------------------------------------------------------------------------


async def vote(
    sandbox: Any, account: Any, voters: list[int], watch: Watch, timeout: float
) -> dict[int, float]:
    """Everyone presses Yes at once, then Confirm as soon as it shows; returns when each
    pressed Confirm, once every chat says recorded (or ``timeout``)."""
    world = sandbox.world
    confirmed: dict[int, float] = {}
    confirm_ids: dict[int, str] = {}

    def ballot(chat_id: int) -> Any:
        conversation = account.conversations[chat_id]
        return next(m for m in reversed(list(conversation.messages.values())) if m.reply_markup)

    def button(message: Any, text: str) -> str | None:
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for cell in row:
                if cell.get("text") == text and "callback_data" in cell:
                    return str(cell["callback_data"])
        return None

    async def one(chat_id: int) -> None:
        user = world.user(chat_id)
        message = ballot(chat_id)
        yes = button(message, "Yes")
        assert yes is not None, "no Yes on the ballot"
        world.press(user, chat_id, message.message_id, yes, account.id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = button(message, "Confirm")
            if data is not None:
                confirmed[chat_id] = time.monotonic()
                query = world.press(user, chat_id, message.message_id, data, account.id)
                confirm_ids[chat_id] = query.id
                return
            await asyncio.sleep(0.02)

    await asyncio.gather(*(one(chat_id) for chat_id in voters))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(watch.recorded) < len(voters):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # answers still in flight
    watch.confirm_ids = confirm_ids  # type: ignore[attr-defined]
    return confirmed


# ---- one run --------------------------------------------------------------------------------


def majlis_process(
    args: list[str], env: dict[str, str], log: Path, ready: str
) -> subprocess.Popen[bytes]:
    sink = log.open("ab")
    process = subprocess.Popen(
        [*MAJLIS, *args], env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 90
    while ready not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"majlis {' '.join(args)} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    return process


async def run(
    name: str,
    voters_count: int,
    flood: str,
    handlers: int,
    args: argparse.Namespace,
    redis_url: str,
) -> Result:
    from bot.platform import SANDBOX_TOKEN, SANDBOX_USERNAME
    from bot.sandbox import Sandbox
    from bot.sandbox.ratelimit import FloodControl

    result = Result(name=name, voters=voters_count, flood=flood)
    sandbox = Sandbox(port=0, rate_factor=1.0 if flood == "on" else 0)
    await sandbox.start()
    namespace = new_namespace("burst")
    processes: list[subprocess.Popen[bytes]] = []
    child: Child | None = None
    try:
        sandbox.register_bot(SANDBOX_TOKEN, username=SANDBOX_USERNAME, first_name="Majlis")
        account = sandbox.world.bot_for_token(SANDBOX_TOKEN)
        clerk = sandbox.world.create_user("Clerk", language_code="en").id
        voters = [
            sandbox.world.create_user(f"Voter {i}", language_code="en").id
            for i in range(voters_count)
        ]
        account.conversation(clerk)
        for chat_id in voters:
            account.conversation(chat_id)  # as if each had started the bot
        with (
            tempfile.TemporaryDirectory(prefix="majlis-bench-") as folder,
            fresh_database(args.database_url, Path(folder)) as database_url,
        ):
            settings = {
                "data_dir": str(Path(folder) / "data"),
                "database_url": database_url,
                "redis_url": redis_url,
                "redis_namespace": namespace,
                "sandbox_port": sandbox.port,
            }
            setup_flood, account.flood = account.flood, FloodControl(0)
            if handlers:
                await asyncio.to_thread(set_the_scene, database_url, settings, clerk, voters)
                await asyncio.to_thread(send_ballots, database_url, settings, sandbox.api_root)
            else:
                await asyncio.to_thread(send_plain_ballots, sandbox.api_root, voters)
            account.flood = setup_flood
            watch = Watch(sandbox, account)
            pids: list[int] = []
            if handlers:
                env = {k: v for k, v in os.environ.items() if not k.startswith("MAJLIS_")}
                env.update({f"MAJLIS_{k.upper()}": str(v) for k, v in settings.items()})
                env["PYTHONPATH"] = str(ROOT)
                logs = Path(args.logs or folder)
                logs.mkdir(parents=True, exist_ok=True)
                env["MAJLIS_LOG_LEVEL"] = os.environ.get("MAJLIS_LOG_LEVEL", "INFO")
                processes.append(
                    await asyncio.to_thread(
                        majlis_process,
                        ["worker", "--queues", "default,delivery", "--threads", "4"],
                        env,
                        logs / "worker.log",
                        "worker:",
                    )
                )
                for index in range(handlers):
                    processes.append(
                        await asyncio.to_thread(
                            majlis_process,
                            ["worker", "--queues", "updates", "--no-scheduler", "--threads", "4"],
                            env,
                            logs / f"handler-{index}.log",
                            "worker:",
                        )
                    )
                    pids.append(processes[-1].pid)
                processes.append(
                    await asyncio.to_thread(
                        majlis_process, ["bot"], env, logs / "bot.log", "bot: serving"
                    )
                )
                pids.append(processes[-1].pid)
            else:
                child = Child.start(echo_bot, {"token": SANDBOX_TOKEN, "api_url": sandbox.api_root})
                assert await child.receive(60) == "ready"
                pids.append(child.pid)
            cpu_before = sum(process_cpu_seconds(pid) or 0.0 for pid in pids)
            started = time.monotonic()
            confirmed = await vote(sandbox, account, voters, watch, args.timeout)
            result.seconds = time.monotonic() - started
            result.cpu = sum(process_cpu_seconds(pid) or 0.0 for pid in pids) - cpu_before
            watch.close()
            ids: dict[int, str] = watch.confirm_ids  # type: ignore[attr-defined]
            for chat_id, at in confirmed.items():
                if ids.get(chat_id) in watch.answered:
                    result.answered.append(watch.answered[ids[chat_id]] - at)
                if chat_id in watch.recorded:
                    result.recorded.append(watch.recorded[chat_id] - at)
            result.floods = watch.floods
            result.ballots = (
                await asyncio.to_thread(count_ballots, database_url)
                if handlers
                else len(result.recorded)
            )
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            processes.clear()
    finally:
        for process in processes:
            process.kill()
        if child is not None:
            with contextlib.suppress(Exception):
                child.send("stop")
            child.finish()
        await sandbox.stop()
        drop_namespace(redis_url, namespace)
    return result


# ---- the table ------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def show(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_results(results: list[Result]) -> None:
    print()
    print(
        "Confirm press -> press answered / chat says recorded, seconds (p50 p99 max); min/median/max over runs of p99"
    )
    header = (
        f"{'system':<26} {'N':>5} {'flood':>5} {'answered p50':>12} {'p99':>6} {'max':>6} "
        f"{'recorded p50':>12} {'p99':>6} {'max':>6} {'ballots':>8} {'429s':>5} {'wall s':>7} {'CPU s':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<26} {r.voters:>5} {r.flood:>5} {show(percentile(r.answered, 0.5)):>12} "
            f"{show(percentile(r.answered, 0.99)):>6} {show(max(r.answered, default=None) if r.answered else None):>6} "
            f"{show(percentile(r.recorded, 0.5)):>12} {show(percentile(r.recorded, 0.99)):>6} "
            f"{show(max(r.recorded) if r.recorded else None):>6} {r.ballots:>8} {r.floods:>5} "
            f"{r.seconds:>7.1f} {show(r.cpu):>6}"
        )
    groups: dict[tuple[str, int, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.name, r.voters, r.flood), []).append(r)
    if any(len(group) > 1 for group in groups.values()):
        print("p99 recorded over runs (min / median / max):")
        for (name, voters, flood), group in groups.items():
            p99s = [p for p in (percentile(r.recorded, 0.99) for r in group) if p is not None]
            if p99s:
                print(
                    f"  {name}, N={voters}, flood {flood}: "
                    f"{min(p99s):.2f} / {statistics.median(p99s):.2f} / {max(p99s):.2f}"
                )


async def main_async(args: argparse.Namespace) -> None:
    with redis_server(args.redis_url) as (redis_url, redis_kind):
        print_machine(
            [
                f"redis:   {redis_kind}",
                f"db:      {database_kind(args.database_url)} (Majlis only)",
                "work:    N voters press Yes, then Confirm as soon as it shows, all at once",
            ]
        )
        results: list[Result] = []
        for _ in range(args.repeat):
            for flood in args.flood:
                for voters in args.voters:
                    systems = [("aiogram bare (baseline)", 0)] + [
                        (f"Majlis, {k} handler{'s' if k > 1 else ''}", k) for k in args.handlers
                    ]
                    for name, handlers in systems:
                        result = await run(name, voters, flood, handlers, args, redis_url)
                        results.append(result)
                        print(
                            f"  {name}, N={voters}, flood {flood}: recorded p99 "
                            f"{show(percentile(result.recorded, 0.99))} s, {result.ballots} ballots",
                            flush=True,
                        )
        print_results(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--voters", default="100,1000", help="comma-separated N (default 100,1000)")
    parser.add_argument("--handlers", default="1,2,4", help="handler processes (default 1,2,4)")
    parser.add_argument("--flood", default="off,on", help="the sandbox's flood control: off, on")
    parser.add_argument(
        "--logs", default=None, help="keep the Majlis processes' logs in this folder"
    )
    args = parser.parse_args()
    args.voters = [int(v) for v in args.voters.split(",")]
    args.handlers = [int(v) for v in args.handlers.split(",")]
    args.flood = [v.strip() for v in args.flood.split(",")]
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
