"""Membership fees (Art. 18) and suspended voting rights (Art. 25).

A fee period is the biennium the Council set a fee for; each full member owes
one due in it; payments are reported by the member (or recorded by the
Secretariat) and count once confirmed. Amounts are integer minor units of an
ISO 4217 currency (cents, fils): exact, and summed by the database without
rounding. States are the charter machines' values.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class FeePeriod(SQLModel, table=True):
    """The biennial fee the Executive Supreme Council decided (Art. 18), and its policy."""

    __tablename__ = "fee_periods"

    id: int | None = Field(default=None, primary_key=True)
    starts_on: date
    ends_on: date
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    due_on: date = Field(index=True)
    #: Days after the due date before an unpaid member's voting right is suspended.
    grace_days: int
    #: Reminders this many days before the due date, then every so many days after it.
    reminder_days_before: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    reminder_every_days_after: int
    opened_by: int | None = Field(default=None, sa_type=BigInteger)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeeDue(SQLModel, table=True):
    """What one member owes for one period; its notice, and when it was settled."""

    __tablename__ = "fee_dues"
    __table_args__ = (UniqueConstraint("period_id", "member_id", name="uq_fee_dues_period_member"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="fee_periods.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Set when confirmed payments first covered the amount.
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FeePayment(SQLModel, table=True):
    """A payment reported by a member's representative or recorded by the Secretariat."""

    __tablename__ = "fee_payments"
    __table_args__ = (Index("ix_fee_payments_due_state", "due_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    due_id: int = Field(foreign_key="fee_dues.id")
    member_id: int = Field(foreign_key="members.id", index=True)
    state: str = Field(default="reported", max_length=16, index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    paid_on: date
    reference: str = Field(max_length=200)
    receipt_file_id: str | None = Field(default=None, max_length=256)
    receipt_kind: str | None = Field(default=None, max_length=16)
    receipt_name: str | None = Field(default=None, max_length=256)
    receipt_mime: str | None = Field(default=None, max_length=64)
    receipt_size: int | None = None
    #: The representative who reported it, or the staff who recorded it.
    reported_by: int | None = Field(default=None, sa_type=BigInteger)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispute_reason: str | None = None
    #: Earlier versions of a report corrected after a dispute: [{amount_minor, ...}, ...].
    corrections: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class VotingSuspension(SQLModel, table=True):
    """Art. 25: a suspension of a member's voting right for unpaid fees, and its end."""

    __tablename__ = "voting_suspensions"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    #: The fee period whose unpaid due it is for; none for a decision on the arrears as a whole.
    period_id: int | None = Field(default=None, foreign_key="fee_periods.id")
    reason: str
    #: True when the policy suspended it after the grace period; False for a recorded decision.
    automatic: bool = False
    suspended_by: int | None = Field(default=None, sa_type=BigInteger)
    suspended_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    restored_by: int | None = Field(default=None, sa_type=BigInteger)
    restored_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    restore_reason: str | None = None
