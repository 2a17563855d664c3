"""State machines as data: states and events are enums, transitions a table.

In the manner of python-statemachine, without the dependency: a record keeps
its state in a column (the StrEnum's value), and every step goes through
``StateMachine.check``, which refuses an impossible step with
``IllegalTransition`` and a step by the wrong person with ``NotAllowed``.

A transition whose ``source`` is ``None`` creates the record: it says which
state a new record starts in and who may create it. A machine may have several
(a fee payment is either reported by the member or recorded by the Secretariat),
or none, when another machine's decision creates the record in a known state
(a membership starts ``active`` when an application is admitted).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.charter.roles import Actor

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Transition(Generic[S, E]):
    """``event`` moves a record from ``source`` (``None``: not yet created) to ``target``.

    ``allowed_roles`` lists the roles and parties of which the actor needs at
    least one.
    """

    source: S | None
    event: E
    target: S
    allowed_roles: frozenset[Actor]

    def __post_init__(self) -> None:
        if not self.allowed_roles:
            # A step no one may take is a table mistake, not a rule.
            raise ValueError(f"transition {self.source} --{self.event}--> nobody may fire it")


class StateMachine(Generic[S, E]):
    """A named table of transitions over the states ``states`` and events ``events``."""

    def __init__(
        self,
        *,
        name: str,
        states: type[S],
        events: type[E],
        transitions: Iterable[Transition[S, E]],
    ) -> None:
        self.name = name
        self.states = states
        self.events = events
        self.transitions: tuple[Transition[S, E], ...] = tuple(transitions)
        self._table: dict[tuple[S | None, E], Transition[S, E]] = {}
        for transition in self.transitions:
            key = (transition.source, transition.event)
            if key in self._table:
                raise ValueError(f"{name}: two transitions for {key}")
            if not isinstance(transition.target, states) or not isinstance(
                transition.event, events
            ):
                raise TypeError(f"{name}: {transition} mixes another machine's enums")
            self._table[key] = transition

    def __repr__(self) -> str:
        return f"<StateMachine {self.name}: {len(self.transitions)} transitions>"

    def state(self, value: str) -> S:
        """The state stored in a column as ``value``; an unknown value is refused."""
        try:
            return self.states(value)
        except ValueError:
            raise IllegalTransition(machine=self.name, state=value, event="load") from None

    def transition(self, state: S | str | None, event: E | str) -> Transition[S, E]:
        """The transition ``event`` takes from ``state``, or ``IllegalTransition``."""
        try:
            source = None if state is None else self.states(state)
            key = (source, self.events(event))
        except ValueError:
            raise IllegalTransition(
                machine=self.name, state=None if state is None else str(state), event=str(event)
            ) from None
        found = self._table.get(key)
        if found is None:
            raise IllegalTransition(machine=self.name, state=source, event=key[1])
        return found

    def next(self, state: S | str | None, event: E | str) -> S:
        """The state after ``event``; ``IllegalTransition`` when it cannot happen here."""
        return self.transition(state, event).target

    def can(self, state: S | str | None, event: E | str) -> bool:
        """Whether ``event`` can happen in ``state`` at all (whoever fires it)."""
        try:
            self.transition(state, event)
        except IllegalTransition:
            return False
        return True

    def allowed_events(self, state: S | str | None) -> tuple[E, ...]:
        """The events possible in ``state``, in table order (to draw the buttons)."""
        return tuple(event for source, event in self._table if source == state)

    def roles_for(self, state: S | str | None, event: E | str) -> frozenset[Actor]:
        """The roles and parties of which an actor needs one to fire ``event`` here."""
        return self.transition(state, event).allowed_roles

    def check(
        self,
        state: S | str | None,
        event: E | str,
        roles: Collection[Actor],
        *,
        subject: object = None,
    ) -> S:
        """The state after ``event`` fired by an actor holding ``roles``.

        The role comes first: an actor who may fire ``event`` in no state at all is
        refused as not allowed whatever the record's state, so that the refusal
        tells a stranger nothing about the record. Someone who could fire it then
        hears the real reason ("this application was already decided") rather
        than a misleading "you may not"; ``subject``, the record's id, goes with it.
        """
        try:
            wanted = self.events(event)
        except ValueError:
            raise IllegalTransition(
                machine=self.name,
                state=None if state is None else str(state),
                event=str(event),
                subject=subject,
            ) from None
        anyone = frozenset().union(
            *(t.allowed_roles for t in self.transitions if t.event == wanted)
        )
        if anyone.isdisjoint(roles):
            raise NotAllowed(
                f"{self.name}: {wanted} needs one of {sorted(anyone)}, actor has {sorted(roles)}",
                reason="role_not_allowed",
            )
        try:
            transition = self.transition(state, event)
        except IllegalTransition as refusal:
            refusal.subject = subject
            raise
        if transition.allowed_roles.isdisjoint(roles):
            raise NotAllowed(
                f"{self.name}: {transition.event} from {state} needs one of "
                f"{sorted(transition.allowed_roles)}, actor has {sorted(roles)}",
                reason="role_not_allowed",
            )
        return transition.target

    def events_for(self, state: S | str | None, roles: Collection[Actor]) -> tuple[E, ...]:
        """The events this actor may fire in ``state``: the buttons to show them."""
        return tuple(
            event
            for event in self.allowed_events(state)
            if not self.transition(state, event).allowed_roles.isdisjoint(roles)
        )

    @property
    def initial_events(self) -> tuple[E, ...]:
        """The events that create a record."""
        return self.allowed_events(None)

    @property
    def final_states(self) -> frozenset[S]:
        """States no event leaves: the record's story is over."""
        left = {source for source, _ in self._table if source is not None}
        return frozenset(state for state in self.states if state not in left)

    def is_final(self, state: S | str) -> bool:
        return self.state(state) in self.final_states
