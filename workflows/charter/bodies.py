"""The organs that vote by seats, and how many seats of each kind they have.

The Board of Trustees (Art. 6), the Steering Committee (Art. 8) and the
Executive Supreme Council (Art. 10) vote by their seat holders; the Assembly
votes by its full members (Art. 24, 25; see ``voting.entitled_voters``) and
has no seats. Compositions are data: a body's size and limits on groups of
seat kinds, since the charter sometimes caps a mix ("3 urban and theology
scholars") rather than each kind.
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from workflows.charter.errors import Verdict
from workflows.charter.roles import Role

K = TypeVar("K", bound=Hashable)


class Body(StrEnum):
    ASSEMBLY = "assembly"  # Art. 23–26
    COUNCIL = "council"  # Executive Supreme Council, Art. 10
    TRUSTEES = "trustees"  # Board of Trustees, Art. 6
    STEERING = "steering"  # Steering Committee, Art. 8


class SeatKind(StrEnum):
    MAYOR = "mayor"
    THEOLOGY_SCHOLAR = "theology_scholar"
    URBAN_SCHOLAR = "urban_scholar"
    URBAN_SCIENCE_PROFESSOR = "urban_science_professor"
    SECRETARY_GENERAL = "secretary_general"
    CHAIR = "chair"


@dataclass(frozen=True, slots=True)
class SeatLimit:
    """At most ``maximum`` seats held by any of ``kinds`` together (None: no cap)."""

    kinds: frozenset[SeatKind]
    maximum: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Composition:
    body: Body
    article: int
    size: int | None  # None: no fixed size
    limits: tuple[SeatLimit, ...]

    @property
    def kinds(self) -> frozenset[SeatKind]:
        return frozenset().union(*(limit.kinds for limit in self.limits))


COMPOSITIONS: Mapping[Body, Composition] = {
    # Art. 6: "9 members on the board of trustees including the Secretary
    # General, Chairman of the Assembly, 4 mayors and 3 urban and theology scholars".
    Body.TRUSTEES: Composition(
        body=Body.TRUSTEES,
        article=6,
        size=9,
        limits=(
            SeatLimit(frozenset({SeatKind.SECRETARY_GENERAL}), 1),
            SeatLimit(frozenset({SeatKind.CHAIR}), 1),
            SeatLimit(frozenset({SeatKind.MAYOR}), 4),
            SeatLimit(frozenset({SeatKind.URBAN_SCHOLAR, SeatKind.THEOLOGY_SCHOLAR}), 3),
        ),
    ),
    # Art. 8: "21 members, including; 7 mayors, 7 theology scholars, and 7
    # urban science professors".
    Body.STEERING: Composition(
        body=Body.STEERING,
        article=8,
        size=21,
        limits=(
            SeatLimit(frozenset({SeatKind.MAYOR}), 7),
            SeatLimit(frozenset({SeatKind.THEOLOGY_SCHOLAR}), 7),
            SeatLimit(frozenset({SeatKind.URBAN_SCIENCE_PROFESSOR}), 7),
        ),
    ),
    # Art. 10: "The council includes all mayors of Islamic countries who are
    # recognized as members": as many mayors as there are member cities.
    Body.COUNCIL: Composition(
        body=Body.COUNCIL,
        article=10,
        size=None,
        limits=(SeatLimit(frozenset({SeatKind.MAYOR}), None),),
    ),
}

# The role a seat on each body gives its holder, so the bot can show that
# body's motions and ballots to them.
SEAT_ROLE: Mapping[Body, Role] = {
    Body.TRUSTEES: Role.TRUSTEE,
    Body.STEERING: Role.STEERING,
    Body.COUNCIL: Role.COUNCIL,
}


def can_assign_seat(body: Body, kind: SeatKind, current_counts: Mapping[SeatKind, int]) -> Verdict:
    """Whether one more seat of ``kind`` fits ``body`` (Art. 6, 8, 10).

    ``current_counts`` are the seats of the body already held, by kind.
    ``Verdict.require()`` raises ``NotAllowed`` with the reason key.
    """
    composition = COMPOSITIONS.get(body)
    if composition is None:
        # Art. 24, 25: the Assembly is its full members, not seats.
        return Verdict(False, "art24.assembly_has_no_seats")
    prefix = f"art{composition.article}"
    if kind not in composition.kinds:
        return Verdict(False, f"{prefix}.seat_kind_not_in_body")
    if composition.size is not None and sum(current_counts.values()) >= composition.size:
        return Verdict(False, f"{prefix}.body_full")
    for limit in composition.limits:
        if kind in limit.kinds and limit.maximum is not None:
            held = sum(current_counts.get(other, 0) for other in limit.kinds)
            if held >= limit.maximum:
                return Verdict(False, f"{prefix}.seat_limit_reached")
    return Verdict(True, f"{prefix}.seat_available")


@dataclass(frozen=True, slots=True)
class Seat(Generic[K]):
    holder_id: K
    body: Body
    kind: SeatKind


def seat_counts(seats: Iterable[Seat[K]], body: Body) -> Counter[SeatKind]:
    """The seats of ``body`` held, by kind: the ``current_counts`` for ``can_assign_seat``."""
    return Counter(seat.kind for seat in seats if seat.body == body)


def voters_of(body: Body, seats: Iterable[Seat[K]]) -> frozenset[K]:
    """In a committee the voters are its seat holders, one vote each however many
    seats one holds (Art. 6, 8, 10). The Assembly's voters are its full members:
    use ``voting.entitled_voters``."""
    if body == Body.ASSEMBLY:
        raise ValueError("the Assembly votes by its full members, not by seats (Art. 25)")
    return frozenset(seat.holder_id for seat in seats if seat.body == body)


def _seat_rule_keys() -> tuple[str, ...]:
    keys = ["art24.assembly_has_no_seats"]
    for composition in COMPOSITIONS.values():
        prefix = f"art{composition.article}"
        keys += [f"{prefix}.seat_available", f"{prefix}.seat_kind_not_in_body"]
        if composition.size is not None:
            keys.append(f"{prefix}.body_full")
        if any(limit.maximum is not None for limit in composition.limits):
            keys.append(f"{prefix}.seat_limit_reached")
    return tuple(keys)


SEAT_RULE_KEYS: tuple[str, ...] = _seat_rule_keys()
"""Every reason ``can_assign_seat`` can give, for the bot's translations."""
