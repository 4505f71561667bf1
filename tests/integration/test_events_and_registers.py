"""Events raised on a running case, legal rules and registers, on a small diagram made for the test."""

from __future__ import annotations

import pytest

from tests.factories import home_organisation, login
from tests.proef import leeftijd_rule
from webapp.domain.errors import AccessDenied, FormInvalid, TaskNotReady
from webapp.domain.legal_rules.registry import RULES, rule
from webapp.services import events, instances, registers, tasks
from webapp.services.context import ServiceContext


def _started(ctx: ServiceContext) -> tuple[int, int]:
    sanne = login(ctx, "hulpverlener")
    started = instances.start_process(ctx, sanne, "proef", home_organisation(sanne))
    assert started.next_task_id is not None
    return started.instance_id, started.next_task_id


def test_a_legal_rule_refuses_with_its_message_and_the_task_stays_open(proef: ServiceContext) -> None:
    _, task_id = _started(proef)
    with pytest.raises(FormInvalid) as refused:
        tasks.complete_task(proef, login(proef, "hulpverlener"), task_id, {"leeftijd": 11})
    assert refused.value.errors == {"leeftijd": "Proefregel: onder 12 jaar mag dit niet."}
    assert tasks.open_task(proef, login(proef, "hulpverlener"), task_id).task.state == "open"


def test_a_register_keeps_only_its_fields_and_is_read_by_its_roles(proef: ServiceContext) -> None:
    instance_id, task_id = _started(proef)
    tasks.complete_task(proef, login(proef, "hulpverlener"), task_id, {"leeftijd": 14, "naam": "Jan Jansen"})
    view = registers.list_register(proef, login(proef, "fg"), "proef")
    (entry,) = view.entries
    assert (entry.instance_id, entry.fields, entry.closed_at) == (instance_id, {"leeftijd": 14}, None)
    assert view.columns == [("leeftijd", "Leeftijd")]
    assert registers.view_register_entry(proef, login(proef, "fg"), "proef", entry.id).fields == {
        "leeftijd": 14
    }
    with pytest.raises(AccessDenied):
        registers.list_register(proef, login(proef, "hulpverlener"), "proef")
    with pytest.raises(AccessDenied):
        registers.view_register_entry(proef, login(proef, "fg.rubicon"), "proef", entry.id)


def test_an_event_on_a_running_case_is_offered_to_the_lane_role_and_moves_the_case(
    proef: ServiceContext,
) -> None:
    instance_id, task_id = _started(proef)
    sanne = login(proef, "hulpverlener")
    assert events.list_instance_actions(proef, sanne, instance_id) == []
    tasks.complete_task(proef, sanne, task_id, {"leeftijd": 14})
    (action,) = events.list_instance_actions(proef, sanne, instance_id)
    assert (action.message_name, action.label) == ("proef_ingetrokken", "Proef ingetrokken")
    assert events.list_instance_actions(proef, login(proef, "fg"), instance_id) == []
    with pytest.raises(AccessDenied):
        events.trigger_event(proef, login(proef, "rubicon"), instance_id, "proef_ingetrokken")

    result = events.trigger_event(proef, sanne, instance_id, "proef_ingetrokken")

    assert result.next_task_id is not None
    assert tasks.open_task(proef, sanne, result.next_task_id).task.name == "Intrekking vastleggen"
    assert [t.name for t in tasks.list_inbox(proef, sanne)] == ["Intrekking vastleggen"]
    with pytest.raises(TaskNotReady):
        events.trigger_event(proef, sanne, instance_id, "proef_ingetrokken")
    tasks.complete_task(proef, sanne, result.next_task_id, {})
    (entry,) = registers.list_register(proef, login(proef, "fg"), "proef").entries
    assert entry.closed_at is not None  # the instance ended


def test_rule_ids_are_registered_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        rule("proef.dubbel")(leeftijd_rule)
        rule("proef.dubbel")(leeftijd_rule)
    RULES.pop("proef.dubbel", None)
