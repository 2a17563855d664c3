"""/start, the language, /help and the main menu.

The menu shows what the user's roles allow. What an item opens is registered by the
feature that owns it (``opens(Item.APPLY, apply_command)`` at the end of its module),
so this module imports no feature: every feature may import it.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.engine import Router, Turn
from bot.i18n import N_, Html, language_name
from workflows.charter.roles import Role
from workflows.platform import people

router = Router("start")


@dataclass(frozen=True)
class PickLanguage(Callback, prefix="lang"):
    language: str


class Item(enum.StrEnum):
    ABOUT = "about"
    APPLY = "apply"
    LANGUAGE = "language"
    HELP = "help"
    STATEMENT = "statement"
    PAYMENT = "payment"
    WITHDRAW = "withdraw"
    MEETINGS = "meetings"
    DIRECTORY = "directory"
    PENDING = "pending"
    ROLES = "roles"
    FEES = "fees"
    BROADCAST = "broadcast"


@dataclass(frozen=True)
class Menu(Callback, prefix="menu"):
    item: Item


LABELS: dict[Item, str] = {
    Item.ABOUT: N_("About the Assembly"),
    Item.APPLY: N_("Apply for membership"),
    Item.LANGUAGE: N_("Language"),
    Item.HELP: N_("Help"),
    Item.STATEMENT: N_("Fee statement"),
    Item.PAYMENT: N_("Report a payment"),
    Item.WITHDRAW: N_("Request withdrawal"),
    Item.MEETINGS: N_("Meetings and votes"),
    Item.DIRECTORY: N_("Member directory"),
    Item.PENDING: N_("Pending approvals"),
    Item.ROLES: N_("Roles"),
    Item.FEES: N_("Fees and payments"),
    Item.BROADCAST: N_("Broadcast"),
}

#: What each menu item opens, filled when the features are imported.
OPENS: dict[Item, Callable[[Turn], None]] = {}


def opens(item: Item, handler: Callable[[Turn], None]) -> None:
    """Register what the menu's ``item`` opens; each item belongs to one feature."""
    if item in OPENS:
        raise ValueError(f"the menu item {item} already opens {OPENS[item].__qualname__}")
    OPENS[item] = handler


STAFF = {Role.SECRETARIAT, Role.SECRETARY_GENERAL}
SEATS = {Role.CHAIR, Role.TRUSTEE, Role.STEERING, Role.COUNCIL}


def menu_items(roles: set[Role]) -> list[Item]:
    """What the main menu offers to someone holding ``roles``."""
    items = [Item.ABOUT]
    if not roles & (STAFF | {Role.REPRESENTATIVE}):
        items.append(Item.APPLY)
    if Role.REPRESENTATIVE in roles:
        items += [Item.STATEMENT, Item.PAYMENT, Item.WITHDRAW]
    if roles & (SEATS | STAFF | {Role.REPRESENTATIVE}):
        items.append(Item.MEETINGS)
    if roles & (STAFF | {Role.REPRESENTATIVE}) or roles & SEATS:
        items.append(Item.DIRECTORY)
    if roles & STAFF:
        items += [Item.PENDING, Item.FEES, Item.ROLES, Item.BROADCAST]
    items += [Item.LANGUAGE, Item.HELP]
    return items


def menu_keyboard(turn: Turn) -> Keyboard:
    buttons = [Button(turn.t._(LABELS[item]), Menu(item).pack()) for item in menu_items(turn.roles)]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def language_keyboard() -> Keyboard:
    return [[Button(language_name(code), PickLanguage(code).pack()) for code in people.LANGUAGES]]


def show_menu(turn: Turn) -> None:
    turn.say(turn.t._("Main menu. What would you like to do?"), menu_keyboard(turn))


@router.command("start", in_groups=True)
def start(turn: Turn) -> None:
    t = turn.t
    if not turn.event.is_private:
        turn.say(t._("Hello! Talk to me in a private chat to use Majlis."))
        return
    if not turn.user.language_chosen:
        turn.say(
            t._(
                "Welcome to Majlis, {name}: the chat desk of the World Assembly of Islamic "
                "Cities.\n\nPlease choose your language. You can change it at any time with "
                "/language.",
                name=turn.user.first_name,
            ),
            language_keyboard(),
        )
        return
    turn.say(t._("Welcome back, {name}.", name=turn.user.first_name), menu_keyboard(turn))


@router.command("language")
def choose_language(turn: Turn) -> None:
    turn.say(turn.t._("Please choose your language."), language_keyboard())


@router.button(PickLanguage)
def pick_language(turn: Turn, pick: PickLanguage) -> None:
    if pick.language not in people.LANGUAGES:
        turn.toast(turn.t._("This language is not available."), alert=True)
        return
    people.set_language(turn.session, turn.user, pick.language)
    turn.edit(turn.t._("Language set: {language}.", language=language_name(pick.language)))
    show_menu(turn)


@router.command("menu")
def menu(turn: Turn) -> None:
    show_menu(turn)


@router.command("help", in_groups=True)
def help_command(turn: Turn) -> None:
    turn.say(help_text(turn))


def help_text(turn: Turn) -> str:
    """The commands this user can use, by role; everything is also in /menu."""
    t = turn.t
    roles = turn.roles
    lines = [
        t._("<b>Majlis</b> helps members of the Assembly with membership, fees and votes."),
        "",
        t._("/start — welcome and main menu"),
        t._("/menu — the main menu"),
        t._("/language — change the language (English or Arabic)"),
        t._("/help — this help"),
        t._("/apply — apply for membership, or resume your application"),
        t._("/status — where your application stands"),
    ]
    if Role.REPRESENTATIVE in roles:
        lines += [
            t._("/statement — your member's fee statement; /pay — report a fee payment"),
            t._("/withdraw — request your member's withdrawal (Art. 21)"),
        ]
    if roles & (STAFF | SEATS | {Role.REPRESENTATIVE}):
        lines.append(t._("/directory — the member directory"))
    if roles & (STAFF | {Role.CHAIR}):
        lines.append(t._("/pending — what waits for your decision"))
    if roles & (STAFF | {Role.TRUSTEE}):
        lines.append(t._("/nominate — nominate an honorary member (Art. 15)"))
    if roles & STAFF:
        lines += [
            t._("/fees — fee periods, payments and voting rights (Art. 18, 25)"),
            t._("/suspend, /lift — propose a suspension or its lifting (Art. 22)"),
            t._("/roles — grant and revoke roles"),
            t._("/broadcast — write to members or a segment of them"),
            t._("/history N — an application's history"),
            t._("/bind — in a group, make it the Secretariat's group"),
        ]
    lines += [
        t._("Meetings, sessions and votes are in the menu: “Meetings and votes”."),
        "",
        t._("Every step has Back and Cancel buttons; nothing you typed is lost on a mistake."),
    ]
    return Html("\n".join(lines))


def about_text(turn: Turn) -> str:
    return turn.t._(
        "<b>The World Assembly of Islamic Cities</b> is an international non-governmental, "
        "not-for-profit organisation promoting sustainable urban development (Charter, "
        "Art. 1–2). Its working languages are English and Arabic (Art. 3).\n\n"
        "Membership is open to cities, represented by their mayors (full members), to "
        "individuals and organisations (associate and observer members), and, by "
        "distinction, honorary members (Art. 12–15)."
    )


@router.button(Menu)
def menu_item(turn: Turn, choice: Menu) -> None:
    if choice.item not in menu_items(turn.roles):
        turn.toast(turn.t._("This item is not in your menu."), alert=True)
        return
    OPENS[choice.item](turn)


def about(turn: Turn) -> None:
    turn.say(about_text(turn), menu_keyboard(turn))


def fallback(turn: Turn) -> None:
    """Text that no flow is waiting for: point the way, never stay silent."""
    turn.say(
        turn.t._("I did not understand that. Please use the buttons below, or send /help."),
        menu_keyboard(turn),
    )


opens(Item.ABOUT, about)
opens(Item.LANGUAGE, choose_language)
opens(Item.HELP, help_command)
