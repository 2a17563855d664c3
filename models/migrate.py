"""Alembic migrations, applied from code so that ``majlis run`` needs no alembic.ini."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from models.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(database), revision)


def revision(database: Database, message: str) -> None:
    """Write a new migration from the difference between the tables and the database."""
    command.revision(alembic_config(database), message=message, autogenerate=True)


def revisions(database: Database) -> tuple[set[str], set[str]]:
    """The revisions the database is at, and those the migrations lead to."""
    with database.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory.from_config(alembic_config(database)).get_heads())
    return current, heads
