"""Notifications written in the same transaction as the change that causes them."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """A message owed to one chat, rendered in the recipient's language on delivery."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    #: The notice's stable name, whose words are in ``bot/notices.py`` (rows written
    #: before: the gettext message id of the text); ``plural_key`` with ``count`` in
    #: args for plurals.
    key: str
    plural_key: str | None = None
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Rows of buttons, each a fact ``{"$button": kind, field: value}`` that the bot
    #: labels and packs (``bot/buttons.py``); rows written before hold
    #: ``{"key": msgid, "data": callback data}``.
    buttons: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Makes a notification that must exist once (a reminder for one due date) unique.
    dedupe_key: str | None = Field(default=None, unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: Last hand-over to the queue; the sweep hands over rows left too long.
    enqueued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: A worker sending the row holds it until then; after that another may.
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The queue message sending it ("message@worker"): only that same message,
    #: redelivered because its worker died, may resume the claim before it ends.
    claimed_by: str | None = Field(default=None, max_length=80)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    telegram_message_id: int | None = Field(default=None, sa_type=BigInteger)
    attempts: int = 0
    last_error: str | None = None
    #: The approval prompt this message is a copy of.
    prompt_id: int | None = Field(default=None, foreign_key="prompts.id", index=True)
    #: Set for an edit: the notification whose message gets this new text.
    edit_of: int | None = Field(default=None, foreign_key="outbox.id")
    #: A notification that must be out first: the document this text refers to as
    #: "below" or "above" is sent before it, whichever delivery job runs first.
    follows: int | None = Field(default=None, foreign_key="outbox.id")
    #: A document to send with the text as caption: (file_id, name) at Telegram,
    #: or bytes stored in ``attachments``.
    file_id: str | None = Field(default=None, max_length=256)
    file_kind: str | None = Field(default=None, max_length=16)
    #: Set when Telegram refuses for good (the user blocked the bot): never retried.
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The broadcast this is one recipient's copy of.
    broadcast_id: int | None = Field(default=None, foreign_key="broadcasts.id", index=True)
