"""Where each person stands in a conversation, which updates were handled, and which
wait to be."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary
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


class InboxUpdate(SQLModel, table=True):
    """An update taken in from Telegram and not yet answered (``workflows.platform.inbox``).

    The bot writes each batch here before it confirms it to Telegram; a handler in
    any worker takes a chat's rows in ``update_id`` order and deletes each once it
    is answered. The event is sealed: a press on a secret ballot carries the choice.
    """

    __tablename__ = "update_inbox"
    __table_args__ = (Index("ix_update_inbox_chat_id_update_id", "chat_id", "update_id"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    #: The framework-neutral event as JSON, sealed (nonce, AES-GCM ciphertext and tag).
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: Last hand-over to the queue; the sweep hands over again rows left too long.
    enqueued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
