"""A member's standing (Art. 21, 22) and the people who speak for it (Art. 24).

The withdrawal and suspension workflows change a member's standing through the
charter's ``MEMBERSHIP`` machine, here, with its audit record, and tell those who
speak for it (:mod:`workflows.membership.representation`) here.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Member, Representation, User
from workflows.charter.membership import MEMBERSHIP, Standing, StandingEvent
from workflows.charter.roles import Role
from workflows.fees import voting_rights
from workflows.membership import representation
from workflows.platform import audit, locks, outbox, people, prompts


def lock_member(session: Session, member_id: int) -> Member:
    return locks.lock(session, Member, member_id)


def change(
    session: Session,
    member: Member,
    event: StandingEvent,
    user: User,
    *,
    now: datetime,
    reason: str | None = None,
    **details: Any,
) -> Standing:
    """Apply one step of the ``MEMBERSHIP`` machine, checked with the actor's roles."""
    target = audit.transition(
        session,
        MEMBERSHIP,
        member,
        event,
        people.actor_roles(session, user),
        entity="member",
        actor_id=user.id,
        now=now,
        reason=reason,
        field="standing",
        **details,
    )
    if target is Standing.WITHDRAWN:
        member.withdrawn_at = now
    if target is Standing.ACTIVE and member.id is not None:
        # Art. 25: a grace period may have ended while the member was suspended.
        session.flush()
        voting_rights.follow_what_is_owed(session, member.id, now=now)
    return target


def end_representation(session: Session, member: Member, user: User, *, now: datetime) -> list[int]:
    """Art. 21: a withdrawn member has no one speaking for it any more.

    Ends its representations and revokes the representative role from whoever is
    left representing no member at all. Returns who represented it.
    """
    assert member.id is not None
    ended = session.exec(
        select(Representation).where(
            Representation.member_id == member.id, col(Representation.until).is_(None)
        )
    ).all()
    for link in ended:
        link.until = now
        session.add(link)
    session.flush()
    for link in ended:
        if not representation.represented_by(session, link.user_id):
            people.revoke_role(
                session,
                user_id=link.user_id,
                role=Role.REPRESENTATIVE,
                actor_id=user.id,
            )
    return [link.user_id for link in ended]


def tell(
    session: Session,
    chat_ids: list[int],
    key: str,
    args: dict[str, Any],
    *,
    skip: set[int] | None = None,
) -> None:
    """Write ``key`` to each of ``chat_ids`` once, leaving out ``skip``."""
    seen = set(skip or ())
    for chat_id in chat_ids:
        if chat_id in seen:
            continue
        seen.add(chat_id)
        outbox.notify(session, chat_id=chat_id, key=key, args=args)


def secretariat(session: Session) -> list[int]:
    """The Secretariat's members and its group: who hears of every change of standing."""
    return prompts.audience_of(session, Role.SECRETARIAT)
