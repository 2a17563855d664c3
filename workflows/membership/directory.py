"""The member directory: members by country, category and standing, and its export.

Representatives, seat holders and the Secretariat read it; withdrawn members
(Art. 21) are left out unless the Secretariat asks for them. Only the
Secretariat exports the whole directory, as a CSV file a spreadsheet opens with
its Arabic names intact.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from babel import Locale
from sqlmodel import Session, col, select

from models import Member, PendingRepresentative, Representation, User
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import COMMITTEE_ROLES, STAFF, Role
from workflows.platform import audit, people, spreadsheets

#: Who reads the directory: whoever speaks for a member, holds a seat, or is staff.
READERS: frozenset[Role] = STAFF | COMMITTEE_ROLES | {Role.CHAIR, Role.REPRESENTATIVE}
COLUMNS = (
    "id",
    "category",
    "name_en",
    "name_ar",
    "country",
    "country_name",
    "standing",
    "voting_right",
    "admitted_at",
    "representatives",
)


class Filter(StrEnum):
    """How a reader narrows the list."""

    ALL = "all"
    COUNTRY = "country"
    CATEGORY = "category"
    STANDING = "standing"
    #: Every member ever admitted, withdrawn ones too: the Secretariat's view.
    EVERYONE = "everyone"


@dataclass(frozen=True)
class Entry:
    """One member as the directory shows it."""

    id: int
    category: MemberCategory
    name_en: str
    name_ar: str
    country: str | None
    standing: Standing
    voting_right: str
    admitted_at: datetime
    representatives: tuple[str, ...]


def may_read(roles: Iterable[Role]) -> bool:
    return not READERS.isdisjoint(roles)


def reader_roles(session: Session, reader_id: int) -> set[Role]:
    """The reader's roles, or NotAllowed when the directory is not for them."""
    roles = people.roles_of(session, reader_id)
    if not may_read(roles):
        raise NotAllowed("the directory is for members, seat holders and staff", reason="reader")
    return roles


def _require_staff(roles: set[Role]) -> None:
    if roles.isdisjoint(STAFF):
        raise NotAllowed("withdrawn members and exports are for the Secretariat", reason="staff")


def entries(
    session: Session,
    *,
    reader_id: int,
    view: Filter = Filter.ALL,
    value: str = "",
) -> list[Entry]:
    """The members ``reader_id`` sees through ``view`` (narrowed to ``value``), by name."""
    roles = reader_roles(session, reader_id)
    query = select(Member)
    if view is Filter.EVERYONE or (view is Filter.STANDING and value == Standing.WITHDRAWN):
        _require_staff(roles)
    else:
        query = query.where(Member.standing != Standing.WITHDRAWN.value)
    if view is Filter.COUNTRY:
        query = query.where(Member.country == value.upper())
    elif view is Filter.CATEGORY:
        query = query.where(Member.category == value)
    elif view is Filter.STANDING:
        query = query.where(Member.standing == value)
    return _entries(session, list(session.exec(query)))


def _entries(session: Session, members: list[Member]) -> list[Entry]:
    names = representative_names(
        session, [member.id for member in members if member.id is not None]
    )
    found = [
        Entry(
            id=member.id or 0,
            category=MemberCategory(member.category),
            name_en=member.name_en,
            name_ar=member.name_ar,
            country=member.country,
            standing=Standing(member.standing),
            voting_right=member.voting_right,
            admitted_at=member.admitted_at,
            representatives=tuple(names.get(member.id or 0, [])),
        )
        for member in members
    ]
    return sorted(found, key=lambda entry: (entry.name_en.casefold(), entry.id))


def representative_names(session: Session, member_ids: list[int]) -> dict[int, list[str]]:
    """The names of who currently speaks for each member (Art. 24)."""
    if not member_ids:
        return {}
    query = (
        select(Representation.member_id, User.first_name)
        .join(User, User.id == Representation.user_id)  # type: ignore[arg-type]
        .where(col(Representation.member_id).in_(member_ids), col(Representation.until).is_(None))
        .order_by(col(Representation.since), col(Representation.id))
    )
    names: dict[int, list[str]] = {}
    for member_id, name in session.exec(query):
        names.setdefault(member_id, []).append(name)
    return names


def registered(session: Session, member_ids: list[int]) -> dict[int, list[str]]:
    """Who speaks for each member as the register writes them (``people.as_registered``),
    with those named by @username who have not started the bot yet: what an import reads."""
    if not member_ids:
        return {}
    query = (
        select(Representation.member_id, User)
        .join(User, User.id == Representation.user_id)  # type: ignore[arg-type]
        .where(col(Representation.member_id).in_(member_ids), col(Representation.until).is_(None))
        .order_by(col(Representation.since), col(Representation.id))
    )
    found: dict[int, list[str]] = {}
    for member_id, user in session.exec(query):
        found.setdefault(member_id, []).append(people.as_registered(user))
    waiting = select(PendingRepresentative).where(
        col(PendingRepresentative.member_id).in_(member_ids)
    )
    for pending in session.exec(waiting.order_by(col(PendingRepresentative.id))):
        found.setdefault(pending.member_id, []).append(f"@{pending.username}")
    return found


def _present(session: Session, column: str) -> Counter[str]:
    members = session.exec(select(Member).where(Member.standing != Standing.WITHDRAWN.value))
    return Counter(getattr(member, column) or "" for member in members)


def countries(session: Session, *, reader_id: int) -> dict[str, int]:
    """Country codes that have members (withdrawn ones aside), with their counts."""
    reader_roles(session, reader_id)
    return {code: count for code, count in _present(session, "country").items() if code}


def categories(session: Session, *, reader_id: int) -> dict[MemberCategory, int]:
    """Member counts per category, in the charter's order (Art. 12), withdrawn aside."""
    reader_roles(session, reader_id)
    counts = _present(session, "category")
    return {category: counts[category] for category in MemberCategory if counts[category]}


def standings(session: Session, *, reader_id: int) -> dict[Standing, int]:
    """Member counts per standing; withdrawn members only for the Secretariat."""
    roles = reader_roles(session, reader_id)
    counts = Counter(member.standing for member in session.exec(select(Member)))
    shown = [Standing.ACTIVE, Standing.SUSPENDED]
    if not roles.isdisjoint(STAFF):
        shown.append(Standing.WITHDRAWN)
    return {standing: counts[standing] for standing in shown if counts[standing]}


@dataclass(frozen=True)
class Export:
    """A CSV file of the directory and how many members it lists."""

    content: bytes
    members: int


@cache
def english_country_names() -> dict[str, str]:
    return {code: str(name) for code, name in Locale.parse("en").territories.items()}


def export_csv(session: Session, *, actor_id: int, now: datetime) -> Export:
    """The whole directory, withdrawn members included, as UTF-8 CSV with a byte order mark
    (without it, spreadsheet programs read the Arabic names as another encoding)."""
    _require_staff(reader_roles(session, actor_id))
    rows = _entries(session, list(session.exec(select(Member))))
    named = registered(session, [entry.id for entry in rows])
    content = spreadsheets.to_csv(
        COLUMNS,
        (
            [
                entry.id,
                entry.category.value,
                entry.name_en,
                entry.name_ar,
                entry.country or "",
                english_country_names().get(entry.country or "", ""),
                entry.standing.value,
                entry.voting_right,
                entry.admitted_at.isoformat(),
                "; ".join(named.get(entry.id, [])),
            ]
            for entry in rows
        ),
    )
    audit.record(
        session,
        entity="directory",
        entity_id="members",
        action="export",
        actor_id=actor_id,
        at=now,
        rows=len(rows),
    )
    return Export(content=content, members=len(rows))
