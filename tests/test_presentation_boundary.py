"""Words, tags and callback data are made in bot/, never in workflows/.

Workflows hand over facts: a notification's stable name and arguments, and the buttons
it needs as typed values (``workflows/platform/buttons.py``). The bot gives them their
templates (``bot/notices.py``), labels and typed callbacks (``bot/buttons.py``). Rows
of the outbox written before, with an English template as key and packed callback
data, still render as they did, and a button already sent is still understood.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.conversations  # noqa: F401  (every conversation: every callback prefix registered)
from bot import i18n, notices
from bot.buttons import keyboard
from bot.callbacks import Callback, parse
from bot.delivery import render_in
from bot.i18n import text_for
from models import Notification
from workflows.charter.meetings import Choice, Rsvp
from workflows.fees import payments, periods
from workflows.meetings import amendments, attendance, sessions, tallies
from workflows.membership import applications, honorary, suspensions, withdrawals
from workflows.outreach import broadcasts
from workflows.platform import buttons, values

ROOT = Path(__file__).resolve().parent.parent
#: Telegram's HTML tags (https://core.telegram.org/bots/api#html-style).
TAG = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|tg-emoji|a|code|pre|blockquote)"
    r"(\s[^>]*)?>"
)


def strings(tree: ast.AST) -> Iterator[ast.Constant]:
    """Every string literal but docstrings, f-strings' literal parts included."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node


def callback_prefix(node: ast.AST, prefixes: set[str]) -> str | None:
    """The callback prefix a string starts (``"feepay"``, ``f"feepay:{due}"``), if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        head = node.value.split(":")[0]
        return head if head in prefixes else None
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            head, colon, _ = first.value.partition(":")
            return head if colon and head in prefixes else None
    return None


def exempt(tree: ast.AST) -> set[int]:
    """The f-strings that name a lock or key a row: ``name:{id}`` there is no callback."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        named = [keyword.value for keyword in node.keywords if keyword.arg == "dedupe_key"]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "serialise":
            named += node.args
        skipped.update(id(inner) for value in named for inner in ast.walk(value))
    return skipped


def problems(root: Path) -> list[str]:
    """Where ``root``'s workflows make presentation: HTML, or callback data."""
    prefixes = {prefix for prefix in Callback._registry if len(prefix) > 1}
    found: list[str] = []
    for path in sorted((root / "workflows").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(root)
        for node in strings(tree):
            if TAG.search(node.value):
                found.append(f"{where}:{node.lineno}: HTML in {node.value[:50]!r}")
        # A callback's prefix kept as a module's constant (``PAY = "feepay"``).
        for statement in tree.body:
            if (
                isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Constant)
                and statement.value.value in prefixes
            ):
                found.append(
                    f"{where}:{statement.lineno}: callback prefix {statement.value.value!r}"
                )
        skipped = exempt(tree)
        for node in ast.walk(tree):
            # Data packed from a prefix: f"feepay:{due_id}".
            if isinstance(node, ast.JoinedStr) and id(node) not in skipped:
                prefix = callback_prefix(node, prefixes)
                if prefix is not None:
                    found.append(f"{where}:{node.lineno}: callback data {prefix!r}:...")
            # Fields joined by the callback separator.
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "join"
                and isinstance(node.func.value, ast.Constant)
                and node.func.value.value == ":"
            ):
                found.append(f"{where}:{node.lineno}: fields joined by ':'")
            # A stored button written out: {"key": label, "data": callback}.
            if isinstance(node, ast.Dict) and any(
                isinstance(key, ast.Constant) and key.value == "data" for key in node.keys
            ):
                found.append(f"{where}:{node.lineno}: button data written in a dict")
    return found


def test_workflows_build_no_html_or_callback_strings() -> None:
    assert problems(ROOT) == []


#: Each kind of button a workflow asks for, and the bytes its press has always carried.
PACKED = [
    (periods.PayButton(7), "feepay:7"),
    (payments.DecisionButton(5, payments.Verdict.CONFIRM), "feedec:5:confirm"),
    (payments.DecisionButton(5, payments.Verdict.DISPUTE), "feedec:5:dispute"),
    (payments.CorrectionButton(5, payments.Fix.CORRECT), "feefix:5:correct"),
    (payments.CorrectionButton(5, payments.Fix.CANCEL), "feefix:5:cancel"),
    (applications.DecisionButton(3, applications.Action.FORWARD), "app:3:forward"),
    (applications.DecisionButton(3, applications.Action.ASK), "app:3:ask"),
    (applications.DecisionButton(3, applications.Action.REJECT), "app:3:reject"),
    (applications.DecisionButton(3, applications.Action.ADMIT), "app:3:admit"),
    (applications.HistoryButton(2), "ahist:2"),
    (applications.AnswerButton(3), "answer:3"),
    (
        honorary.DecisionButton(4, honorary.Capacity.CHAIR, honorary.Verdict.CONFIRM),
        "hon:4:chair:confirm",
    ),
    (
        honorary.DecisionButton(4, honorary.Capacity.SECRETARY_GENERAL, honorary.Verdict.DECLINE),
        "hon:4:sg:decline",
    ),
    (withdrawals.DecisionButton(6, withdrawals.Action.ACKNOWLEDGE), "wdr:6:ack"),
    (withdrawals.DecisionButton(6, withdrawals.Action.ACCEPT), "wdr:6:accept"),
    (withdrawals.DecisionButton(6, withdrawals.Action.REFUSE), "wdr:6:refuse"),
    (suspensions.DecisionButton(8, suspensions.Action.SUSPEND), "sus:8:suspend"),
    (suspensions.DecisionButton(8, suspensions.Action.REJECT), "sus:8:reject"),
    (suspensions.DecisionButton(8, suspensions.Action.LIFT), "sus:8:lift"),
    (suspensions.DecisionButton(8, suspensions.Action.KEEP), "sus:8:keep"),
    (sessions.RsvpButton(9, 10, Rsvp.ATTEND), "rsvp:9:10:attend"),
    (sessions.RsvpButton(9, 10, Rsvp.DELEGATE), "rsvp:9:10:delegate"),
    (sessions.RsvpButton(9, 10, Rsvp.DECLINE), "rsvp:9:10:decline"),
    (sessions.CheckInButton(9, 11), "chk:9:11"),
    (attendance.DelegationButton(12, accept=True), "dlg:12:yes"),
    (attendance.DelegationButton(12, accept=False), "dlg:12:no"),
    (tallies.PickButton(13, 11, Choice.YES), "bal:13:11:yes"),
    (tallies.PickButton(13, 0, Choice.ABSTAIN), "bal:13:0:abstain"),
    (tallies.CastButton(13, 11, Choice.NO), "cast:13:11:no"),
    (tallies.PickAgainButton(13, 11), "again:13:11"),
    (tallies.ChangeVoteButton(13, 11), "again:13:11"),
    (tallies.GroupVoteButton(13, Choice.YES), "gv:13:yes"),
    (amendments.SupportButton(14, 11), "sup:14:11"),
    (broadcasts.ReportButton(15), "bcsv:15"),
]


@pytest.mark.parametrize(("fact", "data"), PACKED, ids=[data for _, data in PACKED])
def test_a_button_packs_as_it_always_did(fact: buttons.Button, data: str) -> None:
    stored = buttons.encode([[fact]])
    assert buttons.decode(stored[0][0]) == fact
    [[button]] = keyboard(text_for("en"), stored)
    assert button.data == data
    assert parse(data).pack() == data


def test_every_kind_of_button_is_covered() -> None:
    assert {type(fact) for fact, _ in PACKED} == set(buttons.Button._kinds.values())


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_row_stored_before_renders_as_before(language: str) -> None:
    """A prompt written before the change (English template as key, label and packed
    data as buttons) renders exactly as the same prompt written now."""
    args = values.encode(
        {
            "summary": values.message(
                payments.PAYMENT_SUMMARY,
                heading=values.message(payments.REPORTED_HEADING, number="5"),
                member="Fez",
                member_ar="فاس",
                start="2027",
                end="2028",
                fee="1",
                confirmed="0",
                amount="1",
                paid_on="today",
                reference="TRX",
                reporter="Amina",
                reporter_id="1",
            ),
            "reason": "We received 1,500.",
        }
    )
    now = Notification(
        chat_id=1,
        key=payments.CORRECTED_SUMMARY,
        args=args,
        buttons=buttons.encode(payments.decision_buttons(5)),
    )
    before_args = _with_templates(args)
    before = Notification(
        chat_id=1,
        key=notices.TEMPLATES[payments.CORRECTED_SUMMARY],
        args=before_args,
        buttons=[
            [
                {"key": "Confirm", "data": "feedec:5:confirm"},
                {"key": "Dispute", "data": "feedec:5:dispute"},
            ]
        ],
    )
    assert "<b>" in render_in(language, now)[0]
    assert render_in(language, before) == render_in(language, now)


def _with_templates(value: object) -> object:
    """Stored arguments as they were written before: nested notices keyed by template."""
    if isinstance(value, list):
        return [_with_templates(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"$message"}:
            inner = dict(value["$message"])
            inner["key"] = notices.template(inner["key"])
            inner["args"] = _with_templates(inner["args"])
            return {"$message": inner}
        return {name: _with_templates(item) for name, item in value.items()}
    return value


def test_every_notice_a_workflow_names_has_its_words() -> None:
    """A stable name (``NAME = "module.name"``) without a template would reach the
    reader as it is."""
    named = set()
    for path in (ROOT / "workflows").rglob("*.py"):
        for statement in ast.parse(path.read_text()).body:
            if isinstance(statement, ast.Assign):
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target, value = statement.target, statement.value
            else:
                continue
            pairs = (
                zip(target.elts, value.elts, strict=True)
                if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                else [(target, value)]
            )
            for name, assigned in pairs:
                if not isinstance(name, ast.Name):
                    continue
                stable = f"{path.stem}.{name.id.lower()}"
                # A notice (NAME = "module.name"), or a table of them by case
                # (NAMES = {Case.A: "module.names.a"}).
                values = assigned.values if isinstance(assigned, ast.Dict) else [assigned]
                named.update(
                    value.value
                    for value in values
                    if isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and (
                        value.value == stable
                        or (isinstance(assigned, ast.Dict) and value.value.startswith(f"{stable}."))
                    )
                )
    assert named == set(notices.TEMPLATES)


def test_words_are_never_taken_for_a_notice_name() -> None:
    # bot.i18n takes a key with a space for words and loads the notices only for
    # the others: a stable name with a space would be shown as its name.
    assert not [name for name in notices.TEMPLATES if " " in name]
    for name, words in notices.TEMPLATES.items():
        assert i18n.template(name) == words
    assert i18n.template("Welcome and main menu") == "Welcome and main menu"
