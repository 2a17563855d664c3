"""The member register imported from a spreadsheet: the dry run, then one transaction."""

import threading
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from bot.conversations.membership.register_import import plain, report
from bot.i18n import text_for
from models import (
    Application,
    AuditRecord,
    FeeDue,
    FeePeriod,
    Member,
    PendingRepresentative,
    Representation,
    RoleGrant,
    User,
)
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import MemberCategory, Standing
from workflows.charter.roles import Role
from workflows.membership import applications, directory, member_import
from workflows.membership.member_import import FileProblem, Outcome, Problem, RegisterRefused
from workflows.platform import people
from workflows.platform.unit_of_work import UnitOfWork

CLERK, MAYOR, OTHER = 31, 32, 33
NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
ADMITTED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def register(uow: UnitOfWork) -> UnitOfWork:
    """A register with two members, a Secretariat clerk and a fee period running."""
    with uow.begin() as session:
        session.add(User(id=CLERK, first_name="Amina", username="amina_sec"))
        session.add(User(id=MAYOR, first_name="عبد السلام"))
        session.add(User(id=OTHER, first_name="Omar", username="omar_k"))
        session.flush()
        people.grant_role(session, user_id=CLERK, role=Role.SECRETARIAT, actor_id=None)
        people.grant_role(session, user_id=MAYOR, role=Role.REPRESENTATIVE, actor_id=None)
        fez = Member(category="full", name_en="Fez", name_ar="فاس", country="MA")
        fez.admitted_at = ADMITTED
        cairo = Member(category="full", name_en="Cairo", name_ar="القاهرة", country="EG")
        cairo.admitted_at = ADMITTED
        session.add_all([fez, cairo])
        session.flush()
        session.add(Representation(member_id=fez.id or 0, user_id=MAYOR, since=ADMITTED))
        session.add(
            FeePeriod(
                starts_on=date(2025, 1, 1),
                ends_on=date(2026, 12, 31),
                amount_minor=150000,
                currency="USD",
                due_on=date(2025, 9, 30),
                grace_days=60,
                reminder_days_before=[30, 7],
                reminder_every_days_after=14,
            )
        )
    return uow


def export(uow: UnitOfWork) -> bytes:
    with uow.begin() as session:
        return directory.export_csv(session, actor_id=CLERK, now=NOW).content


def snapshot(session: Session) -> list[tuple[object, ...]]:
    members = session.exec(select(Member).order_by(col(Member.id))).all()
    links = session.exec(select(Representation).order_by(col(Representation.id))).all()
    pending = session.exec(select(PendingRepresentative)).all()
    dues = session.exec(select(FeeDue)).all()
    return [
        *(
            (m.id, m.category, m.name_en, m.name_ar, m.country, m.standing, m.admitted_at)
            for m in members
        ),
        *((r.member_id, r.user_id, r.until) for r in links),
        *((p.member_id, p.username) for p in pending),
        *((d.member_id, d.period_id) for d in dues),
    ]


def test_the_directory_export_reimports_unchanged(register: UnitOfWork) -> None:
    content = export(register)
    with register.begin() as session:
        before = snapshot(session)
        found = member_import.plan(session, content, now=NOW)
        assert found.problems == []
        assert [row.outcome for row in found.rows] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
        member_import.apply(session, content, actor_id=CLERK, now=NOW, expected=found.digest)
    with register.begin() as session:
        assert snapshot(session) == before


MESSY = (
    "\ufeffالرقم;الفئة;الاسم بالإنجليزية;الاسم بالعربية;البلد;تاريخ القبول;الممثلون\r\n"
    "\r\n"
    ";عضو كامل;Qazvin;قزوين;IR;٠١/٠٢/٢٠١٩;@Qazvin_Mayor\r\n"
    ";associate;Institute of Urban Heritage;معهد التراث العمراني;ma;2021-05-10;٣٣\r\n"
    ";full;;قم;IR;2020-01-01;\r\n"
    ";observer;Atlantis;أطلانطس;XX;2020-01-01;\r\n"
    ";partner;Bursa;بورصة;TR;2020-01-01;\r\n"
    ";فخري;Dr. Huda;د. هدى;;;\r\n"
    ";full;Cairo;القاهره;EG;2024-03-01;\r\n"
    ";full;QAZVÍN;قزوين;IR;2019-02-01;\r\n"
    "١;full;Fez;فاس;MA;2024-03-01T09:30:00+00:00;عبد السلام (٣٢)\r\n"
    ";associate;Institute of Urban Heritage;معهد التراث العمراني;MA;2021-05-10;33\r\n"
).encode()


def test_a_messy_spreadsheet_is_read_and_every_line_reported(register: UnitOfWork) -> None:
    with register.begin() as session:
        found = member_import.plan(session, MESSY, now=NOW)
    by_line = {row.line: row for row in found.rows}
    problems = {problem.line: problem for problem in found.problems}
    assert sorted(by_line) == [3, 4, 11]
    qazvin = by_line[3]
    assert (qazvin.outcome, qazvin.name.en, qazvin.category) == (
        Outcome.CREATE,
        "Qazvin",
        MemberCategory.FULL,
    )
    assert qazvin.admitted_at == datetime(2019, 2, 1, tzinfo=UTC)
    assert qazvin.representatives_added == ("@qazvin_mayor",)
    assert qazvin.owes_fee is True
    institute = by_line[4]
    assert (institute.outcome, institute.country, institute.owes_fee) == (
        Outcome.CREATE,
        "MA",
        False,
    )
    assert institute.representatives_added == ("Omar (@omar_k)",)
    fez = by_line[11]
    assert (fez.outcome, fez.member_id) == (Outcome.UNCHANGED, 1)
    assert {line: (p.problem, p.value) for line, p in problems.items()} == {
        5: (Problem.NO_NAME, ""),
        6: (Problem.UNKNOWN_COUNTRY, "XX"),
        7: (Problem.UNKNOWN_CATEGORY, "partner"),
        8: (Problem.HONORARY_WITHOUT_DATE, ""),
        9: (Problem.SAME_CITY_MEMBER, "Cairo — القاهره"),
        10: (Problem.SAME_CITY_LINE, "QAZVÍN"),
        12: (Problem.DUPLICATE_LINE, "Institute of Urban Heritage"),
    }
    assert problems[9].other == "Cairo — القاهرة" and problems[9].member_id == 2
    assert problems[10].other_line == 3 and problems[12].other_line == 4
    assert found.period is not None and found.period.due_on == date(2025, 9, 30)


def test_a_file_with_bad_lines_writes_nothing(register: UnitOfWork) -> None:
    with register.begin() as session:
        before = snapshot(session)
        found = member_import.plan(session, MESSY, now=NOW)
        with pytest.raises(NotAllowed) as refusal:
            member_import.apply(session, MESSY, actor_id=CLERK, now=NOW, expected=found.digest)
        assert refusal.value.reason == "import_has_problems"
    with register.begin() as session:
        assert snapshot(session) == before
        assert not session.exec(select(AuditRecord).where(AuditRecord.action == "import")).all()


GOOD = (
    "category,name_en,name_ar,country,admitted_at,representatives\n"
    "full,Qazvin,قزوين,IR,2019-02-01,@qazvin_mayor\n"
    "associate,Institute of Urban Heritage,معهد التراث العمراني,MA,2021-05-10,@omar_k\n"
    "honorary,Dr. Huda,د. هدى,,2022-11-15,\n"
    "full,Fez,فاس,MA,2024-03-01,\n"
)


def test_an_import_writes_once_and_again_changes_nothing(register: UnitOfWork) -> None:
    content = GOOD.encode()
    with register.begin() as session:
        found = member_import.plan(session, content, now=NOW)
        assert found.problems == []
        assert [row.outcome for row in found.rows] == [
            Outcome.CREATE,
            Outcome.CREATE,
            Outcome.CREATE,
            Outcome.UNCHANGED,
        ]
        member_import.apply(session, content, actor_id=CLERK, now=NOW, expected=found.digest)
    with register.begin() as session:
        qazvin = session.exec(select(Member).where(Member.name_en == "Qazvin")).one()
        assert qazvin.admitted_at == datetime(2019, 2, 1, tzinfo=UTC)
        # Art. 18: a full member owes the fee of the period running, as if admitted now.
        dues = session.exec(select(FeeDue).where(FeeDue.member_id == qazvin.id)).all()
        assert len(dues) == 1
        assert session.exec(select(PendingRepresentative)).one().username == "qazvin_mayor"
        institute = session.exec(select(Member).where(Member.country == "MA")).all()
        assert {m.name_en for m in institute} == {"Fez", "Institute of Urban Heritage"}
        omar = session.exec(select(Representation).where(Representation.user_id == OTHER)).one()
        assert omar.until is None
        assert Role.REPRESENTATIVE in people.roles_of(session, OTHER)
        record = session.exec(select(AuditRecord).where(AuditRecord.action == "import")).one()
        assert record.actor_id == CLERK
        assert record.details["created"] == 3 and record.details["unchanged"] == 1
        before = snapshot(session)

    with register.begin() as session:
        again = member_import.plan(session, content, now=NOW)
        assert [row.outcome for row in again.rows] == [Outcome.UNCHANGED] * 4
        member_import.apply(session, content, actor_id=CLERK, now=NOW, expected=again.digest)
    with register.begin() as session:
        assert snapshot(session) == before

    # Its export, with a representative still waiting (@qazvin_mayor, written "'@..." so that
    # a spreadsheet keeps it as text) and an honorary member of no country, round-trips too.
    exported = export(register)
    assert "'@qazvin_mayor" in exported.decode("utf-8-sig")
    with register.begin() as session:
        again = member_import.plan(session, exported, now=NOW)
        assert again.problems == []
        assert {row.outcome for row in again.rows} == {Outcome.UNCHANGED}
        assert len(again.rows) == 5


def test_a_corrected_file_updates_only_what_changed(register: UnitOfWork) -> None:
    with register.begin() as session:
        found = member_import.plan(session, GOOD.encode(), now=NOW)
        member_import.apply(session, GOOD.encode(), actor_id=CLERK, now=NOW, expected=found.digest)
    corrected = (
        GOOD.replace("associate,Institute", "observer,Institute")
        .replace("@qazvin_mayor", "@qazvin_city")
        .replace("2022-11-15", "2022-11-16")
    ).encode()
    with register.begin() as session:
        found = member_import.plan(session, corrected, now=NOW)
        assert found.problems == []
        outcomes = {row.name.en: (row.outcome, row.changes) for row in found.rows}
        assert outcomes == {
            "Qazvin": (Outcome.UPDATE, ("representatives",)),
            "Institute of Urban Heritage": (Outcome.UPDATE, ("category",)),
            "Dr. Huda": (Outcome.UPDATE, ("admitted_at",)),
            "Fez": (Outcome.UNCHANGED, ()),
        }
        qazvin = next(row for row in found.rows if row.name.en == "Qazvin")
        assert qazvin.representatives_added == ("@qazvin_city",)
        assert qazvin.representatives_ended == ("@qazvin_mayor",)
        assert qazvin.owes_fee is False
        member_import.apply(session, corrected, actor_id=CLERK, now=NOW, expected=found.digest)
    with register.begin() as session:
        assert [p.username for p in session.exec(select(PendingRepresentative))] == ["qazvin_city"]
        institute = session.exec(select(Member).where(Member.name_en.startswith("Institute"))).one()  # type: ignore[attr-defined]
        assert institute.category == "observer"
        fez = session.get(Member, 1)
        assert fez is not None and fez.admitted_at == ADMITTED
        updates = session.exec(
            select(AuditRecord).where(AuditRecord.action == "import_update")
        ).all()
        assert len(updates) == 3


def test_a_changed_register_since_the_dry_run_is_not_imported_blind(register: UnitOfWork) -> None:
    with register.begin() as session:
        found = member_import.plan(session, GOOD.encode(), now=NOW)
        session.add(Member(category="full", name_en="Qazvin", name_ar="قزوين", country="IR"))
        session.flush()
        with pytest.raises(NotAllowed) as refusal:
            member_import.apply(
                session, GOOD.encode(), actor_id=CLERK, now=NOW, expected=found.digest
            )
        assert refusal.value.reason == "import_changed"


def test_a_pending_representative_is_linked_when_they_start_the_bot(register: UnitOfWork) -> None:
    with register.begin() as session:
        found = member_import.plan(session, GOOD.encode(), now=NOW)
        member_import.apply(session, GOOD.encode(), actor_id=CLERK, now=NOW, expected=found.digest)
    with register.begin() as session:
        people.meet_user(
            session, user_id=900, first_name="Mayor", username="Qazvin_Mayor", language_code="fa"
        )
    with register.begin() as session:
        qazvin = session.exec(select(Member).where(Member.name_en == "Qazvin")).one()
        link = session.exec(select(Representation).where(Representation.user_id == 900)).one()
        assert link.member_id == qazvin.id
        assert session.exec(select(PendingRepresentative)).all() == []
        assert session.exec(
            select(RoleGrant).where(RoleGrant.user_id == 900, RoleGrant.role == "representative")
        ).one()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00" * (member_import.MAX_BYTES + 1), FileProblem.TOO_LARGE),
        (b"%PDF-1.4\n\xff\xfe\x00binary", FileProblem.NOT_TEXT),
        (b"city;mayor\nFez;someone\n", FileProblem.NO_HEADER),
        (b"category,name_en,name_ar,country\n\n\n", FileProblem.EMPTY),
    ],
)
def test_a_file_that_is_no_register_is_refused(content: bytes, problem: FileProblem) -> None:
    with pytest.raises(RegisterRefused) as refusal:
        member_import.read(content)
    assert refusal.value.problem is problem


def test_standing_is_not_changed_by_an_import(register: UnitOfWork) -> None:
    content = (
        export(register).decode("utf-8-sig").replace(",active,active,", ",withdrawn,active,", 1)
    )
    with register.begin() as session:
        found = member_import.plan(session, content.encode(), now=NOW)
    assert [p.problem for p in found.problems] == [Problem.STANDING]
    with register.begin() as session:
        assert {m.standing for m in session.exec(select(Member))} == {Standing.ACTIVE.value}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_messy_files_report_reads_line_by_line(register: UnitOfWork, language: str) -> None:
    with register.begin() as session:
        found = member_import.plan(session, MESSY, now=NOW)
    text = plain(report(text_for(language), found))
    assert text.splitlines() == MESSY_REPORT[language]


MESSY_REPORT: dict[str, list[str]] = {
    "en": [
        "Dry run of the import: nothing has been written yet.",
        "",
        "To create: 2",
        "To update: 0",
        "Left as they are: 1",
        "Lines with a problem: 7",
        "",
        "Lines with a problem (nothing is imported until they are right):",
        "Line 5: the name in English is missing",
        "Line 6: unknown country “XX”: write its two-letter code (MA, EG) or its name in English or Arabic",
        "Line 7: unknown category “partner”: write full, associate, observer or honorary",
        "Line 8: an honorary member needs the date of the decision that conferred it (Art. 15)",
        "Line 9: Cairo — القاهره is already a member under another spelling: Cairo — القاهرة (No. 2). A city is one member (Art. 13, 25); to change its spelling, put 2 in the id column",
        "Line 10: the same city as line 3",
        "Line 12: the same member as line 4",
        "",
        "To create:",
        "Line 3: Qazvin — قزوين — full member, Iran, admitted February 1, 2019 (26 Jumada al-Ula 1440 AH)",
        "   · representatives added: @qazvin_mayor",
        "   · owes the fee of the period January 1, 2025 (1 Rajab 1446 AH) – December 31, 2026 (22 Rajab 1448 AH), as if admitted today (Art. 18)",
        "Line 4: Institute of Urban Heritage — معهد التراث العمراني — associate member, Morocco, admitted May 10, 2021 (28 Ramadan 1442 AH)",
        "   · representatives added: Omar (@omar_k)",
    ],
    "ar": [
        "تشغيل تجريبي للاستيراد: لم يُكتب شيء بعد.",
        "",
        "للإنشاء: 2",
        "للتحديث: 0",
        "يبقى على حاله: 1",
        "أسطر فيها مشكلة: 7",
        "",
        "أسطر فيها مشكلة (لا يُستورد شيء حتى تُصحَّح):",
        "السطر 5: الاسم بالإنجليزية غير موجود",
        "السطر 6: بلد غير معروف «XX»: اكتب رمزه المكوّن من حرفين (MA، EG) أو اسمه بالإنجليزية أو بالعربية",
        "السطر 7: فئة غير معروفة «partner»: اكتب full أو associate أو observer أو honorary",
        "السطر 8: العضو الفخري يلزمه تاريخ القرار الذي منحه العضوية (المادة 15)",
        "السطر 9: Cairo — القاهره عضو بالفعل بكتابة أخرى: Cairo — القاهرة (رقم 2). المدينة عضو واحد (المادتان 13 و25)؛ ولتغيير كتابة اسمها ضع 2 في عمود id",
        "السطر 10: المدينة نفسها في السطر 3",
        "السطر 12: العضو نفسه في السطر 4",
        "",
        "للإنشاء:",
        "السطر 3: Qazvin — قزوين — عضو كامل، إيران، تاريخ القبول 1 فبراير 2019 (26 جمادى الأولى 1440 هـ)",
        "   · ممثلون يُضافون: @qazvin_mayor",
        "   · عليه رسم الفترة 1 يناير 2025 (1 رجب 1446 هـ) – 31 ديسمبر 2026 (22 رجب 1448 هـ)، كأنه قُبل اليوم (المادة 18)",
        "السطر 4: Institute of Urban Heritage — معهد التراث العمراني — عضو منتسب، المغرب، تاريخ القبول 10 مايو 2021 (28 رمضان 1442 هـ)",
        "   · ممثلون يُضافون: Omar (@omar_k)",
    ],
}


def test_two_confirmations_at_once_import_once(register: UnitOfWork) -> None:
    """Two of the Secretariat confirm the same dry run at the same moment (on PostgreSQL,
    two concurrent transactions): one imports, the other is told the register changed."""
    content = GOOD.encode()
    with register.begin() as session:
        digest = member_import.plan(session, content, now=NOW).digest
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm() -> None:
        barrier.wait(timeout=30)
        try:
            with register.begin() as session:
                member_import.apply(session, content, actor_id=CLERK, now=NOW, expected=digest)
            outcomes.append("imported")
        except NotAllowed as refusal:
            outcomes.append(refusal.reason)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["import_changed", "imported"]
    with register.begin() as session:
        assert len(session.exec(select(Member).where(Member.name_en == "Qazvin")).all()) == 1
        assert (
            len(session.exec(select(AuditRecord).where(AuditRecord.action == "import")).all()) == 1
        )


def test_an_admission_and_an_import_of_one_city_at_once_make_one_member(
    register: UnitOfWork,
) -> None:
    """Art. 13, 25: the Secretary-General admits Qazvin while the Secretariat imports a
    register with Qazvin (on PostgreSQL, two concurrent transactions): one member."""
    general, applicant = 41, 42
    with register.begin() as session:
        session.add(User(id=general, first_name="Omar"))
        session.add(User(id=applicant, first_name="Reza"))
        session.flush()
        people.grant_role(session, user_id=general, role=Role.SECRETARY_GENERAL, actor_id=None)
        application = Application(
            applicant_id=applicant,
            state="forwarded",
            category="full",
            name_en="Qazvin",
            name_ar="قزوين",
            country="IR",
        )
        session.add(application)
        session.flush()
        application_id = application.id or 0
        digest = member_import.plan(session, GOOD.encode(), now=NOW).digest
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def admit() -> None:
        barrier.wait(timeout=30)
        with register.begin() as session:
            deciding = session.get(User, general)
            assert deciding is not None
            applications.admit(session, application_id, deciding, now=NOW)
        outcomes.append("admitted")

    def bring_in() -> None:
        barrier.wait(timeout=30)
        try:
            with register.begin() as session:
                member_import.apply(
                    session, GOOD.encode(), actor_id=CLERK, now=NOW, expected=digest
                )
            outcomes.append("imported")
        except NotAllowed as refusal:
            outcomes.append(refusal.reason)

    threads = [threading.Thread(target=admit), threading.Thread(target=bring_in)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert "admitted" in outcomes and len(outcomes) == 2
    with register.begin() as session:
        cities = session.exec(select(Member).where(Member.country == "IR")).all()
        assert [city.name_en for city in cities] == ["Qazvin"]
