"""Accounts: password checks and the actor (user with memberships) that every use case acts for."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from webapp.domain.access import Actor, Membership
from webapp.domain.audit import Action, Result
from webapp.domain.roles import Role
from webapp.persistence.models import Organisation, User
from webapp.services.context import Origin, ServiceContext, audit

_hasher = PasswordHasher()
# Verifying against a dummy hash when the user does not exist keeps the response time the same either way.
_DUMMY_HASH = _hasher.hash("ketenflow-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def to_actor(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        memberships=frozenset(Membership(m.organisation_id, Role(m.role)) for m in user.memberships),
        language=user.language or "nl",
    )


LANGUAGES = ("nl", "en")


def set_language(ctx: ServiceContext, actor: Actor, language: str, origin: Origin | None = None) -> None:
    """Dutch by default; a person may read Ketenflow in English."""
    if language not in LANGUAGES:
        raise ValueError("onbekende taal")
    with ctx.db.write() as session:
        session.get_one(User, actor.user_id).language = language
        audit(
            session,
            ctx,
            "account.language",
            Action.UPDATE,
            actor_id=actor.user_id,
            origin=origin,
            object_type="user",
            object_id=str(actor.user_id),
            details={"language": language},
        )


def authenticate(ctx: ServiceContext, username: str, password: str, origin: Origin) -> Actor | None:
    with ctx.db.write() as session:
        user = session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            ok = user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        audit(
            session,
            ctx,
            "auth.login",
            Action.LOGIN,
            result=Result.SUCCESS if ok else Result.DENIED,
            actor_id=user.id if user else None,
            origin=origin,
        )
        return to_actor(user) if ok and user else None


def load_actor(ctx: ServiceContext, user_id: int) -> Actor | None:
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        return to_actor(user) if user is not None and user.active else None


def record_logout(ctx: ServiceContext, actor: Actor, origin: Origin) -> None:
    with ctx.db.write() as session:
        audit(session, ctx, "auth.logout", Action.LOGOUT, actor_id=actor.user_id, origin=origin)


def organisation_names(ctx: ServiceContext) -> dict[int, str]:
    with ctx.db.read() as session:
        return dict(session.execute(select(Organisation.id, Organisation.name)).all())
