"""Broadcasts: one message from the Secretariat to a segment of the Assembly.

Each recipient's copy is an outbox row carrying the broadcast's id, so that the
outbox's guarantees (sent once, across crashes) hold for every copy and the
progress and the report are counts over those rows.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class Broadcast(SQLModel, table=True):
    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int = Field(sa_type=BigInteger, foreign_key="users.id")
    #: The segments chosen, as stored strings ("category:full", "body:trustees"...).
    segments: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Telegram HTML, checked before it was accepted; "" when not written.
    text_en: str = ""
    text_ar: str = ""
    #: Readers of a language left unwritten get the other one (the sender said so).
    other_language: bool = False
    file_id: str | None = Field(default=None, max_length=256)
    file_name: str | None = Field(default=None, max_length=256)
    #: scheduled, sending, done or cancelled.
    state: str = Field(default="scheduled", max_length=16, index=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    time_zone: str = Field(default="UTC", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: People and members it was written for when it started.
    people: int = 0
    members: int = 0
    #: The sender's progress message, edited as the copies go out.
    progress_id: int | None = None
    #: The last count shown, so that the progress message is edited only on change.
    shown: int = 0
