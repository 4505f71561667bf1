"""Signing in: password with lockout and address throttling, the TOTP second step, sessions that can be ended.

Every step is audited (action login/logout/update with its result); an audit row never holds a password, a
code, a secret or the username someone typed (it may be a password typed in the wrong box).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.access import Actor
from webapp.domain.audit import Action, Result
from webapp.domain.errors import FormInvalid
from webapp.domain.messages import N_
from webapp.domain.passwords import password_problems
from webapp.domain.roles import Role
from webapp.persistence.models import RateLimitBucket, User
from webapp.services import users
from webapp.services.context import Origin, ServiceContext, audit
from webapp.services.rate_limits import Limit, hit
from webapp.services.two_factor import matching_step

# One text for a wrong password, an unknown user and a locked account: the page must not tell an attacker
# which usernames exist or that a guessed password was right while the account was locked.
REFUSED = N_("Gebruikersnaam of wachtwoord klopt niet.")
WRONG_CODE = N_("De code klopt niet of is al gebruikt. Probeer de volgende code uit uw app.")
DEFAULT_REQUIRED_ROLES = frozenset({Role.FG, Role.ADMIN, Role.PROCESS_OWNER})


@dataclass(frozen=True)
class LoginPolicy:
    failures_before_lock: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    # Failed attempts per address: counting only failures keeps a whole town hall behind one NAT address
    # able to sign in at nine o'clock, while a guesser gets 20 tries per 10 minutes.
    failed_attempts_per_address: int = 20
    address_window: timedelta = timedelta(minutes=10)
    totp_required_roles: frozenset[Role] = field(default=DEFAULT_REQUIRED_ROLES)

    @property
    def address_limit(self) -> Limit:
        return Limit(self.failed_attempts_per_address, self.address_window)


def parse_roles(text: str) -> frozenset[Role]:
    """The roles of a comma-separated setting such as "fg,admin,process_owner"; unknown names are refused."""
    return frozenset(Role(part.strip()) for part in text.split(",") if part.strip())


class Step(StrEnum):
    SIGNED_IN = "signed_in"
    CODE_NEEDED = "code_needed"  # password right, the TOTP code comes next
    REFUSED = "refused"
    THROTTLED = "throttled"  # too many failed attempts from this address


@dataclass(frozen=True)
class SignIn:
    step: Step
    user_id: int | None = None
    epoch: int = 0  # the user's session epoch this sign-in belongs to
    actor: Actor | None = None
    retry_after: timedelta = timedelta(0)


@dataclass(frozen=True)
class SessionState:
    """What every request needs to know about its signed-in user."""

    actor: Actor
    totp_enabled: bool


def requires_totp(actor: Actor, policy: LoginPolicy) -> bool:
    return any(m.role in policy.totp_required_roles for m in actor.memberships)


def _address_key(origin: Origin) -> str:
    return "login:" + (origin.address or "-")


def _throttled(ctx: ServiceContext, origin: Origin, policy: LoginPolicy) -> timedelta | None:
    """How long this address must wait, or None; only looks, counting happens on a failure."""
    now = ctx.clock.now()
    with ctx.db.read() as session:  # read inside: the read transaction's rollback expires the row
        bucket = session.get(RateLimitBucket, _address_key(origin))
        if bucket is None or bucket.hits < policy.failed_attempts_per_address:
            return None
        until = bucket.window_start + policy.address_window
    return max(until - now, timedelta(seconds=1)) if now < until else None


def _refuse_throttled(ctx: ServiceContext, origin: Origin, wait: timedelta) -> SignIn:
    with ctx.db.write() as session:
        audit(
            session, ctx, "auth.login", Action.LOGIN, result=Result.DENIED, origin=origin, reason="throttled"
        )
    return SignIn(Step.THROTTLED, retry_after=wait)


def _locked(user: User, ctx: ServiceContext) -> bool:
    now = ctx.clock.now()
    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until, user.failed_logins = None, 0  # the lock is over: a fresh set of attempts
    return user.locked_until is not None


def _count_failure(
    session: Session, ctx: ServiceContext, user: User, policy: LoginPolicy, origin: Origin
) -> None:
    user.failed_logins += 1
    if user.failed_logins >= policy.failures_before_lock:
        user.locked_until = ctx.clock.now() + policy.lock_for
        audit(
            session,
            ctx,
            "auth.locked",
            Action.UPDATE,
            actor_id=user.id,
            origin=origin,
            object_type="user",
            object_id=str(user.id),
            details={"minutes": str(int(policy.lock_for.total_seconds() // 60))},
        )


def _signed_in(session: Session, ctx: ServiceContext, user: User, origin: Origin, method: str) -> SignIn:
    user.failed_logins, user.locked_until = 0, None
    audit(
        session, ctx, "auth.login", Action.LOGIN, actor_id=user.id, origin=origin, details={"method": method}
    )
    return SignIn(Step.SIGNED_IN, user.id, user.session_epoch, users.to_actor(user))


def sign_in_with_password(
    ctx: ServiceContext, username: str, password: str, origin: Origin, policy: LoginPolicy
) -> SignIn:
    wait = _throttled(ctx, origin, policy)
    if wait is not None:
        return _refuse_throttled(ctx, origin, wait)
    with ctx.db.write() as session:
        # Row lock: parallel guesses must not lose each other's failure count (PostgreSQL; SQLite's write
        # transaction is exclusive anyway).
        query = select(User).where(User.username == username.strip()).with_for_update()
        user = session.scalars(query).one_or_none()
        # Always hash, also for unknown or locked users: the answer takes the same time either way.
        password_ok = users.verify_password(user.password_hash if user else None, password)
        if user is None or not user.active or _locked(user, ctx) or not password_ok:
            reason = (
                "unknown_user"
                if user is None
                else "inactive"
                if not user.active
                else "locked"
                if user.locked_until is not None
                else "wrong_password"
            )
            if reason == "wrong_password" and user is not None:
                _count_failure(session, ctx, user, policy, origin)
            refused_login(session, ctx, user.id if user else None, origin, reason)
            failed = True
        else:
            failed = False
            if users.needs_rehash(user.password_hash):
                user.password_hash = users.hash_password(password)
            if user.totp_secret:
                # The failure counter is reset only after the code: otherwise the right password would
                # reset it between code guesses and the second factor could be guessed without a lock.
                audit(session, ctx, "auth.password", Action.LOGIN, actor_id=user.id, origin=origin)
                return SignIn(Step.CODE_NEEDED, user.id, user.session_epoch)
            return _signed_in(session, ctx, user, origin, "password")
    if failed:
        hit(ctx, _address_key(origin), policy.address_limit)
    return SignIn(Step.REFUSED)


def refused_login(
    session: Session,
    ctx: ServiceContext,
    user_id: int | None,
    origin: Origin,
    reason: str,
    details: dict[str, str] | None = None,
) -> None:
    """The audit line of a refused sign-in: a reason code, never what was typed."""
    audit(
        session,
        ctx,
        "auth.login",
        Action.LOGIN,
        result=Result.DENIED,
        actor_id=user_id,
        origin=origin,
        reason=reason,
        details=details or {},
    )


def sign_in_with_code(
    ctx: ServiceContext, user_id: int, epoch: int, code: str, origin: Origin, policy: LoginPolicy
) -> SignIn:
    """The second step, for the user whose password was right a moment ago; a failure counts towards the
    lockout just like a wrong password."""
    wait = _throttled(ctx, origin, policy)
    if wait is not None:
        return _refuse_throttled(ctx, origin, wait)
    with ctx.db.write() as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None or not user.active or user.session_epoch != epoch or not user.totp_secret:
            reason = "session_ended"
        elif _locked(user, ctx):
            reason = "locked"
        else:
            step = matching_step(user.totp_secret, code, ctx.clock.now(), user.totp_last_step)
            if step is not None:
                user.totp_last_step = step
                return _signed_in(session, ctx, user, origin, "password+totp")
            reason = "wrong_code"
            _count_failure(session, ctx, user, policy, origin)
        refused_login(session, ctx, user_id, origin, reason)
    hit(ctx, _address_key(origin), policy.address_limit)
    return SignIn(Step.REFUSED)


def load_session(ctx: ServiceContext, user_id: int, epoch: int) -> SessionState | None:
    """The signed-in user of a request, or None when the account was deactivated or the session ended
    (its epoch is older than the user's: password changed, or "afmelden op alle apparaten")."""
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active or user.session_epoch != epoch:
            return None
        return SessionState(users.to_actor(user), bool(user.totp_secret))


def end_all_sessions(ctx: ServiceContext, actor: Actor, origin: Origin) -> None:
    """Sign out on every device: every session carries the epoch it started in, and this one is over."""
    with ctx.db.write() as session:
        user = session.get_one(User, actor.user_id)
        user.session_epoch += 1
        audit(
            session,
            ctx,
            "auth.logout_everywhere",
            Action.LOGOUT,
            actor_id=actor.user_id,
            origin=origin,
            object_type="user",
            object_id=str(actor.user_id),
        )


def change_password(
    ctx: ServiceContext, actor: Actor, current: str, new: str, repeated: str, origin: Origin
) -> int:
    """Set a new password that meets the policy; every other session ends. Returns the new session epoch
    (the web layer gives it to the session that made the change, so that one stays signed in)."""
    with ctx.db.write() as session:
        user = session.get_one(User, actor.user_id)
        errors: dict[str, str] = {}
        if not users.verify_password(user.password_hash, current):
            errors["current"] = N_("Uw huidige wachtwoord klopt niet.")
        problems = password_problems(new, username=user.username, display_name=user.display_name)
        if problems:
            errors["new"] = " ".join(problems)
        elif new != repeated:
            errors["repeat"] = N_("De twee nieuwe wachtwoorden zijn niet gelijk.")
        elif not errors and users.verify_password(user.password_hash, new):
            errors["new"] = N_("Kies een ander wachtwoord dan uw huidige.")
        if errors:
            audit(
                session,
                ctx,
                "account.password_changed",
                Action.UPDATE,
                result=Result.DENIED,
                actor_id=user.id,
                origin=origin,
                reason=",".join(sorted(errors)),  # which fields were wrong, never what was typed
            )
        else:
            user.password_hash = users.hash_password(new)
            user.password_changed_at = ctx.clock.now()
            user.session_epoch += 1
            audit(
                session,
                ctx,
                "account.password_changed",
                Action.UPDATE,
                actor_id=user.id,
                origin=origin,
                object_type="user",
                object_id=str(user.id),
            )
            return user.session_epoch
    raise FormInvalid(errors)
