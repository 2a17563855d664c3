"""Approval prompts: a decision owed by the holders of a role, first to act wins.

:func:`open_prompt` sends a copy to every holder of the audience role (and, for
the Secretariat, to its bound group chat), and schedules a reminder and, for the
Secretariat, an escalation to the Secretary-General. :func:`resolve` closes it
once, atomically: a second tap, on any copy, finds it resolved and is refused.
Every copy is then edited to say who did what and when; :func:`close` does so for
the prompt about a request still open, if there is one.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import GroupChat, Notification, Prompt, User
from workflows.charter.errors import IllegalTransition
from workflows.charter.roles import Role
from workflows.platform import outbox, people, schedule, values
from workflows.platform.buttons import Cell
from workflows.platform.settings import Settings
from workflows.platform.values import N_, Message, message

SECRETARIAT_GROUP = "secretariat"

#: Shown under every copy of a resolved prompt, in each reader's language.
RESOLVED = N_("{prompt}\n\n{outcome}")


def audience_of(session: Session, audience: Role) -> list[int]:
    """Who is asked: the role's holders; the Secretary-General when no one holds it."""
    holders = [user.id for user in people.holders_of(session, audience)]
    if not holders and audience is Role.SECRETARIAT:
        holders = [user.id for user in people.holders_of(session, Role.SECRETARY_GENERAL)]
    if audience is Role.SECRETARIAT:
        groups = session.exec(
            select(GroupChat.id).where(GroupChat.purpose == SECRETARIAT_GROUP)
        ).all()
        holders += list(groups)
    return holders


def open_prompt(
    session: Session,
    *,
    kind: str,
    subject_id: int,
    audience: Role,
    text: Message,
    buttons: Sequence[Sequence[Cell]],
    now: datetime,
    settings: Settings,
    attachment: tuple[str, str] | None = None,
    caption: Message | None = None,
) -> Prompt:
    """Ask the holders of ``audience`` to decide; ``attachment`` is (file_id, kind), sent
    first with ``caption`` (by default: the signed letter, for the request below).

    They are reminded after ``settings.prompt_remind_hours``. A prompt to the
    Secretariat left unanswered ``settings.prompt_escalate_hours`` goes to the
    Secretary-General; one to a signatory (the Secretary-General, the Chair) has no
    one above to go to."""
    remind_after = timedelta(hours=settings.prompt_remind_hours)
    escalate_after = (
        timedelta(hours=settings.prompt_escalate_hours) if audience is Role.SECRETARIAT else None
    )
    prompt = Prompt(kind=kind, subject_id=subject_id, audience=audience.value, created_at=now)
    session.add(prompt)
    session.flush()
    assert prompt.id is not None
    for chat_id in audience_of(session, audience):
        send_copy(session, prompt, chat_id, text, buttons, attachment, caption)
    schedule.schedule(
        session,
        kind="prompt.remind",
        due_at=now + remind_after,
        dedupe_key=f"prompt:{prompt.id}:remind",
        prompt_id=prompt.id,
    )
    if escalate_after is not None:
        schedule.schedule(
            session,
            kind="prompt.escalate",
            due_at=now + escalate_after,
            dedupe_key=f"prompt:{prompt.id}:escalate",
            prompt_id=prompt.id,
        )
    return prompt


def send_copy(
    session: Session,
    prompt: Prompt,
    chat_id: int,
    text: Message,
    buttons: Sequence[Sequence[Cell]],
    attachment: tuple[str, str] | None = None,
    caption: Message | None = None,
) -> None:
    document = None
    if attachment is not None:
        caption = caption or message(ATTACHMENT_CAPTION)
        document = outbox.notify(
            session, chat_id=chat_id, key=caption.key, args=caption.args, file=attachment
        )
    outbox.notify(
        session,
        chat_id=chat_id,
        key=text.key,
        args=text.args,
        buttons=buttons,
        prompt_id=prompt.id,
        # The prompt says "for the request below": the document must be out first.
        follows=document.id if document is not None else None,
    )


#: Notices by their stable names: their words and tags are in bot/notices.py.
ATTACHMENT_CAPTION = "prompts.attachment_caption"


def waiting_for(session: Session, roles: set[Role]) -> list[tuple[Prompt, Notification]]:
    """Unresolved prompts whose audience is among ``roles``, with a copy to show again.

    The Secretary-General leads the Secretariat (Art. 9) and sees its prompts too.
    """
    audiences = {role.value for role in roles}
    if Role.SECRETARY_GENERAL in roles:
        audiences.add(Role.SECRETARIAT.value)
    found = []
    waiting = session.exec(
        select(Prompt)
        .where(col(Prompt.resolved_at).is_(None), col(Prompt.audience).in_(audiences))
        .order_by(col(Prompt.created_at), col(Prompt.id))
    )
    for prompt in waiting:
        copy = first_copy(session, prompt)
        if copy is not None:
            found.append((prompt, copy))
    return found


def first_copy(session: Session, prompt: Prompt) -> Notification | None:
    return session.exec(
        select(Notification)
        .where(Notification.prompt_id == prompt.id, col(Notification.edit_of).is_(None))
        .order_by(col(Notification.id))
    ).first()


def open_for(session: Session, kind: str, subject_id: int) -> Prompt | None:
    return session.exec(
        select(Prompt).where(
            Prompt.kind == kind,
            Prompt.subject_id == subject_id,
            col(Prompt.resolved_at).is_(None),
        )
    ).first()


def resolve(
    session: Session,
    prompt: Prompt,
    *,
    actor: User | None,
    outcome: str,
    outcome_text: Message,
    now: datetime,
) -> None:
    """Close ``prompt`` for good, or raise :class:`IllegalTransition` if someone did first."""
    result = session.execute(
        update(Prompt)
        .where(col(Prompt.id) == prompt.id, col(Prompt.resolved_at).is_(None))
        .values(resolved_at=now, resolved_by=actor.id if actor else None, outcome=outcome)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise IllegalTransition(
            machine="prompt", state="resolved", event=outcome, subject=prompt.id
        )
    copies = session.exec(
        select(Notification).where(
            Notification.prompt_id == prompt.id, col(Notification.edit_of).is_(None)
        )
    ).all()
    for copy in copies:
        assert copy.id is not None
        outbox.notify(
            session,
            chat_id=copy.chat_id,
            key=RESOLVED,
            args={
                "prompt": Message(copy.key, _stored(copy.args), copy.plural_key),
                "outcome": outcome_text,
            },
            edit_of=copy.id,
        )
    schedule.cancel(session, dedupe_prefix=f"prompt:{prompt.id}:", now=now)


def close(
    session: Session,
    kind: str,
    subject_id: int,
    *,
    actor: User | None,
    outcome: str,
    outcome_text: Message,
    now: datetime,
) -> None:
    """:func:`resolve` the prompt ``kind`` about ``subject_id`` if one is still open; a
    request decided at another stage has none, and nothing is written."""
    prompt = open_for(session, kind, subject_id)
    if prompt is not None:
        resolve(session, prompt, actor=actor, outcome=outcome, outcome_text=outcome_text, now=now)


def latest_resolved(session: Session, kinds: tuple[str, ...], subject_id: int) -> Prompt | None:
    """The prompt about ``subject_id`` most recently resolved, as committed now."""
    return session.exec(
        select(Prompt)
        .where(
            col(Prompt.kind).in_(kinds),
            Prompt.subject_id == subject_id,
            col(Prompt.resolved_at).is_not(None),
        )
        .order_by(col(Prompt.resolved_at).desc(), col(Prompt.id).desc())
        # This session may hold the prompt as it was before someone else resolved it.
        .execution_options(populate_existing=True)
    ).first()


def outcome_of(session: Session, prompt: Prompt) -> Message | None:
    """What the copies of a resolved prompt were edited to say: who did what, and when."""
    edit = session.exec(
        select(Notification)
        .where(
            Notification.key == RESOLVED,
            col(Notification.edit_of).in_(
                select(Notification.id).where(
                    Notification.prompt_id == prompt.id, col(Notification.edit_of).is_(None)
                )
            ),
        )
        .order_by(col(Notification.id))
    ).first()
    if edit is None:
        return None
    found = _stored(edit.args).get("outcome")
    return found if isinstance(found, Message) else None


def _stored(args: dict[str, Any]) -> dict[str, Any]:
    return values.decode(args)


def outcome(key: str, actor: User | None, now: datetime, **args: Any) -> Message:
    """ "✅ Forwarded by Amina on 22 November 2026 10:00 UTC" in each reader's language."""
    return message(key, name=actor.first_name if actor else "", when=now, **args)


@schedule.handles("prompt.remind")
def remind(session: Session, args: dict[str, Any], now: datetime) -> None:
    prompt = session.get(Prompt, args["prompt_id"])
    if prompt is None or prompt.resolved_at is not None:
        return
    copies = session.exec(
        select(Notification).where(
            Notification.prompt_id == prompt.id, col(Notification.edit_of).is_(None)
        )
    ).all()
    for chat_id in {copy.chat_id for copy in copies}:
        outbox.notify(
            session,
            chat_id=chat_id,
            key=REMINDER,
            args={"since": prompt.created_at},
            dedupe_key=f"prompt:{prompt.id}:remind:{chat_id}",
        )


@schedule.handles("prompt.escalate")
def escalate(session: Session, args: dict[str, Any], now: datetime) -> None:
    """Send the Secretary-General a working copy of a prompt left unanswered."""
    prompt = session.get(Prompt, args["prompt_id"])
    if prompt is None or prompt.resolved_at is not None:
        return
    first = first_copy(session, prompt)
    if first is None:
        return
    prompt.escalated_at = now
    session.add(prompt)
    already = {
        chat_id
        for chat_id in session.exec(
            select(Notification.chat_id).where(Notification.prompt_id == prompt.id)
        )
    }
    for user in people.holders_of(session, Role.SECRETARY_GENERAL):
        outbox.notify(
            session,
            chat_id=user.id,
            key=ESCALATED,
            args={"since": prompt.created_at},
            dedupe_key=f"prompt:{prompt.id}:escalated:{user.id}",
        )
        if user.id not in already:
            # The working copy comes with the document its first copy followed.
            earlier = session.get(Notification, first.follows) if first.follows else None
            document = None
            if earlier is not None and earlier.file_id is not None:
                document = outbox.notify(
                    session,
                    chat_id=user.id,
                    key=earlier.key,
                    args=_stored(earlier.args),
                    file=(earlier.file_id, earlier.file_kind or "document"),
                )
            outbox.notify(
                session,
                chat_id=user.id,
                key=first.key,
                args=_stored(first.args),
                buttons=first.buttons,
                prompt_id=prompt.id,
                follows=document.id if document is not None else None,
            )


REMINDER = "prompts.reminder"
ESCALATED = "prompts.escalated"
