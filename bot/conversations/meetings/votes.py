"""Motions and ballots in chat: a motion's page, opening and closing the vote, the
private ballot with its confirmation, the group ballot, support for an amendment.

A private ballot shows Yes, No and Abstain; the choice is confirmed before it is
cast, and the confirm button itself carries it, so nothing is stored between the
two presses. A press in the group is confirmed the same way, in the private chat;
the group message shows the tally, refreshed within Telegram's limits. Once a
ballot is cast or changed, every copy of it shows the choice as it stands
(``tallies.show_everywhere``); "Change my vote" turns the copy pressed back into
a ballot, and is refused once the vote is closed.
"""

import enum
from dataclasses import dataclass, replace

from sqlmodel import col, select

from bot.buttons import BallotAgain, BallotConfirm, BallotPick, GroupVote, Support, keyboard
from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations.meetings.callbacks import NewMotion
from bot.conversations.refusals import explained
from bot.engine import Router, Turn
from bot.i18n import Html
from models import Meeting, Motion
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import MotionState
from workflows.charter.meetings import BallotKind
from workflows.charter.roles import STAFF
from workflows.charter.voting import MajorityBase
from workflows.meetings import amendments, ballots, motions, sessions, tallies
from workflows.platform.values import N_

router = Router("votes")


class Act(enum.StrEnum):
    VIEW = "view"
    OPEN = "open"
    CLOSE = "close"
    BALLOT = "ballot"


@dataclass(frozen=True)
class MotionAct(Callback, prefix="mot"):
    motion_id: int
    act: Act


@dataclass(frozen=True)
class MotionBase(Callback, prefix="mob"):
    """The Secretariat's choice of this motion's majority base, before it opens."""

    motion_id: int
    base: MajorityBase


def load(turn: Turn, motion_id: int) -> Motion:
    motion = turn.session.get(Motion, motion_id)
    if motion is None:
        raise NotAllowed("no such motion", reason="not_found")
    return motion


def motion_buttons(turn: Turn, meeting: Meeting) -> Keyboard:
    """The motions of a session, and for the Secretariat a New motion button."""
    rows: Keyboard = []
    for motion in turn.session.exec(
        select(Motion).where(Motion.meeting_id == meeting.id).order_by(col(Motion.id))
    ):
        state = turn.t._(STATES[MotionState(motion.state)])
        label = f"No. {motion.id}: {motion.text[:30]} · {state}"
        rows.append([Button(label, MotionAct(motion.id or 0, Act.VIEW).pack())])
    if turn.roles & STAFF and meeting.state in ("scheduled", "open"):
        rows.append([Button(turn.t._(NEW_MOTION), NewMotion(meeting.id or 0).pack())])
    return rows


def motion_page(turn: Turn, motion: Motion, *, edit: bool = False) -> None:
    t = turn.t
    assert motion.id is not None
    lines = [
        t._(HEADER, **ballots.describe(motion)),
        t._(STATE, state=Html(t._(STATES[MotionState(motion.state)]))),
    ]
    if motion.state == MotionState.COLLECTING_SUPPORT.value:
        lines.append(t._(amendments.SUPPORT_COUNT, **amendments.support_args(turn.session, motion)))
    if motion.state == MotionState.OPEN.value:
        lines.append(t._(VOTED, count=len(ballots.who_voted(turn.session, motion))))
    if motion.state == MotionState.CLOSED.value:
        meeting = sessions.load(turn.session, motion.meeting_id)
        article = sessions.bases_of(turn.session, meeting).article
        lines.append(t._(motions.RESULT, **motions.result_args(motion, article=article)))
    rows: Keyboard = []
    if turn.roles & STAFF:
        if motion.state in (MotionState.DRAFT.value, MotionState.COLLECTING_SUPPORT.value):
            meeting = sessions.load(turn.session, motion.meeting_id)
            current = MajorityBase(motion.majority_base or meeting.majority_base)
            lines.append(
                t.show(
                    sessions.rules_message(
                        replace(sessions.rules_of(meeting), majority_base=current)
                    )
                )
            )
            rows.append(
                [
                    Button(
                        ("✓ " if base is current else "") + t._(BASE_LABELS[base]),
                        MotionBase(motion.id, base).pack(),
                    )
                    for base in MajorityBase
                ]
            )
            rows.append([Button(t._(OPEN_VOTE), MotionAct(motion.id, Act.OPEN).pack())])
        if motion.state == MotionState.OPEN.value:
            rows.append([Button(t._(CLOSE_VOTE), MotionAct(motion.id, Act.CLOSE).pack())])
    if motion.state == MotionState.OPEN.value:
        rows.append([Button(t._(MY_BALLOT), MotionAct(motion.id, Act.BALLOT).pack())])
    rows.append([Button(t._(REFRESH), MotionAct(motion.id, Act.VIEW).pack())])
    text = Html("\n\n".join(lines))
    if edit:
        turn.edit(text, rows)
    else:
        turn.say(text, rows)


@router.button(MotionAct)
@explained
def motion_act(turn: Turn, press: MotionAct) -> None:
    motion = load(turn, press.motion_id)
    now = turn.uow.clock.now()
    if press.act in (Act.OPEN, Act.CLOSE) and not turn.roles & STAFF:
        raise NotAllowed("the Secretariat runs votes", reason="role_not_allowed")
    if press.act is Act.OPEN:
        motions.open_vote(
            turn.session, press.motion_id, turn.user, now=now, settings=turn.uow.settings
        )
        turn.toast(turn.t._(OPENED))
    elif press.act is Act.CLOSE:
        motions.close_motion(turn.session, press.motion_id, turn.user, now=now)
        turn.toast(turn.t._(CLOSED))
    elif press.act is Act.BALLOT:
        ballot(turn, motion)
        return
    motion_page(turn, motion, edit=True)


@router.button(MotionBase)
@explained
def choose_base(turn: Turn, press: MotionBase) -> None:
    motion = motions.choose_majority_base(
        turn.session, press.motion_id, press.base, turn.user, now=turn.uow.clock.now()
    )
    motion_page(turn, motion, edit=True)


def ballot(turn: Turn, motion: Motion) -> None:
    """One more copy of this user's ballot, as it stands, in the private chat."""
    if not ballots.is_open(motion, turn.uow.clock.now()):
        raise NotAllowed("closed", reason="procedure.vote_closed")
    meeting = sessions.load(turn.session, motion.meeting_id)
    voter, member = ballots.voter_of(turn.session, meeting, turn.user, None)
    tallies.send_copy(turn.session, motion, voter, member, turn.user.id, fresh=True)
    turn.toast(turn.t._(BALLOT_SENT))


@router.button(BallotPick)
@explained
def pick(turn: Turn, press: BallotPick) -> None:
    """The first press: show the choice and ask to confirm it."""
    motion = load(turn, press.motion_id)
    _, found = ballots.may_press(
        turn.session, motion, turn.user, member_id=press.member_id or None, now=turn.uow.clock.now()
    )
    # The member pressed for, as may_press found it (the press's member, or none).
    member = found if press.member_id else None
    if motion.ballot == BallotKind.SECRET.value:
        # The confirmation shows the choice: it goes to the voter and nowhere else.
        turn.keep_replies = False
    turn.edit(
        turn.t._(tallies.CONFIRM, **tallies.confirmation_args(motion, press.choice)),
        keyboard(turn.t, tallies.confirmation_buttons(motion, member, press.choice)),
    )


@router.button(BallotAgain)
@explained
def again(turn: Turn, press: BallotAgain) -> None:
    """ "Change my vote", "Choose again": this copy becomes a ballot again, while the vote
    is open; after the close nothing is sent."""
    motion = load(turn, press.motion_id)
    _, found = ballots.may_press(
        turn.session, motion, turn.user, member_id=press.member_id or None, now=turn.uow.clock.now()
    )
    # The member pressed for, as may_press found it (the press's member, or none).
    member = found if press.member_id else None
    turn.edit(
        turn.t._(tallies.PRIVATE_BALLOT, **tallies.ballot_args(turn.session, motion, member)),
        keyboard(turn.t, tallies.ballot_buttons(motion, member)),
    )


@router.button(BallotConfirm)
@explained
def confirm(turn: Turn, press: BallotConfirm) -> None:
    member_id = press.member_id or None
    cast = tallies.cast_and_show(
        turn.session,
        press.motion_id,
        turn.user,
        press.choice,
        member_id=member_id,
        now=turn.uow.clock.now(),
        pressed=(turn.event.chat_id, turn.event.message_id),
    )
    t = turn.t
    if cast.secret:
        # Only this copy may show a secret choice: it is written here, never stored,
        # not even among the replies kept for a crash.
        turn.keep_replies = False
        choice = Html(t._(tallies.LABELS[press.choice]))
        turn.edit(t._(SECRET_CAST, number=str(press.motion_id), choice=choice))
    elif not cast.on_copy:
        # A ballot sent before copies were kept: answered here, as nothing else edits it.
        motion = load(turn, press.motion_id)
        meeting = sessions.load(turn.session, motion.meeting_id)
        voter, member = ballots.voter_of(turn.session, meeting, turn.user, member_id)
        key, args, stored = tallies.copy_content(turn.session, motion, voter, member)
        turn.edit(t.key(key, **args), keyboard(turn.t, stored))
    # Otherwise a named ballot's copies, this one included, are edited through the
    # outbox in the order of the changes: an answer sent from here could land after
    # the close's edit and put "Change my vote" back on a closed ballot.
    turn.toast(t._(RECORDED))


@router.button(GroupVote)
@explained
def group_vote(turn: Turn, press: GroupVote) -> None:
    """A press on the group's tally casts nothing: it is confirmed in private first."""
    motion = load(turn, press.motion_id)
    if motion.ballot == BallotKind.SECRET.value:
        raise NotAllowed("secret ballots are private", reason="procedure.secret_in_private")
    voter, member = ballots.may_press(turn.session, motion, turn.user, now=turn.uow.clock.now())
    t = turn.t
    choice = Html(t._(tallies.LABELS[press.choice]))
    if ballots.current_choice(turn.session, motion, voter) is press.choice:
        turn.toast(t._(tallies.NAMED_CAST, number=str(motion.id), choice=choice), alert=True)
        return
    tallies.ask_to_confirm(turn.session, motion, voter, member, turn.user, press.choice)
    turn.toast(t._(CONFIRM_PRIVATELY, number=str(motion.id), choice=choice), alert=True)


@router.button(Support)
@explained
def support(turn: Turn, press: Support) -> None:
    new = amendments.support(
        turn.session, press.motion_id, press.member_id, turn.user, now=turn.uow.clock.now()
    )
    motion = load(turn, press.motion_id)
    args = amendments.support_args(turn.session, motion)
    turn.toast(turn.t._(SUPPORTED if new else ALREADY_SUPPORTED))
    turn.edit(turn.t._(amendments.SUPPORT_COUNT, **args))


STATES = {
    MotionState.DRAFT: N_("not yet open"),
    MotionState.COLLECTING_SUPPORT: N_("collecting support"),
    MotionState.OPEN: N_("voting"),
    MotionState.CLOSED: N_("closed"),
    MotionState.WITHDRAWN: N_("withdrawn"),
}
NEW_MOTION = N_("New motion")
HEADER = N_("<b>Motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\nCloses: {closes}")
STATE = N_("State: {state}")
VOTED = N_("Ballots so far: {count}")
OPEN_VOTE = N_("Open the vote")
CLOSE_VOTE = N_("Close the vote now")
MY_BALLOT = N_("My ballot")
REFRESH = N_("Refresh")
OPENED = N_("The vote is open; ballots were sent.")
CLOSED = N_("The vote is closed; the result was announced.")
SECRET_CAST = N_(
    "✅ Your secret ballot on motion No. {number} is cast: {choice}. It is recorded sealed, so "
    "that nobody can tell it is yours, and cannot be changed."
)
BALLOT_SENT = N_("Your ballot is on its way to our private chat.")
CONFIRM_PRIVATELY = N_(
    "You chose {choice} on motion No. {number}. Nothing is counted yet: confirm it in our "
    "private chat."
)
RECORDED = N_("Recorded.")
SUPPORTED = N_("Your support is counted.")
ALREADY_SUPPORTED = N_("Your member's support was already counted.")
#: A majority base as its button says it (a session's page, a motion's page).
BASE_LABELS = {
    MajorityBase.YES_NO: N_("Majority of Yes+No"),
    MajorityBase.YES_NO_ABSTAIN: N_("of Yes+No+Abstain"),
    MajorityBase.PRESENT: N_("of all present"),
}
