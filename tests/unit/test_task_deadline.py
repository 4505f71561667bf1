"""The due date a person sees on a task, from the task's dueIn/dueRule/dueFrom or dueAt properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from webapp.engine.runtime import ReadyTask
from webapp.services.projections import task_deadline

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
TASK = ReadyTask(
    task_id="t",
    bpmn_id="b",
    name="Beslissen",
    lane=None,
    form=None,
    ui_form=None,
    instructions="",
    due_in=None,
    due_rule="calendar",
    due_from=None,
    due_at_field=None,
    due_text=None,
    data={},
)


def test_no_period_means_no_due_date() -> None:
    assert task_deadline(TASK, NOW) is None


def test_a_period_from_the_legal_start_in_the_case_data() -> None:
    task = replace(TASK, due_in="P4W", due_from="ontvangen_op", data={"ontvangen_op": "2026-11-28"})
    deadline = task_deadline(task, NOW)
    assert deadline is not None
    assert deadline.due_at == datetime(2026, 12, 28, 22, 59, 59, tzinfo=UTC)
    assert deadline.rule_text == "4 weken vanaf 28-11-2026, verlengd tot de eerstvolgende werkdag"


def test_hours_name_the_minute_they_start() -> None:
    task = replace(
        TASK, due_in="PT72H", due_rule="hours", due_from="ontdekt_op", data={"ontdekt_op": "2026-11-02T14:30"}
    )
    deadline = task_deadline(task, NOW)
    assert deadline is not None
    assert deadline.due_at == datetime(2026, 11, 5, 13, 30, tzinfo=UTC)
    assert deadline.rule_text == "72 uur vanaf 02-11-2026 14:30"


def test_without_a_legal_start_the_period_runs_from_the_task() -> None:
    deadline = task_deadline(replace(TASK, due_in="P5D", due_rule="working_days"), NOW)
    assert deadline is not None
    assert deadline.rule_text == "5 werkdagen vanaf het ontstaan van de taak"


def test_a_due_date_held_by_the_case() -> None:
    task = replace(
        TASK,
        due_at_field="antwoord_uiterlijk",
        due_text="verlengde termijn (AVG art. 12 lid 3)",
        data={"antwoord_uiterlijk": "2027-02-01"},
    )
    deadline = task_deadline(task, NOW)
    assert deadline is not None
    assert deadline.due_at == datetime(2027, 2, 1, 22, 59, 59, tzinfo=UTC)
    assert deadline.rule_text == "verlengde termijn (AVG art. 12 lid 3)"
    assert task_deadline(replace(task, data={}), NOW) is None
