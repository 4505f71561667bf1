"""Completing an audit line with the NEN 7513 'who as what' and 'about whom' that callers leave out.

Use cases pass the actor's id and the object; the organisation and role the actor acted in, and the
pseudonymous client key of the case, follow from those here, so that no audit call can forget them:
- role and organisation: the task's lane when the actor holds that role there, else the actor's role in the
  organisation that owns the instance (case roles first), else the actor's first membership (a refused
  attempt from another organisation is recorded under the organisation the actor belongs to);
- client key: from the case reference of the instance, or of the case named as the object;
- object: signing in and out acts on the actor's own account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from webapp.domain.audit import Action
from webapp.domain.roles import Role
from webapp.persistence.models import HumanTask, Membership, ProcessInstance
from webapp.services.client_keys import client_key

_MEMBERSHIPS = "ketenflow_audit_memberships"
_ROLE_ORDER = {role.value: position for position, role in enumerate(Role)}
_ON_OWN_ACCOUNT = frozenset({Action.LOGIN, Action.LOGOUT})
_MEMBERSHIPS_QUERY = select(Membership.organisation_id, Membership.role).where(
    Membership.user_id == bindparam("user_id")
)


def complete_fields(
    session: Session, secret: str, event_action: str, actor_id: int | None, fields: dict[str, Any]
) -> None:
    """Fill ``actor_org_id``, ``actor_role`` and ``client_key`` in ``fields`` where the caller did not."""
    if actor_id is None and fields.get("client_key") is not None:
        return  # no actor and the client key given (the timer path): nothing to look up
    with session.no_autoflush:  # looking things up must not flush the caller's half-made changes
        instance = _get(session, ProcessInstance, fields.get("process_instance_id"))
        if fields.get("client_key") is None:
            reference = instance.case_reference if instance is not None else None
            if reference is None and fields.get("object_type") == "case":
                reference = str(fields.get("object_id") or "") or None
            if reference:
                fields["client_key"] = client_key(secret, reference)
        if actor_id is None:
            return
        if fields.get("object_type") is None and event_action in _ON_OWN_ACCOUNT:
            fields["object_type"], fields["object_id"] = "user", str(actor_id)  # signing in: the account
        if fields.get("actor_role") is not None:
            return
        task = _get(session, HumanTask, fields.get("task_id"))
        chosen = _acting_as(
            _memberships(session, actor_id),
            fields.get("actor_org_id"),
            (task.organisation_id, task.role) if task is not None else None,
            instance.organisation_id if instance is not None else None,
        )
        if chosen is not None:
            fields["actor_org_id"], fields["actor_role"] = chosen


def _get(session: Session, model: Any, key: object) -> Any:
    return session.get(model, key) if isinstance(key, int) else None


def _memberships(session: Session, user_id: int) -> list[tuple[int, str]]:
    cache: dict[int, list[tuple[int, str]]] = session.info.setdefault(_MEMBERSHIPS, {})
    if user_id not in cache:
        rows = session.execute(_MEMBERSHIPS_QUERY, {"user_id": user_id}).all()
        cache[user_id] = sorted(
            ((org, role) for org, role in rows), key=lambda m: (m[0], _ROLE_ORDER.get(m[1], 99))
        )
    return cache[user_id]


def _acting_as(
    memberships: list[tuple[int, str]],
    given_org: int | None,
    task_lane: tuple[int, str] | None,
    instance_org: int | None,
) -> tuple[int, str] | None:
    if task_lane is not None and task_lane in memberships and given_org in (None, task_lane[0]):
        return task_lane
    for organisation in (given_org, instance_org):
        if organisation is not None:
            found = next((m for m in memberships if m[0] == organisation), None)
            if found is not None:
                return found
    if given_org is not None:
        return None  # the caller named the organisation; keep it, even without a role there
    return memberships[0] if memberships else None
