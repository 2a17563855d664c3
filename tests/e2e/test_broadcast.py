"""Broadcasts end to end, with the sandbox's flood control at Telegram's own rates:
segments and their counts, each reader's language, a document, the progress
message edited to the end, the report and its CSV of those not reached."""

import asyncio
import csv
import io
from collections.abc import AsyncIterator

import pytest

from models import Member, Representation, User
from sandbox import Sandbox
from sandbox.client import SandboxUser
from tests.e2e.conftest import Majlis, plain, says
from workflows.charter.roles import Role

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox(port=0, rate_factor=1.0)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


def member(majlis: Majlis, name: str, country: str, category: str, user_id: int) -> int:
    with majlis.platform.uow.begin() as session:
        if session.get(User, user_id) is None:
            # A representative on the register who never started the bot.
            session.add(User(id=user_id, first_name=name, language="en"))
            session.flush()
        row = Member(category=category, name_en=name, name_ar=name, country=country)
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(Representation(member_id=row.id, user_id=user_id))
        return row.id


def broadcast_copies(messages: list[dict[str, object]]) -> list[dict[str, object]]:
    return [m for m in messages if m["from_bot"] and "Conference" in plain(str(m.get("caption")))]


async def received(user: SandboxUser) -> list[dict[str, object]]:
    return [m for m in await user.transcript() if m["from_bot"]]


async def test_a_broadcast_reaches_each_reader_in_their_language_with_a_report(
    majlis: Majlis,
) -> None:
    secretary = await majlis.person("Salma", "en", (Role.SECRETARIAT,))
    fez = await majlis.person("Fez mayor", "en")
    rabat = await majlis.person("عمدة الرباط", "ar")
    cairo = await majlis.person("Cairo mayor", "en")
    institute = await majlis.person("مدير المعهد", "ar")
    ghost = await majlis.client.create_user("Tunis mayor", language_code="en")
    member(majlis, "Fez", "MA", "full", fez.id)
    member(majlis, "Rabat", "MA", "full", rabat.id)
    member(majlis, "Cairo", "EG", "full", cairo.id)
    member(majlis, "Tunis", "TN", "full", ghost.id)
    member(majlis, "Institute", "MA", "associate", institute.id)
    await majlis.client.request("POST", f"/users/{cairo.id}/block", json={"blocked": True})

    await secretary.send("/broadcast")
    await secretary.wait_for("Who should receive it?")
    await secretary.press_button("Full members")
    chosen = await secretary.wait_for("Reaches 4 people and 4 members.")
    assert "Chosen: Full members" in plain(str(chosen["text"]))
    await secretary.press_button("Next: the text »")
    await secretary.wait_for("in English")

    # Markup Telegram would refuse is refused here, and the text is given back.
    await secretary.send("<b>Conference in Fez")
    refused = await secretary.wait_for("Telegram would refuse this formatting")
    assert refused["text"]
    await secretary.wait_for(says("Your text:"))
    english = '<b>Conference</b> of mayors: <a href="https://example.org/fez">programme</a>'
    await secretary.send(english)
    await secretary.wait_for("in Arabic")
    await secretary.send(
        '<b>Conference</b> مؤتمر العمد: <a href="https://example.org/fez">البرنامج</a>'
    )
    await secretary.wait_for("Send a document")
    await secretary.send_document("agenda.pdf", PDF, "application/pdf")
    await secretary.wait_for("Send it now")
    await secretary.press_button("Send now")
    await secretary.wait_for("Send this broadcast?")
    transcript = await received(secretary)
    seen = "\n".join(plain(str(m.get("text"))) for m in transcript)
    assert "As English readers will see it:" in seen
    assert "As Arabic readers will see it:" in seen
    assert "Readers of English: 3 · of Arabic: 1" in seen
    await secretary.press_button("Confirm and send")
    await secretary.wait_for("starts within seconds")

    report = await secretary.wait_for("report", timeout=60)
    text = plain(str(report["text"]))
    assert "Delivered: 2" in text
    assert "Blocked the bot: 1" in text
    assert "Never started the bot: 1" in text
    assert "Failed: 0" in text
    final = await secretary.wait_for("finished,", after=0, timeout=15)
    assert "4 of 4" in plain(str(final["text"]))
    assert final["edit_date"], "the progress message is edited, not sent again"

    fez_copies = broadcast_copies(await received(fez))
    rabat_copies = broadcast_copies(await received(rabat))
    assert len(fez_copies) == 1 and len(rabat_copies) == 1
    assert "mayors" in plain(str(fez_copies[0]["caption"]))
    assert "مؤتمر العمد" in plain(str(rabat_copies[0]["caption"]))
    assert fez_copies[0]["document"], "the agenda comes with it"
    assert not broadcast_copies(await received(institute)), "associates were not chosen"

    await secretary.press_button("CSV of those not reached")
    sent = await secretary.wait_for(lambda m: bool(m.get("document")), timeout=15)
    document = sent["document"]
    assert isinstance(document, dict)
    content = await majlis.client.session.get(
        f"{majlis.sandbox.url.rstrip('/')}/sandbox/api/files/{document['file_id']}"
    )
    rows = list(csv.reader(io.StringIO((await content.read()).decode("utf-8-sig"))))
    assert rows[0] == ["Telegram id", "Name", "Username", "Language", "Member", "Outcome"]
    outcomes = {int(row[0]): row[5] for row in rows[1:]}
    assert outcomes == {cairo.id: "blocked the bot", ghost.id: "never started the bot"}


async def test_a_missing_translation_is_refused_or_replaced_and_a_scheduled_broadcast_cancelled(
    majlis: Majlis,
) -> None:
    secretary = await majlis.person("Salma", "en", (Role.SECRETARY_GENERAL,))
    fez = await majlis.person("Fez mayor", "en")
    rabat = await majlis.person("عمدة الرباط", "ar")
    member(majlis, "Fez", "MA", "full", fez.id)
    member(majlis, "Rabat", "MA", "observer", rabat.id)

    await secretary.send("/menu")
    await secretary.wait_for("Main menu")
    await secretary.press_button("Broadcast")
    await secretary.wait_for("Who should receive it?")
    await secretary.press_button("Every member's representatives")
    await secretary.wait_for("Reaches 2 people and 2 members.")
    await secretary.press_button("Next: the text »")
    await secretary.wait_for("in English")
    await secretary.send("The <i>Conference</i> is postponed")
    await secretary.wait_for("in Arabic")
    await secretary.press_button("Skip this language")
    await secretary.wait_for("1 recipient reads Arabic, and there is no Arabic text.")
    # Refused until written, or the sender says to send the English: first "Write it".
    await secretary.press_button("Write it")
    await secretary.wait_for("in Arabic")
    await secretary.press_button("Skip this language")
    await secretary.wait_for("1 recipient reads Arabic")
    await secretary.press_button("Send them the English text")
    await secretary.wait_for("Send a document")
    await secretary.press_button("No document")
    await secretary.wait_for("Send it now")
    await secretary.press_button("Schedule…")
    await secretary.wait_for("In which time zone?")
    await secretary.send("Asia/Riyadh")
    await secretary.wait_for("in Asia/Riyadh")
    await secretary.send("01/01/2020 10:00")
    await secretary.wait_for("This time has passed.")
    await secretary.send("01/12/2099 10:00")
    await secretary.wait_for("Send this broadcast?")
    seen = "\n".join(plain(str(m.get("text"))) for m in await received(secretary))
    assert "As Arabic readers will see it:" in seen
    assert seen.count("The Conference is postponed") == 2, "both groups see the English"
    await secretary.press_button("Confirm and send")
    scheduled = await secretary.wait_for("is scheduled for")
    assert "10:00" in plain(str(scheduled["text"]))
    await secretary.press_button("Cancel this broadcast")
    await secretary.wait_for("is cancelled; nothing was sent.")

    majlis.platform.uow.clock.advance(days=365 * 80)  # type: ignore[attr-defined]
    await secretary.send("/menu")
    await secretary.wait_for("Main menu")
    await asyncio.sleep(3)  # ticks every half second: a start would have run
    for user in (fez, rabat):
        assert not [m for m in await received(user) if "postponed" in plain(str(m.get("text")))]
