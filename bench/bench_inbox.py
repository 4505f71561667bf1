"""Inbox page server time with 100,000 open tasks spread over the 13 organisations of the covenant.

Generates the data straight into the tables (instances with a real serialized workflow of the demo, so rows
have their true size; open tasks with roles, claims, due dates and legal rules; completed tasks as history),
signs in a professional with memberships in four organisations, and requests the inbox through the Flask
test client with a mix of filters, sort orders and pages. Every request is the whole server-side path:
login session, actor, filter parsing, counts, page query, audit line, template.

    .venv/bin/python bench/bench_inbox.py [--tasks 100000] [--requests 200]

On SQLite by default (a temporary file). With KETENFLOW_BENCH_DATABASE_URL set (a PostgreSQL database of its
own, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/ketenflow_bench) it runs there; the tables are created
when the database is empty, and replaced only with --reset.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, insert, inspect, select, text

from webapp import build_context, create_app
from webapp.config import load_settings
from webapp.domain.clock import ManualClock
from webapp.persistence.models import (
    Base,
    HumanTask,
    Membership,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from webapp.services.context import Origin, ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.instances import start_process
from webapp.services.seed import DEMO_PASSWORD, seed_demo
from webapp.services.users import authenticate, hash_password

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BENCH_USER = "bench.professional"
# The professional benchmarked: several organisations, and a second role in one of them.
MEMBERSHIPS = [
    ("weert", "professional"),
    ("weert", "aandachtsfunctionaris"),
    ("leudal", "professional"),
    ("nederweert", "professional"),
    ("rubicon", "professional"),
]
ROLES = ["professional"] * 6 + ["aandachtsfunctionaris", "voorzitter", "fg", "manager"]
RULES = [
    "72 uur vanaf 27-11-2026 14:05",
    "4 weken vanaf 02-11-2026, verlengd tot de eerstvolgende werkdag",
    "1 maand vanaf het ontstaan van de taak",
    "10 werkdagen vanaf het ontstaan van de taak",
    "5 werkdagen vanaf 20-11-2026",
]
BATCH = 5000


def bench_database_url(workdir: Path) -> str:
    return os.environ.get("KETENFLOW_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"


def prepare(ctx: ServiceContext, reset: bool) -> None:
    tables = inspect(ctx.db.engine).get_table_names()
    if tables and not reset:
        raise SystemExit("De benchmarkdatabase is niet leeg; start opnieuw met --reset om haar te vervangen.")
    Base.metadata.drop_all(ctx.db.engine)
    ctx.db.create_all()  # with the inbox's covering indexes (see HumanTask and ProcessInstance)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)


def add_bench_user(ctx: ServiceContext) -> int:
    with ctx.db.write() as session:
        orgs = dict(session.execute(select(Organisation.code, Organisation.id)).all())
        user = User(
            username=BENCH_USER,
            display_name="Bench Professional",
            password_hash=hash_password(DEMO_PASSWORD),
            created_at=NOW,
        )
        user.memberships = [Membership(organisation_id=orgs[code], role=role) for code, role in MEMBERSHIPS]
        session.add(user)
        session.flush()
        return user.id


def real_serialization(ctx: ServiceContext) -> str:
    """The stored state of a real demo instance after its start: what every generated instance carries."""
    actor = authenticate(ctx, "hulpverlener", DEMO_PASSWORD, Origin())
    assert actor is not None
    started = start_process(ctx, actor, "demo_subject_request", next(iter(actor.memberships)).organisation_id)
    with ctx.db.read() as session:
        instance = session.get_one(ProcessInstance, started.instance_id)
        return instance.serialization


def generate(ctx: ServiceContext, open_tasks: int, bench_user: int, analyze: bool, seed: int = 7) -> None:
    rng = random.Random(seed)
    serialization = real_serialization(ctx)
    with ctx.db.read() as session:
        org_ids = list(session.execute(select(Organisation.id)).scalars())
        definitions = list(session.execute(select(ProcessDefinition.id)).scalars())
        users = list(session.execute(select(User.id).where(User.id != bench_user)).scalars())
        first_instance = (session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
    instances = open_tasks * 4 // 5  # most cases have one open task, some have two
    instance_rows: list[dict[str, Any]] = [
        {
            "id": first_instance + n,
            "definition_id": rng.choice(definitions),
            "organisation_id": rng.choice(org_ids),
            "case_reference": f"KF-{n:08X}",
            "status": "running",
            "serialization": serialization,
            "version": 1,
            "started_at": NOW - timedelta(days=rng.randint(1, 90)),
        }
        for n in range(instances)
    ]
    _insert(ctx, ProcessInstance, instance_rows)
    owners: dict[int, int] = {row["id"]: row["organisation_id"] for row in instance_rows}
    task_rows = list(_task_rows(rng, owners, open_tasks, users, bench_user))
    _insert(ctx, HumanTask, task_rows)
    if analyze:  # planner statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) keep them
        with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if ctx.db.is_postgres else "ANALYZE"))


def _task_rows(
    rng: random.Random, owners: dict[int, int], open_tasks: int, users: list[int], bench_user: int
) -> Iterator[dict[str, Any]]:
    instance_ids = list(owners)
    for n in range(open_tasks + 2 * len(instance_ids)):
        is_open = n < open_tasks
        instance_id = (
            instance_ids[n % len(instance_ids)] if n < len(instance_ids) else rng.choice(instance_ids)
        )
        created = NOW - timedelta(hours=rng.randint(1, 24 * 60))
        due = created + timedelta(days=rng.randint(1, 45)) if rng.random() < 0.8 else None
        claim = rng.random()
        assignee = bench_user if claim < 0.004 else (rng.choice(users) if claim < 0.25 else None)
        yield {
            "instance_id": instance_id,
            "spiff_task_id": f"{n:032x}",
            "bpmn_id": "task",
            "name": rng.choice(["Verzoek registreren", "Beslissen", "Melding beoordelen", "Plan opstellen"]),
            "role": rng.choice(ROLES),
            "organisation_id": owners[instance_id],
            "assignee_id": assignee if is_open else rng.choice(users),
            "state": "open" if is_open else "completed",
            "due_at": due,
            "due_rule": rng.choice(RULES) if due else None,
            "created_at": created,
            "completed_at": None if is_open else created + timedelta(hours=2),
            "completed_by_id": None if is_open else rng.choice(users),
        }


def _insert(ctx: ServiceContext, model: Any, rows: list[dict[str, Any]]) -> None:
    with ctx.db.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(model), rows[start : start + BATCH])


def request_paths(ctx: ServiceContext, bench_user: int) -> list[str]:
    """What a professional clicks through in a day: the inbox, filters, other pages, a bookmarked case."""
    with ctx.db.read() as session:
        case = session.scalar(
            select(ProcessInstance.case_reference)
            .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
            .where(HumanTask.assignee_id == bench_user, HumanTask.state == "open")
            .limit(1)
        )
    return [
        "/inbox",
        "/inbox?overdue=1",
        "/inbox?page=2",
        "/inbox?process=meldcode",
        "/inbox?claimed=me",
        "/inbox?claimed=none&sort=-due",
        "/inbox?due_before=2026-12-04",
        f"/inbox?case={case}",
        "/inbox?page=40",
        "/inbox?process=data_breach&overdue=1&claimed=none",
    ]


def measure(
    client: FlaskClient, paths: list[str], requests: int
) -> tuple[dict[str, list[float]], list[float]]:
    """Server time per path (wall clock, ms), and this process's CPU time per request: on a busy machine
    the CPU time shows what the request itself costs (on SQLite it includes the database's work)."""
    for path in paths:  # warm the caches once per path
        assert client.get(path).status_code == 200, path
    timings: dict[str, list[float]] = {path: [] for path in paths}
    cpu: list[float] = []
    for n in range(requests):
        path = paths[n % len(paths)]
        begin, begin_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings[path].append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
        assert response.status_code == 200, path
    return timings, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(
    ctx: ServiceContext,
    timings: dict[str, list[float]],
    cpu: list[float],
    visible: int,
    setup: float,
    analyzed: bool,
) -> None:
    every = [t for values in timings.values() for t in values]
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    statistics_note = "with planner statistics (ANALYZE)" if analyzed else "without planner statistics"
    print(f"database: {ctx.db.engine.dialect.name}, {statistics_note}, data generated in {setup:.0f} s")
    with ctx.db.read() as session:
        open_count = session.scalar(select(func.count()).where(HumanTask.state == "open"))
        total = session.scalar(select(func.count()).select_from(HumanTask))
        orgs = session.scalar(select(func.count(func.distinct(HumanTask.organisation_id))))
    print(f"tasks: {open_count} open over {orgs} organisations, {total} in all; {visible} in this inbox")
    for path, values in timings.items():
        print(f"  {path:55s} p50 {statistics.median(values):6.1f} ms  max {max(values):6.1f} ms")
    p50, p95 = statistics.median(every), percentile(every, 0.95)
    print(f"inbox page, {len(every)} requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(every):.1f} ms")
    cpu50, cpu95 = statistics.median(cpu), percentile(cpu, 0.95)
    print(f"CPU time of this process per request: p50 {cpu50:.1f} ms, p95 {cpu95:.1f} ms")
    print(f"target p95 <= 100 ms: {'met' if p95 <= 100 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reset", action="store_true", help="replace the tables of a non-empty database")
    parser.add_argument("--no-analyze", action="store_true", help="measure without planner statistics")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"env": "test", "database_url": bench_database_url(Path(tmp))})
        ctx = build_context(settings, clock=ManualClock(NOW))
        begin = time.perf_counter()
        prepare(ctx, args.reset or not os.environ.get("KETENFLOW_BENCH_DATABASE_URL"))
        bench_user = add_bench_user(ctx)
        generate(ctx, args.tasks, bench_user, analyze=not args.no_analyze)
        setup = time.perf_counter() - begin
        app = create_app({"env": "test", "WTF_CSRF_ENABLED": False}, context=ctx)
        client = app.test_client()
        signed_in = client.post("/login", data={"username": BENCH_USER, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, signed_in.status_code
        timings, cpu = measure(client, request_paths(ctx, bench_user), args.requests)
        report(ctx, timings, cpu, visible_tasks(ctx, bench_user), setup, not args.no_analyze)
        ctx.db.dispose()


def visible_tasks(ctx: ServiceContext, bench_user: int) -> int:
    from webapp.services.task_queries import inbox_filter
    from webapp.services.users import load_actor

    actor = load_actor(ctx, bench_user)
    assert actor is not None
    with ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(HumanTask).where(inbox_filter(actor))) or 0


if __name__ == "__main__":
    main()
