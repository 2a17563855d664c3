"""``majlis import members FILE.csv`` as an operator runs it: a dry run, then --apply."""

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from models import AuditRecord, Member
from models.db import Database

MAJLIS = [
    sys.executable,
    "-c",
    "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))",
]
ROOT = Path(__file__).resolve().parents[1]
REGISTER = (
    "\ufeffالفئة;الاسم بالإنجليزية;الاسم بالعربية;البلد;تاريخ القبول;الممثلون\n"
    "كامل;Qazvin;قزوين;IR;٠١/٠٢/٢٠١٩;@qazvin_mayor\n"
    "\n"
    "observer;Institute of Urban Heritage;معهد التراث العمراني;MA;2021-05-10;\n"
)


def majlis(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAJLIS_")}
    env.update(MAJLIS_DATA_DIR=str(tmp_path / "data"), MAJLIS_DATABASE_URL=database_url)
    return subprocess.run(
        [*MAJLIS, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def members(database_url: str) -> list[str]:
    db = Database(database_url)
    try:
        with db.session() as session:
            return sorted(member.name_en for member in session.exec(select(Member)))
    finally:
        db.dispose()


def test_a_dry_run_writes_nothing_and_apply_imports_once(tmp_path: Path, database_url: str) -> None:
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")

    dry = majlis(tmp_path, database_url, "import", "members", str(register))
    assert dry.returncode == 0, dry.stderr
    assert "Dry run of the import: nothing has been written yet." in dry.stdout
    assert "To create: 2" in dry.stdout
    assert "Line 2: Qazvin — قزوين — full member, Iran, admitted February 1, 2019" in dry.stdout
    assert "representatives added: @qazvin_mayor" in dry.stdout
    assert "owes the fee of the next period opened (Art. 18)" in dry.stdout
    assert "Run again with --apply to import." in dry.stdout
    assert members(database_url) == []

    done = majlis(tmp_path, database_url, "import", "members", str(register), "--apply")
    assert done.returncode == 0, done.stderr
    assert "The register is imported. Created: 2; updated: 0; left as they were: 0." in done.stdout
    assert members(database_url) == ["Institute of Urban Heritage", "Qazvin"]

    again = majlis(tmp_path, database_url, "import", "members", str(register), "--apply")
    assert again.returncode == 0, again.stderr
    assert "Nothing to import: the register already says this." in again.stdout
    db = Database(database_url)
    try:
        with db.session() as session:
            imports = session.exec(select(AuditRecord).where(AuditRecord.action == "import"))
            assert [record.details["via"].startswith("cli:") for record in imports] == [True]
    finally:
        db.dispose()


def test_bad_lines_and_bad_files_write_nothing(tmp_path: Path, database_url: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(REGISTER.replace(";IR;", ";Atlantis;"), encoding="utf-8")
    result = majlis(tmp_path, database_url, "import", "members", str(bad), "--apply")
    assert result.returncode == 1
    assert "Line 2: unknown country “Atlantis”" in result.stdout
    assert members(database_url) == []

    arabic = majlis(tmp_path, database_url, "import", "members", str(bad), "--language", "ar")
    assert arabic.returncode == 1
    assert "السطر 2: بلد غير معروف «Atlantis»" in arabic.stdout

    binary = tmp_path / "register.xlsx"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xff\xfe\x00\x00")
    result = majlis(tmp_path, database_url, "import", "members", str(binary))
    assert result.returncode == 2
    assert "This is not a CSV file saved as UTF-8." in result.stderr
    assert members(database_url) == []
