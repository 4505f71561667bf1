"""The worker refreshes SQLite's planner statistics, which the managers' reports need for their index
skip-scans; on PostgreSQL autovacuum does it and the call changes nothing."""

from __future__ import annotations

from sqlalchemy import text

from tests.databases import SQLITE_TOO
from tests.factories import home_organisation, login
from webapp.persistence.db import Database
from webapp.services.context import ServiceContext
from webapp.services.instances import start_process


# SQLite's planner statistics (sqlite_stat1) are the point: it keeps its SQLite run under test-postgres.
@SQLITE_TOO
def test_the_planner_learns_the_tables_after_a_refresh(any_ctx: ServiceContext) -> None:
    sanne = login(any_ctx, "hulpverlener")
    start_process(any_ctx, sanne, "demo_subject_request", home_organisation(sanne))
    database: Database = any_ctx.db
    database.refresh_planner_statistics()
    database.refresh_planner_statistics()  # again: idempotent
    if database.is_postgres:
        return
    with database.engine.connect() as connection:
        analysed = set(connection.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
    assert {"human_task", "process_instance", "stat_monthly_count"} <= analysed
