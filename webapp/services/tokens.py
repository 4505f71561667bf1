"""Personal access tokens for /api/v1: create (shown once), list, revoke, and authenticate a call.

Only the sha256 of a token is stored. A token is high-entropy random, so an unsalted hash is enough: nobody
can guess their way back from the hash, and looking the hash up by value leaks nothing useful through timing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import AMSTERDAM, end_of_day
from webapp.domain.errors import AccessDenied, FormInvalid, KetenflowError, NotFound
from webapp.domain.messages import N_, Message
from webapp.persistence.models import ApiToken, User
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.users import to_actor

TOKEN_PREFIX = "kf_"  # noqa: S105 - the public prefix, not a secret
NAME_MAX = 100
LONGEST_VALIDITY_DAYS = 366
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The longest token we ever hand out is "kf_" + 43 characters; anything much longer is not ours.
_TOKEN_MAX = 100


class TokenRejected(KetenflowError):
    """The bearer token is missing, unknown, expired or revoked (answered 401)."""


@dataclass(frozen=True)
class ApiTokenView:
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str  # actief | verlopen | ingetrokken


@dataclass(frozen=True)
class CreatedToken:
    token: ApiTokenView
    secret: str  # shown to its owner once, never stored


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _status(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "ingetrokken"
    if row.expires_at is not None and row.expires_at <= now:
        return "verlopen"
    return "actief"


def _view(row: ApiToken, now: datetime) -> ApiTokenView:
    return ApiTokenView(
        row.id, row.name, row.created_at, row.expires_at, row.last_used_at, row.revoked_at, _status(row, now)
    )


def _check_new_token(name: str, expires_on: date | None, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["naam"] = N_("Geef het token een naam, zodat u later weet waarvoor het dient.")
    elif len(name) > NAME_MAX:
        errors["naam"] = Message("Een naam is hoogstens {most} tekens lang.", most=NAME_MAX)
    if expires_on is None:
        errors["verloopt_op"] = N_("Kies tot wanneer het token geldig is.")
    elif expires_on < today:
        errors["verloopt_op"] = N_("Deze datum ligt in het verleden.")
    elif expires_on > today + timedelta(days=LONGEST_VALIDITY_DAYS):
        errors["verloopt_op"] = N_("Een token is hoogstens een jaar geldig.")
    return errors


def create_token(
    ctx: ServiceContext, actor: Actor, name: str, expires_on: date | None, origin: Origin | None = None
) -> CreatedToken:
    """A new token for ``actor``, valid through the end of ``expires_on`` (Amsterdam time)."""
    now = ctx.clock.now()
    name = " ".join(name.split())
    errors = _check_new_token(name, expires_on, now.astimezone(AMSTERDAM).date())
    if errors or expires_on is None:
        raise FormInvalid(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.db.write() as session:
        row = ApiToken(
            user_id=actor.user_id,
            name=name,
            token_hash=hash_token(secret),
            created_at=now,
            expires_at=end_of_day(expires_on),
        )
        session.add(row)
        session.flush()
        _audit_token(session, ctx, actor, row, "api_token.created", Action.CREATE, origin)
        return CreatedToken(_view(row, now), secret)


def list_tokens(ctx: ServiceContext, actor: Actor) -> list[ApiTokenView]:
    """The actor's own tokens, newest first; nobody sees another person's tokens."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        rows = session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        ).scalars()
        return [_view(row, now) for row in rows]


def revoke_token(ctx: ServiceContext, actor: Actor, token_id: int, origin: Origin | None = None) -> None:
    """Revoke one of the actor's own tokens; revoking it twice keeps the first moment."""
    with ctx.db.write() as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(N_("Dit token bestaat niet."))
        if row.user_id != actor.user_id:
            session.rollback()
            reason = N_("U kunt alleen uw eigen tokens intrekken.")
            audit_denial(
                ctx,
                "api_token.revoked",
                Action.UPDATE,
                reason,
                actor_id=actor.user_id,
                object_type="api_token",
                object_id=str(token_id),
            )
            raise AccessDenied(reason)
        if row.revoked_at is None:
            row.revoked_at = ctx.clock.now()
            _audit_token(session, ctx, actor, row, "api_token.revoked", Action.UPDATE, origin)


def _audit_token(
    session: Session,
    ctx: ServiceContext,
    actor: Actor,
    row: ApiToken,
    event: str,
    action: Action,
    origin: Origin | None,
) -> None:
    audit(
        session,
        ctx,
        event,
        action,
        actor_id=actor.user_id,
        origin=origin,
        object_type="api_token",
        object_id=str(row.id),
    )


def _refusal(row: ApiToken | None, user: User | None, now: datetime) -> str | None:
    if row is None or user is None:
        return N_("Dit token is onbekend. Maak een nieuw token aan op de pagina API-tokens.")
    if row.revoked_at is not None:
        return N_("Dit token is ingetrokken. Maak een nieuw token aan op de pagina API-tokens.")
    if row.expires_at is not None and row.expires_at <= now:
        return N_("Dit token is verlopen. Maak een nieuw token aan op de pagina API-tokens.")
    if not user.active:
        return N_("Het account van dit token is niet meer actief.")
    return None


def authenticate_token(ctx: ServiceContext, secret: str, origin: Origin | None = None) -> Actor:
    """The actor a bearer token stands for; a refused token is audited and raises ``TokenRejected``."""
    now = ctx.clock.now()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > _TOKEN_MAX:
        _reject(ctx, None, None, N_("Dit is geen Ketenflow-token (het begint met kf_)."), origin)
    with ctx.db.read() as session:
        row = session.execute(
            select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
        ).scalar_one_or_none()
        user = session.get(User, row.user_id) if row is not None else None
        refusal = _refusal(row, user, now)
        token_id, user_id = (row.id if row else None), (user.id if user else None)
        actor = to_actor(user) if refusal is None and user is not None else None
        last_used = row.last_used_at if row else None
    if actor is None or token_id is None:
        _reject(ctx, token_id, user_id, refusal or "", origin)
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        # A script that polls should not turn every read into a write: a minute is precise enough.
        with ctx.db.write() as session:
            session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return actor


def _reject(
    ctx: ServiceContext, token_id: int | None, user_id: int | None, reason: str, origin: Origin | None
) -> NoReturn:
    audit_denial(
        ctx,
        "auth.token",
        Action.LOGIN,
        reason,
        actor_id=user_id,
        origin=origin,
        object_type="api_token",
        object_id=str(token_id) if token_id else None,
    )
    raise TokenRejected(reason)
