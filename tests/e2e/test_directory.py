"""The member directory end to end: browsing by country and category, pages, the CSV export."""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from models import Member, Representation
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import MENU, Majlis, plain, says
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import Role
from workflows.membership import directory

pytestmark = pytest.mark.e2e

ADMITTED = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def add_member(
    majlis: Majlis,
    name_en: str,
    name_ar: str,
    country: str,
    category: MemberCategory = MemberCategory.FULL,
    standing: Standing = Standing.ACTIVE,
    representative: SandboxUser | None = None,
) -> int:
    with majlis.platform.uow.begin() as session:
        member = Member(
            category=category.value,
            name_en=name_en,
            name_ar=name_ar,
            country=country,
            standing=standing.value,
            admitted_at=ADMITTED,
        )
        session.add(member)
        session.flush()
        assert member.id is not None
        if representative is not None:
            session.add(Representation(member_id=member.id, user_id=representative.id))
        return member.id


def seed(majlis: Majlis, mayor: SandboxUser) -> None:
    add_member(majlis, "Fez", "فاس", "MA", representative=mayor)
    add_member(
        majlis,
        "Institute of Urban Heritage",
        "معهد التراث العمراني",
        "MA",
        MemberCategory.ASSOCIATE,
    )
    add_member(majlis, "Cairo", "القاهرة", "EG", standing=Standing.SUSPENDED)
    add_member(majlis, "Bursa", "بورصة", "TR", standing=Standing.WITHDRAWN)


def labels(message: dict[str, object]) -> list[str]:
    return [button["text"] for button in buttons(message)]  # type: ignore[arg-type]


async def test_a_representative_browses_by_country_and_by_category(majlis: Majlis) -> None:
    mayor = await majlis.person("عبد السلام", "ar", (Role.REPRESENTATIVE,))
    seed(majlis, mayor)
    await mayor.send("/menu")
    await mayor.wait_for(MENU["ar"])
    await mayor.press_button("دليل الأعضاء")
    home = await mayor.wait_for("كيف تريد تصفّحه؟")
    assert "للجمعية 3 أعضاء." in home["text"]
    assert "تصدير CSV" not in labels(home)

    await mayor.press_button("حسب البلد")
    picker = await mayor.wait_for("أي بلد؟")
    # Alphabetised without the article: مصر before (ال)مغرب; no Turkey: Bursa withdrew.
    assert labels(picker) == ["مصر (1)", "المغرب (2)", "رجوع"]
    await mayor.press_button("المغرب (2)")
    morocco = await mayor.wait_for("الأعضاء في المغرب")
    text = plain(morocco["text"])
    assert "عضوان" in text
    assert "Fez — فاس\nالمغرب · عضو كامل · عضوية سارية" in text
    assert "Institute of Urban Heritage — معهد التراث العمراني" in text
    assert "تاريخ القبول: 1 مارس 2024 (20 شعبان 1445 هـ)" in text
    assert "Cairo" not in text

    await mayor.press_button("رجوع")
    await mayor.wait_for("أي بلد؟")
    await mayor.press_button("رجوع")
    await mayor.wait_for("كيف تريد تصفّحه؟")
    await mayor.press_button("حسب الفئة")
    categories = await mayor.wait_for("أي فئة؟")
    assert labels(categories) == ["الأعضاء الكاملون (2)", "الأعضاء المنتسبون (1)", "رجوع"]
    await mayor.press_button("الأعضاء الكاملون (2)")
    full = plain((await mayor.wait_for("الأعضاء الكاملون")).get("text"))
    assert "Cairo — القاهرة\nمصر · عضو كامل · عضوية معلّقة" in full
    assert "Fez — فاس" in full and "Institute" not in full and "Bursa" not in full


async def test_the_directory_is_refused_to_a_guest(majlis: Majlis) -> None:
    guest = await majlis.person("Mallory", "en")
    await guest.send("/directory")
    await guest.wait_for(
        "The member directory is open to representatives of members, seat holders and the "
        "Secretariat."
    )


def next_page(message_id: int, last: str) -> Callable[[dict[str, Any]], bool]:
    """The same message, edited to show entries after ``last``."""
    return lambda m: m["message_id"] == message_id and last not in plain(m.get("text"))


async def test_a_long_list_is_paged_within_telegrams_limit(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    for number in range(45):
        add_member(majlis, f"City {number:02d} " + "x" * 180, "مدينة " + "ع" * 190, "SA")
    await clerk.send("/directory")
    await clerk.press_button("By country")
    await clerk.press_button("Saudi Arabia (45)")
    page = await clerk.wait_for("Members in Saudi Arabia")
    seen: list[str] = []
    while True:
        text = plain(page["text"])
        assert len(text.encode("utf-16-le")) // 2 <= 4096
        assert "45 members" in text
        seen += [line[:7] for line in text.splitlines() if line.startswith("City ")]
        if "›" not in labels(page):
            break
        pressed = await clerk.press_button("›")
        page = await clerk.wait_for(next_page(pressed["message_id"], seen[-1]))
    assert seen == [f"City {number:02d}" for number in range(45)]


async def test_the_secretariat_exports_the_directory_as_csv(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor = await majlis.person("عبد السلام", "ar", (Role.REPRESENTATIVE,))
    seed(majlis, mayor)
    await clerk.send("/directory")
    await clerk.press_button("Export CSV")
    sent = await clerk.wait_for(lambda m: m.get("document") is not None, timeout=20)
    assert "4 members" in plain(sent.get("caption"))
    document = sent["document"]
    assert document["file_name"].startswith("majlis-directory-")
    url = f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{document['file_id']}"
    async with majlis.client.session.get(url) as response:
        assert response.status == 200
        content = await response.read()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(directory.COLUMNS)
    by_name = {row["name_en"]: row for row in rows}
    assert set(by_name) == {"Fez", "Institute of Urban Heritage", "Cairo", "Bursa"}
    assert by_name["Fez"]["name_ar"] == "فاس"
    # Named and found again by an import: "name (@username)", or "name (id)" without one.
    assert by_name["Fez"]["representatives"] == f"عبد السلام ({mayor.id})"
    assert by_name["Fez"]["country_name"] == "Morocco"
    assert by_name["Institute of Urban Heritage"]["name_ar"] == "معهد التراث العمراني"
    assert by_name["Bursa"]["standing"] == "withdrawn"
    assert by_name["Cairo"]["admitted_at"] == "2024-03-01T09:00:00+00:00"

    # A representative has no Export button, and a forged one is refused.
    await mayor.send("/directory")
    home = await mayor.wait_for("كيف تريد تصفّحه؟")
    pressed = await mayor.press(home["message_id"], "dirm:export:0", forged=True)
    answer = await mayor.callback_answer(pressed["callback_query_id"])
    assert answer["text"] == "لا يطّلع على الأعضاء المنسحبين ولا يصدّر الدليل إلا الأمانة العامة."
    assert not [m for m in await mayor.transcript() if m.get("document")]
    await clerk.wait_for(says("4 members"), after=0)
