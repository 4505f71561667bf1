"""TOTP two-factor authentication (RFC 6238: 30-second steps, 6 digits, SHA-1 as every authenticator app).

A code is accepted one step early or late (clock drift of the phone) and only once: the accepted step is
stored, and a code of that step or an earlier one is refused, so a code seen over a shoulder is useless.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from webapp.domain.access import Actor
from webapp.domain.audit import Action, Result
from webapp.domain.errors import AccessDenied, FormInvalid
from webapp.domain.messages import N_
from webapp.persistence.models import User
from webapp.services import users
from webapp.services.context import Origin, ServiceContext, audit, audit_denial

ISSUER = "Ketenflow"
DRIFT_STEPS = 1
CODE_FIELD = "code"
BAD_CODE = N_("De code klopt niet. Controleer de tijd op uw telefoon en vul de nieuwste code in.")


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The 30-second step ``code`` belongs to (within the drift window), or None; never a used step."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_enabled(ctx: ServiceContext, actor: Actor) -> bool:
    with ctx.db.read() as session:
        return bool(session.get_one(User, actor.user_id).totp_secret)


def enable_totp(ctx: ServiceContext, actor: Actor, secret: str, code: str, origin: Origin) -> None:
    """Store the secret once a code made with it proves the app was set up right."""
    step = matching_step(secret, code, ctx.clock.now(), None)
    if step is None:
        audit_denial(
            ctx, "account.totp_enabled", Action.UPDATE, "wrong_code", actor_id=actor.user_id, origin=origin
        )
        raise FormInvalid({CODE_FIELD: BAD_CODE})
    with ctx.db.write() as session:
        user = session.get_one(User, actor.user_id)
        user.totp_secret, user.totp_last_step = secret, step
        audit(
            session,
            ctx,
            "account.totp_enabled",
            Action.UPDATE,
            actor_id=actor.user_id,
            origin=origin,
            object_type="user",
            object_id=str(actor.user_id),
        )


def disable_totp(ctx: ServiceContext, actor: Actor, password: str, origin: Origin, required: bool) -> None:
    """Switch the second factor off; refused for the roles that must use it, and only with the password."""
    if required:
        audit_denial(
            ctx,
            "account.totp_disabled",
            Action.UPDATE,
            "required_role",
            actor_id=actor.user_id,
            origin=origin,
        )
        raise AccessDenied(N_("Voor uw rol is tweestapsverificatie verplicht; u kunt haar niet uitzetten."))
    with ctx.db.write() as session:
        user = session.get_one(User, actor.user_id)
        ok = users.verify_password(user.password_hash, password)
        if ok:
            user.totp_secret, user.totp_last_step = None, None
        audit(
            session,
            ctx,
            "account.totp_disabled",
            Action.UPDATE,
            result=Result.SUCCESS if ok else Result.DENIED,
            actor_id=actor.user_id,
            origin=origin,
            object_type="user",
            object_id=str(actor.user_id),
            reason=None if ok else "wrong_password",
        )
    if not ok:
        raise FormInvalid({"password": N_("Het wachtwoord klopt niet.")})
