"""Anonymised policy statistics (convenant art. 2.3 and 12.5; DOMAIN.md 4.3): how often each value of a
closed-list register field occurred, per organisation or per month, over every organisation of the
covenant. Counts only, from the summary table ``stat_policy_count``; every cell passes the disclosure
control of domain/disclosure.py before anyone sees it. Managers and the FG read them; reading is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain import access
from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.disclosure import Disclosed, suppress
from webapp.domain.errors import AccessDenied
from webapp.domain.messages import N_, Message
from webapp.domain.policy_dimensions import POLICY_DIMENSIONS
from webapp.domain.register_specs import REGISTERS
from webapp.domain.statistics import months_between
from webapp.persistence.models import PolicyCount, ProcessDefinition
from webapp.services.context import Origin, ServiceContext, audit, audit_denial
from webapp.services.filter_values import shown
from webapp.services.report_choices import ReportChoices, report_choices
from webapp.services.report_filters import ReportFilters
from webapp.services.report_tables import Column, ReportTable

BY_ORGANISATION, BY_MONTH = "organisatie", "maand"
GROUPINGS: dict[str, str] = {BY_ORGANISATION: N_("per organisatie"), BY_MONTH: N_("per maand")}
REGISTER_CHOICES: dict[str, str] = {kind: REGISTERS[kind].title for kind in POLICY_DIMENSIONS}
_YES_NO = {"ja": N_("Ja"), "nee": N_("Nee")}


@dataclass(frozen=True)
class PolicyDimension:
    name: str  # the register field
    label: str  # Dutch
    table: ReportTable
    hidden: int  # cells not shown
    shielded: int  # of which hidden to protect another


@dataclass(frozen=True)
class PolicyView:
    register: str
    register_title: str
    by: str  # BY_ORGANISATION or BY_MONTH
    filters: ReportFilters
    choices: ReportChoices
    dimensions: list[PolicyDimension]
    combined: ReportTable  # every dimension in one table: what an export writes


def parse_register(text: str) -> tuple[str, str]:
    """The chosen register (the first when none is chosen) and a Dutch message when the choice is unknown."""
    text = text.strip()
    if not text or text in REGISTER_CHOICES:
        return text or next(iter(REGISTER_CHOICES)), ""
    return next(iter(REGISTER_CHOICES)), Message(
        "Het register ‘{text}’ heeft geen statistiek.", text=shown(text)
    )


def parse_grouping(text: str, filters: ReportFilters) -> tuple[str, str]:
    """Per organisation, or per month; without a choice: per month for one organisation, else per
    organisation."""
    text = text.strip()
    if text in GROUPINGS:
        return text, ""
    default = BY_MONTH if filters.organisation_id is not None else BY_ORGANISATION
    if not text:
        return default, ""
    return default, Message(
        "Kies een indeling per organisatie of per maand, niet ‘{text}’.", text=shown(text)
    )


def policy_statistics(
    ctx: ServiceContext,
    actor: Actor,
    filters: ReportFilters,
    register: str | None,
    *,
    by: str | None = None,
    origin: Origin | None = None,
    audit_view: bool = True,
) -> PolicyView:
    """The register's closed-list fields, each as a disclosure-controlled table; AccessDenied (audited)
    unless the actor is a manager or the FG. ``audit_view`` is off when an export records its own line."""
    kind = register if register in REGISTER_CHOICES else next(iter(REGISTER_CHOICES))
    by = by if by in GROUPINGS else parse_grouping("", filters)[0]
    _check_access(ctx, actor, kind, origin)
    choices = report_choices(ctx, actor, all_organisations=True)
    with (ctx.db.write if audit_view else ctx.db.read)() as session:
        counts = _counts(session, kind, by, filters)
        labels = value_labels(session, kind)
        if audit_view:
            audit(
                session,
                ctx,
                "report.policy",
                Action.SEARCH,
                actor_id=actor.user_id,
                origin=origin,
                object_type="report",
                object_id=f"beleid-{kind}",
                details={"register": kind, "indeling": by, **filters.as_params()},
            )
    headings = _headings(by, filters, choices)
    lines = _filter_lines(kind, by, filters, choices)
    dimensions = [
        _dimension(kind, name, counts.get(name, {}), labels.get(name, {}), headings, lines)
        for name in POLICY_DIMENSIONS[kind]
    ]
    return PolicyView(
        kind,
        REGISTERS[kind].title,
        by,
        filters,
        choices,
        dimensions,
        _combined(kind, dimensions, headings, lines),
    )


def _check_access(ctx: ServiceContext, actor: Actor, kind: str, origin: Origin | None) -> None:
    decision = access.may_view_policy_statistics(actor)
    if not decision:
        audit_denial(
            ctx,
            "report.policy",
            Action.SEARCH,
            decision.reason,
            actor_id=actor.user_id,
            origin=origin,
            object_type="report",
            object_id=f"beleid-{kind}",
        )
        raise AccessDenied(decision.reason)


Counts = dict[str, dict[str, dict[str, int]]]  # dimension -> value -> column key -> n


def _counts(session: Session, register: str, by: str, filters: ReportFilters) -> Counts:
    column = PolicyCount.month if by == BY_MONTH else PolicyCount.organisation_id
    query = (
        select(PolicyCount.dimension, PolicyCount.value, column, func.sum(PolicyCount.n))
        .where(
            PolicyCount.register == register,
            PolicyCount.month >= filters.month_from,
            PolicyCount.month <= filters.month_to,
        )
        .group_by(PolicyCount.dimension, PolicyCount.value, column)
    )
    if filters.organisation_id is not None:
        query = query.where(PolicyCount.organisation_id == filters.organisation_id)
    counts: Counts = {}
    for dimension, value, key, n in session.execute(query):
        # A count that was moved down by a corrected entry never shows as less than nothing.
        counts.setdefault(dimension, {}).setdefault(value, {})[str(key)] = max(int(n or 0), 0)
    return counts


def _headings(by: str, filters: ReportFilters, choices: ReportChoices) -> list[tuple[str, str]]:
    """The table's columns as (key, Dutch heading): every month of the period, or every organisation of
    the covenant (the chosen one only, when the filter names one)."""
    if by == BY_MONTH:
        return [(month, month) for month in months_between(filters.month_from, filters.month_to)]
    wanted = choices.organisations
    if filters.organisation_id is not None:
        wanted = {filters.organisation_id: wanted.get(filters.organisation_id, str(filters.organisation_id))}
    return [(str(org_id), name) for org_id, name in wanted.items()]


def _filter_lines(
    kind: str, by: str, filters: ReportFilters, choices: ReportChoices
) -> list[tuple[str, str]]:
    organisation = (
        choices.organisations.get(filters.organisation_id, str(filters.organisation_id))
        if filters.organisation_id is not None
        else N_("Alle organisaties van het convenant")
    )
    return [
        (N_("Register"), REGISTERS[kind].title),
        (N_("Organisatie"), organisation),
        (N_("Van"), filters.month_from),
        (N_("Tot en met"), filters.month_to),
        (N_("Indeling"), GROUPINGS[by]),
        (
            N_("Afscherming"),
            N_("aantallen van 1 tot 10 als ‘< 10’; ‘x’ afgeschermd; totalen over getoonde cellen"),
        ),
    ]


def _dimension(
    kind: str,
    name: str,
    counts: Mapping[str, Mapping[str, int]],
    labels: Mapping[str, str],
    headings: list[tuple[str, str]],
    lines: list[tuple[str, str]],
) -> PolicyDimension:
    values = [*labels, *sorted(v for v in counts if v not in labels)]
    shown_table: Disclosed = suppress(
        [[counts.get(v, {}).get(key, 0) for key, _ in headings] for v in values]
    )
    rows: list[dict[str, Any]] = []
    for index, value in enumerate(values):
        row: dict[str, Any] = {"waarde": labels.get(value, value), "totaal": shown_table.row_totals[index]}
        row.update({f"k{i}": cell for i, cell in enumerate(shown_table.cells[index])})
        rows.append(row)
    total: dict[str, Any] = {"waarde": N_("Totaal getoond"), "totaal": shown_table.total}
    total.update({f"k{i}": n for i, n in enumerate(shown_table.column_totals)})
    rows.append(total)
    label = _field_label(kind, name)
    columns = (
        Column("waarde", label),
        *(Column(f"k{i}", heading, "int") for i, (_, heading) in enumerate(headings)),
        Column("totaal", N_("Totaal getoond"), "int"),
    )
    table = ReportTable(f"beleid-{kind}-{name}", label, columns, rows, lines)
    return PolicyDimension(name, label, table, shown_table.hidden, shown_table.shielded)


def _combined(
    kind: str,
    dimensions: list[PolicyDimension],
    headings: list[tuple[str, str]],
    lines: list[tuple[str, str]],
) -> ReportTable:
    rows = [{"kenmerk": d.label, **row} for d in dimensions for row in d.table.rows]
    columns = (
        Column("kenmerk", N_("Kenmerk")),
        Column("waarde", N_("Waarde")),
        *(Column(f"k{i}", heading, "int") for i, (_, heading) in enumerate(headings)),
        Column("totaal", N_("Totaal getoond"), "int"),
    )
    return ReportTable(f"beleid-{kind}", REGISTERS[kind].title, columns, rows, lines)


def _field_label(kind: str, name: str) -> str:
    return next((f.label for f in REGISTERS[kind].fields if f.name == name), name)


def value_labels(session: Session, register: str) -> dict[str, dict[str, str]]:
    """For each counted field of the register, its values and their titles as the forms offer them
    (``oneOf`` with ``const`` and ``title``; yes/no for a boolean): from the active process versions that
    write this register, newest first; from every active version when none names it."""
    definitions = session.execute(
        select(ProcessDefinition.bpmn, ProcessDefinition.forms)
        .where(ProcessDefinition.active.is_(True))
        .order_by(ProcessDefinition.id.desc())
    ).all()
    writes = re.compile(
        rf'name="register"\s+value="{re.escape(register)}"|value="{re.escape(register)}"\s+name="register"'
    )
    writers = [forms for bpmn, forms in definitions if any(writes.search(x) for x in (bpmn or {}).values())]
    labels: dict[str, dict[str, str]] = {name: {} for name in POLICY_DIMENSIONS.get(register, ())}
    for forms in writers or [forms for _, forms in definitions]:
        for schema in (forms or {}).values():
            for name, prop in _properties(schema):
                if name in labels:
                    for value, title in _choices(prop):
                        labels[name].setdefault(value, title)
    return labels


def _properties(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (name, schema) under ``properties`` anywhere in a form (also inside allOf, if/then, arrays)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield from ((k, v) for k, v in properties.items() if isinstance(v, dict))
        for child in node.values():
            yield from _properties(child)
    elif isinstance(node, list):
        for child in node:
            yield from _properties(child)


def _choices(prop: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    if prop.get("type") == "boolean":
        yield from _YES_NO.items()
        return
    items = prop.get("items")
    source = items if prop.get("type") == "array" and isinstance(items, dict) else prop
    for option in source.get("oneOf") or source.get("anyOf") or []:
        if isinstance(option, dict) and "const" in option:
            value = option["const"]
            yield (value if isinstance(value, str) else str(value)), str(option.get("title") or value)
    for value in source.get("enum") or []:
        yield str(value), str(value)
