"""The member directory: who reads it, what each view holds, and the CSV export."""

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.conversations import pages
from models import AuditRecord, Member, Representation, User
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import Role
from workflows.membership import directory
from workflows.membership.directory import Filter
from workflows.platform import people
from workflows.platform.unit_of_work import UnitOfWork

CLERK, MAYOR, TRUSTEE, GUEST, FORMER = 21, 22, 23, 24, 25
ADMITTED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def member(
    session: Session,
    name_en: str,
    name_ar: str,
    country: str,
    category: MemberCategory = MemberCategory.FULL,
    standing: Standing = Standing.ACTIVE,
    representative: int | None = None,
) -> Member:
    row = Member(
        category=category.value,
        name_en=name_en,
        name_ar=name_ar,
        country=country,
        standing=standing.value,
        admitted_at=ADMITTED,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    if representative is not None:
        session.add(Representation(member_id=row.id, user_id=representative))
    return row


@pytest.fixture
def members(uow: UnitOfWork) -> UnitOfWork:
    with uow.begin() as session:
        for user_id, name in [
            (CLERK, "Amina"),
            (MAYOR, "عبد السلام"),
            (TRUSTEE, "Yusuf"),
            (GUEST, "Guest"),
            (FORMER, "Former mayor"),
        ]:
            session.add(User(id=user_id, first_name=name))
        session.flush()
        people.grant_role(session, user_id=CLERK, role=Role.SECRETARIAT, actor_id=None)
        people.grant_role(session, user_id=MAYOR, role=Role.REPRESENTATIVE, actor_id=None)
        people.grant_role(session, user_id=TRUSTEE, role=Role.TRUSTEE, actor_id=None)
        fez = member(session, "Fez", "فاس", "MA", representative=MAYOR)
        session.add(
            Representation(
                member_id=fez.id or 0, user_id=FORMER, until=datetime(2023, 1, 1, tzinfo=UTC)
            )
        )
        member(
            session,
            "Institute of Urban Heritage",
            "معهد التراث العمراني",
            "MA",
            MemberCategory.ASSOCIATE,
        )
        member(session, "Cairo", "القاهرة", "EG", standing=Standing.SUSPENDED)
        member(session, "=HYPERLINK(1)", "إسطنبول", "TR", standing=Standing.WITHDRAWN)
    return uow


def names(entries: list[directory.Entry]) -> list[str]:
    return [entry.name_en for entry in entries]


def test_readers_see_members_by_name_without_the_withdrawn(members: UnitOfWork) -> None:
    with members.begin() as session:
        for reader in (CLERK, MAYOR, TRUSTEE):
            found = directory.entries(session, reader_id=reader)
            assert names(found) == ["Cairo", "Fez", "Institute of Urban Heritage"]
        fez = directory.entries(session, reader_id=MAYOR, view=Filter.COUNTRY, value="MA")[0]
        assert (fez.name_ar, fez.category, fez.standing) == (
            "فاس",
            MemberCategory.FULL,
            Standing.ACTIVE,
        )
        assert fez.representatives == ("عبد السلام",)


def test_each_view_narrows_the_list(members: UnitOfWork) -> None:
    with members.begin() as session:

        def view(kind: Filter, value: str = "", reader: int = MAYOR) -> list[str]:
            return names(directory.entries(session, reader_id=reader, view=kind, value=value))

        assert view(Filter.COUNTRY, "MA") == ["Fez", "Institute of Urban Heritage"]
        assert view(Filter.COUNTRY, "ma") == ["Fez", "Institute of Urban Heritage"]
        assert view(Filter.COUNTRY, "TR") == []
        assert view(Filter.CATEGORY, "full") == ["Cairo", "Fez"]
        assert view(Filter.STANDING, "suspended") == ["Cairo"]
        assert view(Filter.EVERYONE, reader=CLERK) == [
            "=HYPERLINK(1)",
            "Cairo",
            "Fez",
            "Institute of Urban Heritage",
        ]
        assert view(Filter.STANDING, "withdrawn", reader=CLERK) == ["=HYPERLINK(1)"]


def test_counts_list_only_what_has_members(members: UnitOfWork) -> None:
    with members.begin() as session:
        assert directory.countries(session, reader_id=MAYOR) == {"MA": 2, "EG": 1}
        assert directory.categories(session, reader_id=MAYOR) == {
            MemberCategory.FULL: 2,
            MemberCategory.ASSOCIATE: 1,
        }
        assert directory.standings(session, reader_id=MAYOR) == {
            Standing.ACTIVE: 2,
            Standing.SUSPENDED: 1,
        }
        assert directory.standings(session, reader_id=CLERK)[Standing.WITHDRAWN] == 1


def test_guests_and_non_staff_are_refused_what_is_not_theirs(members: UnitOfWork) -> None:
    with members.begin() as session:
        for call in (
            lambda: directory.entries(session, reader_id=GUEST),
            lambda: directory.countries(session, reader_id=GUEST),
            lambda: directory.categories(session, reader_id=GUEST),
        ):
            with pytest.raises(NotAllowed) as refusal:
                call()
            assert refusal.value.reason == "reader"
        for call in (
            lambda: directory.entries(session, reader_id=MAYOR, view=Filter.EVERYONE),
            lambda: directory.entries(
                session, reader_id=TRUSTEE, view=Filter.STANDING, value="withdrawn"
            ),
            lambda: directory.export_csv(session, actor_id=MAYOR, now=ADMITTED),
        ):
            with pytest.raises(NotAllowed) as refusal:
                call()
            assert refusal.value.reason == "staff"


def test_the_export_is_utf8_with_a_bom_and_keeps_arabic_intact(members: UnitOfWork) -> None:
    with members.begin() as session:
        exported = directory.export_csv(session, actor_id=CLERK, now=ADMITTED)
    assert exported.members == 4
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == list(directory.COLUMNS)
    by_name = {row[2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    fez = by_name["Fez"]
    assert fez == {
        "id": fez["id"],
        "category": "full",
        "name_en": "Fez",
        "name_ar": "فاس",
        "country": "MA",
        "country_name": "Morocco",
        "standing": "active",
        "voting_right": "active",
        "admitted_at": "2024-03-01T09:30:00+00:00",
        "representatives": "عبد السلام (22)",
    }
    assert by_name["Institute of Urban Heritage"]["name_ar"] == "معهد التراث العمراني"
    assert by_name["Cairo"]["standing"] == "suspended"
    # A name that a spreadsheet would run as a formula is kept as text.
    assert by_name["'=HYPERLINK(1)"]["standing"] == "withdrawn"
    with members.begin() as session:
        record = session.exec(select(AuditRecord).where(AuditRecord.action == "export")).one()
        assert (record.entity, record.actor_id, record.details) == ("directory", CLERK, {"rows": 4})


def test_pages_hold_whole_entries_within_telegrams_limit() -> None:
    blocks = [f"<b>{'ش' * 200}</b> {n}\n{'x' * 200}" for n in range(40)]
    texts = pages.paginate("<b>Members</b>", blocks)
    assert len(texts) > 1
    assert all(pages.units(text) <= 4096 for text in texts)
    assert all(text.startswith("<b>Members</b>") for text in texts)
    rejoined = [block for text in texts for block in text.split("\n\n")[1:]]
    assert rejoined == blocks
    assert pages.paginate("<b>Members</b>", []) == ["<b>Members</b>"]
    assert pages.units("😀") == 2
