"""Where each person stands in a conversation, and which updates were handled."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    """One person's step in a guided flow in one chat; survives restarts."""

    __tablename__ = "conversations"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    flow: str = Field(max_length=32)
    step: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedUpdate(SQLModel, table=True):
    """An update handled once; a repeat of its ``update_id`` changes nothing.

    The replies its turn owes are kept with it, written in the same transaction,
    until they are all out: a bot that dies before sending them sends them when
    Telegram hands the update over again. ``replies_sent`` counts those already out.
    """

    __tablename__ = "processed_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    replies: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    replies_sent: int = 0
