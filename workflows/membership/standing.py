"""A member's standing (Art. 21, 22) and the people who speak for it (Art. 24).

The withdrawal and suspension workflows change a member's standing through the
charter's ``MEMBERSHIP`` machine, here, with its audit record; they ask here
who represents a member (the ``Party.OWNER`` of its requests) and tell them.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Member, Representation, User
from workflows.charter.membership import MEMBERSHIP, Standing, StandingEvent
from workflows.charter.roles import Actor, Party, Role
from workflows.fees import voting_rights
from workflows.platform import audit, locks, outbox, people, prompts


def lock_member(session: Session, member_id: int) -> Member:
    return locks.lock(session, Member, member_id)


def representatives(session: Session, member_id: int) -> list[int]:
    """The users who speak for the member now, oldest first."""
    return [
        user_id
        for user_id in session.exec(
            select(Representation.user_id)
            .where(Representation.member_id == member_id, col(Representation.until).is_(None))
            .order_by(col(Representation.since), col(Representation.id))
        )
    ]


def represented_by(session: Session, user_id: int) -> list[Member]:
    """The members ``user_id`` speaks for now, withdrawn ones left out, by name."""
    query = (
        select(Member)
        .join(Representation, Representation.member_id == Member.id)  # type: ignore[arg-type]
        .where(
            Representation.user_id == user_id,
            col(Representation.until).is_(None),
            Member.standing != Standing.WITHDRAWN.value,
        )
        .order_by(col(Member.name_en))
    )
    return list(session.exec(query))


def represents(session: Session, user_id: int, member_id: int) -> bool:
    return user_id in representatives(session, member_id)


def actor_roles(session: Session, user: User, *, member_id: int) -> frozenset[Actor]:
    """The user's roles, with ``Party.OWNER`` when they speak for the member."""
    roles: set[Actor] = {Role.GUEST, *people.roles_of(session, user.id)}
    if represents(session, user.id, member_id):
        roles.add(Party.OWNER)
    return frozenset(roles)


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
        {Role.GUEST, *people.roles_of(session, user.id)},
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
    for representation in ended:
        representation.until = now
        session.add(representation)
    session.flush()
    for representation in ended:
        if not represented_by(session, representation.user_id):
            people.revoke_role(
                session,
                user_id=representation.user_id,
                role=Role.REPRESENTATIVE,
                actor_id=user.id,
            )
    return [representation.user_id for representation in ended]


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
