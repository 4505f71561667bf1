"""Signing in through the organisation's OpenID Connect provider (optional; Authlib's Flask client).

Authlib checks the ID token: the signature against the provider's JWKS, the issuer from its discovery
document, the audience (our client id), the nonce it put in the session, and the expiry. A valid token only
says who someone is; the local account and its memberships decide what they may do. No TOTP is asked after
this sign-in: the identity provider is responsible for the multi-factor check.
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from webapp.config import Settings
from webapp.domain.messages import N_
from webapp.services.authentication import Step
from webapp.services.oidc_accounts import UNKNOWN_PERSON, VerifiedIdentity, record_failure, sign_in_with_oidc
from webapp.web.auth.sessions import start_session
from webapp.web.security import local_target
from webapp.web.support import origin, say, services

log = logging.getLogger(__name__)
bp = Blueprint("oidc", __name__)

CLIENT = "ketenflow.oidc"
NEXT = "kf_oidc_next"
FAILED = N_(
    "Aanmelden via uw organisatie is niet gelukt. Probeer het opnieuw of meld u aan met uw wachtwoord."
)


def register_oidc(app: Flask, settings: Settings) -> None:
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return
    oauth = OAuth(app)
    app.extensions[CLIENT] = oauth.register(
        "ketenflow",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )


def oidc_label() -> str | None:
    """The provider's name for the "Aanmelden via …" button, or None when OpenID Connect is off."""
    settings: Settings = current_app.config["KETENFLOW_SETTINGS"]
    return settings.oidc_label if CLIENT in current_app.extensions else None


def _required_claims() -> dict[str, dict[str, object]]:
    """Issuer and audience checked explicitly: Authlib on its own compares the audience with our client id
    only when the token has no ``azp`` claim. (A fresh dict per call: Authlib changes what it is given.)"""
    settings: Settings = current_app.config["KETENFLOW_SETTINGS"]
    return {
        "iss": {"essential": True, "values": [settings.oidc_issuer]},
        "aud": {"essential": True, "values": [settings.oidc_client_id]},
    }


def _client() -> object:
    client = current_app.extensions.get(CLIENT)
    if client is None:
        abort(404)
    return client


@bp.post("/login/oidc")
def start() -> Response:
    client = _client()
    session[NEXT] = local_target(request.args.get("next")) or ""  # no open redirect after the callback
    response: Response = client.authorize_redirect(url_for("oidc.callback", _external=True))  # type: ignore[attr-defined]
    return response


@bp.get("/login/oidc/callback")
def callback() -> Response:
    client = _client()
    try:
        token = client.authorize_access_token(claims_options=_required_claims())  # type: ignore[attr-defined]
        claims = token.get("userinfo")
        if not claims or not claims.get("sub") or not claims.get("iss"):
            raise ValueError("no validated ID token")
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        # The type only: the message may contain token contents.
        log.warning("OpenID Connect sign-in failed: %s", type(error).__name__)
        record_failure(services(), origin(), type(error).__name__)
        say(FAILED, "error")
        return redirect(url_for("auth.login"))
    identity = VerifiedIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=str(claims["email"]) if claims.get("email") else None,
        email_verified=claims.get("email_verified") is True,
    )
    outcome = sign_in_with_oidc(services(), identity, origin())
    if outcome.step is not Step.SIGNED_IN:
        session.pop(NEXT, None)
        say(UNKNOWN_PERSON, "error")
        return redirect(url_for("auth.login"))
    target = session.get(NEXT) or url_for("tasks.inbox")
    start_session(outcome, "oidc")
    return redirect(target)
