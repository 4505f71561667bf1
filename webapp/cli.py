"""The ``ketenflow`` command: run, worker, init-db, deploy, check-processes, seed-demo."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
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
    command.upgrade(config, "head")


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


def _seed(ctx: ServiceContext) -> int:
    orgs, users = seed_demo(ctx)
    print(f"demo: {orgs} organisaties en {users} gebruikers toegevoegd (wachtwoord: {DEMO_PASSWORD})")
    print("gebruikers: " + ", ".join(name for name, _, _ in DEMO_USERS))
    return 0


def _worker(ctx: ServiceContext, settings: Settings) -> int:
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_worker(ctx, f"{socket.gethostname()}:{os.getpid()}", stop, settings.timer_poll_seconds)
    return 0


def _run(ctx: ServiceContext, settings: Settings) -> int:
    # waitress: a production-grade threaded server in pure Python, so the single-machine default needs no
    # reverse proxy; several processes on PostgreSQL run under gunicorn instead.
    from waitress import serve

    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker, args=(ctx, f"web:{os.getpid()}", stop, settings.timer_poll_seconds), daemon=True
    )
    worker.start()
    app = create_app(context=ctx)
    address = f"http://{settings.host}:{settings.port}"
    print(f"Ketenflow draait op {address} (timers elke {settings.timer_poll_seconds} s bekeken)")
    try:
        serve(app, host=settings.host, port=settings.port, threads=8, ident="Ketenflow")
    finally:
        stop.set()
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.command == "init-db":
        migrate(settings)
        print("database bijgewerkt")
        return 0
    ctx = build_context(settings)
    commands = {
        "check-processes": lambda: _check(ctx),
        "deploy": lambda: _deploy(ctx),
        "seed-demo": lambda: _seed(ctx),
        "worker": lambda: _worker(ctx, settings),
        "run": lambda: _run(ctx, settings),
    }
    return commands[args.command]()


if __name__ == "__main__":
    sys.exit(main())
