"""People: who they are, which language they read, which roles they hold."""

from sqlmodel import Session, col, select

from models import GroupChat, RoleGrant, User
from workflows import audit
from workflows.charter.errors import NotAllowed
from workflows.charter.roles import Role

LANGUAGES = ("en", "ar")


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
) -> tuple[User, bool]:
    """The user behind an update, created on first sight. Returns (user, is_new)."""
    user = session.get(User, user_id)
    if user is None:
        user = User(
            id=user_id,
            first_name=first_name[:256],
            username=username,
            language=language_from_telegram(language_code),
        )
        session.add(user)
        session.flush()
        return user, True
    if user.first_name != first_name[:256] or user.username != username:
        user.first_name = first_name[:256]
        user.username = username
        session.add(user)
    return user, False


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


def holders_of(session: Session, role: Role) -> list[User]:
    query = select(User).join(RoleGrant, RoleGrant.user_id == User.id)  # type: ignore[arg-type]
    return list(session.exec(query.where(RoleGrant.role == role.value).order_by(col(User.id))))


def _may_manage_roles(session: Session, actor_id: int | None) -> None:
    """Roles are granted by the Secretariat; ``actor_id`` None is the operator's CLI."""
    if actor_id is None:
        return
    if not roles_of(session, actor_id) & {Role.SECRETARIAT, Role.SECRETARY_GENERAL}:
        raise NotAllowed("only the Secretariat grants and revokes roles")


def grant_role(session: Session, *, user_id: int, role: Role, actor_id: int | None) -> bool:
    """Grant ``role``; False when the user already held it (nothing changes)."""
    _may_manage_roles(session, actor_id)
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
    session.add(RoleGrant(user_id=user_id, role=role.value, granted_by=actor_id))
    audit.record(
        session, entity="user", entity_id=user_id, action="grant", actor_id=actor_id, to_state=role
    )
    return True


def revoke_role(session: Session, *, user_id: int, role: Role, actor_id: int | None) -> bool:
    """Revoke ``role``; False when the user did not hold it."""
    _may_manage_roles(session, actor_id)
    existing = session.exec(
        select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role.value)
    ).first()
    if existing is None:
        return False
    session.delete(existing)
    audit.record(
        session,
        entity="user",
        entity_id=user_id,
        action="revoke",
        actor_id=actor_id,
        from_state=role,
    )
    return True


def all_grants(session: Session) -> list[tuple[User, str]]:
    query = (
        select(User, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)  # type: ignore[arg-type]
        .order_by(col(RoleGrant.role), col(User.id))
    )
    return [(user, role) for user, role in session.exec(query)]
