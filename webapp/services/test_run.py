"""Test-run a diagram from the studio on a simulated clock, before it is deployed (issue 6 item 5).

A run starts from the bundle ``check_studio`` builds for the process — the studio's edits as saved, not what
is deployed — and is refused with the check's problems when that bundle has any. It is kept as one row of its
own (``test_run_store``), so any web process serves its next step: no case, task, timer job, notification,
register or mail is made, and nothing is audited as a case. Each step takes the run under its row lock and
saves it in the same transaction. Forms are checked with the same Dutch messages and legal rules as real
tasks; each task is completed by another simulated person, so a four-eyes rule does not stop a rehearsal
played by one. Due dates are computed like those of real tasks, at the simulated moment the task opens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.domain.access import Actor
from webapp.domain.audit import Action
from webapp.domain.clock import ManualClock, as_utc
from webapp.domain.deadlines import AMSTERDAM
from webapp.domain.errors import NotFound, ProcessError
from webapp.domain.legal_rules.registry import CONTEXT_ACTOR, CONTEXT_COMPLETED_BY, CONTEXT_NOW
from webapp.domain.messages import N_, Message
from webapp.domain.roles import DEFAULT_TASK_ROLE, role_for_lane
from webapp.engine.catalogue import Bundle, CheckReport
from webapp.engine.progress import outline, progress
from webapp.engine.runtime import LoadedWorkflow
from webapp.services.context import Origin, ServiceContext, audit
from webapp.services.projections import task_deadline
from webapp.services.studio_sources import check_studio, ensure_studio
from webapp.services.tasks import _validate, _with_emptied_fields, fields_of
from webapp.services.test_run_store import (
    LogLine,
    PathStep,
    RunStore,
    StoredRun,
    TaskDue,
    TestRun,
    TestRunPlan,
    TestRunRefused,
    TestRunView,
    TestTask,
    TestTimer,
)

RUNS = RunStore()  # the limits only: the runs themselves are rows of studio_test_run
START_DATA = {"zaak_referentie": "KF-TESTRUN"}
# SpiffWorkflow fires a timer only after its instant (see services/timers.py): move just past it.
PAST_THE_MOMENT = timedelta(seconds=1)


def plan_test_run(ctx: ServiceContext, actor: Actor, name: str) -> TestRunPlan:
    """The process behind a diagram name and the check's problems with it (empty: it can be test-run)."""
    return _plan(check_studio(ctx, actor), name)[0]


def start_test_run(
    ctx: ServiceContext, actor: Actor, name: str, start_at: datetime, origin: Origin | None = None
) -> TestRun:
    """Start a run of the studio's version of ``name`` at the simulated moment ``start_at``."""
    return _start(ctx, actor, name, start_at, origin)


def _start(
    ctx: ServiceContext,
    actor: Actor,
    name: str,
    start_at: datetime,
    origin: Origin | None,
    replacing: str | None = None,
) -> TestRun:
    plan, bundle = _plan(check_studio(ctx, actor), name)
    if plan.problems or bundle is None:
        raise TestRunRefused(N_("Dit diagram heeft problemen; los ze op voordat u het test."), plan.problems)
    process_id, file = plan.process_id, plan.file
    moment = as_utc(start_at)
    run = StoredRun(
        run_id=RunStore.new_id(),
        owner_id=actor.user_id,
        process_id=process_id,
        process_name=bundle.name,
        bundle=bundle,
        own_file=next(iter(bundle.bpmn)),
        started_at=moment,
        now=moment,
    )
    clock = ManualClock(moment)
    run.log.append(LogLine(moment, Message("Testrun van ‘{name}’ begonnen.", name=bundle.name)))
    try:
        loaded = ctx.runtime.start(bundle.sha256, process_id, bundle.bpmn, bundle.dmn, clock, START_DATA)
    except ProcessError as error:
        raise TestRunRefused(
            Message("De procedure liep bij de start vast: {error}", error=str(error))
        ) from None
    _record(ctx, run, loaded, clock)
    with ctx.db.write() as session:
        RUNS.add(session, run, ctx.clock.now(), replacing=replacing)
        # Who rehearsed which diagram; no case, so no client key or instance.
        audit(
            session,
            ctx,
            "studio.test_run_started",
            Action.CREATE,
            actor_id=actor.user_id,
            origin=origin,
            object_type="studio",
            object_id=file[:60],
        )
    return TestRun(run.run_id, process_id, bundle.name, moment)


def complete(
    ctx: ServiceContext,
    actor: Actor,
    run_id: str,
    task_id: str,
    data: Mapping[str, Any],
    *,
    emptied: Iterable[str] = (),
) -> None:
    """Complete an open task of the run with ``data``: FormInvalid (Dutch messages) when the form or a legal
    rule refuses it, as for a real task; the run stays as it was then."""
    with _using(ctx, actor, run_id) as run:
        loaded = ctx.runtime.load(run.serialized, run.bundle)
        clock = ManualClock(run.now)
        task = next((t for t in ctx.runtime.ready_tasks(loaded) if t.task_id == task_id), None)
        if task is None:
            raise NotFound(N_("Deze taak staat in deze testrun niet (meer) open."))
        properties = ctx.runtime.task_properties(loaded, task_id)
        schema = _form(run, task.form)
        before = ctx.runtime.task_data(loaded, task_id)
        person = -(len(run.completions) + 1)  # a simulated person per task, never a real account
        context = {
            CONTEXT_ACTOR: person,
            CONTEXT_COMPLETED_BY: dict(run.completions),
            CONTEXT_NOW: run.now.isoformat(),
        }
        _validate(schema, properties, data, {**before, **context})
        answers = _with_emptied_fields(schema, data, set(emptied), before)
        try:
            ctx.runtime.complete_task(loaded, task_id, answers, clock)
        except ProcessError as error:
            run.log.append(LogLine(run.now, _stuck(error)))  # kept: the store saves the run on a refusal
            raise
        run.completions[task.bpmn_id] = person
        run.log.append(LogLine(run.now, Message("Taak ‘{name}’ afgerond.", name=task.name)))
        run.open_tasks.pop(task_id, None)
        _record(ctx, run, loaded, clock)


def advance_to_next_timer(ctx: ServiceContext, actor: Actor, run_id: str) -> datetime:
    """Move the simulated clock just past the next waiting timer and let it fire; returns the new moment."""
    with _using(ctx, actor, run_id) as run:
        loaded = ctx.runtime.load(run.serialized, run.bundle)
        due = ctx.runtime.next_due(loaded)
        if due is None:
            raise TestRunRefused(N_("Er wacht geen termijn: de klok kan niet verder."))
        moment = max(run.now, _plain(due) + PAST_THE_MOMENT)
        clock = ManualClock(moment)
        waiting = progress(loaded).timers
        try:
            ctx.runtime.fire_due_timers(loaded, clock)
        except ProcessError as error:
            run.log.append(LogLine(moment, _stuck(error)))
            raise
        run.now = moment
        run.log.append(LogLine(moment, Message("De klok is verzet naar {moment}.", moment=_shown(moment))))
        done = {step.element.task_id for step in progress(loaded).done}
        for timer in waiting:
            if timer.element.task_id in done:
                name = timer.element.name
                run.log.append(LogLine(moment, Message("Tijdgebeurtenis ‘{name}’ is afgegaan.", name=name)))
        _record(ctx, run, loaded, clock)
        return moment


def restart(ctx: ServiceContext, actor: Actor, run_id: str, origin: Origin | None = None) -> TestRun:
    """Begin again at the same simulated start, on the studio's sources as they are now."""
    run = _snapshot(ctx, actor, run_id)
    return _start(ctx, actor, run.process_id, run.started_at, origin, replacing=run.run_id)


def view(ctx: ServiceContext, actor: Actor, run_id: str) -> TestRunView:
    run = _snapshot(ctx, actor, run_id)
    loaded = ctx.runtime.load(run.serialized, run.bundle)
    tasks = [_test_task(run, t) for t in ctx.runtime.ready_tasks(loaded)]
    timers = [
        TestTimer(t.element.bpmn_id, t.element.name, t.due_at, t.element.file == run.own_file)
        for t in progress(loaded).timers
    ]
    own = [step for step in run.path if step.file == run.own_file]
    # The flows the run took, and those into its open tasks (from an element it passed).
    taken = [(step.came_from, step.bpmn_id) for step in own if step.came_from]
    taken += [(step.bpmn_id, task.bpmn_id) for task in tasks for step in own]
    return TestRunView(
        run_id=run.run_id,
        process_id=run.process_id,
        name=run.process_name,
        started_at=run.started_at,
        now=run.now,
        path=list(run.path),
        tasks=tasks,
        timers=timers,
        log=list(run.log),
        ended=run.ended,
        own_file=run.own_file,
        flows_done=outline(run.bundle.bpmn[run.own_file]).flows_on(taken),
    )


def diagram_xml(ctx: ServiceContext, actor: Actor, run_id: str) -> str:
    """The process's own diagram as the run uses it."""
    run = _snapshot(ctx, actor, run_id)
    return str(next(iter(run.bundle.bpmn.values())))


def example_data(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """Example answers from the schema: a field's first ``examples`` value, else its ``default``."""
    found: dict[str, Any] = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        examples = prop.get("examples")
        if isinstance(examples, list) and examples:
            found[name] = examples[0]
        elif "default" in prop:
            found[name] = prop["default"]
    return found


# --- inside ------------------------------------------------------------------------------------------------


def _plan(report: CheckReport, name: str) -> tuple[TestRunPlan, Bundle | None]:
    process_id, file = _names(name)
    bundle = next((b for b in report.bundles if b.process_id == process_id), None)
    files = {file} | (set(bundle.bpmn) | set(bundle.dmn) | set(bundle.forms) if bundle else set())
    problems = [p for p in report.problems if p.file in files]
    if bundle is None and not problems:
        raise NotFound(N_("Dit diagram bestaat niet in de studio."))
    return TestRunPlan(process_id, file, bundle.name if bundle else process_id, problems), bundle


def _names(name: str) -> tuple[str, str]:
    """A diagram is named by its process id or its file name; both lead to the same process."""
    process_id = name[: -len(".bpmn")] if name.endswith(".bpmn") else name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,190}", process_id):
        raise NotFound(N_("Dit diagram bestaat niet in de studio."))
    return process_id, process_id + ".bpmn"


def _using(ctx: ServiceContext, actor: Actor, run_id: str) -> AbstractContextManager[StoredRun]:
    """The actor's run under its row lock, saved when the block ends (see RunStore.using)."""
    # Before the run's transaction: a refusal is audited in a transaction of its own.
    ensure_studio(ctx, actor, "studio.test_run")
    return RUNS.using(ctx.db, run_id, actor.user_id, ctx.clock.now())


def _snapshot(ctx: ServiceContext, actor: Actor, run_id: str) -> StoredRun:
    """The run as last saved, marked as used; reading it further needs no lock, as it is a copy."""
    with _using(ctx, actor, run_id) as run:
        return run


def _form(run: StoredRun, filename: str | None) -> dict[str, Any] | None:
    schema = run.bundle.forms.get(filename) if filename else None
    return schema if isinstance(schema, dict) else None


def _record(ctx: ServiceContext, run: StoredRun, loaded: LoadedWorkflow, clock: ManualClock) -> None:
    """After an engine step at the run's moment: the new steps on the path, the tasks opened and dropped."""
    now = clock.now()
    for step in progress(loaded).done:
        element = step.element
        if element.task_id not in run.done_ids:
            run.done_ids.add(element.task_id)
            run.path.append(PathStep(element.bpmn_id, element.name, now, element.file, step.came_from))
    ready = {task.task_id: task for task in ctx.runtime.ready_tasks(loaded)}
    for task_id in [t for t in run.open_tasks if t not in ready]:
        gone = run.open_tasks.pop(task_id)
        run.log.append(
            LogLine(
                now,
                Message("Taak ‘{name}’ is vervallen: de procedure ging verder zonder haar.", name=gone.name),
            )
        )
    for task_id, task in ready.items():
        if task_id in run.open_tasks:
            continue
        deadline = task_deadline(task, now)
        due = TaskDue(
            task.name, now, deadline.due_at if deadline else None, deadline.rule_text if deadline else None
        )
        run.open_tasks[task_id] = due
        run.log.append(
            LogLine(now, Message("Taak ‘{name}’ staat open.", name=task.name), due.due_at, due.due_rule)
        )
    if ctx.runtime.is_completed(loaded) and not run.ended:
        run.ended = True
        run.log.append(LogLine(now, N_("De procedure is afgelopen.")))
    run.serialized = ctx.runtime.dump(loaded)


def _test_task(run: StoredRun, task: Any) -> TestTask:
    schema = _form(run, task.form)
    due = run.open_tasks.get(task.task_id) or TaskDue(task.name, run.now, None, None)
    data = {**example_data(schema), **fields_of(schema, task.data)} if schema else {}
    return TestTask(
        task_id=task.task_id,
        bpmn_id=task.bpmn_id,
        name=task.name,
        lane=task.lane,
        role=(role_for_lane(task.lane) or DEFAULT_TASK_ROLE).value,
        instructions=task.instructions,
        form=task.form,
        schema=schema,
        uischema=_form(run, task.ui_form),
        data=data,
        created_at=due.created_at,
        due_at=due.due_at,
        due_rule=due.due_rule,
    )


def _plain(instant: datetime) -> datetime:
    """A plain UTC datetime: SpiffWorkflow builds timer moments with the clock seam's datetime subclass."""
    return datetime.fromtimestamp(instant.timestamp(), tz=UTC)


def _stuck(error: ProcessError) -> str:
    return Message("Fout, de testrun is niet verder gegaan: {error}", error=str(error))


def _shown(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
