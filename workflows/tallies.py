"""Ballots out, the live tally in the session's group, and reminders before the close.

Ballots go to the person who checked in for a voter (else the member's speakers);
the group's ballot message is refreshed within Telegram's group limits
(``live``); reminders go only to those entitled who have not voted.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from models import Meeting, Member, Motion, User
from workflows import live, meetings, outbox, schedule, votes
from workflows.charter.machines import MotionState
from workflows.charter.meetings import BallotKind, Choice
from workflows.values import N_, Message, button, message

PICK = "bal"
GROUP_VOTE = "gv"
TALLY = "motion.tally"
REMIND = "motion.remind"
#: How many voters' names a group tally lists before "and N more" (4096 characters).
NAMES_SHOWN = 30


def voter_name(session: Session, voter: str) -> Message | str:
    if voter.startswith("m"):
        member = session.get(Member, int(voter[1:]))
        return meetings.member_name(member) if member else voter
    user = session.get(User, int(voter[1:]))
    return user.first_name if user else voter


def ballot_args(session: Session, motion: Motion, member: Member | None) -> dict[str, Any]:
    from workflows import motions

    return {**motions.describe(motion), "member": meetings.member_name(member) if member else ""}


def ballot_buttons(motion: Motion, member: Member | None) -> list[list[dict[str, str]]]:
    member_id = member.id if member else 0
    return [[button(LABELS[choice], PICK, motion.id, member_id, choice.value) for choice in Choice]]


def send_ballot(
    session: Session, motion: Motion, meeting: Meeting, voter: str, member: Member | None
) -> None:
    for chat_id in votes.recipients(session, meeting, voter, member):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=PRIVATE_BALLOT,
            args=ballot_args(session, motion, member),
            buttons=ballot_buttons(motion, member),
            dedupe_key=f"motion:{motion.id}:ballot:{voter}:{chat_id}",
        )


def send_open_ballots(
    session: Session, meeting: Meeting, voter: str, member: Member | None, *, now: datetime
) -> None:
    """Someone just checked in: their ballots for the votes already open."""
    if not votes.entitlement(session, meeting, voter, member):
        return
    for motion in session.exec(
        select(Motion).where(
            Motion.meeting_id == meeting.id, Motion.state == MotionState.OPEN.value
        )
    ):
        if votes.is_open(motion, now):
            send_ballot(session, motion, meeting, voter, member)


def tally_args(session: Session, motion: Motion, meeting: Meeting) -> dict[str, Any]:
    from workflows import motions

    secret = motion.ballot == BallotKind.SECRET.value
    voters = votes.who_voted(session, motion)
    names: list[Message | str] = [voter_name(session, v) for v in voters[:NAMES_SHOWN]]
    if len(voters) > NAMES_SHOWN:
        names.append(message(AND_MORE, count=len(voters) - NAMES_SHOWN))
    if secret:
        # A secret ballot's running counts are never written anywhere: their changes,
        # next to the times of participation, would tell who chose what.
        counts = message(SECRET_COUNTS)
    else:
        tally = votes.count(session, motion)
        counts = message(
            NAMED_COUNTS, yes=tally[Choice.YES], no=tally[Choice.NO], abstain=tally[Choice.ABSTAIN]
        )
    return {
        **motions.describe(motion),
        "voted": len(voters),
        "entitled": len(votes.entitled(session, meeting)),
        "counts": counts,
        "names": names or "—",
    }


def group_buttons(motion: Motion) -> list[list[dict[str, str]]]:
    if motion.ballot == BallotKind.SECRET.value:
        return []
    return [[button(LABELS[choice], GROUP_VOTE, motion.id, choice.value) for choice in Choice]]


@schedule.handles(TALLY)
def refresh_tally(session: Session, args: dict[str, Any], now: datetime) -> None:
    motion = session.get(Motion, args["subject_id"])
    if motion is None or motion.group_ballot_id is None or motion.state != MotionState.OPEN.value:
        return
    meeting = meetings.load(session, motion.meeting_id)
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
    if motion is None or not votes.is_open(motion, now):
        return
    meeting = meetings.load(session, motion.meeting_id)
    voted = set(votes.who_voted(session, motion))
    for voter, member in votes.entitled(session, meeting):
        if voter in voted:
            continue
        for chat_id in votes.recipients(session, meeting, voter, member):
            outbox.notify(
                session,
                chat_id=chat_id,
                key=REMINDER,
                args=ballot_args(session, motion, member),
                buttons=ballot_buttons(motion, member),
                dedupe_key=f"motion:{motion.id}:remind:{voter}:{chat_id}",
            )


LABELS = {Choice.YES: N_("Yes"), Choice.NO: N_("No"), Choice.ABSTAIN: N_("Abstain")}
PRIVATE_BALLOT = N_(
    "<b>Ballot — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\n"
    "Closes: {closes}. You vote for {member}. Choose, then confirm."
)
REMINDER = N_(
    "Reminder: you have not voted yet on motion No. {number}. Closes: {closes}.\n\n{text}"
)
GROUP_BALLOT = N_(
    "<b>Vote — motion No. {number}</b> ({ballot}, {kind})\n\n{text}\n\nCloses: {closes}.\n"
    "{counts}\nVoted: {voted} of {entitled} entitled.\n{names}"
)
NAMED_COUNTS = N_("Yes {yes} · No {no} · Abstain {abstain}")
SECRET_COUNTS = N_("Secret ballot: the choices are counted at the close.")
AND_MORE = N_("… and {count} more (see the minutes)")
