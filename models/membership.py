"""Applications, members and their representatives, honorary nominations,
withdrawal requests and suspensions. States are the charter machines' values."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class LetterFields(SQLModel):
    """A signed letter sent as a document or photo; the bytes stay at Telegram."""

    letter_file_id: str | None = Field(default=None, max_length=256)
    letter_kind: str | None = Field(default=None, max_length=16)
    letter_name: str | None = Field(default=None, max_length=256)
    letter_mime: str | None = Field(default=None, max_length=64)
    letter_size: int | None = None


class ApplicationBase(LetterFields):
    category: str | None = Field(default=None, max_length=16)
    name_en: str | None = Field(default=None, max_length=200)
    name_ar: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=2)
    signatory_name: str | None = Field(default=None, max_length=200)
    signatory_title: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=300)
    #: Art. 16, 19: the explicit statement of adherence to the charter's principles.
    adheres: bool = False
    #: Art. 21: an associate that is a legal person is an institutional member.
    institutional: bool = False


class Application(ApplicationBase, table=True):
    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_applicant_state", "applicant_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int = Field(sa_type=BigInteger, foreign_key="users.id")
    state: str = Field(default="draft", max_length=16, index=True)
    #: The question waiting for the applicant's answer, and the staff who asked it.
    question: str | None = None
    asked_by: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = None
    member_id: int | None = Field(default=None, foreign_key="members.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=16, index=True)
    name_en: str = Field(max_length=200)
    name_ar: str = Field(max_length=200)
    country: str | None = Field(default=None, max_length=2, index=True)
    institutional: bool = False
    standing: str = Field(default="active", max_length=16, index=True)
    voting_right: str = Field(default="active", max_length=24)
    admitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: A full member admitted owes a first fee notice; the fees workflow sends it.
    fee_notice_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contribution: str | None = None


class Representation(SQLModel, table=True):
    """Who speaks for a member (Art. 24): its mayor or official delegate."""

    __tablename__ = "representations"
    __table_args__ = (UniqueConstraint("member_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    user_id: int = Field(sa_type=BigInteger, foreign_key="users.id", index=True)
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HonoraryNomination(SQLModel, table=True):
    """Art. 15: confirmed by both the Chair and the Secretary-General, in either order."""

    __tablename__ = "honorary_nominations"

    id: int | None = Field(default=None, primary_key=True)
    name_en: str = Field(max_length=200)
    name_ar: str = Field(max_length=200)
    contribution: str
    nominated_by: int = Field(sa_type=BigInteger)
    state: str = Field(default="nominated", max_length=24, index=True)
    chair_by: int | None = Field(default=None, sa_type=BigInteger)
    chair_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sg_by: int | None = Field(default=None, sa_type=BigInteger)
    sg_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = None
    member_id: int | None = Field(default=None, foreign_key="members.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WithdrawalRequest(LetterFields, table=True):
    __tablename__ = "withdrawal_requests"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    requested_by: int = Field(sa_type=BigInteger)
    reason: str
    state: str = Field(default="requested", max_length=16, index=True)
    decision_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SuspensionCase(SQLModel, table=True):
    """Art. 22: proposed by the Secretariat for a breach, decided by the Secretary-General."""

    __tablename__ = "suspension_cases"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    proposed_by: int = Field(sa_type=BigInteger)
    reason: str
    state: str = Field(default="proposed", max_length=16, index=True)
    lift_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingRepresentative(SQLModel, table=True):
    """A representative named by @username in an imported register who has not started
    the bot yet: linked to the member (a ``Representation``) when they first write."""

    __tablename__ = "pending_representatives"
    __table_args__ = (UniqueConstraint("member_id", "username"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    #: Lower case, without the "@": Telegram usernames are case-insensitive.
    username: str = Field(max_length=64, index=True)
    added_by: int | None = Field(default=None, sa_type=BigInteger)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
