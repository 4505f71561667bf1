"""Who reads the audit (deny by default) and the pseudonymous client key."""

from __future__ import annotations

import pytest

from webapp.domain.access import Actor, Membership, audit_organisations, may_read_audit
from webapp.domain.roles import Role
from webapp.services.client_keys import KEY_LENGTH, client_key


def actor(*memberships: tuple[int, Role]) -> Actor:
    return Actor(1, "x", "X", frozenset(Membership(org, role) for org, role in memberships))


@pytest.mark.parametrize("role", [Role.FG, Role.ADMIN])
def test_the_fg_and_the_administrator_read_their_own_organisations_audit(role: Role) -> None:
    reader = actor((1, role), (2, Role.PROFESSIONAL))
    assert may_read_audit(reader, 1)
    assert not may_read_audit(reader, 2)  # a professional membership elsewhere gives no audit
    assert audit_organisations(reader) == [1]


@pytest.mark.parametrize(
    "role", [Role.PROFESSIONAL, Role.AANDACHTSFUNCTIONARIS, Role.VOORZITTER, Role.MANAGER, Role.PROCESS_OWNER]
)
def test_every_other_role_is_refused_with_a_dutch_reason(role: Role) -> None:
    decision = may_read_audit(actor((1, role)), 1)
    assert not decision and "functionaris gegevensbescherming" in decision.reason
    assert audit_organisations(actor((1, role))) == []


def test_nobody_without_memberships_reads_any_audit() -> None:
    assert not may_read_audit(actor(), 1)


def test_the_client_key_is_keyed_stable_and_normalised() -> None:
    key = client_key("geheim", "KF-1A2B3C4D")
    assert len(key) == KEY_LENGTH and int(key, 16) >= 0
    assert client_key("geheim", " kf-1a2b 3c4d ") == key  # as people type it in a search field
    assert client_key("ander geheim", "KF-1A2B3C4D") != key  # without the secret, no way back
    assert client_key("geheim", "KF-1A2B3C4E") != key
    assert "1A2B3C4D" not in key.upper()


def test_a_client_key_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        client_key("", "KF-1A2B3C4D")
