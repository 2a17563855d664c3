"""Appending to the audit trail, in the transaction of the change it records: a row
created (:func:`create`) or moved by its machine (:func:`transition`)."""

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlmodel import Session, col, select

from models import AuditRecord, bulk
from models.columns import utcnow
from workflows.charter.roles import Actor
from workflows.charter.statemachine import StateMachine


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


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append many records (each built by :func:`entry`) in one statement per page: a
    batch of a thousand dues is not a thousand round trips."""
    bulk.insert_many(session, AuditRecord, rows)


def entry(
    *,
    entity: str,
    entity_id: object,
    action: str,
    actor_id: int | None,
    to_state: str | None = None,
    at: datetime,
    **details: Any,
) -> dict[str, Any]:
    """A record as :func:`record` writes it, for :func:`record_many`."""
    return {
        "entity": entity,
        "entity_id": str(entity_id),
        "action": action,
        "actor_id": actor_id,
        "to_state": to_state,
        "details": details,
        "at": at,
    }


class Row(Protocol):
    id: int | None


R = TypeVar("R", bound=Row)
S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


def transition(
    session: Session,
    machine: StateMachine[S, E],
    subject: Any,
    event: E,
    roles: Collection[Actor],
    *,
    entity: str,
    actor_id: int | None,
    now: datetime,
    reason: str | None = None,
    field: str = "state",
    **details: Any,
) -> S:
    """Check ``event`` against ``machine`` for an actor holding ``roles``, move
    ``subject``'s ``field`` to the target state, and record it: the one way every
    workflow changes a state."""
    before = getattr(subject, field)
    target = machine.check(before, event, roles, subject=subject.id)
    setattr(subject, field, target.value)
    session.add(subject)
    record(
        session,
        entity=entity,
        entity_id=subject.id,
        action=event.value,
        actor_id=actor_id,
        from_state=before,
        to_state=target.value,
        reason=reason,
        at=now,
        **details,
    )
    return target


def create(
    session: Session,
    row: R,
    event: StrEnum,
    *,
    entity: str,
    actor_id: int | None,
    now: datetime,
    reason: str | None = None,
    field: str = "state",
    **details: Any,
) -> R:
    """Insert ``row``, already in the state ``event`` starts it in, and record ``event``
    with that state: the one way a workflow creates what its machine then moves
    (:func:`transition`). The row has its id when this returns."""
    session.add(row)
    session.flush()
    record(
        session,
        entity=entity,
        entity_id=row.id,
        action=event.value,
        actor_id=actor_id,
        to_state=getattr(row, field),
        reason=reason,
        at=now,
        **details,
    )
    return row


def history(session: Session, entity: str, entity_id: object) -> list[AuditRecord]:
    query = (
        select(AuditRecord)
        .where(AuditRecord.entity == entity, AuditRecord.entity_id == str(entity_id))
        .order_by(col(AuditRecord.at), col(AuditRecord.id))
    )
    return list(session.exec(query))
