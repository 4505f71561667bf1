"""The domain registers: written by the processes, read by the roles each register names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import end_of_day
from webapp.domain.errors import AccessDenied, NotFound
from webapp.domain.messages import N_
from webapp.domain.register_specs import REGISTERS, RegisterSpec
from webapp.domain.roles import Role
from webapp.engine.scripting import parse_start
from webapp.persistence.models import Organisation, ProcessInstance, RegisterEntry
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.statistics import record_register
from webapp.services.views import RegisterEntryView, RegisterView


def write_register(
    session: Session,
    ctx: ServiceContext,
    instance: ProcessInstance,
    kind: str,
    case_data: Mapping[str, Any],
) -> None:
    """Create or update the instance's entry in one register with the fields its spec keeps, as the case
    holds them after the writing task. (On parallel branches, let the task after the join write.)"""
    spec = REGISTERS[kind]
    now = ctx.clock.now()
    status = str(case_data.get(spec.status_field, "")) or None if spec.status_field else None
    due_at = _instant(case_data.get(spec.due_field)) if spec.due_field else None
    entry = session.execute(
        select(RegisterEntry).where(RegisterEntry.kind == kind, RegisterEntry.instance_id == instance.id)
    ).scalar_one_or_none()
    if entry is None:
        entry = RegisterEntry(
            kind=kind,
            instance_id=instance.id,
            organisation_id=instance.organisation_id,
            opened_at=now,
            fields={},
        )
        session.add(entry)
    fields = {name: _plain(case_data[name]) for name in spec.field_names() if name in case_data}
    before = dict(entry.fields)
    entry.fields = {**before, **fields}
    entry.status, entry.due_at, entry.updated_at = status or entry.status, due_at or entry.due_at, now
    record_register(
        session,
        register=kind,
        instance_id=instance.id,
        organisation_id=entry.organisation_id,
        process_id=ctx.definitions.get(session, instance.definition_id).process_id,
        opened_at=entry.opened_at,
        before=before,
        after=entry.fields,
    )


def close_registers(session: Session, instance_id: int, closed_at: datetime) -> None:
    session.execute(
        update(RegisterEntry)
        .where(RegisterEntry.instance_id == instance_id, RegisterEntry.closed_at.is_(None))
        .values(closed_at=closed_at),
        execution_options={"synchronize_session": False},
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        start = parse_start(value)
    except (TypeError, ValueError):
        return None
    return start if isinstance(start, datetime) else end_of_day(start)


def _spec(kind: str) -> RegisterSpec:
    if kind not in REGISTERS:
        raise NotFound(N_("Dit register bestaat niet."))
    return REGISTERS[kind]


def readable_registers(actor: Actor) -> list[RegisterSpec]:
    return [spec for spec in REGISTERS.values() if actor.roles & (spec.readers | {Role.FG})]


def list_register(ctx: ServiceContext, actor: Actor, kind: str, origin: Origin | None = None) -> RegisterView:
    spec = _spec(kind)
    organisations = sorted(
        {m.organisation_id for m in actor.memberships if m.role in spec.readers | {Role.FG}}
    )
    if not organisations:
        audit_denial(
            ctx,
            "register.read",
            Action.READ,
            N_("U heeft geen toegang tot dit register."),
            actor_id=actor.user_id,
            object_type="register",
            object_id=kind,
        )
        raise AccessDenied(N_("U heeft geen toegang tot dit register."))
    with ctx.db.write() as session:
        rows = session.execute(
            _entries_query()
            .where(RegisterEntry.kind == kind, RegisterEntry.organisation_id.in_(organisations))
            .order_by(RegisterEntry.opened_at.desc(), RegisterEntry.id.desc())
        ).all()
        audit(
            session,
            ctx,
            "register.read",
            Action.SEARCH,
            actor_id=actor.user_id,
            origin=origin,
            object_type="register",
            object_id=kind,
        )
        entries = [_view(*row) for row in rows]
    labels = {f.name: f.label for f in spec.fields}
    columns = [(name, labels[name]) for name in spec.list_fields if name in labels]
    return RegisterView(kind, spec.title, columns, labels, entries)


def view_register_entry(
    ctx: ServiceContext, actor: Actor, kind: str, entry_id: int, origin: Origin | None = None
) -> RegisterEntryView:
    spec = _spec(kind)
    with ctx.db.write() as session:
        row = session.execute(
            _entries_query().where(RegisterEntry.id == entry_id, RegisterEntry.kind == kind)
        ).one_or_none()
        if row is None:
            raise NotFound(N_("Deze registratie bestaat niet."))
        entry = row[0]
        decision = access.may_read_register(actor, entry.organisation_id, spec.readers)
        if not decision:
            session.rollback()
            audit_denial(
                ctx,
                "register.entry_read",
                Action.READ,
                decision.reason,
                actor_id=actor.user_id,
                object_type="register_entry",
                object_id=str(entry_id),
                process_instance_id=entry.instance_id,
            )
            raise AccessDenied(decision.reason)
        audit(
            session,
            ctx,
            "register.entry_read",
            Action.READ,
            actor_id=actor.user_id,
            origin=origin,
            object_type="register_entry",
            object_id=str(entry_id),
            process_instance_id=entry.instance_id,
        )
        return _view(*row)


def _entries_query() -> Any:
    return (
        select(RegisterEntry, Organisation.name, ProcessInstance.case_reference)
        .join(Organisation, Organisation.id == RegisterEntry.organisation_id)
        .join(ProcessInstance, ProcessInstance.id == RegisterEntry.instance_id)
    )


def _view(entry: RegisterEntry, organisation: str, case_reference: str | None) -> RegisterEntryView:
    return RegisterEntryView(
        id=entry.id,
        kind=entry.kind,
        instance_id=entry.instance_id,
        organisation=organisation,
        case_reference=case_reference,
        status=entry.status,
        opened_at=entry.opened_at,
        updated_at=entry.updated_at,
        closed_at=entry.closed_at,
        due_at=entry.due_at,
        fields=dict(entry.fields),
    )
