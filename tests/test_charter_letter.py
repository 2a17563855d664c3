"""The charter to the letter, through the workflows: one city one member (Art. 13, 25),
the Board of Trustees' amendments (Art. 30), a board's quorum on its seats (Art. 6),
support that outlives its supporters (Art. 30), the voting right that follows what is
owed (Art. 22, 25), and one place that says who proposes a motion."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.buttons import keyboard
from bot.chat import Button
from bot.i18n import text_for
from models import Application, Member, Motion, Notification, Representation, User
from tests.meetings_world import assembly, board_meeting, clerk, member, person
from tests.test_fees import MAYOR, open_default, run_until, world  # noqa: F401
from workflows.charter.bodies import Body, SeatKind
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import MOTION, MotionEvent, SuspensionEvent
from workflows.charter.meetings import BallotKind, Choice, SessionKind
from workflows.charter.roles import Role
from workflows.charter.voting import MajorityBase, MotionKind
from workflows.fees import voting_rights
from workflows.meetings import amendments, attendance, ballots, motions, seats, sessions
from workflows.meetings.minutes import Minutes
from workflows.membership import applications, suspensions
from workflows.platform import people
from workflows.platform.clock import FrozenClock
from workflows.platform.settings import Settings
from workflows.platform.unit_of_work import UnitOfWork

# --- One city, one member (Art. 12, 13, 19, 25) -------------------------------


def apply(
    session: Session, applicant: User, name_en: str, name_ar: str, *, uow: UnitOfWork
) -> Application:
    now = uow.clock.now()
    draft = applications.start_draft(session, applicant, now=now)
    applications.fill(
        session,
        draft,
        applicant,
        category="full",
        name_en=name_en,
        name_ar=name_ar,
        country="MA",
        signatory_name="Mayor",
        signatory_title="President of the communal council",
        contact="mayor@example.ma",
        adheres=True,
        letter_file_id="letter",
    )
    applications.submit(session, draft, applicant, now=now, settings=uow.settings)
    return draft


def test_a_city_is_one_member_whoever_applies_for_it(uow: UnitOfWork) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        general = person(session, 2, "Secretary-General")
        people.grant_role(session, user_id=2, role=Role.SECRETARY_GENERAL, actor_id=None)
        first = apply(session, person(session, 10, "Mayor"), "Fez", "فاس", uow=uow)
        # The same city, written otherwise in English: the same in Arabic, vowelled.
        second = apply(session, person(session, 11, "Deputy"), "Fès", "فَاس", uow=uow)
        assert first.id is not None and second.id is not None
        assert applications.same_city_as(session, second) == first
        text = applications.summary(session, second, heading=applications.SCREEN_HEADING)
        assert text.key == applications.WITH_WARNING
        assert text.args["warning"].args["number"] == str(first.id)
        link = applications.same_city_buttons(session, second)
        assert keyboard(text_for("en"), link) == [
            [Button("Open the application of the same city", f"ahist:{first.id}")]
        ]
        for application in (first, second):
            assert application.id is not None
            applications.forward(session, application.id, staff, now=now, settings=uow.settings)
        with pytest.raises(NotAllowed) as refused:
            applications.admit(session, second.id, general, now=now)
        assert refused.value.reason == "art13.city_applied_for"
        # Nor the first while the second is open: the Secretary-General decides which.
        with pytest.raises(NotAllowed):
            applications.admit(session, first.id, general, now=now)
        applications.reject(session, second.id, general, "the mayor applied", now=now)
        fez = applications.admit(session, first.id, general, now=now)
        # The deputy applies again once Fez is a member: joined to it, not a second member.
        again = apply(session, person(session, 11, "Deputy"), "FEZ", "فاس", uow=uow)
        assert applications.same_city_as(session, again) == fez
        assert again.id is not None
        applications.forward(session, again.id, staff, now=now, settings=uow.settings)
        joined = applications.admit(session, again.id, general, now=now)
        assert joined.id == fez.id
        assert len(session.exec(select(Member)).all()) == 1
        representatives = session.exec(
            select(Representation.user_id).where(Representation.member_id == fez.id)
        ).all()
        assert sorted(representatives) == [10, 11]


def test_other_categories_are_persons_not_cities(uow: UnitOfWork) -> None:
    with uow.begin() as session:
        first = apply(session, person(session, 10, "A"), "Fez", "فاس", uow=uow)
        other = applications.start_draft(session, person(session, 12, "B"), now=uow.clock.now())
        other.category, other.country, other.name_en = "associate", "MA", "Fez"
        assert first.id is not None
        assert applications.same_city_as(session, other) is None


# --- The Board of Trustees' amendments (Art. 30) -----------------------------


def board(session: Session, staff: User, now: datetime, seated: int) -> tuple[int, list[User]]:
    trustees = [person(session, 300 + i, f"Trustee {i}") for i in range(seated)]
    return board_meeting(session, staff, trustees, now=now), trustees


def passed(
    session: Session, meeting_id: int, staff: User, voters: list[User], now: datetime, **kw: object
) -> Motion:
    motion = motions.propose(
        session,
        meeting_id,
        staff,
        ballot=BallotKind.NAMED,
        closes_at=None,
        now=now,
        **kw,  # type: ignore[arg-type]
    )
    assert motion.id is not None
    motions.open_vote(session, motion.id, staff, now=now, settings=Settings())
    for voter in voters:
        ballots.cast_ballot(session, motion.id, voter, Choice.YES, now=now)
    return motions.close_motion(session, motion.id, staff, now=now)


def test_only_a_passed_trustees_amendment_is_a_source_and_its_text_is_carried(
    uow: UnitOfWork,
) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        board_id, trustees = board(session, staff, now, seated=5)
        catering = passed(
            session,
            board_id,
            staff,
            trustees,
            now,
            text="Approve the catering budget.",
            kind=MotionKind.ORDINARY,
        )
        amendment = passed(
            session,
            board_id,
            staff,
            trustees,
            now,
            text="Amend Art. 23: sessions every year.",
            kind=MotionKind.CHARTER_AMENDMENT,
        )
        assert catering.result == amendment.result == "passed"
        member(session, person(session, 400, "Mayor"), "Fez")
        meeting_id = assembly(session, staff, uow.clock)
        sessions.open_session(session, meeting_id, staff, now=now)

        def propose(source: int | None, text: str = "Anything at all.") -> Motion:
            return motions.propose(
                session,
                meeting_id,
                staff,
                text=text,
                kind=MotionKind.CHARTER_AMENDMENT,
                ballot=BallotKind.NAMED,
                closes_at=None,
                source_motion_id=source,
                now=now,
            )

        with pytest.raises(NotAllowed) as ordinary:
            propose(catering.id)
        assert ordinary.value.reason == "art30.source_not_an_amendment"
        with pytest.raises(NotAllowed) as unknown:
            propose(999_999)
        assert unknown.value.reason == "art30.source_not_passed_by_trustees"
        assert [m.id for m in amendments.passed_trustees_amendments(session)] == [amendment.id]
        carried = propose(amendment.id, text="Retyped, and changed.")
        assert carried.text == "Amend Art. 23: sessions every year."
        assert carried.state == "draft"
        with pytest.raises(NotAllowed) as twice:
            propose(amendment.id)
        assert twice.value.reason == "art30.source_already_proposed"
        assert amendments.passed_trustees_amendments(session) == []


# --- A board's quorum is counted on its seats (Art. 6) -----------------------


def test_one_trustee_of_nine_is_no_quorum_and_the_page_says_so(uow: UnitOfWork) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        trustee = person(session, 300, "Trustee")
        seats.assign(session, Body.TRUSTEES, SeatKind.MAYOR, trustee, staff, now=now)
        meeting = sessions.convene(
            session,
            sessions.Convening(
                body=Body.TRUSTEES,
                kind=SessionKind.REGULAR,
                title="Board",
                starts_at=now,
                time_zone="UTC",
            ),
            staff,
            now=now,
        )
        assert sessions.seating_shortfall(session, meeting) == {
            "body": sessions.seating_shortfall(session, meeting)["body"],  # type: ignore[index]
            "seated": 1,
            "seats": 9,
            "needed": 5,
            "article": 6,
        }
        assert meeting.id is not None
        sessions.open_session(session, meeting.id, staff, now=now)
        attendance.check_in(session, meeting.id, trustee, now=now)
        motion = passed(
            session,
            meeting.id,
            staff,
            [trustee],
            now,
            text="Approve the catering budget.",
            kind=MotionKind.ORDINARY,
        )
        assert (motion.result, motion.quorum_total, motion.quorum_attending) == (
            "no_quorum",
            9,
            1,
        )
        board_line = sessions.board_args(session, meeting)["quorum"]
        assert (board_line.key, board_line.args["article"]) == (sessions.QUORUM_NOT_MET, 6)


# --- Support that outlives its supporters (Art. 30) --------------------------


def test_support_of_members_who_withdrew_since_cannot_break_the_motion(uow: UnitOfWork) -> None:
    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        reps = [person(session, 100 + i, f"Mayor {i}") for i in range(3)]
        cities = [member(session, rep, f"City {i}") for i, rep in enumerate(reps)]
        meeting_id = assembly(session, staff, uow.clock)
        sessions.open_session(session, meeting_id, staff, now=now)
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Amend Art. 23.",
            kind=MotionKind.CHARTER_AMENDMENT,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        for rep, city in zip(reps, cities, strict=True):
            assert city.id is not None
            amendments.support(session, motion.id, city.id, rep, now=now)
        for city in cities[:2]:
            city.standing = "withdrawn"
            session.add(city)
        session.flush()
        assert amendments.support_args(session, motion)["supporters"] == 1
        assert amendments.support_args(session, motion)["full"] == 1
        opened = motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        assert opened.state == "open"


# --- The voting right follows what is owed (Art. 22, 25) ---------------------


def test_a_member_reinstated_after_the_grace_date_is_suspended_for_its_fees(
    uow: UnitOfWork,
    clock: FrozenClock,
    world: dict[str, int],  # noqa: F811
) -> None:
    open_default(uow, clock)
    with uow.begin() as session:
        general = person(session, 9, "Secretary-General")
        people.grant_role(session, user_id=9, role=Role.SECRETARY_GENERAL, actor_id=None)
        staff = session.get(User, 100)
        assert staff is not None
        case = suspensions.propose(
            session, world["fez"], staff, "a breach", now=clock.now(), settings=uow.settings
        )
        suspensions.decide(session, case.id or 0, SuspensionEvent.SUSPEND, general, now=clock.now())
    # The grace period ends while Fez is suspended under Art. 22.
    run_until(uow, clock, datetime(2027, 6, 30, 7, tzinfo=UTC))
    with uow.begin() as session:
        fez = session.get(Member, world["fez"])
        assert fez is not None and (fez.standing, fez.voting_right) == ("suspended", "active")
        staff, general = session.get(User, 100), session.get(User, 9)
        assert staff is not None and general is not None
        lift = suspensions.propose_lift(
            session, world["fez"], staff, "remedied", now=clock.now(), settings=uow.settings
        )
        suspensions.decide(session, lift.id or 0, SuspensionEvent.LIFT, general, now=clock.now())
    with uow.begin() as session:
        fez = session.get(Member, world["fez"])
        assert fez is not None
        assert (fez.standing, fez.voting_right) == ("active", "suspended_for_fees")


def test_when_the_council_decides_the_secretariat_is_told_of_a_reinstated_debtor(
    uow: UnitOfWork,
    clock: FrozenClock,
    world: dict[str, int],  # noqa: F811
) -> None:
    uow.settings.fees_suspend_automatically = False
    open_default(uow, clock)
    with uow.begin() as session:
        general = person(session, 9, "Secretary-General")
        people.grant_role(session, user_id=9, role=Role.SECRETARY_GENERAL, actor_id=None)
        staff = session.get(User, 100)
        assert staff is not None
        case = suspensions.propose(
            session, world["fez"], staff, "a breach", now=clock.now(), settings=uow.settings
        )
        suspensions.decide(session, case.id or 0, SuspensionEvent.SUSPEND, general, now=clock.now())
    run_until(uow, clock, datetime(2027, 6, 30, 7, tzinfo=UTC))
    with uow.begin() as session:
        staff, general = session.get(User, 100), session.get(User, 9)
        assert staff is not None and general is not None
        lift = suspensions.propose_lift(
            session, world["fez"], staff, "remedied", now=clock.now(), settings=uow.settings
        )
        suspensions.decide(session, lift.id or 0, SuspensionEvent.LIFT, general, now=clock.now())
    with uow.begin() as session:
        fez = session.get(Member, world["fez"])
        assert fez is not None and (fez.standing, fez.voting_right) == ("active", "active")
        told = session.exec(
            select(Notification).where(
                Notification.chat_id == 100, Notification.key == voting_rights.REINSTATED_OWES
            )
        ).all()
        assert [n.args["member"] for n in told] == ["Fez"]


# --- One place says who proposes (the motion machine) ------------------------


@pytest.mark.parametrize("role", list(Role))
def test_whoever_the_machine_lets_propose_may_and_no_one_else(uow: UnitOfWork, role: Role) -> None:
    with uow.begin() as session:
        staff = clerk(session)
        meeting_id = assembly(session, staff, uow.clock)
        someone = person(session, 50, "Someone")
        if role is not Role.GUEST:
            people.grant_role(session, user_id=50, role=role, actor_id=None)
        allowed = bool(MOTION.roles_for(None, MotionEvent.PROPOSE) & {role, Role.GUEST})
        try:
            motions.propose(
                session,
                meeting_id,
                someone,
                text="Hold the next session in Fez.",
                kind=MotionKind.ORDINARY,
                ballot=BallotKind.NAMED,
                closes_at=None,
                now=uow.clock.now(),
            )
            proposed = True
        except NotAllowed as refused:
            assert refused.reason == "role_not_allowed"
            proposed = False
        assert proposed == allowed


# --- The session's reading, frozen, on the board, the result and the minutes --


def test_the_base_is_the_bodys_overridable_per_motion_and_fixed_once_open(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    from bot.conversations.meetings.minutes_pdf import as_pdf
    from bot.i18n import text_for
    from tests.test_minutes_pdf import POPPLER, pdf_text

    now = uow.clock.now()
    with uow.begin() as session:
        staff = clerk(session)
        reps = [person(session, 100 + i, f"Mayor {i}") for i in range(4)]
        cities = [member(session, rep, f"City {i}") for i, rep in enumerate(reps)]
        cities[3].voting_right = "suspended_for_fees"
        sessions.choose_body_base(session, Body.ASSEMBLY, MajorityBase.PRESENT, staff, now=now)
        meeting_id = assembly(session, staff, uow.clock)
        meeting = sessions.load(session, meeting_id)
        assert meeting.majority_base == "present"
        # The session counts members suspended for fees among the full members.
        sessions.choose_rules(
            session,
            meeting_id,
            staff,
            majority_base=MajorityBase.PRESENT,
            fee_suspended_in_quorum_base=True,
            now=now,
        )
        sessions.open_session(session, meeting_id, staff, now=now)
        with pytest.raises(NotAllowed) as fixed:
            sessions.choose_rules(
                session, meeting_id, staff, majority_base=MajorityBase.YES_NO, now=now
            )
        assert fixed.value.reason == "procedure.rules_fixed_once_open"
        for rep, city in list(zip(reps, cities, strict=True))[:3]:
            attendance.check_in(session, meeting_id, rep, member_id=city.id, now=now)
        board = sessions.board_args(session, meeting)
        assert (board["quorum"].args["attending"], board["quorum"].args["total"]) == (3, 4)
        motion = motions.propose(
            session,
            meeting_id,
            staff,
            text="Hold the next session in Fez.",
            kind=MotionKind.ORDINARY,
            ballot=BallotKind.NAMED,
            closes_at=None,
            now=now,
        )
        assert motion.id is not None
        with pytest.raises(NotAllowed):
            motions.choose_majority_base(session, motion.id, MajorityBase.YES_NO, reps[0], now=now)
        motions.choose_majority_base(session, motion.id, MajorityBase.YES_NO, staff, now=now)
        motions.open_vote(session, motion.id, staff, now=now, settings=uow.settings)
        with pytest.raises(NotAllowed):
            motions.choose_majority_base(session, motion.id, MajorityBase.PRESENT, staff, now=now)
        ballots.cast_ballot(
            session, motion.id, reps[0], Choice.YES, member_id=cities[0].id, now=now
        )
        closed = motions.close_motion(session, motion.id, staff, now=now)
        # Yes+No for this motion: 1 Yes of 1 passes; of the 3 present it would not.
        assert (closed.result, closed.votes_cast, closed.quorum_total) == ("passed", 1, 4)
        minutes = minutes_of(session, meeting_id, staff)
    if not POPPLER:
        pytest.skip("reading the minutes PDF needs poppler-utils (pdftotext)")
    english = " ".join(pdf_text(as_pdf(text_for("en"), minutes), tmp_path).split())
    assert (
        "Majority of: all the voting members present (Art. 26). Members suspended for fees: "
        "counted among the full members, their presence not (Art. 25)."
    ) in english
    assert "Majority of: Yes and No (abstentions are not counted)" in english
    assert "Art. 26: Yes won a simple majority of the votes cast." in english


def minutes_of(session: Session, meeting_id: int, staff: User) -> Minutes:
    from workflows.meetings import minutes

    return minutes.gather(session, meeting_id, staff)
