"""People: who they are, which language they read, which roles they hold."""

import re
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import GroupChat, Member, PendingRepresentative, Representation, RoleGrant, User
from models.columns import utcnow
from workflows.charter.errors import NotAllowed
from workflows.charter.membership import Standing
from workflows.charter.roles import STAFF, Actor, Party, Role
from workflows.platform import audit, locks, outbox
from workflows.platform.values import Name, message

LANGUAGES = ("en", "ar")
#: Telegram usernames: 5 to 32 letters, digits and underscores, not starting with a digit.
USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


def language_from_telegram(language_code: str | None) -> str:
    """Arabic for an Arabic Telegram client, English for everyone else."""
    if language_code and language_code.lower().split("-")[0] == "ar":
        return "ar"
    return "en"


def meet_user(
    session: Session,
    *,
    user_id: int,
    first_name: str,
    username: str | None,
    language_code: str | None,
    known: User | None = None,
) -> tuple[User, bool]:
    """The user behind an update, created on first sight (``known``: read already, in
    ``session``). Returns (user, is_new)."""
    user = known if known is not None else session.get(User, user_id)
    if user is None:
        user = User(
            id=user_id,
            first_name=first_name[:256],
            username=username,
            language=language_from_telegram(language_code),
        )
        session.add(user)
        session.flush()
        link_pending(session, user, now=utcnow())
        return user, True
    if user.first_name != first_name[:256] or user.username != username:
        renamed = user.username != username
        user.first_name = first_name[:256]
        user.username = username
        session.add(user)
        if renamed:
            link_pending(session, user, now=utcnow())
    if not user.language_chosen and language_code:
        # Someone granted a role (or met) before they wrote has no choice of their own
        # yet: their Telegram's language is the best guess until they pick one.
        telegram = language_from_telegram(language_code)
        if user.language != telegram:
            user.language = telegram
            session.add(user)
    return user, False


def as_registered(user: User) -> str:
    """How the register (the directory's export, an import) writes a representative: their
    name and how to find them on Telegram, "Amina (@amina_h)" or "Amina (12345)"."""
    who = f"@{user.username}" if user.username else str(user.id)
    if user.first_name == str(user.id):
        return who
    return f"{user.first_name.replace(';', ',')} ({who})"


def link_representative(session: Session, member: Member, user_id: int, *, now: datetime) -> None:
    """``user_id`` speaks for ``member`` from now (Art. 24); someone never seen gets a
    user row of their id, named when they first write."""
    assert member.id is not None
    if session.get(User, user_id) is None:
        session.add(User(id=user_id, first_name=str(user_id)))
        session.flush()
    link = session.exec(
        select(Representation).where(
            Representation.member_id == member.id, Representation.user_id == user_id
        )
    ).first()
    if link is None:
        session.add(Representation(member_id=member.id, user_id=user_id, since=now))
    else:
        link.until, link.since = None, now
        session.add(link)
    grant_role(session, user_id=user_id, role=Role.REPRESENTATIVE, actor_id=None)


def link_pending(session: Session, user: User, *, now: datetime) -> list[Member]:
    """A representative the imported register named by @username starts the bot (or
    takes that username): they now speak for the members it named them for."""
    if not user.username:
        return []
    waiting = list(
        session.exec(
            select(PendingRepresentative).where(
                PendingRepresentative.username == user.username.lower()
            )
        )
    )
    linked = []
    for pending in waiting:
        member = session.get(Member, pending.member_id)
        session.delete(pending)
        if member is None or member.standing == Standing.WITHDRAWN.value:
            continue
        link_representative(session, member, user.id, now=now)
        audit.record(
            session,
            entity="member",
            entity_id=member.id,
            action="representative_linked",
            actor_id=user.id,
            at=now,
            username=pending.username,
            named_by=pending.added_by,
        )
        outbox.notify(session, chat_id=user.id, key=LINKED, args={"name": Name.of(member)})
        linked.append(member)
    return linked


def meet_group(session: Session, *, chat_id: int, title: str) -> GroupChat:
    group = session.get(GroupChat, chat_id)
    if group is None:
        group = GroupChat(id=chat_id, title=title[:256])
        session.add(group)
        session.flush()
    elif group.title != title[:256]:
        group.title = title[:256]
        session.add(group)
    return group


def set_language(session: Session, user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    before = user.language
    user.language = language
    user.language_chosen = True
    session.add(user)
    audit.record(
        session,
        entity="user",
        entity_id=user.id,
        action="language",
        actor_id=user.id,
        from_state=before,
        to_state=language,
    )


def roles_of(session: Session, user_id: int) -> set[Role]:
    grants = session.exec(select(RoleGrant.role).where(RoleGrant.user_id == user_id))
    return {Role(role) for role in grants if role in Role.__members__.values()}


def actor_roles(session: Session, user: User | None, *, owner: bool = False) -> frozenset[Actor]:
    """Whom ``user`` acts as in the charter's machines: a guest with the roles granted
    them, and ``Party.OWNER`` when the request is theirs (``owner``: they made it, or
    speak for its member). No user is the system itself (a due item): ``Party.SYSTEM``."""
    if user is None:
        return frozenset({Party.SYSTEM})
    roles: set[Actor] = {Role.GUEST, *roles_of(session, user.id)}
    if owner:
        roles.add(Party.OWNER)
    return frozenset(roles)


def holders_of(session: Session, role: Role) -> list[User]:
    query = select(User).join(RoleGrant, RoleGrant.user_id == User.id)  # type: ignore[arg-type]
    return list(session.exec(query.where(RoleGrant.role == role.value).order_by(col(User.id))))


def may_manage_role(session: Session, actor_id: int | None, role: Role) -> None:
    """Roles are granted by the Secretariat; ``actor_id`` None is the operator's CLI.

    The Secretary-General's own role is handed over only by a Secretary-General
    (Art. 9: the Secretariat works under the Secretary-General, not above).
    """
    if actor_id is None:
        return
    held = roles_of(session, actor_id)
    if not held & STAFF:
        raise NotAllowed("only the Secretariat grants and revokes roles", reason="not_staff")
    if role is Role.SECRETARY_GENERAL and Role.SECRETARY_GENERAL not in held:
        raise NotAllowed(
            "only the Secretary-General grants or revokes secretary_general",
            reason="secretary_general_only",
        )


def grant_role(
    session: Session, *, user_id: int, role: Role, actor_id: int | None, tell: bool = False
) -> bool:
    """Grant ``role``; False when the user already held it (nothing changes).

    ``tell`` writes the person a notification in their language.
    """
    may_manage_role(session, actor_id, role)
    # Who holds a role is read under this lock, so two grants or revokes at once
    # cannot both act on the same old list (and leave no Secretary-General).
    locks.serialise(session, f"roles:{role.value}")
    if role is Role.GUEST:
        raise ValueError("everyone is a guest; the guest role is not granted")
    if session.get(User, user_id) is None:
        session.add(User(id=user_id, first_name=str(user_id)))
        session.flush()
    existing = session.exec(
        select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role.value)
    ).first()
    if existing is not None:
        return False
    try:
        # A double tap racing itself: the unique constraint lets one grant through.
        with session.begin_nested():
            session.add(RoleGrant(user_id=user_id, role=role.value, granted_by=actor_id))
    except IntegrityError:
        return False
    audit.record(
        session, entity="user", entity_id=user_id, action="grant", actor_id=actor_id, to_state=role
    )
    if tell:
        outbox.notify(
            session, chat_id=user_id, key=GRANTED, args={"role": message(ROLE_NAMES[role])}
        )
    return True


def revoke_role(
    session: Session, *, user_id: int, role: Role, actor_id: int | None, tell: bool = False
) -> bool:
    """Revoke ``role``; False when the user did not hold it.

    In chat the last Secretary-General cannot be revoked: only the operator's
    CLI could name another one.
    """
    may_manage_role(session, actor_id, role)
    locks.serialise(session, f"roles:{role.value}")
    existing = session.exec(
        select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role.value)
    ).first()
    if existing is None:
        return False
    if (
        actor_id is not None
        and role is Role.SECRETARY_GENERAL
        and len(holders_of(session, Role.SECRETARY_GENERAL)) == 1
    ):
        raise NotAllowed("the last Secretary-General stays", reason="last_secretary_general")
    session.delete(existing)
    audit.record(
        session,
        entity="user",
        entity_id=user_id,
        action="revoke",
        actor_id=actor_id,
        from_state=role,
    )
    if tell:
        outbox.notify(
            session, chat_id=user_id, key=REVOKED, args={"role": message(ROLE_NAMES[role])}
        )
    return True


def all_grants(session: Session) -> list[tuple[User, str]]:
    query = (
        select(User, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)  # type: ignore[arg-type]
        .order_by(col(RoleGrant.role), col(User.id))
    )
    return [(user, role) for user, role in session.exec(query)]


def find_person(session: Session, typed: str) -> User | None:
    """Someone who has started the bot, by Telegram id or @username; None otherwise."""
    text = typed.strip()
    if text.isdecimal():
        # Telegram ids fit in 52 bits; anything longer is no one (and no database error).
        return session.get(User, int(text)) if len(text) <= 16 else None
    match = USERNAME.fullmatch(text)
    if match is None:
        return None
    name = match.group(1).lower()
    return session.exec(select(User).where(func.lower(User.username) == name)).first()


ROLE_NAMES: dict[Role, str] = {
    Role.GUEST: "people.role_names.guest",
    Role.REPRESENTATIVE: "people.role_names.representative",
    Role.SECRETARIAT: "people.role_names.secretariat",
    Role.SECRETARY_GENERAL: "people.role_names.secretary_general",
    Role.CHAIR: "people.role_names.chair",
    Role.TRUSTEE: "people.role_names.trustee",
    Role.STEERING: "people.role_names.steering",
    Role.COUNCIL: "people.role_names.council",
}
#: Notices by their stable names: their words and tags are in bot/notices.py.
GRANTED = "people.granted"
LINKED = "people.linked"
REVOKED = "people.revoked"
