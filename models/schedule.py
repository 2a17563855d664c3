"""Deadlines, reminders and escalations: rows with a due time, acted on by the scheduler."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class DueItem(SQLModel, table=True):
    __tablename__ = "due_items"

    id: int | None = Field(default=None, primary_key=True)
    #: Names the handler that acts on it, such as "application.remind".
    kind: str = Field(max_length=64, index=True)
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    #: One row per thing that must happen once (a reminder of one prompt at one time).
    dedupe_key: str = Field(unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    #: Set when the thing it was for no longer needs it (the prompt was answered).
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = None
