"""The ``ketenflow`` command: run, worker, init-db, deploy, check-processes, export-processes, seed-demo,
rebuild-statistics."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType

from webapp import build_context, create_app
from webapp.config import PROJECT_ROOT, Settings, load_settings
from webapp.services.context import ServiceContext
from webapp.services.deploy import check_processes, deploy_directory
from webapp.services.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
from webapp.services.timers import run_worker

log = logging.getLogger("ketenflow")


def migrate(settings: Settings) -> None:
    from alembic import command
    from alembic.config import Config

    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "webapp" / "persistence" / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    config.attributes["ketenflow_keyring"] = settings.data_keyring()  # migration 0006 encrypts with it
    command.upgrade(config, "head")


STATISTICS_REVISION = "0009"  # the migration that added the managers' summary tables


def _revision(settings: Settings) -> str | None:
    """The database's migration revision before an upgrade (None for a new database)."""
    from alembic.runtime.migration import MigrationContext

    from webapp.persistence.db import make_engine

    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _check(ctx: ServiceContext) -> int:
    report = check_processes(ctx)
    for bundle in report.bundles:
        print(f"in orde: {bundle.process_id} ({bundle.name})")
    for problem in report.problems:
        print(f"FOUT: {problem}", file=sys.stderr)
    return 0 if report.ok else 1


def _deploy(ctx: ServiceContext) -> int:
    result = deploy_directory(ctx)
    for process_id, version in result.deployed:
        print(f"uitgerold: {process_id} versie {version}")
    for process_id, version in result.unchanged:
        print(f"ongewijzigd: {process_id} versie {version}")
    for problem in result.problems:
        print(f"FOUT, niet uitgerold: {problem}", file=sys.stderr)
    return 0 if result.ok else 1


def _export(ctx: ServiceContext, settings: Settings, to: str | None) -> int:
    from webapp.services.process_files import export_processes

    processes_dir, forms_dir = Path(settings.processes_dir), Path(settings.forms_dir)
    if to:
        processes_dir, forms_dir = Path(to) / "processes", Path(to) / "forms"
    result = export_processes(ctx, processes_dir, forms_dir)
    for label in result.created:
        print(f"nieuw: {label}")
    for label in result.written:
        print(f"bijgewerkt: {label}")
    print(f"ongewijzigd: {len(result.unchanged)} bestanden")
    return 0


def _deploy_at_start(ctx: ServiceContext) -> int:
    """Deploy new processes and files never deployed before; studio deploys stay active (README, Studio)."""
    from webapp.services.process_files import deploy_new_files

    result = deploy_new_files(ctx)
    for process_id, version in result.deployed:
        print(f"uitgerold: {process_id} versie {version}")
    for problem in result.problems:
        print(f"FOUT, niet uitgerold: {problem}", file=sys.stderr)
    return 0 if result.ok else 1


def _seed(ctx: ServiceContext) -> int:
    orgs, users = seed_demo(ctx)
    print(f"demo: {orgs} organisaties en {users} gebruikers toegevoegd (wachtwoord: {DEMO_PASSWORD})")
    print("gebruikers: " + ", ".join(name for name, _, _ in DEMO_USERS))
    return 0


def _audit_verify(ctx: ServiceContext) -> int:
    from webapp.services.audit_verify import verify_audit_chain

    try:
        report = verify_audit_chain(ctx)
    finally:
        ctx.db.dispose()
    for problem in report.problems:
        print(f"FOUT: {problem.message}", file=sys.stderr)
    if report.ok:
        print(f"auditlog in orde: {report.verified} regels gecontroleerd, de keten is ongeschonden")
        return 0
    found = len(report.problems)
    errors = f"{found} fout" if found == 1 else f"{found} fouten"
    print(f"auditlog NIET in orde: {report.verified} regels gecontroleerd, {errors}")
    return 1


def _generate_key(key_id: str | None) -> int:
    from datetime import UTC, datetime

    from webapp.persistence.crypto import new_key_line

    line = new_key_line(key_id or datetime.now(UTC).strftime("k%Y%m%d"))
    print(line)
    print(
        "zet deze sleutel vooraan in KETENFLOW_DATA_KEYS (de oude erachter), herstart, en draai "
        "'ketenflow rotate-keys'; daarna kan de oude sleutel weg",
        file=sys.stderr,
    )
    return 0


def _rotate_keys(ctx: ServiceContext, batch: int) -> int:
    from webapp.persistence.key_rotation import encrypted_columns, rotate_keys
    from webapp.persistence.models import Base

    print(f"huidige sleutel: {ctx.db.keyring.current_id}")
    for done in rotate_keys(ctx.db, encrypted_columns(Base.metadata), batch):
        print(f"{done.column.context}: {done.rotated} opnieuw versleuteld, {done.sealed} nieuw versleuteld")
    print("klaar: oude sleutels kunnen uit KETENFLOW_DATA_KEYS (VACUUM ruimt oude kopieën in de database op)")
    return 0


def _rebuild_statistics(ctx: ServiceContext, check_only: bool) -> int:
    from webapp.services.statistics_rebuild import rebuild_statistics

    report = rebuild_statistics(ctx, write=not check_only)
    for table, rows in report.rows.items():
        print(f"{table}: {rows} regels, {report.changed[table]} anders dan opgeslagen")
    if report.kept_deadlines:
        print(f"{report.kept_deadlines} termijnen van vernietigde zaken bewaard zoals ze waren")
    if check_only:
        print("in orde: de tabellen kloppen" if report.consistent else "NIET in orde: zie de verschillen")
        return 0 if report.consistent else 1
    print("klaar: de overzichtstabellen zijn opnieuw berekend")
    return 0


def _worker(ctx: ServiceContext, settings: Settings) -> int:
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # SpiffWorkflow logs every task state change at INFO: nine lines per fired timer drown the worker's own
    # messages (a failed round, a failed job) and cost time in a burst. Warnings and errors still show.
    for name in ("spiff.task", "spiff.workflow"):
        logging.getLogger(name).setLevel(logging.WARNING)
    lease = timedelta(seconds=settings.timer_lease_seconds)
    run_worker(ctx, f"{socket.gethostname()}:{os.getpid()}", stop, settings.timer_poll_seconds, lease)
    return 0


def _run(ctx: ServiceContext, settings: Settings) -> int:
    # waitress: a production-grade threaded server in pure Python, so the single-machine default needs no
    # reverse proxy; several processes on PostgreSQL run under gunicorn instead.
    from waitress import serve

    if _deploy_at_start(ctx) != 0:
        return 1
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker,
        args=(
            ctx,
            f"web:{os.getpid()}",
            stop,
            settings.timer_poll_seconds,
            timedelta(seconds=settings.timer_lease_seconds),
        ),
        daemon=True,
    )
    worker.start()
    app = create_app(context=ctx)
    address = f"http://{settings.host}:{settings.port}"
    print(f"Ketenflow draait op {address} (timers elke {settings.timer_poll_seconds} s bekeken)")
    try:
        serve(app, host=settings.host, port=settings.port, threads=8, ident="Ketenflow")
    finally:
        stop.set()
        # Let the timer thread finish its round and give its connection back before main() closes the pool.
        worker.join(timeout=30)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ketenflow", description="Ketenflow beheeropdrachten")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [
        ("run", "webserver en timerverwerking samen starten"),
        ("worker", "alleen de timerverwerking starten"),
        ("init-db", "database aanmaken of bijwerken"),
        ("deploy", "processen uit processes/ controleren en uitrollen"),
        ("check-processes", "processen controleren zonder uit te rollen"),
        ("seed-demo", "demo-organisaties en -gebruikers aanmaken"),
    ]:
        sub.add_parser(name, help=text)
    audit_commands = sub.add_parser("audit", help="het auditlog beheren").add_subparsers(
        dest="audit_command", required=True
    )
    audit_commands.add_parser("verify", help="de hashketen van het auditlog controleren")
    sub.add_parser("generate-key", help="een nieuwe sleutel voor KETENFLOW_DATA_KEYS").add_argument("--id")
    export = sub.add_parser("export-processes", help="de actieve versies naar processes/ en forms/ schrijven")
    export.add_argument("--to", help="een andere map (met daarin processes/ en forms/)")
    rotate = sub.add_parser("rotate-keys", help="alle versleutelde gegevens onder de eerste sleutel brengen")
    rotate.add_argument("--batch", type=int, default=200)
    rebuild = sub.add_parser(
        "rebuild-statistics",
        help="de overzichtstabellen van de rapportages opnieuw berekenen uit de zaken, taken en registers",
    )
    rebuild.add_argument(
        "--controleer", action="store_true", help="alleen vergelijken met wat is opgeslagen, niets wijzigen"
    )
    args = parser.parse_args(argv)
    if args.command == "generate-key":  # before the settings: production refuses to start without a key
        return _generate_key(args.id)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.command == "init-db":
        before = _revision(settings)
        migrate(settings)
        print("database bijgewerkt")
        if before is not None and before < STATISTICS_REVISION:
            # The managers' summary tables arrived empty with this upgrade: count what is already stored.
            upgraded = build_context(settings)
            try:
                return _rebuild_statistics(upgraded, check_only=False)
            finally:
                upgraded.db.dispose()
        return 0
    ctx = build_context(settings)
    commands = {
        "check-processes": lambda: _check(ctx),
        "deploy": lambda: _deploy(ctx),
        "seed-demo": lambda: _seed(ctx),
        "worker": lambda: _worker(ctx, settings),
        "run": lambda: _run(ctx, settings),
        "audit": lambda: _audit_verify(ctx),  # "verify" is its only subcommand
        "rotate-keys": lambda: _rotate_keys(ctx, args.batch),
        "export-processes": lambda: _export(ctx, settings, args.to),
        "rebuild-statistics": lambda: _rebuild_statistics(ctx, args.controleer),
    }
    try:
        return commands[args.command]()
    finally:
        ctx.db.dispose()  # close the connections: a command run inside a process (tests) leaves none open


if __name__ == "__main__":
    sys.exit(main())
