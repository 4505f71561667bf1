"""Anonymised policy statistics (issue 7 item 5) on SQLite and PostgreSQL: counts from stat_policy_count
summed over the period per organisation or per month, small counts hidden, value labels from the forms,
the view audited, and everyone but managers and the FG refused (audited).

The clock stands at Monday 2 November 2026; the default period is December 2025 – November 2026.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import login
from webapp.domain.disclosure import SHIELDED, SMALL
from webapp.domain.errors import AccessDenied
from webapp.persistence.models import AuditEvent, Organisation, PolicyCount
from webapp.services.context import ServiceContext
from webapp.services.policy_stats import BY_MONTH, PolicyView, policy_statistics
from webapp.services.report_filters import ReportFilters

PERIOD = ReportFilters(month_from="2026-01", month_to="2026-11")
OP_NAAM = "Op naam (casusoverleg): met persoonsgegevens"
ANONIEM = "Anoniem (casuïstiekoverleg): geen persoonsgegevens"


def _org(ctx: ServiceContext, code: str) -> int:
    with ctx.db.read() as session:
        return session.scalars(select(Organisation.id).where(Organisation.code == code)).one()


def seed_counts(
    ctx: ServiceContext, rows: list[tuple[str, str, str, str, int]], register: str = "case"
) -> None:
    """(month, organisation code, dimension, value, n) rows, as the write path leaves them."""
    with ctx.db.write() as session:
        for month, code, dimension, value, n in rows:
            session.add(
                PolicyCount(
                    month=month,
                    organisation_id=_org(ctx, code),
                    register=register,
                    dimension=dimension,
                    value=value,
                    n=n,
                )
            )


def _row(view: PolicyView, dimension: str, label: str) -> dict[str, Any]:
    table = next(d.table for d in view.dimensions if d.name == dimension)
    return next(row for row in table.rows if row["waarde"] == label)


def _column(view: PolicyView, dimension: str, heading: str) -> str:
    table = next(d.table for d in view.dimensions if d.name == dimension)
    return next(c.key for c in table.columns if c.label == heading)


@pytest.fixture
def seeded(any_ctx: ServiceContext) -> ServiceContext:
    seed_counts(
        any_ctx,
        [
            ("2026-03", "weert", "bespreekwijze", "op_naam", 8),
            ("2026-04", "weert", "bespreekwijze", "op_naam", 7),  # 15 over the period: shown
            ("2026-04", "weert", "bespreekwijze", "anoniem", 30),
            ("2026-05", "leudal", "bespreekwijze", "op_naam", 3),  # small: hidden
            ("2026-05", "leudal", "bespreekwijze", "anoniem", 40),
            ("2026-06", "leudal", "bespreekwijze", "anoniem", 2),
            ("2026-07", "nederweert", "bespreekwijze", "op_naam", 20),
            ("2026-07", "nederweert", "bespreekwijze", "anoniem", 25),
            ("2025-06", "weert", "bespreekwijze", "op_naam", 500),  # before the period
            ("2026-04", "weert", "signalen_geweld", "ja", 12),
            ("2026-04", "weert", "signalen_geweld", "nee", -1),  # a correction never shows below 0
        ],
    )
    return any_ctx


def test_counts_are_summed_per_organisation_and_small_ones_hidden(seeded: ServiceContext) -> None:
    view = policy_statistics(seeded, login(seeded, "fg"), PERIOD, "case")
    weert = _column(view, "bespreekwijze", "Gemeente Weert")
    leudal = _column(view, "bespreekwijze", "Gemeente Leudal")
    nederweert = _column(view, "bespreekwijze", "Gemeente Nederweert")
    op_naam, anoniem = _row(view, "bespreekwijze", OP_NAAM), _row(view, "bespreekwijze", ANONIEM)
    # Counted: op naam 15 (Weert, over two months), 3 (Leudal), 20 (Nederweert); anoniem 30, 42, 25.
    # Leudal's 3 is hidden; alone in its row and column it would follow from a known total, so Weert's 15
    # and Leudal's 42 are shielded, which leaves Weert's column with one hidden cell: its 30 goes too.
    assert [op_naam[weert], op_naam[leudal], op_naam[nederweert]] == [SHIELDED, SMALL, 20]
    assert [anoniem[weert], anoniem[leudal], anoniem[nederweert]] == [SHIELDED, SHIELDED, 25]
    assert op_naam["totaal"] == 20 and anoniem["totaal"] == 25  # the shown cells only
    total = _row(view, "bespreekwijze", "Totaal getoond")
    assert [total[weert], total[leudal], total[nederweert], total["totaal"]] == [0, 0, 45, 45]
    # Every organisation of the covenant is a column, whether or not it counted anything.
    table = next(d.table for d in view.dimensions if d.name == "bespreekwijze")
    assert len(table.columns) == 2 + 13
    nee = _row(view, "signalen_geweld", "Nee")
    assert nee[_column(view, "signalen_geweld", "Gemeente Weert")] == 0
    assert _row(view, "signalen_geweld", "Ja")[_column(view, "signalen_geweld", "Gemeente Weert")] == 12


def test_per_month_for_one_organisation(seeded: ServiceContext) -> None:
    leudal = _org(seeded, "leudal")
    filters = ReportFilters(organisation_id=leudal, month_from="2026-04", month_to="2026-06")
    view = policy_statistics(seeded, login(seeded, "manager"), filters, "case")
    assert view.by == BY_MONTH
    table = next(d.table for d in view.dimensions if d.name == "bespreekwijze")
    assert [c.label for c in table.columns][1:-1] == ["2026-04", "2026-05", "2026-06"]
    anoniem = _row(view, "bespreekwijze", ANONIEM)
    assert [anoniem["k0"], anoniem["k2"]] == [0, SMALL]
    assert anoniem["k1"] == SHIELDED  # 40 protects the 2 of June (and the 3 of May in its column)
    assert ("Organisatie", "Gemeente Leudal") in table.filters


def test_the_combined_table_holds_every_dimension_and_the_view_is_audited(seeded: ServiceContext) -> None:
    fg = login(seeded, "fg")
    view = policy_statistics(seeded, fg, PERIOD, "case")
    assert view.combined.name == "beleid-case"
    assert {row["kenmerk"] for row in view.combined.rows} == {d.label for d in view.dimensions}
    assert len(view.combined.rows) == sum(len(d.table.rows) for d in view.dimensions)
    with seeded.db.read() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.policy")).one()
        assert (line.action, line.result, line.actor_id) == ("search", "success", fg.user_id)
        assert line.object_id == "beleid-case"
        assert line.details["van"] == "2026-01" and line.details["indeling"] == "organisatie"


def test_an_unknown_register_falls_back_to_the_first(seeded: ServiceContext) -> None:
    view = policy_statistics(seeded, login(seeded, "manager"), PERIOD, "geen-register")
    assert view.register == "case"


@pytest.mark.parametrize("username", ["hulpverlener", "voorzitter", "procesbeheer", "beheerder"])
def test_only_managers_and_the_fg_see_them(any_ctx: ServiceContext, username: str) -> None:
    actor = login(any_ctx, username)
    with pytest.raises(AccessDenied):
        policy_statistics(any_ctx, actor, PERIOD, "case")
    with any_ctx.db.read() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.policy")).one()
        assert (line.result, line.actor_id, line.object_type) == ("denied", actor.user_id, "report")
