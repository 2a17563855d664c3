"""The member register brought in from the spreadsheet it lives in today.

The columns are those of the directory's export (``workflows.membership.directory``), so an
export re-imports unchanged; a spreadsheet saved as UTF-8 CSV is read too, with or
without a byte order mark, comma or semicolon separated, with Arabic headers, blank
lines and Arabic-Indic digits. :func:`plan` is the dry run: what each line would
create, update or leave alone, and every bad line with its reason. :func:`apply`
plans again under a lock and writes only the plan the Secretariat saw, all of it
in one transaction, or nothing when any line is bad.

A line with an ``id`` is that member. A line without one is the member of exactly
the same names and country; a city already a member under another spelling
(``applications.same_city``, Art. 13, 25) is refused rather than made a second
member: its id in the file says which member is meant.
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import cache
from typing import Any

from babel import Locale
from sqlmodel import Session, col, select

from models import FeePeriod, Member, PendingRepresentative, Representation, User
from workflows.charter.errors import MajlisError, NotAllowed
from workflows.charter.membership import MemberCategory, Standing, VotingRight, pays_fees
from workflows.charter.roles import STAFF, Role
from workflows.fees import periods
from workflows.membership import representation, standing
from workflows.membership.applications import city_name_key
from workflows.platform import audit, locks, people, spreadsheets
from workflows.platform.values import Name

#: About 5,000 members: far more than the Assembly has, far less than would burden a turn.
MAX_BYTES = 1_000_000
NAME_LENGTH = 200
#: Taken by whatever adds members in bulk or one by one, so that a city is one member.
MEMBERS_LOCK = "members"
#: Columns without which a file is no register.
REQUIRED = ("category", "name_en")


class FileProblem(StrEnum):
    TOO_LARGE = "too_large"
    NOT_TEXT = "not_text"
    NO_HEADER = "no_header"
    EMPTY = "empty"


class RegisterRefused(MajlisError):
    """The file as a whole cannot be read as a register."""

    default_reason = "register_refused"

    def __init__(self, problem: FileProblem) -> None:
        super().__init__(f"register refused: {problem.value}", reason=problem.value)
        self.problem = problem


class Problem(StrEnum):
    """Why a line cannot be imported."""

    NO_NAME = "no_name"
    NAME_TOO_LONG = "name_too_long"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_COUNTRY = "unknown_country"
    NO_COUNTRY = "no_country"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    HONORARY_WITHOUT_DATE = "honorary_without_date"
    UNKNOWN_MEMBER = "unknown_member"
    SAME_CITY_MEMBER = "same_city_member"
    SAME_CITY_LINE = "same_city_line"
    DUPLICATE_LINE = "duplicate_line"
    BAD_REPRESENTATIVE = "bad_representative"
    #: Standing and voting right change by decisions (Art. 21, 22, 25), not by a file.
    STANDING = "standing"


class Outcome(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class LineProblem:
    line: int
    problem: Problem
    #: The cell at fault, as written.
    value: str = ""
    other_line: int | None = None
    member_id: int | None = None
    #: The member already holding the city, "English — Arabic".
    other: str = ""


@dataclass(frozen=True)
class LinePlan:
    line: int
    outcome: Outcome
    member_id: int | None
    name: Name
    category: MemberCategory
    country: str | None
    admitted_at: datetime
    #: The fields that change, in the export's order.
    changes: tuple[str, ...] = ()
    representatives_added: tuple[str, ...] = ()
    representatives_ended: tuple[str, ...] = ()
    #: Art. 18: becomes a full member, so owes the fee of the period running.
    owes_fee: bool = False


@dataclass(frozen=True)
class Plan:
    rows: list[LinePlan]
    problems: list[LineProblem]
    #: The fee period an imported full member owes (None: the next one opened).
    period: FeePeriod | None
    digest: str

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)


# --- Reading the file ------------------------------------------------------------------------

#: Headers as the export writes them and as people write them, in English and Arabic,
#: compared as ``city_name_key`` reduces them (no case, spaces or punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "no", "number", "member id", "الرقم", "رقم العضو", "المعرف", "م"),
    "category": ("category", "membership", "الفئة", "فئة العضوية", "العضوية", "نوع العضوية"),
    "name_en": (
        "name_en",
        "name",
        "english name",
        "name english",
        "name (english)",
        "city",
        "الاسم بالإنجليزية",
        "الاسم بالانجليزية",
        "الاسم الإنجليزي",
        "الاسم (بالإنجليزية)",
    ),
    "name_ar": (
        "name_ar",
        "arabic name",
        "name arabic",
        "name (arabic)",
        "الاسم بالعربية",
        "الاسم العربي",
        "الاسم (بالعربية)",
        "الاسم",
    ),
    "country": ("country", "country code", "البلد", "الدولة", "رمز البلد"),
    "country_name": ("country_name", "country name", "اسم البلد", "اسم الدولة"),
    "standing": ("standing", "status", "الوضع", "الحالة"),
    "voting_right": ("voting_right", "voting right", "vote", "حق التصويت"),
    "admitted_at": (
        "admitted_at",
        "admitted",
        "admission date",
        "date of admission",
        "تاريخ القبول",
        "تاريخ الانضمام",
        "تاريخ العضوية",
    ),
    "representatives": (
        "representatives",
        "representative",
        "الممثلون",
        "الممثلين",
        "الممثل",
    ),
}
HEADERS = {city_name_key(alias): column for column, names in ALIASES.items() for alias in names}

CATEGORY_WORDS: dict[str, MemberCategory] = {
    city_name_key(word): category
    for category, words in {
        MemberCategory.FULL: ("full", "full member", "كامل", "عضو كامل", "كاملة", "عضوية كاملة"),
        MemberCategory.ASSOCIATE: ("associate", "associate member", "منتسب", "عضو منتسب"),
        MemberCategory.OBSERVER: ("observer", "observer member", "مراقب", "عضو مراقب"),
        MemberCategory.HONORARY: ("honorary", "honorary member", "فخري", "عضو فخري"),
    }.items()
    for word in words
}
STANDING_WORDS = {
    city_name_key(word): value
    for value, words in {
        Standing.ACTIVE.value: ("active", "نشط", "سارية", "عضوية سارية"),
        Standing.SUSPENDED.value: ("suspended", "معلق", "معلقة", "عضوية معلقة"),
        Standing.WITHDRAWN.value: ("withdrawn", "منسحب"),
    }.items()
    for word in words
}
#: CLDR territory codes that are no country.
NOT_COUNTRIES = frozenset(
    "EU EZ UN ZZ QO XA XB AQ BV HM UM CP DG EA IC TA AC".split()  # noqa: SIM905
)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
REPRESENTATIVE = re.compile(r"^(?P<name>.*?)\s*\((?P<who>[^()]*)\)\s*$")


@dataclass(frozen=True)
class Line:
    """One line of the file: its number as a spreadsheet shows it, and its cells by column."""

    number: int
    cells: dict[str, str] = field(default_factory=dict)


def western_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as 0-9, so that ids and dates read alike."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _text(cell: str) -> str:
    """A cell as the export wrote it, back to its text: the apostrophe that kept a
    formula-like value as text goes (``spreadsheets.cell``), spaces are folded."""
    value = unicodedata.normalize("NFC", " ".join(cell.split()))
    if value.startswith("'") and value[1:].startswith(spreadsheets.FORMULA_STARTS):
        value = value[1:]
    return value


def read(content: bytes) -> list[Line]:
    """The lines of a register file; ``RegisterRefused`` when it is none."""
    if len(content) > MAX_BYTES:
        raise RegisterRefused(FileProblem.TOO_LARGE)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterRefused(FileProblem.NOT_TEXT) from None
    if "\x00" in text:
        raise RegisterRefused(FileProblem.NOT_TEXT)
    rows = list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))))
    header_at = next(
        (index for index, (_, cells) in enumerate(rows) if any(c.strip() for c in cells)), None
    )
    if header_at is None:
        raise RegisterRefused(FileProblem.EMPTY)
    columns = [HEADERS.get(city_name_key(cell)) for cell in rows[header_at][1]]
    if any(name not in columns for name in REQUIRED):
        raise RegisterRefused(FileProblem.NO_HEADER)
    lines = []
    for index, cells in rows[header_at + 1 :]:
        values = {
            column: _text(cell)
            for column, cell in zip(columns, cells, strict=False)
            if column is not None
        }
        if any(values.values()):
            # Numbered as the spreadsheet numbers its rows (the header is row 1): by record,
            # so a quoted cell over several lines is still one row.
            lines.append(Line(number=index + 1, cells=values))
    if not lines:
        raise RegisterRefused(FileProblem.EMPTY)
    return lines


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


@cache
def _countries() -> dict[str, str]:
    """Country codes by every way of writing them: code, English or Arabic name."""
    found: dict[str, str] = {}
    for language in ("en", "ar"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES:
                found[city_name_key(str(name))] = code
                found[code.casefold()] = code
    return found


def _country(cells: dict[str, str]) -> tuple[str | None, str]:
    """(code or None, what was written)."""
    written = cells.get("country") or cells.get("country_name") or ""
    if not written:
        return None, ""
    code = _countries().get(written.casefold()) or _countries().get(city_name_key(written))
    return code, written


def _date(written: str) -> datetime | date | None:
    text = western_digits(written).replace("؍", "/")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is not None and ("T" in text or " " in text):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


# --- Planning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A representative as written in the file, resolved."""

    shown: str
    user: User | None = None
    username: str | None = None


shown = people.as_registered


def _person(session: Session, written: str) -> Person | None:
    match = REPRESENTATIVE.match(written)
    who = western_digits((match.group("who") if match else written).strip())
    if who.isdecimal() and len(who) <= 16:
        user = session.get(User, int(who))
        return (
            Person(shown(user), user=user)
            if user
            else Person(who, user=User(id=int(who), first_name=who))
        )
    found = people.USERNAME.fullmatch(who)
    if found is None or not who.startswith("@"):
        return None
    user = people.find_person(session, who)
    if user is not None:
        return Person(shown(user), user=user)
    return Person(f"@{found.group(1).lower()}", username=found.group(1).lower())


def _current(session: Session, member_id: int) -> dict[str, Person]:
    """Who speaks for the member now, or will once they start the bot."""
    found: dict[str, Person] = {}
    links = session.exec(
        select(User)
        .join(Representation, Representation.user_id == User.id)  # type: ignore[arg-type]
        .where(Representation.member_id == member_id, col(Representation.until).is_(None))
    )
    for user in links:
        found[shown(user)] = Person(shown(user), user=user)
    waiting = session.exec(
        select(PendingRepresentative).where(PendingRepresentative.member_id == member_id)
    )
    for pending in waiting:
        found[f"@{pending.username}"] = Person(f"@{pending.username}", username=pending.username)
    return found


def _key(person: Person) -> tuple[str, str]:
    if person.user is not None:
        return ("id", str(person.user.id))
    return ("username", person.username or "")


@dataclass
class _Line:
    """A line understood, with what it means for the database."""

    plan: LinePlan
    member: Member | None
    wanted: list[Person] | None


class _Register:
    """The register as it stands, indexed so that each line is looked up, not searched."""

    def __init__(self, session: Session) -> None:
        members = list(session.exec(select(Member).order_by(col(Member.id))))
        self.by_id: dict[int | None, Member] = {member.id: member for member in members}
        self.exact: dict[tuple[str, str, str | None], Member] = {}
        self.cities: dict[tuple[str, str | None, str], list[Member]] = {}
        for member in members:
            if member.standing == Standing.WITHDRAWN.value:
                continue
            self.exact.setdefault((member.name_en, member.name_ar, member.country), member)
            if member.category == MemberCategory.FULL.value:
                for key in city_keys(member):
                    self.cities.setdefault(key, []).append(member)
        self.current: dict[int, dict[str, Person]] = {}
        links = session.exec(
            select(Representation.member_id, User)
            .join(User, User.id == Representation.user_id)  # type: ignore[arg-type]
            .where(col(Representation.until).is_(None))
            .order_by(col(Representation.since), col(Representation.id))
        )
        for member_id, user in links:
            self.current.setdefault(member_id, {})[shown(user)] = Person(shown(user), user=user)
        for pending in session.exec(select(PendingRepresentative)):
            written = f"@{pending.username}"
            self.current.setdefault(pending.member_id, {})[written] = Person(
                written, username=pending.username
            )

    def same_city(self, candidate: Member, member: Member | None) -> Member | None:
        """A full member, other than ``member``, that is ``candidate``'s city (Art. 13)."""
        for key in city_keys(candidate):
            for other in self.cities.get(key, []):
                if other is not member:
                    return other
        return None


def city_keys(member: Member) -> list[tuple[str, str | None, str]]:
    """``applications.same_city`` as keys: the same country and the same name in English,
    or in Arabic."""
    if not member.country:
        return []
    keys = [("en", member.country, city_name_key(member.name_en))]
    keys.append(("ar", member.country, city_name_key(member.name_ar)))
    return [key for key in keys if key[2]]


def plan(session: Session, content: bytes, *, now: datetime) -> Plan:
    """The dry run: what importing ``content`` would do; nothing is written."""
    return _plan(session, read(content), now=now)[0]


def _plan(session: Session, lines: list[Line], *, now: datetime) -> tuple[Plan, list[_Line]]:
    problems: list[LineProblem] = []
    understood: list[_Line] = []
    register = _Register(session)
    seen_ids: dict[int, int] = {}
    seen_cities: dict[tuple[str, str | None, str], int] = {}
    seen_people: dict[tuple[str | None, str, str], int] = {}
    names_at: dict[int, tuple[str, str]] = {}
    for line in lines:
        cells, number = line.cells, line.number
        found = _line(session, line, register, now=now)
        if isinstance(found, LineProblem):
            problems.append(found)
            continue
        row = found.plan
        full = row.category is MemberCategory.FULL
        candidate = Member(
            category=row.category.value,
            name_en=row.name.en,
            name_ar=row.name.ar,
            country=row.country,
        )
        person = (row.country, city_name_key(row.name.en), city_name_key(row.name.ar))
        cities = city_keys(candidate) if full else []
        earlier = seen_ids.get(row.member_id) if row.member_id is not None else None
        if earlier is None:
            earlier = seen_people.get(person)
        if earlier is None:
            earlier = next((seen_cities[key] for key in cities if key in seen_cities), None)
        if earlier is not None:
            problem = (
                Problem.SAME_CITY_LINE
                if full and names_at[earlier] != (row.name.en, row.name.ar)
                else Problem.DUPLICATE_LINE
            )
            problems.append(
                LineProblem(number, problem, value=cells.get("name_en", ""), other_line=earlier)
            )
            continue
        if row.member_id is not None:
            seen_ids[row.member_id] = number
        seen_people[person] = number
        for key in cities:
            seen_cities[key] = number
        names_at[number] = (row.name.en, row.name.ar)
        understood.append(found)
    period = periods.current_period(session, now.date())
    rows = [item.plan for item in understood]
    digest = hashlib.sha256(
        json.dumps(
            [
                [
                    row.line,
                    row.outcome,
                    row.member_id,
                    row.changes,
                    row.representatives_added,
                    row.representatives_ended,
                    row.owes_fee,
                ]
                for row in rows
            ]
            + [[p.line, p.problem] for p in problems]
            + [period.id if period else None],
            default=str,
        ).encode()
    ).hexdigest()[:16]
    return Plan(rows=rows, problems=problems, period=period, digest=digest), understood


def _line(
    session: Session, line: Line, register: _Register, *, now: datetime
) -> _Line | LineProblem:
    cells, number = line.cells, line.number

    def bad(problem: Problem, value: str = "", **more: Any) -> LineProblem:
        return LineProblem(number, problem, value=value, **more)

    name_en, name_ar = cells.get("name_en", ""), cells.get("name_ar", "")
    if not name_en:
        return bad(Problem.NO_NAME)
    if len(name_en) > NAME_LENGTH or len(name_ar) > NAME_LENGTH:
        return bad(Problem.NAME_TOO_LONG, name_en[:40])
    written_category = cells.get("category", "")
    category = CATEGORY_WORDS.get(city_name_key(written_category))
    if category is None:
        return bad(Problem.UNKNOWN_CATEGORY, written_category)
    country, written_country = _country(cells)
    if written_country and country is None:
        return bad(Problem.UNKNOWN_COUNTRY, written_country)
    if country is None and category is not MemberCategory.HONORARY:
        return bad(Problem.NO_COUNTRY)
    written_date = cells.get("admitted_at", "")
    admitted = _date(written_date) if written_date else None
    if written_date and admitted is None:
        return bad(Problem.BAD_DATE, written_date)
    if admitted is None and category is MemberCategory.HONORARY:
        # Art. 15: an honorary membership is a decision signed by the Chair and the
        # Secretary-General; the register must say when it was made.
        return bad(Problem.HONORARY_WITHOUT_DATE)
    written_id = western_digits(cells.get("id", ""))
    member: Member | None = None
    if written_id:
        member = register.by_id.get(int(written_id)) if written_id.isdecimal() else None
        if member is None:
            return bad(Problem.UNKNOWN_MEMBER, cells.get("id", ""))
    candidate = Member(category=category.value, name_en=name_en, name_ar=name_ar, country=country)
    if member is None:
        member = register.exact.get((name_en, name_ar, country))
    if category is MemberCategory.FULL and not (
        member is not None and member.standing == Standing.WITHDRAWN.value
    ):
        clash = register.same_city(candidate, member)
        if clash is not None:
            return bad(
                Problem.SAME_CITY_MEMBER,
                f"{name_en} — {name_ar}" if name_ar else name_en,
                member_id=clash.id,
                other=f"{clash.name_en} — {clash.name_ar}",
            )
    for column, current in (
        ("standing", member.standing if member else Standing.ACTIVE.value),
        ("voting_right", member.voting_right if member else VotingRight.ACTIVE.value),
    ):
        written = cells.get(column, "")
        value = (
            STANDING_WORDS.get(city_name_key(written), written) if column == "standing" else written
        )
        if written and value != current:
            return bad(Problem.STANDING, written)
    wanted: list[Person] | None = None
    if cells.get("representatives"):
        wanted = []
        for item in re.split(r"[;؛\n]", cells["representatives"]):
            if not item.strip():
                continue
            person = _person(session, item.strip())
            if person is None:
                return bad(Problem.BAD_REPRESENTATIVE, item.strip())
            if _key(person) not in {_key(p) for p in wanted}:
                wanted.append(person)
    if isinstance(admitted, datetime):
        if admitted > now:
            return bad(Problem.FUTURE_DATE, written_date)
    elif isinstance(admitted, date) and admitted > now.date():
        return bad(Problem.FUTURE_DATE, written_date)
    speaking = register.current.get(member.id, {}) if member is not None and member.id else {}
    return _planned(number, member, category, candidate, admitted, wanted, speaking, now=now)


def _planned(
    number: int,
    member: Member | None,
    category: MemberCategory,
    candidate: Member,
    admitted: datetime | date | None,
    wanted: list[Person] | None,
    current: dict[str, Person],
    *,
    now: datetime,
) -> _Line:
    if isinstance(admitted, datetime):
        admitted_at = admitted
    elif isinstance(admitted, date):
        admitted_at = (
            member.admitted_at
            if member is not None and member.admitted_at.date() == admitted
            else datetime.combine(admitted, time(0), tzinfo=UTC)
        )
    else:
        admitted_at = member.admitted_at if member is not None else now
    added: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()
    if wanted is not None:
        keys = {_key(person) for person in current.values()}
        added = tuple(p.shown for p in wanted if _key(p) not in keys)
        kept = {_key(person) for person in wanted}
        ended = tuple(p.shown for p in current.values() if _key(p) not in kept)
    changes: tuple[str, ...] = ()
    if member is None:
        outcome = Outcome.CREATE
        owes = pays_fees(category)
    else:
        before = (
            member.category,
            member.name_en,
            member.name_ar,
            member.country,
            member.admitted_at,
        )
        after = (
            category.value,
            candidate.name_en,
            candidate.name_ar,
            candidate.country,
            admitted_at,
        )
        names = ("category", "name_en", "name_ar", "country", "admitted_at")
        changes = tuple(n for n, b, a in zip(names, before, after, strict=True) if b != a)
        if added or ended:
            changes += ("representatives",)
        outcome = Outcome.UPDATE if changes else Outcome.UNCHANGED
        owes = pays_fees(category) and member.category != category.value
    return _Line(
        plan=LinePlan(
            line=number,
            outcome=outcome,
            member_id=member.id if member else None,
            name=Name(candidate.name_en, candidate.name_ar),
            category=category,
            country=candidate.country,
            admitted_at=admitted_at,
            changes=changes,
            representatives_added=added,
            representatives_ended=ended,
            owes_fee=owes and (member is None or member.standing == Standing.ACTIVE.value),
        ),
        member=member,
        wanted=wanted,
    )


# --- Applying ------------------------------------------------------------------------------------


def require_staff(session: Session, actor_id: int | None) -> None:
    """Art. 11: the Secretariat keeps the register; ``None`` is the operator's CLI."""
    if actor_id is not None and not people.roles_of(session, actor_id) & STAFF:
        raise NotAllowed("the register is kept by the Secretariat", reason="staff")


def apply(
    session: Session,
    content: bytes,
    *,
    actor_id: int | None,
    now: datetime,
    expected: str,
    via: str = "chat",
) -> Plan:
    """Write the plan the Secretariat saw (``expected``, its digest), all of it or nothing."""
    require_staff(session, actor_id)
    # Two imports at once, or an import and an admission (``applications.admit``), would
    # each plan against a register the other is changing: two members for one city.
    locks.serialise(session, MEMBERS_LOCK)
    found, understood = _plan(session, read(content), now=now)
    if found.problems:
        raise NotAllowed("the file has bad lines", reason="import_has_problems")
    if found.digest != expected:
        raise NotAllowed("the register changed since the dry run", reason="import_changed")
    for item in understood:
        if item.plan.outcome is not Outcome.UNCHANGED:
            _write(session, item, actor_id=actor_id, now=now)
    audit.record(
        session,
        entity="directory",
        entity_id="members",
        action="import",
        actor_id=actor_id,
        at=now,
        via=via,
        created=found.count(Outcome.CREATE),
        updated=found.count(Outcome.UPDATE),
        unchanged=found.count(Outcome.UNCHANGED),
        digest=found.digest,
    )
    return found


def _write(session: Session, item: _Line, *, actor_id: int | None, now: datetime) -> None:
    row = item.plan
    member = item.member
    if member is None:
        member = Member(
            category=row.category.value,
            name_en=row.name.en,
            name_ar=row.name.ar,
            country=row.country,
            institutional=row.category is MemberCategory.FULL,
            admitted_at=row.admitted_at,
        )
    else:
        member = standing.lock_member(session, member.id or 0)
        member.category, member.name_en, member.name_ar = (
            row.category.value,
            row.name.en,
            row.name.ar,
        )
        member.country, member.admitted_at = row.country, row.admitted_at
    if row.owes_fee:
        # Art. 18: owes the period running as if admitted now; with none, the next one.
        member.fee_notice_due_at = now
    session.add(member)
    session.flush()
    assert member.id is not None
    audit.record(
        session,
        entity="member",
        entity_id=member.id,
        action=f"import_{row.outcome.value}",
        actor_id=actor_id,
        at=now,
        line=row.line,
        changes=list(row.changes),
        added=list(row.representatives_added),
        ended=list(row.representatives_ended),
    )
    if item.wanted is not None:
        _representatives(session, member, item.wanted, actor_id=actor_id, now=now)
    if row.owes_fee:
        periods.issue_first_notice(session, member, now=now)


def _representatives(
    session: Session, member: Member, wanted: list[Person], *, actor_id: int | None, now: datetime
) -> None:
    assert member.id is not None
    keys = {_key(person) for person in wanted}
    for person in _current(session, member.id).values():
        if _key(person) in keys:
            continue
        if person.user is not None:
            link = session.exec(
                select(Representation).where(
                    Representation.member_id == member.id,
                    Representation.user_id == person.user.id,
                    col(Representation.until).is_(None),
                )
            ).one()
            link.until = now
            session.add(link)
            session.flush()
            if not representation.represented_by(session, person.user.id):
                people.revoke_role(
                    session, user_id=person.user.id, role=Role.REPRESENTATIVE, actor_id=actor_id
                )
        else:
            for pending in session.exec(
                select(PendingRepresentative).where(
                    PendingRepresentative.member_id == member.id,
                    PendingRepresentative.username == person.username,
                )
            ):
                session.delete(pending)
    current = {_key(person) for person in _current(session, member.id).values()}
    for person in wanted:
        if _key(person) in current:
            continue
        if person.user is not None:
            people.link_representative(session, member, person.user.id, now=now)
        else:
            session.add(
                PendingRepresentative(
                    member_id=member.id,
                    username=person.username or "",
                    added_by=actor_id,
                    added_at=now,
                )
            )
    session.flush()
