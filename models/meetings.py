"""Seats, sessions, invitations, delegates, attendance, motions, support and ballots.

A *voter* is the one-vote unit: ``m<member id>`` at the Assembly (Art. 25: one
vote per full member, cast by its representative or its delegate), ``u<user id>``
for a seat holder of a board or committee. Unique constraints on (motion, voter)
make "one ballot per voter per motion" hold whoever presses, however often.

Secret ballots are two tables: ``secret_participations`` says who voted,
``sealed_ballots`` holds what was chosen, sealed under a key the database never
sees (``workflows.meetings.seals``). Both rows are written in one transaction, so the
database can tell which seal is whose, never what is inside it.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, utcnow


class Seat(SQLModel, table=True):
    """A seat on a board or committee (Art. 6, 8, 10), held by a person until vacated."""

    __tablename__ = "seats"
    __table_args__ = (Index("ix_seats_body_ended", "body", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    body: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    holder_id: int = Field(sa_type=BigInteger, foreign_key="users.id", index=True)
    assigned_by: int | None = Field(default=None, sa_type=BigInteger)
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BodyRules(SQLModel, table=True):
    """The reading a body chose where the charter leaves one open (Art. 26): the
    majority's base, copied into each of its sessions when convened."""

    __tablename__ = "body_rules"

    body: str = Field(primary_key=True, max_length=16)
    majority_base: str = Field(max_length=24)
    changed_by: int | None = Field(default=None, sa_type=BigInteger)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingBase(SQLModel):
    body: str = Field(max_length=16)
    kind: str = Field(default="regular", max_length=16)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    #: The IANA zone the time was given in, shown to everyone in that zone.
    time_zone: str = Field(default="UTC", max_length=64)
    place: str | None = Field(default=None, max_length=300)
    link: str | None = Field(default=None, max_length=500)
    agenda: str = ""
    #: Art. 3: the title and agenda in Arabic; ``title`` and ``agenda`` are the English.
    #: Either language may be filled later; until then readers see the other.
    title_ar: str | None = Field(default=None, max_length=200)
    agenda_ar: str | None = None


class Meeting(MeetingBase, table=True):
    """A session of the Assembly (Art. 23) or a meeting of a board or committee."""

    __tablename__ = "meetings"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(default="scheduled", max_length=16, index=True)
    #: The session's group chat: ballots with live tallies and results go there too.
    group_chat_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="group_chats.id"
    )
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The attendance board the Secretariat watches (a notification edited live).
    board_id: int | None = Field(default=None, foreign_key="outbox.id")
    #: The session's reading of Art. 26, set when convened and fixed once it opens,
    #: so its board, its results and its minutes count on the same bases.
    majority_base: str = Field(default="yes_no", max_length=24)
    fee_suspended_in_quorum_base: bool = False


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    voter: str = Field(max_length=24)
    member_id: int | None = Field(default=None, foreign_key="members.id")
    #: A seat holder's own invitation (committees); members answer through representatives.
    user_id: int | None = Field(default=None, sa_type=BigInteger, foreign_key="users.id")
    rsvp: str = Field(default="pending", max_length=16)
    answered_by: int | None = Field(default=None, sa_type=BigInteger)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Delegation(SQLModel, table=True):
    """Art. 24: a full member's official delegate for one session; one per member."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    member_id: int = Field(foreign_key="members.id")
    delegate_id: int = Field(sa_type=BigInteger, foreign_key="users.id", index=True)
    named_by: int = Field(sa_type=BigInteger)
    state: str = Field(default="pending", max_length=16)
    named_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Attendance(SQLModel, table=True):
    """Who attends (Art. 26): checked in by button, or recorded by hand in the room."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    voter: str = Field(max_length=24)
    member_id: int | None = Field(default=None, foreign_key="members.id")
    #: The person who checked in (representative, delegate or seat holder).
    user_id: int | None = Field(default=None, sa_type=BigInteger)
    #: Set when the Secretariat recorded the attendance by hand.
    recorded_by: int | None = Field(default=None, sa_type=BigInteger)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Motion(SQLModel, table=True):
    __tablename__ = "motions"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    text: str
    kind: str = Field(default="ordinary", max_length=24)
    ballot: str = Field(default="named", max_length=16)
    state: str = Field(default="draft", max_length=24, index=True)
    #: None: closed by hand.
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Art. 30: the passed Board of Trustees motion an amendment comes from.
    source_motion_id: int | None = Field(default=None, foreign_key="motions.id")
    proposed_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The ballot message in the session's group, edited with the live tally.
    group_ballot_id: int | None = Field(default=None, foreign_key="outbox.id")
    #: The Secretariat's copy of the call for support, edited with the live count.
    support_board_id: int | None = Field(default=None, foreign_key="outbox.id")
    #: The rules in force when the vote opened, so a later change of settings
    #: cannot change how it is counted.
    abstentions_count_as_cast: bool = False
    fee_suspended_in_quorum_base: bool = False
    #: The majority's base: the Secretariat's choice for this motion before it
    #: opens (None: the session's), fixed when the vote opens.
    majority_base: str | None = Field(default=None, max_length=24)
    # The result, written once at the close.
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    votes_cast: int | None = None
    quorum_met: bool | None = None
    quorum_total: int | None = None
    quorum_attending: int | None = None
    result: str | None = Field(default=None, max_length=16)
    rule: str | None = Field(default=None, max_length=64)
    #: A secret vote: the fingerprint of the ballot key it is sealed under, so that a
    #: process holding another key refuses to seal or count rather than lose ballots.
    ballot_key_id: str | None = Field(default=None, max_length=16)


class AmendmentSupport(SQLModel, table=True):
    """Art. 30: a full member's support for putting an amendment to the vote."""

    __tablename__ = "amendment_support"
    __table_args__ = (UniqueConstraint("motion_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motions.id", index=True)
    member_id: int = Field(foreign_key="members.id")
    user_id: int = Field(sa_type=BigInteger)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Ballot(SQLModel, table=True):
    """A named ballot: who voted what, changeable until the close by whoever cast it."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("motion_id", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motions.id", index=True)
    voter: str = Field(max_length=24)
    member_id: int | None = Field(default=None, foreign_key="members.id")
    cast_by: int = Field(sa_type=BigInteger)
    choice: str = Field(max_length=8)
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SecretParticipation(SQLModel, table=True):
    """That a voter cast a secret ballot, and nothing of what it chose."""

    __tablename__ = "secret_participations"
    __table_args__ = (UniqueConstraint("motion_id", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motions.id", index=True)
    voter: str = Field(max_length=24)
    member_id: int | None = Field(default=None, foreign_key="members.id")
    cast_by: int = Field(sa_type=BigInteger)
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SealedBallot(SQLModel, table=True):
    """One secret ballot's choice, sealed: its motion and 48 bytes that only the ballot
    key opens. No voter, no time; deleted once counted at the close."""

    __tablename__ = "sealed_ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: str = Field(primary_key=True, max_length=32)
    motion_id: int = Field(foreign_key="motions.id", index=True)
    seal: bytes = Field(sa_type=LargeBinary)
