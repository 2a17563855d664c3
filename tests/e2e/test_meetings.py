"""Sessions end to end: the Secretariat's form, invitations and RSVP, a delegate named and
accepted, check-in reaching the quorum on the live board, seats refused by the charter,
and the minutes exported as CSV and as PDF in English and Arabic."""

import pytest
from sqlmodel import select

from bot.sandbox.client import SandboxUser, buttons
from models import Attendance, Delegation, Meeting, Member, Representation
from tests.e2e.conftest import Majlis, plain, says
from workflows import people
from workflows.charter.roles import Role

pytestmark = pytest.mark.e2e


async def city(
    majlis: Majlis,
    rep: SandboxUser,
    name: str,
    name_ar: str,
    *,
    category: str = "full",
    voting_right: str = "active",
) -> int:
    with majlis.platform.uow.begin() as session:
        member = Member(
            category=category,
            name_en=name,
            name_ar=name_ar,
            country="MA",
            voting_right=voting_right,
        )
        session.add(member)
        session.flush()
        assert member.id is not None
        session.add(Representation(member_id=member.id, user_id=rep.id))
        people.grant_role(session, user_id=rep.id, role=Role.REPRESENTATIVE, actor_id=None)
        return member.id


async def new_session(clerk: SandboxUser, title: str, group: str | None) -> None:
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("New session")
    await clerk.wait_for(says("Which body meets?"))
    await clerk.press_button("General Assembly")
    await clerk.press_button("regular session")
    await clerk.wait_for(says("title"))
    await clerk.send(title)
    await clerk.wait_for(says("When does it start?"))
    await clerk.send("2026-12-01 10:00")
    await clerk.wait_for(says("time zone"))
    await clerk.press_button("Asia/Riyadh")
    await clerk.wait_for(says("Where?"))
    await clerk.send("Makkah, King Abdulaziz Hall")
    await clerk.wait_for(says("Type the agenda"))
    await clerk.send("1. Budget 2027-2028. 2. Rules of procedure.")
    await clerk.wait_for(says("Which group chat"))
    await clerk.press_button(group or "No group")
    review = await clerk.wait_for(says("Please review the session"))
    assert "Asia/Riyadh" in review["text"]
    await clerk.press_button("Create and invite")
    await clerk.wait_for(says("invitations were sent"))


async def test_invitations_a_delegate_check_in_and_the_quorum(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    karim = await majlis.person("كريم", "ar")
    salma = await majlis.person("Salma", "en")
    olivia = await majlis.person("Olivia", "en")
    yusuf = await majlis.client.create_user("Yusuf", username="yusuf_del")
    await yusuf.send("/start")
    await yusuf.press_button("English")
    fez = await city(majlis, karim, "Fez", "فاس")
    await city(majlis, salma, "Rabat", "الرباط")
    await city(majlis, olivia, "Urban Institute", "المعهد الحضري", category="observer")

    await new_session(clerk, "Ninth General Assembly", None)
    invitation = await karim.wait_for(says("هل ستحضر"), timeout=20)
    assert "فاس" in invitation["text"] and "Asia/Riyadh" in invitation["text"]
    assert [b["text"] for b in buttons(invitation)] == ["سأحضر", "سأرسل مندوبًا", "أعتذر"]
    observer = await olivia.wait_for(says("Will you attend?"), timeout=20)
    assert "Send a delegate" not in [b["text"] for b in buttons(observer)]

    await salma.wait_for(says("Will you attend?"), timeout=20)
    await salma.press_button("Attend")
    await salma.wait_for(says("You will attend"))

    await karim.press_button("سأرسل مندوبًا")
    await karim.wait_for(says("المندوب الرسمي"))
    await karim.send("@yusuf_del")
    await karim.wait_for(says("طُلب من Yusuf"))
    asked = await yusuf.wait_for(says("official delegate of Fez"), timeout=20)
    assert "Accept" in [b["text"] for b in buttons(asked)]
    await yusuf.press_button("Accept")
    await yusuf.wait_for(says("You are the delegate"))
    await karim.wait_for(says("قبل Yusuf"), timeout=20)

    await clerk.press_button("Open the session")
    board = await clerk.wait_for(says("Attendance: Ninth General Assembly"), timeout=20)
    assert "No quorum: 0 of 2" in plain(board["text"])
    await yusuf.wait_for(says("Press Check in"), timeout=20)
    await yusuf.press_button("Check in")
    await yusuf.wait_for(says("Checked in at"))
    await olivia.wait_for(says("Press Check in"), timeout=20)
    await olivia.press_button("Check in")
    await olivia.wait_for(says("Checked in at"))
    await clerk.wait_for(says("No quorum: 1 of 2"), timeout=20, after=0)
    await salma.wait_for(says("Press Check in"), timeout=20)
    await salma.press_button("Check in")
    await salma.wait_for(says("Checked in at"))
    await clerk.wait_for(says("Quorum met: 2 of 2"), timeout=20, after=0)

    with majlis.platform.db.session() as session:
        meeting = session.exec(select(Meeting)).one()
        assert meeting.time_zone == "Asia/Riyadh" and meeting.starts_at.hour == 7  # 10:00 +03
        delegation = session.exec(select(Delegation)).one()
        assert (delegation.member_id, delegation.delegate_id, delegation.state) == (
            fez,
            yusuf.id,
            "accepted",
        )
        present = session.exec(select(Attendance.voter)).all()
        assert len(present) == 3

    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("Ninth General Assembly · open: check-in and votes")
    await clerk.wait_for(says("Present: 3 of 3 invited"))
    await clerk.press_button("Minutes CSV")
    sheet = await clerk.wait_for(lambda m: m.get("document") is not None)
    assert sheet["document"]["file_name"] == f"minutes-{meeting.id}.csv"
    await clerk.press_button("Minutes PDF (Arabic)")
    pdf = await clerk.wait_for(
        lambda m: (m.get("document") or {}).get("file_name", "").endswith("-ar.pdf")
    )
    assert pdf["document"]["mime_type"] == "application/pdf"
    await clerk.press_button("Minutes PDF (English)")
    await clerk.wait_for(
        lambda m: (m.get("document") or {}).get("file_name", "").endswith("-en.pdf")
    )


async def test_a_seat_beyond_the_charter_is_refused(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayors = [await majlis.person(f"Mayor {n}", "en") for n in range(5)]
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("Seats")
    await clerk.press_button("Board of Trustees")
    for mayor in mayors[:4]:
        await clerk.press_button("Assign a seat: mayor")
        await clerk.wait_for(says("Who takes the seat"))
        await clerk.send(str(mayor.id))
        await clerk.wait_for(says(f"{mayor.first_name} now holds a seat"))
    await clerk.press_button("Assign a seat: mayor")
    await clerk.wait_for(says("Who takes the seat"))
    await clerk.send(str(mayors[4].id))
    refusal = await clerk.wait_for(
        says("All seats of that kind on the Board of Trustees are taken")
    )
    assert "4 mayors" in refusal["text"]
    with majlis.platform.db.session() as session:
        assert Role.TRUSTEE in people.roles_of(session, mayors[0].id)
        assert Role.TRUSTEE not in people.roles_of(session, mayors[4].id)


async def test_the_minutes_csv_runs_no_formula(majlis: Majlis) -> None:
    """A member, a motion and a session whose names start like spreadsheet formulas are
    exported as text."""
    import csv
    import io
    from datetime import timedelta

    from models import User
    from tests.meetings_world import assembly
    from workflows import attendance, meetings, motions
    from workflows.charter.meetings import BallotKind
    from workflows.charter.voting import MotionKind

    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor = await majlis.person("Mayor", "en")
    hostile = '=HYPERLINK("http://evil.example","Minutes")'
    fez = await city(majlis, mayor, "@SUM(A1:A9) Fez", "-1+1 فاس")
    uow = majlis.platform.uow
    now = uow.clock.now()
    with uow.begin() as session:
        staff = session.get(User, clerk.id)
        rep = session.get(User, mayor.id)
        assert staff is not None and rep is not None
        meeting_id = assembly(session, staff, uow.clock)
        meetings.open_session(session, meeting_id, staff, now=now)
        attendance.check_in(session, meeting_id, rep, member_id=fez, now=now)
        motions.propose(
            session,
            meeting_id,
            staff,
            text=f"+{hostile}",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=now + timedelta(hours=1),
            now=now,
        )
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("Ninth General Assembly · open: check-in and votes")
    await clerk.press_button("Minutes CSV")
    sheet = await clerk.wait_for(lambda m: m.get("document") is not None, timeout=20)
    url = f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{sheet['document']['file_id']}"
    async with majlis.client.session.get(url) as response:
        content = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    cells = [cell for row in rows for cell in row]
    assert "'@SUM(A1:A9) Fez" in cells and "'-1+1 فاس" in cells and f"'+{hostile}" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
