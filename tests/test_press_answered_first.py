"""A button press is answered before the edits and messages its turn owes.

Answering a press takes no turn of the rate limiter; an edit may wait for one for
seconds while a whole room presses. The person's spinner must stop at once."""

import asyncio
from typing import cast

from bot.chat import ChatEvent, Document, Keyboard, Reply, Toast
from bot.engine import Engine, Owed
from bot.runtimes.common import send_owed


class HeldMessenger:
    """Edits and messages wait until released, as behind a busy rate limiter."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.done: list[str] = []

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard) -> None:
        await self.released.wait()
        self.done.append(f"message {text}")

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard) -> None:
        await self.released.wait()
        self.done.append(f"edit {text}")

    async def send_document(self, chat_id: int, document: Document, caption: str) -> None:
        await self.released.wait()
        self.done.append(f"document {caption}")

    async def answer(self, callback_id: str, text: str | None, alert: bool) -> None:
        self.done.append(f"answer {text}")


#: Nothing here is kept in the database, so no engine is asked to stamp it.
NOT_STAMPING = cast(Engine, object())

PRESS = ChatEvent(
    update_id=7,
    user_id=5,
    first_name="Yusuf",
    chat_id=5,
    callback_data="cast:1:2:yes",
    callback_id="q7",
    message_id=40,
)


async def test_the_press_is_answered_while_its_edit_still_waits() -> None:
    messenger = HeldMessenger()
    owed = Owed(
        update_id=PRESS.update_id,
        items=[
            Reply(text="Your ballot: Yes", edit=True),
            Reply(text="Thank you"),
            Toast("Recorded."),
        ],
        kept=False,
    )
    sending = asyncio.create_task(send_owed(NOT_STAMPING, messenger, PRESS, owed))
    for _ in range(100):
        if messenger.done:
            break
        await asyncio.sleep(0.01)
    assert messenger.done == ["answer Recorded."]
    messenger.released.set()
    await sending
    assert messenger.done == ["answer Recorded.", "edit Your ballot: Yes", "message Thank you"]
