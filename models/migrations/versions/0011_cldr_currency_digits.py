"""amounts kept in CLDR's minor units: rescale those stored under ISO 4217's old table

Revision ID: 0006_cldr_currency_digits
Revises: 0005_majority_base
Create Date: 2026-11-30 06:40:00.000000

Amounts are stored as integers of the currency's minor unit. The digits of a
currency came from a table kept by hand, and now from CLDR (Babel); where the
two differ (the Iraqi dinar had 3, CLDR 0; the Iranian rial 2, CLDR 0...),
stored integers are rescaled so that every amount keeps its value. A stored
fraction finer than the currency now allows is rounded half to even: such an
amount could not have been paid in that currency.
"""

import json
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa
from alembic import op

revision: str = '0006_cldr_currency_digits'
down_revision: str | None = '0005_majority_base'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The table this revision replaces, frozen here as it was (2 for any other code).
_OLD = {
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"),
        0,
    ),
    **dict.fromkeys(("VUV", "XAF", "XOF", "XPF"), 0),
}


def _old(code: str) -> int:
    return _OLD.get(code, 2)


def _new(code: str) -> int:
    # Babel's currency tables load only when this migration runs, not whenever
    # Alembic reads the revisions.
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(code))


def _rescale(minor: int, source: int, target: int) -> int:
    amount = Decimal(minor).scaleb(-source)
    return int(amount.quantize(Decimal(1).scaleb(-target), rounding=ROUND_HALF_EVEN).scaleb(target))


def _convert(direction: int) -> None:
    bind = op.get_bind()
    for table in ("fee_periods", "fee_dues", "fee_payments"):
        extra = ", corrections" if table == "fee_payments" else ""
        rows = bind.execute(sa.text(f"SELECT id, amount_minor, currency{extra} FROM {table}"))
        for row in rows.mappings().all():
            code = row["currency"]
            source, target = (_old(code), _new(code))[::direction]
            if source == target:
                continue
            values = {"id": row["id"], "amount": _rescale(row["amount_minor"], source, target)}
            assignments = "amount_minor = :amount"
            if extra:
                corrections = row["corrections"]
                if isinstance(corrections, str):
                    corrections = json.loads(corrections)
                for earlier in corrections or []:
                    earlier["amount_minor"] = _rescale(earlier["amount_minor"], source, target)
                values["corrections"] = corrections or []
                assignments += ", corrections = :corrections"
            statement = sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id")
            if extra:
                statement = statement.bindparams(sa.bindparam("corrections", type_=sa.JSON()))
            bind.execute(statement, values)


def upgrade() -> None:
    _convert(1)


def downgrade() -> None:
    _convert(-1)
