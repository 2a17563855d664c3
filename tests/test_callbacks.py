"""Button data: what a press carries is read back as the button that sent it."""

import pytest

from bot.callbacks import ForgedCallback, parse
from bot.conversations.forms import Nav
from bot.conversations.steps import StepNav


@pytest.mark.parametrize("former", ["nav", "fnav", "mnav"])
def test_a_back_or_cancel_sent_before_navigation_was_one_button_still_navigates(
    former: str,
) -> None:
    """Forms once had a Back/Cancel type each; their buttons are still in people's chats."""
    assert parse(f"{former}:fee_period:back") == StepNav("fee_period", Nav.BACK)
    assert parse(f"{former}:apply:cancel") == StepNav("apply", Nav.CANCEL)
    assert StepNav("apply", Nav.CANCEL).pack() == "step:apply:cancel"


@pytest.mark.parametrize(
    "data", ["", "nope:apply:back", "step:apply", "step:apply:sideways", "step:a:back:extra"]
)
def test_data_no_button_of_ours_carries_is_refused(data: str) -> None:
    with pytest.raises(ForgedCallback):
        parse(data)
