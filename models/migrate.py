"""Alembic migrations, applied from code so that ``majlis run`` needs no alembic.ini.

Every start asks whether the database is behind its migrations. That question is
answered without Alembic (which, with Mako and Pygments, takes a noticeable part of
a start to load, and reads every migration module): :func:`revisions` reads the
version table, and the ``revision`` and ``down_revision`` lines of the migration
files. Alembic loads only to apply or to write a migration.
"""

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from models.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Alembic's own name for the table holding the revision a database is at.
VERSION_TABLE = "alembic_version"


def alembic_config(database: Database) -> "Config":
    # Alembic loads only to apply or write a migration (start-up time; see above).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    # Alembic loads only to apply or write a migration (start-up time; see above).
    from alembic import command

    command.upgrade(alembic_config(database), revision)


def migrate(database: Database) -> None:
    """Apply the migrations the database lacks; when it lacks none, Alembic never loads."""
    current, heads = revisions(database)
    if current != heads:
        upgrade(database)


def revision(database: Database, message: str) -> None:
    """Write a new migration from the difference between the tables and the database."""
    # Alembic loads only to apply or write a migration (start-up time; see above).
    from alembic import command

    command.revision(alembic_config(database), message=message, autogenerate=True)


def revisions(database: Database) -> tuple[set[str], set[str]]:
    """The revisions the database is at, and those the migrations lead to."""
    return current_revisions(database), heads()


def current_revisions(database: Database) -> set[str]:
    """What Alembic's ``MigrationContext.get_current_heads`` reads: the version table's
    rows, none when there is no such table yet."""
    with database.engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return set()
        rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
        return {str(row[0]) for row in rows}


def heads() -> set[str]:
    """The revisions no migration follows, read from the files as Alembic would find
    them (each file's ``revision`` and ``down_revision``)."""
    found: dict[str, set[str]] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = _assignments(path, ("revision", "down_revision"))
        if "revision" not in values:
            continue  # not a migration (the package's __init__)
        down = values.get("down_revision")
        parents = [down] if isinstance(down, str) else list(down or [])
        found[str(values["revision"])] = {str(parent) for parent in parents}
    followed = {parent for parents in found.values() for parent in parents}
    return set(found) - followed


def _assignments(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """The literal values given at the top of a module to ``names``."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in names:
                values[target.id] = ast.literal_eval(value)
    return values
