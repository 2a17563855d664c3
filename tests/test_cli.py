"""The ``majlis`` command: roles from the command line, one clear line for bad configuration."""

import asyncio
import logging
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.cli import _logging, main
from bot.conversations.meetings.minutes_pdf import FONT_DIR
from models.db import Database
from models.migrate import alembic_config, upgrade
from tests.conftest import POSTGRES_URL
from workflows.platform import inbox, outbox
from workflows.platform.queue import DELIVERY_QUEUE, UPDATES_QUEUE, enqueue, make_broker
from workflows.platform.settings import Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    for name in (
        "MAJLIS_TELEGRAM_TOKEN",
        "MAJLIS_WEBHOOK_URL",
        "MAJLIS_WEBHOOK_SECRET",
        "MAJLIS_REDIS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAJLIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MAJLIS_DATABASE_URL", database_url)


def test_grant_list_and_revoke_roles(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "roles"]) == 0
    assert "no roles granted yet" in capsys.readouterr().out
    assert main(["admin", "grant", "777000", "secretary_general"]) == 0
    assert main(["admin", "grant", "777000", "secretary_general"]) == 0
    assert "already holds" in capsys.readouterr().out
    assert main(["admin", "roles"]) == 0
    assert "777000\tsecretary_general" in capsys.readouterr().out
    assert main(["admin", "revoke", "777000", "secretary_general"]) == 0
    assert "revoked secretary_general from 777000" in capsys.readouterr().out
    assert main(["admin", "roles"]) == 0
    assert "777000" not in capsys.readouterr().out


def test_unknown_role_is_refused(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "grant", "1", "king"]) == 2
    assert "unknown role 'king'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"MAJLIS_TELEGRAM_TOKEN": "not-a-token"}, "MAJLIS_TELEGRAM_TOKEN is malformed"),
        (
            {
                "MAJLIS_TELEGRAM_TOKEN": "123456789:" + "A" * 35,
                "MAJLIS_WEBHOOK_URL": "https://example.org/hook",
            },
            "MAJLIS_WEBHOOK_SECRET is not",
        ),
        (
            {"MAJLIS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            "cannot reach the database",
        ),
        ({"MAJLIS_LOG_LEVEL": "LOUD"}, "MAJLIS_LOG_LEVEL"),
        ({"MAJLIS_TELEGRAM_API_URL": "api.telegram.org"}, "MAJLIS_TELEGRAM_API_URL must be"),
    ],
)
def test_bad_configuration_stops_with_one_clear_line(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    expected: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    error = capsys.readouterr().err.strip()
    assert expected in error
    assert len(error.splitlines()) == 1


def test_an_unknown_queue_for_a_worker_is_one_line(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worker", "--queues", "updates,votes"]) == 2
    error = capsys.readouterr().err.strip()
    assert "--queues takes default, delivery, updates, not votes" in error
    assert len(error.splitlines()) == 1


def test_db_upgrade_is_idempotent(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "database is up to date" in capsys.readouterr().out


def test_making_a_pdf_logs_no_font_subsetting_at_info(caplog: pytest.LogCaptureFixture) -> None:
    """fpdf2 subsets every font through fontTools, which logs each table at INFO: dozens of
    lines for one minutes PDF. Majlis's logging keeps its own INFO lines and drops those."""
    fpdf = pytest.importorskip("fpdf")
    font = FONT_DIR / "NotoSans-Regular.ttf"
    caplog.set_level(logging.INFO)
    _logging(Settings(log_level="INFO"))
    document = fpdf.FPDF()
    document.add_font("sans", fname=str(font))
    document.add_page()
    document.set_font("sans", size=12)
    document.cell(text="Minutes of the Ninth General Assembly")
    assert bytes(document.output()).startswith(b"%PDF")
    logging.getLogger("bot.conversations.meetings.minutes").info("minutes rendered")
    names = [record.name for record in caplog.records]
    assert "bot.conversations.meetings.minutes" in names
    assert not [name for name in names if name.startswith("fontTools")], names


# --- Through the real command line, as an operator meets it ---------------------------

MAJLIS = [
    sys.executable,
    "-c",
    "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
]
ROOT = Path(__file__).resolve().parents[1]
WELL_FORMED_TOKEN = "123456789:" + "A" * 35


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, redis_url: str, namespace: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAJLIS_")}
    env.update(
        MAJLIS_DATA_DIR=str(tmp_path / "data"),
        MAJLIS_DATABASE_URL=database_url,
        MAJLIS_REDIS_URL=redis_url,
        MAJLIS_REDIS_NAMESPACE=namespace,
        MAJLIS_SANDBOX_PORT=str(free_port()),
    )
    return env


async def refused(*args: str, env: dict[str, str]) -> str:
    """Run ``majlis *args``; it must stop by itself, non-zero, with one line on stderr."""
    process = await asyncio.create_subprocess_exec(
        *MAJLIS,
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise AssertionError(
            f"majlis {' '.join(args)} kept running:\n{out.decode()}\n{err.decode()}"
        ) from None
    error = err.decode().strip()
    assert process.returncode not in (0, None), (process.returncode, error)
    assert len(error.splitlines()) == 1, error
    assert error.startswith("majlis: "), error
    return error


@pytest.mark.parametrize("command", ["run", "bot", "worker"])
@pytest.mark.parametrize("url", ["postgresql//majlis@localhost/majlis", "nosuchdb://majlis"])
async def test_a_malformed_database_url_is_one_line(
    environment: dict[str, str], command: str, url: str
) -> None:
    error = await refused(command, env={**environment, "MAJLIS_DATABASE_URL": url})
    assert "MAJLIS_DATABASE_URL" in error


@pytest.mark.parametrize(
    ("command", "runtime"), [("bot", "aiogram"), ("bot", "ptb"), ("run", "aiogram")]
)
async def test_an_unreachable_bot_api_is_one_line(
    environment: dict[str, str], command: str, runtime: str
) -> None:
    error = await refused(
        command,
        env={
            **environment,
            "MAJLIS_TELEGRAM_TOKEN": WELL_FORMED_TOKEN,
            "MAJLIS_TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}",
            "MAJLIS_RUNTIME": runtime,
        },
    )
    assert "MAJLIS_TELEGRAM_API_URL" in error


async def test_a_bot_api_error_never_shows_the_token(environment: dict[str, str]) -> None:
    error = await refused(
        "bot",
        env={
            **environment,
            "MAJLIS_TELEGRAM_TOKEN": WELL_FORMED_TOKEN,
            # aiogram quotes the whole request URL, token included, for this one.
            "MAJLIS_TELEGRAM_API_URL": "http://127.0.0.1:99999",
        },
    )
    assert "MAJLIS_TELEGRAM_API_URL" in error
    assert WELL_FORMED_TOKEN.split(":")[1] not in error


@pytest.fixture
async def refusing_bot_api() -> AsyncIterator[str]:
    """A Bot API that refuses the token, as Telegram does one BotFather revoked."""

    async def unauthorized(request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unauthorized)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("command", "runtime"), [("bot", "aiogram"), ("bot", "ptb"), ("run", "ptb")]
)
async def test_a_token_the_bot_api_refuses_is_one_line(
    environment: dict[str, str], refusing_bot_api: str, command: str, runtime: str
) -> None:
    error = await refused(
        command,
        env={
            **environment,
            "MAJLIS_TELEGRAM_TOKEN": WELL_FORMED_TOKEN,
            "MAJLIS_TELEGRAM_API_URL": refusing_bot_api,
            "MAJLIS_RUNTIME": runtime,
        },
    )
    assert "MAJLIS_TELEGRAM_TOKEN" in error


@pytest.fixture(params=["never migrated", "one migration behind"])
def unmigrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if POSTGRES_URL:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = Database(POSTGRES_URL)
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    if request.param == "one migration behind":
        db = Database(url)
        head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
        assert head is not None
        upgrade(db, f"{head}-1")
        db.dispose()
    try:
        yield url
    finally:
        if POSTGRES_URL:
            with admin.engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


async def test_the_bot_refuses_a_database_behind_the_migrations(
    environment: dict[str, str], unmigrated_database_url: str
) -> None:
    error = await refused(
        "bot", env={**environment, "MAJLIS_DATABASE_URL": unmigrated_database_url}
    )
    assert "majlis db upgrade" in error


@pytest.mark.parametrize("processes", ["1", "2"])
async def test_the_worker_refuses_a_database_behind_the_migrations_and_leaves_the_jobs(
    environment: dict[str, str],
    unmigrated_database_url: str,
    redis_url: str,
    namespace: str,
    processes: str,
) -> None:
    broker = make_broker(redis_url, namespace=namespace)
    try:
        enqueue(broker, outbox.DELIVERY_JOB, 1, queue_name=DELIVERY_QUEUE)
        error = await refused(
            "worker",
            "--processes",
            processes,
            env={**environment, "MAJLIS_DATABASE_URL": unmigrated_database_url},
        )
        assert "majlis db upgrade" in error
        assert broker.client.llen(f"{namespace}:{DELIVERY_QUEUE}") == 1
    finally:
        broker.flush_all()
        broker.close()


async def test_majlis_db_upgrade_then_migrates_it(
    environment: dict[str, str], unmigrated_database_url: str
) -> None:
    """The fix the line names works: after it, the checks pass."""
    env = {**environment, "MAJLIS_DATABASE_URL": unmigrated_database_url}
    process = await asyncio.create_subprocess_exec(
        *MAJLIS, "db", "upgrade", env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0 and b"database is up to date" in out
    process = await asyncio.create_subprocess_exec(
        *MAJLIS, "health", env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, out


async def test_a_worker_consumes_only_the_queues_it_is_given(
    environment: dict[str, str], redis_url: str, namespace: str
) -> None:
    """``--queues delivery``: a notification job is taken, an update's job is left for
    the handlers."""
    broker = make_broker(redis_url, namespace=namespace)
    process = await asyncio.create_subprocess_exec(
        *MAJLIS,
        "worker",
        "--queues",
        "delivery",
        "--no-scheduler",
        env=environment,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
        while not line.startswith(b"worker:") and line:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
        assert line.rstrip().endswith(b"(delivery)"), line
        enqueue(broker, inbox.HANDLE_JOB, 7, queue_name=UPDATES_QUEUE)
        enqueue(broker, outbox.DELIVERY_JOB, 1, queue_name=DELIVERY_QUEUE)
        for _ in range(600):
            if broker.client.llen(f"{namespace}:{DELIVERY_QUEUE}") == 0:
                break
            await asyncio.sleep(0.1)
        assert broker.client.llen(f"{namespace}:{DELIVERY_QUEUE}") == 0, "delivery not taken"
        assert broker.client.llen(f"{namespace}:{UPDATES_QUEUE}") == 1
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=60)
        broker.flush_all()
        broker.close()
