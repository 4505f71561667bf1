"""Scenario tests for consent (processes/consent.bpmn with the decision table who_must_consent.dmn).

Users drive the services; time moves only through the ManualClock and timers fire through fire_due_timers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import home_organisation, login
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied, FormInvalid, TaskNotReady
from webapp.persistence.models import ProcessInstance
from webapp.services.context import ServiceContext
from webapp.services.events import list_instance_actions, trigger_event
from webapp.services.instances import start_process, view_instance
from webapp.services.registers import list_register
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers

PROCESS = "consent"
SECOND = timedelta(seconds=1)
ADULT = {"leeftijd": 17, "wilsbekwaam": True}
THIRTEEN = {
    "leeftijd": 13,
    "wilsbekwaam": True,
    "gezag": "gezamenlijk",
    "gezag_bron": "gezagsregister",
    "gezag_gecontroleerd_op": "2026-11-02",
}
REQUEST = {"gevraagd_op": "2026-11-02", "informatietekst_versie": "2026-01", "gewezen_op_intrekken": True}
GIVEN = {
    "toestemming_antwoord": "gegeven",
    "beantwoord_op": "2026-11-04",
    "doel": "casusoverleg",
    "gegevenscategorieen": ["identificatie", "gezin"],
    "ontvangers": ["rubicon", "met-ggz"],
    "geldig_tot": "2027-05-31",
    "methode": "schriftelijk",
}
CLIENT, MINOR = {"rol": "betrokkene", "naam": "Sam Jansen"}, {"rol": "betrokkene", "naam": "Noah de Vries"}
MOTHER, FATHER = (
    {"rol": "ouder_met_gezag", "naam": "Eva de Vries"},
    {"rol": "ouder_met_gezag", "naam": "Bas de Vries"},
)
RECORD = "Antwoord op het toestemmingsverzoek vastleggen"
# Asked on Monday 2 November 2026: the reminder is due at the end of Monday 9 November (CET).
REMINDER = datetime(2026, 11, 9, 22, 59, 59, tzinfo=UTC)
# Valid through 31 May 2027: the consent ends at midnight, 1 June 00:00 CEST.
EXPIRY = datetime(2027, 5, 31, 22, 0, tzinfo=UTC)
DOUBLE = (
    "Dubbele toestemming (convenant art. 8; art. 7:450 lid 2 BW): van 12 tot 16 jaar geven de jeugdige én"
)


def _tasks(ctx: ServiceContext, actor: Actor, instance_id: int) -> list[str]:
    return [t.name for t in list_inbox(ctx, actor) if t.instance_id == instance_id]


def _task_id(ctx: ServiceContext, actor: Actor, instance_id: int, name: str) -> int:
    return next(t.id for t in list_inbox(ctx, actor) if t.instance_id == instance_id and t.name == name)


def _ask(ctx: ServiceContext, actor: Actor, authority: dict[str, Any]) -> tuple[int, str]:
    """Start, record age and authority; returns (instance id, name of the ask task the table chose)."""
    started = start_process(ctx, actor, PROCESS, home_organisation(actor))
    assert started.next_task_id is not None
    asked = complete_task(ctx, actor, started.next_task_id, authority)
    assert asked.next_task_id is not None
    return started.instance_id, open_task(ctx, actor, asked.next_task_id).task.name


def _to_answer(ctx: ServiceContext, actor: Actor, authority: dict[str, Any]) -> tuple[int, int]:
    instance_id, ask = _ask(ctx, actor, authority)
    result = complete_task(ctx, actor, _task_id(ctx, actor, instance_id, ask), REQUEST)
    assert result.next_task_id is not None
    return instance_id, result.next_task_id


def _final(ctx: ServiceContext, instance_id: int) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = session.get_one(ProcessInstance, instance_id)
        return ctx.runtime.final_data(ctx.runtime.load(row.serialization))


def _entry(ctx: ServiceContext, instance_id: int) -> Any:
    entries = list_register(ctx, login(ctx, "fg"), "consent").entries
    return next(e for e in entries if e.instance_id == instance_id)


@pytest.mark.parametrize(
    ("authority", "ask"),
    [
        ({**THIRTEEN, "leeftijd": 11}, "Toestemming vragen aan de ouder(s) met gezag"),
        (THIRTEEN, "Toestemming vragen aan de jeugdige én de ouder(s) met gezag"),
        (ADULT, "Toestemming vragen aan de betrokkene"),
        (
            {**THIRTEEN, "leeftijd": 16, "wilsbekwaam": False, "wilsbekwaamheid_beoordeeld_door": "Dr. Smit"},
            "Toestemming vragen aan de wettelijk vertegenwoordiger(s)",
        ),
    ],
)
def test_the_decision_table_chooses_whom_to_ask(
    ctx: ServiceContext, authority: dict[str, Any], ask: str
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, name = _ask(ctx, sanne, authority)
    assert name == ask
    assert _tasks(ctx, login(ctx, "collega"), instance_id) == [ask]  # any professional of Weert
    assert _tasks(ctx, login(ctx, "rubicon"), instance_id) == []


def test_authority_is_required_under_16_and_the_assessor_when_not_competent(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
    assert started.next_task_id is not None
    required = "Dit veld is verplicht."
    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, sanne, started.next_task_id, {"leeftijd": 13})
    authority = dict.fromkeys(("gezag", "gezag_bron", "gezag_gecontroleerd_op"), required)
    assert invalid.value.errors == {"wilsbekwaam": required, **authority}
    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, sanne, started.next_task_id, {"leeftijd": 40, "wilsbekwaam": False})
    assert invalid.value.errors == {"wilsbekwaamheid_beoordeeld_door": required, **authority}
    assert open_task(ctx, sanne, started.next_task_id).task.state == "open"


@pytest.mark.parametrize(
    ("until", "expiry"),
    [
        ("2027-05-31", EXPIRY),
        # Summer time starts on 28 March 2027: that day has 23 hours and still ends at midnight.
        ("2027-03-28", datetime(2027, 3, 28, 22, 0, tzinfo=UTC)),
    ],
)
def test_valid_consent_waits_for_its_end_date_then_expires(
    ctx: ServiceContext, clock: ManualClock, until: str, expiry: datetime
) -> None:
    sanne, fg = login(ctx, "hulpverlener"), login(ctx, "fg")
    instance_id, record_id = _to_answer(ctx, sanne, ADULT)
    clock.advance(timedelta(days=2))
    result = complete_task(ctx, sanne, record_id, {**GIVEN, "geldig_tot": until, "gegeven_door": [CLIENT]})
    assert (result.next_task_id, result.instance_completed) == (None, False)
    view = view_instance(ctx, sanne, instance_id)
    assert (view.status, view.next_due_at) == ("waiting", expiry)
    entry = _entry(ctx, instance_id)
    assert (entry.status, entry.closed_at) == ("geldig", None)
    assert entry.due_at == expiry - SECOND  # the register shows the last valid second, 23:59:59 CEST
    assert entry.fields["toestemming_door"] == "De betrokkene zelf"
    assert entry.fields["gegeven_door"] == [CLIENT]
    assert (entry.fields["ontvangers"], entry.fields["informatietekst_versie"]) == (
        ["rubicon", "met-ggz"],
        "2026-01",
    )
    assert [(a.message_name, a.label) for a in list_instance_actions(ctx, sanne, instance_id)] == [
        ("toestemming_ingetrokken", "Toestemming ingetrokken")
    ]
    assert list_instance_actions(ctx, fg, instance_id) == []  # the event is the professionals'

    clock.set(expiry - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(expiry + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _tasks(ctx, sanne, instance_id) == ["Verlopen toestemming afhandelen"]
    assert list_instance_actions(ctx, sanne, instance_id) == []
    with pytest.raises(TaskNotReady):
        trigger_event(ctx, sanne, instance_id, "toestemming_ingetrokken")
    expiry_id = _task_id(ctx, sanne, instance_id, "Verlopen toestemming afhandelen")
    done = complete_task(ctx, sanne, expiry_id, {"delen_gestopt": True, "nieuwe_toestemming_nodig": False})
    assert done.instance_completed
    assert _final(ctx, instance_id)["toestemming_status"] == "verlopen"
    entry = _entry(ctx, instance_id)
    assert (entry.status, entry.closed_at, entry.fields["delen_gestopt"]) == ("verlopen", clock.now(), True)


def test_withdrawal_of_a_double_consent_records_it_and_informs_the_partners(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, lotte = login(ctx, "hulpverlener"), login(ctx, "collega"), login(ctx, "rubicon")
    instance_id, record_id = _to_answer(ctx, sanne, THIRTEEN)
    complete_task(ctx, sanne, record_id, {**GIVEN, "gegeven_door": [MINOR, MOTHER, FATHER]})
    assert _entry(ctx, instance_id).fields["toestemming_door"] == "De jeugdige en beide ouders met gezag"

    clock.advance(timedelta(days=30))
    with pytest.raises(AccessDenied):
        trigger_event(ctx, lotte, instance_id, "toestemming_ingetrokken")
    withdrawn = trigger_event(ctx, daan, instance_id, "toestemming_ingetrokken")
    assert withdrawn.next_task_id is not None and not withdrawn.instance_completed
    assert open_task(ctx, daan, withdrawn.next_task_id).task.name == "Intrekking vastleggen"
    assert view_instance(ctx, sanne, instance_id).next_due_at is None  # the validity timer is gone

    withdrawal = {
        "ingetrokken_op": "2026-12-04",
        "intrekking_kanaal": "telefoon",
        "ingetrokken_door": "betrokkene",
    }
    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, daan, withdrawn.next_task_id, withdrawal)
    assert invalid.value.errors == {"delen_gestopt": "Dit veld is verplicht."}
    informed = complete_task(ctx, daan, withdrawn.next_task_id, {**withdrawal, "delen_gestopt": True})
    assert informed.next_task_id is not None
    assert _entry(ctx, instance_id).status == "ingetrokken"
    assert (
        open_task(ctx, daan, informed.next_task_id).task.name
        == "Ontvangende partners informeren over de intrekking"
    )

    done = complete_task(
        ctx,
        sanne,
        informed.next_task_id,
        {"partners_geinformeerd_op": "2026-12-04", "partners_geinformeerd": True},
    )
    assert done.instance_completed
    data = _final(ctx, instance_id)
    assert (data["toestemming_status"], data["intrekking_melding"]) == (
        "ingetrokken",
        {"gemeld_door": "Daan Collega"},
    )
    entry = _entry(ctx, instance_id)
    assert (entry.status, entry.closed_at) == ("ingetrokken", clock.now())
    assert {
        k: entry.fields[k] for k in ("ingetrokken_op", "intrekking_kanaal", "partners_geinformeerd_op")
    } == {
        "ingetrokken_op": "2026-12-04",
        "intrekking_kanaal": "telefoon",
        "partners_geinformeerd_op": "2026-12-04",
    }
    clock.set(EXPIRY + timedelta(days=1))
    assert fire_due_timers(ctx) == 0


def test_refusal_ends_at_once(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, record_id = _to_answer(ctx, sanne, ADULT)
    refused = {"toestemming_antwoord": "geweigerd", "beantwoord_op": "2026-11-03", "gegeven_door": [CLIENT]}
    assert complete_task(ctx, sanne, record_id, refused).instance_completed
    assert _final(ctx, instance_id)["toestemming_status"] == "geweigerd"
    assert (_entry(ctx, instance_id).status, list_instance_actions(ctx, sanne, instance_id)) == (
        "geweigerd",
        [],
    )


def test_no_answer_brings_a_reminder_every_seven_days_and_may_end_impossible(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, record_id = _to_answer(ctx, sanne, ADULT)
    assert view_instance(ctx, sanne, instance_id).next_due_at == REMINDER
    clock.set(REMINDER - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(REMINDER + SECOND)
    assert fire_due_timers(ctx) == 1
    assert _tasks(ctx, sanne, instance_id) == ["Herinnering sturen"]
    with pytest.raises(TaskNotReady, match="vervallen"):
        complete_task(
            ctx, sanne, record_id, {"toestemming_antwoord": "geweigerd", "beantwoord_op": "2026-11-09"}
        )
    reminder_id = _task_id(ctx, sanne, instance_id, "Herinnering sturen")
    reopened = complete_task(ctx, sanne, reminder_id, {"herinnering_verstuurd_op": "2026-11-10"})
    assert reopened.next_task_id is not None and reopened.next_task_id != record_id
    assert open_task(ctx, sanne, reopened.next_task_id).task.name == RECORD
    assert _entry(ctx, instance_id).fields["herinnering_verstuurd_op"] == "2026-11-10"
    # The next reminder comes 7 days after this one: end of Tuesday 17 November.
    assert view_instance(ctx, sanne, instance_id).next_due_at == datetime(
        2026, 11, 17, 22, 59, 59, tzinfo=UTC
    )

    with pytest.raises(FormInvalid) as invalid:
        complete_task(ctx, sanne, reopened.next_task_id, {"toestemming_antwoord": "onmogelijk"})
    assert invalid.value.errors == {"reden_onmogelijk": "Dit veld is verplicht."}
    impossible = {"toestemming_antwoord": "onmogelijk", "reden_onmogelijk": "geen_reactie"}
    assert complete_task(ctx, sanne, reopened.next_task_id, impossible).instance_completed
    assert _final(ctx, instance_id)["toestemming_status"] == "onmogelijk"
    assert view_instance(ctx, sanne, instance_id).next_due_at is None


@pytest.mark.parametrize(
    ("authority", "people", "missing"),
    [
        (THIRTEEN, [], "de jeugdige zelf en beide ouders met gezag."),
        (THIRTEEN, [MOTHER, FATHER], "de jeugdige zelf."),
        (THIRTEEN, [MINOR], "beide ouders met gezag."),
        (THIRTEEN, [MINOR, MOTHER, {**MOTHER}], "de tweede ouder met gezag (er is gezamenlijk gezag)."),
    ],
)
def test_double_consent_needs_the_minor_and_both_parents(
    ctx: ServiceContext, authority: dict[str, Any], people: list[dict[str, str]], missing: str
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, record_id = _to_answer(ctx, sanne, authority)
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, record_id, {**GIVEN, "gegeven_door": people})
    (message,) = refused.value.errors.values()
    assert message.startswith(DOUBLE) and message.endswith("Nog niet vastgelegd: " + missing)
    assert list(refused.value.errors) == ["gegeven_door"]
    assert open_task(ctx, sanne, record_id).task.state == "open"
    assert _entry(ctx, instance_id).status is None


def test_under_twelve_with_joint_authority_needs_both_parents(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    _, record_id = _to_answer(ctx, sanne, {**THIRTEEN, "leeftijd": 11})
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, record_id, {**GIVEN, "gegeven_door": [MOTHER]})
    assert refused.value.errors == {
        "gegeven_door": "Convenant art. 8 en art. 7:465 lid 1 BW (jonger dan 12 jaar): onder 12 jaar geven "
        "de ouder(s) met gezag toestemming, bij gezamenlijk gezag beide ouders. Nog niet vastgelegd: de "
        "tweede ouder met gezag (er is gezamenlijk gezag)."
    }
    assert open_task(ctx, sanne, record_id).task.state == "open"
    assert (
        complete_task(ctx, sanne, record_id, {**GIVEN, "gegeven_door": [MOTHER, FATHER]}).next_task_id is None
    )
    single = {**THIRTEEN, "leeftijd": 11, "gezag": "eenhoofdig"}
    _, single_record = _to_answer(ctx, sanne, single)
    assert not complete_task(
        ctx, sanne, single_record, {**GIVEN, "gegeven_door": [MOTHER]}
    ).instance_completed


def test_a_valid_consent_must_name_purpose_data_and_recipients(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    _, record_id = _to_answer(ctx, sanne, ADULT)
    blanket = {k: v for k, v in GIVEN.items() if k not in ("doel", "gegevenscategorieen", "ontvangers")}
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, record_id, {**blanket, "gegeven_door": [CLIENT]})
    rule = "Eis der gerichtheid (convenant art. 7 lid 5; AVG art. 4 lid 11): een geldige toestemming noemt "
    assert refused.value.errors == {
        "doel": rule + "het doel waarvoor zij is gegeven.",
        "gegevenscategorieen": rule + "de gegevens waarvoor zij geldt; geen algemene toestemming.",
        "ontvangers": rule + "de partners die de gegevens mogen ontvangen.",
    }
    assert open_task(ctx, sanne, record_id).task.state == "open"


def test_dates_must_follow_each_other(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, record_id = _to_answer(ctx, sanne, ADULT)
    early = {**GIVEN, "beantwoord_op": "2026-11-01", "geldig_tot": "2026-10-31", "gegeven_door": [CLIENT]}
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, record_id, early)
    assert refused.value.errors == {
        "beantwoord_op": "Bewijs van toestemming (AVG art. 7 lid 1): het antwoord kan niet vóór het "
        "verzoek van 02-11-2026 liggen.",
        "geldig_tot": "Geldigheid van de toestemming (AVG art. 7 lid 1; convenant art. 7): de einddatum ligt "
        "vóór de datum van de toestemming (01-11-2026).",
    }
    complete_task(ctx, sanne, record_id, {**GIVEN, "gegeven_door": [CLIENT]})
    withdrawal_id = trigger_event(ctx, sanne, instance_id, "toestemming_ingetrokken").next_task_id
    assert withdrawal_id is not None
    withdrawal = {
        "ingetrokken_op": "2026-11-03",
        "intrekking_kanaal": "e-mail",
        "ingetrokken_door": "betrokkene",
        "delen_gestopt": True,
    }
    with pytest.raises(FormInvalid) as refused:
        complete_task(ctx, sanne, withdrawal_id, withdrawal)
    assert refused.value.errors == {
        "ingetrokken_op": "Intrekking van de toestemming (AVG art. 7 lid 3): de intrekking kan niet vóór de "
        "toestemming van 04-11-2026 liggen."
    }
    partners_id = complete_task(
        ctx, sanne, withdrawal_id, {**withdrawal, "ingetrokken_op": "2026-11-20"}
    ).next_task_id
    assert partners_id is not None
    with pytest.raises(FormInvalid) as refused:
        complete_task(
            ctx, sanne, partners_id, {"partners_geinformeerd_op": "2026-11-19", "partners_geinformeerd": True}
        )
    assert list(refused.value.errors) == ["partners_geinformeerd_op"]
    assert "(AVG art. 7 lid 3 en art. 19)" in refused.value.errors["partners_geinformeerd_op"]


def test_the_register_entry_starts_when_consent_is_asked_and_stays_in_the_organisation(
    ctx: ServiceContext,
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id, _ = _ask(ctx, sanne, THIRTEEN)
    assert [e for e in list_register(ctx, sanne, "consent").entries if e.instance_id == instance_id] == []
    _, record_id = _to_answer(ctx, sanne, THIRTEEN)
    (entry,) = list_register(ctx, sanne, "consent").entries
    assert (entry.status, entry.fields) == (
        None,
        {
            **THIRTEEN,
            **REQUEST,
            "toestemming_door": "De jeugdige en beide ouders met gezag",
        },
    )
    assert list_register(ctx, login(ctx, "fg.rubicon"), "consent").entries == []
    with pytest.raises(AccessDenied):
        list_register(ctx, login(ctx, "voorzitter"), "consent")
    assert open_task(ctx, sanne, record_id).task.state == "open"
