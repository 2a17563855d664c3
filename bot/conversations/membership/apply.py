"""The membership application form (Art. 12-14, 19), step by step, resumable.

The answers live on a draft application in the database, so a restart, a
mistake or a pause loses nothing: /apply offers to resume. Every step has Back
and Cancel; the review shows every answer with its own Edit button.
"""

import enum
from dataclasses import dataclass
from typing import ClassVar

from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import countries, refusals
from bot.conversations.forms import (
    ARABIC_LETTER,
    ASKED_AGAIN,
    LATIN_LETTER,
    Nav,
    clean_line,
    max_letter_mb,
    refuse_file,
)
from bot.conversations.membership.review import STATE_NAMES, status
from bot.conversations.start import Item, opens
from bot.conversations.steps import navigates, with_nav
from bot.engine import FlowState, Router, Turn
from bot.i18n import Html
from models import Application
from workflows.charter.errors import NotAllowed
from workflows.charter.machines import ApplicationState
from workflows.charter.membership import APPLICABLE_CATEGORIES, MemberCategory
from workflows.membership import applications, representation
from workflows.platform.values import N_, Name

router = Router("apply")
FLOW = "apply"


class Step(enum.StrEnum):
    CATEGORY = "category"
    INSTITUTIONAL = "institutional"
    NAME_EN = "name_en"
    NAME_AR = "name_ar"
    COUNTRY = "country"
    SIGNATORY_NAME = "signatory_name"
    SIGNATORY_TITLE = "signatory_title"
    CONTACT = "contact"
    PRINCIPLES = "adheres"
    LETTER = "letter_file_id"
    REVIEW = "review"


class Applying(FlowState):
    """Where the user is in the form; the answers themselves live on the draft ``app``."""

    FLOW: ClassVar[str] = FLOW
    step: Step
    app: int
    #: Asked from the review: the answer leads back to it.
    editing: bool = False


class Choice(enum.StrEnum):
    RESUME = "resume"
    RESTART = "restart"
    YES = "yes"
    NO = "no"
    ADHERE = "adhere"
    SUBMIT = "submit"
    STATUS = "status"
    NEW = "new"


@dataclass(frozen=True)
class FormChoice(Callback, prefix="apply"):
    choice: Choice


@dataclass(frozen=True)
class PickCategory(Callback, prefix="cat"):
    category: MemberCategory


@dataclass(frozen=True)
class EditField(Callback, prefix="edit"):
    step: Step


QUESTIONS: dict[Step, str] = {
    Step.CATEGORY: N_(
        "<b>Membership application</b>\n\nWhich membership do you apply for? Full membership is "
        "for cities, represented by their mayor or highest local authority (Art. 13); associate "
        "membership for individuals and organisations (Art. 14)."
    ),
    Step.INSTITUTIONAL: N_("Do you apply on behalf of an organisation (a legal person)?"),
    Step.NAME_EN: N_("What is the name of the city or organisation, in English?"),
    Step.NAME_AR: N_("What is its name in Arabic?"),
    Step.COUNTRY: N_("In which country? Type part of its name, or pick it from the list."),
    Step.SIGNATORY_NAME: N_(
        "Who signs the application? Type the full name of the mayor or highest authority (Art. 19)."
    ),
    Step.SIGNATORY_TITLE: N_("What is the signatory's title (for example: Mayor of Fez)?"),
    Step.CONTACT: N_(
        "How can the Secretariat reach you? Type an e-mail address or a phone number."
    ),
    Step.PRINCIPLES: N_(
        "<b>The principles of the Assembly</b>\n\nMembers make a solemn commitment to adhere to "
        "the principles and purposes of the Assembly — sustainable urban development in line "
        "with the ideals of Islam, the identity and heritage of Islamic cities, exchange and "
        "cooperation between members — and to refrain from positions or actions contrary to "
        "its interests (Art. 4, 16).\n\nDo you confirm your adherence (Art. 19)?"
    ),
    Step.LETTER: N_(
        "Please send the application letter signed by the highest authority, as a PDF document "
        "or a photo (JPEG or PNG, at most {size} MB)."
    ),
}

FIELD_LABELS: dict[Step, str] = {
    Step.CATEGORY: N_("Category"),
    Step.INSTITUTIONAL: N_("Organisation"),
    Step.NAME_EN: N_("Name (English)"),
    Step.NAME_AR: N_("Name (Arabic)"),
    Step.COUNTRY: N_("Country"),
    Step.SIGNATORY_NAME: N_("Signatory"),
    Step.SIGNATORY_TITLE: N_("Signatory's title"),
    Step.CONTACT: N_("Contact"),
    Step.PRINCIPLES: N_("Adherence"),
    Step.LETTER: N_("Signed letter"),
}

CATEGORY_LABELS = {
    MemberCategory.FULL: N_("Full member (a city)"),
    MemberCategory.ASSOCIATE: N_("Associate member"),
    MemberCategory.OBSERVER: N_("Observer member"),
}


def steps_for(application: Application) -> list[Step]:
    order: list[Step] = [step for step in Step if step is not Step.REVIEW]
    if application.category != MemberCategory.ASSOCIATE.value:
        order.remove(Step.INSTITUTIONAL)
    return order


def draft(turn: Turn) -> Application | None:
    return applications.draft_of(turn.session, turn.user.id)


# --- Entering the form -------------------------------------------------------


@router.command("apply")
def apply_command(turn: Turn) -> None:
    """Say what already exists before anything new is started: an unfinished form, an
    application under review, a membership; a new form only when nothing is on the way."""
    t = turn.t
    existing = draft(turn)
    if existing is None or not (existing.name_en or existing.name_ar):
        on_its_way = applications.under_review_of(turn.session, turn.user.id)
        if on_its_way is not None:
            turn.say(
                t._(
                    "Your application No. {number} ({name}) is {state}. You will be told of "
                    "every step; there is no need to apply again.",
                    number=str(on_its_way.id),
                    name=Name.of(on_its_way),
                    state=Html(t._(STATE_NAMES[ApplicationState(on_its_way.state)])),
                ),
                [[Button(t._("Where my application stands"), FormChoice(Choice.STATUS).pack())]],
            )
            return
        members = representation.represented_by(turn.session, turn.user.id)
        if members:
            turn.say(
                t._(
                    "You represent {name}, a member of the Assembly; /menu shows what you can "
                    "do for it. Apply again only for another city or organisation.",
                    name=Html(", ".join(t.show(Name.of(member)) for member in members)),
                ),
                [[Button(t._("Apply for another"), FormChoice(Choice.NEW).pack())]],
            )
            return
    if existing is not None:
        named = existing.name_en or existing.name_ar
        turn.say(
            t._(
                "You have an unfinished application ({name}). Resume it, or start over?",
                name=Name.of(existing),
            )
            if named
            else t._(
                "You have started an application and not yet named the city or organisation. "
                "Resume it, or start over?"
            ),
            [
                [
                    Button(t._("Resume"), FormChoice(Choice.RESUME).pack()),
                    Button(t._("Start over"), FormChoice(Choice.RESTART).pack()),
                ]
            ],
        )
        return
    start_form(turn)


def start_form(turn: Turn) -> None:
    application = applications.start_draft(turn.session, turn.user, now=turn.uow.clock.now())
    ask(turn, application, first_missing(application))


def first_missing(application: Application) -> Step:
    for step in steps_for(application):
        if step is Step.INSTITUTIONAL:
            continue
        value = getattr(application, step.value)
        if value in (None, "", False):
            return step
    return Step.REVIEW


def ask(turn: Turn, application: Application, step: Step, *, editing: bool = False) -> None:
    """Show the question of ``step`` and wait there."""
    turn.start(Applying(step=step, app=application.id or 0, editing=editing))
    if step is Step.REVIEW:
        review(turn, application)
        return
    t = turn.t
    rows: Keyboard = []
    if step is Step.CATEGORY:
        rows = [
            [Button(t._(CATEGORY_LABELS[category]), PickCategory(category).pack())]
            for category in APPLICABLE_CATEGORIES
        ]
    elif step is Step.INSTITUTIONAL:
        rows = [
            [
                Button(t._("Yes, an organisation"), FormChoice(Choice.YES).pack()),
                Button(t._("No, in my own name"), FormChoice(Choice.NO).pack()),
            ]
        ]
    elif step is Step.COUNTRY:
        rows, _ = countries.page(0, t.language)
    elif step is Step.PRINCIPLES:
        rows = [[Button(t._("I confirm our adherence"), FormChoice(Choice.ADHERE).pack())]]
    question = (
        t._(QUESTIONS[step], size=max_letter_mb(turn))
        if step is Step.LETTER
        else t._(QUESTIONS[step])
    )
    turn.say(question, with_nav(turn, FLOW, rows, back=step is not Step.CATEGORY))


def current(turn: Turn) -> tuple[Application, Applying] | None:
    """The draft and where this user is in it, or None (and a word) if the form is gone."""
    state = turn.state(Applying)
    if state is None:
        turn.say(turn.t._("This form is closed. Send /apply to start or resume an application."))
        return None
    application = turn.session.get(Application, state.app)
    if (
        application is None
        or application.applicant_id != turn.user.id
        or application.state != ApplicationState.DRAFT.value
    ):
        turn.finish()
        turn.say(turn.t._("This form is closed. Send /apply to start or resume an application."))
        return None
    return application, state


def advance(turn: Turn, application: Application, step: Step) -> None:
    """After an answer: back to the review when editing, else the next question."""
    state = turn.state(Applying)
    editing = state is not None and state.editing
    if editing and not (
        step is Step.CATEGORY and application.category == MemberCategory.ASSOCIATE.value
    ):
        ask(turn, application, Step.REVIEW)
        return
    order = steps_for(application)
    following = order[order.index(step) + 1 :] if step in order else []
    for candidate in following:
        if candidate is Step.INSTITUTIONAL or getattr(application, candidate.value) in (
            None,
            "",
            False,
        ):
            ask(turn, application, candidate, editing=editing)
            return
    ask(turn, application, Step.REVIEW)


# --- Buttons -------------------------------------------------------------------


@router.button(FormChoice)
def form_choice(turn: Turn, press: FormChoice) -> None:
    if press.choice is Choice.RESUME:
        existing = draft(turn)
        if existing is None:
            start_form(turn)
        else:
            ask(turn, existing, first_missing(existing))
        return
    if press.choice is Choice.STATUS:
        status(turn)
        return
    if press.choice is Choice.NEW:
        start_form(turn)
        return
    if press.choice is Choice.RESTART:
        existing = draft(turn)
        if existing is not None and existing.id is not None:
            applications.cancel(turn.session, existing.id, turn.user, now=turn.uow.clock.now())
        start_form(turn)
        return
    here = current(turn)
    if here is None:
        return
    application, step = here[0], here[1].step
    if press.choice in (Choice.YES, Choice.NO) and step is Step.INSTITUTIONAL:
        applications.fill(
            turn.session, application, turn.user, institutional=press.choice is Choice.YES
        )
        advance(turn, application, step)
    elif press.choice is Choice.ADHERE and step is Step.PRINCIPLES:
        applications.fill(turn.session, application, turn.user, adheres=True)
        advance(turn, application, step)
    elif press.choice is Choice.SUBMIT and step is Step.REVIEW:
        submit(turn, application)
    else:
        turn.toast(turn.t._("This button belongs to another step of the form."), alert=True)


@router.button(PickCategory)
def pick_category(turn: Turn, press: PickCategory) -> None:
    here = current(turn)
    if here is None:
        return
    application, step = here[0], here[1].step
    if step is not Step.CATEGORY:
        turn.toast(turn.t._("This button belongs to another step of the form."), alert=True)
        return
    applications.fill(turn.session, application, turn.user, category=press.category.value)
    if press.category is not MemberCategory.ASSOCIATE:
        applications.fill(
            turn.session,
            application,
            turn.user,
            institutional=press.category is MemberCategory.FULL,
        )
    advance(turn, application, step)


@router.button(countries.PickCountry)
def pick_country(turn: Turn, press: countries.PickCountry) -> None:
    here = current(turn)
    if here is None:
        return
    application, step = here[0], here[1].step
    if step is not Step.COUNTRY or not countries.is_country(press.code):
        turn.toast(turn.t._("This button belongs to another step of the form."), alert=True)
        return
    applications.fill(turn.session, application, turn.user, country=press.code)
    advance(turn, application, step)


@router.button(countries.CountryPage)
def country_page(turn: Turn, press: countries.CountryPage) -> None:
    here = current(turn)
    if here is None or here[1].step is not Step.COUNTRY:
        return
    rows, _ = countries.page(press.page, turn.t.language)
    turn.edit(turn.t._(QUESTIONS[Step.COUNTRY]), with_nav(turn, FLOW, rows))


@router.button(EditField)
def edit_field(turn: Turn, press: EditField) -> None:
    here = current(turn)
    if here is None:
        return
    application, _ = here
    ask(turn, application, press.step, editing=True)


@navigates(FLOW)
def navigate(turn: Turn, action: Nav) -> None:
    """Back and Cancel of the form."""
    here = current(turn)
    if here is None:
        return
    application, step = here[0], here[1].step
    if action is Nav.CANCEL:
        turn.finish()
        turn.say(
            turn.t._(
                "The form is put aside; your answers are kept. Send /apply to continue, or "
                "/menu for the main menu."
            )
        )
        return
    order = [*steps_for(application), Step.REVIEW]
    index = order.index(step) if step in order else 0
    ask(turn, application, order[max(0, index - 1)])


# --- Typed answers ---------------------------------------------------------------


@router.flow(FLOW)
def typed(turn: Turn) -> None:
    here = current(turn)
    if here is None:
        return
    application, state = here
    step = state.step
    t = turn.t
    text = turn.event.text
    if step is Step.LETTER:
        receive_letter(turn, application)
        return
    if step is Step.COUNTRY:
        found = countries.search(text or "", t.language)
        if len(found) == 1:
            applications.fill(turn.session, application, turn.user, country=found[0])
            advance(turn, application, step)
        elif found:
            turn.say(t._("Which one?"), with_nav(turn, FLOW, countries.keyboard(found, t.language)))
        else:
            turn.say(
                t._(
                    "No country matches that. Please type another part of its name, or pick it from the list."
                ),
                with_nav(turn, FLOW, countries.page(0, t.language)[0]),
            )
        return
    if step in (Step.CATEGORY, Step.INSTITUTIONAL, Step.PRINCIPLES, Step.REVIEW):
        turn.say(t._(ASKED_AGAIN))
        ask(turn, application, step, editing=state.editing)
        return
    maximum = 300 if step is Step.CONTACT else 200
    value = clean_line(text, maximum=maximum)
    problem = None
    if value is None:
        problem = t._("Please type between 2 and {maximum} characters.", maximum=maximum)
    elif step is Step.NAME_AR and not ARABIC_LETTER.search(value):
        problem = t._("Please type the name in Arabic letters.")
    elif step is Step.NAME_EN and not LATIN_LETTER.search(value):
        problem = t._("Please type the name in Latin letters.")
    elif step is Step.CONTACT and not any(c.isdigit() for c in value) and "@" not in value:
        problem = t._("Please type an e-mail address or a phone number.")
    if problem is not None:
        turn.say(problem, with_nav(turn, FLOW))
        return
    applications.fill(turn.session, application, turn.user, **{step.value: value})
    advance(turn, application, step)


def receive_letter(turn: Turn, application: Application) -> None:
    file = turn.event.file
    problem = refuse_file(turn)
    if problem is not None:
        turn.say(problem, with_nav(turn, FLOW))
        return
    assert file is not None
    applications.fill(
        turn.session,
        application,
        turn.user,
        letter_file_id=file.file_id,
        letter_kind=file.kind,
        letter_name=file.file_name,
        letter_mime=file.content_type or "image/jpeg",
        letter_size=file.file_size,
    )
    advance(turn, application, Step.LETTER)


# --- Review and submission --------------------------------------------------------


def answer_of(turn: Turn, application: Application, step: Step) -> str:
    t = turn.t
    if step is Step.CATEGORY and application.category:
        return t._(CATEGORY_LABELS[MemberCategory(application.category)])
    if step is Step.INSTITUTIONAL:
        return t._("Yes") if application.institutional else t._("No")
    if step is Step.COUNTRY and application.country:
        return t.country(application.country)
    if step is Step.PRINCIPLES:
        return t._("confirmed") if application.adheres else "—"
    if step is Step.LETTER:
        return application.letter_name or (t._("photo") if application.letter_file_id else "—")
    return str(getattr(application, step.value) or "—")


def review(turn: Turn, application: Application) -> None:
    t = turn.t
    lines = [t._("<b>Please review your application</b>"), ""]
    for step in steps_for(application):
        lines.append(f"{t._(FIELD_LABELS[step])}: {t.show(answer_of(turn, application, step))}")
    lines += ["", t._("Press a field to change it, or Submit.")]
    edits = [
        Button(f"✏️ {t._(FIELD_LABELS[step])}", EditField(step).pack())
        for step in steps_for(application)
    ]
    rows: Keyboard = [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([Button(t._("Submit"), FormChoice(Choice.SUBMIT).pack())])
    turn.say(Html("\n".join(lines)), with_nav(turn, FLOW, rows))


def submit(turn: Turn, application: Application) -> None:
    t = turn.t
    try:
        applications.submit(
            turn.session,
            application,
            turn.user,
            now=turn.uow.clock.now(),
            settings=turn.uow.settings,
        )
    except NotAllowed as refusal:
        # Said as a message, in this form's words; a missing answer is asked for again.
        if refusal.reason == "duplicate":
            turn.say(refusals.sentence(turn, "application.duplicate"))
            return
        if refusal.reason == "incomplete":
            turn.say(refusals.sentence(turn, "application.incomplete"))
            ask(turn, application, first_missing(application))
            return
        raise
    turn.finish()
    turn.say(t._("Submitted. Thank you!"))


opens(Item.APPLY, apply_command)
