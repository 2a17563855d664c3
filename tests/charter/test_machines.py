"""Every state × event pair of every machine, against tables written out by hand.

The expected tables below restate the charter independently of the machines'
own tables, so a wrong edit to either shows up as a failure here.
"""

import itertools
from enum import StrEnum
from typing import Any

import pytest

from workflows.charter.errors import IllegalTransition, MajlisError, NotAllowed
from workflows.charter.machines import (
    ALL_MACHINES,
    APPLICATION,
    FEE_PAYMENT,
    HONORARY,
    MOTION,
    SUSPENSION,
    WITHDRAWAL,
    ApplicationEvent,
    ApplicationState,
    HonoraryEvent,
    HonoraryState,
    MotionEvent,
    MotionState,
    PaymentEvent,
    PaymentState,
    SuspensionEvent,
    SuspensionState,
    WithdrawalEvent,
    WithdrawalState,
)
from workflows.charter.membership import (
    MEMBERSHIP,
    VOTING_RIGHT,
    Standing,
    StandingEvent,
    VotingRight,
    VotingRightEvent,
)
from workflows.charter.roles import Party, Role
from workflows.charter.statemachine import StateMachine, Transition

OWNER, SYSTEM = Party.OWNER, Party.SYSTEM
SEC, SG, CHAIR = Role.SECRETARIAT, Role.SECRETARY_GENERAL, Role.CHAIR
STAFF: set[Role | Party] = {SEC, SG}
EVERYONE: tuple[Role | Party, ...] = (*Role, *Party)

A, AE = ApplicationState, ApplicationEvent
H, HE = HonoraryState, HonoraryEvent
W, WE = WithdrawalState, WithdrawalEvent
S, SE = SuspensionState, SuspensionEvent
P, PE = PaymentState, PaymentEvent
M, ME = MotionState, MotionEvent

Table = dict[tuple[Any, Any], tuple[Any, set[Role | Party]]]

EXPECTED: dict[str, Table] = {
    "application": {
        (None, AE.START): (A.DRAFT, {Role.GUEST, Role.REPRESENTATIVE}),
        (A.DRAFT, AE.SUBMIT): (A.SUBMITTED, {OWNER}),
        (A.DRAFT, AE.CANCEL): (A.CANCELLED, {OWNER}),
        (A.SUBMITTED, AE.FORWARD): (A.FORWARDED, STAFF),
        (A.SUBMITTED, AE.ASK): (A.AWAITING_INFO, STAFF),
        (A.SUBMITTED, AE.REJECT): (A.REJECTED, STAFF),
        (A.SUBMITTED, AE.CANCEL): (A.CANCELLED, {OWNER}),
        (A.AWAITING_INFO, AE.ANSWER): (A.SUBMITTED, {OWNER}),
        (A.AWAITING_INFO, AE.LAPSE): (A.LAPSED, {SYSTEM}),
        (A.AWAITING_INFO, AE.CANCEL): (A.CANCELLED, {OWNER}),
        (A.FORWARDED, AE.ADMIT): (A.ADMITTED, {SG}),
        (A.FORWARDED, AE.REJECT): (A.REJECTED, {SG}),
    },
    "honorary": {
        (None, HE.NOMINATE): (H.NOMINATED, {SEC, SG, Role.TRUSTEE}),
        (H.NOMINATED, HE.CONFIRM_AS_CHAIR): (H.CHAIR_CONFIRMED, {CHAIR}),
        (H.NOMINATED, HE.CONFIRM_AS_SECRETARY_GENERAL): (H.SG_CONFIRMED, {SG}),
        (H.CHAIR_CONFIRMED, HE.CONFIRM_AS_SECRETARY_GENERAL): (H.CONFIRMED, {SG}),
        (H.SG_CONFIRMED, HE.CONFIRM_AS_CHAIR): (H.CONFIRMED, {CHAIR}),
        (H.NOMINATED, HE.DECLINE): (H.DECLINED, {CHAIR, SG}),
        (H.CHAIR_CONFIRMED, HE.DECLINE): (H.DECLINED, {CHAIR, SG}),
        (H.SG_CONFIRMED, HE.DECLINE): (H.DECLINED, {CHAIR, SG}),
    },
    "withdrawal": {
        (None, WE.REQUEST): (W.REQUESTED, {OWNER, SEC, SG}),
        (W.REQUESTED, WE.ACKNOWLEDGE): (W.ACKNOWLEDGED, STAFF),
        (W.ACKNOWLEDGED, WE.ACCEPT): (W.WITHDRAWN, {SG}),
        (W.ACKNOWLEDGED, WE.REFUSE): (W.REFUSED, {SG}),
        (W.REQUESTED, WE.CANCEL): (W.CANCELLED, {OWNER}),
        (W.ACKNOWLEDGED, WE.CANCEL): (W.CANCELLED, {OWNER}),
    },
    "suspension": {
        (None, SE.PROPOSE): (S.PROPOSED, STAFF),
        (S.PROPOSED, SE.SUSPEND): (S.SUSPENDED, {SG}),
        (S.PROPOSED, SE.REJECT): (S.REJECTED, {SG}),
        (S.SUSPENDED, SE.PROPOSE_LIFT): (S.LIFT_PROPOSED, STAFF),
        (S.LIFT_PROPOSED, SE.LIFT): (S.LIFTED, {SG}),
        (S.LIFT_PROPOSED, SE.KEEP): (S.SUSPENDED, {SG}),
    },
    "fee_payment": {
        (None, PE.REPORT): (P.REPORTED, {OWNER}),
        (None, PE.RECORD): (P.CONFIRMED, STAFF),
        (P.REPORTED, PE.CONFIRM): (P.CONFIRMED, STAFF),
        (P.REPORTED, PE.DISPUTE): (P.DISPUTED, STAFF),
        (P.DISPUTED, PE.CORRECT): (P.REPORTED, {OWNER}),
        (P.REPORTED, PE.CANCEL): (P.CANCELLED, {OWNER}),
        (P.DISPUTED, PE.CANCEL): (P.CANCELLED, {OWNER}),
    },
    "motion": {
        (None, ME.PROPOSE): (M.DRAFT, {SEC, SG}),
        (M.DRAFT, ME.SEEK_SUPPORT): (M.COLLECTING_SUPPORT, {OWNER, SEC, SG}),
        (M.DRAFT, ME.OPEN): (M.OPEN, {SEC, SG, CHAIR}),
        (M.COLLECTING_SUPPORT, ME.OPEN): (M.OPEN, {SEC, SG, CHAIR, SYSTEM}),
        (M.OPEN, ME.CLOSE): (M.CLOSED, {SEC, SG, CHAIR, SYSTEM}),
        (M.DRAFT, ME.WITHDRAW): (M.WITHDRAWN, {OWNER, SEC, SG}),
        (M.COLLECTING_SUPPORT, ME.WITHDRAW): (M.WITHDRAWN, {OWNER, SEC, SG}),
    },
    "membership": {
        (Standing.ACTIVE, StandingEvent.SUSPEND): (Standing.SUSPENDED, {SG}),
        (Standing.SUSPENDED, StandingEvent.LIFT): (Standing.ACTIVE, {SG}),
        (Standing.ACTIVE, StandingEvent.WITHDRAW): (Standing.WITHDRAWN, {SG}),
        (Standing.SUSPENDED, StandingEvent.WITHDRAW): (Standing.WITHDRAWN, {SG}),
    },
    "voting_right": {
        (VotingRight.ACTIVE, VotingRightEvent.SUSPEND_FOR_FEES): (
            VotingRight.SUSPENDED_FOR_FEES,
            {SEC, SG, SYSTEM},
        ),
        (VotingRight.SUSPENDED_FOR_FEES, VotingRightEvent.RESTORE): (
            VotingRight.ACTIVE,
            {SEC, SG, SYSTEM},
        ),
    },
}

MACHINES: dict[str, StateMachine[Any, Any]] = {
    machine.name: machine for machine in (*ALL_MACHINES, MEMBERSHIP, VOTING_RIGHT)
}


def every_pair() -> list[tuple[str, Any, Any]]:
    return [
        (name, state, event)
        for name, machine in MACHINES.items()
        for state, event in itertools.product(
            [None, *machine.states.__members__.values()], machine.events.__members__.values()
        )
    ]


def test_every_machine_has_an_expected_table() -> None:
    assert set(MACHINES) == set(EXPECTED)


@pytest.mark.parametrize(("name", "state", "event"), every_pair())
def test_state_event_pair(name: str, state: StrEnum | None, event: StrEnum) -> None:
    machine = MACHINES[name]
    expected = EXPECTED[name].get((state, event))
    if expected is None:
        assert not machine.can(state, event)
        with pytest.raises(IllegalTransition) as refused:
            machine.next(state, event)
        assert (refused.value.machine, refused.value.event) == (name, event)
        assert refused.value.state == state
        # Impossible beats unauthorised: even the right people hear "impossible".
        with pytest.raises(IllegalTransition):
            machine.check(state, event, EVERYONE)
        return
    target, allowed = expected
    assert machine.can(state, event)
    assert machine.next(state, event) == target
    assert machine.roles_for(state, event) == allowed
    for actor in EVERYONE:
        if actor in allowed:
            assert machine.check(state, event, {actor}) == target
        else:
            with pytest.raises(NotAllowed) as refused_actor:
                machine.check(state, event, {actor})
            assert refused_actor.value.reason == "role_not_allowed"
    assert machine.check(state, event, set(EVERYONE)) == target
    with pytest.raises(NotAllowed):
        machine.check(state, event, set())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_allowed_events_and_buttons(name: str) -> None:
    machine = MACHINES[name]
    for state in [None, *machine.states.__members__.values()]:
        expected = {event for (source, event) in EXPECTED[name] if source == state}
        assert set(machine.allowed_events(state)) == expected
        for actor in EVERYONE:
            mine = {event for event in expected if actor in EXPECTED[name][(state, event)][1]}
            assert set(machine.events_for(state, {actor})) == mine


def test_final_states() -> None:
    assert APPLICATION.final_states == {A.ADMITTED, A.REJECTED, A.LAPSED, A.CANCELLED}
    assert HONORARY.final_states == {H.CONFIRMED, H.DECLINED}
    assert WITHDRAWAL.final_states == {W.WITHDRAWN, W.REFUSED, W.CANCELLED}
    assert SUSPENSION.final_states == {S.REJECTED, S.LIFTED}
    assert FEE_PAYMENT.final_states == {P.CONFIRMED, P.CANCELLED}
    assert MOTION.final_states == {M.CLOSED, M.WITHDRAWN}
    assert MEMBERSHIP.final_states == {Standing.WITHDRAWN}
    assert APPLICATION.is_final("admitted") and not APPLICATION.is_final(A.DRAFT)


def test_honorary_needs_both_signatures_in_either_order() -> None:
    for first, second in itertools.permutations(
        [(HE.CONFIRM_AS_CHAIR, CHAIR), (HE.CONFIRM_AS_SECRETARY_GENERAL, SG)]
    ):
        state = HONORARY.check(None, HE.NOMINATE, {SEC})
        state = HONORARY.check(state, first[0], {first[1]})
        assert state != H.CONFIRMED
        with pytest.raises(IllegalTransition):
            HONORARY.check(state, first[0], {first[1]})  # the same signature twice
        assert HONORARY.check(state, second[0], {second[1]}) == H.CONFIRMED


def test_a_full_application_path() -> None:
    state = APPLICATION.check(None, AE.START, {Role.GUEST})
    state = APPLICATION.check(state, AE.SUBMIT, {Role.GUEST, OWNER})
    state = APPLICATION.check(state, AE.ASK, {SEC})
    state = APPLICATION.check(state, AE.ANSWER, {OWNER})
    state = APPLICATION.check(state, AE.FORWARD, {SEC})
    with pytest.raises(NotAllowed):
        APPLICATION.check(state, AE.ADMIT, {SEC})  # Art. 20: the Secretary-General's word
    assert APPLICATION.check(state, AE.ADMIT, {SG}) == A.ADMITTED


def test_values_from_a_column_are_accepted_and_unknown_ones_refused() -> None:
    assert APPLICATION.next("submitted", "forward") == A.FORWARDED
    assert APPLICATION.state("awaiting_info") is A.AWAITING_INFO
    with pytest.raises(IllegalTransition):
        APPLICATION.state("limbo")
    with pytest.raises(IllegalTransition):
        APPLICATION.next("limbo", AE.SUBMIT)
    with pytest.raises(IllegalTransition) as refused:
        APPLICATION.next(A.SUBMITTED, "teleport")
    assert "teleport" in str(refused.value)
    assert isinstance(refused.value, MajlisError)
    assert refused.value.reason == "illegal_transition"


class _Light(StrEnum):
    RED = "red"
    GREEN = "green"


class _Switch(StrEnum):
    GO = "go"


def test_malformed_tables_are_refused_at_import() -> None:
    go = Transition(_Light.RED, _Switch.GO, _Light.GREEN, frozenset({SEC}))
    with pytest.raises(ValueError, match="two transitions"):
        StateMachine(name="light", states=_Light, events=_Switch, transitions=[go, go])
    with pytest.raises(ValueError, match="nobody"):
        Transition(_Light.RED, _Switch.GO, _Light.GREEN, frozenset())
    with pytest.raises(TypeError):
        StateMachine(
            name="light",
            states=_Light,
            events=_Switch,
            transitions=[Transition(_Light.RED, _Switch.GO, A.DRAFT, frozenset({SEC}))],
        )
