"""The data subject's copy: everything Ketenflow holds about one person, machine-readable (AVG art. 15 lid 3;
Wabvpz art. 15d and 15e: a free electronic copy and who accessed the file; DOMAIN.md section 3).

It belongs to an inspection request: a "Verzoek van betrokkene" in the case with the right "inzage". The FG
of the case's organisation, and whoever handles that request, download it. It holds the person's cases — the
case asked about and, when that case names the client (name and date of birth), every case of the same
organisation that names the same person — with their procedures, answers, registers and comments, and the
access log of those cases. Every section explains itself in Dutch ("uitleg"). The download is audited as an
export; the FG checks it for others' data (a reporter, a family member) before handing it over.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, undefer

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.errors import AccessDenied, NotFound, TaskNotReady
from webapp.domain.messages import N_
from webapp.domain.register_specs import REGISTERS
from webapp.domain.roles import Role
from webapp.persistence.models import (
    AuditEvent,
    Comment,
    HumanTask,
    Organisation,
    ProcessInstance,
    RegisterEntry,
    User,
)
from webapp.services.client_keys import case_client_key, normalise_reference
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.purge import is_tombstone

INSPECTION = "inzage"
_PERSON_PURPOSE = b"ketenflow/person-key/v1"

UITLEG = {
    "export": "Alle gegevens die Ketenflow over deze persoon bevat, als antwoord op een inzageverzoek "
    "(AVG art. 15; Wabvpz art. 15d en 15e). Controleer vóór verstrekking of gegevens van anderen, "
    "zoals een melder, moeten worden afgeschermd (AVG art. 15 lid 4; UAVG art. 41).",
    "zaken": "De zaken over deze persoon: de zaak van het verzoek en, als die zaak naam en geboortedatum van "
    "de cliënt bevat, elke zaak van dezelfde organisatie met dezelfde cliënt.",
    "procedures": "De procedures van de zaak, met hun taken en de antwoorden die daarin zijn vastgelegd. "
    "Een vernietigde procedure heeft geen antwoorden meer.",
    "registers": "De registraties die de procedures over deze zaak bijhouden.",
    "opmerkingen": "Opmerkingen die medewerkers bij de zaak plaatsten.",
    "toegangslog": "Wie de gegevens van deze zaken inzag of wijzigde, wanneer, in welke rol en met welk "
    "resultaat (NEN 7513; Wabvpz art. 15e).",
}


def person_key(ctx: ServiceContext, name: str, birth_date: str) -> str:
    """A keyed hash of the client's name and date of birth: finds the person's other cases without
    comparing or storing the values themselves."""
    derived = hmac.new(ctx.secret_key.encode(), _PERSON_PURPOSE, hashlib.sha256).digest()
    plain = f"{' '.join(name.lower().split())}|{birth_date.strip()}"
    return hmac.new(derived, plain.encode(), hashlib.sha256).hexdigest()


def export_offered(ctx: ServiceContext, actor: Actor, case_reference: str) -> bool:
    """Whether the case page offers this actor the download (no audit: nothing is read yet)."""
    with ctx.db.read() as session:
        instances = _instances(session, case_reference)
        return bool(instances) and _may_export(session, actor, instances)


def export_subject_data(
    ctx: ServiceContext, actor: Actor, case_reference: str, origin: Origin | None = None
) -> dict[str, Any]:
    with ctx.db.write() as session:
        instances = _instances(session, case_reference)
        if not instances:
            raise NotFound(N_("Deze zaak bestaat niet."))
        if not _may_export(session, actor, instances):
            reason = N_(
                "Alleen de FG of wie het inzageverzoek behandelt, downloadt de gegevens van deze zaak; "
                "en alleen bij een inzageverzoek."
            )
            session.rollback()
            audit_denial(
                ctx,
                "subject.exported",
                Action.EXPORT,
                reason,
                actor_id=actor.user_id,
                object_type="case",
                object_id=case_reference,
                process_instance_id=instances[0].id,
            )
            raise AccessDenied(reason)
        references = _person_cases(ctx, session, instances)
        cases = [_case(ctx, session, reference) for reference in references]
        ids = [p["_id"] for case in cases for p in case["procedures"]["gegevens"]]
        log = _access_log(ctx, session, references, ids)
        for case in cases:
            for procedure in case["procedures"]["gegevens"]:
                procedure.pop("_id")
        for reference in references:
            audit(
                session,
                ctx,
                "subject.exported",
                Action.EXPORT,
                actor_id=actor.user_id,
                origin=origin,
                object_type="case",
                object_id=reference,
                details={"verzoek": case_reference},
            )
        return {
            "uitleg": UITLEG["export"],
            "zaak_van_het_verzoek": case_reference,
            "opgesteld_op": ctx.clock.now().isoformat(),
            "zaken": {"uitleg": UITLEG["zaken"], "gegevens": cases},
            "toegangslog": {"uitleg": UITLEG["toegangslog"], "gegevens": log},
        }


def _instances(session: Session, reference: str) -> list[ProcessInstance]:
    return list(
        session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == reference)
            .order_by(ProcessInstance.id)
        ).scalars()
    )


def _may_export(session: Session, actor: Actor, instances: list[ProcessInstance]) -> bool:
    requests = _inspection_requests(session, [i.id for i in instances])
    if not requests:
        return False
    if actor.has_role(instances[0].organisation_id, Role.FG):
        return True
    handlers = session.execute(
        select(HumanTask.id).where(
            HumanTask.instance_id.in_(requests),
            or_(HumanTask.assignee_id == actor.user_id, HumanTask.completed_by_id == actor.user_id),
        )
    ).first()
    return handlers is not None


def _inspection_requests(session: Session, ids: list[int]) -> list[int]:
    entries = session.execute(
        select(RegisterEntry).where(
            RegisterEntry.instance_id.in_(ids), RegisterEntry.kind == "subject_request"
        )
    ).scalars()
    return [e.instance_id for e in entries if INSPECTION in (e.fields.get("rechten") or [])]


def _person_cases(ctx: ServiceContext, session: Session, instances: list[ProcessInstance]) -> list[str]:
    """The case asked about, then the organisation's other cases whose case register names the same
    client (compared by keyed hash)."""
    own = instances[0].case_reference or ""
    keys = {
        k for k in (_entry_person(ctx, e) for e in _case_entries(session, [i.id for i in instances])) if k
    }
    if not keys:
        return [own]
    found = [own]
    for entry, reference in session.execute(
        select(RegisterEntry, ProcessInstance.case_reference)
        .join(ProcessInstance, ProcessInstance.id == RegisterEntry.instance_id)
        .where(RegisterEntry.kind == "case", RegisterEntry.organisation_id == instances[0].organisation_id)
        .order_by(RegisterEntry.id)
    ):
        if reference and reference not in found and _entry_person(ctx, entry) in keys:
            found.append(reference)
    return found


def _case_entries(session: Session, ids: list[int]) -> list[RegisterEntry]:
    query = select(RegisterEntry).where(RegisterEntry.instance_id.in_(ids), RegisterEntry.kind == "case")
    return list(session.execute(query).scalars())


def _entry_person(ctx: ServiceContext, entry: RegisterEntry) -> str | None:
    name, born = entry.fields.get("client_naam"), entry.fields.get("client_geboortedatum")
    if isinstance(name, str) and isinstance(born, str) and name.strip() and born.strip():
        return person_key(ctx, name, born)
    return None


def _case(ctx: ServiceContext, session: Session, reference: str) -> dict[str, Any]:
    instances = list(
        session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_reference == reference)
            .options(undefer(ProcessInstance.serialization))
            .order_by(ProcessInstance.id)
        ).scalars()
    )
    ids = [i.id for i in instances]
    return {
        "zaak": reference,
        "organisatie": session.get_one(Organisation, instances[0].organisation_id).name,
        "procedures": {
            "uitleg": UITLEG["procedures"],
            "gegevens": [_procedure(ctx, session, i) for i in instances],
        },
        "registers": {"uitleg": UITLEG["registers"], "gegevens": _registers(session, ids)},
        "opmerkingen": {"uitleg": UITLEG["opmerkingen"], "gegevens": _comments(session, ids)},
    }


def _procedure(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> dict[str, Any]:
    definition = ctx.definitions.get(session, instance.definition_id)
    tasks = list(
        session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)
        ).scalars()
    )
    return {
        "_id": instance.id,
        "procedure": definition.name,
        "status": instance.status,
        "gestart_op": instance.started_at.isoformat(),
        "afgerond_op": instance.ended_at.isoformat() if instance.ended_at else None,
        "taken": [
            {
                "taak": t.name,
                "status": t.state,
                "ontstaan_op": t.created_at.isoformat(),
                "afgerond_op": t.completed_at.isoformat() if t.completed_at else None,
                "uiterlijk": t.due_at.isoformat() if t.due_at else None,
            }
            for t in tasks
        ],
        "antwoorden": _answers(ctx, session, instance, tasks),
    }


def _answers(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, tasks: list[HumanTask]
) -> dict[str, Any]:
    """What the case holds, as its tasks saw it (called procedures included)."""
    if not instance.serialization or is_tombstone(instance.serialization):
        return {}
    loaded = ctx.runtime.load(instance.serialization, ctx.definitions.get(session, instance.definition_id))
    data: dict[str, Any] = {}
    for task in tasks:
        try:
            data.update(ctx.runtime.task_data(loaded, task.spiff_task_id))
        except TaskNotReady:  # a task the engine dropped (cancelled with its branch)
            continue
    return {**data, **ctx.runtime.final_data(loaded)}


def _registers(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    entries = session.execute(
        select(RegisterEntry).where(RegisterEntry.instance_id.in_(ids)).order_by(RegisterEntry.id)
    ).scalars()
    result = []
    for entry in entries:
        spec = REGISTERS.get(entry.kind)
        labels = {f.name: f.label for f in spec.fields} if spec else {}
        result.append(
            {
                "register": spec.title if spec else entry.kind,
                "status": entry.status,
                "geopend_op": entry.opened_at.isoformat(),
                "velden": {labels.get(k, k): v for k, v in entry.fields.items()},
            }
        )
    return result


def _comments(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Comment, User.display_name)
        .join(User, User.id == Comment.author_id)
        .where(Comment.instance_id.in_(ids))
        .order_by(Comment.created_at, Comment.id)
    )
    return [{"op": c.created_at.isoformat(), "door": name, "tekst": c.body} for c, name in rows]


def _access_log(
    ctx: ServiceContext, session: Session, references: list[str], ids: list[int]
) -> list[dict[str, Any]]:
    keys = [case_client_key(ctx, normalise_reference(r)) for r in references]
    rows = session.execute(
        select(AuditEvent, User.display_name, Organisation.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.actor_org_id)
        .where(or_(AuditEvent.client_key.in_(keys), AuditEvent.process_instance_id.in_(ids)))
        .order_by(AuditEvent.id)
    )
    return [
        {
            "op": event.at.isoformat(),
            "wie": name,
            "organisatie": organisation,
            "rol": event.actor_role,
            "handeling": event.action,
            "gebeurtenis": event.event,
            "object": f"{event.object_type}:{event.object_id}" if event.object_type else None,
            "resultaat": event.result,
        }
        for event, name, organisation in rows
    ]
