"""Ballots out, the live tally in the session's group, and reminders before the close.

Ballots go to the person who checked in for a voter (else the member's speakers);
the group's ballot message is refreshed within Telegram's group limits
(``live``); reminders go only to those entitled who have not voted.

A voter may hold several copies of their ballot: the one sent when the vote
opened, a reminder, one asked for again, the confirmation of a press in the
group. Each is an outbox row whose dedupe key names the motion and the voter
(``copy_key``), so that every copy can be found again: when the voter's choice
changes, all of them are edited to show it, and at the close all of them lose
their buttons and show the result.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from models import Ballot, Meeting, Member, Motion, Notification, SecretParticipation, User
from workflows.charter.machines import MotionState
from workflows.charter.meetings import BallotKind, Choice
from workflows.meetings import ballots, sessions
from workflows.platform import live, outbox, schedule
from workflows.platform.buttons import Button
from workflows.platform.values import Message, message

TALLY = ballots.TALLY
REMIND = "motion.remind"
#: How many voters' names a group tally lists before "and N more" (4096 characters).
NAMES_SHOWN = 30


@dataclass(frozen=True)
class PickButton(Button, kind="ballot.pick"):
    """On a private ballot: the choice, to be confirmed."""

    motion_id: int
    member_id: int
    choice: Choice


@dataclass(frozen=True)
class CastButton(Button, kind="ballot.cast"):
    """Under the choice to confirm: cast it."""

    motion_id: int
    member_id: int
    choice: Choice


@dataclass(frozen=True)
class PickAgainButton(Button, kind="ballot.pick_again"):
    """Under the choice to confirm: choose another instead."""

    motion_id: int
    member_id: int


@dataclass(frozen=True)
class ChangeVoteButton(Button, kind="ballot.change"):
    """Under a named vote cast while the vote is open: change it."""

    motion_id: int
    member_id: int


@dataclass(frozen=True)
class GroupVoteButton(Button, kind="ballot.group_vote"):
    """Under a named vote's tally in a group: vote there."""

    motion_id: int
    choice: Choice


def voter_name(session: Session, voter: str) -> Message | str:
    if voter.startswith("m"):
        member = session.get(Member, int(voter[1:]))
        return sessions.member_name(member) if member else voter
    user = session.get(User, int(voter[1:]))
    return user.first_name if user else voter


def voter_names(session: Session, voters: list[str]) -> list[Message | str]:
    """:func:`voter_name` of each, read in two statements whatever their number."""
    member_ids = [int(v[1:]) for v in voters if v.startswith("m")]
    user_ids = [int(v[1:]) for v in voters if not v.startswith("m")]
    members = {
        f"m{m.id}": sessions.member_name(m)
        for m in (
            session.exec(select(Member).where(col(Member.id).in_(member_ids))) if member_ids else []
        )
    }
    users = {
        f"u{u.id}": u.first_name
        for u in (session.exec(select(User).where(col(User.id).in_(user_ids))) if user_ids else [])
    }
    found: dict[str, Message | str] = {**members, **users}
    return [found.get(v, v) for v in voters]


def ballot_args(session: Session, motion: Motion, member: Member | None) -> dict[str, Any]:
    return {**ballots.describe(motion), "member": sessions.member_name(member) if member else ""}


def ballot_buttons(motion: Motion, member: Member | None) -> list[list[Button]]:
    member_id = member.id or 0 if member else 0
    return [[PickButton(motion.id or 0, member_id, choice) for choice in Choice]]


def copy_key(motion_id: int | None, voter: str, chat_id: int, *, fresh: bool = False) -> str:
    """The dedupe key of a ballot copy; ``fresh`` for one more copy in the same chat."""
    key = f"motion:{motion_id}:ballot:{voter}:{chat_id}"
    return f"{key}:{secrets.token_hex(4)}" if fresh else key


#: Copies of ballots, by the patterns of their dedupe keys: built once, every cast asks.
_COPIES = (
    select(Notification)
    .where(
        or_(
            col(Notification.dedupe_key).like(bindparam("ballots")),
            col(Notification.dedupe_key).like(bindparam("reminders")),
        ),
        col(Notification.edit_of).is_(None),
        col(Notification.failed_at).is_(None),
    )
    .order_by(col(Notification.id))
)


def copies(session: Session, motion_id: int | None, voter: str | None = None) -> list[Notification]:
    """Every copy of ``voter``'s ballot (of every voter's when None), reminders included."""
    who = f"{voter}:" if voter else ""
    return list(
        session.exec(
            _COPIES,
            params={
                "ballots": f"motion:{motion_id}:ballot:{who}%",
                "reminders": f"motion:{motion_id}:remind:{who}%",
            },
        )
    )


def is_copy(session: Session, motion_id: int, chat_id: int, message_id: int | None) -> bool:
    """Whether the message (chat, message id) is a kept copy of a ballot on the motion."""
    found = session.exec(
        select(Notification.id).where(
            Notification.chat_id == chat_id,
            Notification.telegram_message_id == message_id,
            col(Notification.edit_of).is_(None),
            or_(
                col(Notification.dedupe_key).like(f"motion:{motion_id}:ballot:%"),
                col(Notification.dedupe_key).like(f"motion:{motion_id}:remind:%"),
            ),
        )
    ).first()
    return found is not None


def voter_of_copy(copy: Notification) -> str:
    return (copy.dedupe_key or "").split(":")[3]


def copy_content(
    session: Session, motion: Motion, voter: str, member: Member | None
) -> tuple[str, dict[str, Any], list[list[Button]]]:
    """What a copy of ``voter``'s ballot shows now: the choices, or the choice recorded.
    A secret ballot's copies say only that it was cast, never what."""
    number = {"number": str(motion.id)}
    if motion.ballot == BallotKind.SECRET.value:
        cast = session.exec(
            select(SecretParticipation.id).where(
                SecretParticipation.motion_id == motion.id, SecretParticipation.voter == voter
            )
        ).first()
        if cast is not None:
            return SECRET_CAST_COPY, number, []
    else:
        ballot = session.exec(
            select(Ballot).where(Ballot.motion_id == motion.id, Ballot.voter == voter)
        ).first()
        if ballot is not None:
            member_id = member.id or 0 if member else 0
            return (
                CHANGED if ballot.changed_at is not None else NAMED_CAST,
                {**number, "choice": message(LABELS[Choice(ballot.choice)])},
                [[ChangeVoteButton(motion.id or 0, member_id)]],
            )
    return PRIVATE_BALLOT, ballot_args(session, motion, member), ballot_buttons(motion, member)


def _content(
    motion: Motion, voter: str, member: Member | None, cast: Ballot | bool | None
) -> tuple[str, dict[str, Any], list[list[Button]]] | None:
    """:func:`copy_content` once the voter's ballot is read: ``cast`` is the named
    ballot, or for a secret one whether it was cast; None when still to choose."""
    number = {"number": str(motion.id)}
    if cast is True:
        return SECRET_CAST_COPY, number, []
    if isinstance(cast, Ballot):
        member_id = member.id or 0 if member else 0
        return (
            CHANGED if cast.changed_at is not None else NAMED_CAST,
            {**number, "choice": message(LABELS[Choice(cast.choice)])},
            [[ChangeVoteButton(motion.id or 0, member_id)]],
        )
    return None


def casts(session: Session, motion: Motion) -> dict[str, Ballot | bool]:
    """Every voter's ballot on the motion so far, read at once: the named ballot, or
    for a secret motion only that it was cast."""
    if motion.ballot == BallotKind.SECRET.value:
        return dict.fromkeys(ballots.who_voted(session, motion), True)
    return {ballot.voter: ballot for ballot in ballots.roll_call(session, motion)}


def send_ballots(session: Session, motion: Motion, meeting: Meeting) -> int:
    """A ballot to everyone entitled, in a fixed number of statements however many
    they are (a vote opened for 2,000 members is a handful of queries, not 14,000).
    Returns how many are entitled."""
    cast = casts(session, motion)
    described = ballots.describe(motion)
    voters = ballots.entitled_voters(session, meeting, with_recipients=True)
    owed: list[outbox.Owed] = []
    for voter in voters:
        content = _content(motion, voter.key, voter.member, cast.get(voter.key))
        if content is None:
            content = (
                PRIVATE_BALLOT,
                {**described, "member": sessions.member_name(voter.member) if voter.member else ""},
                ballot_buttons(motion, voter.member),
            )
        key, args, buttons = content
        owed.extend(
            outbox.Owed(
                chat_id=chat_id,
                key=key,
                args=args,
                buttons=buttons,
                dedupe_key=copy_key(motion.id, voter.key, chat_id),
            )
            for chat_id in voter.recipients
        )
    outbox.notify_many(session, owed)
    return len(voters)


def send_ballot(
    session: Session, motion: Motion, meeting: Meeting, voter: str, member: Member | None
) -> None:
    for chat_id in ballots.recipients(session, meeting, voter, member):
        send_copy(session, motion, voter, member, chat_id)


def send_copy(
    session: Session,
    motion: Motion,
    voter: str,
    member: Member | None,
    chat_id: int,
    *,
    fresh: bool = False,
) -> None:
    """A copy of the voter's ballot as it stands; ``fresh``: one more, asked for again."""
    key, args, buttons = copy_content(session, motion, voter, member)
    outbox.notify(
        session,
        chat_id=chat_id,
        key=key,
        args=args,
        buttons=buttons,
        dedupe_key=copy_key(motion.id, voter, chat_id, fresh=fresh),
    )


def confirmation_args(motion: Motion, choice: Choice) -> dict[str, Any]:
    secret = motion.ballot == BallotKind.SECRET.value
    return {
        "number": str(motion.id),
        "text": motion.text,
        "choice": message(LABELS[choice]),
        "final": message(SECRET_FINAL if secret else NAMED_CHANGE),
    }


def confirmation_buttons(
    motion: Motion, member: Member | None, choice: Choice
) -> list[list[Button]]:
    member_id = member.id or 0 if member else 0
    motion_id = motion.id or 0
    return [[CastButton(motion_id, member_id, choice), PickAgainButton(motion_id, member_id)]]


def ask_to_confirm(
    session: Session, motion: Motion, voter: str, member: Member | None, user: User, choice: Choice
) -> None:
    """A press in the group is confirmed in private, like a private ballot: a named
    ballot's choice may sit in the outbox, a secret one is never pressed in a group."""
    outbox.notify(
        session,
        chat_id=user.id,
        key=CONFIRM,
        args=confirmation_args(motion, choice),
        buttons=confirmation_buttons(motion, member, choice),
        dedupe_key=copy_key(motion.id, voter, user.id, fresh=True),
    )


def show_everywhere(
    session: Session,
    motion: Motion,
    voter: str,
    member: Member | None,
    *,
    now: datetime,
    skip: tuple[int, int | None] | None = None,
    content: tuple[str, dict[str, Any], list[list[Button]]] | None = None,
) -> list[tuple[int, int | None]]:
    """Edit every copy of the voter's ballot to show it as it stands; ``skip`` is the
    (chat, message) the voter pressed, already answered in place; ``content``, what
    the copies show if already known (:func:`copy_content` otherwise). Returns the
    (chat, message) of every copy."""
    key, args, buttons = content or copy_content(session, motion, voter, member)
    held = copies(session, motion.id, voter)
    for copy in held:
        if skip is not None and (copy.chat_id, copy.telegram_message_id) == skip:
            continue
        live.edit(
            session,
            target_id=copy.id or 0,
            key=key,
            args=args,
            buttons=buttons,
            now=now,
            target=copy,
        )
    return [(copy.chat_id, copy.telegram_message_id) for copy in held]


@dataclass(frozen=True)
class Shown:
    """A ballot cast and shown on the voter's copies."""

    cast: ballots.Cast
    #: Whether the message confirmed on is a kept copy of a ballot on the motion (asked
    #: of named ballots only: a secret one is answered in place whatever it is).
    on_copy: bool

    @property
    def secret(self) -> bool:
        return self.cast.secret


def cast_and_show(
    session: Session,
    motion_id: int,
    user: User,
    choice: Choice,
    *,
    member_id: int | None,
    now: datetime,
    pressed: tuple[int, int | None] | None = None,
) -> Shown:
    """Cast the ballot, then show it on every copy the voter holds. ``pressed``, the
    (chat, message) confirmed on, is answered by the bot in place; a secret ballot's
    copy there is the only one that may show the choice, so it is left out."""
    cast = ballots.cast_ballot(session, motion_id, user, choice, member_id=member_id, now=now)
    motion = cast.motion or session.get_one(Motion, motion_id)
    # What the copies show follows from the cast itself: a secret ballot is cast, a
    # named one stands as its row now says.
    content = _content(motion, cast.voter, cast.member, True if cast.secret else cast.ballot)
    shown = show_everywhere(
        session,
        motion,
        cast.voter,
        cast.member,
        now=now,
        skip=pressed if cast.secret else None,
        content=content,
    )
    on_copy = (
        not cast.secret
        and pressed is not None
        and (pressed in shown or is_copy(session, motion_id, pressed[0], pressed[1]))
    )
    return Shown(cast, on_copy)


def close_copies(
    session: Session, motion: Motion, result: dict[str, Any], *, now: datetime
) -> None:
    """At the close every copy of every ballot loses its buttons and shows the result."""
    secret = motion.ballot == BallotKind.SECRET.value
    choices = {row.voter: Choice(row.choice) for row in ballots.roll_call(session, motion)}
    voted = set(ballots.who_voted(session, motion))
    for copy in copies(session, motion.id):
        voter = voter_of_copy(copy)
        if voter not in voted:
            yours = message(DID_NOT_VOTE)
        elif secret:
            yours = message(SECRET_COUNTED)
        else:
            yours = message(YOUR_VOTE, choice=message(LABELS[choices[voter]]))
        live.edit(
            session,
            target_id=copy.id or 0,
            key=BALLOT_CLOSED,
            args={**result, "yours": yours},
            buttons=[],
            now=now,
        )


def send_open_ballots(
    session: Session, meeting: Meeting, voter: str, member: Member | None, *, now: datetime
) -> None:
    """Someone just checked in: their ballots for the votes already open."""
    if not ballots.entitlement(session, meeting, voter, member):
        return
    for motion in session.exec(
        select(Motion).where(
            Motion.meeting_id == meeting.id, Motion.state == MotionState.OPEN.value
        )
    ):
        if ballots.is_open(motion, now):
            send_ballot(session, motion, meeting, voter, member)


def tally_args(
    session: Session, motion: Motion, meeting: Meeting, *, entitled: int | None = None
) -> dict[str, Any]:
    """The group's tally; ``entitled``, the number of voters entitled if just counted."""
    secret = motion.ballot == BallotKind.SECRET.value
    voters = ballots.who_voted(session, motion)
    names: list[Message | str] = voter_names(session, voters[:NAMES_SHOWN])
    if len(voters) > NAMES_SHOWN:
        names.append(message(AND_MORE, count=len(voters) - NAMES_SHOWN))
    if secret:
        # A secret ballot's running counts are never written anywhere: their changes,
        # next to the times of participation, would tell who chose what.
        counts = message(SECRET_COUNTS)
    else:
        tally = ballots.count(session, motion)
        counts = message(
            NAMED_COUNTS, yes=tally[Choice.YES], no=tally[Choice.NO], abstain=tally[Choice.ABSTAIN]
        )
    return {
        **ballots.describe(motion),
        "voted": len(voters),
        "entitled": ballots.count_entitled(session, meeting) if entitled is None else entitled,
        "counts": counts,
        "names": names or "—",
    }


def group_buttons(motion: Motion) -> list[list[Button]]:
    if motion.ballot == BallotKind.SECRET.value:
        return []
    return [[GroupVoteButton(motion.id or 0, choice) for choice in Choice]]


@schedule.handles(TALLY)
def refresh_tally(session: Session, args: dict[str, Any], now: datetime) -> None:
    motion = session.get(Motion, args["subject_id"])
    if motion is None or motion.group_ballot_id is None or motion.state != MotionState.OPEN.value:
        return
    meeting = sessions.load(session, motion.meeting_id)
    live.edit(
        session,
        target_id=motion.group_ballot_id,
        key=GROUP_BALLOT,
        args=tally_args(session, motion, meeting),
        buttons=group_buttons(motion),
        now=now,
    )


@schedule.handles(REMIND)
def remind(session: Session, args: dict[str, Any], now: datetime) -> None:
    """Before the close, only those entitled who have not voted are reminded."""
    motion = session.get(Motion, args["motion_id"])
    if motion is None or not ballots.is_open(motion, now):
        return
    meeting = sessions.load(session, motion.meeting_id)
    voted = set(ballots.who_voted(session, motion))
    outbox.notify_many(
        session,
        [
            outbox.Owed(
                chat_id=chat_id,
                key=REMINDER,
                args=ballot_args(session, motion, voter.member),
                buttons=ballot_buttons(motion, voter.member),
                dedupe_key=f"motion:{motion.id}:remind:{voter.key}:{chat_id}",
            )
            for voter in ballots.entitled_voters(session, meeting, with_recipients=True)
            if voter.key not in voted
            for chat_id in voter.recipients
        ],
    )


LABELS = {
    Choice.YES: "tallies.labels.yes",
    Choice.NO: "tallies.labels.no",
    Choice.ABSTAIN: "tallies.labels.abstain",
}
#: Notices by their stable names: their words and tags are in bot/notices.py.
PRIVATE_BALLOT = "tallies.private_ballot"
REMINDER = "tallies.reminder"
GROUP_BALLOT = "tallies.group_ballot"
NAMED_COUNTS = "tallies.named_counts"
SECRET_COUNTS = "tallies.secret_counts"
AND_MORE = "tallies.and_more"
CONFIRM = "tallies.confirm"
SECRET_FINAL = "tallies.secret_final"
NAMED_CHANGE = "tallies.named_change"
NAMED_CAST = "tallies.named_cast"
CHANGED = "tallies.changed"
SECRET_CAST_COPY = "tallies.secret_cast_copy"
BALLOT_CLOSED = "tallies.ballot_closed"
YOUR_VOTE = "tallies.your_vote"
SECRET_COUNTED = "tallies.secret_counted"
DID_NOT_VOTE = "tallies.did_not_vote"
