"""The gate of the case intake (DOMAIN §6): a named case reaches the overleg only with a valid consent for its
purpose and partners, or with an approved registration without consent; otherwise it closes or goes back.
A consent that is withdrawn or expires stops the overleg."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import login
from tests.processes.test_case_intake import (
    AUTHORITY,
    CHECK,
    CLOSE,
    CLOSING,
    DECISION,
    DECISION_ANSWERS,
    MINUTES,
    MINUTES_TASK,
    NO_BASIS,
    PARTICIPANTS,
    PARTICIPANTS_TASK,
    PARTNERS,
    PLAN,
    PLANNING,
    REVIEW,
    SECOND,
    WEIGHING,
    WEIGHING_ANSWERS,
    case_data,
    do,
    entry_of,
    give_consent,
    hold_overleg,
    named_case_in_planning,
    open_names,
    refuse_consent,
    register,
    task_id,
    weigh_without_consent,
    withdraw_consent,
)
from webapp.domain.clock import ManualClock
from webapp.domain.errors import FormInvalid
from webapp.services.context import ServiceContext
from webapp.services.events import list_instance_actions
from webapp.services.instances import view_instance
from webapp.services.tasks import complete_task, open_task
from webapp.services.timers import fire_due_timers

INFORM_CLIENT = "Cliënt informeren over de aanmelding"
# 16 November 2026, 09:00 in Amsterdam (CET).
INFORM_AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
NO_CONSENT_TASK_NAMES = {"Afweging vastleggen (vragen a tot en met h)"}


def _named_case_waiting_for_consent(ctx: ServiceContext) -> int:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne)
    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    return instance_id


@pytest.mark.parametrize("status", ["geweigerd", "onmogelijk"])
def test_without_consent_an_approved_registration_opens_the_overleg(ctx: ServiceContext, status: str) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = _named_case_waiting_for_consent(ctx)
    refuse_consent(ctx, sanne, instance_id, status)
    assert set(open_names(ctx, sanne, instance_id)) == NO_CONSENT_TASK_NAMES
    assert open_names(ctx, peter, instance_id) == []  # not before the weighing is approved
    weigh_without_consent(ctx, sanne, instance_id, "goedgekeurd")
    assert open_names(ctx, peter, instance_id) == [PLAN]
    assert open_names(ctx, sanne, instance_id) == []
    do(ctx, peter, instance_id, PLAN, PLANNING)
    fields = entry_of(ctx, instance_id).fields
    assert (fields["toestemming_status"], fields["registratie_zonder_toestemming"]) == (status, "goedgekeurd")


def test_with_neither_basis_the_case_closes_without_reaching_the_overleg(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = _named_case_waiting_for_consent(ctx)
    refuse_consent(ctx, sanne, instance_id)
    weigh_without_consent(ctx, sanne, instance_id, "afgewezen")
    assert open_names(ctx, sanne, instance_id) == [NO_BASIS]
    assert open_names(ctx, peter, instance_id) == []
    do(ctx, sanne, instance_id, NO_BASIS, {"vervolg_zonder_grondslag": "afsluiten"})
    assert entry_of(ctx, instance_id).status == "Niet besproken"
    do(ctx, sanne, instance_id, CLOSE, {**CLOSING, "reden_afsluiting": "geen_grondslag"})

    names = [t.name for t in view_instance(ctx, sanne, instance_id).tasks]
    assert PLAN not in names and MINUTES_TASK not in names  # the case never reached the overleg
    entry = entry_of(ctx, instance_id)
    assert (entry.status, entry.fields["reden_afsluiting"]) == ("Afgesloten", "geen_grondslag")
    assert "overleg_op" not in entry.fields


def test_going_back_narrows_the_partners_and_asks_consent_again(ctx: ServiceContext) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = _named_case_waiting_for_consent(ctx)
    refuse_consent(ctx, sanne, instance_id)
    weigh_without_consent(ctx, sanne, instance_id, "afgewezen")
    do(ctx, sanne, instance_id, NO_BASIS, {"vervolg_zonder_grondslag": "aanpassen"})

    again = open_task(ctx, sanne, task_id(ctx, sanne, instance_id, PARTICIPANTS_TASK))
    assert again.data == PARTICIPANTS  # what was entered before, to adjust
    assert entry_of(ctx, instance_id).status == "Wacht op grondslag"
    complete_task(ctx, sanne, again.task.id, {**PARTICIPANTS, "partners_overleg": ["rubicon"]})
    give_consent(ctx, sanne, instance_id, ontvangers=["rubicon"])
    do(ctx, sanne, instance_id, CHECK, {"toestemming_dekt": "ja"})
    assert open_names(ctx, peter, instance_id) == [PLAN]


def test_the_register_follows_partners_changed_on_the_way_back(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = _named_case_waiting_for_consent(ctx)
    refuse_consent(ctx, sanne, instance_id)
    weigh_without_consent(ctx, sanne, instance_id, "afgewezen")
    do(ctx, sanne, instance_id, NO_BASIS, {"vervolg_zonder_grondslag": "aanpassen"})
    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, {**PARTICIPANTS, "partners_overleg": ["rubicon"]})
    assert entry_of(ctx, instance_id).fields["partners_overleg"] == ["rubicon"]


def test_a_consent_that_does_not_cover_purpose_and_partners_does_not_open_the_overleg(
    ctx: ServiceContext,
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = _named_case_waiting_for_consent(ctx)
    give_consent(ctx, sanne, instance_id, ontvangers=["rubicon"])  # the client did not agree to MET ggz
    check = open_task(ctx, sanne, task_id(ctx, sanne, instance_id, CHECK))
    assert check.data == {}  # the person checks; nothing is answered for them
    complete_task(ctx, sanne, check.task.id, {"toestemming_dekt": "nee"})
    assert open_names(ctx, sanne, instance_id) == [NO_BASIS]
    assert open_names(ctx, peter, instance_id) == []
    entry = entry_of(ctx, instance_id)
    assert (entry.status, entry.fields["grondslag_overleg"]) == ("Wacht op grondslag", "geen")


def test_withdrawing_consent_stops_the_overleg(ctx: ServiceContext, clock: ManualClock) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = named_case_in_planning(ctx, sanne)
    hold_overleg(ctx, clock, instance_id)
    do(ctx, sanne, instance_id, MINUTES_TASK, {**MINUTES, "vervolg_overleg": "vervolgoverleg"})
    assert open_names(ctx, peter, instance_id) == [PLAN]
    assert [a.message_name for a in list_instance_actions(ctx, sanne, instance_id)] == [
        "toestemming_ingetrokken"
    ]

    withdraw_consent(ctx, sanne, instance_id)
    assert open_names(ctx, peter, instance_id) == []  # the next overleg is not planned any more
    assert open_names(ctx, sanne, instance_id) == [NO_BASIS]
    tasks = view_instance(ctx, sanne, instance_id).tasks
    assert [t.state for t in tasks if t.name == PLAN] == ["completed", "cancelled"]
    do(ctx, sanne, instance_id, NO_BASIS, {"vervolg_zonder_grondslag": "afsluiten"})
    assert open_names(ctx, sanne, instance_id) == [CLOSE]


def test_withdrawing_consent_before_the_check_cancels_the_check(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = _named_case_waiting_for_consent(ctx)
    give_consent(ctx, sanne, instance_id)
    check = task_id(ctx, sanne, instance_id, CHECK)
    withdraw_consent(ctx, sanne, instance_id)
    assert open_task(ctx, sanne, check).task.state == "cancelled"
    assert open_names(ctx, sanne, instance_id) == [NO_BASIS]


def test_an_approved_registration_informs_the_client_later_while_the_overleg_goes_ahead(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, peter = login(ctx, "hulpverlener"), login(ctx, "voorzitter")
    instance_id = _named_case_waiting_for_consent(ctx)
    refuse_consent(ctx, sanne, instance_id)
    do(ctx, sanne, instance_id, WEIGHING, WEIGHING_ANSWERS)
    decision = open_task(ctx, sanne, task_id(ctx, sanne, instance_id, DECISION))
    assert (decision.data["verstrekt_aan"], decision.data["doel_verstrekking"]) == (PARTNERS, "casusoverleg")
    do(ctx, sanne, instance_id, DECISION, DECISION_ANSWERS)
    review = {
        "toetsing": "goedgekeurd",
        "getoetst_door": "Fatima Aandachtsfunctionaris",
        "getoetst_op": "2026-11-03",
    }
    do(ctx, login(ctx, "aandacht"), instance_id, REVIEW, review)
    assert open_names(ctx, peter, instance_id) == [PLAN]

    clock.set(INFORM_AT + SECOND)  # the day chosen to inform the client, 09:00 in Amsterdam
    assert fire_due_timers(ctx) == 1
    assert open_names(ctx, sanne, instance_id) == [INFORM_CLIENT]
    informed = {"client_geinformeerd": True, "client_geinformeerd_op": "2026-11-16"}
    do(ctx, sanne, instance_id, INFORM_CLIENT, informed)
    assert open_names(ctx, sanne, instance_id) == [] and open_names(ctx, peter, instance_id) == [PLAN]
    do(ctx, peter, instance_id, PLAN, PLANNING)
    fields = entry_of(ctx, instance_id).fields
    assert (fields["grondslag_overleg"], fields["registratie_zonder_toestemming"]) == (
        "zonder_toestemming",
        "goedgekeurd",
    )


def test_a_consent_for_fewer_partners_does_not_cover_the_overleg(ctx: ServiceContext) -> None:
    """The consent procedure reports what was consented to with its signal; the check compares it."""
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne)
    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, PARTICIPANTS)
    give_consent(ctx, sanne, instance_id, ontvangers=[PARTNERS[0]])
    reported = case_data(ctx, instance_id)["toestemming_melding"]
    assert reported["toestemming_status"] == "geldig"
    with pytest.raises(FormInvalid) as refused:
        do(ctx, sanne, instance_id, CHECK, {"toestemming_dekt": "ja"})
    assert "Eis der gerichtheid (convenant art. 7 lid 1 en 5)" in refused.value.errors["toestemming_dekt"]
    assert CHECK in open_names(ctx, sanne, instance_id)


def test_the_age_for_consent_must_agree_with_the_birth_date_of_the_case(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = register(ctx, sanne)
    do(ctx, sanne, instance_id, PARTICIPANTS_TASK, {**PARTICIPANTS, "client_geboortedatum": "2012-03-15"})
    with pytest.raises(FormInvalid) as refused:
        do(ctx, sanne, instance_id, AUTHORITY, {"leeftijd": 17, "wilsbekwaam": True})
    assert refused.value.errors == {
        "leeftijd": "Convenant art. 8 (wie toestemming geeft hangt af van de leeftijd): volgens de "
        "geboortedatum in de casus (15-03-2012) is de betrokkene vandaag 14 jaar, niet 17."
    }
    assert AUTHORITY in open_names(ctx, sanne, instance_id)
