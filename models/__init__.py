"""SQLModel tables, the engine and sessions, and the migrations of Majlis."""

from sqlmodel import SQLModel

from models.audit import AuditRecord
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
