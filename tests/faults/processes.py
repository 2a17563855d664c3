"""Majlis as its production processes, and the services they stand on, for fault injection.

``MajlisProcess`` runs ``majlis bot`` or ``majlis worker`` as a child process that a
test can SIGKILL, freeze (SIGSTOP: updates pile up at the Bot API and reach the bot
in one batch when it is thawed) and restart. ``PrivatePostgres`` and ``PrivateRedis``
are servers of the test's own, on their own ports, that a test may stop and start
without disturbing anything else on the machine. Nothing here shortens a lease, a
timeout or a heartbeat: the processes run with production settings.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: How a child runs the command line, with this checkout's packages first on its path.
MAJLIS = [
    sys.executable,
    "-c",
    "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not within {timeout} s")


class MajlisProcess:
    """One ``majlis bot`` or ``majlis worker`` child, its output kept in a log file."""

    def __init__(self, command: list[str], *, env: dict[str, str], log: Path, ready: str) -> None:
        self.command = command
        self.env = env
        self.log = log
        self.ready = ready
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, *, timeout: float = 60) -> "MajlisProcess":
        """Start (or start again) and return once the process says it is ready."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as sink:
            sink.write(f"--- start {self.starts}: majlis {' '.join(self.command)}\n".encode())
            self.process = subprocess.Popen(
                [*MAJLIS, *self.command],
                env=self.env,
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"majlis {self.command[0]} exited early:\n{self.output()}")
            return self.ready in self.output(since=offset)

        wait_until(ready, timeout=timeout, what=f"majlis {self.command[0]} ready")
        return self

    def output(self, *, since: int = 0) -> str:
        if not self.log.exists():
            return ""
        with self.log.open("rb") as source:
            source.seek(since)
            return source.read().decode(errors="replace")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an out-of-memory kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def freeze(self) -> None:
        """SIGSTOP: the process holds still; what reaches Telegram meanwhile piles up."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def stop(self, *, timeout: float = 30) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not stop in time."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        return self.process.returncode


def postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1].parent


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, on its own port, to stop and start at will.

    Its folder is a fresh one in the system's temporary folder rather than pytest's,
    which the postgres user (the server will not run as root) cannot enter.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="majlis-postgres-"))
        self.data = self.root / "pgdata"
        self.socket_dir = self.root / "pgsock"
        self.port = free_port()
        self.bin = postgres_bin()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        # The server refuses to run as root; on CI (root) it runs as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def create(self) -> "PrivatePostgres":
        self.socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
            self.root.chmod(0o755)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )
        self.start()
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.socket_dir} "
            "-c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; ``immediate`` is a crash as far as clients can tell."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A Redis of the test's own that keeps nothing on disk: a restart empties it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "PrivateRedis":
        import redis

        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
            except redis.RedisError:
                return False

        wait_until(answers, timeout=20, what="private Redis")
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def restart(self) -> None:
        """Kill and start again on the same port, empty: every queued message is gone."""
        self.kill()
        self.start()
