"""The charter to the letter, where people meet it in chat: two applicants for one city
(Art. 13, 25), the trustees' ordinary motion offered as an amendment's source (Art. 30),
support withdrawn after it was given (Art. 30), a member suspended over a fee's grace
date (Art. 22, 25), the majority base a body chooses (Art. 26), a board with too few
seats filled (Art. 6), and an amount finer than its currency allows."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from models import Application, Member, Motion, Representation, User
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from tests.e2e.test_applications import fill_arabic_form, staff
from tests.e2e.test_fees import advance, open_period
from tests.e2e.test_suspension import propose as propose_standing
from tests.e2e.test_withdrawal import admit
from tests.meetings_world import board_meeting, person
from workflows.charter.bodies import Body, SeatKind
from workflows.charter.meetings import BallotKind, Choice, SessionKind
from workflows.charter.money import Money
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.fees import periods
from workflows.meetings import attendance, ballots, motions, seats, sessions

pytestmark = pytest.mark.e2e


def data_of(message: dict[str, Any], label: str) -> str:
    return next(b["callback_data"] for b in buttons(message) if b["text"] == label)


async def press_like(user: SandboxUser, fragment: str, *, timeout: float = 20) -> dict[str, Any]:
    """Press the newest button whose label contains ``fragment`` in the private chat."""
    for _ in range(int(timeout * 5)):
        for message in reversed(await user.transcript()):
            for button in buttons(message):
                if fragment in button.get("text", "") and "callback_data" in button:
                    return await user.press(message["message_id"], button["callback_data"])
        await asyncio.sleep(0.2)
    raise AssertionError(f"no button with {fragment!r}")


async def answer_to(user: SandboxUser, pressed: dict[str, Any]) -> str:
    return plain((await user.callback_answer(pressed["callback_query_id"]))["text"])


# --- 1. Two applicants for one city ------------------------------------------


async def test_two_applicants_for_one_city_make_one_member(majlis: Majlis) -> None:
    clerk, general = await staff(majlis)
    mayor = await majlis.person("عبد السلام", "ar")
    await fill_arabic_form(mayor)
    await mayor.press_button("إرسال")
    first_prompt = await clerk.wait_for("please screen it", timeout=20)

    deputy = await majlis.person("نائب العمدة", "ar")
    await fill_arabic_form(deputy, city="Fes", city_ar="فاس")
    await deputy.press_button("إرسال")
    second_prompt = await clerk.wait_for(says("for the same city is still open"), timeout=20)
    with majlis.platform.db.session() as session:
        first_id, second_id = sorted(a.id or 0 for a in session.exec(select(Application)))
    assert says(f"Membership application No. {second_id}")(second_prompt)
    assert f"Application No. {first_id} (Fez)" in plain(second_prompt["text"])
    link = data_of(second_prompt, "Open the application of the same city")
    await clerk.press(second_prompt["message_id"], link)
    await clerk.wait_for(says(f"History of application No. {first_id}"), timeout=20)

    forward = "Forward to the Secretary-General"
    await clerk.press(first_prompt["message_id"], data_of(first_prompt, forward))
    first_decision = await general.wait_for(says(f"طلب العضوية رقم {first_id}،"), timeout=20)
    await clerk.press(second_prompt["message_id"], data_of(second_prompt, forward))
    second_decision = await general.wait_for(says(f"طلب العضوية رقم {second_id}،"), timeout=20)
    # Each names the other, open for the same city.
    assert f"الطلب رقم {first_id} (Fez)" in plain(second_decision["text"])
    assert f"الطلب رقم {second_id} (Fes)" in plain(first_decision["text"])
    refused = await general.press(second_decision["message_id"], data_of(second_decision, "قبول"))
    assert "ما زال طلب آخر للمدينة نفسها مفتوحًا" in await answer_to(general, refused)

    with majlis.platform.db.session() as session:
        assert session.exec(select(Member)).all() == []
    await general.press(second_decision["message_id"], data_of(second_decision, "رفض"))
    await general.wait_for("اكتب سبب رفض الطلب", timeout=20)
    await general.send("The mayor of Fez applied himself.")
    await general.wait_for(says("السبب: The mayor of Fez applied himself."), timeout=20, after=0)
    await general.press(first_decision["message_id"], data_of(first_decision, "قبول"))
    await mayor.wait_for("أهلًا بكم في الجمعية العالمية للمدن الإسلامية", timeout=20)

    # The deputy applies again, now that Fez is a member: made its representative.
    await fill_arabic_form(deputy, city="FEZ", city_ar="فَاس")
    await deputy.press_button("إرسال")
    third = await clerk.wait_for(says("This city is already a member: Fez"), timeout=20)
    await clerk.press(third["message_id"], data_of(third, "Forward to the Secretary-General"))
    decision = await general.wait_for(says("هذه المدينة عضو بالفعل"), timeout=20)
    await general.press(decision["message_id"], data_of(decision, "قبول"))
    await deputy.wait_for("وأصبحت الآن أحد ممثليه", timeout=20)
    with majlis.platform.db.session() as session:
        members = session.exec(select(Member)).all()
        assert [m.name_en for m in members] == ["Fez"]
        held = session.exec(select(Representation.user_id)).all()
        assert sorted(held) == sorted([mayor.id, deputy.id])


# --- 2. The trustees' ordinary motion as an amendment's source ---------------


def board_passes(majlis: Majlis, clerk: SandboxUser, text: str, kind: MotionKind) -> int:
    """Five of the nine trustees (Art. 6) meet and pass a motion."""
    clock = majlis.platform.uow.clock
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        now = clock.now()
        trustees = [person(session, 7000 + i, f"Trustee {i}") for i in range(5)]
        meeting_id = board_meeting(session, staff_user, trustees, now=now)
        motion = motions.propose(
            session,
            meeting_id,
            staff_user,
            text=text,
            kind=kind,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff_user, now=now, settings=majlis.settings)
        for trustee in trustees:
            ballots.cast_ballot(session, motion.id, trustee, Choice.YES, now=now)
        assert motions.close_motion(session, motion.id, staff_user, now=now).result == "passed"
        return motion.id


def open_assembly(majlis: Majlis, clerk: SandboxUser, title: str = "Extraordinary Assembly") -> int:
    clock = majlis.platform.uow.clock
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        meeting = sessions.convene(
            session,
            sessions.Convening(
                body=Body.ASSEMBLY,
                kind=SessionKind.EXTRAORDINARY,
                title=title,
                starts_at=clock.now(),
                time_zone="Africa/Casablanca",
            ),
            staff_user,
            now=clock.now(),
        )
        assert meeting.id is not None
        sessions.open_session(session, meeting.id, staff_user, now=clock.now())
        return meeting.id


async def test_the_trustees_ordinary_motion_does_not_open_an_amendment(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    catering = board_passes(majlis, clerk, "Approve the catering budget.", MotionKind.ORDINARY)
    admit(majlis, "Fez", "فاس", "full", await majlis.person("Karim", "en"))
    open_assembly(majlis, clerk)

    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await press_like(clerk, "Extraordinary Assembly")
    await clerk.press_button("New motion")
    await clerk.wait_for(says("Type the text of the motion"))
    await clerk.send("Amend Art. 26: a two-thirds majority for the budget.")
    kinds = await clerk.wait_for(says("What kind of motion is it?"))
    bogus = await clerk.press(kinds["message_id"], "mform:kind:constitution", forged=True)
    assert "not one the form offers" in await answer_to(clerk, bogus)
    await clerk.press_button("charter amendment")
    source_step = await clerk.wait_for(says("Where does this amendment come from"))
    # Only the Board's passed amendments are offered; there are none.
    assert [b["text"] for b in buttons(source_step)][:1] == ["Collect the full members' support"]
    forged = await clerk.press(source_step["message_id"], f"mform:source:{catering}", forged=True)
    assert "is not a charter amendment" in await answer_to(clerk, forged)
    await asyncio.sleep(0.5)
    assert not any("Named vote or secret" in plain(m.get("text")) for m in await clerk.transcript())
    with majlis.platform.db.session() as session:
        assert session.exec(select(Motion).where(Motion.source_motion_id == catering)).all() == []


async def test_a_passed_trustees_amendment_is_proposed_with_its_own_text(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    board_text = "Amend Art. 23: the Assembly meets every year."
    source = board_passes(majlis, clerk, board_text, MotionKind.CHARTER_AMENDMENT)
    admit(majlis, "Fez", "فاس", "full", await majlis.person("Karim", "en"))
    open_assembly(majlis, clerk)
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await press_like(clerk, "Extraordinary Assembly")
    await clerk.press_button("New motion")
    await clerk.send("Something retyped from memory.")
    await clerk.press_button("charter amendment")
    await clerk.press_button(f"Board of Trustees motion No. {source}")
    await clerk.press_button("named vote")
    await clerk.press_button("Close by hand")
    review = await clerk.wait_for(says("Please review the motion"))
    assert board_text in plain(review["text"]) and "retyped" not in plain(review["text"])
    await clerk.press_button("Table the motion")
    await clerk.wait_for(says("State: not yet open"))
    with majlis.platform.db.session() as session:
        tabled = session.exec(select(Motion).where(Motion.source_motion_id == source)).one()
        assert tabled.text == board_text


# --- 4. Support, then withdrawals --------------------------------------------


async def test_support_withdrawn_after_it_was_given_does_not_break_the_vote(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayors = [await majlis.person(f"Mayor {i}", "en") for i in range(3)]
    cities = [admit(majlis, f"City {i}", f"مدينة {i}", "full", m) for i, m in enumerate(mayors)]
    meeting_id = open_assembly(majlis, clerk)
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        motion = motions.propose(
            session,
            meeting_id,
            staff_user,
            text="Amend Art. 23: sessions every year.",
            kind=MotionKind.CHARTER_AMENDMENT,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=majlis.platform.uow.clock.now(),
        )
        number = motion.id
    for mayor in mayors:
        await mayor.wait_for(says(f"Proposed amendment to the charter — No. {number}"), timeout=20)
        await mayor.press_button("Support")
    await clerk.wait_for(says("3 of 3 full members support it"), timeout=20)
    # Two of the three members withdraw (Art. 21) before the vote is opened.
    with majlis.platform.uow.begin() as session:
        for member_id in cities[:2]:
            row = session.get(Member, member_id)
            assert row is not None
            row.standing = "withdrawn"
            session.add(row)

    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await press_like(clerk, "Extraordinary Assembly")
    await press_like(clerk, f"No. {number}:")
    page = await clerk.wait_for(says("1 of 1 full members support it"), timeout=20)
    opened = await clerk.press(page["message_id"], data_of(page, "Open the vote"))
    assert await answer_to(clerk, opened) == "The vote is open; ballots were sent."
    with majlis.platform.db.session() as session:
        assert session.get(Motion, number).state == "open"  # type: ignore[union-attr]


# --- 7. A member suspended over the grace date -------------------------------


async def test_a_member_reinstated_after_the_grace_date_loses_its_vote_for_fees(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    general = await majlis.person("الأمين العام", "ar", (Role.SECRETARY_GENERAL,))
    mayor = await majlis.person("Youssef", "en")
    tangier = admit(majlis, "Tangier", "طنجة", "full", mayor)
    admit(majlis, "Rabat", "الرباط", "full", await majlis.person("Salma", "en"))
    open_period(majlis, clerk, due_in=10, grace=30)
    await mayor.wait_for(says("Membership fee notice"), timeout=20)

    await propose_standing(clerk, "/suspend", "Tangier", "A breach of Art. 16.")
    await general.wait_for("اقتراح تعليق عضوية", timeout=20)
    await general.press_button("تعليق عضوية العضو")
    await mayor.wait_for("has suspended the membership of", timeout=20)

    advance(majlis, 42)  # the grace period ends while Tangier is suspended (Art. 22)
    grace = await clerk.wait_for(says("The grace period of the fee"), timeout=20)
    assert "Rabat" in plain(grace["text"]) and "Tangier" not in plain(grace["text"])
    await propose_standing(clerk, "/lift", "Tangier", "The breach was remedied.")
    await general.wait_for(says("The breach was remedied"), timeout=20)
    await general.press_button("رفع التعليق")
    await mayor.wait_for(says("The suspension of Tangier (طنجة) has been lifted"), timeout=20)
    told = await mayor.wait_for(says("The voting right of Tangier"), timeout=20)
    assert "is suspended (Art. 25)" in plain(told["text"])
    with majlis.platform.db.session() as session:
        row = session.get(Member, tangier)
        assert row is not None and (row.standing, row.voting_right) == (
            "active",
            "suspended_for_fees",
        )


# --- 3, 5, 6. A board's seats; the majority base, chosen and stated -----------


async def test_a_board_with_one_trustee_of_nine_says_it_cannot_decide(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        now = majlis.platform.uow.clock.now()
        trustee = User(id=7100, first_name="Trustee", language="en")
        session.add(trustee)
        session.flush()
        seats.assign(session, Body.TRUSTEES, SeatKind.MAYOR, trustee, staff_user, now=now)
        sessions.convene(
            session,
            sessions.Convening(
                body=Body.TRUSTEES,
                kind=SessionKind.REGULAR,
                title="Board meeting",
                starts_at=now,
                time_zone="UTC",
            ),
            staff_user,
            now=now,
        )
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await press_like(clerk, "Board meeting")
    page = await clerk.wait_for(says("Only 1 of the 9 seats of the Board of Trustees"))
    assert "5 members must attend for a quorum (Art. 6)" in plain(page["text"])


async def test_the_majority_base_the_secretariat_chose_decides_and_is_stated(
    majlis: Majlis,
) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    voters = [await majlis.person(f"Mayor {i}", "en") for i in range(3)]
    cities = [admit(majlis, f"City {i}", f"مدينة {i}", "full", m) for i, m in enumerate(voters)]
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        meeting = sessions.convene(
            session,
            sessions.Convening(
                body=Body.ASSEMBLY,
                kind=SessionKind.REGULAR,
                title="Regular Assembly",
                starts_at=majlis.platform.uow.clock.now(),
                time_zone="UTC",
            ),
            staff_user,
            now=majlis.platform.uow.clock.now(),
        )
        meeting_id = meeting.id
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await press_like(clerk, "Regular Assembly")
    await clerk.wait_for(says("Majority of: Yes and No (abstentions are not counted)"))
    await clerk.press_button("of Yes+No+Abstain")
    await clerk.wait_for(says("Majority of: Yes, No and abstentions (Art. 26)"))
    assert meeting_id is not None
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        now = majlis.platform.uow.clock.now()
        sessions.open_session(session, meeting_id, staff_user, now=now)
        for voter, city in zip(voters, cities, strict=True):
            user = session.get(User, voter.id)
            assert user is not None
            attendance.check_in(session, meeting_id, user, member_id=city, now=now)
        motion = motions.propose(
            session,
            meeting_id,
            staff_user,
            text="Hold the next session in Fez.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff_user, now=now, settings=majlis.settings)
        for voter, city, choice in zip(
            voters, cities, [Choice.YES, Choice.ABSTAIN, Choice.ABSTAIN], strict=True
        ):
            user = session.get(User, voter.id)
            assert user is not None
            ballots.cast_ballot(session, motion.id, user, choice, member_id=city, now=now)
        motions.close_motion(session, motion.id, staff_user, now=now)
    result = await voters[0].wait_for(says("Result — motion No."), timeout=20)
    text = plain(result["text"])
    # 1 Yes of 3 ballots is not more than half: under Yes+No it would have passed.
    assert "The motion is not adopted." in text
    assert "Majority of: Yes, No and abstentions (Art. 26)" in text
    assert "Yes did not win a simple majority of the ballots, abstentions included" in text


# --- 10. Money in CLDR's digits -----------------------------------------------


async def test_an_iraqi_dinar_amount_has_no_decimals(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    mayor = await majlis.person("Mayor of Mosul", "en")
    admit(majlis, "Mosul", "الموصل", "full", mayor)
    start = majlis.platform.uow.clock.now().date()
    with majlis.platform.uow.begin() as session:
        staff_user = session.get(User, clerk.id)
        assert staff_user is not None
        periods.open_period(
            session,
            periods.PeriodTerms(
                starts_on=start,
                ends_on=start + timedelta(days=729),
                fee=Money(Decimal(1500000), "IQD"),
                due_on=start + timedelta(days=30),
                grace_days=30,
            ),
            staff_user,
            now=majlis.platform.uow.clock.now(),
        )
    notice = await mayor.wait_for(says("Membership fee notice"), timeout=20)
    assert "IQD" in notice["text"] and "1,500,000" in notice["text"]
    assert "1,500,000.000" not in notice["text"]
    await mayor.send("/pay")
    await mayor.wait_for(says("Type the amount"))
    await mayor.send("1500.505")
    await mayor.wait_for(says("IQD has no decimals: please type a whole number."))
    await mayor.send("1500000")
    await mayor.wait_for(says("On which date was it paid?"))
