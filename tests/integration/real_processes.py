"""Helpers for the tests that start real Ketenflow processes (gunicorn, ``ketenflow worker``) on PostgreSQL.

These processes use real clocks, so the tests poll a condition with a deadline (``wait_for``), never sleep a
fixed time. Each test gets a database of its own, named after the test database with a suffix
(``<KETENFLOW_TEST_DATABASE_URL's database>_procs``), so dropping it never touches another test's data.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp.config import PROJECT_ROOT

T = TypeVar("T")
DEFAULT_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ketenflow_test"
POLL_SECONDS = 0.1


def own_database_url(suffix: str = "procs") -> str:
    url = make_url(os.environ.get("KETENFLOW_TEST_DATABASE_URL", DEFAULT_TEST_URL))
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    """Drop (closing its connections) and create the database; PostgreSQL missing fails the test loudly."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as error:
        pytest.fail(f"PostgreSQL is required for this test and is not reachable at {url}: {error}")
    finally:
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(POLL_SECONDS)  # polling a condition, not waiting for a timer


def start_worker(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """A real ``ketenflow worker`` whose output goes to ``log`` (it logs every engine step at INFO)."""
    command = [sys.executable, "-m", "webapp.cli", "worker"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=PROJECT_ROOT)  # noqa: S603


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM and wait; a process that does not stop in time is killed and fails the test."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"process {process.pid} did not stop within {timeout:.0f} s of SIGTERM")


def processes_in_session(session_id: int) -> list[int]:
    """The living processes of a session (Linux /proc): a started tree's leftovers after it was stopped."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended while we looked
        # Fields after the command (which may hold spaces, inside parentheses): state, ppid, pgrp, session.
        state, _ppid, _pgrp, session = stat.rpartition(")")[2].split()[:4]
        if int(session) == session_id and state != "Z":
            found.append(int(entry.name))
    return found
