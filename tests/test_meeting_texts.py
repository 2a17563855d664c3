"""Every rule key a meeting or a vote can give has its sentence, in both languages."""

import pytest

from bot.i18n import text_for
from bot.reasons import REFUSALS
from workflows.charter.bodies import SEAT_RULE_KEYS
from workflows.charter.meetings import MEETING_RULE_KEYS
from workflows.charter.voting import AMENDMENT_RULE_KEYS, OUTCOME_RULE_KEYS
from workflows.meetings import motions

REFUSABLE = [
    *MEETING_RULE_KEYS,
    *(k for k in SEAT_RULE_KEYS if not k.endswith(".seat_available")),
    "art30.insufficient_support",
]


@pytest.mark.parametrize("key", REFUSABLE)
def test_each_refusal_is_a_sentence_in_both_languages(key: str) -> None:
    assert key in REFUSALS
    english, arabic = text_for("en")._(REFUSALS[key]), text_for("ar")._(REFUSALS[key])
    assert english and arabic and english != arabic


@pytest.mark.parametrize("key", OUTCOME_RULE_KEYS)
def test_each_outcome_rule_is_translated(key: str) -> None:
    message = motions.rule_message(key)
    assert message.key != motions.UNKNOWN_RULE
    article = key.split(".")[0].removeprefix("art")
    english = text_for("en").key(message.key, **message.args)
    arabic = text_for("ar").key(message.key, **message.args)
    assert f"Art. {article}:" in english.replace("\u2068", "").replace("\u2069", "")
    assert f"المادة {article}" in arabic.replace("\u2068", "").replace("\u2069", "")


def test_amendment_keys_are_known() -> None:
    assert "art30.insufficient_support" in AMENDMENT_RULE_KEYS
