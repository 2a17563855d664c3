"""Sessions end to end: the Secretariat's form, invitations and RSVP, a delegate named and
accepted, check-in reaching the quorum on the live board, seats refused by the charter,
and the minutes exported as CSV and as PDF in English and Arabic."""

import shutil
import subprocess

import pytest
from sqlmodel import select

from models import Attendance, Delegation, Meeting, Member, Representation, User
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from workflows.charter.meetings import BallotKind
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.meetings import motions, sessions
from workflows.platform import people

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


async def new_session(
    clerk: SandboxUser,
    title: str,
    group: str | None,
    *,
    title_ar: str | None = None,
    agenda: str = "1. Budget 2027-2028.\n2. Rules of procedure.",
    agenda_ar: str | None = None,
    group_language: str = "Both languages",
) -> None:
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("New session")
    await clerk.wait_for(says("Which body meets?"))
    await clerk.press_button("General Assembly")
    await clerk.press_button("regular session")
    await clerk.wait_for(says("title in English"))
    await clerk.send(title)
    await clerk.wait_for(says("title in Arabic"))
    if title_ar is None:
        await clerk.press_button("Later")
    else:
        await clerk.send(title_ar)
    await clerk.wait_for(says("When does it start?"))
    await clerk.send("2026-12-01 10:00")
    await clerk.wait_for(says("time zone"))
    await clerk.press_button("Asia/Riyadh")
    await clerk.wait_for(says("Where?"))
    await clerk.send("Makkah, King Abdulaziz Hall")
    await clerk.wait_for(says("agenda in English"))
    await clerk.send(agenda)
    await clerk.wait_for(says("agenda in Arabic"))
    if agenda_ar is None:
        await clerk.press_button("Later")
    else:
        await clerk.send(agenda_ar)
    await clerk.wait_for(says("Which group chat"))
    await clerk.press_button(group or "No group")
    if group is not None:
        await clerk.wait_for(says("In which language"))
        await clerk.press_button(group_language)
    review = await clerk.wait_for(says("Please review the session"))
    assert "Asia/Riyadh" in review["text"]
    await clerk.press_button("Create and invite")
    await clerk.wait_for(says("Session created"))


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
    from workflows.charter.meetings import BallotKind
    from workflows.charter.voting import MotionKind
    from workflows.meetings import attendance, motions, sessions

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
        sessions.open_session(session, meeting_id, staff, now=now)
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


async def test_a_session_in_both_languages_with_its_agenda_lines(majlis: Majlis) -> None:
    """Issue 11, items 3 and 4: title and agenda asked in both languages, the second left
    for later and shown in the first until filled; the group's posts in both languages, or
    in the one the Secretariat chose; the agenda's line breaks kept."""
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    karim = await majlis.person("كريم", "ar")
    salma = await majlis.person("Salma", "en")
    await city(majlis, karim, "Fez", "فاس")
    await city(majlis, salma, "Rabat", "الرباط")
    group = await majlis.client.create_group("Assembly hall", [clerk, karim, salma])
    await clerk.send("/help", chat_id=group.id)
    await clerk.wait_for(says("Majlis"), chat_id=group.id, timeout=20)

    await new_session(
        clerk,
        "Ninth General Assembly",
        "Assembly hall",
        title_ar="الدورة التاسعة للجمعية العامة",
        agenda="1. Budget 2027-2028.\n2. Rules of procedure.",
    )
    # The Arabic reader gets the Arabic title; the agenda, not yet in Arabic, in English,
    # one item a line.
    arabic = plain((await karim.wait_for(says("هل ستحضر"), timeout=20))["text"])
    assert "الدورة التاسعة للجمعية العامة" in arabic and "Ninth General" not in arabic
    assert "1. Budget 2027-2028.\n2. Rules of procedure." in arabic
    english = plain((await salma.wait_for(says("Will you attend?"), timeout=20))["text"])
    assert "Ninth General Assembly" in english and "الدورة التاسعة" not in english
    assert "1. Budget 2027-2028.\n2. Rules of procedure." in english
    # The group reads both languages, in one post.
    announced = plain(
        (await group.client.wait_for(group.id, says("Announced"), timeout=20))["text"]
    )
    assert "Ninth General Assembly" in announced and "الدورة التاسعة للجمعية العامة" in announced
    assert "إعلان" in announced
    posts = [m for m in await group.transcript() if m["from_bot"] and "Announced" in m["text"]]
    assert len(posts) == 1

    # The Arabic agenda, left for later, is added from the session's page.
    await clerk.press_button("Texts in Arabic")
    await clerk.wait_for(says("title in Arabic"))
    await clerk.press_button("Keep")
    await clerk.wait_for(says("agenda in Arabic"))
    await clerk.send("١. ميزانية 2027-2028.\n٢. النظام الداخلي.")
    await clerk.wait_for(says("saved"))
    await karim.send("/menu")
    await karim.press_button("الاجتماعات والتصويت")
    await karim.press_button("الدورة التاسعة للجمعية العامة · مقرّرة")
    page = plain((await karim.wait_for(says("جدول الأعمال")))["text"])
    assert "١. ميزانية 2027-2028.\n٢. النظام الداخلي." in page
    with majlis.platform.db.session() as session:
        meeting = session.exec(select(Meeting)).one()
        assert meeting.agenda == "1. Budget 2027-2028.\n2. Rules of procedure."
        assert meeting.agenda_ar == "١. ميزانية 2027-2028.\n٢. النظام الداخلي."

    # The group's vote and its one result post read both languages too.
    uow = majlis.platform.uow
    with uow.begin() as session:
        staff = session.get(User, clerk.id)
        assert staff is not None and meeting.id is not None
        sessions.open_session(session, meeting.id, staff, now=uow.clock.now())
        motion = motions.propose(
            session,
            meeting.id,
            staff,
            text="Adopt the budget 2027-2028.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=uow.clock.now(),
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff, now=uow.clock.now(), settings=majlis.settings)
        number = motion.id
    vote = await group.client.wait_for(group.id, says(f"Vote — motion No. {number}"), timeout=20)
    assert f"التصويت — المقترح رقم {number}" in plain(vote["text"])
    assert [b["text"] for b in buttons(vote)] == ["Yes · نعم", "No · لا", "Abstain · امتناع"]
    with uow.begin() as session:
        motions.close_motion(session, number, session.get(User, clerk.id), now=uow.clock.now())
    result = await group.client.wait_for(
        group.id, says(f"النتيجة — المقترح رقم {number}"), timeout=20
    )
    assert f"Result — motion No. {number}" in plain(result["text"])
    assert result["message_id"] == vote["message_id"]


async def test_a_group_in_the_language_the_secretariat_chose(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    karim = await majlis.person("كريم", "ar")
    await city(majlis, karim, "Fez", "فاس")
    group = await majlis.client.create_group("قاعة الجمعية", [clerk, karim])
    await clerk.send("/help", chat_id=group.id)
    await clerk.wait_for(says("Majlis"), chat_id=group.id, timeout=20)
    await new_session(clerk, "Ninth General Assembly", "قاعة الجمعية", group_language="العربية")
    announced = plain((await group.client.wait_for(group.id, says("إعلان"), timeout=20))["text"])
    # Arabic only; the title not yet in Arabic is shown in English meanwhile.
    assert "Announced" not in announced and "Ninth General Assembly" in announced


async def test_closing_asks_first_and_past_sessions_stay_listed(majlis: Majlis) -> None:
    """Issue 11, item 5: a confirmation before closing, and closed sessions listed under
    "Meetings and votes" for the Secretariat and for members, in both languages."""
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    karim = await majlis.person("كريم", "ar")
    await city(majlis, karim, "Fez", "فاس")
    await new_session(clerk, "Ninth General Assembly", None, title_ar="الدورة التاسعة")
    await karim.wait_for(says("هل ستحضر"), timeout=20)
    await clerk.press_button("Open the session")
    await clerk.wait_for(says("Attendance: Ninth General Assembly"), timeout=20)
    await clerk.press_button("Close the session")
    ask = await clerk.wait_for(says("Close Ninth General Assembly?"))
    assert [b["text"] for b in buttons(ask)] == ["Yes, close the session", "« Back"]
    with majlis.platform.db.session() as session:
        assert session.exec(select(Meeting)).one().state == "open"
    await clerk.press_button("Yes, close the session")
    await clerk.wait_for(says("State: closed"))
    with majlis.platform.db.session() as session:
        assert session.exec(select(Meeting)).one().state == "closed"

    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("Past sessions")
    await clerk.press_button("Ninth General Assembly · closed")
    await clerk.wait_for(says("State: closed"))
    await clerk.press_button("Minutes PDF (Arabic)")
    pdf = await clerk.wait_for(
        lambda m: (m.get("document") or {}).get("file_name", "").endswith("-ar.pdf")
    )
    # The minutes of a past session, fetched as the clerk would, read as a filed document.
    url = f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{pdf['document']['file_id']}"
    async with majlis.client.session.get(url) as response:
        content = await response.read()
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        assert "1. Budget 2027-2028." in text and "2. Rules of procedure." in text
    assert content.startswith(b"%PDF")
    await karim.send("/menu")
    await karim.press_button("الاجتماعات والتصويت")
    await karim.press_button("الجلسات السابقة")
    await karim.press_button("الدورة التاسعة · مغلقة")
    await karim.wait_for(says("الحالة"))


async def test_an_arabic_clerk_writes_arabic_first(majlis: Majlis) -> None:
    """The form in Arabic asks for the Arabic title first; the English, left for later,
    is shown to English readers in Arabic meanwhile, agenda lines kept."""
    clerk = await majlis.person("ليلى", "ar", (Role.SECRETARIAT,))
    salma = await majlis.person("Salma", "en")
    await city(majlis, salma, "Rabat", "الرباط")
    await clerk.send("/menu")
    await clerk.press_button("الاجتماعات والتصويت")
    await clerk.press_button("جلسة جديدة")
    await clerk.press_button("الجمعية العامة")
    await clerk.press_button("دورة عادية")
    await clerk.wait_for(says("اكتب عنوان الجلسة بالعربية"))
    await clerk.send("الدورة التاسعة")
    await clerk.wait_for(says("اكتب عنوان الجلسة بالإنجليزية"))
    await clerk.press_button("لاحقًا")
    await clerk.wait_for(says("متى تبدأ؟"))
    await clerk.send("2026-12-01 10:00")
    await clerk.press_button("Asia/Riyadh")
    await clerk.wait_for(says("أين؟"))
    await clerk.send("مكة المكرمة")
    await clerk.wait_for(says("اكتب جدول الأعمال بالعربية"))
    await clerk.send("١. الميزانية\n٢. النظام الداخلي")
    await clerk.wait_for(says("اكتب جدول الأعمال بالإنجليزية"))
    await clerk.press_button("لاحقًا")
    await clerk.press_button("بلا مجموعة")
    review = plain((await clerk.wait_for(says("يُرجى مراجعة الجلسة")))["text"])
    assert "العنوان بالإنجليزية: لاحقًا" in review
    assert "١. الميزانية\n٢. النظام الداخلي" in review
    await clerk.press_button("إنشاء وإرسال الدعوات")
    english = plain((await salma.wait_for(says("Will you attend?"), timeout=20))["text"])
    assert "الدورة التاسعة" in english and "١. الميزانية\n٢. النظام الداخلي" in english
    with majlis.platform.db.session() as session:
        meeting = session.exec(select(Meeting)).one()
        assert (meeting.title, meeting.title_ar) == ("", "الدورة التاسعة")
