"""Importing the member register in chat: /directory → Import, a CSV file, the dry run,
then Confirm. The same report serves ``majlis import members`` (``bot.cli``).

Nothing is written before Confirm; the file waits in the conversation, and Confirm
plans it again and imports only if the register still gives the report shown
(``workflows.membership.member_import``).
"""

import base64
import enum
import html
import logging
import re
from typing import ClassVar

from bot.chat import Button, FileCheck
from bot.conversations import refusals
from bot.conversations.membership.directory import CATEGORY_ONE, Act, ImportPress
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html, Text
from workflows.charter.errors import NotAllowed
from workflows.charter.roles import STAFF
from workflows.membership import member_import
from workflows.membership.member_import import (
    FileProblem,
    LinePlan,
    LineProblem,
    Outcome,
    Plan,
    Problem,
)
from workflows.platform.values import N_, Country

log = logging.getLogger(__name__)
router = Router("register_import")
FLOW = "register_import"


class Step(enum.StrEnum):
    FILE = "file"
    CONFIRM = "confirm"


class Importing(FlowState):
    """The register being imported: the file of the dry run shown (base64) and its digest,
    which Confirm must match."""

    FLOW: ClassVar[str] = FLOW
    step: Step = Step.FILE
    csv: str | None = None
    digest: str | None = None


FILE_PROBLEMS = {
    FileProblem.TOO_LARGE: N_(
        "This file is too large: a register of at most 1 MB, please (about 5,000 members)."
    ),
    FileProblem.NOT_TEXT: N_(
        "This is not a CSV file saved as UTF-8. In your spreadsheet choose Save as → "
        "“CSV UTF-8” and send the file again."
    ),
    FileProblem.NO_HEADER: N_(
        "I cannot find the columns in the first line of this file: it needs at least "
        "category and name_en (the directory's CSV export has every column)."
    ),
    FileProblem.EMPTY: N_("This file lists no members."),
}
PROBLEMS = {
    Problem.NO_NAME: N_("the name in English is missing"),
    Problem.NAME_TOO_LONG: N_("a name is longer than 200 characters"),
    Problem.UNKNOWN_CATEGORY: N_(
        "unknown category “{value}”: write full, associate, observer or honorary"
    ),
    Problem.UNKNOWN_COUNTRY: N_(
        "unknown country “{value}”: write its two-letter code (MA, EG) or its name in "
        "English or Arabic"
    ),
    Problem.NO_COUNTRY: N_("the country is missing"),
    Problem.BAD_DATE: N_(
        "the admission date “{value}” cannot be read: write it as 2024-03-01 or 01/03/2024 "
        "(day first)"
    ),
    Problem.FUTURE_DATE: N_("the admission date “{value}” is in the future"),
    Problem.HONORARY_WITHOUT_DATE: N_(
        "an honorary member needs the date of the decision that conferred it (Art. 15)"
    ),
    Problem.UNKNOWN_MEMBER: N_("there is no member No. {value} (the id column)"),
    Problem.SAME_CITY_MEMBER: N_(
        "{value} is already a member under another spelling: {other} (No. {member}). A city "
        "is one member (Art. 13, 25); to change its spelling, put {member} in the id column"
    ),
    Problem.SAME_CITY_LINE: N_("the same city as line {other_line}"),
    Problem.DUPLICATE_LINE: N_("the same member as line {other_line}"),
    Problem.BAD_REPRESENTATIVE: N_(
        "representative “{value}” cannot be read: write their Telegram @username or "
        "numeric id, separated by “;”"
    ),
    Problem.STANDING: N_(
        "“{value}” differs from the register's standing or voting right, which change only "
        "by a decision (Art. 21, 22, 25): leave the column as exported, or empty"
    ),
}
FIELDS = {
    "category": N_("category"),
    "name_en": N_("name in English"),
    "name_ar": N_("name in Arabic"),
    "country": N_("country"),
    "admitted_at": N_("admission date"),
    "representatives": N_("representatives"),
}
ASK_FOR_FILE = N_(
    "<b>Import the member register</b>\n\n"
    "Send the register as a CSV file (UTF-8, comma or semicolon separated). Its columns "
    "are those of the directory's CSV export: id, category, name_en, name_ar, country, "
    "admitted_at, representatives (Telegram @usernames or ids, separated by “;”); Arabic "
    "headers are understood too.\n\n"
    "First comes a dry run: nothing is written until you confirm."
)
NOT_A_FILE = N_("Please send the register as a CSV file (a document), or press Cancel.")
UNAVAILABLE = N_("I could not fetch this file from Telegram. Please send it again.")
CANCELLED = N_("The import is cancelled; nothing was written.")
CORRECT_AND_AGAIN = N_("Correct these lines and send the file again; nothing was written.")
NOTHING_TO_IMPORT = N_("Nothing to import: the register already says this.")
DRY_RUN_ONLY = N_("This was a dry run: nothing was written. Run again with --apply to import.")
ASK_TO_APPLY = N_("Import these changes? Type yes to import:")
CHANGED = N_(
    "The register changed during the dry run; nothing was written. Please run the import again."
)


def staff(turn: Turn) -> bool:
    return bool(turn.roles & STAFF)


def cancel_row(turn: Turn) -> list[Button]:
    return [Button(turn.t._(N_("Cancel")), ImportPress(Act.CANCEL, "-").pack())]


@router.button(ImportPress)
def pressed(turn: Turn, press: ImportPress) -> None:
    if not staff(turn):
        log.warning("register import refused to user %s, who is not staff", turn.user.id)
        turn.toast(turn.t._(N_("Only the Secretariat imports the member register.")), alert=True)
        return
    if press.act is Act.START:
        turn.start(Importing(), private=True)
        turn.say_privately(turn.t._(ASK_FOR_FILE), [cancel_row(turn)])
        return
    state = turn.state(Importing)
    if press.act is Act.CANCEL:
        if state is not None:
            turn.finish()
        turn.edit(turn.t._(CANCELLED))
        return
    if state is None or state.csv is None or state.digest != press.digest:
        log.warning("stale import confirmation from user %s", turn.user.id)
        turn.toast(
            turn.t._(N_("This report is out of date: please use the latest one.")), alert=True
        )
        return
    content = base64.b64decode(state.csv)
    now = turn.uow.clock.now()
    try:
        done = member_import.apply(
            turn.session, content, actor_id=turn.user.id, now=now, expected=press.digest
        )
    except NotAllowed as refusal:
        if refusal.reason not in {"import_changed", "import_has_problems"}:
            raise
        # Someone changed the register since the dry run: show what the file would do now.
        found = member_import.plan(turn.session, content, now=now)
        turn.toast(refusals.sentence(turn, "register_import.changed"))
        offer(
            turn, state, found, content, heading=N_("<b>The register changed</b>: a new dry run.")
        )
        return
    turn.finish()
    turn.toast(turn.t._(N_("Imported.")))
    turn.say(Html(result(turn.t, done)))


@router.step(FLOW, *Step)
def received(turn: Turn) -> None:
    t = turn.t
    state = turn.state(Importing)
    if state is None:
        return
    file = turn.event.file
    if file is None:
        turn.say(t._(NOT_A_FILE), [cancel_row(turn)])
        return
    if file.check is FileCheck.TOO_LARGE:
        turn.say(t._(FILE_PROBLEMS[FileProblem.TOO_LARGE]), [cancel_row(turn)])
        return
    if file.check is FileCheck.UNAVAILABLE:
        turn.say(t._(UNAVAILABLE), [cancel_row(turn)])
        return
    if file.check is not FileCheck.TEXT or file.content is None:
        turn.say(t._(FILE_PROBLEMS[FileProblem.NOT_TEXT]), [cancel_row(turn)])
        return
    try:
        found = member_import.plan(turn.session, file.content, now=turn.uow.clock.now())
    except member_import.RegisterRefused as refusal:
        turn.say(t._(FILE_PROBLEMS[refusal.problem]), [cancel_row(turn)])
        return
    offer(turn, state, found, file.content)


def offer(
    turn: Turn, state: Importing, found: Plan, content: bytes, *, heading: str | None = None
) -> None:
    """The dry run, and Confirm when there is something to import and nothing is bad."""
    t = turn.t
    text = report(t, found)
    if heading is not None:
        text = f"{t._(heading)}\n\n{text}"
    changes = found.count(Outcome.CREATE) + found.count(Outcome.UPDATE)
    if found.problems:
        state.step, state.csv, state.digest = Step.FILE, None, None
        turn.save(state)
        turn.say(Html(f"{text}\n\n{t._(CORRECT_AND_AGAIN)}"), [cancel_row(turn)])
        return
    if not changes:
        turn.finish()
        turn.say(Html(f"{text}\n\n{t._(NOTHING_TO_IMPORT)}"))
        return
    state.step, state.digest = Step.CONFIRM, found.digest
    state.csv = base64.b64encode(content).decode("ascii")
    turn.save(state)
    confirm = Button(
        t.n_("Import {count} change", "Import {count} changes", changes),
        ImportPress(Act.CONFIRM, found.digest).pack(),
    )
    turn.say(Html(text), [[confirm], cancel_row(turn)])


# --- The report, in chat and on the command line ------------------------------------------------


def report(t: Text, found: Plan) -> str:
    """The dry run in the reader's language: counts, every bad line, then every change."""
    parts = [
        t._(N_("<b>Dry run of the import</b>: nothing has been written yet.")),
        "\n".join(
            [
                t._(N_("To create: {count}"), count=found.count(Outcome.CREATE)),
                t._(N_("To update: {count}"), count=found.count(Outcome.UPDATE)),
                t._(N_("Left as they are: {count}"), count=found.count(Outcome.UNCHANGED)),
                t._(N_("Lines with a problem: {count}"), count=len(found.problems)),
            ]
        ),
    ]
    if found.problems:
        parts.append(
            "\n".join(
                [t._(N_("<b>Lines with a problem</b> (nothing is imported until they are right):"))]
                + [problem_line(t, problem) for problem in found.problems]
            )
        )
    for outcome, title in (
        (Outcome.CREATE, N_("<b>To create</b>:")),
        (Outcome.UPDATE, N_("<b>To update</b>:")),
    ):
        rows = [row for row in found.rows if row.outcome is outcome]
        if rows:
            parts.append("\n".join([t._(title)] + [change_line(t, found, row) for row in rows]))
    return "\n\n".join(parts)


def problem_line(t: Text, problem: LineProblem) -> str:
    reason = t._(
        PROBLEMS[problem.problem],
        value=problem.value,
        other=problem.other,
        member=str(problem.member_id or ""),
        other_line=str(problem.other_line or ""),
    )
    return t._(N_("Line {line}: {reason}"), line=str(problem.line), reason=Html(reason))


def change_line(t: Text, found: Plan, row: LinePlan) -> str:
    if row.outcome is Outcome.CREATE:
        text = t._(
            N_("Line {line}: {name} — {category}, {country}, admitted {date}"),
            line=str(row.line),
            name=row.name.en if not row.name.ar else f"{row.name.en} — {row.name.ar}",
            category=Html(t._(CATEGORY_ONE[row.category])),
            country=Country(row.country) if row.country else "—",
            date=row.admitted_at.date(),
        )
    else:
        text = t._(
            N_("Line {line}: {name} (No. {number}): {changes}"),
            line=str(row.line),
            name=row.name.en,
            number=str(row.member_id),
            changes=Html(", ".join(t._(FIELDS[name]) for name in row.changes)),
        )
    details = []
    if row.representatives_added:
        details.append(
            t._(N_("representatives added: {names}"), names="; ".join(row.representatives_added))
        )
    if row.representatives_ended:
        details.append(
            t._(N_("representatives ended: {names}"), names="; ".join(row.representatives_ended))
        )
    if row.owes_fee and found.period is not None:
        details.append(
            t._(
                N_("owes the fee of the period {start} – {end}, as if admitted today (Art. 18)"),
                start=found.period.starts_on,
                end=found.period.ends_on,
            )
        )
    elif row.owes_fee:
        details.append(t._(N_("owes the fee of the next period opened (Art. 18)")))
    return "\n".join([text, *(f"   · {detail}" for detail in details)])


def result(t: Text, done: Plan) -> str:
    return t._(
        N_(
            "<b>The register is imported.</b> Created: {created}; updated: {updated}; "
            "left as they were: {unchanged}."
        ),
        created=done.count(Outcome.CREATE),
        updated=done.count(Outcome.UPDATE),
        unchanged=done.count(Outcome.UNCHANGED),
    )


def plain(text: str) -> str:
    """A report for a terminal: no markup, no invisible direction marks."""
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub("[\u2066-\u2069\u200e]", "", html.unescape(text))
