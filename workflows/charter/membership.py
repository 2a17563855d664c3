"""Membership: its category, its standing, and its voting right.

A member's category (Art. 12) fixes what it pays (Art. 18) and whether it
votes (Art. 25). Its standing changes by suspension (Art. 22) and withdrawal
(Art. 21); its voting right separately, for unpaid fees (Art. 25). Both are
state machines so the workflows apply, and audit, every change the same way.
"""

from enum import StrEnum

from workflows.charter.roles import STAFF, Party, Role
from workflows.charter.statemachine import StateMachine, Transition


class MemberCategory(StrEnum):
    """The four membership categories (Art. 12)."""

    FULL = "full"  # cities, by their mayor or highest local authority (Art. 13)
    ASSOCIATE = "associate"  # individual and legal persons (Art. 14)
    OBSERVER = "observer"  # Art. 12(3); the charter gives no further condition
    HONORARY = "honorary"  # distinguished contributors, by nomination (Art. 15)


# Honorary membership is conferred, not applied for: it is signed and announced
# by the Chair and the Secretary-General (Art. 15), so the application form
# (Art. 19) offers only these.
APPLICABLE_CATEGORIES: tuple[MemberCategory, ...] = (
    MemberCategory.FULL,
    MemberCategory.ASSOCIATE,
    MemberCategory.OBSERVER,
)


def pays_fees(category: MemberCategory) -> bool:
    """Art. 18: only full members pay the fixed biennial membership fee."""
    return category == MemberCategory.FULL


def may_vote_in_assembly(category: MemberCategory) -> bool:
    """Art. 25: full members have equal voting rights; other categories do not vote."""
    return category == MemberCategory.FULL


def counts_for_quorum(category: MemberCategory) -> bool:
    """Art. 26: a convention's quorum is a simple majority of the *full* members."""
    return category == MemberCategory.FULL


def needs_signature_of_highest_authority(category: MemberCategory) -> bool:
    """Art. 19, 21: a city's application or withdrawal is signed by its highest authority.

    Art. 21 extends this to "other institutional members"; whether an
    associate is institutional is a fact of the applicant, so the form asks
    for it and the workflow decides; for a full member it is always required.
    """
    return category == MemberCategory.FULL


class Standing(StrEnum):
    """A member's standing in the Assembly."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # for a breach of the charter (Art. 22)
    WITHDRAWN = "withdrawn"  # by a decided withdrawal (Art. 21); the end of the story


class StandingEvent(StrEnum):
    SUSPEND = "suspend"
    LIFT = "lift"
    WITHDRAW = "withdraw"


_SG = frozenset({Role.SECRETARY_GENERAL})

MEMBERSHIP: StateMachine[Standing, StandingEvent] = StateMachine(
    name="membership",
    states=Standing,
    events=StandingEvent,
    # A membership is created ACTIVE by an admitted application (Art. 20) or
    # a confirmed honorary nomination (Art. 15); those machines decide who.
    transitions=[
        # Art. 22, decided through the SUSPENSION process by the Secretary-General.
        Transition(Standing.ACTIVE, StandingEvent.SUSPEND, Standing.SUSPENDED, _SG),
        Transition(Standing.SUSPENDED, StandingEvent.LIFT, Standing.ACTIVE, _SG),
        # Art. 21: "The final decision shall be made by the Secretary General";
        # a suspended member may still leave.
        Transition(Standing.ACTIVE, StandingEvent.WITHDRAW, Standing.WITHDRAWN, _SG),
        Transition(Standing.SUSPENDED, StandingEvent.WITHDRAW, Standing.WITHDRAWN, _SG),
    ],
)


class VotingRight(StrEnum):
    """A full member's right to vote in the Assembly (Art. 25)."""

    ACTIVE = "active"
    SUSPENDED_FOR_FEES = "suspended_for_fees"


class VotingRightEvent(StrEnum):
    SUSPEND_FOR_FEES = "suspend_for_fees"
    RESTORE = "restore"


# Art. 25: "The Executive Supreme council may suspend the voting right of a
# member because of unpaid membership fees." The Council decides, as a body or
# by a standing policy; the Secretariat records its decision, and the scheduler
# applies the policy after the grace period and restores the right once the
# payment is confirmed. A single council seat holder does not act for the body.
_FEE_ENFORCERS = STAFF | {Party.SYSTEM}

VOTING_RIGHT: StateMachine[VotingRight, VotingRightEvent] = StateMachine(
    name="voting_right",
    states=VotingRight,
    events=VotingRightEvent,
    # Created ACTIVE with the membership of a full member.
    transitions=[
        Transition(
            VotingRight.ACTIVE,
            VotingRightEvent.SUSPEND_FOR_FEES,
            VotingRight.SUSPENDED_FOR_FEES,
            _FEE_ENFORCERS,
        ),
        Transition(
            VotingRight.SUSPENDED_FOR_FEES,
            VotingRightEvent.RESTORE,
            VotingRight.ACTIVE,
            _FEE_ENFORCERS,
        ),
    ],
)


def may_vote(category: MemberCategory, standing: Standing, voting_right: VotingRight) -> bool:
    """Art. 21, 22, 25: a full member, in active standing, whose right is not suspended."""
    return (
        may_vote_in_assembly(category)
        and standing == Standing.ACTIVE
        and voting_right == VotingRight.ACTIVE
    )
