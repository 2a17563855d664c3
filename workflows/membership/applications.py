"""Membership applications (Art. 12-14, 19-20): the form, screening, admission.

Every step checks the charter's machine (``APPLICATION``) with the actor's roles
from the database, plus ``Party.OWNER`` for the applicant, applies the
transition, appends an audit record, and writes the notifications it causes.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from models import Application, Member, Representation, User
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import APPLICATION, ApplicationEvent, ApplicationState
from workflows.charter.membership import (
    APPLICABLE_CATEGORIES,
    MemberCategory,
    Standing,
    pays_fees,
)
from workflows.charter.roles import Actor, Role
from workflows.fees import periods
from workflows.platform import audit, locks, outbox, people, prompts, schedule
from workflows.platform.buttons import Button
from workflows.platform.settings import Settings
from workflows.platform.values import Country, Message, Name, message

OPEN_STATES = {
    ApplicationState.SUBMITTED,
    ApplicationState.AWAITING_INFO,
    ApplicationState.FORWARDED,
}
SCREEN = "application.screen"
DECIDE = "application.decide"
#: What the form asks, in order; ``institutional`` only for associates.
FIELDS = (
    "category",
    "name_en",
    "name_ar",
    "country",
    "signatory_name",
    "signatory_title",
    "contact",
    "adheres",
    "letter_file_id",
)


@dataclass(frozen=True)
class Actors:
    user: User
    roles: frozenset[Actor]


def _step(
    session: Session,
    application: Application,
    event: ApplicationEvent,
    user: User | None,
    *,
    now: datetime,
    reason: str | None = None,
) -> ApplicationState:
    """Check and apply one transition, with its audit record."""
    owner = user is not None and application.applicant_id == user.id
    roles = people.actor_roles(session, user, owner=owner)
    application.updated_at = now
    return audit.transition(
        session,
        APPLICATION,
        application,
        event,
        roles,
        entity="application",
        actor_id=user.id if user else None,
        now=now,
        reason=reason,
    )


def lock(session: Session, application_id: int) -> Application:
    return locks.lock(session, Application, application_id)


# --- The applicant's form --------------------------------------------------


def draft_of(session: Session, applicant_id: int) -> Application | None:
    return session.exec(
        select(Application)
        .where(
            Application.applicant_id == applicant_id,
            Application.state == ApplicationState.DRAFT.value,
        )
        .order_by(col(Application.id).desc())
    ).first()


def start_draft(session: Session, user: User, *, now: datetime) -> Application:
    """A new, empty form; one draft at a time per applicant."""
    existing = draft_of(session, user.id)
    if existing is not None:
        return existing
    APPLICATION.check(None, ApplicationEvent.START, people.actor_roles(session, user, owner=True))
    return audit.create(
        session,
        Application(applicant_id=user.id, created_at=now, updated_at=now),
        ApplicationEvent.START,
        entity="application",
        actor_id=user.id,
        now=now,
    )


def fill(session: Session, application: Application, user: User, **fields: Any) -> None:
    """Record answers on the applicant's own draft."""
    if application.applicant_id != user.id or application.state != ApplicationState.DRAFT.value:
        raise NotAllowed("only the applicant edits a draft", reason="not_owner")
    if "category" in fields and fields["category"] not in {c.value for c in APPLICABLE_CATEGORIES}:
        raise NotAllowed("honorary membership is by nomination", reason="category")
    for name, value in fields.items():
        if name not in FIELDS and name not in {
            "institutional",
            "letter_kind",
            "letter_name",
            "letter_mime",
            "letter_size",
        }:
            raise ValueError(f"unknown field {name}")
        setattr(application, name, value)
    session.add(application)


def missing(application: Application) -> list[str]:
    return [name for name in FIELDS if getattr(application, name) in (None, "", False)]


def duplicate_of(session: Session, application: Application) -> Application | Member | None:
    """An open application of the same applicant for the same city, or an existing member."""
    same = select(Application).where(
        Application.applicant_id == application.applicant_id,
        col(Application.state).in_([s.value for s in OPEN_STATES]),
        Application.id != application.id,
        Application.country == application.country,
    )
    for other in session.exec(same):
        if same_city(other, application):
            return other
    # Another person of a member city applies to represent it too (``_join``); the
    # member's own representative applying again is a duplicate.
    members = session.exec(
        select(Member)
        .join(Representation, Representation.member_id == Member.id)  # type: ignore[arg-type]
        .where(
            Representation.user_id == application.applicant_id,
            Member.country == application.country,
            Member.standing != Standing.WITHDRAWN.value,
        )
    )
    for member in members:
        if same_city(member, application):
            return member
    return None


_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def city_name_key(name: str | None) -> str:
    """A city's name as written in either language, reduced to compare: letters and
    digits only, case, accents and Arabic vowel marks ignored, alef forms joined."""
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _ARABIC_MARKS.sub("", plain).translate(_ARABIC_LETTERS)
    return "".join(ch for ch in plain if ch.isalnum())


def same_city(first: Application | Member, second: Application | Member) -> bool:
    """Art. 13: full membership is a city's; the same country and the same name in
    English or in Arabic is the same city."""
    if not first.country or first.country != second.country:
        return False
    return any(
        city_name_key(a) and city_name_key(a) == city_name_key(b)
        for a, b in ((first.name_en, second.name_en), (first.name_ar, second.name_ar))
    )


def same_city_as(session: Session, application: Application) -> Application | Member | None:
    """The member, or the other open application, that is already this city (Art. 12,
    13, 25: a city is one full member with one vote). None for other categories,
    which are persons, not cities."""
    if application.category != MemberCategory.FULL.value or not application.country:
        return None
    members = session.exec(
        select(Member).where(
            Member.category == MemberCategory.FULL.value,
            Member.country == application.country,
            Member.standing != Standing.WITHDRAWN.value,
        )
    )
    for member in members:
        if same_city(member, application):
            return member
    others = session.exec(
        select(Application)
        .where(
            Application.category == MemberCategory.FULL.value,
            Application.country == application.country,
            col(Application.state).in_([s.value for s in OPEN_STATES]),
            Application.id != application.id,
        )
        .order_by(col(Application.id))
    )
    for other in others:
        if same_city(other, application):
            return other
    return None


def submit(
    session: Session, application: Application, user: User, *, now: datetime, settings: Settings
) -> None:
    """Art. 19: the signed statement goes to the Secretariat, which is asked to screen it."""
    application = lock(session, application.id or 0)
    # Two applications for one city submitted at once: the second is the duplicate.
    locks.serialise(session, "applications")
    if missing(application):
        raise NotAllowed(f"incomplete: {missing(application)}", reason="incomplete")
    if duplicate_of(session, application) is not None:
        raise NotAllowed("already applied or already a member", reason="duplicate")
    _step(session, application, ApplicationEvent.SUBMIT, user, now=now)
    application.submitted_at = now
    outbox.notify(
        session,
        chat_id=user.id,
        key=RECEIVED,
        args={"number": str(application.id)},
    )
    _ask_secretariat(session, application, now=now, settings=settings)


def _ask_secretariat(
    session: Session, application: Application, *, now: datetime, settings: Settings
) -> None:
    assert application.id is not None
    prompts.open_prompt(
        session,
        kind=SCREEN,
        subject_id=application.id,
        audience=Role.SECRETARIAT,
        text=summary(session, application, heading=SCREEN_HEADING),
        buttons=decision_buttons(application.id, SCREEN) + same_city_buttons(session, application),
        now=now,
        settings=settings,
        attachment=_letter(application),
    )


def _letter(application: Application) -> tuple[str, str] | None:
    if application.letter_file_id is None:
        return None
    return application.letter_file_id, application.letter_kind or "document"


class Action(StrEnum):
    """What a prompt's button does to an application."""

    FORWARD = "forward"
    ASK = "ask"
    REJECT = "reject"
    ADMIT = "admit"


@dataclass(frozen=True)
class DecisionButton(Button, kind="application.decide"):
    """Under an application's prompt: one step of screening or of the decision."""

    application_id: int
    action: Action


@dataclass(frozen=True)
class HistoryButton(Button, kind="application.history"):
    """Opens another application (of the same city)."""

    application_id: int


@dataclass(frozen=True)
class AnswerButton(Button, kind="application.answer"):
    """Under the Secretariat's question: the applicant answers it."""

    application_id: int


def decision_buttons(application_id: int, stage: str) -> list[list[Button]]:
    """Buttons of a prompt: screening (forward; ask, reject) or the decision."""
    if stage == SCREEN:
        return [
            [DecisionButton(application_id, Action.FORWARD)],
            [
                DecisionButton(application_id, Action.ASK),
                DecisionButton(application_id, Action.REJECT),
            ],
        ]
    return [
        [
            DecisionButton(application_id, Action.ADMIT),
            DecisionButton(application_id, Action.REJECT),
        ]
    ]


def summary(session: Session, application: Application, *, heading: str) -> Message:
    """The application as the Secretariat reads it, with a warning when its city is
    already a member or already applied for (Art. 13, 25)."""
    facts = _facts(session, application, heading=heading)
    same = same_city_as(session, application)
    if isinstance(same, Member):
        warning = message(SAME_CITY_MEMBER, name=same.name_en, name_ar=same.name_ar)
    elif isinstance(same, Application):
        warning = message(SAME_CITY_APPLICATION, number=str(same.id), name=same.name_en or "")
    else:
        return facts
    return message(WITH_WARNING, summary=facts, warning=warning)


def same_city_buttons(session: Session, application: Application) -> list[list[Button]]:
    """A link to the other application of the same city, or to the member's own."""
    same = same_city_as(session, application)
    if isinstance(same, Member):
        same = session.exec(
            select(Application)
            .where(Application.member_id == same.id)
            .order_by(col(Application.id))
        ).first()
    if same is None or same.id is None:
        return []
    return [[HistoryButton(same.id)]]


def _facts(session: Session, application: Application, *, heading: str) -> Message:
    applicant = session.get(User, application.applicant_id)
    return message(
        SUMMARY,
        heading=message(heading, number=str(application.id)),
        category=message(CATEGORY_NAMES[MemberCategory(application.category or "full")]),
        name_en=application.name_en or "",
        name_ar=application.name_ar or "",
        country=Country(application.country or "ZZ"),
        signatory=application.signatory_name or "",
        title=application.signatory_title or "",
        contact=application.contact or "",
        applicant=applicant.first_name if applicant else "",
        applicant_id=str(application.applicant_id),
    )


# --- Screening and decision ------------------------------------------------


def forward(
    session: Session, application_id: int, user: User, *, now: datetime, settings: Settings
) -> None:
    """The Secretariat forwards to the Secretary-General (Art. 20)."""
    application = lock(session, application_id)
    _step(session, application, ApplicationEvent.FORWARD, user, now=now)
    _resolve(session, SCREEN, application, user, "forward", FORWARDED_BY, now)
    assert application.id is not None
    prompts.open_prompt(
        session,
        kind=DECIDE,
        subject_id=application.id,
        audience=Role.SECRETARY_GENERAL,
        text=summary(session, application, heading=DECIDE_HEADING),
        buttons=decision_buttons(application.id, DECIDE) + same_city_buttons(session, application),
        now=now,
        settings=settings,
        attachment=_letter(application),
    )
    outbox.notify(
        session,
        chat_id=application.applicant_id,
        key=FORWARDED_TO_APPLICANT,
        args={"number": str(application.id)},
    )


def _resolve(
    session: Session,
    kind: str,
    application: Application,
    user: User | None,
    outcome: str,
    outcome_key: str,
    now: datetime,
    **args: Any,
) -> None:
    assert application.id is not None
    text = prompts.outcome(outcome_key, user, now, **args)
    prompts.close(
        session, kind, application.id, actor=user, outcome=outcome, outcome_text=text, now=now
    )


def ask(
    session: Session,
    application_id: int,
    user: User,
    question: str,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """The Secretariat asks the applicant for more information; the answer comes back."""
    application = lock(session, application_id)
    _step(session, application, ApplicationEvent.ASK, user, now=now, reason=question)
    application.question = question
    application.asked_by = user.id
    _resolve(session, SCREEN, application, user, "ask", ASKED_BY, now, question=question)
    outbox.notify(
        session,
        chat_id=application.applicant_id,
        key=QUESTION,
        args={"number": str(application.id), "question": question},
        buttons=[[AnswerButton(application.id or 0)]],
    )
    key = f"application:{application.id}:question:{now.isoformat()}"
    schedule.schedule(
        session,
        kind="application.question_remind",
        due_at=now + timedelta(days=settings.question_remind_days),
        dedupe_key=f"{key}:remind",
        application_id=application.id,
    )
    schedule.schedule(
        session,
        kind="application.lapse",
        due_at=now + timedelta(days=settings.question_lapse_days),
        dedupe_key=f"{key}:lapse",
        application_id=application.id,
    )


def answer(
    session: Session,
    application_id: int,
    user: User,
    text: str,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """The applicant's answer goes back into the application's thread and to screening."""
    application = lock(session, application_id)
    _step(session, application, ApplicationEvent.ANSWER, user, now=now, reason=text)
    schedule.cancel(session, dedupe_prefix=f"application:{application.id}:question:", now=now)
    question = application.question or ""
    application.question = None
    outbox.notify(
        session, chat_id=user.id, key=ANSWER_RECEIVED, args={"number": str(application.id)}
    )
    assert application.id is not None
    prompts.open_prompt(
        session,
        kind=SCREEN,
        subject_id=application.id,
        audience=Role.SECRETARIAT,
        text=message(
            ANSWERED_SUMMARY,
            summary=summary(session, application, heading=SCREEN_HEADING),
            question=question,
            answer=text,
        ),
        buttons=decision_buttons(application.id, SCREEN),
        now=now,
        settings=settings,
    )


def reject(
    session: Session, application_id: int, user: User, reason: str, *, now: datetime
) -> None:
    """Rejected by the Secretariat at screening, or by the Secretary-General (Art. 20)."""
    application = lock(session, application_id)
    stage = SCREEN if application.state == ApplicationState.SUBMITTED.value else DECIDE
    _step(session, application, ApplicationEvent.REJECT, user, now=now, reason=reason)
    application.reason = reason
    application.decided_at = now
    _resolve(session, stage, application, user, "reject", REJECTED_BY, now, reason=reason)
    outbox.notify(
        session,
        chat_id=application.applicant_id,
        key=REJECTED_TO_APPLICANT,
        args={"number": str(application.id), "reason": reason},
    )


def admit(session: Session, application_id: int, user: User, *, now: datetime) -> Member:
    """Art. 20: the Secretary-General admits; the applicant becomes the member's representative."""
    application = lock(session, application_id)
    # An import of the register (``member_import``) may be adding this city right now.
    locks.serialise(session, "members")
    same = same_city_as(session, application)
    if isinstance(same, Application):
        raise NotAllowed(
            f"application {same.id} for the same city is open", reason="art13.city_applied_for"
        )
    _step(session, application, ApplicationEvent.ADMIT, user, now=now)
    if isinstance(same, Member):
        return _join(session, application, same, user, now=now)
    category = MemberCategory(application.category or "full")
    member = Member(
        category=category.value,
        name_en=application.name_en or "",
        name_ar=application.name_ar or "",
        country=application.country,
        institutional=application.institutional or category is MemberCategory.FULL,
        admitted_at=now,
        fee_notice_due_at=now if pays_fees(category) else None,
    )
    session.add(member)
    session.flush()
    application.member_id = member.id
    application.decided_at = now
    assert member.id is not None
    session.add(Representation(member_id=member.id, user_id=application.applicant_id, since=now))
    people.grant_role(
        session, user_id=application.applicant_id, role=Role.REPRESENTATIVE, actor_id=user.id
    )
    audit.record(
        session,
        entity="member",
        entity_id=member.id,
        action="admit",
        actor_id=user.id,
        to_state="active",
        at=now,
        application=application.id,
    )
    _resolve(session, DECIDE, application, user, "admit", ADMITTED_BY, now)
    outbox.notify(
        session,
        chat_id=application.applicant_id,
        key=WELCOME_MEMBER,
        args={"name": Name.of(member), "category": message(CATEGORY_NAMES[category])},
    )
    # Art. 18: a full member admitted while a fee period runs gets its notice now.
    periods.issue_first_notice(session, member, now=now)
    for chat_id in prompts.audience_of(session, Role.SECRETARIAT):
        outbox.notify(
            session,
            chat_id=chat_id,
            key=ADMITTED_NOTICE,
            args={"name": member.name_en, "name_ar": member.name_ar, "number": str(application.id)},
        )
    return member


def _join(
    session: Session, application: Application, member: Member, user: User, *, now: datetime
) -> Member:
    """The city is already a member (Art. 13): its applicant becomes one more of the
    member's representatives (Art. 24) instead of a second member with a second vote."""
    assert member.id is not None
    application.member_id, application.decided_at = member.id, now
    exists = session.exec(
        select(Representation).where(
            Representation.member_id == member.id,
            Representation.user_id == application.applicant_id,
        )
    ).first()
    if exists is None:
        session.add(
            Representation(member_id=member.id, user_id=application.applicant_id, since=now)
        )
    people.grant_role(
        session, user_id=application.applicant_id, role=Role.REPRESENTATIVE, actor_id=user.id
    )
    audit.record(
        session,
        entity="member",
        entity_id=member.id,
        action="representative_added",
        actor_id=user.id,
        at=now,
        application=application.id,
    )
    _resolve(session, DECIDE, application, user, "admit", ADMITTED_BY, now)
    args = {
        "name": member.name_en,
        "name_ar": member.name_ar,
        "number": str(application.id),
    }
    outbox.notify(session, chat_id=application.applicant_id, key=JOINED_MEMBER, args=args)
    for chat_id in prompts.audience_of(session, Role.SECRETARIAT):
        outbox.notify(session, chat_id=chat_id, key=JOINED_NOTICE, args=args)
    return member


def cancel(session: Session, application_id: int, user: User, *, now: datetime) -> None:
    application = lock(session, application_id)
    _step(session, application, ApplicationEvent.CANCEL, user, now=now)
    schedule.cancel(session, dedupe_prefix=f"application:{application.id}:", now=now)
    _resolve(session, SCREEN, application, user, "cancel", CANCELLED_BY_APPLICANT, now)


#: Submitted and not yet decided: with the Secretariat, the applicant or the Secretary-General.
UNDER_REVIEW = (
    ApplicationState.SUBMITTED,
    ApplicationState.AWAITING_INFO,
    ApplicationState.FORWARDED,
)


def under_review_of(session: Session, applicant_id: int) -> Application | None:
    """The applicant's latest application on its way to a decision, if any."""
    return session.exec(
        select(Application)
        .where(
            Application.applicant_id == applicant_id,
            col(Application.state).in_([state.value for state in UNDER_REVIEW]),
        )
        .order_by(col(Application.id).desc())
    ).first()


def of_applicant(session: Session, applicant_id: int) -> list[Application]:
    return list(
        session.exec(
            select(Application)
            .where(Application.applicant_id == applicant_id)
            .order_by(col(Application.id).desc())
        )
    )


def waiting_for(session: Session, roles: set[Role]) -> list[Application]:
    """What waits for someone holding ``roles``: screening, and decisions for the SG."""
    states: list[str] = []
    if roles & {Role.SECRETARIAT, Role.SECRETARY_GENERAL}:
        states.append(ApplicationState.SUBMITTED.value)
    if Role.SECRETARY_GENERAL in roles:
        states.append(ApplicationState.FORWARDED.value)
    if not states:
        return []
    return list(
        session.exec(
            select(Application)
            .where(col(Application.state).in_(states))
            .order_by(col(Application.submitted_at))
        )
    )


# --- Reminders and lapses --------------------------------------------------


@schedule.handles("application.question_remind")
def remind_applicant(session: Session, args: dict[str, Any], now: datetime) -> None:
    application = session.get(Application, args["application_id"])
    if application is None or application.state != ApplicationState.AWAITING_INFO.value:
        return
    outbox.notify(
        session,
        chat_id=application.applicant_id,
        key=QUESTION_REMINDER,
        args={"number": str(application.id), "question": application.question or ""},
        buttons=[[AnswerButton(application.id or 0)]],
    )


@schedule.handles("application.lapse")
def lapse(session: Session, args: dict[str, Any], now: datetime) -> None:
    application = lock(session, args["application_id"])
    if application.state != ApplicationState.AWAITING_INFO.value:
        return
    _step(session, application, ApplicationEvent.LAPSE, None, now=now)
    application.decided_at = now
    outbox.notify(
        session,
        chat_id=application.applicant_id,
        key=LAPSED_TO_APPLICANT,
        args={"number": str(application.id)},
    )
    if application.asked_by is not None:
        outbox.notify(
            session,
            chat_id=application.asked_by,
            key=LAPSED_TO_STAFF,
            args={"number": str(application.id)},
        )


CATEGORY_NAMES = {
    MemberCategory.FULL: "applications.category_names.full",
    MemberCategory.ASSOCIATE: "applications.category_names.associate",
    MemberCategory.OBSERVER: "applications.category_names.observer",
    MemberCategory.HONORARY: "applications.category_names.honorary",
}
#: Notices by their stable names: their words and tags are in bot/notices.py.
SCREEN_HEADING = "applications.screen_heading"
DECIDE_HEADING = "applications.decide_heading"
SUMMARY = "applications.summary"
WITH_WARNING = "applications.with_warning"
SAME_CITY_MEMBER = "applications.same_city_member"
SAME_CITY_APPLICATION = "applications.same_city_application"
JOINED_MEMBER = "applications.joined_member"
JOINED_NOTICE = "applications.joined_notice"
ANSWERED_SUMMARY = "applications.answered_summary"
RECEIVED = "applications.received"
FORWARDED_TO_APPLICANT = "applications.forwarded_to_applicant"
FORWARDED_BY = "applications.forwarded_by"
ASKED_BY = "applications.asked_by"
REJECTED_BY = "applications.rejected_by"
ADMITTED_BY = "applications.admitted_by"
CANCELLED_BY_APPLICANT = "applications.cancelled_by_applicant"
QUESTION = "applications.question"
QUESTION_REMINDER = "applications.question_reminder"
ANSWER_RECEIVED = "applications.answer_received"
REJECTED_TO_APPLICANT = "applications.rejected_to_applicant"
WELCOME_MEMBER = "applications.welcome_member"
ADMITTED_NOTICE = "applications.admitted_notice"
LAPSED_TO_APPLICANT = "applications.lapsed_to_applicant"
LAPSED_TO_STAFF = "applications.lapsed_to_staff"
