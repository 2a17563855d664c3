"""Approval prompts: one decision owed by whoever holds a role, sent to each of them.

Every copy is an outbox notification carrying the prompt's id; the first person
to act resolves the prompt, and every copy is then edited to say who did what.
"""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class Prompt(SQLModel, table=True):
    __tablename__ = "prompts"

    id: int | None = Field(default=None, primary_key=True)
    #: What is decided, such as "application.screen" or "withdrawal.decide".
    kind: str = Field(max_length=48, index=True)
    subject_id: int = Field(index=True)
    #: The role whose holders are asked, such as "secretariat".
    audience: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resolved_by: int | None = Field(default=None, sa_type=BigInteger)
    outcome: str | None = Field(default=None, max_length=32)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
