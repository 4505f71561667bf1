"""The export log (issue 7 item 4) on SQLite and PostgreSQL: an export writes its log line and its audit line
together or not at all; the FG reads every export, a manager their own, others are refused (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import login
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied
from webapp.persistence.models import AuditEvent, ExportLog, Organisation
from webapp.services import exports
from webapp.services.context import Origin, ServiceContext
from webapp.services.exports import list_export_log, purpose_error, record_export


def _weert(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return session.scalars(select(Organisation.id).where(Organisation.code == "weert")).one()


def test_record_export_writes_the_log_and_the_audit_line(any_ctx: ServiceContext) -> None:
    manager = login(any_ctx, "manager")
    params = {"organisatie": str(_weert(any_ctx)), "van": "2026-01", "tot": "2026-11", "register": "case"}
    record_export(
        any_ctx,
        manager,
        report="beleid-case",
        fmt="xlsx",
        params=params,
        rows=42,
        purpose="  Jaarverslag aan de raad  ",
        origin=Origin("10.0.0.7", "web"),
    )
    with any_ctx.db.read() as session:
        log = session.scalars(select(ExportLog)).one()
        assert (log.user_id, log.report, log.format, log.rows) == (manager.user_id, "beleid-case", "xlsx", 42)
        assert log.filters == params and log.purpose == "Jaarverslag aan de raad"
        assert log.at == any_ctx.clock.now()
        line = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.exported")).one()
        assert (line.action, line.result, line.actor_id) == ("export", "success", manager.user_id)
        assert (line.object_type, line.object_id, line.origin) == ("report", "beleid-case", "web:10.0.0.7")
        assert line.details["formaat"] == "xlsx" and line.details["regels"] == "42"
        assert "register=case" in line.details["filter"]
        assert "Jaarverslag" not in str(line.details)  # typed text stays in the export log


def test_no_log_line_without_its_audit_line(any_ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(exports, "audit", broken)
    with pytest.raises(RuntimeError):
        record_export(any_ctx, login(any_ctx, "manager"), report="r", fmt="csv", params={}, rows=1)
    with any_ctx.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ExportLog)) == 0


def test_the_fg_reads_every_export_and_a_manager_their_own(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    manager, other, fg = (login(any_ctx, u) for u in ("manager", "manager.rubicon", "fg"))
    weert = str(_weert(any_ctx))
    record_export(
        any_ctx, manager, report="dashboard-taken", fmt="csv", params={"organisatie": weert}, rows=3
    )
    clock.advance(timedelta(minutes=5))
    record_export(
        any_ctx,
        other,
        report="beleid-breach",
        fmt="xlsx",
        params={"termijn": "hours:PT72H"},
        rows=9,
        purpose="x" * 12,
    )

    everything = list_export_log(any_ctx, fg)
    assert everything.everyone and everything.total == 2
    newest, oldest = everything.entries
    assert (newest.user, newest.report, newest.purpose) == (
        "Eva Teamleider Rubicon",
        "beleid-breach",
        "x" * 12,
    )
    assert newest.filters == [("Termijnsoort", "72 uur")]
    assert (oldest.user, oldest.filters) == ("Mila Teamleider", [("Organisatie", "Gemeente Weert")])

    own = list_export_log(any_ctx, manager)
    assert not own.everyone and [e.report for e in own.entries] == ["dashboard-taken"]
    with any_ctx.db.read() as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.export_log")).all()
        assert [(r.actor_id, r.details["bereik"]) for r in reads] == [
            (fg.user_id, "alle"),
            (manager.user_id, "eigen"),
        ]


@pytest.mark.parametrize("username", ["hulpverlener", "beheerder"])
def test_others_may_not_read_the_export_log(any_ctx: ServiceContext, username: str) -> None:
    actor = login(any_ctx, username)
    with pytest.raises(AccessDenied):
        list_export_log(any_ctx, actor)
    with any_ctx.db.read() as session:
        line = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.export_log")).one()
        assert (line.result, line.actor_id) == ("denied", actor.user_id)


def test_purpose_rules() -> None:
    assert purpose_error("") == "Vul in waarvoor u deze cijfers exporteert."
    assert purpose_error("   kort   ") == "Beschrijf het doel in minstens 10 tekens."
    assert purpose_error("Jaarverslag") == ""
    assert purpose_error("a" * 501) == "Beschrijf het doel in hoogstens 500 tekens (nu 501)."
