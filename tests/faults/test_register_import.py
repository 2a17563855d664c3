"""Two of the Secretariat confirm the same import of the register at the same moment.

``majlis bot`` and ``majlis worker`` run as processes on PostgreSQL and Redis; the bot is
frozen while both press Confirm on their own dry run, then thawed, so that the presses
reach it in one batch and are handled concurrently. One imports; the other is told, in
their language, that the register changed, and shown the new dry run: nothing to import.
"""

import asyncio

import pytest
from sqlmodel import select

from models import AuditRecord, Member
from tests.e2e.conftest import plain, says
from tests.faults.conftest import Deployment
from tests.faults.test_one_effect import all_press_at_once, copy_with, count
from workflows.charter.roles import Role

pytestmark = pytest.mark.faults

REGISTER = (
    "\ufeffالفئة;الاسم بالإنجليزية;الاسم بالعربية;البلد;تاريخ القبول;الممثلون\n"
    "كامل;Qazvin;قزوين;IR;٠١/٠٢/٢٠١٩;@qazvin_mayor\n"
    "observer;Institute of Urban Heritage;معهد التراث العمراني;MA;2021-05-10;\n"
)


async def test_two_confirmations_in_one_batch_import_once(deployment: Deployment) -> None:
    bot = deployment.bot()
    await asyncio.to_thread(bot.start)
    await asyncio.to_thread(deployment.worker("--threads", "2").start)
    uow = deployment.unit_of_work()
    amina = await deployment.person("Amina", "en", (Role.SECRETARIAT,), uow)
    bilal = await deployment.person("بلال", "ar", (Role.SECRETARIAT,), uow)
    copies = []
    for clerk, button, report in (
        (amina, "Import CSV", "Dry run of the import"),
        (bilal, "استيراد CSV", "تشغيل تجريبي للاستيراد"),
    ):
        await clerk.send("/directory")
        await clerk.press_button(button, timeout=30)
        await clerk.wait_for(says("CSV"), timeout=30)
        await clerk.send_document("register.csv", REGISTER.encode(), "text/csv")
        shown = await clerk.wait_for(says(report), timeout=30)
        confirm = next(
            b["callback_data"]
            for row in shown["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("dimp:confirm:")
        )
        copies.append((clerk, await copy_with(clerk, confirm)(), confirm))

    answers = await all_press_at_once(bot, copies)
    # The two clerks' chats are answered in parallel: either may import, the other is
    # told the register changed, each in their language.
    assert tuple(answers) in {
        ("Imported.", "تغيّر السجل منذ هذا التشغيل التجريبي."),
        ("The register changed since this dry run.", "تم الاستيراد."),
    }, answers
    assert count(uow, Member) == 2
    with uow.db.session() as session:
        imports = session.exec(select(AuditRecord).where(AuditRecord.action == "import")).all()
        assert len(imports) == 1
    winner, loser = (amina, bilal) if answers[0] == "Imported." else (bilal, amina)
    assert imports[0].actor_id == winner.id
    after = {amina.id: "The register is imported.", bilal.id: "تم استيراد السجل."}
    await winner.wait_for(says(after[winner.id]), timeout=30)
    again = {
        amina.id: "Nothing to import: the register already says this.",
        bilal.id: "لا شيء للاستيراد: السجل يتضمّن هذا بالفعل.",
    }
    told = await loser.wait_for(says(again[loser.id]), timeout=30)
    assert "Qazvin" not in plain(told["text"]).split("\n\n")[-1]
