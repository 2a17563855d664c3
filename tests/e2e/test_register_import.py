"""The Secretariat imports the member register in chat: upload, dry run, confirm, result."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models import AuditRecord, Member, PendingRepresentative, Representation
from tests.e2e.conftest import MENU, Majlis, plain, says
from workflows.charter.roles import Role

pytestmark = pytest.mark.e2e


def add_fez(majlis: Majlis) -> int:
    with majlis.platform.uow.begin() as session:
        fez = Member(
            category="full",
            name_en="Fez",
            name_ar="فاس",
            country="MA",
            admitted_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC),
        )
        session.add(fez)
        session.flush()
        assert fez.id is not None
        return fez.id


async def test_the_secretariat_imports_a_register_in_english(majlis: Majlis) -> None:
    clerk = await majlis.person("Amina", "en", (Role.SECRETARIAT,))
    omar = await majlis.person("Omar", "en")
    fez = add_fez(majlis)
    await clerk.send("/directory")
    await clerk.press_button("Import CSV")
    await clerk.wait_for("Import the member register")

    # A file that is no CSV is refused politely, and the form keeps waiting.
    await clerk.send_document("register.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n", "application/pdf")
    await clerk.wait_for("This is not a CSV file saved as UTF-8.")

    register = (
        "\ufeffcategory;name_en;name_ar;country;admitted_at;representatives\r\n"
        "\r\n"
        f'full;Qazvin;قزوين;IR;01/02/2019;"@qazvin_mayor; Omar ({omar.id})"\r\n'
        "observer;Atlantis;أطلانطس;XX;2020-01-01;\r\n"
        "full;Fez;فاس;MA;2024-03-01;\r\n"
    )
    await clerk.send_document("register.csv", register.encode(), "text/csv")
    report = plain((await clerk.wait_for("Dry run of the import"))["text"])
    assert "To create: 1\nTo update: 0\nLeft as they are: 1\nLines with a problem: 1" in report
    assert "Line 4: unknown country “XX”" in report
    assert "Correct these lines and send the file again; nothing was written." in report
    with majlis.platform.uow.begin() as session:
        assert [m.name_en for m in session.exec(select(Member))] == ["Fez"]

    corrected = register.replace("observer;Atlantis;أطلانطس;XX;2020-01-01;\r\n", "")
    await clerk.send_document("register.csv", corrected.encode(), "text/csv")
    report = plain((await clerk.wait_for("Dry run of the import"))["text"])
    assert "To create: 1\nTo update: 0\nLeft as they are: 1\nLines with a problem: 0" in report
    assert "Line 3: Qazvin — قزوين — full member, Iran, admitted February 1, 2019" in report, report
    assert f"representatives added: @qazvin_mayor; Omar ({omar.id})" in report
    assert "owes the fee of the next period opened (Art. 18)" in report
    await clerk.press_button("Import 1 change")
    done = await clerk.wait_for(says("The register is imported."))
    assert "Created: 1; updated: 0; left as they were: 1." in plain(done["text"])

    with majlis.platform.uow.begin() as session:
        qazvin = session.exec(select(Member).where(Member.name_en == "Qazvin")).one()
        assert qazvin.admitted_at == datetime(2019, 2, 1, tzinfo=UTC)
        links = session.exec(select(Representation).where(Representation.member_id == qazvin.id))
        assert [link.user_id for link in links] == [omar.id]
        assert session.exec(select(PendingRepresentative)).one().username == "qazvin_mayor"
        record = session.exec(select(AuditRecord).where(AuditRecord.action == "import")).one()
        assert record.actor_id == clerk.id
        assert session.get(Member, fez) is not None

    # The representative named by @username is linked when they start the bot.
    mayor = await majlis.client.create_user("Reza", language_code="en", username="Qazvin_Mayor")
    await mayor.send("/start")
    await mayor.wait_for(says("registered you as a representative of Qazvin"), timeout=20)
    with majlis.platform.uow.begin() as session:
        link = session.exec(select(Representation).where(Representation.user_id == mayor.id))
        assert [row.member_id for row in link] == [qazvin.id]


async def test_the_secretariat_imports_a_register_in_arabic(majlis: Majlis) -> None:
    clerk = await majlis.person("أمينة", "ar", (Role.SECRETARIAT,))
    fez = add_fez(majlis)
    await clerk.send("/directory")
    await clerk.press_button("استيراد CSV")
    await clerk.wait_for("استيراد سجل الأعضاء")
    await clerk.send("ليس ملفًا")
    await clerk.wait_for("يُرجى إرسال السجل ملفَّ CSV (مستندًا)، أو الضغط على إلغاء.")

    register = (
        "الرقم;الفئة;الاسم بالإنجليزية;الاسم بالعربية;البلد;تاريخ القبول\n"
        f"{str(fez).translate(str.maketrans('0123456789', '٠١٢٣٤٥٦٧٨٩'))};كامل;Fès;فاس;"
        "المغرب;٠١/٠٣/٢٠٢٤\n"
        ";فخري;Dr. Huda;د. هدى;;\n"
    )
    await clerk.send_document("السجل.csv", register.encode(), "text/csv")
    report = plain((await clerk.wait_for("تشغيل تجريبي للاستيراد"))["text"])
    assert "السطر 3: العضو الفخري يلزمه تاريخ القرار الذي منحه العضوية (المادة 15)" in report

    await clerk.send_document(
        "السجل.csv", register.replace(";;\n", ";;٢٠٢٢-١١-١٥\n").encode(), "text/csv"
    )
    report = plain((await clerk.wait_for("تشغيل تجريبي للاستيراد"))["text"])
    assert "للإنشاء: 1\nللتحديث: 1\nيبقى على حاله: 0\nأسطر فيها مشكلة: 0" in report
    assert f"السطر 2: Fès (رقم {fez}): الاسم بالإنجليزية" in report
    assert "السطر 3: Dr. Huda — د. هدى — عضو فخري" in report
    await clerk.press_button("استيراد تغييرين")
    done = await clerk.wait_for(says("تم استيراد السجل."))
    assert "أُنشئ: 1؛ حُدِّث: 1؛ بقي على حاله: 0." in plain(done["text"])
    with majlis.platform.uow.begin() as session:
        renamed = session.get(Member, fez)
        assert renamed is not None and renamed.name_en == "Fès"
        assert renamed.admitted_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    await clerk.send("/menu")
    await clerk.wait_for(MENU["ar"])
