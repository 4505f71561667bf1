"""Destroying a case when its retention ends (convenant art. 17; AVG art. 5 lid 1 sub e; DOMAIN.md 4.2).

Only the retention procedure can destroy a case: a case is destroyed after the manager approved the
destruction in "Bewaartermijn en vernietiging" (its task "Vernietigen en verklaring opstellen" exists only
then). ``purge_case`` then removes every trace of the person in one transaction:
- the workflow state: a finished procedure keeps a tombstone instead of its state; the procedure that runs
  the retention keeps only the data it needs to finish (the destruction record's fields, its dates);
- task drafts, comments, notifications and their mails, timer jobs, the reasons given for emergency access;
- register entries: a register that must outlive the file (the breach register, art. 33 lid 5 AVG; the
  request register, accountability under art. 5 lid 2) keeps its non-personal fields; the others go.
What stays is what the destruction record and statistics need: which procedures, when, with what outcome,
the tasks' names and dates, and the hash-chained audit log, which names no personal values. The purge writes
the destruction record: the audit event ``case_destroyed`` (who, when, why, the counts) and the entry in the
destruction register (Archiefbesluit 1995 art. 8). Running it again removes nothing more and records nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, undefer

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.deadlines import local_date
from webapp.domain.errors import KetenflowError, NotFound
from webapp.domain.messages import N_, Message
from webapp.domain.register_specs import REGISTERS
from webapp.engine.erasure import erase_data_except
from webapp.engine.runtime import LoadedWorkflow
from webapp.persistence.models import (
    Comment,
    HumanTask,
    Job,
    ProcessDefinition,
    ProcessInstance,
    RegisterEntry,
)
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.purge_rows import (
    bulk,
    clear_drafts,
    erase_break_glass_reasons,
    plain_task_names,
    purge_notifications,
)
from webapp.services.registers import write_register

log = logging.getLogger(__name__)

# Created only when the approval says "destroy" (processes/retention.bpmn, flow_approved).
DESTRUCTION_TASK = "execute_destruction"
DESTRUCTION_REGISTER = "destruction"
# What the retention procedure still reads after the approval: its gateways and timers, and the fields of the
# destruction record (forms retention_*.schema.json). Never the case's contents.
RETENTION_DATA = frozenset(
    {
        "zaak_referentie",
        "dossier_kenmerk",
        "bewaargrond",
        "bewaartermijn",
        "laatste_wijziging_op",
        "vervalt_vanaf",
        "vervalt_na",
        "vervalt_regel",
        "bewaarplicht",
        "bewaarplicht_herzien_op",
        "beoordeling",
        "nieuwe_vervaldatum",
        "vernietiging_goedgekeurd",
        "goedgekeurd_door",
        "goedgekeurd_op",
        "vernietigd_op",
        "vernietigingsmethode",
        "stukken_van",
        "stukken_tot",
        "uitgevoerd_door",
        "partners_geinformeerd",
        "fg_maatregel",
        "fg_controle_op",
    }
)
# Registers kept after the file is destroyed, with their non-personal fields only; the destruction register
# is the record itself and keeps whom it names (who executed and approved: staff, not the client).
KEPT_REGISTERS = frozenset({"breach", "subject_request"})
FINISHED = frozenset({"completed", "cancelled"})
TOMBSTONE_KEY = "ketenflow_vernietigd"
METHOD = "digitaal_verwijderd"


class PurgeRefused(KetenflowError):
    """The case cannot be destroyed (yet); the message says why, in Dutch."""


@dataclass
class PurgeResult:
    case_reference: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def removed_anything(self) -> bool:
        return any(self.counts.values())


def tombstone(process_id: str, destroyed_on: str) -> str:
    """The workflow state of a destroyed procedure: which procedure it was and when it was destroyed."""
    return json.dumps({TOMBSTONE_KEY: {"procedure": process_id, "vernietigd_op": destroyed_on}})


def is_tombstone(serialization: str | None) -> bool:
    return (serialization or "").startswith('{"' + TOMBSTONE_KEY)


def purge_case(
    ctx: ServiceContext, case_reference: str, *, actor: Actor, origin: Origin | None, reason: str
) -> PurgeResult:
    """Destroy the case's personal data after an approved destruction; ``reason`` is a fixed text (it lands
    in the audit log, which must hold no personal values)."""
    try:
        with ctx.db.write() as session:
            result = _purge(session, ctx, case_reference, actor, origin, reason)
    except PurgeRefused as refused:
        audit_denial(
            ctx,
            "case_destroyed",
            Action.DELETE,
            str(refused),
            actor_id=actor.user_id,
            object_type="case",
            object_id=case_reference,
        )
        raise
    if ctx.db.engine.dialect.name == "sqlite":
        _checkpoint(ctx)
    return result


def _purge(
    session: Session, ctx: ServiceContext, reference: str, actor: Actor, origin: Origin | None, reason: str
) -> PurgeResult:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))  # freed pages are zeroed, not left readable
    instances = list(
        session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == reference)
            .options(undefer(ProcessInstance.serialization))
            .order_by(ProcessInstance.id)
            .with_for_update()
        ).scalars()
    )
    if not instances:
        raise NotFound(N_("Deze zaak bestaat niet."))
    ids = [i.id for i in instances]
    retention = _approving_instances(session, ids)
    if not retention:
        raise PurgeRefused(
            N_(
                "Een zaak wordt alleen vernietigd na goedkeuring in de procedure "
                "'Bewaartermijn en vernietiging'."
            )
        )
    names = _process_names(session, instances)
    for instance in instances:
        if instance.status not in FINISHED and instance.id not in retention:
            raise PurgeRefused(
                Message(
                    "De zaak kan nog niet worden vernietigd: de procedure '{process}' loopt nog. "
                    "Rond die eerst af of laat haar afbreken.",
                    process=names[instance.id],
                )
            )
    result = PurgeResult(reference)
    today = local_date(ctx.clock.now()).isoformat()
    result.counts["procedures"] = _erase_states(session, ctx, instances, names, today)
    running = [i.id for i in instances if i.status not in FINISHED]
    keep_tasks = _open_tasks(session, running)
    result.counts["concepten"] = clear_drafts(session, ids)
    result.counts["taaknamen"] = plain_task_names(session, ids)
    result.counts["registers"] = _purge_registers(session, ids)
    result.counts["opmerkingen"] = bulk(session, delete(Comment).where(Comment.instance_id.in_(ids)))
    notes, mails = purge_notifications(session, reference, ids, keep_tasks)
    result.counts["meldingen"], result.counts["mails"] = notes, mails
    finished = [i.id for i in instances if i.status in FINISHED]
    result.counts["timers"] = bulk(session, delete(Job).where(Job.instance_id.in_(finished)))
    result.counts["noodtoegang"] = erase_break_glass_reasons(session, reference)
    if not result.removed_anything:
        return result
    for instance in instances:
        if instance.id in retention:
            _record_destruction(session, ctx, instance, reference, today)
    audit(
        session,
        ctx,
        "case_destroyed",
        Action.DELETE,
        actor_id=actor.user_id,
        origin=origin,
        object_type="case",
        object_id=reference,
        process_instance_id=min(retention),
        reason=reason,
        details={key: str(value) for key, value in result.counts.items()},
    )
    return result


def _approving_instances(session: Session, ids: list[int]) -> set[int]:
    return set(
        session.execute(
            select(HumanTask.instance_id).where(
                HumanTask.instance_id.in_(ids), HumanTask.bpmn_id == DESTRUCTION_TASK
            )
        ).scalars()
    )


def _process_names(session: Session, instances: list[ProcessInstance]) -> dict[int, str]:
    by_definition = dict(
        session.execute(
            select(ProcessDefinition.id, ProcessDefinition.name).where(
                ProcessDefinition.id.in_({i.definition_id for i in instances})
            )
        ).all()
    )
    return {i.id: by_definition[i.definition_id] for i in instances}


def _erase_states(
    session: Session, ctx: ServiceContext, instances: list[ProcessInstance], names: dict[int, str], today: str
) -> int:
    """Tombstones for finished procedures; the running retention keeps only what it needs to finish."""
    changed = 0
    for instance in instances:
        before = instance.serialization
        if instance.status in FINISHED:
            if not is_tombstone(before):
                process_id = ctx.definitions.get(session, instance.definition_id).process_id
                instance.serialization = tombstone(process_id, today)
        else:
            loaded = ctx.runtime.load(before, ctx.definitions.get(session, instance.definition_id))
            if erase_data_except(loaded, RETENTION_DATA):
                instance.serialization = ctx.runtime.dump(loaded)
        if instance.last_error is not None:
            instance.last_error = None  # an error message may quote case data
        changed += instance.serialization != before
    return changed


def _open_tasks(session: Session, instance_ids: Collection[int]) -> set[int]:
    return set(
        session.execute(
            select(HumanTask.id).where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == "open")
        ).scalars()
    )


def _purge_registers(session: Session, ids: list[int]) -> int:
    changed = 0
    for entry in session.execute(select(RegisterEntry).where(RegisterEntry.instance_id.in_(ids))).scalars():
        if entry.kind == DESTRUCTION_REGISTER:
            continue
        if entry.kind not in KEPT_REGISTERS:
            session.delete(entry)
            changed += 1
            continue
        personal = {f.name for f in REGISTERS[entry.kind].fields if f.personal}
        if personal & entry.fields.keys():
            entry.fields = {k: v for k, v in entry.fields.items() if k not in personal}
            changed += 1
    return changed


def _record_destruction(
    session: Session, ctx: ServiceContext, instance: ProcessInstance, reference: str, today: str
) -> None:
    """The entry in the destruction register, begun here and completed by the professional in "Vernietigen
    en verklaring opstellen" (period of the records, who executed, partners informed): fields the entry
    already holds are left as the procedure wrote them."""
    entry = session.execute(
        select(RegisterEntry).where(
            RegisterEntry.instance_id == instance.id, RegisterEntry.kind == DESTRUCTION_REGISTER
        )
    ).scalar_one_or_none()
    if entry is not None:
        return
    data: dict[str, object] = {
        "dossier_kenmerk": reference,
        "vernietigd_op": today,
        "vernietigingsmethode": METHOD,
    }
    if instance.status not in FINISHED:
        loaded = ctx.runtime.load(
            instance.serialization, ctx.definitions.get(session, instance.definition_id)
        )
        data |= {**ctx.runtime.final_data(loaded), **_retention_data(ctx, loaded)}
    write_register(session, ctx, instance, DESTRUCTION_REGISTER, data)


def _retention_data(ctx: ServiceContext, loaded: LoadedWorkflow) -> dict[str, object]:
    """The retention's own answers, as the open tasks of the running retention hold them."""
    found: dict[str, object] = {}
    for task in ctx.runtime.ready_tasks(loaded):
        found.update({k: v for k, v in task.data.items() if k in RETENTION_DATA})
    return found


def _checkpoint(ctx: ServiceContext) -> None:
    """Move the purged pages out of SQLite's write-ahead log into the (zeroed) database file."""
    try:
        with ctx.db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # a busy reader postpones it to the next automatic checkpoint; nothing is lost
        log.warning("WAL-checkpoint na vernietiging uitgesteld")
