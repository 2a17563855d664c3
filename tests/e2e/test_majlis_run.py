"""``majlis run`` as a new user runs it: one command, no token, no services."""

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from tests.e2e.test_runtimes import free_port

pytestmark = pytest.mark.e2e


async def run_once(env: dict[str, str], name: str) -> None:
    """Start ``majlis run``, have a new user chat with it, stop it with SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main(['run']))",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    output: list[str] = []
    try:
        url = None
        while url is None:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
            assert line, f"majlis run ended early: {''.join(output)}"
            output.append(line)
            match = re.fullmatch(r"Sandbox: (http://127\.0\.0\.1:\d+/)\n", line)
            if match:
                url = match.group(1)
        async with SandboxClient(url) as client:
            # The page names the bot as Majlis, not by its token's number (@bot1000000001_bot).
            bot = (await client.info())["bot"]
            assert (bot["first_name"], bot["username"]) == ("Majlis", "majlis_bot")
            guest = await client.create_user(name, language_code="ar")
            await guest.send("/start")
            await guest.wait_for("أهلًا بك في مجلس", timeout=30)
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stdout.read(), timeout=60)
        assert await process.wait() == 0, rest.decode()
        assert "Traceback" not in rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_majlis_run_serves_the_sandbox_and_stops_cleanly(
    tmp_path: Path, database_url: str, namespace: str
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MAJLIS_") or key.startswith("MAJLIS_TEST_")
    }
    env.update(
        MAJLIS_DATA_DIR=str(tmp_path / "data"),
        MAJLIS_DATABASE_URL=database_url,
        MAJLIS_SANDBOX_PORT=str(free_port()),
        MAJLIS_REDIS_NAMESPACE=namespace,
    )
    if os.environ.get("MAJLIS_TEST_REDIS_URL"):
        env["MAJLIS_REDIS_URL"] = os.environ["MAJLIS_TEST_REDIS_URL"]
    await run_once(env, "Hassan")
    # Started again on the same data: new updates are not mistaken for old ones.
    await run_once(env, "Huda")
    if "MAJLIS_REDIS_URL" not in env:
        # The embedded Valkey stopped with Majlis and kept its data in the data folder.
        assert not (tmp_path / "data" / "valkey.url").exists()
        assert (tmp_path / "data" / "valkey").is_dir()


def own_valkeys(data_dir: Path) -> list[int]:
    """Pids of live valkey-server processes working in ``data_dir`` (they run there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            program = os.readlink(entry / "exe")
            where = os.readlink(entry / "cwd")
        except OSError:  # gone, or a zombie: nothing left running
            continue
        if program.endswith("valkey-server") and where.startswith(str(data_dir)):
            found.append(int(entry.name))
    return found


def embedded_env(tmp_path: Path, database_url: str, namespace: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MAJLIS_") or key.startswith("MAJLIS_TEST_")
    }
    env.update(
        MAJLIS_DATA_DIR=str(tmp_path / "data"),
        MAJLIS_DATABASE_URL=database_url,
        MAJLIS_SANDBOX_PORT=str(free_port()),
        MAJLIS_REDIS_NAMESPACE=namespace,
    )
    env.update(extra)
    return env


async def majlis_run(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main(['run']))",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


embedded_only = pytest.mark.skipif(
    bool(os.environ.get("MAJLIS_TEST_REDIS_URL")),
    reason="the embedded Valkey starts only without a Redis URL",
)


@embedded_only
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_embedded_valkey_takes_the_configured_port_and_stops_with_majlis(
    tmp_path: Path, database_url: str, namespace: str, stop: signal.Signals
) -> None:
    port = free_port()
    env = embedded_env(tmp_path, database_url, namespace, MAJLIS_VALKEY_PORT=str(port))
    process = await majlis_run(env)
    assert process.stdout is not None
    try:
        seen = ""
        while "Sandbox: " not in seen:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
            assert line, f"majlis run ended early: {seen}"
            seen += line
        url = (tmp_path / "data" / "valkey.url").read_text().strip()
        assert url == f"redis://127.0.0.1:{port}"
        assert own_valkeys(tmp_path / "data")
        process.send_signal(stop)
        rest = (await asyncio.wait_for(process.stdout.read(), timeout=60)).decode()
        assert await process.wait() == 0, rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert own_valkeys(tmp_path / "data") == []


@embedded_only
async def test_a_failed_start_leaves_no_valkey_behind(
    tmp_path: Path, database_url: str, namespace: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        # The sandbox cannot listen: Majlis stops, and the Valkey it started with it.
        env = embedded_env(tmp_path, database_url, namespace, MAJLIS_SANDBOX_PORT=busy)
        process = await majlis_run(env)
        output = (await asyncio.wait_for(process.communicate(), timeout=60))[0].decode()
        assert process.returncode != 0, output
        assert own_valkeys(tmp_path / "data") == []

        # A configured Valkey port that is taken is said in one line, not quietly moved.
        env = embedded_env(tmp_path, database_url, namespace, MAJLIS_VALKEY_PORT=busy)
        process = await majlis_run(env)
        output = (await asyncio.wait_for(process.communicate(), timeout=60))[0].decode()
        assert process.returncode == 2, output
        assert f"MAJLIS_VALKEY_PORT {busy} is in use" in output
        assert own_valkeys(tmp_path / "data") == []
