"""Who votes, when a meeting is quorate, and whether a motion passes (Art. 24–27, 30).

Thresholds are data (``Threshold``, ``VotingRules``) and every comparison is
made on integers by cross-multiplying, so 2/3 of 9 is exactly 6 and no float
rounding ever decides a vote. Each outcome names the rule that decided it as
a stable key, ``art<N>.<reason>``, which the bot translates; ``RULE_KEYS``
lists them all.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Generic, TypeVar

from workflows.charter.bodies import COMPOSITIONS, Body
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


class MajorityBase(StrEnum):
    """Of what a "simple majority of the votes of the attending Full Members" (Art. 26)
    is taken. The charter does not say whether an abstention, or a member present
    who casts no ballot, is among "the votes"; assemblies choose (OpenSlides calls it
    the 100 % base), and so does each body here, per session and per motion."""

    YES_NO = "yes_no"  # the votes cast for or against; abstaining weighs nothing
    YES_NO_ABSTAIN = "yes_no_abstain"  # every ballot; an abstention weighs like a No
    PRESENT = "present"  # every attending member who may vote; silence weighs like a No


@dataclass(frozen=True, slots=True, kw_only=True)
class VotingRules:
    """The thresholds of the charter, and the two readings it leaves open."""

    # Art. 26: "Conventions ... official with the attendance of a simple
    # majority of the full Members".
    quorum: Threshold = MORE_THAN_HALF
    # Art. 26: "simple majority of the votes of the attending Full Members";
    # Art. 27 applies the same to the Rules of Procedure.
    majority: Threshold = MORE_THAN_HALF
    # Art. 26 does not say what "the votes" are. By default Yes and No: an
    # abstention is recorded but is not a vote for or against.
    majority_base: MajorityBase = MajorityBase.YES_NO
    # Art. 30: a members' amendment needs "majority of two third of full Members".
    amendment_support: Threshold = AT_LEAST_TWO_THIRDS
    # Art. 25: a member whose voting right is suspended for unpaid fees is still a
    # full member, but does not vote. Whether it is among "the full Members" of
    # Art. 26's quorum and Art. 30's two thirds is one reading for both: by
    # default it is not, so arrears cannot keep the Assembly from a quorum; True
    # counts it in both bases, while its attendance still does not count.
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
    # Art. 26 at the Assembly; a board's own article (6, 8, 10), whose seats the
    # base is, with Art. 26's majority applied by our procedure.
    article: int = 26

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Bases(Generic[K]):
    """Who is in each base a session counts on, and the article that says so.

    ``full_members`` is the whole of Art. 26's quorum and of Art. 30's two
    thirds at the Assembly, or a board's seat holders, to which its vacant seats
    are added for its quorum (Art. 6, 8: the board is composed of its seats, not
    of those filled). ``attending`` are those of them present who may vote:
    the quorum's part, and the whole of ``MajorityBase.PRESENT``.
    """

    article: int
    full_members: frozenset[K]
    attending: frozenset[K]
    vacant_seats: int = 0

    @property
    def quorum_total(self) -> int:
        return len(self.full_members) + self.vacant_seats

    def quorum(self, rules: "VotingRules") -> QuorumResult:
        return replace(quorum(self.quorum_total, len(self.attending), rules), article=self.article)

    def supporters(self, supporting: Iterable[K]) -> int:
        """Art. 30: only the support of those now among the full members counts;
        one that withdrew or was suspended since has no voice in the count."""
        return len(self.full_members.intersection(supporting))


def bases(
    body: Body,
    rules: "VotingRules",
    *,
    members: Iterable[MemberStanding[K]] = (),
    seat_holders: Iterable[K] = (),
    checked_in: Iterable[K] = (),
) -> Bases[K]:
    """The one reading of "the full Members" used by the quorum, the majority and the
    two thirds alike (Art. 25, 26, 30), and of a board's members (Art. 6, 8, 10).

    At the Assembly: full members (Art. 12, 13) in active standing (a suspended
    or withdrawn member is not in it, Art. 21, 22); one whose voting right is
    suspended for fees only if ``rules.fee_suspended_in_quorum_base`` (Art. 25),
    and never as attending, since it may not vote. In a board, its seats as the
    charter composes them; a council (Art. 10) has as many as are held.
    """
    if body == Body.ASSEMBLY:
        full: set[K] = set()
        attending: set[K] = set()
        for member in members:
            if not counts_for_quorum(member.category) or member.standing != Standing.ACTIVE:
                continue
            votes = member.voting_right == VotingRight.ACTIVE
            if votes or rules.fee_suspended_in_quorum_base:
                full.add(member.member_id)
            if votes and member.checked_in:
                attending.add(member.member_id)
        return Bases(article=26, full_members=frozenset(full), attending=frozenset(attending))
    composition = COMPOSITIONS[body]
    holders = frozenset(seat_holders)
    vacant = 0 if composition.size is None else max(0, composition.size - len(holders))
    return Bases(
        article=composition.article,
        full_members=holders,
        attending=holders.intersection(checked_in),
        vacant_seats=vacant,
    )


def assembly_quorum(
    members: Iterable[MemberStanding[K]], rules: VotingRules = CHARTER_RULES
) -> QuorumResult:
    """Art. 25, 26: the quorum of an Assembly session from its members' standing,
    counted on ``bases``."""
    return bases(Body.ASSEMBLY, rules, members=members).quorum(rules)


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
    votes_cast: int  # the majority's whole, of ``rules.majority_base``
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
    present: int = 0,
) -> Outcome:
    """Decide a motion from its ballots (Art. 26; Art. 27 for rules of procedure;
    Art. 30 for charter amendments, decided "by casting votes" under Art. 26's
    majority since Art. 30 sets no other).

    The majority is of ``rules.majority_base``; with ``MajorityBase.PRESENT``,
    of ``present``, the attending members who may vote. A ballot already cast
    stays in that base even if its voter has since left or lost the right:
    nothing a member does after voting can make the count impossible."""
    for count in (yes, no, abstain):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"ballot counts must be non-negative integers, got {count!r}")
    if isinstance(present, bool) or not isinstance(present, int) or present < 0:
        raise ValueError(f"the members present must be a non-negative integer, got {present!r}")
    votes_cast = {
        MajorityBase.YES_NO: yes + no,
        MajorityBase.YES_NO_ABSTAIN: yes + no + abstain,
        MajorityBase.PRESENT: max(present, yes + no + abstain),
    }[rules.majority_base]
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

    ``full_members`` and ``supporters`` are counted on ``bases``, the same
    reading of "full Members" as the quorum's (Art. 26).
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
