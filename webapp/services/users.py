"""Accounts: password hashing and the actor (user with memberships) that every use case acts for."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from webapp.domain.access import Actor, Membership
from webapp.domain.audit import Action
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


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; without a hash (unknown user) a dummy hash is checked, so
    both answers take the same time and an attacker cannot tell which usernames exist."""
    try:
        return bool(_hasher.verify(password_hash or _DUMMY_HASH, password)) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker argon2 parameters than the current ones."""
    return bool(_hasher.check_needs_rehash(password_hash))


def authenticate(ctx: ServiceContext, username: str, password: str, origin: Origin) -> Actor | None:
    """The actor when the password is right and no second factor is needed (service-level sign-in for
    scripts and tests); the web login uses :func:`webapp.services.authentication.sign_in_with_password`."""
    # Imported here: authentication builds on this module's password hashing.
    from webapp.services.authentication import LoginPolicy, Step, sign_in_with_password

    outcome = sign_in_with_password(
        ctx, username, password, origin, LoginPolicy(totp_required_roles=frozenset())
    )
    return outcome.actor if outcome.step is Step.SIGNED_IN else None


def load_actor(ctx: ServiceContext, user_id: int) -> Actor | None:
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        return to_actor(user) if user is not None and user.active else None


def record_logout(ctx: ServiceContext, actor: Actor, origin: Origin, reason: str | None = None) -> None:
    """Audit the end of a session: signing out, or (``reason``) an idle or too long session."""
    with ctx.db.write() as session:
        audit(
            session, ctx, "auth.logout", Action.LOGOUT, actor_id=actor.user_id, origin=origin, reason=reason
        )


def organisation_names(ctx: ServiceContext) -> dict[int, str]:
    with ctx.db.read() as session:
        return dict(session.execute(select(Organisation.id, Organisation.name)).all())
