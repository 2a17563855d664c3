"""Motions: proposing, collecting support for an amendment, opening, closing, results.

Art. 26 (majority of the votes cast by the attending full members), Art. 27
(rules of procedure), Art. 30 (amendments from the Board of Trustees or with two
thirds of the full members' support). Steps follow ``MOTION``; counts and the
deciding rule come from ``charter.voting``; results go to everyone the session
concerns, in each reader's language.
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from models import Motion, User
from workflows.charter.bodies import Body
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import MOTION, MotionEvent, MotionState
from workflows.charter.meetings import (
    BallotKind,
    Choice,
    MeetingState,
    motion_kind_allowed,
    reminder_time,
)
from workflows.charter.roles import STAFF
from workflows.charter.voting import (
    MajorityBase,
    MotionKind,
    Result,
    VotingRules,
    amendment_may_be_put_to_vote,
    quorum,
    tally,
)
from workflows.meetings import amendments, ballots, seals, sessions, speakers, tallies
from workflows.meetings.ballots import describe
from workflows.platform import audit, live, locks, outbox, people, schedule
from workflows.platform.settings import Settings
from workflows.platform.values import Message, message

CLOSE = "motion.close"


def rules_of(motion: Motion) -> VotingRules:
    """The rules recorded when the vote opened (thresholds are the charter's)."""
    return VotingRules(
        majority_base=MajorityBase(motion.majority_base or MajorityBase.YES_NO.value),
        fee_suspended_in_quorum_base=motion.fee_suspended_in_quorum_base,
    )


def choose_majority_base(
    session: Session, motion_id: int, base: MajorityBase, actor: User, *, now: datetime
) -> Motion:
    """The Secretariat sets this motion's majority base before its vote opens
    (Art. 26 leaves it open); the session's applies otherwise."""
    motion = lock(session, motion_id)
    if not people.actor_roles(session, actor) & STAFF:
        raise NotAllowed("the Secretariat sets the base", reason="role_not_allowed")
    if motion.state not in (MotionState.DRAFT.value, MotionState.COLLECTING_SUPPORT.value):
        raise NotAllowed("the vote has opened", reason="procedure.rules_fixed_once_open")
    motion.majority_base = base.value
    session.add(motion)
    audit.record(
        session,
        entity="motion",
        entity_id=motion.id,
        action="majority_base",
        actor_id=actor.id,
        to_state=base.value,
        at=now,
    )
    return motion


def lock(session: Session, motion_id: int) -> Motion:
    return locks.lock(session, Motion, motion_id)


def step(
    session: Session, motion: Motion, event: MotionEvent, user: User | None, *, now: datetime
) -> None:
    roles = people.actor_roles(session, user)
    audit.transition(
        session,
        MOTION,
        motion,
        event,
        roles,
        entity="motion",
        actor_id=user.id if user else None,
        now=now,
    )


def propose(
    session: Session,
    meeting_id: int,
    actor: User,
    *,
    text: str,
    kind: MotionKind,
    ballot: BallotKind,
    closes_at: datetime | None,
    source_motion_id: int | None = None,
    now: datetime,
) -> Motion:
    """The Secretariat tables a motion; a members' amendment starts collecting support."""
    meeting = sessions.load(session, meeting_id)
    MOTION.check(None, MotionEvent.PROPOSE, people.actor_roles(session, actor))
    motion_kind_allowed(Body(meeting.body), kind).require()
    if meeting.state in (MeetingState.CLOSED.value, MeetingState.CANCELLED.value):
        raise NotAllowed("the session is over", reason="procedure.session_over")
    if source_motion_id is not None:
        if kind != MotionKind.CHARTER_AMENDMENT or meeting.body != Body.ASSEMBLY.value:
            raise NotAllowed(
                "only an Assembly amendment has a source", reason="art30.source_only_for_amendments"
            )
        refusal = amendments.source_refusal(session, source_motion_id)
        if refusal is not None:
            raise NotAllowed("not the Board of Trustees' amendment", reason=refusal)
        source = session.get(Motion, source_motion_id)
        assert source is not None
        # Art. 30: the Assembly decides the amendment the Board proposed, word for word.
        text = source.text
    motion = Motion(
        meeting_id=meeting_id,
        text=text,
        kind=kind.value,
        ballot=ballot.value,
        closes_at=closes_at,
        source_motion_id=source_motion_id,
        proposed_by=actor.id,
        created_at=now,
    )
    audit.create(
        session,
        motion,
        MotionEvent.PROPOSE,
        entity="motion",
        actor_id=actor.id,
        now=now,
        meeting=meeting_id,
    )
    members_amendment = (
        kind == MotionKind.CHARTER_AMENDMENT
        and meeting.body == Body.ASSEMBLY.value
        and source_motion_id is None
    )
    if members_amendment:
        step(session, motion, MotionEvent.SEEK_SUPPORT, actor, now=now)
        amendments.seek_support(session, motion, actor, now=now)
    return motion


def open_vote(
    session: Session, motion_id: int, actor: User, *, now: datetime, settings: Settings
) -> Motion:
    """Put the motion to the vote: ballots to everyone entitled and present, the group's
    ballot message, the close and the reminder scheduled."""
    motion = lock(session, motion_id)
    meeting = sessions.load(session, motion.meeting_id)
    if meeting.state != MeetingState.OPEN.value:
        raise NotAllowed("open the session first", reason="procedure.session_not_open")
    # The session's reading, and this motion's base if the Secretariat set one,
    # fixed now: the gate below, the board and the close all count on them.
    motion.majority_base = motion.majority_base or meeting.majority_base
    motion.fee_suspended_in_quorum_base = meeting.fee_suspended_in_quorum_base
    motion.abstentions_count_as_cast = motion.majority_base != MajorityBase.YES_NO.value
    if motion.kind == MotionKind.CHARTER_AMENDMENT.value and meeting.body == Body.ASSEMBLY.value:
        assert motion.id is not None
        base = sessions.bases_of(session, meeting, rules_of(motion))
        amendment_may_be_put_to_vote(
            from_board_of_trustees=amendments.from_trustees(session, motion),
            supporters=base.supporters(amendments.supporting_voters(session, motion.id)),
            full_members=len(base.full_members),
        ).require()
    if motion.closes_at is not None and motion.closes_at <= now:
        raise NotAllowed("the closing time has passed", reason="procedure.closing_time_passed")
    step(session, motion, MotionEvent.OPEN, actor, now=now)
    motion.opened_at = now
    if motion.ballot == BallotKind.SECRET.value:
        motion.ballot_key_id = seals.key_of(settings).fingerprint
    if motion.closes_at is not None:
        schedule.schedule(
            session,
            kind=CLOSE,
            due_at=motion.closes_at,
            dedupe_key=f"motion:{motion.id}:close",
            motion_id=motion.id,
        )
        remind_at = reminder_time(now, motion.closes_at)
        if remind_at is not None:
            schedule.schedule(
                session,
                kind=tallies.REMIND,
                due_at=remind_at,
                dedupe_key=f"motion:{motion.id}:remind",
                motion_id=motion.id,
            )
    entitled = tallies.send_ballots(session, motion, meeting)
    if meeting.group_chat_id is not None:
        ballot = outbox.notify(
            session,
            chat_id=meeting.group_chat_id,
            key=tallies.GROUP_BALLOT,
            args=tallies.tally_args(session, motion, meeting, entitled=entitled),
            buttons=tallies.group_buttons(motion),
        )
        motion.group_ballot_id = ballot.id if ballot else None
    session.add(motion)
    return motion


def close_motion(session: Session, motion_id: int, actor: User | None, *, now: datetime) -> Motion:
    """Count, decide by the charter's rules, announce. ``actor`` None: the deadline."""
    motion = lock(session, motion_id)
    meeting = sessions.load(session, motion.meeting_id)
    step(session, motion, MotionEvent.CLOSE, actor, now=now)
    motion.closed_at = now
    rules = rules_of(motion)
    counts = ballots.count(session, motion)
    voted = ballots.who_voted(session, motion)
    if sum(counts.values()) != len(voted):
        raise RuntimeError(
            f"motion {motion.id}: {len(voted)} voters but {sum(counts.values())} ballots"
        )
    base = sessions.bases_of(session, meeting, rules)
    present = base.quorum(rules)
    outcome = tally(
        counts[Choice.YES],
        counts[Choice.NO],
        counts[Choice.ABSTAIN],
        rules,
        quorum_met=present.met,
        kind=MotionKind(motion.kind),
        present=len(base.attending.union(voted)),
    )
    motion.yes, motion.no, motion.abstain = outcome.yes, outcome.no, outcome.abstain
    motion.votes_cast, motion.result, motion.rule = (
        outcome.votes_cast,
        outcome.result.value,
        outcome.rule,
    )
    motion.quorum_met, motion.quorum_total, motion.quorum_attending = (
        present.met,
        present.total,
        present.attending,
    )
    session.add(motion)
    if motion.ballot == BallotKind.SECRET.value:
        ballots.discard_seals(session, motion)
    schedule.cancel(session, dedupe_prefix=f"motion:{motion.id}:", now=now)
    args = result_args(motion, article=present.article)
    for chat_id in speakers.audience(session, meeting):
        if chat_id == meeting.group_chat_id and motion.group_ballot_id is not None:
            continue  # the group's ballot message becomes its one result post
        outbox.notify(session, chat_id=chat_id, key=RESULT, args=args)
    if motion.group_ballot_id is not None:
        live.edit(
            session, target_id=motion.group_ballot_id, key=RESULT, args=args, buttons=[], now=now
        )
    tallies.close_copies(session, motion, args, now=now)
    return motion


def result_args(motion: Motion, *, article: int = 26) -> dict[str, Any]:
    """The result's words; ``article`` is the body's, whose members are the quorum's base."""
    return {
        **describe(motion),
        "yes": motion.yes or 0,
        "no": motion.no or 0,
        "abstain": motion.abstain or 0,
        "cast": motion.votes_cast or 0,
        "quorum": sessions.quorum_message(
            replace(
                quorum(motion.quorum_total or 0, motion.quorum_attending or 0, rules_of(motion)),
                article=article,
            )
        ),
        "outcome": message(OUTCOMES[Result(motion.result or Result.FAILED.value)]),
        "rule": rule_message(motion.rule or "", rules_of(motion).majority_base),
        "rules": sessions.rules_message(rules_of(motion)),
    }


def rule_message(rule: str, base: MajorityBase = MajorityBase.YES_NO) -> Message:
    """The sentence for a rule key such as ``art26.majority_of_votes_cast``, naming
    the base the majority was taken of."""
    article, _, reason = rule.partition(".")
    return message(
        RULE_TEXTS.get(reason, UNKNOWN_RULE),
        article=article.removeprefix("art"),
        rule=rule,
        of=message(MAJORITY_OF[base]),
    )


@schedule.handles(CLOSE)
def close_at_deadline(session: Session, args: dict[str, Any], now: datetime) -> None:
    # Read under the lock: a vote closed by hand meanwhile is left as it is.
    try:
        motion = lock(session, args["motion_id"])
    except NotAllowed:
        return
    if motion.state == MotionState.OPEN.value:
        close_motion(session, args["motion_id"], None, now=now)


#: Notices by their stable names: their words and tags are in bot/notices.py.
RESULT = "motions.result"
OUTCOMES = {
    Result.PASSED: "motions.outcomes.passed",
    Result.FAILED: "motions.outcomes.failed",
    Result.NO_QUORUM: "motions.outcomes.no_quorum",
}
RULE_TEXTS = {
    "majority_of_votes_cast": "motions.rule_texts.majority_of_votes_cast",
    "no_majority_of_votes_cast": "motions.rule_texts.no_majority_of_votes_cast",
    "tie": "motions.rule_texts.tie",
    "all_abstained": "motions.rule_texts.all_abstained",
    "no_ballots": "motions.rule_texts.no_ballots",
    "no_quorum": "motions.rule_texts.no_quorum",
}
UNKNOWN_RULE = "motions.unknown_rule"
MAJORITY_OF = {
    MajorityBase.YES_NO: "motions.majority_of.yes_no",
    MajorityBase.YES_NO_ABSTAIN: "motions.majority_of.yes_no_abstain",
    MajorityBase.PRESENT: "motions.majority_of.present",
}
