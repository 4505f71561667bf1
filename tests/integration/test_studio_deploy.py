"""The studio's check, deploy, versions and diff over the studio's sources (issue 6 items 1, 3 and 4).

On SQLite and PostgreSQL: a process owner edits the demo in the studio, checks it, deploys it as version 2;
an instance started on version 1 keeps running on version 1 (its later tasks come from version 1) and
completes; a new instance starts on version 2. A diagram with a problem deploys nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login
from webapp.config import PROJECT_ROOT
from webapp.domain.access import Actor
from webapp.domain.errors import AccessDenied, FormInvalid, NotFound
from webapp.persistence.models import AuditEvent, ProcessDefinition, ProcessInstance
from webapp.services import instances, tasks
from webapp.services.context import Origin, ServiceContext
from webapp.services.studio_deploy import bundle_files, check_diagram, check_everything, deploy_process
from webapp.services.studio_sources import save_source
from webapp.services.studio_versions import ProcessSummary, compare_versions, list_processes, process_summary

DEMO = "demo_subject_request"
FILE = f"{DEMO}.bpmn"
INTAKE = {"ontvangen_op": "2026-11-02", "recht": "inzage", "kanaal": "e-mail", "omschrijving": "Dossier"}
ALLOW = {"identiteit_vastgesteld": True, "besluit": "toewijzen"}
ORIGIN = Origin("192.0.2.7", "web")


def demo_xml() -> str:
    return (PROJECT_ROOT / "processes" / FILE).read_text(encoding="utf-8")


def edited_demo() -> str:
    """Version 2: two user tasks renamed (the first and the one after it)."""
    return (
        demo_xml()
        .replace("Verzoek registreren", "Verzoek vastleggen")
        .replace('name="Identiteit controleren en beslissen"', 'name="Beslissen op het verzoek"')
    )


def broken_demo() -> str:
    return demo_xml().replace('before="P7D"', 'before="P7D" +')


def demo_summary(ctx: ServiceContext, owner: Actor) -> ProcessSummary:
    return next(p for p in list_processes(ctx, owner) if p.process_id == DEMO)


def audit_events(ctx: ServiceContext, event: str) -> list[Any]:
    """(result, actor, object id, origin) of the audit lines whose event starts with ``event``."""
    columns = (AuditEvent.result, AuditEvent.actor_id, AuditEvent.object_id, AuditEvent.origin)
    with ctx.db.read() as session:
        query = select(*columns).where(AuditEvent.event.startswith(event)).order_by(AuditEvent.id)
        return list(session.execute(query).all())


def start(ctx: ServiceContext, actor: Actor) -> tuple[int, int]:
    started = instances.start_process(ctx, actor, DEMO, home_organisation(actor))
    assert started.next_task_id is not None
    return started.instance_id, started.next_task_id


def task_name(ctx: ServiceContext, actor: Actor, task_id: int) -> str:
    return tasks.open_task(ctx, actor, task_id).task.name


def test_an_old_instance_stays_on_its_version_and_completes_while_new_ones_start_on_the_new(
    any_ctx: ServiceContext,
) -> None:
    ctx = any_ctx
    owner, sanne = login(ctx, "procesbeheer"), login(ctx, "hulpverlener")
    old_instance, old_task = start(ctx, sanne)
    assert demo_summary(ctx, owner).active.counts == {"running": 1, "waiting": 0, "error": 0}  # type: ignore[union-attr]

    save_source(ctx, owner, FILE, edited_demo())
    assert demo_summary(ctx, owner).pending == [FILE]  # edited in the studio, not deployed yet
    assert check_diagram(ctx, owner, FILE, edited_demo()) == []
    outcome = deploy_process(ctx, owner, DEMO, ORIGIN)
    assert (outcome.version, outcome.created, outcome.problems) == (2, True, [])

    # the old instance goes on with version 1's tasks, to its end
    assert task_name(ctx, sanne, old_task) == "Verzoek registreren"
    decide = tasks.complete_task(ctx, sanne, old_task, INTAKE).next_task_id
    assert decide is not None and task_name(ctx, sanne, decide) == "Identiteit controleren en beslissen"
    answer = tasks.complete_task(ctx, sanne, decide, ALLOW).next_task_id
    assert answer is not None
    assert tasks.complete_task(ctx, sanne, answer, {"verzonden_op": "2026-11-06"}).instance_completed

    # a new instance takes version 2
    new_instance, new_task = start(ctx, sanne)
    assert task_name(ctx, sanne, new_task) == "Verzoek vastleggen"
    decide = tasks.complete_task(ctx, sanne, new_task, INTAKE).next_task_id
    assert decide is not None and task_name(ctx, sanne, decide) == "Beslissen op het verzoek"
    with ctx.db.read() as session:
        versions = dict(
            session.execute(
                select(ProcessInstance.id, ProcessDefinition.version).join(
                    ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id
                )
            ).all()
        )
    assert versions == {old_instance: 1, new_instance: 2}

    summary = demo_summary(ctx, owner)
    assert [(v.version, v.active) for v in summary.versions] == [(2, True), (1, False)]
    assert [v.deployed_by for v in summary.versions] == ["Omar Procesbeheerder", None]
    assert [v.total for v in summary.versions] == [1, 0]  # the old one completed; the new one runs
    assert summary.total == 1 and summary.pending == []
    assert summary.versions[0].forms == summary.versions[1].forms
    assert "demo_request_intake.schema.json" in summary.versions[0].forms
    assert not any(f.endswith(".uischema.json") for f in summary.versions[0].forms)
    assert audit_events(ctx, "process.deployed")[-1] == (
        "success",
        owner.user_id,
        f"{DEMO}:2",
        "web:192.0.2.7",
    )


def test_the_list_counts_the_instances_of_each_version_by_state(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    owner, sanne = login(ctx, "procesbeheer"), login(ctx, "hulpverlener")
    started = [start(ctx, sanne)[0] for _ in range(5)]
    states = dict(zip(started, ["running", "waiting", "waiting", "error", "completed"], strict=True))
    with ctx.db.write() as session:  # the states a timer, a failing script and an end would leave
        for instance in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(started))):
            instance.status = states[instance.id]
    active = demo_summary(ctx, owner).active
    assert active is not None
    assert (active.counts, active.total) == ({"running": 1, "waiting": 2, "error": 1}, 4)


def test_deploying_again_without_changes_makes_no_new_version(any_ctx: ServiceContext) -> None:
    owner = login(any_ctx, "procesbeheer")
    outcome = deploy_process(any_ctx, owner, FILE)
    assert (outcome.version, outcome.created, outcome.problems) == (1, False, [])
    assert [v.version for v in demo_summary(any_ctx, owner).versions] == [1]


def test_a_diagram_with_a_problem_deploys_nothing_and_says_where(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    owner = login(ctx, "procesbeheer")
    save_source(ctx, owner, FILE, broken_demo())

    outcome = deploy_process(ctx, owner, DEMO, ORIGIN)

    assert outcome.version is None and not outcome.created
    (problem,) = outcome.problems
    assert (problem.file, problem.element) == (FILE, "timer_reminder")
    assert "geen geldige expressie" in problem.message
    with ctx.db.read() as session:
        assert session.execute(
            select(ProcessDefinition.version).where(ProcessDefinition.process_id == DEMO)
        ).all() == [(1,)]
    assert audit_events(ctx, "studio.deploy_refused") == [("error", owner.user_id, DEMO, "web:192.0.2.7")]
    assert demo_summary(ctx, owner).pending == [FILE]


def test_the_check_answers_for_the_diagrams_bundle_only_with_the_xml_sent(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    owner = login(ctx, "procesbeheer")
    # another diagram of the studio is broken: its problem is not this diagram's problem
    save_source(ctx, owner, "consent.bpmn", "<niet-af")
    assert check_diagram(ctx, owner, DEMO, demo_xml()) == []
    (problem,) = check_diagram(ctx, owner, DEMO, broken_demo())
    assert (problem.file, problem.element) == (FILE, "timer_reminder")
    (problem,) = check_diagram(ctx, owner, DEMO, "<bpmn:definitions")
    assert (problem.file, problem.element) == (FILE, None)
    assert "geen geldige of veilige XML" in problem.message
    # the intake calls the consent procedure: its bundle has the broken file's problems
    intake = (PROJECT_ROOT / "processes" / "case_intake.bpmn").read_text(encoding="utf-8")
    problems = check_diagram(ctx, owner, "case_intake", intake)
    assert {p.file for p in problems} == {"consent.bpmn", "case_intake.bpmn"}
    assert any("'consent' bestaat niet" in p.message for p in problems)
    # nothing was saved by checking, and the full check lists every problem
    assert {p.file for p in check_everything(ctx, owner).problems} == {"consent.bpmn", "case_intake.bpmn"}
    assert demo_summary(ctx, owner).pending == []


def test_the_bundle_of_a_diagram_holds_what_it_calls_and_uses(any_ctx: ServiceContext) -> None:
    files = {p.name: p.read_bytes() for p in (PROJECT_ROOT / "processes").iterdir()}
    related = bundle_files(files, "case_intake.bpmn")
    assert {"case_intake.bpmn", "case_registration.schema.json"} <= related
    with any_ctx.db.read() as session:
        bundled = session.scalar(
            select(ProcessDefinition.bpmn).where(ProcessDefinition.process_id == "case_intake")
        )
    assert set(bundled) <= related  # every file the catalogue bundles counts as the diagram's own


def test_a_draft_only_in_the_studio_is_listed_and_deploys_as_version_1(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    owner = login(ctx, "procesbeheer")
    draft = (
        demo_xml()
        .replace(f'id="{DEMO}"', 'id="demo_copy"')
        .replace(f'processRef="{DEMO}"', 'processRef="demo_copy"')
        .replace('name="Verzoek van betrokkene (demo)" isExecutable', 'name="Kopie van de demo" isExecutable')
    )
    save_source(ctx, owner, "demo_copy.bpmn", draft)
    summary = process_summary(ctx, owner, "demo_copy")
    assert (summary.name, summary.versions, summary.in_studio) == ("Kopie van de demo", [], True)
    assert deploy_process(ctx, owner, "demo_copy").version == 1
    assert [v.version for v in process_summary(ctx, owner, "demo_copy").versions] == [1]


def test_the_diff_between_two_deployed_versions(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    owner = login(ctx, "procesbeheer")
    save_source(ctx, owner, FILE, edited_demo())
    deploy_process(ctx, owner, DEMO)

    comparison = compare_versions(ctx, owner, DEMO)  # default: the previous version to the active one
    assert (comparison.old, comparison.new, comparison.versions) == (1, 2, [1, 2])
    changed = {e.id: {c.key: (c.old, c.new) for c in e.changes} for e in comparison.diff.changed}
    assert changed == {
        "register_request": {"name": ("Verzoek registreren", "Verzoek vastleggen")},
        "decide_request": {"name": ("Identiteit controleren en beslissen", "Beslissen op het verzoek")},
    }
    assert comparison.diff.added == comparison.diff.removed == [] and comparison.files == []
    backwards = compare_versions(ctx, owner, DEMO, 2, 1)
    assert {e.id for e in backwards.diff.changed} == {"register_request", "decide_request"}
    only_one = compare_versions(ctx, owner, "case_intake")
    assert (only_one.old, only_one.new) == (None, 1) and only_one.diff.empty
    for bad in ((DEMO, 7, None), (DEMO, None, 3), ("bestaat_niet", None, None)):
        with pytest.raises(NotFound):
            compare_versions(ctx, owner, bad[0], bad[1], bad[2])


@pytest.mark.parametrize("username", ["hulpverlener", "fg", "manager", "voorzitter"])
def test_only_process_owners_and_administrators_use_the_studio(
    any_ctx: ServiceContext, username: str
) -> None:
    ctx = any_ctx
    person = login(ctx, username)
    calls: list[Any] = [
        lambda: list_processes(ctx, person),
        lambda: process_summary(ctx, person, DEMO),
        lambda: check_diagram(ctx, person, DEMO, demo_xml()),
        lambda: check_everything(ctx, person),
        lambda: deploy_process(ctx, person, DEMO),
        lambda: compare_versions(ctx, person, DEMO),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    denials = [line for line in audit_events(ctx, "studio.") if line[0] == "denied"]
    assert len(denials) == len(calls) and {line[1] for line in denials} == {person.user_id}
    admin = login(ctx, "beheerder")
    assert demo_summary(ctx, admin).active is not None


def test_the_check_refuses_no_xml_or_a_name_that_is_no_diagram(any_ctx: ServiceContext) -> None:
    owner = login(any_ctx, "procesbeheer")
    for xml in (None, "", "   ", 42):
        with pytest.raises(FormInvalid):
            check_diagram(any_ctx, owner, DEMO, xml)
    for name in ("../etc/passwd", "", "x" * 300, "a/b", "naam met spatie", ".verborgen"):
        with pytest.raises(NotFound):
            check_diagram(any_ctx, owner, name, demo_xml())
    with pytest.raises(NotFound):
        deploy_process(any_ctx, owner, "bestaat_niet")
