"""The migrations build exactly the tables the models describe, and can be undone."""

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import models
from models.db import Database
from models.migrate import alembic_config, current_revisions, heads, migrate, upgrade


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


def test_the_revisions_read_without_alembic_are_alembics(db: Database) -> None:
    """A start asks whether the database is behind without loading Alembic: the heads
    read from the migration files and the revision read from the table are the ones
    Alembic finds, at the head, one step behind and before any migration."""
    config = alembic_config(db)
    script = ScriptDirectory.from_config(config)
    assert heads() == set(script.get_heads())

    def alembics() -> set[str]:
        with db.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    assert current_revisions(db) == alembics() == heads()
    command.downgrade(config, "-1")
    assert current_revisions(db) == alembics() != heads()
    migrate(db)
    assert current_revisions(db) == heads()
    command.downgrade(config, "base")
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE alembic_version"))
    assert current_revisions(db) == alembics() == set()
    migrate(db)
    assert current_revisions(db) == alembics() == heads()


def test_stored_amounts_keep_their_value_when_currencies_take_cldrs_digits(db: Database) -> None:
    """A fee stored under the old table (IQD with 3 digits, IRR with 2) is worth the
    same after the migration to CLDR's digits (0 for both), and back again."""
    config = alembic_config(db)
    command.downgrade(config, "0005_majority_base")
    insert = (
        "INSERT INTO fee_periods (starts_on, ends_on, amount_minor, currency, due_on, "
        "grace_days, reminder_days_before, reminder_every_days_after, opened_at) VALUES "
        "('2027-01-01', '2028-12-31', :minor, :currency, '2027-03-01', 30, '[]', 14, "
        "'2026-11-30 00:00:00+00:00')"
    )
    with db.engine.begin() as connection:
        for minor, currency in [(1500000, "IQD"), (150000, "IRR"), (1500505, "KWD")]:
            connection.execute(sa.text(insert), {"minor": minor, "currency": currency})
    upgrade(db)
    read = "SELECT currency, amount_minor FROM fee_periods ORDER BY currency"
    with db.engine.connect() as connection:
        after = dict(connection.execute(sa.text(read)).all())
    # 1500.000 IQD is 1500 dinars; 1500.00 IRR is 1500 rials; KWD keeps its 3 digits.
    assert after == {"IQD": 1500, "IRR": 1500, "KWD": 1500505}
    command.downgrade(config, "0005_majority_base")
    with db.engine.connect() as connection:
        before = dict(connection.execute(sa.text(read)).all())
    assert before == {"IQD": 1500000, "IRR": 150000, "KWD": 1500505}
    upgrade(db)
