"""SQLModel tables, the engine and sessions, and the migrations of Majlis."""

from sqlmodel import SQLModel

from models.audit import AuditRecord
from models.conversation import Conversation, ProcessedUpdate
from models.outbox import Notification
from models.people import GroupChat, RoleGrant, User
from models.schedule import DueItem

metadata = SQLModel.metadata

__all__ = [
    "AuditRecord",
    "Conversation",
    "DueItem",
    "GroupChat",
    "Notification",
    "ProcessedUpdate",
    "RoleGrant",
    "User",
    "metadata",
]
