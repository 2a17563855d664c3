"""Seats on the Board of Trustees, the Steering Committee and the Council (Art. 6, 8, 10).

The Secretariat assigns and vacates seats; ``bodies.can_assign_seat`` refuses a
seat that would break the body's composition, with the rule's key. A seat gives
its holder the body's role, so the meetings menu shows them that body.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from models import Seat, User
from workflows.charter.bodies import (
    COMPOSITIONS,
    SEAT_ROLE,
    Body,
    SeatKind,
    can_assign_seat,
    seat_counts,
)
from workflows.charter.bodies import Seat as SeatRule
from workflows.charter.errors import NotAllowed
from workflows.charter.roles import STAFF
from workflows.platform import audit, locks, people

SEAT_BODIES: tuple[Body, ...] = tuple(COMPOSITIONS)


def require_staff(session: Session, user: User) -> None:
    if not people.roles_of(session, user.id) & STAFF:
        raise NotAllowed("only the Secretariat does this", reason="role_not_allowed")


def held(session: Session, body: Body) -> list[Seat]:
    """The seats of ``body`` in office, in the order they were assigned."""
    return list(
        session.exec(
            select(Seat)
            .where(Seat.body == body.value, col(Seat.ended_at).is_(None))
            .order_by(col(Seat.id))
        )
    )


def holders(session: Session, body: Body) -> set[int]:
    """Art. 6, 8, 10: one vote per holder, however many seats one holds."""
    return {seat.holder_id for seat in held(session, body)}


def as_rules(seats: Iterable[Seat]) -> list[SeatRule[int]]:
    return [SeatRule(seat.holder_id, Body(seat.body), SeatKind(seat.kind)) for seat in seats]


def assign(
    session: Session, body: Body, kind: SeatKind, holder: User, actor: User, *, now: datetime
) -> Seat:
    """Give ``holder`` a seat of ``kind`` on ``body``, or refuse with the rule that forbids it."""
    require_staff(session, actor)
    locks.serialise(session, f"seats:{body.value}")
    current = held(session, body)
    if any(seat.holder_id == holder.id and seat.kind == kind.value for seat in current):
        raise NotAllowed("already holds this seat", reason="seat_already_held")
    can_assign_seat(body, kind, seat_counts(as_rules(current), body)).require()
    seat = Seat(
        body=body.value, kind=kind.value, holder_id=holder.id, assigned_by=actor.id, assigned_at=now
    )
    session.add(seat)
    session.flush()
    people.grant_role(session, user_id=holder.id, role=SEAT_ROLE[body], actor_id=actor.id)
    audit.record(
        session,
        entity="seat",
        entity_id=seat.id,
        action="assign",
        actor_id=actor.id,
        to_state=kind.value,
        at=now,
        body=body.value,
        holder=holder.id,
    )
    return seat


def vacate(session: Session, seat_id: int, actor: User, *, now: datetime) -> Seat:
    require_staff(session, actor)
    seat = locks.lock(session, Seat, seat_id)
    if seat.ended_at is not None:
        raise NotAllowed("no such seat in office", reason="not_found")
    seat.ended_at = now
    session.add(seat)
    body = Body(seat.body)
    if seat.holder_id not in {s.holder_id for s in held(session, body) if s.id != seat.id}:
        people.revoke_role(session, user_id=seat.holder_id, role=SEAT_ROLE[body], actor_id=actor.id)
    audit.record(
        session,
        entity="seat",
        entity_id=seat.id,
        action="vacate",
        actor_id=actor.id,
        from_state=seat.kind,
        at=now,
        body=seat.body,
        holder=seat.holder_id,
    )
    return seat
