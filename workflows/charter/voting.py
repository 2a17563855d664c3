"""Who votes, when a meeting is quorate, and whether a motion passes (Art. 24–27, 30).

Thresholds are data (``Threshold``, ``VotingRules``) and every comparison is
made on integers by cross-multiplying, so 2/3 of 9 is exactly 6 and no float
rounding ever decides a vote. Each outcome names the rule that decided it as
a stable key, ``art<N>.<reason>``, which the bot translates; ``RULE_KEYS``
lists them all.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from workflows.charter.errors import Verdict
from workflows.charter.membership import (
    MemberCategory,
    Standing,
    VotingRight,
    counts_for_quorum,
    may_vote,
)

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A share of a whole: "more than" (``inclusive=False``) or "at least" ``n/d``."""

    numerator: int
    denominator: int
    inclusive: bool

    def __post_init__(self) -> None:
        if not 0 < self.numerator <= self.denominator:
            raise ValueError(f"threshold {self.numerator}/{self.denominator} is not in (0, 1]")
        if not self.inclusive and self.numerator == self.denominator:
            raise ValueError("'more than all' can never be met")

    def met_by(self, part: int, whole: int) -> bool:
        """Whether ``part`` out of ``whole`` reaches the threshold.

        Nothing is a majority of nobody: with ``whole == 0`` it is never met,
        so an empty meeting has no quorum and an empty ballot passes nothing.
        """
        _check_part(part, whole)
        if whole == 0:
            return False
        if self.inclusive:
            return part * self.denominator >= self.numerator * whole
        return part * self.denominator > self.numerator * whole

    def minimum(self, whole: int) -> int:
        """The smallest part that meets the threshold (1 when ``whole`` is 0: never met)."""
        _check_part(0, whole)
        scaled = self.numerator * whole
        if self.inclusive:
            return max(1, -(-scaled // self.denominator))  # ceiling, in integers
        return scaled // self.denominator + 1


def _check_part(part: int, whole: int) -> None:
    if not 0 <= part <= whole:
        raise ValueError(f"a part of {part} out of {whole} is not a count")


# "Simple majority" (Art. 26, 27): strictly more than half.
MORE_THAN_HALF = Threshold(1, 2, inclusive=False)
# "Majority of two third" (Art. 30): at least two thirds.
AT_LEAST_TWO_THIRDS = Threshold(2, 3, inclusive=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class VotingRules:
    """The thresholds of the charter, as settings the Secretariat can read and change."""

    # Art. 26: "Conventions ... official with the attendance of a simple
    # majority of the full Members".
    quorum: Threshold = MORE_THAN_HALF
    # Art. 26: "simple majority of the votes of the attending Full Members";
    # Art. 27 applies the same to the Rules of Procedure.
    majority: Threshold = MORE_THAN_HALF
    # The charter does not say whether an abstention is a vote cast. By
    # default it is not: the majority is of Yes and No only, and abstaining
    # does not act as a No. Set True to make abstentions count in the base.
    abstentions_count_as_cast: bool = False
    # Art. 30: a members' amendment needs "majority of two third of full Members".
    amendment_support: Threshold = AT_LEAST_TWO_THIRDS
    # Art. 25: a member suspended for unpaid fees does not vote. By default it
    # is also left out of the quorum's base (the full members who could vote),
    # so fee arrears cannot keep the Assembly from being quorate. Set True to
    # count it among the full members while its attendance still does not count.
    fee_suspended_in_quorum_base: bool = False


CHARTER_RULES = VotingRules()


class MotionKind(StrEnum):
    ORDINARY = "ordinary"  # Art. 26
    RULES_OF_PROCEDURE = "rules_of_procedure"  # Art. 27
    CHARTER_AMENDMENT = "charter_amendment"  # Art. 30


ARTICLE_OF_KIND: dict[MotionKind, int] = {
    MotionKind.ORDINARY: 26,
    MotionKind.RULES_OF_PROCEDURE: 27,
    MotionKind.CHARTER_AMENDMENT: 30,
}


# --- Who votes (Art. 24, 25) ------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberStanding(Generic[K]):
    """What decides whether one member votes at a session."""

    member_id: K
    category: MemberCategory
    standing: Standing
    voting_right: VotingRight
    checked_in: bool = False


def entitled_voters(members: Iterable[MemberStanding[K]]) -> frozenset[K]:
    """Art. 25: one vote per full member, in active standing (Art. 21, 22), whose
    voting right is not suspended for fees, and who attends (checked in, Art. 26)."""
    return frozenset(
        member.member_id
        for member in members
        if member.checked_in and may_vote(member.category, member.standing, member.voting_right)
    )


# --- Quorum (Art. 26) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuorumResult:
    met: bool
    total: int  # full members in the base
    attending: int  # of those, how many are present and may vote
    needed: int  # the smallest attendance that is quorate

    @property
    def rule(self) -> str:
        return "art26.quorum_met" if self.met else "art26.no_quorum"


def quorum(
    full_members_total: int, full_members_attending: int, rules: VotingRules = CHARTER_RULES
) -> QuorumResult:
    """Art. 26: a convention is official when a simple majority of the full members attend.

    Who is in ``full_members_total`` is the caller's choice; ``assembly_quorum``
    makes it from the members' standing as the charter says.
    """
    return QuorumResult(
        met=rules.quorum.met_by(full_members_attending, full_members_total),
        total=full_members_total,
        attending=full_members_attending,
        needed=rules.quorum.minimum(full_members_total),
    )


def assembly_quorum(
    members: Iterable[MemberStanding[K]], rules: VotingRules = CHARTER_RULES
) -> QuorumResult:
    """Art. 25, 26: the quorum of an Assembly session from its members' standing.

    The base is the full members in active standing (a suspended or withdrawn
    member is not in it, Art. 21, 22); a member suspended for fees is in it
    only if ``rules.fee_suspended_in_quorum_base``. Only those who may vote
    count as attending (PRODUCT.md: a member suspended for fees "does not
    count towards the quorum's voters").
    """
    total = attending = 0
    for member in members:
        if not counts_for_quorum(member.category) or member.standing != Standing.ACTIVE:
            continue
        votes = member.voting_right == VotingRight.ACTIVE
        if votes or rules.fee_suspended_in_quorum_base:
            total += 1
        if votes and member.checked_in:
            attending += 1
    return quorum(total, attending, rules)


# --- Tally (Art. 26, 27, 30) ------------------------------------------------


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NO_QUORUM = "no_quorum"


class Reason(StrEnum):
    MAJORITY_OF_VOTES_CAST = "majority_of_votes_cast"  # passed
    NO_MAJORITY_OF_VOTES_CAST = "no_majority_of_votes_cast"  # more No, or too few Yes
    TIE = "tie"  # as many Yes as No: a tie is not a majority
    ALL_ABSTAINED = "all_abstained"  # ballots, but not one Yes or No
    NO_BALLOTS = "no_ballots"  # nobody voted at all
    NO_QUORUM = "no_quorum"  # Art. 26: the convention was not official


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """A motion's result with its counts and the rule that decided it."""

    result: Result
    reason: Reason
    kind: MotionKind
    article: int
    yes: int
    no: int
    abstain: int
    votes_cast: int  # the majority's base under the rules in force
    needed: int  # the fewest Yes votes that would have passed it
    rules: VotingRules = field(repr=False)

    @property
    def passed(self) -> bool:
        return self.result == Result.PASSED

    @property
    def rule(self) -> str:
        """A stable key such as ``art26.majority_of_votes_cast``, for the bot to translate."""
        return f"art{self.article}.{self.reason.value}"


def tally(
    yes: int,
    no: int,
    abstain: int,
    rules: VotingRules = CHARTER_RULES,
    *,
    quorum_met: bool,
    kind: MotionKind = MotionKind.ORDINARY,
) -> Outcome:
    """Decide a motion from its ballots (Art. 26; Art. 27 for rules of procedure;
    Art. 30 for charter amendments, decided "by casting votes" under Art. 26's
    majority since Art. 30 sets no other)."""
    for count in (yes, no, abstain):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"ballot counts must be non-negative integers, got {count!r}")
    votes_cast = yes + no + (abstain if rules.abstentions_count_as_cast else 0)
    article = ARTICLE_OF_KIND[kind]
    if not quorum_met:
        result, reason, article = Result.NO_QUORUM, Reason.NO_QUORUM, 26
    elif yes + no + abstain == 0:
        result, reason = Result.FAILED, Reason.NO_BALLOTS
    elif yes + no == 0:
        result, reason = Result.FAILED, Reason.ALL_ABSTAINED
    elif yes == no:
        result, reason = Result.FAILED, Reason.TIE
    elif rules.majority.met_by(yes, votes_cast):
        result, reason = Result.PASSED, Reason.MAJORITY_OF_VOTES_CAST
    else:
        result, reason = Result.FAILED, Reason.NO_MAJORITY_OF_VOTES_CAST
    return Outcome(
        result=result,
        reason=reason,
        kind=kind,
        article=article,
        yes=yes,
        no=no,
        abstain=abstain,
        votes_cast=votes_cast,
        needed=rules.majority.minimum(votes_cast),
        rules=rules,
    )


# --- Charter amendments (Art. 30) -------------------------------------------


def amendment_support_needed(full_members: int, rules: VotingRules = CHARTER_RULES) -> int:
    """Art. 30: how many full members must support a members' amendment."""
    return rules.amendment_support.minimum(full_members)


def amendment_may_be_put_to_vote(
    *,
    from_board_of_trustees: bool,
    supporters: int,
    full_members: int,
    rules: VotingRules = CHARTER_RULES,
) -> Verdict:
    """Art. 30: an amendment "has to emanate from the Board of trustees or from
    majority of two third of full Members".

    ``full_members`` counts the full members in active standing: Art. 30 speaks
    of full members, not of voters, so one suspended for fees still counts.
    """
    if from_board_of_trustees:
        return Verdict(True, "art30.proposed_by_board_of_trustees")
    if rules.amendment_support.met_by(supporters, full_members):
        return Verdict(True, "art30.supported_by_two_thirds_of_full_members")
    return Verdict(False, "art30.insufficient_support")


# --- Every key the bot must translate ---------------------------------------

OUTCOME_RULE_KEYS: tuple[str, ...] = (
    *(
        f"art{article}.{reason.value}"
        for article in sorted(set(ARTICLE_OF_KIND.values()))
        for reason in Reason
        if reason != Reason.NO_QUORUM
    ),
    f"art26.{Reason.NO_QUORUM.value}",
)
QUORUM_RULE_KEYS: tuple[str, ...] = ("art26.quorum_met", "art26.no_quorum")
AMENDMENT_RULE_KEYS: tuple[str, ...] = (
    "art30.proposed_by_board_of_trustees",
    "art30.supported_by_two_thirds_of_full_members",
    "art30.insufficient_support",
)
RULE_KEYS: frozenset[str] = frozenset(OUTCOME_RULE_KEYS + QUORUM_RULE_KEYS + AMENDMENT_RULE_KEYS)
