"""The pseudonymous client key (NEN 7513 'client'): which audit lines concern one case's person, without
naming them.

The key is a keyed hash (HMAC-SHA256) of the case reference with a key derived from the application secret:
anyone holding the audit table but not the secret cannot turn a key back into a case reference, not even by
trying every reference (they are short). Changing ``KETENFLOW_SECRET_KEY`` changes every key from then on, so
the client access overview of older lines needs the old secret.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the context imports the audit helpers, which import this module
    from webapp.services.context import ServiceContext

KEY_LENGTH = 32  # hex characters: 128 bits, ample against collisions between cases, short in an index
_PURPOSE = b"ketenflow/audit-client-key/v1"  # derive a key for this use only, never the secret itself


def normalise_reference(reference: str) -> str:
    """How people type a reference in a search field ("kf-1a2b…", with spaces) is how it is stored."""
    return "".join(reference.split()).upper()


def client_key(secret: str, case_reference: str) -> str:
    if not secret:
        raise ValueError("client keys need the application secret")
    derived = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(derived, normalise_reference(case_reference).encode(), hashlib.sha256)
    return digest.hexdigest()[:KEY_LENGTH]


def case_client_key(ctx: ServiceContext, case_reference: str) -> str:
    """The client key audit lines about this case carry (services/audit_subjects.py fills it in)."""
    return client_key(ctx.secret_key, case_reference)
