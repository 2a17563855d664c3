"""PostgreSQL's inspection extensions, for tests that look at the database as its
superuser would: dead row versions (``pageinspect``) and the WAL (``pg_walinspect``).

The test database is shared by concurrent runs: each extension is created once, under
an advisory lock, in a schema of its own, and found there by everyone else.
"""

from sqlalchemy import text

from models.db import Database

LOCK = 8008


def extension(admin: Database, name: str) -> str:
    """Install ``name`` if it is not yet, and return the schema its functions are in."""
    with admin.engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": LOCK})
        found = connection.execute(
            text(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = :name"
            ),
            {"name": name},
        ).scalar()
        if found is not None:
            return str(found)
        connection.execute(text("CREATE SCHEMA IF NOT EXISTS inspect"))
        connection.execute(text(f"CREATE EXTENSION {name} SCHEMA inspect"))
        return "inspect"
