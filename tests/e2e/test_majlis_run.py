"""``majlis run`` as a new user runs it: one command, no token, no services."""

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient
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
