"""The error tree, the roles, and the charter package's independence."""

import ast
import sys
from pathlib import Path

import pytest

from workflows.charter.errors import (
    IllegalTransition,
    InvalidAmount,
    MajlisError,
    NotAllowed,
    Verdict,
)
from workflows.charter.roles import GRANTABLE, STAFF, Party, Role, is_staff

CHARTER = Path(__file__).resolve().parents[2] / "workflows" / "charter"


def test_every_refusal_is_a_majlis_error_with_a_reason() -> None:
    assert NotAllowed("only the Secretariat grants roles").reason == "not_allowed"
    assert str(NotAllowed("only the Secretariat grants roles")) == (
        "only the Secretariat grants roles"
    )
    assert NotAllowed(reason="art6.body_full").reason == "art6.body_full"
    for error in (NotAllowed, IllegalTransition, InvalidAmount):
        assert issubclass(error, MajlisError)


def test_illegal_transition_names_machine_state_and_event() -> None:
    error = IllegalTransition(machine="application", state="admitted", event="submit")
    assert (error.machine, error.state, error.event) == ("application", "admitted", "submit")
    assert str(error) == "application: event 'submit' is not possible in state 'admitted'"
    assert "before it exists" in str(IllegalTransition(machine="motion", state=None, event="close"))


def test_verdict_reads_as_a_bool_and_raises_on_require() -> None:
    assert Verdict(True, "ok") and not Verdict(False, "no")
    Verdict(True, "ok").require()
    with pytest.raises(NotAllowed) as refused:
        Verdict(False, "art30.insufficient_support").require()
    assert refused.value.reason == "art30.insufficient_support"


def test_roles_are_the_stored_lowercase_strings() -> None:
    assert [role.value for role in Role] == [
        "guest",
        "representative",
        "secretariat",
        "secretary_general",
        "chair",
        "trustee",
        "steering",
        "council",
    ]
    assert Role("secretary_general") is Role.SECRETARY_GENERAL
    assert {Role.SECRETARIAT, Role.SECRETARY_GENERAL} == STAFF
    assert Role.GUEST not in GRANTABLE and Role.CHAIR in GRANTABLE
    assert is_staff({Role.REPRESENTATIVE, Role.SECRETARIAT})
    assert not is_staff({Role.CHAIR, Role.TRUSTEE})
    # Parties are never roles: no grant can make someone "owner" of everything.
    assert not {p.value for p in Party} & {r.value for r in Role}


def test_the_charter_imports_only_the_standard_library_and_itself() -> None:
    for module in sorted(CHARTER.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert name.startswith("workflows.charter") or top in sys.stdlib_module_names, (
                    f"{module.name} imports {name}"
                )
