"""Studio test-runs kept in the database (issue 8, several web processes): any process serves any step of a
run, two clicks on one run never interleave, the limits hold across processes, and the run's state is
encrypted at rest like case data. A "process" here is a ServiceContext with a Database object (connection
pool) and a workflow runtime of its own, on the same SQLite file or PostgreSQL database.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from tests.factories import login, make_context
from tests.integration.test_studio_test_run import DEMO, RECEIVED_ON_SATURDAY, START
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import NotFound
from webapp.domain.messages import Message
from webapp.persistence.crypto import DEVELOPMENT_DATA_KEYS, DataKeyring
from webapp.persistence.db import Database
from webapp.persistence.key_rotation import encrypted_columns, rotate_keys
from webapp.persistence.models import Base, StudioTestRun
from webapp.services import test_run as runs
from webapp.services.context import ServiceContext
from webapp.services.test_run_store import IDLE, RunStore
from webapp.services.translation import translate

PERSONAL = "Inzage gevraagd door Quirijntje Zwanepoel"
NEW_KEYS = "k2:" + base64.b64encode(bytes(range(7, 39))).decode()


@pytest.fixture
def other_process(any_ctx: ServiceContext, clock: ManualClock) -> Iterator[ServiceContext]:
    """A second web process on the same database."""
    database = Database(any_ctx.db.url)
    yield make_context(database, clock)
    database.dispose()


def _raw_state(database: Database, run_id: str) -> str:
    """The state column as stored, read with plain SQL."""
    with database.engine.connect() as connection:
        query = text("SELECT state FROM studio_test_run WHERE run_id = :run_id")
        return str(connection.execute(query, {"run_id": run_id}).scalar_one())


def test_two_processes_see_and_continue_the_same_run(
    any_ctx: ServiceContext, other_process: ServiceContext
) -> None:
    first, second = any_ctx, other_process
    owner = login(first, "procesbeheer")
    run = runs.start_test_run(first, owner, DEMO, START)

    seen = runs.view(second, owner, run.run_id)
    assert seen == runs.view(first, owner, run.run_id)
    intake = seen.tasks[0]
    assert intake.bpmn_id == "register_request"
    stored = _raw_state(first.db, run.run_id)
    runs.view(second, owner, run.run_id)
    assert _raw_state(first.db, run.run_id) == stored  # looking changes nothing: the state is not rewritten

    runs.complete(second, owner, run.run_id, intake.task_id, RECEIVED_ON_SATURDAY)
    assert _raw_state(first.db, run.run_id) != stored
    assert [t.bpmn_id for t in runs.view(first, owner, run.run_id).tasks] == ["decide_request"]
    moment = runs.advance_to_next_timer(first, owner, run.run_id)
    view = runs.view(second, owner, run.run_id)
    assert view.now == moment and view.path[-1].bpmn_id == "end_reminder_sent"
    assert runs.diagram_xml(second, owner, run.run_id).startswith("<?xml")

    # The log keeps its messages' templates through the database: still read in the reader's language.
    started = view.log[0].text
    assert isinstance(started, Message) and started.template == "Testrun van ‘{name}’ begonnen."
    assert translate(started, "en") == "Test run of ‘Verzoek van betrokkene (demo)’ started."

    again = runs.restart(second, owner, run.run_id)
    assert [t.bpmn_id for t in runs.view(first, owner, again.run_id).tasks] == ["register_request"]
    with pytest.raises(NotFound, match="bestaat niet"):
        runs.view(first, owner, run.run_id)
    assert RunStore().count(first.db) == 1  # begun again: the old run made way in the same transaction


def _wait_until_waiting_on_a_lock(database: Database, count: int) -> None:
    """PostgreSQL: until ``count`` connections wait for a row lock (the server shows it)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            if connection.execute(query).scalar_one() >= count:
                return
        time.sleep(0.02)
    pytest.fail(f"{count} requests should wait for the run's row lock")


def test_two_clicks_on_the_same_run_in_two_processes_do_not_interleave(
    any_ctx: ServiceContext, other_process: ServiceContext, clock: ManualClock
) -> None:
    """Both processes complete the same task while a third holds the run; on PostgreSQL both are seen
    waiting for its row lock (SQLite serialises the write transactions themselves). Then one completes it
    and the other finds it done, instead of both acting on the same state."""
    owner = login(any_ctx, "procesbeheer")
    run = runs.start_test_run(any_ctx, owner, DEMO, START)
    task_id = runs.view(any_ctx, owner, run.run_id).tasks[0].task_id
    outcomes: list[object] = []

    def click(ctx: ServiceContext) -> None:
        try:
            runs.complete(ctx, owner, run.run_id, task_id, RECEIVED_ON_SATURDAY)
            outcomes.append("afgerond")
        except Exception as error:  # every outcome is asserted below, a raw database error too
            outcomes.append(error)

    holder = Database(any_ctx.db.url)
    try:
        with runs.RUNS.using(holder, run.run_id, owner.user_id, clock.now()):
            clicks = [threading.Thread(target=click, args=(ctx,)) for ctx in (any_ctx, other_process)]
            for thread in clicks:
                thread.start()
            if holder.is_postgres:
                _wait_until_waiting_on_a_lock(holder, 2)
    finally:
        holder.dispose()
    for thread in clicks:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a click hangs (deadlock?)"

    assert outcomes.count("afgerond") == 1, outcomes
    refused = next(o for o in outcomes if o != "afgerond")
    assert isinstance(refused, NotFound) and "niet (meer) open" in str(refused)
    view = runs.view(any_ctx, owner, run.run_id)
    assert [line.text for line in view.log].count("Taak ‘Verzoek registreren’ afgerond.") == 1
    assert [step.bpmn_id for step in view.path] == ["start_request_received", "register_request"]


def test_the_limits_hold_for_all_processes_and_the_least_recently_used_go_first(
    any_ctx: ServiceContext,
    other_process: ServiceContext,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runs, "RUNS", RunStore(per_person=2, limit=3))
    owner, admin = login(any_ctx, "procesbeheer"), login(any_ctx, "beheerder")

    def start(ctx: ServiceContext, actor: Actor) -> str:
        clock.advance(timedelta(minutes=1))
        return runs.start_test_run(ctx, actor, DEMO, START).run_id

    def exists(run_id: str, actor: Actor) -> bool:
        try:
            runs.view(other_process, actor, run_id)
        except NotFound:
            return False
        return True

    first, second = start(any_ctx, owner), start(other_process, owner)
    clock.advance(timedelta(minutes=1))
    assert exists(first, owner)  # used again: now the second is the least recently used
    third = start(any_ctx, owner)  # a person keeps two here (five by default)
    assert (exists(first, owner), exists(second, owner), exists(third, owner)) == (True, False, True)

    theirs = start(other_process, admin)
    assert runs.RUNS.count(any_ctx.db) == 3
    clock.advance(timedelta(minutes=1))
    assert exists(theirs, admin) and exists(third, owner)
    start(any_ctx, admin)  # the limit of all runs together: the least recently used goes
    assert runs.RUNS.count(any_ctx.db) == 3 and not exists(first, owner)

    clock.advance(IDLE + timedelta(minutes=1))
    start(other_process, owner)  # whatever idled longer than two hours goes with any addition
    assert runs.RUNS.count(any_ctx.db) == 1


def _file_bytes(database: Database) -> str:
    path = Path(make_url(database.url).database or "")
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists()).decode("latin-1")


def test_the_run_is_encrypted_at_rest_and_a_key_rotation_keeps_it_readable(
    any_ctx: ServiceContext, clock: ManualClock
) -> None:
    owner = login(any_ctx, "procesbeheer")
    run = runs.start_test_run(any_ctx, owner, DEMO, START)
    intake = runs.view(any_ctx, owner, run.run_id).tasks[0]
    runs.complete(
        any_ctx, owner, run.run_id, intake.task_id, {**RECEIVED_ON_SATURDAY, "omschrijving": PERSONAL}
    )

    stored = _raw_state(any_ctx.db, run.run_id)
    assert stored.startswith("kfz:dev:")  # compressed, then sealed, like a case's serialization
    surname = PERSONAL.split()[-1]
    assert surname not in stored
    if not any_ctx.db.is_postgres:
        assert surname not in _file_bytes(any_ctx.db)

    # The key-rotation command finds the column by its type and moves it to the new key.
    column = next(c for c in encrypted_columns(Base.metadata) if c.table == "studio_test_run")
    assert column.context == "studio_test_run.state"
    both = Database(any_ctx.db.url, keyring=DataKeyring.from_setting(f"{NEW_KEYS},{DEVELOPMENT_DATA_KEYS}"))
    only_new = Database(any_ctx.db.url, keyring=DataKeyring.from_setting(NEW_KEYS))
    try:
        assert [(done.rotated, done.sealed) for done in rotate_keys(both, [column])] == [(1, 0)]
        assert _raw_state(any_ctx.db, run.run_id).startswith("kfz:k2:")
        with only_new.read() as session:
            assert PERSONAL in session.execute(select(StudioTestRun.state)).scalar_one()
        view = runs.view(make_context(only_new, clock), owner, run.run_id)
        assert [t.bpmn_id for t in view.tasks] == ["decide_request"]
    finally:
        both.dispose()
        only_new.dispose()
