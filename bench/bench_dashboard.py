"""Managers' pages server time with 1,000,000 process instances and their tasks (issue 7, Figures).

Generates straight into the tables with raw executemany, one transaction per chunk: 13 organisations, the
demo's deployed processes, instances spread over 36 months (97 % completed, 3 % open with open tasks whose
due dates run from long overdue to next month), about 2.5 tasks per instance with the steps, roles and
deadline kinds of the real diagrams, and the summary tables filled from the same rows (MonthlyCount,
StepDuration, DeadlineRecord for the ~30 % consent, breach and request instances, PolicyCount from the
closed-list values of their forms). Simplifications, none of which the pages read: the serialized workflow
is one short encrypted placeholder, due dates add the nominal period (no holiday shifts), and no register
entries are written (their policy counts and deadline records are).

Then two managers sign in (4 organisations; all 13) and each page is requested through the Flask test
client, the whole server path: session, actor, filter parsing, queries, audit line, template.

    .venv/bin/python bench/bench_dashboard.py [--instances 1000000] [--runs 30] [--keep] [--reset]

SQLite in a temporary file by default; with --keep in var/bench/dashboard.db, reused by the next --keep run
(timings without regenerating). With KETENFLOW_BENCH_DATABASE_URL (a PostgreSQL database of its own) it runs
there, reused unless --reset.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from dashboard_data import NOW, Generated, generate
from flask.testing import FlaskClient
from sqlalchemy import event, func, inspect, select

from webapp import build_context, create_app
from webapp.config import PROJECT_ROOT, load_settings
from webapp.domain.clock import ManualClock
from webapp.persistence.models import (
    Base,
    HumanTask,
    Membership,
    Organisation,
    ProcessInstance,
    User,
)
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.seed import DEMO_PASSWORD, seed_demo
from webapp.services.statistics_rebuild import rebuild_statistics
from webapp.services.users import hash_password

TARGET_MS = 300.0
MANAGERS = {
    "bench.manager4": ["weert", "leudal", "nederweert", "rubicon"],
    "bench.manager13": None,  # every organisation
}
PATHS = [
    "/rapportages/",
    "/rapportages/taken?bucket=overdue",
    "/rapportages/termijnen",
    "/rapportages/doorlooptijden",
    "/rapportages/beleid",
]


def database_url(args: argparse.Namespace, workdir: Path) -> str:
    if os.environ.get("KETENFLOW_BENCH_DATABASE_URL"):
        return os.environ["KETENFLOW_BENCH_DATABASE_URL"]
    if args.keep:
        kept = PROJECT_ROOT / "var" / "bench"
        kept.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{kept / 'dashboard.db'}"
    return f"sqlite:///{workdir / 'dashboard.db'}"


def has_data(ctx: ServiceContext) -> bool:
    if "process_instance" not in inspect(ctx.db.engine).get_table_names():
        return False
    with ctx.db.read() as session:
        return bool(session.scalar(select(func.count()).select_from(ProcessInstance)))


def prepare(ctx: ServiceContext) -> None:
    Base.metadata.drop_all(ctx.db.engine)
    ctx.db.create_all()  # with the dashboard's covering indexes (ix_task_open_stats, …)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    with ctx.db.write() as session:
        orgs = dict(session.execute(select(Organisation.code, Organisation.id)).all())
        for username, codes in MANAGERS.items():
            user = User(
                username=username,
                display_name=username,
                password_hash=hash_password(DEMO_PASSWORD),
                created_at=NOW,
            )
            chosen = codes or sorted(orgs)
            user.memberships = [Membership(organisation_id=orgs[c], role="manager") for c in chosen]
            session.add(user)


def sign_in(app: Any, username: str) -> FlaskClient:
    client: FlaskClient = app.test_client()
    signed_in = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302, (username, signed_in.status_code)
    return client


def measure(client: FlaskClient, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per path: wall-clock server time and this process's CPU time per request (ms)."""
    found: dict[str, tuple[list[float], list[float]]] = {}
    for path in PATHS:
        response = client.get(path)  # warm the caches once
        if response.status_code != 200:  # a page still being built is reported, not timed
            print(f"SKIPPED {path}: answered {response.status_code}")
            continue
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(runs):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            wall.append((time.perf_counter() - begin) * 1000)
            cpu.append((time.process_time() - begin_cpu) * 1000)
            assert response.status_code == 200, path
        found[path] = (wall, cpu)
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def print_table(results: dict[str, dict[str, tuple[list[float], list[float]]]]) -> bool:
    print(f"\n{'page':38s} {'manager of':>10s} {'p50 ms':>8s} {'p95 ms':>8s} {'cpu p50':>8s}  target")
    met = True
    for username, timings in results.items():
        scope = "4 orgs" if username.endswith("4") else "13 orgs"
        for path, (wall, cpu) in timings.items():
            p50, p95 = statistics.median(wall), percentile(wall, 0.95)
            ok = p95 <= TARGET_MS
            met &= ok
            verdict = "met" if ok else "NOT met"
            print(f"{path:38s} {scope:>10s} {p50:8.1f} {p95:8.1f} {statistics.median(cpu):8.1f}  {verdict}")
    return met


def explain(ctx: ServiceContext, client: FlaskClient, path: str) -> None:
    """The slowest SELECTs one request of ``path`` runs, each timed again to its last row (SQLite hands
    out the first row of a streaming aggregate early), with SQLite's plan: which index answers what."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        begin = time.perf_counter()
        assert client.get(path).status_code == 200
        total = (time.perf_counter() - begin) * 1000
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", record)
    timed = []
    with ctx.db.engine.connect() as connection:
        for statement, params in seen:
            begin = time.perf_counter()
            connection.exec_driver_sql(statement, params).all()
            timed.append(((time.perf_counter() - begin) * 1000, statement, params))
        in_sql = sum(took for took, _, _ in timed)
        print(f"\n{path}: {total:.0f} ms; its {len(seen)} SELECTs take {in_sql:.0f} ms. The slowest:")
        for took, statement, params in sorted(timed, key=lambda t: -t[0])[:3]:
            print(f"  {took:6.1f} ms  {' '.join(statement.split())[:150]}")
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all():
                print(f"             {row[-1]}")


def describe(ctx: ServiceContext, generated: Generated | None, seconds: float) -> None:
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"database: {ctx.db.engine.dialect.name}")
    with ctx.db.read() as session:
        instances = session.scalar(select(func.count()).select_from(ProcessInstance)) or 0
        tasks = session.scalar(select(func.count()).select_from(HumanTask)) or 0
        open_tasks = session.scalar(select(func.count()).where(HumanTask.state == "open")) or 0
        overdue = session.scalar(
            select(func.count()).where(HumanTask.state == "open", HumanTask.due_at < NOW)
        )
    print(f"instances: {instances}, tasks: {tasks} ({open_tasks} open, {overdue} overdue)")
    if generated is not None:
        print(f"generated in {seconds:.0f} s: {generated.summary()}")
    else:
        print("reused the existing database (no generation; --reset regenerates)")


def verify(ctx: ServiceContext) -> None:
    """The generated counters against ``ketenflow rebuild-statistics --controleer``. The monthly counts and
    step durations must agree; policy counts and deadline records have no register entries behind them here
    (the rebuild keeps such deadline records and drops such policy counts)."""
    begin = time.perf_counter()
    report = rebuild_statistics(ctx, write=False)
    took = time.perf_counter() - begin
    print(f"rebuild check in {took:.0f} s: rows {report.rows}, differing {report.changed}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reset", action="store_true", help="regenerate a database that holds data")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (var/bench/) for a rerun")
    parser.add_argument("--verify", action="store_true", help="compare the summary tables with a rebuild")
    args = parser.parse_args()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings = load_settings({"env": "test", "database_url": database_url(args, workdir)})
        ctx = build_context(settings, clock=ManualClock(NOW))
        stack.callback(ctx.db.dispose)
        generated, begin = None, time.perf_counter()
        if args.reset or not has_data(ctx):
            prepare(ctx)
            generated = generate(ctx, args.instances)
        describe(ctx, generated, time.perf_counter() - begin)
        if args.verify:
            verify(ctx)
        app = create_app({"env": "test", "WTF_CSRF_ENABLED": False}, context=ctx)
        clients = {username: sign_in(app, username) for username in MANAGERS}
        results = {username: measure(client, args.runs) for username, client in clients.items()}
        met = print_table(results)
        print(f"\n{args.runs} runs per page; target p95 <= {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'}")
        if not ctx.db.is_postgres:  # where the time goes: the dashboard, and every page over the target
            slow = {
                p
                for timings in results.values()
                for p, (wall, _) in timings.items()
                if percentile(wall, 0.95) > TARGET_MS
            }
            for path in ["/rapportages/", *sorted(slow)]:
                explain(ctx, clients["bench.manager13"], path)


if __name__ == "__main__":
    main()
