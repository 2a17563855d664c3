"""Quorum, majority and amendment thresholds at their edges, and against a reference.

The reference below is written differently on purpose (exact fractions, no
shared helpers) so a mistake in the integer arithmetic cannot hide in both.
"""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.charter.errors import NotAllowed
from workflows.charter.membership import MemberCategory, Standing, VotingRight
from workflows.charter.voting import (
    AT_LEAST_TWO_THIRDS,
    CHARTER_RULES,
    MORE_THAN_HALF,
    RULE_KEYS,
    MajorityBase,
    MemberStanding,
    MotionKind,
    Reason,
    Result,
    Threshold,
    VotingRules,
    amendment_may_be_put_to_vote,
    amendment_support_needed,
    assembly_quorum,
    entitled_voters,
    quorum,
    tally,
)

COUNTING_ABSTENTIONS = VotingRules(majority_base=MajorityBase.YES_NO_ABSTAIN)


# --- Quorum (Art. 26) -------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "attending", "met", "needed"),
    [
        (10, 5, False, 6),  # exactly half is not a majority
        (10, 6, True, 6),
        (9, 4, False, 5),
        (9, 5, True, 5),
        (1, 0, False, 1),
        (1, 1, True, 1),
        (2, 1, False, 2),
        (0, 0, False, 1),  # nobody to attend: never official
    ],
)
def test_quorum_edges(total: int, attending: int, met: bool, needed: int) -> None:
    result = quorum(total, attending)
    assert (result.met, result.needed) == (met, needed)
    assert result.rule == ("art26.quorum_met" if met else "art26.no_quorum")


def test_quorum_refuses_more_attending_than_members() -> None:
    with pytest.raises(ValueError):
        quorum(5, 6)
    with pytest.raises(ValueError):
        quorum(5, -1)


def member(
    member_id: int,
    *,
    category: MemberCategory = MemberCategory.FULL,
    standing: Standing = Standing.ACTIVE,
    voting_right: VotingRight = VotingRight.ACTIVE,
    checked_in: bool = True,
) -> MemberStanding[int]:
    return MemberStanding(
        member_id=member_id,
        category=category,
        standing=standing,
        voting_right=voting_right,
        checked_in=checked_in,
    )


SESSION = [
    member(1),
    member(2),
    member(3, checked_in=False),
    member(4, voting_right=VotingRight.SUSPENDED_FOR_FEES),  # Art. 25
    member(5, voting_right=VotingRight.SUSPENDED_FOR_FEES, checked_in=False),
    member(6, standing=Standing.SUSPENDED),  # Art. 22
    member(7, standing=Standing.WITHDRAWN),  # Art. 21
    member(8, category=MemberCategory.ASSOCIATE),  # Art. 25: no vote
    member(9, category=MemberCategory.OBSERVER),
    member(10, category=MemberCategory.HONORARY),
]


def test_entitled_voters_are_checked_in_full_members_in_good_standing() -> None:
    assert entitled_voters(SESSION) == {1, 2}


def test_assembly_quorum_leaves_fee_suspended_members_out_by_default() -> None:
    # Base: members 1, 2, 3 (full, active, may vote); attending: 1 and 2.
    result = assembly_quorum(SESSION)
    assert (result.total, result.attending, result.met) == (3, 2, True)


def test_assembly_quorum_can_count_fee_suspended_members_in_the_base() -> None:
    rules = VotingRules(fee_suspended_in_quorum_base=True)
    # Base grows by 4 and 5; member 4's attendance still does not count.
    result = assembly_quorum(SESSION, rules)
    assert (result.total, result.attending, result.met) == (5, 2, False)


# --- Tally (Art. 26, 27, 30) ------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "rules", "result", "reason"),
    [
        (6, 5, 0, CHARTER_RULES, Result.PASSED, Reason.MAJORITY_OF_VOTES_CAST),
        (5, 5, 0, CHARTER_RULES, Result.FAILED, Reason.TIE),
        (5, 6, 0, CHARTER_RULES, Result.FAILED, Reason.NO_MAJORITY_OF_VOTES_CAST),
        (1, 0, 0, CHARTER_RULES, Result.PASSED, Reason.MAJORITY_OF_VOTES_CAST),
        (0, 1, 0, CHARTER_RULES, Result.FAILED, Reason.NO_MAJORITY_OF_VOTES_CAST),
        (0, 0, 7, CHARTER_RULES, Result.FAILED, Reason.ALL_ABSTAINED),
        (0, 0, 0, CHARTER_RULES, Result.FAILED, Reason.NO_BALLOTS),
        # Abstentions left out (default): 3 Yes beat 2 No whatever the abstentions.
        (3, 2, 10, CHARTER_RULES, Result.PASSED, Reason.MAJORITY_OF_VOTES_CAST),
        # Counted as cast: 3 of 6 is not more than half, of 5 it is.
        (3, 2, 1, COUNTING_ABSTENTIONS, Result.FAILED, Reason.NO_MAJORITY_OF_VOTES_CAST),
        (3, 1, 1, COUNTING_ABSTENTIONS, Result.PASSED, Reason.MAJORITY_OF_VOTES_CAST),
        (3, 3, 1, COUNTING_ABSTENTIONS, Result.FAILED, Reason.TIE),
        (0, 0, 3, COUNTING_ABSTENTIONS, Result.FAILED, Reason.ALL_ABSTAINED),
    ],
)
def test_tally_edges(
    yes: int, no: int, abstain: int, rules: VotingRules, result: Result, reason: Reason
) -> None:
    outcome = tally(yes, no, abstain, rules, quorum_met=True)
    assert (outcome.result, outcome.reason) == (result, reason)
    assert outcome.passed is (result == Result.PASSED)
    assert outcome.rule == f"art26.{reason.value}"
    assert (outcome.yes, outcome.no, outcome.abstain) == (yes, no, abstain)


def test_votes_cast_and_needed_follow_the_abstention_setting() -> None:
    plain = tally(3, 2, 4, quorum_met=True)
    counted = tally(3, 2, 4, COUNTING_ABSTENTIONS, quorum_met=True)
    assert (plain.votes_cast, plain.needed) == (5, 3)
    assert (counted.votes_cast, counted.needed) == (9, 5)


@pytest.mark.parametrize(
    ("kind", "article"),
    [
        (MotionKind.ORDINARY, 26),
        (MotionKind.RULES_OF_PROCEDURE, 27),
        (MotionKind.CHARTER_AMENDMENT, 30),
    ],
)
def test_the_rule_cites_the_article_of_the_motion_kind(kind: MotionKind, article: int) -> None:
    assert tally(2, 1, 0, quorum_met=True, kind=kind).rule == f"art{article}.majority_of_votes_cast"
    assert tally(1, 1, 0, quorum_met=True, kind=kind).rule == f"art{article}.tie"
    # Quorum is always Art. 26, whatever is being decided.
    no_quorum = tally(9, 0, 0, quorum_met=False, kind=kind)
    assert (no_quorum.result, no_quorum.rule) == (Result.NO_QUORUM, "art26.no_quorum")
    assert not no_quorum.passed


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_tally_refuses_counts_that_are_not_counts(bad: object) -> None:
    with pytest.raises(ValueError):
        tally(bad, 0, 0, quorum_met=True)  # type: ignore[arg-type]


# --- Charter amendments (Art. 30) -------------------------------------------


@pytest.mark.parametrize(
    ("full_members", "supporters", "allowed"),
    [
        (9, 6, True),  # exactly two thirds
        (9, 5, False),
        (10, 7, True),  # 6.67 rounds up to 7
        (10, 6, False),
        (3, 2, True),
        (3, 1, False),
        (1, 1, True),
        (0, 0, False),  # no full members: no support
    ],
)
def test_amendment_support_edges(full_members: int, supporters: int, allowed: bool) -> None:
    verdict = amendment_may_be_put_to_vote(
        from_board_of_trustees=False, supporters=supporters, full_members=full_members
    )
    assert bool(verdict) is allowed
    assert verdict.reason == (
        "art30.supported_by_two_thirds_of_full_members" if allowed else "art30.insufficient_support"
    )
    if not allowed:
        with pytest.raises(NotAllowed) as refused:
            verdict.require()
        assert refused.value.reason == "art30.insufficient_support"


def test_amendment_from_the_board_of_trustees_needs_no_support() -> None:
    verdict = amendment_may_be_put_to_vote(
        from_board_of_trustees=True, supporters=0, full_members=50
    )
    assert verdict and verdict.reason == "art30.proposed_by_board_of_trustees"
    verdict.require()


def test_amendment_support_needed() -> None:
    assert [amendment_support_needed(n) for n in (1, 2, 3, 9, 10, 11, 12)] == [1, 2, 2, 6, 7, 8, 8]


def test_threshold_refuses_nonsense() -> None:
    for numerator, denominator in [(0, 2), (3, 2), (1, 0), (-1, 2)]:
        with pytest.raises(ValueError):
            Threshold(numerator, denominator, inclusive=True)
    with pytest.raises(ValueError):
        Threshold(1, 1, inclusive=False)


def test_every_key_produced_is_listed_for_translation() -> None:
    produced = {
        tally(y, n, a, rules, quorum_met=q, kind=kind).rule
        for y, n, a in [(2, 1, 0), (1, 2, 0), (1, 1, 0), (0, 0, 1), (0, 0, 0)]
        for rules in (CHARTER_RULES, COUNTING_ABSTENTIONS)
        for q in (True, False)
        for kind in MotionKind
    }
    produced |= {quorum(4, a).rule for a in (2, 3)}
    produced |= {
        amendment_may_be_put_to_vote(from_board_of_trustees=b, supporters=s, full_members=3).reason
        for b in (True, False)
        for s in (0, 3)
    }
    assert produced == RULE_KEYS


# --- Property tests against a plain reference -------------------------------


def reference_share_met(part: int, whole: int, share: Fraction, *, at_least: bool) -> bool:
    if whole == 0:
        return False
    ratio = Fraction(part, whole)
    return ratio >= share if at_least else ratio > share


def reference_tally(yes: int, no: int, abstain: int, *, count_abstain: bool) -> str:
    if yes == 0 and no == 0:
        return "failed"
    if yes == no:
        return "failed"
    base = yes + no + (abstain if count_abstain else 0)
    return "passed" if Fraction(yes, base) > Fraction(1, 2) else "failed"


counts = st.integers(min_value=0, max_value=400)


@given(yes=counts, no=counts, abstain=counts, count_abstain=st.booleans())
def test_tally_matches_the_reference(yes: int, no: int, abstain: int, count_abstain: bool) -> None:
    rules = VotingRules(
        majority_base=MajorityBase.YES_NO_ABSTAIN if count_abstain else MajorityBase.YES_NO
    )
    outcome = tally(yes, no, abstain, rules, quorum_met=True)
    assert outcome.result.value == reference_tally(yes, no, abstain, count_abstain=count_abstain)
    # ``needed`` is exactly the Yes count at which the majority starts.
    if outcome.votes_cast:
        assert Fraction(outcome.needed, outcome.votes_cast) > Fraction(1, 2)
        assert Fraction(outcome.needed - 1, outcome.votes_cast) <= Fraction(1, 2)


@given(total=st.integers(min_value=0, max_value=2000), data=st.data())
def test_quorum_matches_the_reference(total: int, data: st.DataObject) -> None:
    attending = data.draw(st.integers(min_value=0, max_value=total))
    result = quorum(total, attending)
    assert result.met == reference_share_met(attending, total, Fraction(1, 2), at_least=False)
    assert result.met == (total > 0 and attending >= result.needed)


@given(total=st.integers(min_value=0, max_value=2000), data=st.data())
def test_amendment_support_matches_the_reference(total: int, data: st.DataObject) -> None:
    supporters = data.draw(st.integers(min_value=0, max_value=total))
    verdict = amendment_may_be_put_to_vote(
        from_board_of_trustees=False, supporters=supporters, full_members=total
    )
    expected = reference_share_met(supporters, total, Fraction(2, 3), at_least=True)
    assert bool(verdict) == expected
    # The documented integer form: 3 * support >= 2 * full members.
    assert expected == (total > 0 and 3 * supporters >= 2 * total)


@given(
    numerator=st.integers(min_value=1, max_value=20),
    extra=st.integers(min_value=0, max_value=20),
    inclusive=st.booleans(),
    whole=st.integers(min_value=0, max_value=500),
    data=st.data(),
)
def test_any_threshold_matches_the_reference(
    numerator: int, extra: int, inclusive: bool, whole: int, data: st.DataObject
) -> None:
    denominator = numerator + extra
    if not inclusive and extra == 0:
        denominator += 1
    threshold = Threshold(numerator, denominator, inclusive=inclusive)
    part = data.draw(st.integers(min_value=0, max_value=whole))
    share = Fraction(numerator, denominator)
    assert threshold.met_by(part, whole) == reference_share_met(
        part, whole, share, at_least=inclusive
    )
    assert threshold.met_by(part, whole) == (whole > 0 and part >= threshold.minimum(whole))


def test_named_thresholds_are_the_charters() -> None:
    assert (MORE_THAN_HALF.numerator, MORE_THAN_HALF.denominator) == (1, 2)
    assert not MORE_THAN_HALF.inclusive
    assert (AT_LEAST_TWO_THIRDS.numerator, AT_LEAST_TWO_THIRDS.denominator) == (2, 3)
    assert AT_LEAST_TWO_THIRDS.inclusive
