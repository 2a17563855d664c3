"""Votes end to end: a named motion voted in private and in a group with the tally
updating, a secret motion closed at its deadline by the scheduler, results in both
languages, and every refusal: a member that did not check in, an observer, a member
suspended for fees, a second ballot from the same member (also by its delegate),
a vote after the close, forged callback data."""

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from models import (
    Ballot,
    Member,
    Motion,
    Notification,
    Representation,
    SealedBallot,
    SecretParticipation,
    User,
)
from sandbox.client import SandboxGroup, SandboxUser, buttons
from tests.e2e.conftest import Majlis, plain, says
from workflows.charter.bodies import Body
from workflows.charter.meetings import BallotKind, SessionKind
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.meetings import attendance, motions, sessions
from workflows.platform import people

pytestmark = pytest.mark.e2e


@dataclass
class Hall:
    clerk: SandboxUser
    karim: SandboxUser  # represents Fez (Arabic reader)
    yusuf: SandboxUser  # Fez's delegate, checked in
    salma: SandboxUser  # represents Rabat, checked in
    hedi: SandboxUser  # represents Tunis, suspended for fees, checked in
    olivia: SandboxUser  # represents an observer member, checked in
    nadia: SandboxUser  # represents Oran, did not check in
    group: SandboxGroup
    meeting_id: int
    members: dict[str, int]


async def hall(majlis: Majlis) -> Hall:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    karim = await majlis.person("كريم", "ar")
    yusuf = await majlis.person("Yusuf", "en")
    salma = await majlis.person("Salma", "en")
    hedi = await majlis.person("Hedi", "en")
    olivia = await majlis.person("Olivia", "en")
    nadia = await majlis.person("Nadia", "en")
    group = await majlis.client.create_group(
        "Assembly hall", [clerk, karim, yusuf, salma, hedi, nadia]
    )
    await clerk.send("/help", chat_id=group.id)
    await clerk.wait_for(says("Majlis"), chat_id=group.id, timeout=20)
    now = majlis.platform.uow.clock.now()
    members: dict[str, int] = {}
    with majlis.platform.uow.begin() as session:
        for name, name_ar, rep, category, right in [
            ("Fez", "فاس", karim, "full", "active"),
            ("Rabat", "الرباط", salma, "full", "active"),
            ("Tunis", "تونس", hedi, "full", "suspended_for_fees"),
            ("Urban Institute", "المعهد الحضري", olivia, "observer", "active"),
            ("Oran", "وهران", nadia, "full", "active"),
        ]:
            member = Member(category=category, name_en=name, name_ar=name_ar, voting_right=right)
            session.add(member)
            session.flush()
            assert member.id is not None
            members[name] = member.id
            session.add(Representation(member_id=member.id, user_id=rep.id))
            people.grant_role(session, user_id=rep.id, role=Role.REPRESENTATIVE, actor_id=None)
        staff = session.get(User, clerk.id)
        assert staff is not None
        meeting = sessions.convene(
            session,
            sessions.Convening(
                body=Body.ASSEMBLY,
                kind=SessionKind.EXTRAORDINARY,
                title="Extraordinary Assembly",
                starts_at=now,
                time_zone="Africa/Casablanca",
                place="Fez",
                group_chat_id=group.id,
            ),
            staff,
            now=now,
        )
        assert meeting.id is not None
        karim_user, yusuf_user = session.get(User, karim.id), session.get(User, yusuf.id)
        assert karim_user and yusuf_user
        row = attendance.name_delegate(
            session, meeting.id, members["Fez"], karim_user, yusuf_user, now=now
        )
        assert row.id is not None
        attendance.answer_delegation(session, row.id, yusuf_user, True, now=now)
        sessions.open_session(session, meeting.id, staff, now=now)
        for person, member in [
            (yusuf, "Fez"),
            (salma, "Rabat"),
            (hedi, "Tunis"),
            (olivia, "Urban Institute"),
        ]:
            user = session.get(User, person.id)
            assert user is not None
            attendance.check_in(session, meeting.id, user, member_id=members[member], now=now)
    return Hall(clerk, karim, yusuf, salma, hedi, olivia, nadia, group, meeting.id, members)


async def refused(
    person: SandboxUser, chat_id: int | None, message_id: int, data: str, *, forged: bool = False
) -> str:
    pressed = await person.press(message_id, data, chat_id, forged=forged)
    answer = await person.callback_answer(pressed["callback_query_id"])
    return plain(answer["text"])


async def test_a_named_motion_in_private_and_in_a_group(majlis: Majlis) -> None:
    h = await hall(majlis)
    clerk = h.clerk
    await clerk.send("/menu")
    await clerk.press_button("Meetings and votes")
    await clerk.press_button("Extraordinary Assembly · open: check-in and votes")
    await clerk.press_button("New motion")
    await clerk.wait_for(says("Type the text of the motion"))
    await clerk.send("Host the next Assembly in Fez.")
    await clerk.press_button("ordinary decision")
    await clerk.press_button("named vote")
    await clerk.press_button("Close by hand")
    await clerk.wait_for(says("Please review the motion"))
    await clerk.press_button("Table the motion")
    await clerk.wait_for(says("State: not yet open"))
    await clerk.press_button("Open the vote")
    with majlis.platform.db.session() as session:
        motion = session.exec(select(Motion)).one()
    number = motion.id

    ballot = await h.group.client.wait_for(h.group.id, says("Voted: 0 of 2 entitled"), timeout=20)
    assert [b["text"] for b in buttons(ballot)] == ["Yes", "No", "Abstain"]

    # Rabat votes in private: pick, confirm.
    await h.salma.wait_for(says(f"Ballot — motion No. {number}"), timeout=20)
    await h.salma.press_button("Yes")
    await h.salma.wait_for(says("You chose: Yes"))
    await h.salma.press_button("Confirm")
    await h.salma.wait_for(says(f"Your vote on motion No. {number} is recorded: Yes"))
    tally = await h.group.client.wait_for(h.group.id, says("Voted: 1 of 2"), timeout=20)
    assert "Yes 1 · No 0" in plain(tally["text"]) and "Rabat" in plain(tally["text"])

    # Fez's delegate votes in the group, confirms in private; the tally shows both.
    answer = await refused(h.yusuf, h.group.id, ballot["message_id"], f"gv:{number}:no")
    assert "confirm it in our private chat" in answer
    await h.yusuf.wait_for(says("You chose: No"), timeout=20)
    await h.yusuf.press_button("Confirm")
    await h.yusuf.wait_for(says(f"Your vote on motion No. {number} is recorded: No"))
    tally = await h.group.client.wait_for(h.group.id, says("Voted: 2 of 2"), timeout=20)
    assert "Yes 1 · No 1" in plain(tally["text"])

    group_message = ballot["message_id"]
    # Fez's representative may not cast a second ballot for Fez.
    assert "سبق أن صوّتت عضويتك" in await refused(
        h.karim, h.group.id, group_message, f"gv:{number}:yes"
    )
    # Tunis is suspended for fees; Oran did not check in; the observer never votes.
    assert "suspended for unpaid fees" in await refused(
        h.hedi, h.group.id, group_message, f"gv:{number}:yes"
    )
    assert "Check in first" in await refused(h.nadia, h.group.id, group_message, f"gv:{number}:yes")
    observer_chat = (await h.olivia.transcript())[-1]["message_id"]
    assert "Only full members vote" in await refused(
        h.olivia,
        None,
        observer_chat,
        f"cast:{number}:{h.members['Urban Institute']}:yes",
        forged=True,
    )
    # Forged data: a ballot for another member, and data no button of ours carries.
    salma_last = (await h.salma.transcript())[-1]["message_id"]
    assert "do not represent" in await refused(
        h.salma, None, salma_last, f"cast:{number}:{h.members['Fez']}:no", forged=True
    )
    assert "no longer valid" in await refused(h.salma, None, salma_last, "cast:x:y", forged=True)

    # Rabat changes its named vote before the close.
    await h.salma.press_button("Change my vote")
    await h.salma.wait_for(says(f"Ballot — motion No. {number}"))
    await h.salma.press_button("No")
    await h.salma.press_button("Confirm")
    await h.salma.wait_for(says("is changed: No"))
    await h.group.client.wait_for(h.group.id, says("Yes 0 · No 2"), timeout=20)

    await clerk.press_button("Refresh")
    await clerk.press_button("Close the vote now")
    english = await h.salma.wait_for(says(f"Result — motion No. {number}"), timeout=20)
    text = plain(english["text"])
    assert "Yes: 0 · No: 2 · Abstain: 0 · votes cast: 2" in text
    assert "The motion is not adopted." in text
    assert "Art. 26: Yes did not win a simple majority of the votes cast." in text
    assert "Quorum met: 2 of 3" in text  # Fez, Rabat, Oran in the base; Tunis left out (Art. 25)
    arabic = await h.karim.wait_for(says(f"النتيجة — المقترح رقم {number}"), timeout=20)
    assert "لم يُعتمد المقترح." in plain(arabic["text"])
    assert "المادة 26: لم تنل «نعم» الأغلبية البسيطة" in plain(arabic["text"])
    await h.group.client.wait_for(h.group.id, says(f"Result — motion No. {number}"), timeout=20)

    # After the close, nothing more is counted.
    assert "This vote is closed" in await refused(
        h.salma, None, salma_last, f"cast:{number}:{h.members['Rabat']}:yes", forged=True
    )
    with majlis.platform.db.session() as session:
        rows = session.exec(select(Ballot.member_id, Ballot.choice)).all()
        assert sorted(rows) == sorted([(h.members["Fez"], "no"), (h.members["Rabat"], "no")])


async def test_a_secret_motion_closes_at_its_deadline(majlis: Majlis) -> None:
    h = await hall(majlis)
    clock = majlis.platform.uow.clock
    with majlis.platform.uow.begin() as session:
        staff = session.get(User, h.clerk.id)
        assert staff is not None
        motion = motions.propose(
            session,
            h.meeting_id,
            staff,
            text="Elect the host city by secret ballot.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.SECRET,
            closes_at=clock.now() + timedelta(hours=1),
            now=clock.now(),
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff, now=clock.now(), settings=majlis.settings)
        number = motion.id
    group_note = await h.group.client.wait_for(
        h.group.id, says("Secret ballot: the choices are counted at the close"), timeout=20
    )
    assert buttons(group_note) == []

    await h.yusuf.wait_for(says(f"Ballot — motion No. {number}"), timeout=20)
    await h.yusuf.press_button("Yes")
    await h.yusuf.wait_for(says("once cast it cannot be changed"))
    await h.yusuf.press_button("Confirm")
    await h.yusuf.wait_for(says("Your secret ballot on motion No."))
    last = (await h.yusuf.transcript())[-1]["message_id"]
    fez = h.members["Fez"]
    assert "cannot be changed" in await refused(
        h.yusuf, None, last, f"cast:{number}:{fez}:no", forged=True
    )
    karim_last = (await h.karim.transcript())[-1]["message_id"]
    # Fez's representative shares Fez's one vote: refused in Arabic.
    answer = await refused(h.karim, None, karim_last, f"cast:{number}:{fez}:no", forged=True)
    assert "سبق أن صوّتت عضويتك" in answer

    clock.advance(minutes=31)  # type: ignore[attr-defined]
    await h.salma.wait_for(
        says(f"Reminder: you have not voted yet on motion No. {number}"), timeout=20
    )
    clock.advance(minutes=30)  # type: ignore[attr-defined]
    result = await h.salma.wait_for(says(f"Result — motion No. {number}"), timeout=20)
    assert "Yes: 1 · No: 0 · Abstain: 0 · votes cast: 1" in plain(result["text"])
    assert "The motion is adopted." in plain(result["text"])
    arabic = await h.karim.wait_for(says("اعتُمد المقترح."), timeout=20)
    assert "المادة 26: نالت «نعم» الأغلبية البسيطة" in plain(arabic["text"])
    await asyncio.sleep(0.5)
    assert not any("Reminder" in plain(m.get("text")) for m in await h.yusuf.transcript())

    with majlis.platform.db.session() as session:
        closed = session.get(Motion, number)
        assert closed is not None and closed.state == "closed" and closed.closed_at is not None
        # Counted into the result, the sealed choice is deleted.
        assert session.exec(select(SealedBallot)).all() == []
        assert set(SealedBallot.model_fields) == {"id", "motion_id", "seal"}
        voter = session.exec(select(SecretParticipation)).one()
        assert voter.member_id == fez and voter.cast_by == h.yusuf.id


async def named_motion(majlis: Majlis, h: Hall, text: str) -> int:
    with majlis.platform.uow.begin() as session:
        staff = session.get(User, h.clerk.id)
        assert staff is not None
        motion = motions.propose(
            session,
            h.meeting_id,
            staff,
            text=text,
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=majlis.platform.uow.clock.now(),
        )
        assert motion.id is not None
        motions.open_vote(
            session, motion.id, staff, now=majlis.platform.uow.clock.now(), settings=majlis.settings
        )
        return motion.id


async def test_one_ballot_truth_and_closed_is_closed(majlis: Majlis) -> None:
    """Issue 11, items 1 and 2: a change from the group's tally is confirmed like the private
    one, every copy of a voter's ballot shows the current choice, and at the close every copy
    loses its buttons and shows the result; "Change my vote" after it sends no ballot."""
    h = await hall(majlis)
    # Oran's mayor reads Arabic and checks in: the same story in the other language.
    with majlis.platform.uow.begin() as session:
        nadia = session.get(User, h.nadia.id)
        assert nadia is not None
        nadia.language = "ar"
        session.add(nadia)
        attendance.check_in(
            session,
            h.meeting_id,
            nadia,
            member_id=h.members["Oran"],
            now=majlis.platform.uow.clock.now(),
        )
    number = await named_motion(majlis, h, "Twin Fez with Kairouan.")
    group_ballot = await h.group.client.wait_for(h.group.id, says("Voted: 0 of 3"), timeout=20)

    for person, city, title, yes, confirm, recorded, asked, changed in [
        (
            h.salma,
            "Rabat",
            "Ballot — motion No.",
            "Yes",
            "Confirm",
            "recorded: Yes",
            "You chose: No",
            "changed: No",
        ),
        (
            h.nadia,
            "Oran",
            "ورقة التصويت — المقترح رقم",
            "نعم",
            "تأكيد",
            "سُجّل صوتك",
            "اخترت: لا",
            "غُيّر صوتك",
        ),
    ]:
        # "A member confirmed Yes in the private ballot..."
        ballot = await person.wait_for(says(f"{title} {number}"), timeout=20, after=0)
        await person.press_button(yes)
        await person.press_button(confirm)
        await person.wait_for(says(recorded))
        # "...then tapped No on the group's live-tally message."
        answer = await refused(person, h.group.id, group_ballot["message_id"], f"gv:{number}:no")
        assert asked in answer or ("private" in answer or "الخاصة" in answer), answer
        with majlis.platform.db.session() as session:
            stored = session.exec(
                select(Ballot.choice).where(Ballot.member_id == h.members[city])
            ).one()
            assert stored == "yes"  # nothing changed without a confirmation
        confirmation = await person.wait_for(says(asked), timeout=20)
        assert confirmation["message_id"] != ballot["message_id"]
        await person.press_button(confirm)
        # Every copy of the voter's ballot now shows No, the first one too.
        await person.wait_for(
            lambda m, first=ballot["message_id"], changed=changed: (
                m["message_id"] == first and changed in plain(m.get("text"))
            ),
            timeout=20,
            after=0,
        )
    await h.group.client.wait_for(h.group.id, says("Yes 0 · No 2"), timeout=20)

    # Closed is closed: every ballot copy loses its buttons and shows the result.
    def copies_of(transcript: list[dict[str, Any]]) -> list[int]:
        return [
            m["message_id"]
            for m in transcript
            if m["from_bot"]
            and buttons(m)
            and any(f"{w} {number}" in plain(m["text"]) for w in ("No.", "رقم"))
        ]

    held = {h.salma.id: copies_of(await h.salma.transcript())}
    held[h.nadia.id] = copies_of(await h.nadia.transcript())
    assert len(held[h.salma.id]) == len(held[h.nadia.id]) == 2  # the ballot, the confirmation
    with majlis.platform.uow.begin() as session:
        staff = session.get(User, h.clerk.id)
        motions.close_motion(session, number, staff, now=majlis.platform.uow.clock.now())
    for person, outcome, yours in [
        (h.salma, "The motion is not adopted", "Your vote: No"),
        (h.nadia, "لم يُعتمد المقترح", "صوتك: لا"),
    ]:
        for copy in held[person.id]:
            await person.wait_for(
                lambda m, mid=copy, outcome=outcome, yours=yours: (
                    m["message_id"] == mid
                    and outcome in plain(m.get("text"))
                    and yours in plain(m.get("text"))
                    and not buttons(m)
                ),
                timeout=20,
                after=0,
            )
    ballots_before = [{"message_id": held[h.salma.id][0]}]
    # "Change my vote" pressed on a copy not yet edited is refused up front: no fresh ballot.
    fez_no_more = await refused(
        h.salma,
        None,
        ballots_before[0]["message_id"],
        f"again:{number}:{h.members['Rabat']}",
        forged=True,
    )
    assert "This vote is closed" in fez_no_more
    after = [
        m
        for m in await h.salma.transcript()
        if m["from_bot"] and "Ballot — motion" in plain(m["text"])
    ]
    assert after == []
    # One result post in the group: the ballot message itself.
    result = await h.group.client.wait_for(
        h.group.id, says(f"Result — motion No. {number}"), timeout=20
    )
    assert result["message_id"] == group_ballot["message_id"]
    with majlis.platform.db.session() as session:
        posts = session.exec(
            select(Notification).where(
                Notification.chat_id == h.group.id, col(Notification.edit_of).is_(None)
            )
        ).all()
        assert [p.key for p in posts].count(motions.RESULT) == 0
