"""The scale table of issue 8: one markdown table, each figure next to the bare SpiffWorkflow one.

    .venv/bin/python bench/bench_scale.py [--quick]

PostgreSQL from KETENFLOW_BENCH_DATABASE_URL (default: the local ketenflow_bench_m4 database, dropped and
recreated by each phase). --quick uses small counts (about a minute); the full run takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
from pathlib import Path

import scale_http
import scale_service
import scale_timers
from sqlalchemy import create_engine, text

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ketenflow_bench_m4"
FULL = {"instances": 1000, "http": 800, "clients": 8, "lateness": 300, "burst": 10_000}
QUICK = {"instances": 100, "http": 200, "clients": 4, "lateness": 50, "burst": 1000}


def machine(url: str) -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        cpu = names[0] if names else cpu
    engine = create_engine(url)
    with engine.connect() as connection:
        pg = connection.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return (
        f"machine: {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; PostgreSQL {pg}"
    )


def rows(counts: dict[str, int], url: str) -> list[tuple[str, str, str, str]]:
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        lite = scale_service.measure(scale_service.sqlite_url(Path(tmp)), counts["instances"])
    scale_service.reset_postgres(url)
    pg = scale_service.measure(url, counts["instances"])
    bare_starts, bare_completions, bare_bytes = scale_service.bare(lite.snapshots, counts["instances"])
    table.append(("instance starts/s, SQLite", f"{lite.starts_per_s:.0f}", f"{bare_starts:.0f}", "≥ 300"))
    table.append(("instance starts/s, PostgreSQL", f"{pg.starts_per_s:.0f}", f"{bare_starts:.0f}", "≥ 300"))
    table.append(
        ("task completions/s, SQLite", f"{lite.completions_per_s:.0f}", f"{bare_completions:.0f}", "≥ 300")
    )
    table.append(
        ("task completions/s, PostgreSQL", f"{pg.completions_per_s:.0f}", f"{bare_completions:.0f}", "≥ 300")
    )
    scale_service.reset_postgres(url)
    starts_2, completions_2 = scale_service.measure_parallel(url, counts["instances"])
    table.append(("instance starts/s, PostgreSQL, 2 processes", f"{starts_2:.0f}", "–", "≥ 300"))
    table.append(("task completions/s, PostgreSQL, 2 processes", f"{completions_2:.0f}", "–", "≥ 300"))
    scale_service.reset_postgres(url)
    http = scale_http.measure(url, counts["http"], counts["clients"])
    table.append(
        (
            f"HTTP form submits/s (GET form + POST), gunicorn 2 workers, "
            f"{counts['clients']} clients, PostgreSQL",
            f"{http['submits_per_s']:.0f} (p50 {http['p50_ms']:.0f} ms, p95 {http['p95_ms']:.0f} ms, "
            f"{http['failures']:.0f} failed)",
            "–",
            "≥ 150",
        )
    )
    p50, p99 = scale_timers.lateness(counts["lateness"])
    table.append(
        (
            "timer lateness p50 / p99 (SQLite, poll as `ketenflow run`)",
            f"{p50:.2f} s / {p99:.2f} s",
            "–",
            "p99 ≤ 2 s",
        )
    )
    burst = scale_timers.burst(url, counts["burst"])
    once = burst["fired_instances"] == counts["burst"] and burst["fired_twice"] == 0
    table.append(
        (
            f"{counts['burst']:,} timers due at once, 2 `ketenflow worker`, PostgreSQL",
            f"{burst['seconds']:.1f} s ({'each fired once' if once else 'NOT each fired once'}, "
            f"{burst['ended']:.0f} ended)",
            "–",
            "≤ 30 s",
        )
    )
    table.append(
        (
            "storage per completed instance (3 tasks, 3 recipients each), SQLite file growth",
            f"{lite.bytes_per_instance / 1024:.1f} KB",
            f"{bare_bytes / 1024:.1f} KB",
            "≤ 10 KB",
        )
    )
    table.append(
        (
            "storage per completed instance, PostgreSQL tables + indexes (after VACUUM FULL)",
            f"{pg.bytes_per_instance / 1024:.1f} KB",
            f"{bare_bytes / 1024:.1f} KB",
            "≤ 10 KB",
        )
    )
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small counts: about a minute")
    args = parser.parse_args()
    url = os.environ.get("KETENFLOW_BENCH_DATABASE_URL", DEFAULT_URL)
    counts = QUICK if args.quick else FULL
    scale_service.reset_postgres(url)
    print(machine(url))
    print(f"counts: {counts}\n")
    print("| figure | Ketenflow | bare SpiffWorkflow | target |")
    print("|---|---|---|---|")
    for row in rows(counts, url):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
