"""Scenario tests for the meldcode (processes/meldcode.bpmn): the paths through steps 1-5 and the
afwegingskader.

Users drive the services; time only moves through the ManualClock and timers fire through fire_due_timers.
The helpers here are shared by test_meldcode_refusals.py and test_meldcode_timers.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import home_organisation, login, make_context
from webapp.config import PROJECT_ROOT
from webapp.domain.access import Actor
from webapp.domain.clock import ManualClock
from webapp.domain.errors import AccessDenied
from webapp.persistence.db import Database
from webapp.persistence.models import ProcessInstance
from webapp.services import events, registers
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory
from webapp.services.instances import start_process, view_instance
from webapp.services.seed import seed_demo
from webapp.services.tasks import complete_task, list_inbox, open_task
from webapp.services.timers import fire_due_timers
from webapp.services.views import CompleteResult, InstanceAction, TaskView

PROCESS = "meldcode"
REGISTER = "meldcode_report"
SECOND = timedelta(seconds=1)

STAP1, STAP2, STAP3, STAP4 = (
    "Stap 1: Signalen in kaart brengen",
    "Stap 2: Collegiale consultatie en zo nodig advies Veilig Thuis",
    "Stap 3: Gesprek met de cliënt",
    "Stap 4: Wegen van het geweld",
)
AFWEGING, STAP5 = "Afwegingsvragen beantwoorden", "Stap 5: Beslissen over melden en hulp"
MELDING, TERUGKOPPELING = "Melding doen bij Veilig Thuis", "Terugkoppeling van Veilig Thuis vastleggen"
NAVRAAG = "Terugkoppeling Veilig Thuis navragen"
HULP, AFSLUITEN = "Hulp bieden of organiseren en evaluatie plannen", "Afsluiten met afspraken over monitoring"
NIEUWE_SIGNALEN = "Nieuwe signalen vastleggen"
EVENT = InstanceAction("meldcode_nieuwe_signalen", "Nieuwe signalen: afweging heropenen")

SIGNALEN = {
    "signalen_feiten": "Blauwe plekken op beide bovenarmen, gezien bij het huisbezoek.",
    "signalen_waargenomen_op": "2026-10-30",
    "signalen_bron": "eigen_waarneming",
    "kindcheck_kinderen": True,
    "kindcheck_kinderen_gegevens": [{"leeftijd": 4, "verzorgd_door": "ouders"}],
}
CONSULTATIE = {
    "consultatie_op": "2026-11-02",
    "consultatie_vraag": "Zijn de signalen reden tot zorg?",
    "consultatie_advies": "Ga het gesprek aan met de ouders.",
    "vt_advies_gevraagd": False,
}
GESPREK = {
    "gesprek_gevoerd": True,
    "gesprek_op": "2026-11-03",
    "gesprek_deelnemers": ["ouders"],
    "gesprek_reactie": "Moeder herkent de zorgen.",
    "gesprek_zorgen_gedeeld": "ja",
}
WEGEN = {
    "wegen_risico": "Verhoogd risico",
    "wegen_aard": ["lichamelijk"],
    "wegen_ernst": "ernstig",
    "wegen_vt_geraadpleegd": False,
}
HULPPLAN = {
    "hulp_omschrijving": "Opvoedondersteuning door het wijkteam",
    "hulp_afspraken": "Wekelijks huisbezoek",
    "hulp_gestart_op": "2026-11-09",
    "hulp_evaluatiedatum": "2027-01-04",
}
EVALUATION = datetime(2027, 1, 4, 8, tzinfo=UTC)  # 09:00 in Amsterdam (CET)
MELDPLAN = {
    "vt_gemeld_op": "2026-11-04T10:30",
    "vt_contactpersoon": "Triagist Veilig Thuis",
    "vt_melding_feiten": "Blauwe plekken op beide bovenarmen (30-10-2026).",
    "vt_melding_bronnen": [{"soort": "eigen_waarneming"}],
    "vt_client_vooraf_geinformeerd": True,
    "vt_melder_anoniem": False,
}
VT_ANTWOORD = {
    "vt_terugkoppeling_op": "2026-11-10",
    "vt_referentie": "VT-2026-0042",
    "vt_vervolg": "onderzoek",
}
MONITORING = {
    "monitoring_afspraken": "Wijkteam belt elke maand",
    "monitoring_afgesproken_met": ["betrokkenen"],
}


def vragen(*answers: str) -> dict[str, str]:
    """Answers to the afwegingskader questions 1, 2, … in order, each with a justification."""
    data: dict[str, str] = {}
    for number, answer in enumerate(answers, start=1):
        data[f"meldcode_vraag{number}"] = answer
        data[f"meldcode_vraag{number}_toelichting"] = f"Toelichting bij vraag {number}"
    return data


GEEN_VERMOEDEN, ONVEILIG = vragen("nee"), vragen("ja", "ja")
GEEN_EFFECTIEVE_HULP, HULP_MOGELIJK = vragen("ja", "nee", "nee"), vragen("ja", "nee", "ja", "ja")


@dataclass
class Case:
    ctx: ServiceContext
    instance_id: int

    def open_tasks(self, actor: Actor) -> list[tuple[str, str]]:
        return [(t.name, t.role) for t in list_inbox(self.ctx, actor) if t.instance_id == self.instance_id]

    def task(self, actor: Actor, name: str) -> TaskView:
        (found,) = [
            t for t in list_inbox(self.ctx, actor) if t.instance_id == self.instance_id and t.name == name
        ]
        return found

    def complete(self, actor: Actor, name: str, data: dict[str, Any]) -> CompleteResult:
        return complete_task(self.ctx, actor, self.task(actor, name).id, data)

    def column(self, column: Any) -> Any:
        with self.ctx.db.read() as session:
            return session.scalars(select(column).where(ProcessInstance.id == self.instance_id)).one()

    def version(self) -> int:
        return int(self.column(ProcessInstance.version))

    def next_due(self) -> datetime | None:
        return self.column(ProcessInstance.next_due_at)  # type: ignore[no-any-return]

    def final_data(self) -> dict[str, Any]:
        return self.ctx.runtime.final_data(self.ctx.runtime.load(self.column(ProcessInstance.serialization)))

    def task_names(self, actor: Actor) -> list[str]:
        return [t.name for t in view_instance(self.ctx, actor, self.instance_id).tasks]


def start(ctx: ServiceContext) -> Case:
    sanne = login(ctx, "hulpverlener")
    started = start_process(ctx, sanne, PROCESS, home_organisation(sanne))
    return Case(ctx, started.instance_id)


def weigh(ctx: ServiceContext) -> Case:
    """A case through steps 1-4: the afwegingskader questions are open."""
    case = start(ctx)
    sanne, fatima = login(ctx, "hulpverlener"), login(ctx, "aandacht")
    case.complete(sanne, STAP1, SIGNALEN)
    case.complete(fatima, STAP2, CONSULTATIE)
    case.complete(sanne, STAP3, GESPREK)
    case.complete(sanne, STAP4, WEGEN)
    return case


def decide(ctx: ServiceContext, answers: dict[str, str]) -> Case:
    """A case through the afwegingskader with these answers: step 5 is open."""
    case = weigh(ctx)
    case.complete(login(ctx, "hulpverlener"), AFWEGING, answers)
    return case


def report(ctx: ServiceContext, answers: dict[str, str], besluit: str) -> Case:
    """A case decided and reported: the Veilig Thuis feedback is open."""
    case = decide(ctx, answers)
    sanne = login(ctx, "hulpverlener")
    case.complete(sanne, STAP5, {"meldcode_besluit": besluit, "meldcode_besluit_toelichting": "Afweging"})
    case.complete(sanne, MELDING, MELDPLAN)
    return case


def test_help_only_runs_each_step_in_its_lane_and_reopens_the_weighing_on_the_evaluation_date(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, daan, fatima = login(ctx, "hulpverlener"), login(ctx, "collega"), login(ctx, "aandacht")
    fg, lotte = login(ctx, "fg"), login(ctx, "rubicon")
    case = start(ctx)
    assert case.open_tasks(sanne) == [(STAP1, "professional")]

    assert case.complete(sanne, STAP1, SIGNALEN).next_task_id is None  # step 2 is not hers
    for outsider in (sanne, daan, fg, lotte):
        assert case.open_tasks(outsider) == []
    assert case.open_tasks(fatima) == [(STAP2, "aandachtsfunctionaris")]
    step3 = case.complete(fatima, STAP2, CONSULTATIE)
    assert case.open_tasks(daan) == [(STAP3, "professional")] and case.open_tasks(lotte) == []
    assert step3.next_task_id == case.task(fatima, STAP3).id  # she is a professional too

    case.complete(daan, STAP3, GESPREK)
    weighing = case.complete(sanne, STAP4, WEGEN)
    assert weighing.next_task_id is not None
    form = open_task(ctx, sanne, weighing.next_task_id)
    assert form.task.name == AFWEGING and set(form.data.values()) == {None}
    assert events.list_instance_actions(ctx, sanne, case.instance_id) == []

    case.complete(sanne, AFWEGING, HULP_MOGELIJK)
    case.complete(sanne, STAP5, {"meldcode_besluit": "hulp", "meldcode_besluit_toelichting": "Hulp volstaat"})
    assert case.complete(sanne, HULP, HULPPLAN).next_task_id is None
    assert case.open_tasks(sanne) == [] and case.open_tasks(fatima) == []
    view = view_instance(ctx, sanne, case.instance_id)
    assert (view.status, view.next_due_at) == ("waiting", EVALUATION)
    assert events.list_instance_actions(ctx, sanne, case.instance_id) == [EVENT]

    clock.set(EVALUATION - SECOND)
    assert fire_due_timers(ctx) == 0
    clock.set(EVALUATION + SECOND)
    assert fire_due_timers(ctx) == 1
    assert case.open_tasks(sanne) == [(AFWEGING, "professional")]
    reopened = open_task(ctx, sanne, case.task(sanne, AFWEGING).id)
    assert reopened.task.created_at == EVALUATION + SECOND
    assert set(reopened.data.values()) == {None}  # a new weighing starts blank
    assert events.list_instance_actions(ctx, sanne, case.instance_id) == []

    closing = case.complete(sanne, AFWEGING, vragen("ja", "nee", "ja", "ja", "ja"))
    assert open_task(ctx, sanne, closing.next_task_id or 0).task.name == AFSLUITEN
    assert case.complete(sanne, AFSLUITEN, MONITORING).instance_completed
    assert case.task_names(sanne) == [STAP1, STAP2, STAP3, STAP4, AFWEGING, STAP5, HULP, AFWEGING, AFSLUITEN]
    data = case.final_data()
    assert (data["meldcode_uitkomst"], data["meldcode_gemeld"], data["meldcode_meldingen"]) == (
        "hulp",
        False,
        0,
    )
    assert registers.list_register(ctx, fatima, REGISTER).entries == []
    assert fire_due_timers(ctx) == 0


def test_no_suspicion_closes_at_question_1_without_step_5(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    case = weigh(ctx)
    assert case.complete(sanne, AFWEGING, GEEN_VERMOEDEN).instance_completed
    assert STAP5 not in case.task_names(sanne)
    data = case.final_data()
    assert (data["meldcode_uitkomst"], data["afweging_conclusie"]) == ("geen_vermoeden", "geen_vermoeden")
    assert data["meldcode_vraag1_toelichting"] == "Toelichting bij vraag 1"  # recorded in the file
    assert registers.list_register(ctx, login(ctx, "fg"), REGISTER).entries == []


def test_acute_unsafety_is_reported_with_help_on_top_and_the_register_follows_the_report(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    sanne, fatima, fg = login(ctx, "hulpverlener"), login(ctx, "aandacht"), login(ctx, "fg")
    case = decide(ctx, ONVEILIG)
    clock.advance(timedelta(days=2))
    case.complete(
        sanne, STAP5, {"meldcode_besluit": "melden_en_hulp", "meldcode_besluit_toelichting": "Vraag 2"}
    )
    feedback = case.complete(sanne, MELDING, MELDPLAN)

    (entry,) = registers.list_register(ctx, fatima, REGISTER).entries
    assert (entry.instance_id, entry.organisation, entry.status) == (
        case.instance_id,
        "Gemeente Weert",
        "terugkoppeling afwachten",
    )
    assert (entry.opened_at, entry.closed_at, entry.due_at) == (clock.now(), None, None)
    assert entry.fields == {
        "vt_gemeld_op": "2026-11-04T10:30",
        "melding_grond": "Vraag 2: acute of structurele onveiligheid",
        "melding_besluit": "melden_en_hulp",
        "meldcode_meldingen": 1,
        "vt_melding_feiten": MELDPLAN["vt_melding_feiten"],
        "vt_melding_bronnen": [{"soort": "eigen_waarneming"}],
        "vt_contactpersoon": "Triagist Veilig Thuis",
        "vt_client_vooraf_geinformeerd": True,
        "vt_melder_anoniem": False,
    }
    view = registers.list_register(ctx, fg, REGISTER)
    assert [c for c, _ in view.columns] == [
        "vt_gemeld_op",
        "melding_grond",
        "meldcode_meldingen",
        "vt_client_vooraf_geinformeerd",
        "vt_terugkoppeling_op",
    ]
    assert registers.view_register_entry(ctx, fg, REGISTER, entry.id).fields == entry.fields
    for outsider in ("hulpverlener", "rubicon"):
        with pytest.raises(AccessDenied):
            registers.list_register(ctx, login(ctx, outsider), REGISTER)
    with pytest.raises(AccessDenied):
        registers.view_register_entry(ctx, login(ctx, "fg.rubicon"), REGISTER, entry.id)
    assert registers.list_register(ctx, login(ctx, "fg.rubicon"), REGISTER).entries == []

    task = open_task(ctx, sanne, feedback.next_task_id or 0).task
    assert (task.name, task.due_rule) == (TERUGKOPPELING, "5 werkdagen vanaf 04-11-2026")
    assert task.due_at == datetime(2026, 11, 11, 22, 59, 59, tzinfo=UTC)  # Wednesday, 23:59:59 CET
    case.complete(sanne, TERUGKOPPELING, VT_ANTWOORD)
    (entry,) = registers.list_register(ctx, fg, REGISTER).entries
    assert entry.status == "onderzoek"
    assert (entry.fields["vt_referentie"], entry.fields["vt_terugkoppeling_op"]) == (
        "VT-2026-0042",
        "2026-11-10",
    )

    assert case.open_tasks(sanne) == [(HULP, "professional")]  # help comes on top of the report
    case.complete(sanne, HULP, HULPPLAN)
    clock.set(EVALUATION + SECOND)
    assert fire_due_timers(ctx) == 1
    case.complete(sanne, AFWEGING, vragen("ja", "nee", "ja", "ja", "ja"))
    assert case.complete(sanne, AFSLUITEN, MONITORING).instance_completed
    assert case.final_data()["meldcode_uitkomst"] == "gemeld_en_hulp"
    (entry,) = registers.list_register(ctx, fg, REGISTER).entries
    assert (entry.closed_at, entry.fields["meldcode_meldingen"]) == (clock.now(), 1)


def test_no_effective_help_ends_in_a_report_only(ctx: ServiceContext) -> None:
    sanne = login(ctx, "hulpverlener")
    case = report(ctx, GEEN_EFFECTIEVE_HULP, "melden")
    assert case.complete(sanne, TERUGKOPPELING, VT_ANTWOORD).instance_completed
    assert HULP not in case.task_names(sanne)
    data = case.final_data()
    assert (data["meldcode_uitkomst"], data["melding_grond"]) == (
        "gemeld",
        "Vraag 3: geen effectieve hulp mogelijk",
    )
    (entry,) = registers.list_register(ctx, login(ctx, "aandacht"), REGISTER).entries
    assert (entry.status, entry.closed_at is not None) == ("onderzoek", True)


def test_a_report_is_allowed_when_help_would_do(ctx: ServiceContext) -> None:
    case = report(ctx, HULP_MOGELIJK, "melden")
    assert case.complete(login(ctx, "hulpverlener"), TERUGKOPPELING, VT_ANTWOORD).instance_completed
    data = case.final_data()
    assert (data["meldcode_uitkomst"], data["melding_grond"]) == (
        "gemeld",
        "Hulp mogelijk en aanvaard (melding op eigen afweging)",
    )


INTAKE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="intake_proef" name="Casusintake (proef)" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Professional">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>meldcode_check</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="meldcode_check" name="Meldcode doorlopen" calledElement="meldcode">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="meldcode_check" />
    <bpmn:sequenceFlow id="f2" sourceRef="meldcode_check" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_calling_intake_gets_only_the_outcome_and_the_lanes_still_hold(
    backend_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    (tmp_path / "intake_proef.bpmn").write_text(INTAKE, encoding="utf-8")
    (tmp_path / "meldcode.bpmn").write_bytes((PROJECT_ROOT / "processes" / "meldcode.bpmn").read_bytes())
    ctx = make_context(backend_database, clock, tmp_path)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    sanne, fatima = login(ctx, "hulpverlener"), login(ctx, "aandacht")
    case = Case(ctx, start_process(ctx, sanne, "intake_proef", home_organisation(sanne)).instance_id)
    case.complete(sanne, STAP1, SIGNALEN)
    assert case.open_tasks(sanne) == [] and case.open_tasks(fatima) == [(STAP2, "aandachtsfunctionaris")]
    case.complete(fatima, STAP2, CONSULTATIE)
    case.complete(sanne, STAP3, GESPREK)
    case.complete(sanne, STAP4, WEGEN)
    assert case.complete(sanne, AFWEGING, GEEN_VERMOEDEN).instance_completed
    # Only the outcome travels back (the process's dataOutput); the weighing stays in the meldcode.
    final = case.final_data()
    assert final.pop("zaak_referentie").startswith("KF-")  # the caller's own reference
    assert final == {"meldcode_uitkomst": "geen_vermoeden"}
