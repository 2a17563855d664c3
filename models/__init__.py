"""SQLModel tables, the engine and sessions, and the migrations of Majlis."""

from sqlmodel import SQLModel

from models.audit import AuditRecord
from models.conversation import Conversation, ProcessedUpdate
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
    "Application",
    "AuditRecord",
    "Conversation",
    "DueItem",
    "GroupChat",
    "HonoraryNomination",
    "Member",
    "Notification",
    "ProcessedUpdate",
    "Prompt",
    "Representation",
    "RoleGrant",
    "SuspensionCase",
    "User",
    "WithdrawalRequest",
    "metadata",
]
