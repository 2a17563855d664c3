"""Who speaks for a member now (Art. 24): its representatives, and the members a
person represents.

Read by every feature that tells a member something or lets it act (standing,
fees, meetings); it reads the tables only, so any workflow may import it.
Linking and ending a representation is in :mod:`workflows.platform.people` and
:mod:`workflows.membership.standing`.
"""

from sqlmodel import Session, col, select

from models import Member, Representation, bulk
from workflows.charter.membership import Standing
from workflows.platform import outbox


def representatives(session: Session, member_id: int) -> list[int]:
    """The users who speak for the member now, oldest first."""
    query = (
        select(Representation.user_id)
        .where(Representation.member_id == member_id, col(Representation.until).is_(None))
        .order_by(col(Representation.since), col(Representation.id))
    )
    return list(session.exec(query))


def representatives_of(session: Session, member_ids: list[int]) -> dict[int, list[int]]:
    """:func:`representatives` of many members, read in one statement per slice."""
    found: dict[int, list[int]] = {member_id: [] for member_id in member_ids}
    for part in outbox.slices(member_ids):
        query = (
            select(Representation.member_id, Representation.user_id)
            .where(
                bulk.among(session, col(Representation.member_id), part),
                col(Representation.until).is_(None),
            )
            .order_by(col(Representation.since), col(Representation.id))
        )
        for member_id, user_id in session.exec(query):
            found[member_id].append(user_id)
    return found


def represents(session: Session, user_id: int, member_id: int) -> bool:
    return user_id in representatives(session, member_id)


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
