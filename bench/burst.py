"""A vote in the room: N voters press Yes, then Confirm, all at once.

Every voter holds a private ballot with Yes / No / Abstain, sent before the clock
starts. All of them press Yes at the same moment; each presses Confirm as soon as
it shows. Measured from each Confirm press: until the press is answered
(``answerCallbackQuery``, the spinner stops) and until the voter's chat says that
the vote is recorded. Meanwhile ``--askers`` other people send ``/menu`` once a
second and time the answer. Also: the ballots in the database at the end, the
HTTP 429s the sandbox gave, and the CPU seconds of the measured processes.

* baseline: a bare aiogram bot (``dp.start_polling``) answering the same two
  presses on a plain ballot (Yes edits in a Confirm button, Confirm answers the
  press and edits the text to "recorded") and ``/menu`` with a line of text: the
  floor of the sandbox, the HTTP layer and aiogram on this machine, same run.
* Majlis: ``majlis bot`` (takes the updates in) and ``majlis worker`` (answers
  them, delivers the notifications, runs the scheduler), separate processes on
  the same database and Redis. ``--handlers 1,2`` adds rows where that many
  processes ``majlis worker --queues updates --no-scheduler`` answer the updates
  and the worker keeps to notifications and the scheduler.

``--flood on`` runs the sandbox's flood control at Telegram's rates (and Majlis's
limiter with it), ``off`` turns both off so that only the handling is measured.

    python -m bench.burst [--voters 100,1000] [--flood off,on] [--ballot named]
        [--askers 5] [--handlers 1,2] [--repeat 3] [--py-spy FOLDER] [--logs FOLDER]
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
    ChildFailed,
    add_common_arguments,
    add_profiler_argument,
    database_kind,
    drop_namespace,
    fresh_database,
    new_namespace,
    positive,
    print_machine,
    process_cpu_seconds,
    redis_server,
    start_profiler,
    stop_profiler,
)

ROOT = Path(__file__).resolve().parents[1]
MAJLIS = [sys.executable, "-m", "bot.cli"]
#: Both a named ballot's copy ("Your vote … is recorded: Yes") and a secret one's
#: answer ("… It is recorded sealed …") say it; so does the baseline.
RECORDED = "is recorded"
MENU = "Main menu"
WARM = "Warm-up notice"
BASELINE = "aiogram bare (baseline)"
#: The first user id of the voters; the askers and the clerk come before.
FIRST_VOTER = 100_000


@dataclass
class Result:
    name: str
    voters: int
    flood: str
    ballot: str
    answered: list[float] = field(default_factory=list)
    recorded: list[float] = field(default_factory=list)
    #: From the Yes press: until Confirm shows, and until the chat says recorded.
    shown: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)
    menus: list[float] = field(default_factory=list)
    ballots: int = 0
    floods: int = 0
    seconds: float = 0.0
    cpu: float | None = None
    load: float = 0.0

    @property
    def cpu_per_press_ms(self) -> float | None:
        return None if self.cpu is None else self.cpu / (2 * self.voters) * 1000


# ---- the baseline bot, in a child process ---------------------------------------------------


def echo_bot(conn: Connection, params: dict[str, Any]) -> None:
    asyncio.run(_echo_bot(conn, params))


async def _echo_bot(conn: Connection, params: dict[str, Any]) -> None:
    from collections.abc import Awaitable, Callable

    from aiogram import Dispatcher, Router
    from aiogram.exceptions import TelegramRetryAfter
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

    from bot.runtimes.aiogram_runtime import make_bot
    from bot.runtimes.common import ALLOWED_UPDATES, POLL_TIMEOUT

    router = Router(name="ballot")

    async def patiently(call: Callable[[], Awaitable[Any]]) -> None:
        for _ in range(10):
            try:
                await call()
                return
            except TelegramRetryAfter as flood:
                await asyncio.sleep(flood.retry_after)

    @router.message()
    async def menu(message: Message) -> None:
        await patiently(lambda: message.answer(f"{MENU}: nothing here"))

    @router.callback_query()
    async def press(query: CallbackQuery) -> None:
        message = query.message
        assert message is not None and query.bot is not None
        bot = query.bot
        if query.data == "c":
            await patiently(lambda: query.answer("Recorded."))
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
    settings_values: dict[str, Any],
    clerk_id: int,
    voters: list[int],
    group_id: int,
    ballot: str,
) -> None:
    """Members, each with its representative checked in to an open Assembly whose
    group shows the live tally, and a motion open to the vote: its ballots are rows
    of the outbox, sent by :func:`send_ballots`."""
    from sqlmodel import col, select

    from bot.platform import open_database
    from models import Attendance, GroupChat, Member, Representation, User
    from workflows.charter.bodies import Body
    from workflows.charter.meetings import BallotKind, SessionKind
    from workflows.charter.roles import Role
    from workflows.charter.voting import MotionKind
    from workflows.meetings import motions, sessions
    from workflows.platform import people
    from workflows.platform.clock import SystemClock
    from workflows.platform.settings import Settings
    from workflows.platform.unit_of_work import UnitOfWork

    settings = Settings(**settings_values)
    db = open_database(settings, migrate=True)
    uow = UnitOfWork(db=db, settings=settings, broker=None)
    now = SystemClock().now()
    try:
        with uow.begin() as session:
            session.add(User(id=clerk_id, first_name="Clerk", language="en", language_chosen=True))
            session.add(GroupChat(id=group_id, title="Hall"))
            session.flush()
            people.grant_role(session, user_id=clerk_id, role=Role.SECRETARIAT, actor_id=None)
            session.add_all(
                User(id=user_id, first_name=f"Mayor {i}", language="en", language_chosen=True)
                for i, user_id in enumerate(voters)
            )
            members = [
                Member(category="full", name_en=f"City {i:05}", name_ar=f"مدينة {i}", country="MA")
                for i in range(len(voters))
            ]
            session.add_all(members)
            session.flush()
            session.add_all(
                Representation(member_id=member.id or 0, user_id=user_id)
                for member, user_id in zip(members, voters, strict=True)
            )
            clerk = session.get_one(User, clerk_id)
            meeting = sessions.convene(
                session,
                sessions.Convening(
                    body=Body.ASSEMBLY,
                    kind=SessionKind.EXTRAORDINARY,
                    title="Extraordinary Assembly",
                    starts_at=now,
                    time_zone="Asia/Riyadh",
                    place="Makkah",
                    group_chat_id=group_id,
                ),
                clerk,
                now=now,
            )
            assert meeting.id is not None
            meeting_id = meeting.id
        with uow.begin() as session:
            clerk = session.get_one(User, clerk_id)
            sessions.open_session(session, meeting_id, clerk, now=now)
            # Each representative checked in, as the check-in button records it (no
            # vote is open yet, so nothing else happens then).
            represented = session.exec(
                select(Representation.member_id, Representation.user_id).order_by(
                    col(Representation.member_id)
                )
            )
            session.add_all(
                Attendance(
                    meeting_id=meeting_id,
                    voter=f"m{member_id}",
                    member_id=member_id,
                    user_id=user_id,
                    at=now,
                )
                for member_id, user_id in represented
            )
            motion = motions.propose(
                session,
                meeting_id,
                clerk,
                text="Adopt the budget",
                kind=MotionKind.ORDINARY,
                ballot=BallotKind(ballot),
                closes_at=None,
                now=now,
            )
            assert motion.id is not None
            motion_id = motion.id
        with uow.begin() as session:
            clerk = session.get_one(User, clerk_id)
            motions.open_vote(session, motion_id, clerk, now=now, settings=settings)
    finally:
        db.dispose()


def send_ballots(settings_values: dict[str, Any], api_url: str) -> None:
    """Every notification of the scene, sent by Majlis's own delivery without its limiter."""
    from sqlmodel import col, select

    from bot.delivery import Delivery, deliver
    from bot.platform import SANDBOX_TOKEN, open_database
    from bot.telegram_api import BotApi
    from models import Notification
    from workflows.platform.settings import Settings
    from workflows.platform.unit_of_work import UnitOfWork

    settings = Settings(**settings_values)
    db = open_database(settings, migrate=False)
    uow = UnitOfWork(db=db, settings=settings, broker=None)
    with db.reading() as session:
        ids = list(session.exec(select(Notification.id).order_by(col(Notification.id))))
    apis = [BotApi(SANDBOX_TOKEN, api_url) for _ in range(8)]
    try:
        with ThreadPoolExecutor(max_workers=len(apis)) as pool:
            list(
                pool.map(
                    lambda pair: deliver(
                        Delivery(uow=uow, api=apis[pair[0] % len(apis)], limiter=None), pair[1]
                    ),
                    enumerate(i for i in ids if i is not None),
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
                    lambda pair: apis[pair[0] % len(apis)].call(
                        "sendMessage", chat_id=pair[1], text="Ballot", reply_markup=keyboard
                    ),
                    enumerate(voters),
                )
            )
    finally:
        for api in apis:
            api.close()


def warm_notice(settings_values: dict[str, Any], chat_id: int) -> None:
    """One notice to ``chat_id`` through the outbox and the queue, for the worker to
    deliver before the clock starts (its first render reads the language catalogs)."""
    from bot.platform import open_database
    from workflows.platform import outbox
    from workflows.platform.queue import make_broker
    from workflows.platform.settings import Settings
    from workflows.platform.unit_of_work import UnitOfWork

    settings = Settings(**settings_values)
    db = open_database(settings, migrate=False)
    broker = make_broker(settings.redis_url or "", namespace=settings.redis_namespace)
    try:
        with UnitOfWork(db=db, settings=settings, broker=broker).begin() as session:
            outbox.notify(session, chat_id=chat_id, key=WARM)
    finally:
        broker.close()
        db.dispose()


def count_ballots(settings_values: dict[str, Any], ballot: str) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from bot.platform import open_database
    from models import Ballot, SecretParticipation
    from workflows.platform.settings import Settings

    db = open_database(Settings(**settings_values), migrate=False)
    table = SecretParticipation if ballot == "secret" else Ballot
    try:
        with db.reading() as session:
            return int(session.exec(select(func.count()).select_from(table)).one())
    finally:
        db.dispose()


# ---- watching the sandbox -------------------------------------------------------------------


class Watch:
    """When each press was answered, when each voter's chat first said "recorded" and
    each asker's chat showed the menu; how many 429s the sandbox gave."""

    def __init__(self, account: Any) -> None:
        from sandbox import botapi, world

        self.answered: dict[str, float] = {}
        self.recorded: dict[int, float] = {}
        self.menus: dict[int, list[float]] = {}
        #: Each voter's ballot (chat id -> message id), and the event set when that
        #: message shows Confirm: a voter waits on it rather than polling the chat, so
        #: that a thousand waiting voters cost this process nothing.
        self.ballots: dict[int, int] = {}
        self.confirm_shown: dict[int, asyncio.Event] = {}
        self.floods = 0
        self._undo: list[Any] = []
        handlers = botapi.HANDLERS
        original_answer = handlers["answercallbackquery"]
        watch = self

        async def answer(ctx: Any, params: Any) -> Any:
            result = await original_answer(ctx, params)
            watch.answered.setdefault(params.text("callback_query_id") or "", time.monotonic())
            return result

        handlers["answercallbackquery"] = answer
        self._undo.append(lambda: handlers.__setitem__("answercallbackquery", original_answer))

        conversation = world.Conversation
        original_add, original_touch = conversation.add, conversation.touch

        def note(message: Any) -> None:
            if not message.from_bot:
                return
            text = message.text or ""
            if RECORDED in text:
                watch.recorded.setdefault(message.chat_id, time.monotonic())
            if MENU in text and message.chat_id in watch.menus:
                watch.menus[message.chat_id].append(time.monotonic())
            shown = watch.confirm_shown.get(message.chat_id)
            if (
                shown is not None
                and watch.ballots.get(message.chat_id) == message.message_id
                and _button(message, "Confirm") is not None
            ):
                shown.set()

        def add(self: Any, message: Any) -> Any:
            note(message)
            return original_add(self, message)

        def touch(self: Any, message: Any) -> None:
            note(message)
            original_touch(self, message)

        setattr(conversation, "add", add)  # noqa: B010 (patched for the run, put back in close)
        setattr(conversation, "touch", touch)  # noqa: B010
        self._undo.append(lambda: setattr(conversation, "add", original_add))
        self._undo.append(lambda: setattr(conversation, "touch", original_touch))

        flood = account.flood
        original_check = flood.check

        def check(chat_id: int, is_group: bool) -> float:
            wait = original_check(chat_id, is_group)
            if wait:
                watch.floods += 1
            return wait

        flood.check = check
        self._undo.append(lambda: setattr(flood, "check", original_check))

    def close(self) -> None:
        for undo in reversed(self._undo):
            undo()


# ---- the voters and the askers --------------------------------------------------------------


def _button(message: Any, text: str) -> str | None:
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for cell in row:
            if cell.get("text") == text and "callback_data" in cell:
                return str(cell["callback_data"])
    return None


async def vote(
    world: Any, account: Any, voters: list[int], watch: Watch, timeout: float
) -> tuple[dict[int, float], dict[int, float], dict[int, str]]:
    """Everyone presses Yes at once, then Confirm as soon as it shows; returns when each
    pressed Yes, when Confirm, and the id of that press, once every chat says recorded
    (or ``timeout``)."""
    confirmed: dict[int, float] = {}
    confirm_ids: dict[int, str] = {}
    pressed_yes: dict[int, float] = {}
    ballots = {}
    for chat_id in voters:
        conversation = account.conversations[chat_id]
        ballots[chat_id] = next(
            m for m in reversed(list(conversation.messages.values())) if _button(m, "Yes")
        )
        watch.ballots[chat_id] = ballots[chat_id].message_id
        watch.confirm_shown[chat_id] = asyncio.Event()

    async def one(chat_id: int) -> None:
        user = world.user(chat_id)
        message = ballots[chat_id]
        yes = _button(message, "Yes")
        assert yes is not None, "no Yes on the ballot"
        pressed_yes[chat_id] = time.monotonic()
        world.press(user, chat_id, message.message_id, yes, account.id)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watch.confirm_shown[chat_id].wait(), timeout)
        data = _button(message, "Confirm")
        if data is not None:
            confirmed[chat_id] = time.monotonic()
            query = world.press(user, chat_id, message.message_id, data, account.id)
            confirm_ids[chat_id] = query.id

    await asyncio.gather(*(one(chat_id) for chat_id in voters))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (
        len(watch.recorded) < len(voters)
        or not all(i in watch.answered for i in confirm_ids.values())
    ):
        await asyncio.sleep(0.05)
    return pressed_yes, confirmed, confirm_ids


async def ask(
    world: Any, account: Any, askers: list[int], watch: Watch, stop: asyncio.Event
) -> list[float]:
    """Each asker sends /menu once a second (or as soon as answered, if later) until
    ``stop``; the seconds each waited for the menu."""
    latencies: list[float] = []

    async def one(chat_id: int) -> None:
        user = world.user(chat_id)
        answers = watch.menus[chat_id]
        while not stop.is_set():
            sent = time.monotonic()
            seen = len(answers)
            world.user_send(user, chat_id, text="/menu", bot_id=account.id)
            while len(answers) == seen:
                await asyncio.sleep(0.01)
            latencies.append(answers[seen] - sent)
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - sent)))

    for chat_id in askers:
        watch.menus[chat_id] = []
    tasks = [asyncio.create_task(one(chat_id)) for chat_id in askers]
    await stop.wait()
    # The question each asked last is awaited a while; one still unanswered 30 s after
    # the burst is left out.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    for task in tasks:
        task.cancel()
    return latencies


# ---- the Majlis processes -------------------------------------------------------------------


def majlis_process(
    args: list[str], env: dict[str, str], log: Path, ready: str
) -> subprocess.Popen[bytes]:
    sink = log.open("ab")
    process = subprocess.Popen(
        [*MAJLIS, *args], env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while ready not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise ChildFailed(f"majlis {' '.join(args)} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    return process


def majlis_commands(handlers: int) -> list[tuple[str, list[str], str]]:
    """(log name, arguments, ready line) of each process of the Majlis system.

    This is where processes handling updates are added: with ``handlers`` K > 0, K
    ``majlis worker --queues updates --no-scheduler`` beside the bot and the worker
    for notifications and the scheduler (``--queues default,delivery``)."""
    if not handlers:
        return [
            ("worker", ["worker", "--threads", "4"], "worker:"),
            ("bot", ["bot"], "bot: serving"),
        ]
    return [
        ("worker", ["worker", "--queues", "default,delivery", "--threads", "4"], "worker:"),
        *(
            (
                f"handler-{index}",
                ["worker", "--queues", "updates", "--no-scheduler", "--threads", "4"],
                "worker:",
            )
            for index in range(handlers)
        ),
        ("bot", ["bot"], "bot: serving"),
    ]


async def warm_up(
    world: Any,
    account: Any,
    asker: int,
    clerk: int,
    settings: dict[str, Any],
    handlers: int | None,
) -> None:
    """Before the clock: a /menu answered, and for Majlis a notice delivered by the
    worker, so that neither pays its first use of the catalogs in the burst."""
    conversation = account.conversations[asker]
    world.user_send(world.user(asker), asker, text="/menu", bot_id=account.id)
    waits: list[tuple[Any, str]] = [(conversation, MENU)]
    if handlers is not None:
        await asyncio.to_thread(warm_notice, settings, clerk)
        waits.append((account.conversations[clerk], WARM))
    deadline = time.monotonic() + 60
    for chat, text in waits:
        while not any(m.from_bot and text in (m.text or "") for m in list(chat.messages.values())):
            if time.monotonic() > deadline:
                raise ChildFailed(f"no {text!r} within a minute of the start")
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # settled: the worker idle again


# ---- one run --------------------------------------------------------------------------------


async def run(
    name: str,
    voters_count: int,
    flood: str,
    ballot: str,
    handlers: int | None,
    args: argparse.Namespace,
    redis_url: str,
) -> Result:
    """One system (``handlers`` None: the baseline) through one burst."""
    from bot.platform import SANDBOX_TOKEN, SANDBOX_USERNAME
    from sandbox import Sandbox
    from sandbox.ratelimit import FloodControl

    result = Result(name=name, voters=voters_count, flood=flood, ballot=ballot)
    result.load = os.getloadavg()[0]
    rate = 1.0 if flood == "on" else 0.0
    sandbox = Sandbox(port=0, rate_factor=rate)
    await sandbox.start()
    namespace = new_namespace("burst")
    processes: list[subprocess.Popen[bytes]] = []
    profilers: list[subprocess.Popen[bytes] | None] = []
    child: Child | None = None
    world = sandbox.world
    try:
        sandbox.register_bot(SANDBOX_TOKEN, username=SANDBOX_USERNAME, first_name="Majlis")
        account = world.bot_for_token(SANDBOX_TOKEN)
        clerk = world.create_user("Clerk", language_code="en").id
        askers = [
            world.create_user(f"Asker {i}", language_code="en").id for i in range(args.askers)
        ]
        voters = [
            world.create_user(f"Mayor {i}", language_code="en", user_id=FIRST_VOTER + i).id
            for i in range(voters_count)
        ]
        for chat_id in [clerk, *askers, *voters]:
            account.conversation(chat_id)  # as if each had started the bot
        group = world.create_group("Hall", [clerk], account)
        account.updates.clear()  # the bot joining the group: seen before, not measured
        port = int(sandbox.url.rstrip("/").rsplit(":", 1)[1])
        with (
            tempfile.TemporaryDirectory(prefix="majlis-bench-") as folder,
            fresh_database(args.database_url, Path(folder)) as database_url,
        ):
            settings: dict[str, Any] = {
                "data_dir": str(Path(folder) / "data"),
                "database_url": database_url,
                "redis_url": redis_url,
                "redis_namespace": namespace,
                "sandbox_port": port,
                "sandbox_rate_factor": rate,
            }
            setup_flood, account.flood = account.flood, FloodControl(0)
            if handlers is not None:
                await asyncio.to_thread(set_the_scene, settings, clerk, voters, group.id, ballot)
                await asyncio.to_thread(send_ballots, settings, sandbox.api_root)
            else:
                await asyncio.to_thread(send_plain_ballots, sandbox.api_root, voters)
            account.flood = setup_flood
            pids: dict[str, int] = {}
            if handlers is not None:
                env = {k: v for k, v in os.environ.items() if not k.startswith("MAJLIS_")}
                env.update({f"MAJLIS_{k.upper()}": str(v) for k, v in settings.items()})
                env["PYTHONPATH"] = str(ROOT)
                env["MAJLIS_LOG_LEVEL"] = os.environ.get("MAJLIS_LOG_LEVEL", "WARNING")
                logs = Path(args.logs or folder)
                logs.mkdir(parents=True, exist_ok=True)
                for role, command, ready in majlis_commands(handlers):
                    process = await asyncio.to_thread(
                        majlis_process, command, env, logs / f"{role}.log", ready
                    )
                    processes.append(process)
                    pids[role] = process.pid
            else:
                child = Child.start(echo_bot, {"token": SANDBOX_TOKEN, "api_url": sandbox.api_root})
                assert await child.receive(60) == "ready"
                pids["bot"] = child.pid
            await warm_up(world, account, askers[0] if askers else clerk, clerk, settings, handlers)
            watch = Watch(account)
            tag = f"{name} N={voters_count} flood {flood} {ballot}"
            profilers = [
                start_profiler(args.py_spy, f"{tag} {role}", pid) for role, pid in pids.items()
            ]
            cpu_before = sum(process_cpu_seconds(pid) or 0.0 for pid in pids.values())
            stop_asking = asyncio.Event()
            asking = asyncio.create_task(ask(world, account, askers, watch, stop_asking))
            started = time.monotonic()
            pressed_yes, confirmed, confirm_ids = await vote(
                world, account, voters, watch, args.timeout
            )
            result.seconds = time.monotonic() - started
            result.cpu = sum(process_cpu_seconds(pid) or 0.0 for pid in pids.values()) - cpu_before
            stop_asking.set()
            result.menus = await asking
            for profiler in profilers:
                await stop_profiler(profiler)
            profilers = []
            watch.close()
            for chat_id, at in confirmed.items():
                if confirm_ids.get(chat_id) in watch.answered:
                    result.answered.append(watch.answered[confirm_ids[chat_id]] - at)
                if chat_id in watch.recorded:
                    result.recorded.append(watch.recorded[chat_id] - at)
                    result.whole.append(watch.recorded[chat_id] - pressed_yes[chat_id])
                result.shown.append(at - pressed_yes[chat_id])
            result.floods = watch.floods
            result.ballots = (
                await asyncio.to_thread(count_ballots, settings, ballot)
                if handlers is not None
                else len(result.recorded)
            )
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    await asyncio.to_thread(process.wait, 30)
                except subprocess.TimeoutExpired:
                    process.kill()
            processes.clear()
    finally:
        for profiler in profilers:
            await stop_profiler(profiler)
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


def show(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def three(values: list[float | None], digits: int = 2) -> str:
    """min/median/max of the runs' values."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return "-"
    if len(known) == 1:
        return show(known[0], digits)
    return "/".join(show(v, digits) for v in (known[0], statistics.median(known), known[-1]))


def print_results(results: list[Result]) -> None:
    groups: dict[tuple[str, int, str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.name, r.voters, r.flood, r.ballot), []).append(r)
    print()
    print(
        "Yes press -> Confirm shown; Confirm press -> press answered / chat says recorded; "
        "Yes press -> chat says recorded (whole);\n/menu asked during the burst -> answered. "
        "Seconds; each figure min/median/max over the runs (one figure for one run)."
    )
    header = (
        f"{'system':<26} {'N':>5} {'flood':>5} {'ballot':>6} {'shown p50':>15} {'p99':>15} "
        f"{'answered p50':>15} "
        f"{'p99':>15} {'recorded p50':>15} {'p99':>15} {'max':>15} {'whole p99':>15} "
        f"{'menu p50':>15} "
        f"{'p99':>15} {'max':>15} {'ballots':>8} {'429s':>5} {'wall s':>15} {'CPU ms/press':>15} "
        f"{'load':>5}"
    )
    print(header)
    print("-" * len(header))
    for (name, voters, flood, ballot), runs in groups.items():

        def over(pick: Any, digits: int = 2, runs: list[Result] = runs) -> str:
            return three([pick(r) for r in runs], digits)

        print(
            f"{name:<26} {voters:>5} {flood:>5} {ballot:>6} "
            f"{over(lambda r: percentile(r.shown, 0.5)):>15} "
            f"{over(lambda r: percentile(r.shown, 0.99)):>15} "
            f"{over(lambda r: percentile(r.answered, 0.5)):>15} "
            f"{over(lambda r: percentile(r.answered, 0.99)):>15} "
            f"{over(lambda r: percentile(r.recorded, 0.5)):>15} "
            f"{over(lambda r: percentile(r.recorded, 0.99)):>15} "
            f"{over(lambda r: max(r.recorded, default=None)):>15} "
            f"{over(lambda r: percentile(r.whole, 0.99)):>15} "
            f"{over(lambda r: percentile(r.menus, 0.5)):>15} "
            f"{over(lambda r: percentile(r.menus, 0.99)):>15} "
            f"{over(lambda r: max(r.menus, default=None)):>15} "
            f"{over(lambda r: r.ballots, 0):>8} {over(lambda r: r.floods, 0):>5} "
            f"{over(lambda r: r.seconds, 1):>15} {over(lambda r: r.cpu_per_press_ms, 1):>15} "
            f"{over(lambda r: r.load, 1):>5}"
        )
        for r in runs:
            if len(r.answered) < r.voters or len(r.recorded) < r.voters:
                print(
                    f"  (a run of {name}: {len(r.answered)} presses answered, "
                    f"{len(r.recorded)} chats say recorded, of {r.voters})"
                )


async def main_async(args: argparse.Namespace) -> None:
    with redis_server(args.redis_url) as (redis_url, redis_kind):
        print_machine(
            [
                f"redis:   {redis_kind}",
                f"db:      {database_kind(args.database_url)} (Majlis only)",
                "work:    N voters press Yes, then Confirm as soon as it shows, all at once; "
                f"{args.askers} people send /menu once a second meanwhile",
            ]
        )
        systems: list[tuple[str, int | None]] = [(BASELINE, None), ("Majlis", 0)]
        systems += [(f"Majlis, {k} handler{'s' if k > 1 else ''}", k) for k in args.handlers]
        results: list[Result] = []
        for _ in range(args.repeat):
            for flood in args.flood:
                for voters in args.voters:
                    for ballot in args.ballot:
                        for name, handlers in systems:
                            if name == BASELINE and ballot != args.ballot[0]:
                                continue  # the baseline's ballot is the same either way
                            result = await run(
                                name, voters, flood, ballot, handlers, args, redis_url
                            )
                            results.append(result)
                            print(
                                f"  {name}, N={voters}, flood {flood}, {ballot}: recorded p99 "
                                f"{show(percentile(result.recorded, 0.99))} s, "
                                f"{result.ballots} ballots, "
                                f"{show(result.cpu_per_press_ms, 1)} ms CPU a press",
                                file=sys.stderr,
                                flush=True,
                            )
        print_results(results)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add_common_arguments(parser)
    add_profiler_argument(parser)
    parser.add_argument("--voters", default="100,1000", help="comma-separated N (default 100,1000)")
    parser.add_argument("--flood", default="off,on", help="the sandbox's flood control: off, on")
    parser.add_argument(
        "--ballot", default="named", help="named, secret or both (comma-separated; default named)"
    )
    parser.add_argument(
        "--askers", type=positive, default=5, help="people sending /menu during the burst (5)"
    )
    parser.add_argument(
        "--handlers",
        default="",
        help="comma-separated K: rows with K more processes handling updates "
        "(majlis worker --queues updates); default none",
    )
    parser.add_argument("--logs", default=None, help="keep the Majlis processes' logs here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.voters = [int(v) for v in args.voters.split(",")]
    args.handlers = [int(v) for v in args.handlers.split(",") if v.strip()]
    args.flood = [v.strip() for v in args.flood.split(",")]
    args.ballot = [v.strip() for v in args.ballot.split(",")]
    try:
        asyncio.run(main_async(args))
    except ChildFailed as failure:
        print(f"benchmark failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
