"""The member directory in chat: browse by country, category or standing; export as CSV.

Each list shows the members' names in English and Arabic, their country in the
reader's language, category, standing and admission date (both calendars),
paged within Telegram's message limit. Who may read, and who may see withdrawn
members or export, is decided by ``workflows.membership.directory`` from the database.
"""

import enum
from dataclasses import dataclass

from bot.callbacks import Callback
from bot.chat import Button, Document, Keyboard, Reply
from bot.conversations import countries as country_names
from bot.conversations import pages, refusals
from bot.conversations.forms import BACK
from bot.conversations.start import Item, opens
from bot.engine import Router, Turn
from bot.i18n import Html
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import STAFF
from workflows.membership import directory
from workflows.membership.directory import Entry, Filter
from workflows.platform.values import N_, Country

router = Router("directory")
#: Country buttons per page of the country picker.
COUNTRIES_PER_PAGE = 10


class Open(enum.StrEnum):
    HOME = "home"
    COUNTRIES = "countries"
    CATEGORIES = "categories"
    STANDINGS = "standings"
    EXPORT = "export"


@dataclass(frozen=True)
class Browse(Callback, prefix="dirm"):
    open: Open
    page: int


class Act(enum.StrEnum):
    START = "start"
    CONFIRM = "confirm"
    CANCEL = "cancel"


@dataclass(frozen=True)
class ImportPress(Callback, prefix="dimp"):
    """The Secretariat's import of the register (``bot.conversations.membership.register_import``)."""

    act: Act
    #: The dry run this button confirms: an older report's button is refused.
    digest: str


@dataclass(frozen=True)
class Show(Callback, prefix="dirl"):
    view: Filter
    value: str
    page: int


CATEGORY_GROUPS = {
    MemberCategory.FULL: N_("Full members"),
    MemberCategory.ASSOCIATE: N_("Associate members"),
    MemberCategory.OBSERVER: N_("Observer members"),
    MemberCategory.HONORARY: N_("Honorary members"),
}
CATEGORY_ONE = {
    MemberCategory.FULL: N_("full member"),
    MemberCategory.ASSOCIATE: N_("associate member"),
    MemberCategory.OBSERVER: N_("observer member"),
    MemberCategory.HONORARY: N_("honorary member"),
}
STANDINGS = {
    Standing.ACTIVE: N_("active"),
    Standing.SUSPENDED: N_("suspended"),
    Standing.WITHDRAWN: N_("withdrawn from the Assembly"),
}
STANDING_GROUPS = {
    Standing.ACTIVE: N_("Active members"),
    Standing.SUSPENDED: N_("Suspended members"),
    Standing.WITHDRAWN: N_("Withdrawn members"),
}


def refuse(turn: Turn, refusal: NotAllowed) -> None:
    """A refusal in the directory's words (``directory.*`` in :mod:`bot.reasons`); any
    other reason is told as not being one of its readers."""
    refusals.tell(turn, refusal, words="directory", otherwise="directory.reader")


def staff(turn: Turn) -> bool:
    return bool(turn.roles & STAFF)


def back(turn: Turn, to: Open = Open.HOME) -> list[Button]:
    return [Button(turn.t._(BACK), Browse(to, 0).pack())]


# --- Entering and picking a filter ---------------------------------------------------------


@router.command("directory")
def directory_command(turn: Turn) -> None:
    show_home(turn)


def show_home(turn: Turn, *, edit: bool = False) -> None:
    t = turn.t
    try:
        counts = directory.standings(turn.session, reader_id=turn.user.id)
    except NotAllowed as refusal:
        refuse(turn, refusal)
        return
    present = counts.get(Standing.ACTIVE, 0) + counts.get(Standing.SUSPENDED, 0)
    text = "\n\n".join(
        [
            t._("<b>Member directory</b>"),
            t.n_(
                "The Assembly has {count} member.",
                "The Assembly has {count} members.",
                present,
            ),
            t._("How do you want to browse it?"),
        ]
    )
    rows: Keyboard = [
        [
            Button(t._("By country"), Browse(Open.COUNTRIES, 0).pack()),
            Button(t._("By category"), Browse(Open.CATEGORIES, 0).pack()),
        ],
        [
            Button(t._("By standing"), Browse(Open.STANDINGS, 0).pack()),
            Button(t._("All members"), Show(Filter.ALL, "", 0).pack()),
        ],
    ]
    if staff(turn):
        rows.append(
            [
                Button(t._("Withdrawn included"), Show(Filter.EVERYONE, "", 0).pack()),
                Button(t._("Export CSV"), Browse(Open.EXPORT, 0).pack()),
            ]
        )
        rows.append([Button(t._("Import CSV"), ImportPress(Act.START, "-").pack())])
    (turn.edit if edit else turn.say)(text, rows)


@router.button(Browse)
def browse(turn: Turn, press: Browse) -> None:
    try:
        if press.open is Open.HOME:
            show_home(turn, edit=True)
        elif press.open is Open.COUNTRIES:
            countries_menu(turn, press.page)
        elif press.open is Open.CATEGORIES:
            categories_menu(turn)
        elif press.open is Open.STANDINGS:
            standings_menu(turn)
        else:
            export(turn)
    except NotAllowed as refusal:
        refuse(turn, refusal)


def countries_menu(turn: Turn, page: int) -> None:
    t = turn.t
    counts = directory.countries(turn.session, reader_id=turn.user.id)
    if not counts:
        turn.edit(t._("The directory has no members yet."), [back(turn)])
        return
    codes = sorted(counts, key=lambda code: country_names.sort_key(t.country(code)))
    total = (len(codes) + COUNTRIES_PER_PAGE - 1) // COUNTRIES_PER_PAGE
    page = pages.clamp(page, total)
    buttons = [
        Button(
            t._("{country} ({count})", country=Html(t.country(code)), count=counts[code]),
            Show(Filter.COUNTRY, code, 0).pack(),
        )
        for code in codes[page * COUNTRIES_PER_PAGE : (page + 1) * COUNTRIES_PER_PAGE]
    ]
    rows: Keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    arrows = pages.arrows(page, total, lambda number: Browse(Open.COUNTRIES, number))
    if arrows:
        rows.append(arrows)
    turn.edit(t._("Which country?"), [*rows, back(turn)])


def categories_menu(turn: Turn) -> None:
    t = turn.t
    counts = directory.categories(turn.session, reader_id=turn.user.id)
    if not counts:
        turn.edit(t._("The directory has no members yet."), [back(turn)])
        return
    rows: Keyboard = [
        [
            Button(
                t._("{group} ({count})", group=Html(t._(CATEGORY_GROUPS[category])), count=count),
                Show(Filter.CATEGORY, category.value, 0).pack(),
            )
        ]
        for category, count in counts.items()
    ]
    turn.edit(t._("Which category?"), [*rows, back(turn)])


def standings_menu(turn: Turn) -> None:
    t = turn.t
    counts = directory.standings(turn.session, reader_id=turn.user.id)
    if not counts:
        turn.edit(t._("The directory has no members yet."), [back(turn)])
        return
    rows: Keyboard = [
        [
            Button(
                t._("{group} ({count})", group=Html(t._(STANDING_GROUPS[standing])), count=count),
                Show(Filter.STANDING, standing.value, 0).pack(),
            )
        ]
        for standing, count in counts.items()
    ]
    turn.edit(t._("Which standing?"), [*rows, back(turn)])


# --- The list ----------------------------------------------------------------------------------


def title(turn: Turn, view: Filter, value: str) -> str:
    t = turn.t
    if view is Filter.COUNTRY:
        return t._("<b>Members in {country}</b>", country=Country(value))
    if view is Filter.CATEGORY and value in MemberCategory.__members__.values():
        return f"<b>{t._(CATEGORY_GROUPS[MemberCategory(value)])}</b>"
    if view is Filter.STANDING and value in Standing.__members__.values():
        return f"<b>{t._(STANDING_GROUPS[Standing(value)])}</b>"
    if view is Filter.EVERYONE:
        return t._("<b>All members, withdrawn included</b>")
    return t._("<b>All members</b>")


def block(turn: Turn, entry: Entry) -> str:
    t = turn.t
    return t._(
        "<b>{name_en}</b> — {name_ar}\n{country} · {category} · {standing}\nAdmitted {date}",
        name_en=entry.name_en,
        name_ar=entry.name_ar,
        country=Country(entry.country) if entry.country else "—",
        category=Html(t._(CATEGORY_ONE[entry.category])),
        standing=Html(t._(STANDINGS[entry.standing])),
        date=entry.admitted_at.date(),
    )


@router.button(Show)
def show(turn: Turn, press: Show) -> None:
    t = turn.t
    try:
        found = directory.entries(
            turn.session, reader_id=turn.user.id, view=press.view, value=press.value
        )
    except NotAllowed as refusal:
        refuse(turn, refusal)
        return
    heading = title(turn, press.view, press.value)
    header = "\n".join(
        [heading, t.n_("{count} member", "{count} members", len(found))]
        if found
        else [heading, t._("No members here.")]
    )
    texts = pages.paginate(header, [block(turn, entry) for entry in found])
    page = pages.clamp(press.page, len(texts))
    rows: Keyboard = []
    arrows = pages.arrows(page, len(texts), lambda number: Show(press.view, press.value, number))
    if arrows:
        rows.append(arrows)
    upward = {
        Filter.COUNTRY: Open.COUNTRIES,
        Filter.CATEGORY: Open.CATEGORIES,
        Filter.STANDING: Open.STANDINGS,
    }.get(press.view, Open.HOME)
    rows.append(back(turn, upward))
    turn.edit(Html(texts[page]), rows)


# --- The Secretariat's export ------------------------------------------------------------------


def export(turn: Turn) -> None:
    now = turn.uow.clock.now()
    exported = directory.export_csv(turn.session, actor_id=turn.user.id, now=now)
    caption = turn.t.n_(
        "The member directory, {count} member, as a CSV file (UTF-8).",
        "The member directory, {count} members, as a CSV file (UTF-8).",
        exported.members,
    )
    turn.toast(turn.t._("Preparing the file…"))
    turn.out.append(
        Reply(
            text=caption,
            document=Document(
                file_name=f"majlis-directory-{now:%Y-%m-%d}.csv",
                content=exported.content,
                mime_type="text/csv",
            ),
        )
    )


opens(Item.DIRECTORY, show_home)
