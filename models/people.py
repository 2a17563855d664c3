"""People and chats the bot knows, and the roles granted to people."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class UserBase(SQLModel):
    first_name: str = Field(max_length=256)
    username: str | None = Field(default=None, max_length=64)
    #: "en" or "ar"; the user's own pick once ``language_chosen`` is set.
    language: str = Field(default="en", max_length=8)
    language_chosen: bool = False


class User(UserBase, table=True):
    __tablename__ = "users"

    #: The Telegram user id: also the id of the user's private chat with the bot.
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, foreign_key="users.id", index=True)
    role: str = Field(max_length=32)
    granted_by: int | None = Field(default=None, sa_type=BigInteger)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GroupChat(SQLModel, table=True):
    """A group chat the bot has seen; its language is used for announcements."""

    __tablename__ = "group_chats"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=256)
    #: "en", "ar", or "both": posts then carry both working languages (Art. 3).
    language: str = Field(default="en", max_length=8)
    #: What the group is bound to, such as "secretariat"; empty when unbound.
    purpose: str = Field(default="", max_length=32, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
