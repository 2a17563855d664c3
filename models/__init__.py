"""The tables of Majlis (SQLModel), the engine and sessions, and the migrations.

``people`` (people, chats and role grants), ``membership`` (applications, members and
their representatives, honorary nominations, withdrawals, suspensions), ``fees`` (fee
periods, dues, payments, suspended voting rights), ``meetings`` (seats, sessions,
invitations, delegates, attendance, motions, support and ballots), ``broadcasts``,
``outbox`` (notifications), ``prompts`` (approval prompts), ``schedule`` (due items),
``audit`` (the audit trail), ``conversation`` (where each person stands in a conversation,
the updates handled and those waiting), ``columns`` (shared column types), ``bulk`` (many rows in one
statement), ``db`` (the engine, sessions and units of work), ``migrate`` (Alembic, run
from code) and ``migrations/``. Every table is re-exported here. Models import SQLModel,
SQLAlchemy and Alembic, nothing of ``workflows`` or ``bot``; never
``from __future__ import annotations`` in a table module.
"""

from sqlmodel import SQLModel

from models.audit import AuditRecord
from models.broadcasts import Broadcast
from models.conversation import Conversation, InboxUpdate, ProcessedUpdate
from models.fees import FeeDue, FeePayment, FeePeriod, VotingSuspension
from models.meetings import (
    AmendmentSupport,
    Attendance,
    Ballot,
    BodyRules,
    Delegation,
    Invitation,
    Meeting,
    Motion,
    SealedBallot,
    Seat,
    SecretParticipation,
)
from models.membership import (
    Application,
    HonoraryNomination,
    Member,
    PendingRepresentative,
    Representation,
    SuspensionCase,
    WithdrawalRequest,
)
from models.outbox import Notification
from models.people import GroupChat, RoleGrant, User
from models.prompts import Prompt
from models.schedule import DueItem

metadata = SQLModel.metadata

__all__ = [
    "AmendmentSupport",
    "Application",
    "Attendance",
    "AuditRecord",
    "Ballot",
    "BodyRules",
    "Broadcast",
    "Conversation",
    "Delegation",
    "DueItem",
    "FeeDue",
    "FeePayment",
    "FeePeriod",
    "GroupChat",
    "HonoraryNomination",
    "InboxUpdate",
    "Invitation",
    "Meeting",
    "Member",
    "Motion",
    "Notification",
    "PendingRepresentative",
    "ProcessedUpdate",
    "Prompt",
    "Representation",
    "RoleGrant",
    "SealedBallot",
    "Seat",
    "SecretParticipation",
    "SuspensionCase",
    "User",
    "VotingSuspension",
    "WithdrawalRequest",
    "metadata",
]
