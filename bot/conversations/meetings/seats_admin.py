"""Seats on the boards, for the Secretariat: who holds which seat, assigning one
(refused with the rule when the composition is full, Art. 6, 8, 10), vacating one."""

from dataclasses import dataclass
from typing import ClassVar

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import steps
from bot.conversations.meetings.callbacks import SeatsHome
from bot.conversations.refusals import explained
from bot.engine import Router, Turn
from bot.i18n import Html
from models import User
from workflows.charter.bodies import COMPOSITIONS, Body, SeatKind
from workflows.meetings import seats, sessions
from workflows.platform import people
from workflows.platform.values import N_

router = Router("seats_admin")


@dataclass(frozen=True)
class SeatBody(Callback, prefix="sbody"):
    body: Body


@dataclass(frozen=True)
class SeatKindPick(Callback, prefix="skind"):
    body: Body
    kind: SeatKind


@dataclass(frozen=True)
class Vacate(Callback, prefix="svac"):
    seat_id: int


class SeatHolder(steps.Typed):
    """The Secretariat typing who takes a seat of ``kind`` on ``body``."""

    FLOW: ClassVar[str] = "seat_holder"
    body: Body
    kind: SeatKind


@router.button(SeatsHome)
@explained
def home(turn: Turn, _press: SeatsHome) -> None:
    seats.require_staff(turn.session, turn.user)
    rows: Keyboard = [
        [Button(turn.t._(sessions.BODY_NAMES[body]), SeatBody(body).pack())]
        for body in seats.SEAT_BODIES
    ]
    turn.say(turn.t._(CHOOSE_BODY), rows)


def body_page(turn: Turn, body: Body) -> None:
    t = turn.t
    held = seats.held(turn.session, body)
    composition = COMPOSITIONS[body]
    lines = [
        t._(
            BODY_HEADER,
            body=Html(t._(sessions.BODY_NAMES[body])),
            held=len(held),
            size=composition.size if composition.size is not None else "—",
        )
    ]
    rows: Keyboard = []
    for seat in held:
        holder = turn.session.get(User, seat.holder_id)
        name = holder.first_name if holder else str(seat.holder_id)
        kind = t._(KIND_NAMES[SeatKind(seat.kind)])
        lines.append(f"• {t.show(name)} — {kind}")
        rows.append([Button(t._(VACATE, name=Html(name)), Vacate(seat.id or 0).pack())])
    for kind in sorted(composition.kinds):
        rows.append(
            [Button(t._(ASSIGN, kind=Html(t._(KIND_NAMES[kind]))), SeatKindPick(body, kind).pack())]
        )
    turn.say(Html("\n".join(lines)), rows)


@router.button(SeatBody)
@explained
def show_body(turn: Turn, press: SeatBody) -> None:
    seats.require_staff(turn.session, turn.user)
    body_page(turn, press.body)


@router.button(SeatKindPick)
@explained
def pick_kind(turn: Turn, press: SeatKindPick) -> None:
    seats.require_staff(turn.session, turn.user)
    turn.start(SeatHolder(body=press.body, kind=press.kind))
    turn.say(turn.t._(WHO, kind=Html(turn.t._(KIND_NAMES[press.kind]))))


@router.flow(SeatHolder.FLOW)
@explained
def typed_holder(turn: Turn) -> None:
    asked = turn.state(SeatHolder)
    if asked is None:
        turn.finish()
        turn.say(turn.t._(steps.CLOSED))
        return
    person = people.find_person(turn.session, turn.event.text or "")
    if person is None:
        turn.say(turn.t._(NO_SUCH_PERSON))
        return
    body, kind = asked.body, asked.kind
    turn.finish()
    seats.assign(turn.session, body, kind, person, turn.user, now=turn.uow.clock.now())
    turn.say(turn.t._(ASSIGNED, name=person.first_name, kind=Html(turn.t._(KIND_NAMES[kind]))))
    body_page(turn, body)


@router.button(Vacate)
@explained
def vacate(turn: Turn, press: Vacate) -> None:
    seat = seats.vacate(turn.session, press.seat_id, turn.user, now=turn.uow.clock.now())
    turn.toast(turn.t._(VACATED))
    body_page(turn, Body(seat.body))


KIND_NAMES = {
    SeatKind.MAYOR: N_("mayor"),
    SeatKind.THEOLOGY_SCHOLAR: N_("theology scholar"),
    SeatKind.URBAN_SCHOLAR: N_("urban scholar"),
    SeatKind.URBAN_SCIENCE_PROFESSOR: N_("urban science professor"),
    SeatKind.SECRETARY_GENERAL: N_("Secretary-General"),
    SeatKind.CHAIR: N_("Chair of the Assembly"),
}
CHOOSE_BODY = N_("<b>Seats</b>\nWhich body?")
BODY_HEADER = N_("<b>{body}</b> — seats held: {held} / {size}")
VACATE = N_("Vacate: {name}")
ASSIGN = N_("Assign a seat: {kind}")
WHO = N_(
    "Who takes the seat ({kind})? Type their @username or Telegram id; they must have started "
    "this bot."
)
NO_SUCH_PERSON = N_(
    "I do not know this person. They must open this bot and press Start first; then type "
    "their @username or Telegram id again."
)
ASSIGNED = N_("{name} now holds a seat: {kind}.")
VACATED = N_("The seat is vacated.")
