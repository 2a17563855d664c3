"""Appending to the audit trail, in the transaction of the change it records."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import AuditRecord
from models.columns import utcnow


def record(
    session: Session,
    *,
    entity: str,
    entity_id: object,
    action: str,
    actor_id: int | None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
    **details: Any,
) -> AuditRecord:
    row = AuditRecord(
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        actor_id=actor_id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details,
        at=at or utcnow(),
    )
    session.add(row)
    return row


def history(session: Session, entity: str, entity_id: object) -> list[AuditRecord]:
    query = (
        select(AuditRecord)
        .where(AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))
        .order_by(col(AuditRecord.at), col(AuditRecord.id))
    )
    return list(session.exec(query))
