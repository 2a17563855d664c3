"""Alembic migrations, applied from code so that ``majlis run`` needs no alembic.ini."""

from pathlib import Path

from alembic import command
from alembic.config import Config

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
