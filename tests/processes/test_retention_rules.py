"""Every legal rule of the retention procedure refuses bad input with the rule named in Dutch; the task stays
open, the case does not move, and a corrected answer goes through.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import home_organisation, login
from tests.processes.scenario import refused
from tests.processes.test_retention import (
    APPROVAL,
    APPROVE,
    DESTROY,
    DESTRUCTION,
    PROCESS,
    RECORD,
    reach_review,
    start_record,
    task_id,
)
from tests.processes.test_retention_paths import EXTEND, HOLD
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.events import trigger_event
from webapp.services.instances import start_process
from webapp.services.tasks import complete_task, open_task

NO_CONTENT = (
    "Archiefbesluit 1995 art. 8 en AVG art. 5 lid 1 sub c: een verklaring van vernietiging noemt wat, op "
    "welke "
    "grond, hoe en uit welke periode is vernietigd, maar bevat geen inhoud van de vernietigde gegevens; dit "
    "veld hoort er niet in."
)
GOOD_CARE = (
    "BW art. 7:454 lid 3 en Jeugdwet art. 7.3.8: langer bewaren mag alleen als dat redelijkerwijs nodig is "
    "voor goed hulpverlenerschap (goede zorg aan de cliënt), niet voor het belang van een ander."
)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"dossier_kenmerk": "Jan Jansen, mishandeling"},
            {
                "dossier_kenmerk": "AVG art. 5 lid 1 sub c: gebruik een kenmerk zoals KF-2026-0042, zonder "
                "spaties, namen of inhoud; het kenmerk komt in de verklaring van vernietiging."
            },
        ),
        (
            {"bewaartermijn": "P15Y"},
            {
                "bewaartermijn": "BW art. 7:454 lid 3: een medisch dossier wordt 20 jaar na de laatste "
                "wijziging "
                "bewaard; langer alleen bij de beoordeling, als goed hulpverlenerschap dat vraagt."
            },
        ),
        (
            {"bewaargrond": "casusoverleg", "bewaartermijn": "P20Y"},
            {
                "bewaartermijn": "Convenant art. 17 lid 1 en de bewaartabel: verslagen en actielijsten van "
                "het "
                "casusoverleg worden 2 jaar bewaard, niet langer dan nodig (AVG art. 5 lid 1 sub e)."
            },
        ),
    ],
)
def test_the_record_needs_a_reference_and_the_term_of_its_ground(
    ctx: ServiceContext, record: dict[str, str], expected: dict[str, str]
) -> None:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
    assert started.next_task_id is not None
    assert refused(ctx, sanne, started.next_task_id, started.instance_id, {**RECORD, **record}) == expected
    assert open_task(ctx, sanne, started.next_task_id).data == {}
    assert complete_task(ctx, sanne, started.next_task_id, RECORD).next_task_id is None


def test_a_change_cannot_predate_the_last_change(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = start_record(ctx, sanne)
    change_id = trigger_event(ctx, sanne, instance_id, "dossier_gewijzigd").next_task_id
    assert change_id is not None
    assert refused(ctx, sanne, change_id, instance_id, {"laatste_wijziging_op": "2006-01-01"}) == {
        "laatste_wijziging_op": "BW art. 7:454 lid 3 en Jeugdwet art. 7.3.8: de termijn loopt vanaf de "
        "laatste wijziging, en deze datum ligt vóór de vorige laatste wijziging (15-03-2007)."
    }


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ({**EXTEND, "verlenging_reden": "belang_ander"}, {"verlenging_reden": GOOD_CARE}),
        ({**EXTEND, "verlenging_reden": "mogelijk_later_nodig"}, {"verlenging_reden": GOOD_CARE}),
        (
            {"beoordeling": "verlengen", "verlenging_reden": "goed_hulpverlenerschap"},
            {
                "verlenging_toelichting": "AVG art. 5 lid 1 sub e en lid 2: licht toe waarom goede zorg aan "
                "de "
                "cliënt langer bewaren vraagt.",
                "nieuwe_vervaldatum": "AVG art. 5 lid 1 sub e: een verlenging heeft een nieuwe vervaldatum.",
                "verlenging_goedgekeurd_door": "Convenant art. 17 en AVG art. 5 lid 2: een verlenging wordt "
                "goedgekeurd; vul in wie de verlenging goedkeurde.",
            },
        ),
        (
            {**EXTEND, "nieuwe_vervaldatum": "2027-03-15"},
            {
                "nieuwe_vervaldatum": "AVG art. 5 lid 1 sub e: de nieuwe vervaldatum ligt na de huidige "
                "vervaldatum (15-03-2027)."
            },
        ),
        (
            {"beoordeling": "bewaarplicht"},
            {
                "bewaarplicht_reden": "AVG art. 17 lid 3 en art. 18: na de termijn bewaren mag alleen met "
                "een "
                "concrete bewaarplicht; kies de reden.",
                "bewaarplicht_herzien_op": "AVG art. 5 lid 1 sub e: een bewaarplicht wordt opnieuw "
                "beoordeeld; "
                "vul de datum in.",
            },
        ),
    ],
)
def test_an_extension_or_hold_without_its_grounds_is_refused(
    ctx: ServiceContext, clock: ManualClock, review: dict[str, str], expected: dict[str, str]
) -> None:
    sanne = login(ctx, "hulpverlener")
    instance_id = start_record(ctx, sanne)
    review_id = reach_review(ctx, clock, instance_id)
    assert refused(ctx, sanne, review_id, instance_id, review) == expected
    fixed = EXTEND if review["beoordeling"] == "verlengen" else HOLD
    assert complete_task(ctx, sanne, review_id, fixed).next_task_id is None


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"samenvatting": "Gesprekken over de thuissituatie van Jan"}, {"samenvatting": NO_CONTENT}),
        ({"inhoud": ["verslag 3"], "opmerking": "geen"}, {"inhoud": NO_CONTENT, "opmerking": NO_CONTENT}),
        (
            {"stukken_van": "2008-01-01"},
            {
                "stukken_tot": "Archiefbesluit 1995 art. 8: de periode loopt van het oudste naar het jongste "
                "vernietigde stuk."
            },
        ),
        (
            {"stukken_tot": "2008-01-01"},
            {
                "stukken_tot": "Archiefbesluit 1995 art. 8: het jongste stuk kan niet na de laatste "
                "wijziging van "
                "het dossier (15-03-2007) liggen."
            },
        ),
        (
            {"vernietigd_op": "2027-01-19"},
            {
                "vernietigd_op": "Archiefbesluit 1995 art. 8: vernietigen gebeurt na de goedkeuring "
                "(20-01-2027)."
            },
        ),
    ],
)
def test_the_destruction_record_keeps_no_content_and_a_sound_period(
    ctx: ServiceContext, clock: ManualClock, record: dict[str, Any], expected: dict[str, str]
) -> None:
    sanne, mila = login(ctx, "hulpverlener"), login(ctx, "manager")
    instance_id = start_record(ctx, sanne)
    review_id = reach_review(ctx, clock, instance_id)
    complete_task(ctx, sanne, review_id, {"beoordeling": "vernietigen"})
    complete_task(ctx, mila, task_id(ctx, mila, instance_id, APPROVE), APPROVAL)
    destroy_id = task_id(ctx, sanne, instance_id, DESTROY)
    assert refused(ctx, sanne, destroy_id, instance_id, {**DESTRUCTION, **record}) == expected
    assert complete_task(ctx, sanne, destroy_id, DESTRUCTION).instance_completed
