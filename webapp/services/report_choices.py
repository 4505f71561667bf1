"""What a reader of the managers' pages may filter on: their organisations, the processes, the deadline
kinds. The filter parser checks query values against these, and the filter form offers them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.domain.access import Actor, report_organisations
from webapp.domain.statistics import deadline_kind_label
from webapp.persistence.models import HumanTask, Organisation, ProcessDefinition
from webapp.services.context import ServiceContext


@dataclass(frozen=True)
class ReportChoices:
    organisations: dict[int, str]  # id -> name, the organisations the reader may see
    processes: dict[str, str]  # process id -> name of its newest version
    deadline_kinds: dict[str, str]  # kind code -> Dutch label (domain.statistics.deadline_kind_label)


def report_choices(ctx: ServiceContext, actor: Actor, *, all_organisations: bool = False) -> ReportChoices:
    """The choices of the dashboard (the manager's own organisations), or with ``all_organisations`` those of
    the anonymised policy statistics (every organisation of the covenant)."""
    wanted = None if all_organisations else report_organisations(actor)
    with ctx.db.read() as session:
        query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
        if wanted is not None:
            query = query.where(Organisation.id.in_(wanted))
        organisations = {row.id: row.name for row in session.execute(query)}
        processes: dict[str, str] = {}
        for process_id, name in session.execute(
            select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
        ):
            processes[process_id] = name  # the newest version's name wins
        # Open tasks only: the kinds a filter can find, read from the dashboard's covering index.
        kinds = [
            kind
            for kind in session.scalars(
                select(HumanTask.deadline_kind).where(HumanTask.state == "open").distinct()
            )
            if kind
        ]
    return ReportChoices(
        organisations,
        dict(sorted(processes.items(), key=lambda item: item[1].lower())),
        {kind: deadline_kind_label(kind) for kind in sorted(kinds)},
    )
