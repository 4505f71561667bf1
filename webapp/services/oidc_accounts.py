"""Signing in through an organisation's OpenID Connect provider: finding the local account.

The web layer has validated the ID token (signature, issuer, audience, nonce, expiry). Here the person is
matched to an existing account by (issuer, subject), or the first time by a verified e-mail address, after
which the subject is stored. Nobody gets an account this way: memberships are granted by an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.domain.audit import Action
from webapp.domain.messages import N_
from webapp.persistence.models import User
from webapp.services import users
from webapp.services.authentication import SignIn, Step, refused_login
from webapp.services.context import Origin, ServiceContext, audit

UNKNOWN_PERSON = N_(
    "U bent bij uw organisatie aangemeld, maar Ketenflow kent u nog niet. Vraag de beheerder van Ketenflow "
    "om een account met uw e-mailadres; daarna kunt u zich op deze manier aanmelden."
)


@dataclass(frozen=True)
class VerifiedIdentity:
    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False


def sign_in_with_oidc(ctx: ServiceContext, identity: VerifiedIdentity, origin: Origin) -> SignIn:
    with ctx.db.write() as session:
        user = session.scalars(
            select(User).where(User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject)
        ).one_or_none()
        linked = False
        if user is None and identity.email and identity.email_verified:
            candidates = session.scalars(
                select(User).where(
                    func.lower(User.email) == identity.email.strip().lower(), User.oidc_subject.is_(None)
                )
            ).all()
            # Two accounts with one address: an administrator must decide which one it is.
            if len(candidates) == 1 and candidates[0].active:
                user, linked = candidates[0], True
                user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        if user is None or not user.active:
            refused_login(
                session,
                ctx,
                user.id if user else None,
                origin,
                "inactive" if user else "unknown_oidc_subject",
                {"method": "oidc"},
            )
            return SignIn(Step.REFUSED)
        user.failed_logins, user.locked_until = 0, None
        details = {"method": "oidc", "linked": "yes" if linked else "no"}
        audit(session, ctx, "auth.login", Action.LOGIN, actor_id=user.id, origin=origin, details=details)
        return SignIn(Step.SIGNED_IN, user.id, user.session_epoch, users.to_actor(user))


def record_failure(ctx: ServiceContext, origin: Origin, error_type: str) -> None:
    """A sign-in whose token did not validate (wrong issuer, audience, nonce, signature …)."""
    with ctx.db.write() as session:
        refused_login(session, ctx, None, origin, "oidc_invalid", {"method": "oidc", "error": error_type})
