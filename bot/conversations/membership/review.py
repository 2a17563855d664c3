"""Screening and deciding applications (Art. 19-20), and the applicant's side of it.

Prompts arrive from the outbox with buttons whose data these typed callbacks
unpack. Who may press is decided here from the database, never from the button.
Questions and reasons are typed in the private chat, even when the button was
pressed in the Secretariat's group.
"""

import html
import re
from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import select

from bot.buttons import AnswerQuestion, Decision, History, keyboard
from bot.callbacks import Callback
from bot.chat import Button, Keyboard
from bot.conversations import steps
from bot.conversations.forms import clean_line
from bot.conversations.refusals import explained
from bot.conversations.start import Item, opens
from bot.engine import Router, Turn
from bot.i18n import Html
from models import Application, GroupChat, Notification, Prompt, User
from workflows.charter.errors import IllegalTransition, NotAllowed
from workflows.charter.machines import APPLICATION, ApplicationEvent, ApplicationState
from workflows.charter.roles import STAFF, Role
from workflows.membership import applications
from workflows.membership.applications import Action
from workflows.platform import audit, people, prompts, values
from workflows.platform.values import N_, Name

router = Router("review")
ASK_FLOW = "app_ask"
REJECT_FLOW = "app_reject"
ANSWER_FLOW = "app_answer"


class Asking(steps.Typed):
    """The Secretariat typing a question for the applicant of application ``app``."""

    FLOW: ClassVar[str] = ASK_FLOW
    app: int


class Rejecting(steps.Typed):
    """The Secretary-General typing why application ``app`` is rejected."""

    FLOW: ClassVar[str] = REJECT_FLOW
    app: int


class Answering(steps.Typed):
    """The applicant typing the answer to the question on application ``app``."""

    FLOW: ClassVar[str] = ANSWER_FLOW
    app: int


@dataclass(frozen=True)
class OpenPrompt(Callback, prefix="prm"):
    prompt_id: int


EVENTS = {
    Action.FORWARD: ApplicationEvent.FORWARD,
    Action.ASK: ApplicationEvent.ASK,
    Action.REJECT: ApplicationEvent.REJECT,
    Action.ADMIT: ApplicationEvent.ADMIT,
}
STATE_VALUES = {state.value for state in ApplicationState}
STATE_NAMES = {
    ApplicationState.DRAFT: N_("being filled in"),
    ApplicationState.SUBMITTED: N_("with the Secretariat for screening"),
    ApplicationState.AWAITING_INFO: N_("waiting for your answer to a question"),
    ApplicationState.FORWARDED: N_("with the Secretary-General for decision"),
    ApplicationState.ADMITTED: N_("admitted"),
    ApplicationState.REJECTED: N_("not accepted"),
    ApplicationState.LAPSED: N_("lapsed"),
    ApplicationState.CANCELLED: N_("withdrawn"),
}


def load(turn: Turn, application_id: int) -> Application:
    application = turn.session.get(Application, application_id)
    if application is None:
        raise NotAllowed("no such application", reason="not_found")
    return application


def check(turn: Turn, application: Application, action: Action) -> None:
    """Refuse early, before asking for a reason, what the charter would refuse anyway."""
    roles = people.actor_roles(
        turn.session, turn.user, owner=application.applicant_id == turn.user.id
    )
    APPLICATION.check(application.state, EVENTS[action], roles, subject=application.id)


@router.button(Decision)
def decide(turn: Turn, press: Decision) -> None:
    application = load(turn, press.application_id)
    check(turn, application, press.action)
    now, settings = turn.uow.clock.now(), turn.uow.settings
    t = turn.t
    if press.action is Action.FORWARD:
        applications.forward(
            turn.session, application.id or 0, turn.user, now=now, settings=settings
        )
        turn.toast(t._("Forwarded to the Secretary-General."))
    elif press.action is Action.ADMIT:
        applications.admit(turn.session, application.id or 0, turn.user, now=now)
        turn.toast(t._("Admitted. The applicant and the Secretariat are told."))
    else:
        number = str(application.id)
        if press.action is Action.ASK:
            steps.privately(
                turn,
                Asking(app=application.id or 0),
                t._(
                    "Type your question for the applicant of application No. {number}.",
                    number=number,
                ),
            )
        else:
            steps.privately(
                turn,
                Rejecting(app=application.id or 0),
                t._(
                    "Type the reason for rejecting application No. {number}; the applicant will "
                    "read it.",
                    number=number,
                ),
            )


def typed_text(turn: Turn, flow: str, *, maximum: int = 1000) -> str | None:
    value = clean_line(turn.event.text, minimum=2, maximum=maximum)
    if value is None:
        turn.say(
            turn.t._(steps.TEXT_LENGTH, maximum=maximum),
            steps.with_nav(turn, flow, back=False),
        )
    return value


@router.flow(ASK_FLOW)
def typed_question(turn: Turn) -> None:
    question = typed_text(turn, ASK_FLOW)
    state = turn.state(Asking)
    if question is None or state is None:
        return
    turn.finish()
    applications.ask(
        turn.session,
        state.app,
        turn.user,
        question,
        now=turn.uow.clock.now(),
        settings=turn.uow.settings,
    )
    turn.say(turn.t._("Your question was sent to the applicant."))


@router.flow(REJECT_FLOW)
def typed_reason(turn: Turn) -> None:
    reason = typed_text(turn, REJECT_FLOW)
    state = turn.state(Rejecting)
    if reason is None or state is None:
        return
    turn.finish()
    applications.reject(turn.session, state.app, turn.user, reason, now=turn.uow.clock.now())
    turn.say(turn.t._("The application was rejected and the applicant told why."))


@router.button(AnswerQuestion)
def start_answer(turn: Turn, press: AnswerQuestion) -> None:
    application = load(turn, press.application_id)
    if application.applicant_id != turn.user.id:
        raise NotAllowed("only the applicant answers", reason="not_owner")
    if application.state != ApplicationState.AWAITING_INFO.value:
        raise IllegalTransition(machine="application", state=application.state, event="answer")
    turn.start(Answering(app=application.id or 0))
    turn.say(
        turn.t._(
            "Type your answer to the Secretariat's question:\n\n{question}",
            question=application.question or "",
        ),
        [steps.nav_row(turn, ANSWER_FLOW, back=False)],
    )


@router.flow(ANSWER_FLOW)
def typed_answer(turn: Turn) -> None:
    text = typed_text(turn, ANSWER_FLOW, maximum=3000)
    state = turn.state(Answering)
    if text is None or state is None:
        return
    turn.finish()
    applications.answer(
        turn.session,
        state.app,
        turn.user,
        text,
        now=turn.uow.clock.now(),
        settings=turn.uow.settings,
    )


for _flow in (ASK_FLOW, REJECT_FLOW, ANSWER_FLOW):
    steps.navigates(_flow)(steps.cancel_typing)


# --- Status, pending work, history, the Secretariat's group -----------------------


@router.command("status")
def status(turn: Turn) -> None:
    t = turn.t
    mine = applications.of_applicant(turn.session, turn.user.id)
    if not mine:
        turn.say(t._("You have no application. Send /apply to apply for membership."))
        return
    lines = [t._("<b>Your applications</b>")]
    for application in mine:
        lines.append(
            t._(
                "No. {number} — {name}: {state}",
                number=str(application.id),
                name=Name.of(application),
                state=Html(t._(STATE_NAMES[ApplicationState(application.state)])),
            )
        )
        if application.state == ApplicationState.AWAITING_INFO.value and application.question:
            lines.append(t._("Question: {question}", question=application.question))
        if application.state == ApplicationState.REJECTED.value and application.reason:
            lines.append(t._("Reason: {reason}", reason=application.reason))
    turn.say(Html("\n".join(lines)))


DECIDERS = STAFF | {Role.CHAIR}


@router.command("pending")
def pending(turn: Turn) -> None:
    """Every prompt still waiting for someone holding the user's roles, to open again."""
    t = turn.t
    if not turn.roles & DECIDERS:
        raise NotAllowed("pending approvals are for those who decide", reason="role_not_allowed")
    waiting = prompts.waiting_for(turn.session, turn.roles)
    if not waiting:
        turn.say(t._("Nothing is waiting for you."))
        return
    rows = [
        [Button(title(turn, copy), OpenPrompt(prompt.id or 0).pack())]
        for prompt, copy in waiting[:20]
    ]
    turn.say(
        t.n_(
            "{count} request is waiting for you.",
            "{count} requests are waiting for you.",
            len(waiting),
        ),
        rows,
    )


def rendered(turn: Turn, copy: Notification) -> tuple[str, Keyboard]:
    text = turn.t.key(copy.key, copy.plural_key, **values.decode(copy.args))
    return text, keyboard(turn.t, copy.buttons)


def title(turn: Turn, copy: Notification) -> str:
    """The first line of a prompt, without formatting, short enough for a button."""
    first = rendered(turn, copy)[0].split("\n", 1)[0]
    plain = html.unescape(re.sub(r"<[^>]+>", "", first)).replace("\u2068", "").replace("\u2069", "")
    return plain if len(plain) <= 60 else plain[:59] + "…"


@router.button(OpenPrompt)
def open_prompt(turn: Turn, press: OpenPrompt) -> None:
    prompt = turn.session.get(Prompt, press.prompt_id)
    if prompt is None or not any(
        p.id == prompt.id for p, _ in prompts.waiting_for(turn.session, turn.roles)
    ):
        # Only someone the prompt was for may learn that it was already dealt with.
        addressed = prompt is not None and (
            prompt.audience in turn.roles or Role.SECRETARY_GENERAL in turn.roles
        )
        if addressed and prompt is not None and prompt.resolved_at is not None:
            raise IllegalTransition(
                machine="prompt", state="resolved", event="open", subject=prompt.id
            )
        raise NotAllowed("not a prompt for this user", reason="role_not_allowed")
    copy = prompts.first_copy(turn.session, prompt)
    assert copy is not None
    text, buttons = rendered(turn, copy)
    turn.say(text, buttons)


@router.command("history")
def history(turn: Turn) -> None:
    t = turn.t
    if not turn.roles & STAFF:
        raise NotAllowed("history is for the Secretariat", reason="role_not_allowed")
    argument = turn.event.command_args
    if not argument.isdigit():
        turn.say(t._("Send /history followed by the application number, for example /history 12."))
        return
    show_history(turn, argument)


@router.button(History)
@explained
def history_pressed(turn: Turn, press: History) -> None:
    """The link from a prompt to the other application of the same city (Art. 13)."""
    if not turn.roles & STAFF:
        raise NotAllowed("history is for the Secretariat", reason="role_not_allowed")
    application = load(turn, press.application_id)
    summary = applications.summary(turn.session, application, heading=applications.SCREEN_HEADING)
    turn.say(Html(turn.t.show(summary)))
    show_history(turn, str(press.application_id))


def show_history(turn: Turn, argument: str) -> None:
    t = turn.t
    records = audit.history(turn.session, "application", int(argument))
    if not records:
        turn.say(t._("There is no application No. {number}.", number=argument))
        return
    lines = [t._("<b>History of application No. {number}</b>", number=argument)]
    for record in records:
        state = ApplicationState(record.to_state) if record.to_state in STATE_VALUES else None
        actor = turn.session.get(User, record.actor_id) if record.actor_id else None
        lines.append(
            t._(
                "{when}: {actor} — {state}",
                when=record.at,
                # A person by name, as the rest of the chat shows them, never by raw id.
                actor=actor.first_name if actor else Html(t._("the system")),
                state=Html(t._(STATE_NAMES[state])) if state else "—",
            )
        )
        if record.reason:
            lines.append(t._("    “{text}”", text=record.reason))
    turn.say(Html("\n".join(lines)))


@router.command("bind", in_groups=True)
def bind_group(turn: Turn) -> None:
    """In a group: make it the Secretariat's group, where its prompts also go."""
    t = turn.t
    if turn.event.is_private:
        turn.say(t._("Send /bind in the Secretariat's group chat to have prompts sent there too."))
        return
    if not turn.roles & STAFF:
        raise NotAllowed("only the Secretariat binds its group", reason="role_not_allowed")
    group = turn.session.get(GroupChat, turn.event.chat_id)
    assert group is not None
    for other in turn.session.exec(
        select(GroupChat).where(GroupChat.purpose == prompts.SECRETARIAT_GROUP)
    ):
        other.purpose = ""
        turn.session.add(other)
    group.purpose = prompts.SECRETARIAT_GROUP
    group.language = turn.user.language
    turn.session.add(group)
    audit.record(
        turn.session,
        entity="group",
        entity_id=group.id,
        action="bind",
        actor_id=turn.user.id,
        to_state=prompts.SECRETARIAT_GROUP,
    )
    turn.say(
        t._("This group is now the Secretariat's group: approval prompts will be posted here too.")
    )


opens(Item.PENDING, pending)
