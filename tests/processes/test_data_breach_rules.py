"""The breach's legal rules (webapp/domain/legal_rules/breach.py) as users meet them: every refusal names its
article in Dutch, and the task stays open with nothing stored (AVG art. 33 and 34)."""

from __future__ import annotations

from tests.factories import login
from tests.processes.test_data_breach import (
    ADVICE,
    ADVICE_TASK,
    CLOSE_TASK,
    DECIDE_TASK,
    DECISION,
    NOTICE,
    NOTICE_TASK,
    NOTIFICATION,
    NOTIFY_TASK,
    SECOND,
    SUBJECTS_TASK,
    T48,
    TRIAGE,
    TRIAGE_TASK,
    WARNING_TASK,
    do,
    entry,
    jobs,
    refused,
    report,
    task_id,
    tasks,
    to_decision,
)
from webapp.domain.clock import ManualClock
from webapp.services.context import ServiceContext
from webapp.services.tasks import open_task
from webapp.services.timers import fire_due_timers

NO_REASONS = (
    "AVG art. 33 lid 5: leg bij een besluit om niet te melden vast waarom het datalek waarschijnlijk geen "
    "risico oplevert voor de betrokkenen."
)
RISK = "AVG art. 33 lid 1: niet melden mag alleen als het datalek waarschijnlijk geen risico oplevert; u "
DEVIATES = (
    "AVG art. 38 lid 1 en art. 5 lid 2 (verantwoordingsplicht): motiveer waarom u afwijkt van het advies "
    "van de FG."
)
NO_EXCEPTION = (
    "AVG art. 34 lid 1 en 3: bij een hoog risico worden de betrokkenen geïnformeerd, tenzij een uitzondering "
    "van art. 34 lid 3 (a, b of c) geldt; kies de uitzondering."
)
EXCEPTION_NO_REASONS = (
    "AVG art. 34 lid 3 en art. 33 lid 5: onderbouw waarom de uitzondering geldt; de motivering komt in het "
    "datalekkenregister."
)
PUBLIC = (
    "AVG art. 34 lid 3 onder c: wie betrokkenen niet individueel informeert wegens onevenredige inspanning, "
    "doet een openbare mededeling."
)
REGISTER = "AVG art. 33 lid 5: het datalekkenregister vermeldt {} van het datalek; vul dit in."
NOT_INFORMING = {"besluit_betrokkenen": "niet_informeren"}


def _to_subjects(ctx: ServiceContext) -> int:
    """A high-risk breach without covenant data, notified in time; the data-subject decision is open."""
    mila = login(ctx, "manager")
    instance_id = to_decision(ctx, convenantgegevens=False)
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    do(ctx, mila, instance_id, NOTIFY_TASK, NOTIFICATION)
    assert tasks(ctx, mila, instance_id) == [SUBJECTS_TASK]
    return instance_id


def test_not_notifying_needs_no_risk_and_its_reasons_and_stops_the_watch(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    mila = login(ctx, "manager")
    instance_id = to_decision(ctx, convenantgegevens=False)
    clock.set(T48 + SECOND)
    assert fire_due_timers(ctx) == 1
    warning_id = task_id(ctx, mila, instance_id, WARNING_TASK)

    errors = refused(ctx, mila, instance_id, DECIDE_TASK, {"risico": "hoog", "besluit_ap": "niet_melden"})
    assert errors == {
        "besluit_ap": RISK + "beoordeelt het risico als 'hoog risico'.",
        "motivering_besluit_ap": NO_REASONS,
    }
    errors = refused(ctx, mila, instance_id, DECIDE_TASK, {"risico": "risico", "besluit_ap": "niet_melden"})
    assert errors["besluit_ap"] == RISK + "beoordeelt het risico als 'risico'."
    errors = refused(ctx, mila, instance_id, DECIDE_TASK, {"risico": "geen", "besluit_ap": "niet_melden"})
    assert errors == {"motivering_besluit_ap": NO_REASONS}

    reasons = (
        "Versleutelde laptop, sleutel niet gelekt: waarschijnlijk geen risico. Afwijking van FG besproken."
    )
    decision = {"risico": "geen", "besluit_ap": "niet_melden", "motivering_besluit_ap": reasons}
    do(ctx, mila, instance_id, DECIDE_TASK, decision)
    # Decided not to notify: the watch stops, the warning falls away, and there is no data-subject step.
    assert open_task(ctx, mila, warning_id).task.state == "cancelled"
    assert tasks(ctx, mila, instance_id) == [CLOSE_TASK]
    assert jobs(ctx, instance_id) == []
    row = entry(ctx, instance_id)
    assert (row.status, row.fields["besluit_ap"], row.fields["motivering_besluit_ap"]) == (
        "Niet gemeld bij de AP",
        "niet_melden",
        reasons,
    )
    assert "ap_meldnummer" not in row.fields


def test_deviating_from_the_fg_advice_needs_reasons(ctx: ServiceContext) -> None:
    sanne, mila, fg = login(ctx, "hulpverlener"), login(ctx, "manager"), login(ctx, "fg")
    instance_id = report(ctx, sanne)
    do(ctx, mila, instance_id, TRIAGE_TASK, {**TRIAGE, "convenantgegevens": False})
    do(
        ctx,
        fg,
        instance_id,
        ADVICE_TASK,
        {**ADVICE, "fg_advies_risico": "geen", "fg_advies_melden": "niet_melden"},
    )
    errors = refused(ctx, mila, instance_id, DECIDE_TASK, {"risico": "risico", "besluit_ap": "melden"})
    assert errors == {"motivering_besluit_ap": DEVIATES}
    reasons = {"motivering_besluit_ap": "Bij twijfel melden, zoals de AP adviseert."}
    do(ctx, mila, instance_id, DECIDE_TASK, {"risico": "risico", "besluit_ap": "melden", **reasons})
    assert tasks(ctx, mila, instance_id) == [NOTIFY_TASK]


def test_a_notification_cannot_precede_the_discovery(ctx: ServiceContext) -> None:
    mila = login(ctx, "manager")
    instance_id = to_decision(ctx, convenantgegevens=False)
    do(ctx, mila, instance_id, DECIDE_TASK, DECISION)
    errors = refused(
        ctx, mila, instance_id, NOTIFY_TASK, {**NOTIFICATION, "gemeld_bij_ap_op": "2026-11-02T09:59"}
    )
    assert errors == {
        "gemeld_bij_ap_op": "AVG art. 33 lid 1: de termijn loopt vanaf de ontdekking (02-11-2026 10:00); de "
        "melding kan niet eerder zijn gedaan."
    }
    errors = refused(ctx, mila, instance_id, NOTIFY_TASK, {**NOTIFICATION, "fg_als_contactpunt": False})
    assert errors == {"fg_als_contactpunt": "Vink dit aan om verder te gaan."}


def test_not_informing_on_a_high_risk_needs_an_exception_of_art_34_3_with_reasons(
    ctx: ServiceContext,
) -> None:
    mila = login(ctx, "manager")
    instance_id = _to_subjects(ctx)
    assert refused(ctx, mila, instance_id, SUBJECTS_TASK, NOT_INFORMING) == {
        "uitzondering_art34": NO_EXCEPTION
    }
    exception = {**NOT_INFORMING, "uitzondering_art34": "a_onbegrijpelijk"}
    assert refused(ctx, mila, instance_id, SUBJECTS_TASK, exception) == {
        "motivering_betrokkenen": EXCEPTION_NO_REASONS
    }
    reasons = "Het bestand was met AES-256 versleuteld; de sleutel is niet gelekt."
    do(ctx, mila, instance_id, SUBJECTS_TASK, {**exception, "motivering_betrokkenen": reasons})
    assert tasks(ctx, mila, instance_id) == [CLOSE_TASK]  # exception a: nobody to inform
    row = entry(ctx, instance_id)
    assert (row.fields["uitzondering_art34"], row.fields["motivering_betrokkenen"]) == (
        "a_onbegrijpelijk",
        reasons,
    )


def test_disproportionate_effort_means_a_public_notice(ctx: ServiceContext) -> None:
    mila = login(ctx, "manager")
    instance_id = _to_subjects(ctx)
    exception = {
        **NOT_INFORMING,
        "uitzondering_art34": "c_onevenredige_inspanning",
        "motivering_betrokkenen": "Adressen van 4.000 oud-cliënten zijn niet meer bekend.",
    }
    do(ctx, mila, instance_id, SUBJECTS_TASK, exception)
    assert tasks(ctx, mila, instance_id) == [NOTICE_TASK]
    assert refused(ctx, mila, instance_id, NOTICE_TASK, NOTICE) == {"wijze_informeren": PUBLIC}
    incomplete = {**NOTICE, "wijze_informeren": "openbare_mededeling", "bericht_volledig": False}
    assert refused(ctx, mila, instance_id, NOTICE_TASK, incomplete) == {
        "bericht_volledig": "Vink dit aan om verder te gaan."
    }
    do(ctx, mila, instance_id, NOTICE_TASK, {**NOTICE, "wijze_informeren": "openbare_mededeling"})
    assert tasks(ctx, mila, instance_id) == [CLOSE_TASK]
    assert entry(ctx, instance_id).fields["wijze_informeren"] == "openbare_mededeling"


def test_closing_needs_the_facts_the_effects_and_the_remedial_action(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    mila = login(ctx, "manager")
    instance_id = to_decision(ctx, convenantgegevens=False)
    do(ctx, mila, instance_id, DECIDE_TASK, {"risico": "risico", "besluit_ap": "melden"})  # no effects given
    do(ctx, mila, instance_id, NOTIFY_TASK, NOTIFICATION)
    lessons = {"lessen": "Adresboek opgeschoond."}

    assert refused(ctx, mila, instance_id, CLOSE_TASK, lessons) == {
        "gevolgen": REGISTER.format("de gevolgen")
    }
    blanks = {**lessons, "omschrijving_datalek": "", "herstelmaatregelen": "  ", "gevolgen": ""}
    assert refused(ctx, mila, instance_id, CLOSE_TASK, blanks) == {
        "omschrijving_datalek": REGISTER.format("de feiten"),
        "gevolgen": REGISTER.format("de gevolgen"),
        "herstelmaatregelen": REGISTER.format("de genomen corrigerende maatregelen"),
    }
    assert entry(ctx, instance_id).closed_at is None

    clock.advance(1 * SECOND)
    assert do(ctx, mila, instance_id, CLOSE_TASK, {**lessons, "gevolgen": "Geen schade gemeld."})
    row = entry(ctx, instance_id)
    assert (row.status, row.closed_at, row.fields["gevolgen"], row.fields["lessen"]) == (
        "Afgesloten",
        clock.now(),
        "Geen schade gemeld.",
        "Adresboek opgeschoond.",
    )
