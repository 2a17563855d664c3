"""The migrations build exactly the tables the models describe, and can be undone."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import models
from models.db import Database
from models.migrate import alembic_config, upgrade


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, models.metadata) == []


def test_one_line_of_migrations_that_goes_down_and_up_again(db: Database) -> None:
    config = alembic_config(db)
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    command.downgrade(config, "base")
    upgrade(db)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == script.get_current_head()
