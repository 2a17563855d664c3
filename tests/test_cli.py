"""The ``majlis`` command: roles from the command line, one clear line for bad configuration."""

import logging
from pathlib import Path

import pytest

from bot.cli import _logging, main
from workflows.settings import Settings


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


def test_db_upgrade_is_idempotent(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "database is up to date" in capsys.readouterr().out


def test_making_a_pdf_logs_no_font_subsetting_at_info(caplog: pytest.LogCaptureFixture) -> None:
    """fpdf2 subsets every font through fontTools, which logs each table at INFO: dozens of
    lines for one minutes PDF. Majlis's logging keeps its own INFO lines and drops those."""
    fpdf = pytest.importorskip("fpdf")
    font = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
    if not font.exists():
        pytest.skip("needs a TrueType font: apt-get install fonts-noto-core")
    caplog.set_level(logging.INFO)
    _logging(Settings(log_level="INFO"))
    document = fpdf.FPDF()
    document.add_font("sans", fname=str(font))
    document.add_page()
    document.set_font("sans", size=12)
    document.cell(text="Minutes of the Ninth General Assembly")
    assert bytes(document.output()).startswith(b"%PDF")
    logging.getLogger("bot.minutes").info("minutes rendered")
    names = [record.name for record in caplog.records]
    assert "bot.minutes" in names
    assert not [name for name in names if name.startswith("fontTools")], names
