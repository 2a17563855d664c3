"""Every reason a workflow can refuse with has its sentence, in English and Arabic.

The reasons are read from the code of ``workflows/``, not from a list kept by
hand: the ``reason`` of every ``NotAllowed`` raised, whether a literal, an
f-string over an enum or the charter's articles, or a variable holding what a
rule function returns; every ``Verdict(False, ...)``; and every charter key
(``art<N>.<...>``, ``procedure.<...>``) a function returns as a refusal. A
reason missing here would reach the user as "You are not allowed".
"""

import ast
import importlib
import re
from enum import StrEnum
from pathlib import Path

import pytest

from bot.i18n import text_for
from bot.reasons import GENERIC, REFUSALS, sentence_for
from workflows.charter import bodies, meetings, voting

ROOT = Path(__file__).resolve().parent.parent / "workflows"
CHARTER_KEY = re.compile(r"^(art\d+|procedure)\.[a-z_]+$")
# Outcomes and passes are not refusals: they have sentences of their own.
NOT_REFUSALS = set(voting.RULE_KEYS)
PUBLISHED = {*meetings.MEETING_RULE_KEYS, *bodies.SEAT_RULE_KEYS, *voting.RULE_KEYS}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _called_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return ""


def _returned_strings(modules: list[tuple[str, ast.Module]], function: str) -> set[str]:
    """The string constants a workflow function of that name returns."""
    out = set()
    for _, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == function:
                for inner in ast.walk(node):
                    returned = inner.value if isinstance(inner, ast.Return) else None
                    if isinstance(returned, ast.Constant) and isinstance(returned.value, str):
                        out.add(returned.value)
    return out


def _f_string_values(module: str, value: ast.JoinedStr, *, refusal: bool = True) -> set[str]:
    """Expand an f-string reason: ``{x.value}`` over the StrEnum named like ``x`` in
    its module; an article placeholder over the charter's published keys."""
    pattern = "".join(
        re.escape(part.value) if isinstance(part, ast.Constant) else "(.+)" for part in value.values
    )
    holes = [part for part in value.values if isinstance(part, ast.FormattedValue)]
    if len(holes) == 1 and isinstance(holes[0].value, ast.Attribute):
        attribute = holes[0].value
        if attribute.attr == "value" and isinstance(attribute.value, ast.Name):
            enum_name = attribute.value.id.capitalize()
            enum = getattr(importlib.import_module(module), enum_name, None)
            if isinstance(enum, type) and issubclass(enum, StrEnum):
                template = ast.unparse(value)[2:-1]
                hole = "{" + ast.unparse(holes[0].value) + "}"
                return {template.replace(hole, member.value) for member in enum}
    matched = {key for key in PUBLISHED if re.fullmatch(pattern, key)}
    assert matched or not refusal, f"{module}: {ast.unparse(value)} matches no published key"
    return matched


def refusal_reasons() -> set[str]:
    modules = _modules()
    reasons: set[str] = set()
    passes: set[str] = set()
    for module, tree in modules:
        if module == "workflows.charter.errors":
            continue
        assigned: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and _called_name(node.value):
                    assigned[target.id] = _called_name(node.value)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if name == "NotAllowed":
                for keyword in node.keywords:
                    if keyword.arg != "reason":
                        continue
                    value = keyword.value
                    if isinstance(value, ast.Constant):
                        reasons.add(value.value)
                    elif isinstance(value, ast.JoinedStr):
                        reasons |= _f_string_values(module, value)
                    elif isinstance(value, ast.Name) and value.id in assigned:
                        returned = _returned_strings(modules, assigned[value.id])
                        assert returned, f"{module}: reason={value.id} returns no key"
                        reasons |= returned
                    else:
                        raise AssertionError(f"{module}: reason {ast.unparse(value)} unread")
            if name == "Verdict" and len(node.args) == 2:
                verdict, key = node.args
                refused = isinstance(verdict, ast.Constant) and verdict.value is False
                keys = (
                    {key.value}
                    if isinstance(key, ast.Constant)
                    else _f_string_values(module, key, refusal=refused)
                    if isinstance(key, ast.JoinedStr)
                    else set()
                )
                if refused:
                    reasons |= keys
                else:
                    passes |= keys
        for node in ast.walk(tree):
            returned = node.value if isinstance(node, ast.Return) else None
            value = returned.value if isinstance(returned, ast.Constant) else None
            if isinstance(value, str) and CHARTER_KEY.match(value):
                reasons.add(value)
    return reasons - passes - NOT_REFUSALS


REASONS = sorted(refusal_reasons())


def test_the_reasons_are_read_from_the_code() -> None:
    # Reasons of every kind the scan must find, so that it cannot silently find none.
    for reason in [
        "withdrawn",  # a literal
        "no_chair",  # an f-string over an enum
        "art8.not_a_seat_holder",  # an f-string over the charter's articles
        "fee_not_positive",  # a rule function's return value
        "art30.source_not_an_amendment",  # a charter key returned as a refusal
        "art25.only_full_members_vote",  # a Verdict(False, ...)
    ]:
        assert reason in REASONS
    assert "art25.entitled" not in REASONS  # a pass is not a refusal


@pytest.mark.parametrize("reason", REASONS)
def test_every_refusal_has_a_sentence_in_both_languages(reason: str) -> None:
    assert reason in REFUSALS, f"{reason} would be told as 'You are not allowed'"
    english, arabic = text_for("en"), text_for("ar")
    assert sentence_for(english, reason) != english._(GENERIC)
    assert english._(REFUSALS[reason]) != arabic._(REFUSALS[reason])
    assert re.search(r"[\u0600-\u06ff]", arabic._(REFUSALS[reason]))
