"""Roles in chat: the Secretariat sees who holds which role, grants and revokes.

``majlis admin grant`` stays the way to name the first Secretary-General; after
that the Secretariat works here. Every press is authorised again from the
database (``people.may_manage_role``); the buttons only carry what was picked.
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import pages, refusals
from bot.conversations.forms import BACK, CANCEL
from bot.conversations.start import Item, opens
from bot.engine import STALE_BUTTON, FlowState, Router, Turn
from bot.i18n import Html, isolate
from models import User
from workflows.charter.errors import NotAllowed
from workflows.charter.roles import GRANTABLE, STAFF, Role
from workflows.platform import people

router = Router("roles")
FLOW = "roles"
#: Grants offered per page when picking one to revoke.
GRANTS_PER_PAGE = 8


class Step(enum.StrEnum):
    PERSON = "person"
    CONFIRM = "confirm"


class Granting(FlowState):
    """A grant being prepared: the role picked, then the person typed."""

    FLOW: ClassVar[str] = FLOW
    step: Step = Step.PERSON
    role: Role
    person: int | None = None


class Action(enum.StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"


class Where(enum.StrEnum):
    LIST = "list"
    ROLES = "roles"
    PERSON = "person"
    GRANTS = "grants"
    CANCEL = "cancel"


@dataclass(frozen=True)
class ListPage(Callback, prefix="rolp"):
    page: int


@dataclass(frozen=True)
class Begin(Callback, prefix="rolb"):
    action: Action


@dataclass(frozen=True)
class PickRole(Callback, prefix="rolr"):
    role: Role


@dataclass(frozen=True)
class GrantsPage(Callback, prefix="rolg"):
    page: int


@dataclass(frozen=True)
class PickGrant(Callback, prefix="rolx"):
    user_id: int
    role: Role


@dataclass(frozen=True)
class Confirm(Callback, prefix="roly"):
    action: Action
    user_id: int
    role: Role


@dataclass(frozen=True)
class Go(Callback, prefix="roln"):
    to: Where


#: Roles in the order the picker shows them.
ORDER = [role for role in Role if role in GRANTABLE]


def refuse(turn: Turn, reason: str) -> None:
    """A refusal in this flow's words (``roles.*`` in :mod:`bot.reasons`); any other
    reason is told as not being the Secretariat."""
    refusals.tell(
        turn, NotAllowed(reason, reason=reason), words="roles", otherwise="roles.not_staff"
    )


def is_staff(turn: Turn) -> bool:
    """Whether the user is staff; a refusal is given when not."""
    if turn.roles & STAFF:
        return True
    refuse(turn, "not_staff")
    return False


def role_name(turn: Turn, role: Role | str) -> Html:
    return Html(turn.t._(people.ROLE_NAMES[Role(role)]))


def who(turn: Turn, user: User) -> str:
    if user.username:
        return turn.t._(
            "{name} ({username}, id {id})",
            name=user.first_name,
            username=f"@{user.username}",
            id=str(user.id),
        )
    return turn.t._("{name} (id {id})", name=user.first_name, id=str(user.id))


def leave(turn: Turn) -> None:
    """End this flow's typing step; another flow's step is not ours to end."""
    if turn.state(Granting) is not None:
        turn.finish()


def nav(turn: Turn, back: Where | None) -> list[Button]:
    row = [Button(turn.t._(BACK), Go(back).pack())] if back else []
    return [*row, Button(turn.t._(CANCEL), Go(Where.CANCEL).pack())]


# --- The list ----------------------------------------------------------------------


@router.command("roles")
def roles_command(turn: Turn) -> None:
    show_roles(turn)


def show_roles(turn: Turn, page: int = 0, *, edit: bool = False) -> None:
    """Who holds which role, with Grant and Revoke."""
    if not is_staff(turn):
        return
    t = turn.t
    holders: dict[Role, list[str]] = {}
    for user, role in people.all_grants(turn.session):
        if role in GRANTABLE:
            holders.setdefault(Role(role), []).append(who(turn, user))
    blocks = [
        "\n".join([f"<b>{role_name(turn, role)}</b>", *(f"• {line}" for line in holders[role])])
        for role in ORDER
        if role in holders
    ]
    header = t._("<b>Roles</b>")
    if not blocks:
        header = "\n\n".join([header, t._("No one holds a role yet.")])
    texts = pages.paginate(header, blocks)
    page = pages.clamp(page, len(texts))
    rows: Keyboard = [
        [
            Button(t._("Grant a role"), Begin(Action.GRANT).pack()),
            Button(t._("Revoke a role"), Begin(Action.REVOKE).pack()),
        ]
    ]
    arrows = pages.arrows(page, len(texts), ListPage)
    if arrows:
        rows.insert(0, arrows)
    (turn.edit if edit else turn.say)(Html(texts[page]), rows)


@router.button(ListPage)
def list_page(turn: Turn, press: ListPage) -> None:
    show_roles(turn, press.page, edit=True)


@router.button(Begin)
def begin(turn: Turn, press: Begin) -> None:
    if not is_staff(turn):
        return
    leave(turn)
    if press.action is Action.GRANT:
        pick_role_menu(turn)
    else:
        grants_menu(turn, 0)


# --- Granting ------------------------------------------------------------------------


def pick_role_menu(turn: Turn) -> None:
    rows: Keyboard = [[Button(role_name(turn, role), PickRole(role).pack())] for role in ORDER]
    turn.edit(turn.t._("Which role do you want to grant?"), [*rows, nav(turn, Where.LIST)])


@router.button(PickRole)
def pick_role(turn: Turn, press: PickRole) -> None:
    if not is_staff(turn):
        return
    if press.role not in GRANTABLE:
        turn.toast(turn.t._("Everyone is a guest; this role is not granted."), alert=True)
        return
    try:
        people.may_manage_role(turn.session, turn.user.id, press.role)
    except NotAllowed as refusal:
        refuse(turn, refusal.reason)
        return
    turn.start(Granting(role=press.role))
    ask_person(turn, press.role, edit=True)


def ask_person(turn: Turn, role: Role, *, edit: bool) -> None:
    text = turn.t._(
        "Grant the role <b>{role}</b> to whom? Type their Telegram id (digits) or their "
        "@username. They must have opened this bot and sent /start.",
        role=role_name(turn, role),
    )
    (turn.edit if edit else turn.say)(text, [nav(turn, Where.ROLES)])


@router.step(FLOW, *Step)
def typed_person(turn: Turn) -> None:
    state = turn.state(Granting)
    if not is_staff(turn) or state is None:
        return
    role = state.role
    typed = (turn.event.text or "").strip()
    person = people.find_person(turn.session, typed) if typed else None
    if person is None:
        turn.say(
            turn.t._(
                "I know no one with the id or username “{typed}”. The person must first open "
                "this bot and send /start; then type their Telegram id or @username again.",
                typed=typed[:64] or "—",
            ),
            [nav(turn, Where.ROLES)],
        )
        return
    if role in people.roles_of(turn.session, person.id):
        turn.say(
            turn.t._(
                "{person} already holds the role {role}. Type another id or @username.",
                person=Html(who(turn, person)),
                role=role_name(turn, role),
            ),
            [nav(turn, Where.ROLES)],
        )
        return
    state.step, state.person = Step.CONFIRM, person.id
    turn.save(state)
    turn.say(
        turn.t._(
            "Grant the role <b>{role}</b> to {person}? They will be told.",
            role=role_name(turn, role),
            person=Html(who(turn, person)),
        ),
        [
            [Button(turn.t._("Confirm"), Confirm(Action.GRANT, person.id, role).pack())],
            nav(turn, Where.PERSON),
        ],
    )


# --- Revoking ------------------------------------------------------------------------


def grants_menu(turn: Turn, page: int) -> None:
    grants = [(user, Role(role)) for user, role in people.all_grants(turn.session)]
    grants = [(user, role) for user, role in grants if role in GRANTABLE]
    if not grants:
        turn.edit(turn.t._("No one holds a role yet."), [nav(turn, Where.LIST)])
        return
    count = (len(grants) + GRANTS_PER_PAGE - 1) // GRANTS_PER_PAGE
    page = pages.clamp(page, count)
    rows: Keyboard = [
        [
            Button(
                turn.t._(
                    "{role}: {name}",
                    role=role_name(turn, role),
                    name=Html(isolate(user.first_name)),
                ),
                PickGrant(user.id, role).pack(),
            )
        ]
        for user, role in grants[page * GRANTS_PER_PAGE : (page + 1) * GRANTS_PER_PAGE]
    ]
    arrows = pages.arrows(page, count, GrantsPage)
    if arrows:
        rows.append(arrows)
    turn.edit(turn.t._("Which role do you want to revoke?"), [*rows, nav(turn, Where.LIST)])


@router.button(GrantsPage)
def grants_page(turn: Turn, press: GrantsPage) -> None:
    if is_staff(turn):
        grants_menu(turn, press.page)


@router.button(PickGrant)
def pick_grant(turn: Turn, press: PickGrant) -> None:
    if not is_staff(turn):
        return
    try:
        people.may_manage_role(turn.session, turn.user.id, press.role)
    except NotAllowed as refusal:
        refuse(turn, refusal.reason)
        return
    person = turn.session.get(User, press.user_id)
    if person is None or press.role not in people.roles_of(turn.session, person.id):
        turn.toast(turn.t._("This person no longer holds this role."), alert=True)
        grants_menu(turn, 0)
        return
    turn.edit(
        turn.t._(
            "Revoke the role <b>{role}</b> from {person}? They will be told.",
            role=role_name(turn, press.role),
            person=Html(who(turn, person)),
        ),
        [
            [Button(turn.t._("Confirm"), Confirm(Action.REVOKE, person.id, press.role).pack())],
            nav(turn, Where.GRANTS),
        ],
    )


# --- Confirming and navigating --------------------------------------------------------


@router.button(Confirm)
def confirm(turn: Turn, press: Confirm) -> None:
    if not is_staff(turn):
        return
    t = turn.t
    person = turn.session.get(User, press.user_id)
    if person is None or press.role not in GRANTABLE:
        turn.toast(t._(STALE_BUTTON), alert=True)
        return
    try:
        if press.action is Action.GRANT:
            changed = people.grant_role(
                turn.session, user_id=person.id, role=press.role, actor_id=turn.user.id, tell=True
            )
        else:
            changed = people.revoke_role(
                turn.session, user_id=person.id, role=press.role, actor_id=turn.user.id, tell=True
            )
    except NotAllowed as refusal:
        refuse(turn, refusal.reason)
        return
    leave(turn)
    args = {"role": role_name(turn, press.role), "person": Html(who(turn, person))}
    if press.action is Action.GRANT:
        done = (
            t._("Done: {person} now holds the role {role}, and has been told.", **args)
            if changed
            else t._("{person} already holds the role {role}; nothing was changed.", **args)
        )
    else:
        done = (
            t._("Done: {person} no longer holds the role {role}, and has been told.", **args)
            if changed
            else t._("{person} does not hold the role {role}; nothing was changed.", **args)
        )
    turn.edit(done)
    # The acting user may have changed their own roles: the list reads the database again.
    turn.roles = people.roles_of(turn.session, turn.user.id)
    if turn.roles & STAFF:
        show_roles(turn)


@router.button(Go)
def go(turn: Turn, press: Go) -> None:
    if not is_staff(turn):
        return
    if press.to is Where.CANCEL:
        leave(turn)
        turn.edit(turn.t._("Cancelled; nothing was changed."))
    elif press.to is Where.LIST:
        leave(turn)
        show_roles(turn, edit=True)
    elif press.to is Where.ROLES:
        leave(turn)
        pick_role_menu(turn)
    elif press.to is Where.GRANTS:
        leave(turn)
        grants_menu(turn, 0)
    elif (state := turn.state(Granting)) is not None:
        turn.start(Granting(role=state.role))
        ask_person(turn, state.role, edit=True)
    else:
        pick_role_menu(turn)


opens(Item.ROLES, show_roles)
