"""Closed is closed, with a bot and a worker as processes (issue 11, items 1 and 2).

Voters confirm their ballots in the same getUpdates batch as the Secretariat's
close (the bot frozen, everyone presses, the bot thawed): whatever order the
concurrent transactions take, every copy of every ballot ends without buttons and
shows the result, the count is the ballots that went in, and the group gets one
result post.
"""

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from models import Ballot, Member, Motion, Notification, Representation, User
from sandbox.client import SandboxUser, buttons
from tests.e2e.conftest import plain, says
from tests.faults.conftest import Deployment
from workflows.charter.bodies import Body
from workflows.charter.meetings import BallotKind, SessionKind
from workflows.charter.roles import Role
from workflows.charter.voting import MotionKind
from workflows.meetings import attendance, motions, sessions
from workflows.platform import people

pytestmark = pytest.mark.faults
VOTERS = 6


async def settled(voter: SandboxUser, number: int) -> bool:
    """Every ballot message the voter got has lost its buttons and shows the result."""
    copies = [
        m
        for m in await voter.transcript()
        if m["from_bot"] and f"motion No. {number}" in plain(m.get("text"))
    ]
    return bool(copies) and all(
        not buttons(m) and "The motion is" in plain(m.get("text")) for m in copies
    )


async def test_confirms_in_the_batch_of_the_close(deployment: Deployment) -> None:
    await asyncio.to_thread(deployment.worker("--threads", "4").start)
    bot = await asyncio.to_thread(deployment.bot().start)
    uow = deployment.unit_of_work()
    clerk = await deployment.person("Amina", "en", (Role.SECRETARIAT,), uow=uow)
    voters = [await deployment.person(f"Mayor {n}", "en") for n in range(VOTERS)]
    group = await deployment.client.create_group("Assembly hall", [clerk, *voters])
    await clerk.send("/help", chat_id=group.id)
    await clerk.wait_for(says("Majlis"), chat_id=group.id, timeout=30)
    now = uow.clock.now()
    with uow.begin() as session:
        staff = session.get(User, clerk.id)
        assert staff is not None
        cities = []
        for n, voter in enumerate(voters):
            city = Member(category="full", name_en=f"City {n}", name_ar=f"المدينة {n}")
            session.add(city)
            session.flush()
            assert city.id is not None
            cities.append(city.id)
            session.add(Representation(member_id=city.id, user_id=voter.id))
            people.grant_role(session, user_id=voter.id, role=Role.REPRESENTATIVE, actor_id=None)
        meeting = sessions.convene(
            session,
            sessions.Convening(
                body=Body.ASSEMBLY,
                kind=SessionKind.EXTRAORDINARY,
                title="Extraordinary Assembly",
                starts_at=now,
                time_zone="Asia/Riyadh",
                group_chat_id=group.id,
            ),
            staff,
            now=now,
        )
        assert meeting.id is not None
        sessions.open_session(session, meeting.id, staff, now=now)
        for voter, city_id in zip(voters, cities, strict=True):
            user = session.get(User, voter.id)
            assert user is not None
            attendance.check_in(session, meeting.id, user, member_id=city_id, now=now)
        motion = motions.propose(
            session,
            meeting.id,
            staff,
            text="Twin the member cities two by two.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=now + timedelta(hours=1),
            now=now,
        )
        assert motion.id is not None
        motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        number = motion.id
    for voter in voters:
        await voter.wait_for(says(f"Ballot — motion No. {number}"), timeout=60, after=0)
        await voter.press_button("Yes")
        await voter.wait_for(says("You chose: Yes"), timeout=30)
    anchor = (await clerk.transcript())[-1]["message_id"]

    await asyncio.to_thread(bot.freeze)
    for voter in voters:
        await voter.press_button("Confirm")
    await clerk.press(anchor, f"mot:{number}:close", forged=True)
    await asyncio.to_thread(bot.thaw)

    for voter in voters:
        for _ in range(120):
            if await settled(voter, number):
                break
            await asyncio.sleep(0.5)
        else:
            texts = [plain(m.get("text")) for m in (await voter.transcript())[-4:]]
            raise AssertionError(f"{voter.first_name}'s ballot copies still open: {texts}")
    with uow.begin() as session:
        closed = session.get(Motion, number)
        assert closed is not None and closed.state == "closed"
        ballots = session.exec(select(Ballot).where(Ballot.motion_id == number)).all()
        assert closed.yes == len(ballots) and closed.no == closed.abstain == 0
        posts = session.exec(
            select(Notification.key).where(
                Notification.chat_id == group.id, col(Notification.edit_of).is_(None)
            )
        ).all()
        assert motions.RESULT not in posts
    result = await group.client.wait_for(
        group.id, says(f"Result — motion No. {number}"), timeout=60
    )
    assert not buttons(result)
