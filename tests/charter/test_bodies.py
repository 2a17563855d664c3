"""Seat limits of the Board of Trustees (Art. 6), Steering Committee (Art. 8), Council (Art. 10)."""

from collections import Counter

import pytest

from workflows.charter.bodies import (
    COMPOSITIONS,
    SEAT_RULE_KEYS,
    Body,
    Seat,
    SeatKind,
    can_assign_seat,
    seat_counts,
    voters_of,
)
from workflows.charter.errors import NotAllowed

MAYOR = SeatKind.MAYOR
THEOLOGY = SeatKind.THEOLOGY_SCHOLAR
URBAN = SeatKind.URBAN_SCHOLAR
PROFESSOR = SeatKind.URBAN_SCIENCE_PROFESSOR
SG = SeatKind.SECRETARY_GENERAL
CHAIR = SeatKind.CHAIR


def fill(body: Body) -> Counter[SeatKind]:
    """Assign seats of every kind in turn while they fit, as the Secretariat would."""
    counts: Counter[SeatKind] = Counter()
    progress = True
    while progress:
        progress = False
        for kind in SeatKind:
            if can_assign_seat(body, kind, counts):
                counts[kind] += 1
                progress = True
    return counts


def test_the_board_of_trustees_fills_to_art6() -> None:
    counts = fill(Body.TRUSTEES)
    assert sum(counts.values()) == 9
    assert (counts[SG], counts[CHAIR], counts[MAYOR]) == (1, 1, 4)
    assert counts[URBAN] + counts[THEOLOGY] == 3
    assert counts[PROFESSOR] == 0


def test_the_steering_committee_fills_to_art8() -> None:
    counts = fill(Body.STEERING)
    assert counts == Counter({MAYOR: 7, THEOLOGY: 7, PROFESSOR: 7})


@pytest.mark.parametrize(
    ("body", "kind", "counts", "reason"),
    [
        (Body.TRUSTEES, MAYOR, {MAYOR: 3}, "art6.seat_available"),
        (Body.TRUSTEES, MAYOR, {MAYOR: 4}, "art6.seat_limit_reached"),
        (Body.TRUSTEES, SG, {SG: 1}, "art6.seat_limit_reached"),
        (Body.TRUSTEES, CHAIR, {}, "art6.seat_available"),
        # Scholars share three seats, whichever their field.
        (Body.TRUSTEES, URBAN, {THEOLOGY: 2}, "art6.seat_available"),
        (Body.TRUSTEES, URBAN, {THEOLOGY: 2, URBAN: 1}, "art6.seat_limit_reached"),
        (Body.TRUSTEES, THEOLOGY, {URBAN: 3}, "art6.seat_limit_reached"),
        (Body.TRUSTEES, PROFESSOR, {}, "art6.seat_kind_not_in_body"),
        (
            Body.TRUSTEES,
            MAYOR,
            {SG: 1, CHAIR: 1, MAYOR: 4, URBAN: 3},
            "art6.body_full",
        ),
        (Body.STEERING, PROFESSOR, {PROFESSOR: 6}, "art8.seat_available"),
        (Body.STEERING, PROFESSOR, {PROFESSOR: 7}, "art8.seat_limit_reached"),
        (Body.STEERING, THEOLOGY, {THEOLOGY: 7, MAYOR: 7}, "art8.seat_limit_reached"),
        (Body.STEERING, URBAN, {}, "art8.seat_kind_not_in_body"),
        (Body.STEERING, SG, {}, "art8.seat_kind_not_in_body"),
        (Body.STEERING, MAYOR, {MAYOR: 7, THEOLOGY: 7, PROFESSOR: 7}, "art8.body_full"),
        (Body.COUNCIL, MAYOR, {MAYOR: 250}, "art10.seat_available"),
        (Body.COUNCIL, THEOLOGY, {}, "art10.seat_kind_not_in_body"),
        (Body.ASSEMBLY, MAYOR, {}, "art24.assembly_has_no_seats"),
    ],
)
def test_seat_limits(body: Body, kind: SeatKind, counts: dict[SeatKind, int], reason: str) -> None:
    verdict = can_assign_seat(body, kind, counts)
    assert verdict.reason == reason
    assert bool(verdict) is reason.endswith("seat_available")
    assert reason in SEAT_RULE_KEYS
    if verdict:
        verdict.require()
    else:
        with pytest.raises(NotAllowed) as refused:
            verdict.require()
        assert refused.value.reason == reason


def test_compositions_add_up() -> None:
    for composition in COMPOSITIONS.values():
        caps = [limit.maximum for limit in composition.limits]
        if composition.size is not None:
            assert all(cap is not None for cap in caps)
            assert sum(cap or 0 for cap in caps) == composition.size


def test_committee_voters_are_its_seat_holders_once_each() -> None:
    seats = [
        Seat(1, Body.TRUSTEES, SG),
        Seat(2, Body.TRUSTEES, MAYOR),
        Seat(2, Body.STEERING, MAYOR),
        Seat(3, Body.STEERING, THEOLOGY),
        Seat(4, Body.COUNCIL, MAYOR),
    ]
    assert voters_of(Body.TRUSTEES, seats) == {1, 2}
    assert voters_of(Body.STEERING, seats) == {2, 3}
    assert voters_of(Body.COUNCIL, seats) == {4}
    assert seat_counts(seats, Body.STEERING) == Counter({MAYOR: 1, THEOLOGY: 1})
    with pytest.raises(ValueError):
        voters_of(Body.ASSEMBLY, seats)
