"""Full HTTP form submits per second against gunicorn (2 workers) on PostgreSQL.

Each client thread signs in with its own session, then for each of its tasks fetches the form (for the CSRF
token) and posts the completion. A submit counts when it answers with a redirect (302/303).
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from bench_completions import DATA
from scale_service import PROCESS, prepared_context, signed_in

from webapp.services import instances

BENCH_DIR = Path(__file__).resolve().parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_gunicorn(url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, KETENFLOW_DATABASE_URL=url)
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command += ["--pythonpath", str(BENCH_DIR), "--log-level", "warning", "scale_wsgi:app"]
    server = subprocess.Popen(command, env=env, cwd=BENCH_DIR.parent)  # noqa: S603 - our own argv
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=20).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.1)  # gunicorn still booting: poll again
    server.kill()
    server.wait()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _sign_in(base: str) -> requests.Session:
    client = requests.Session()
    token = CSRF.search(client.get(f"{base}/login").text)
    form = {"username": "hulpverlener", "password": "ketenflow-demo"}
    if token:
        form["csrf_token"] = token.group(1)
    answer = client.post(f"{base}/login", data=form, allow_redirects=False)
    assert answer.status_code in (302, 303), f"sign-in failed: {answer.status_code}"
    return client


def _client(base: str, task_ids: list[int], latencies: list[float], failures: list[int]) -> None:
    client = _sign_in(base)
    for task_id in task_ids:
        page = client.get(f"{base}/tasks/{task_id}")
        token = CSRF.search(page.text)
        assert token, f"no CSRF token on task {task_id} ({page.status_code})"
        begin = time.perf_counter()
        answer = client.post(
            f"{base}/tasks/{task_id}", data={**DATA, "csrf_token": token.group(1)}, allow_redirects=False
        )
        latencies.append(time.perf_counter() - begin)
        if answer.status_code not in (302, 303):
            failures.append(answer.status_code)


def measure(url: str, count: int, clients: int) -> dict[str, float]:
    ctx = prepared_context(url)
    actor, organisation = signed_in(ctx)
    task_ids = [instances.start_process(ctx, actor, PROCESS, organisation).next_task_id for _ in range(count)]
    ctx.db.dispose()
    port = _free_port()
    server = _start_gunicorn(url, port)
    latencies: list[float] = []
    failures: list[int] = []
    try:
        threads = [
            threading.Thread(
                target=_client, args=(f"http://127.0.0.1:{port}", task_ids[i::clients], latencies, failures)
            )
            for i in range(clients)
        ]
        begin = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - begin
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies.sort()
    ok = len(latencies) - len(failures)
    return {
        "submits_per_s": ok / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[min(len(latencies) - 1, round(0.95 * len(latencies)))],
        "failures": float(len(failures)),
        "ok": float(ok),
    }
