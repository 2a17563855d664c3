"""The ``majlis`` command."""

import argparse
import asyncio
import gc
import getpass
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

# Loading Majlis runs without the cyclic garbage collector too (see StartUp), and
# leaves it collecting as it found it. What was loaded is frozen first: else the first
# collection after would walk every object just loaded (60 ms), to find them all alive.
_COLLECTING = gc.isenabled()
gc.disable()
try:
    import redis

    from bot.app import run_bot_only, run_everything
    from bot.i18n import text_for
    from bot.platform import (
        EmbeddedValkey,
        Scheduler,
        open_database,
        open_platform,
        require_migrated,
        start_worker,
    )
    from workflows.charter.errors import NotAllowed
    from workflows.charter.roles import Role
    from workflows.platform import people
    from workflows.platform.clock import SystemClock
    from workflows.platform.queue import QUEUES
    from workflows.platform.settings import ConfigurationError, Settings, load_settings
finally:
    if _COLLECTING:
        gc.freeze()
        gc.enable()

#: The commands that serve until stopped: their start runs without the cyclic garbage
#: collector (see :class:`StartUp`).
SERVING = ("run", "bot", "worker")


class StartUp:
    """The cyclic garbage collector, paused while a serving command starts.

    A start builds hundreds of thousands of objects that live as long as the process
    (modules, classes, aiogram's validator for every Bot API type) and almost no
    garbage: each collection on the way walks them all for nothing, 15 % of the
    start's CPU time. Once the command serves they are frozen (``gc.freeze``), so that
    no collection walks them again, and collecting resumes for what comes after. A
    start that fails resumes it as well.
    """

    def __init__(self) -> None:
        self.paused = False

    def pause(self) -> None:
        if gc.isenabled():
            gc.disable()
            self.paused = True

    def serving(self) -> None:
        if self.paused:
            self.paused = False
            gc.freeze()
            gc.enable()

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            gc.enable()


START_UP = StartUp()

ROLE_HELP = "representative, secretariat, secretary_general, chair, trustee, steering or council"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="majlis",
        description="Majlis: membership, fees and votes of the World Assembly of Islamic Cities, in chat.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        help="everything in one process: bot, workers, scheduler (and the sandbox without a token)",
    )
    commands.add_parser("bot", help="the bot alone (workers run elsewhere)")
    worker = commands.add_parser("worker", help="Dramatiq workers and the scheduler")
    worker.add_argument("--processes", type=int, default=None, help="worker processes (default 1)")
    worker.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per process for updates, and as many for the other queues (default 4)",
    )
    worker.add_argument(
        "--no-scheduler", action="store_true", help="do not run the scheduler tick in this worker"
    )
    worker.add_argument(
        "--queues",
        default=None,
        metavar="Q[,Q...]",
        help="consume only these queues: updates (answering what people send), delivery "
        "(notifications), default (the scheduler's work); default: all three",
    )
    commands.add_parser("health", help="exit 0 when the database and Redis answer")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations")
    admin = commands.add_parser("admin", help="roles, from the command line")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    grant = admin_commands.add_parser("grant", help="grant a role to a Telegram user")
    grant.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    grant.add_argument("role", metavar="ROLE", help=ROLE_HELP)
    revoke = admin_commands.add_parser("revoke", help="revoke a role from a Telegram user")
    revoke.add_argument("user_id", type=int, metavar="TELEGRAM_USER_ID")
    revoke.add_argument("role", metavar="ROLE", help=ROLE_HELP)
    admin_commands.add_parser("roles", help="list who holds which role")
    importing = commands.add_parser("import", help="bring in the member register from a CSV file")
    what = importing.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    members = what.add_parser(
        "members",
        help="the member register, as the directory exports it: a dry run, then --apply",
    )
    members.add_argument("file", metavar="FILE.csv")
    members.add_argument(
        "--apply",
        action="store_true",
        help="import after the dry run without asking (otherwise asked on a terminal)",
    )
    members.add_argument(
        "--language", choices=("en", "ar"), default="en", help="language of the report"
    )
    return parser


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level != "DEBUG":
        # fontTools logs every table it subsets for the minutes PDF at INFO.
        for noisy in ("httpx", "aiogram.event", "dramatiq", "alembic", "fontTools"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in SERVING:
        START_UP.pause()
    try:
        settings = load_settings()
        _logging(settings)
        return _dispatch(args, settings)
    except ConfigurationError as problem:
        print(f"majlis: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        START_UP.resume()


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        asyncio.run(run_everything(settings, ready=START_UP.serving))
        return 0
    if args.command == "bot":
        asyncio.run(run_bot_only(settings, ready=START_UP.serving))
        return 0
    if args.command == "worker":
        return _worker(args, settings)
    if args.command == "health":
        return _health(settings)
    if args.command == "import":
        return _import_members(args, settings)
    if args.command == "db":
        open_database(settings, migrate=True).dispose()
        print("database is up to date")
        return 0
    return _admin(args, settings)


def _health(settings: Settings) -> int:
    open_database(settings, migrate=False).dispose()
    url = settings.redis_url or EmbeddedValkey.running_url(settings.data_dir)
    if url is None:
        print("majlis: no MAJLIS_REDIS_URL and no embedded Valkey running", file=sys.stderr)
        return 1
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        print(f"majlis: Redis at {url} does not answer: {exc}", file=sys.stderr)
        return 1
    print("ok")
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    queues = _queues(args.queues)
    processes = args.processes or settings.worker_processes
    threads = args.threads or settings.worker_threads
    if processes > 1:
        # Said once here rather than by every child.
        db = open_database(settings, migrate=False)
        try:
            require_migrated(db)
        finally:
            db.dispose()
        command = [sys.executable, "-m", "bot.cli", "worker", "--processes", "1"]
        command += ["--threads", str(threads)] + (["--no-scheduler"] if args.no_scheduler else [])
        command += ["--queues", ",".join(sorted(queues))] if queues else []
        START_UP.serving()
        return _supervise(command, processes)

    # Signals are taken before anything starts, so that a stop during start-up still
    # goes through the shutdown below (and stops an embedded Valkey started here).
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    platform = open_platform(settings, migrate=False)
    scheduler = None
    try:
        start_worker(platform, threads=threads, queues=queues)
        if not args.no_scheduler:
            scheduler = Scheduler(platform)
            scheduler.start()
        serving = ", ".join(sorted(queues or QUEUES))
        print(f"worker: {threads} threads on {platform.redis_url} ({serving})", flush=True)
        START_UP.serving()
        stopping.wait()
    finally:
        if scheduler is not None:
            scheduler.stop()
        platform.close()
    return 0


def _queues(option: str | None) -> set[str] | None:
    """The queues named by ``--queues``; None for all of them."""
    if not option:
        return None
    queues = {name.strip() for name in option.split(",") if name.strip()}
    unknown = queues - set(QUEUES)
    if unknown or not queues:
        raise ConfigurationError(
            f"--queues takes {', '.join(sorted(QUEUES))}, not "
            f"{', '.join(sorted(unknown)) or 'nothing'}"
        )
    return None if queues == set(QUEUES) else queues


#: How often the parent of ``--processes N`` looks for a child that died.
SUPERVISE_EVERY = 0.5


def _supervise(command: list[str], processes: int) -> int:
    """Run ``processes`` workers and start again any that dies, until told to stop.

    Each child is a scheduler candidate of its own (unless ``--no-scheduler``), so the
    scheduler does not die with any one of them. A child that stops on bad
    configuration (exit 2) would only stop again: then everything stops.
    """
    log = logging.getLogger("majlis.worker")
    stopping = threading.Event()
    children = [subprocess.Popen(command, env=os.environ.copy()) for _ in range(processes)]

    def forward(signum: int, _frame: object) -> None:
        stopping.set()
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while not stopping.wait(SUPERVISE_EVERY):
        for index, child in enumerate(children):
            code = child.poll()
            if code is None or stopping.is_set():
                continue
            if code == 2:
                log.error("worker process %d stopped on bad configuration", child.pid)
                forward(signal.SIGTERM, None)
                break
            log.warning("worker process %d died (exit %s); starting another", child.pid, code)
            children[index] = subprocess.Popen(command, env=os.environ.copy())
    return max(child.wait() for child in children)


def _admin(args: argparse.Namespace, settings: Settings) -> int:
    db = open_database(settings, migrate=True)
    try:
        if args.admin_command == "roles":
            with db.session() as session:
                grants = people.all_grants(session)
            if not grants:
                print(
                    "no roles granted yet; grant the first with: majlis admin grant ID secretary_general"
                )
            for user, role in grants:
                print(f"{user.id}\t{role}\t{user.first_name}")
            return 0
        try:
            role = Role(args.role)
        except ValueError:
            print(f"majlis: unknown role {args.role!r}; roles are {ROLE_HELP}", file=sys.stderr)
            return 2
        with db.session() as session:
            if args.admin_command == "grant":
                changed = people.grant_role(session, user_id=args.user_id, role=role, actor_id=None)
                print(
                    f"granted {role} to {args.user_id}"
                    if changed
                    else f"{args.user_id} already holds {role}"
                )
            else:
                changed = people.revoke_role(
                    session, user_id=args.user_id, role=role, actor_id=None
                )
                print(
                    f"revoked {role} from {args.user_id}"
                    if changed
                    else f"{args.user_id} does not hold {role}"
                )
        return 0
    except ValueError as problem:
        print(f"majlis: {problem}", file=sys.stderr)
        return 2
    finally:
        db.dispose()


def _import_members(args: argparse.Namespace, settings: Settings) -> int:
    """A dry run first; written only with ``--apply`` or a "yes" typed on a terminal.

    Exit status: 0 imported or nothing to do or a dry run, 1 bad lines (nothing
    written), 2 a file that cannot be read as a register.
    """
    # Its words are a conversation's, and the conversations load every one of them; the
    # import loads the workflows of applications and fees: not on every start of the bot
    # (start-up time).
    from bot.conversations.membership import register_import
    from workflows.membership import member_import

    t = text_for(args.language)
    try:
        content = Path(args.file).read_bytes()
    except OSError as problem:
        print(f"majlis: cannot read {args.file}: {problem.strerror}", file=sys.stderr)
        return 2
    db = open_database(settings, migrate=True)
    now = SystemClock().now()
    try:
        with db.reading() as session:
            try:
                found = member_import.plan(session, content, now=now)
            except member_import.RegisterRefused as refusal:
                message = register_import.FILE_PROBLEMS[refusal.problem]
                print(f"majlis: {register_import.plain(t._(message))}", file=sys.stderr)
                return 2
        print(register_import.plain(register_import.report(t, found)))
        print()
        if found.problems:
            print(register_import.plain(t._(register_import.CORRECT_AND_AGAIN)))
            return 1
        if not found.count(member_import.Outcome.CREATE) + found.count(
            member_import.Outcome.UPDATE
        ):
            print(register_import.plain(t._(register_import.NOTHING_TO_IMPORT)))
            return 0
        if not args.apply:
            if not sys.stdin.isatty():
                print(register_import.plain(t._(register_import.DRY_RUN_ONLY)))
                return 0
            answer = input(register_import.plain(t._(register_import.ASK_TO_APPLY)) + " ")
            if answer.strip().casefold() not in {"y", "yes", "ن", "نعم"}:
                print(register_import.plain(t._(register_import.CANCELLED)))
                return 0
        try:
            with db.session() as session:
                done = member_import.apply(
                    session,
                    content,
                    actor_id=None,
                    now=now,
                    expected=found.digest,
                    via=f"cli:{getpass.getuser()}",
                )
        except NotAllowed as refusal:
            print(f"majlis: {register_import.plain(t._(register_import.CHANGED))}", file=sys.stderr)
            print(f"({refusal.reason})", file=sys.stderr)
            return 1
        print(register_import.plain(register_import.result(t, done)))
        return 0
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
