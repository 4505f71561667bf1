"""``make run-postgres``: Ketenflow on PostgreSQL in several processes, started and stopped together.

Prepares the database as ``make run`` does (create it if missing, migrate, seed the demo, deploy the new and
changed files of ``processes/`` without undoing a studio deploy), then starts gunicorn with
KETENFLOW_WEB_WORKERS web processes (gunicorn.conf.py) and KETENFLOW_TIMER_WORKERS ``ketenflow worker``
processes. Ctrl-C or SIGTERM stops them all; when one of them stops by itself the others are stopped too
and the exit code is 1, so a broken setup never runs on half its processes unnoticed.

    KETENFLOW_DATABASE_URL=postgresql+psycopg://… python -m webapp.run_postgres
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from types import FrameType

from webapp import build_context
from webapp.config import PROJECT_ROOT, load_settings
from webapp.persistence.db import ensure_postgres_database
from webapp.services.process_files import deploy_new_files

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ketenflow"
STOP_GRACE_SECONDS = 30.0  # gunicorn finishes running requests, a worker its current timer


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _say(text: str) -> None:
    print(text, flush=True)


def _count(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = 0
    if value < 1:
        raise SystemExit(f"{variable} moet een geheel getal van minstens 1 zijn, niet {raw!r}")
    return value


def _ketenflow(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "webapp.cli", *arguments]


def _prepare() -> int:
    """Create and migrate the database, seed the demo and deploy what is new, as ``make run`` does."""
    for step in ("init-db", "seed-demo"):
        if subprocess.run(_ketenflow(step), check=False).returncode != 0:  # noqa: S603 - our own argv
            _say(f"FOUT: 'ketenflow {step}' is mislukt; er is niets gestart")
            return 1
    ctx = build_context(load_settings())
    try:
        result = deploy_new_files(ctx)
    finally:
        ctx.db.dispose()
    for process_id, version in result.deployed:
        _say(f"uitgerold: {process_id} versie {version}")
    for problem in result.problems:
        print(f"FOUT, niet uitgerold: {problem}", file=sys.stderr, flush=True)
    return 0 if result.ok else 1


def _start(web_workers: int, timer_workers: int) -> list[Child]:
    web = [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "gunicorn.conf.py")]
    children = [Child("web (gunicorn)", subprocess.Popen(web, cwd=PROJECT_ROOT))]  # noqa: S603 - our own argv
    for number in range(1, timer_workers + 1):
        process = subprocess.Popen(_ketenflow("worker"), cwd=PROJECT_ROOT)  # noqa: S603 - our own argv
        children.append(Child(f"timerverwerking {number}", process))
    for child in children:
        _say(f"gestart: {child.name}, pid {child.process.pid}")
    return children


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return stop


def _supervise(children: list[Child], stop: threading.Event) -> int:
    """Wait for Ctrl-C or SIGTERM (exit code 0) or for a child that stops by itself (exit code 1)."""
    code = 0
    while not stop.is_set():
        ended = [child for child in children if child.process.poll() is not None]
        if ended:
            for child in ended:
                _say(f"FOUT: {child.name} stopte onverwacht (exitcode {child.process.returncode})")
            code = 1
            break
        stop.wait(0.5)
    _stop_all(children)
    return code


def _stop_all(children: list[Child]) -> None:
    """SIGTERM to every child still running (Ctrl-C has already reached them through the terminal), then
    SIGKILL for any that has not stopped within the grace period."""
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    for child in children:
        try:
            child.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _say(f"{child.name} stopte niet binnen {STOP_GRACE_SECONDS:.0f} s: geforceerd gestopt")
            child.process.kill()
            child.process.wait()
    _say("alle processen van Ketenflow zijn gestopt")


def main() -> int:
    url = os.environ.setdefault("KETENFLOW_DATABASE_URL", DEFAULT_DATABASE_URL)
    if not url.startswith("postgresql"):
        _say("FOUT: meerdere processen vragen PostgreSQL; KETENFLOW_DATABASE_URL wijst naar iets anders")
        return 2
    web_workers = _count("KETENFLOW_WEB_WORKERS", 2)
    timer_workers = _count("KETENFLOW_TIMER_WORKERS", 2)
    os.environ["KETENFLOW_WEB_WORKERS"] = str(web_workers)  # for gunicorn.conf.py
    ensure_postgres_database(url)
    if _prepare() != 0:
        return 1
    settings = load_settings()
    stop = _stop_on_signals()  # before the start: a SIGTERM right after it must still stop every child
    children = _start(web_workers, timer_workers)
    _say(
        f"Ketenflow draait op http://{settings.host}:{settings.port} met {web_workers} webprocessen en "
        f"{timer_workers} timerprocessen op PostgreSQL; stoppen met Ctrl-C"
    )
    return _supervise(children, stop)


if __name__ == "__main__":
    sys.exit(main())
