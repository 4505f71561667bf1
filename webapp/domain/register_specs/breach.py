"""Registers of the breach procedure: the breach register of AVG art. 33 lid 5 (DOMAIN.md section 2.2).

Every reported incident gets an entry, also when it turns out to be no breach or is not notified: the
register documents the facts, the effects and the remedial action, and the decision with its reasons. Free
text may hold personal data despite the instructions, so it is marked personal (detail page only).
"""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

BREACH_FIELDS = (
    RegisterField("ontdekt_op", "Ontdekt op"),
    RegisterField("omschrijving_datalek", "Feiten", personal=True),
    RegisterField("oorzaak", "Oorzaak"),
    RegisterField("aard_inbreuk", "Aard van de inbreuk"),
    RegisterField("soorten_gegevens", "Soorten gegevens"),
    RegisterField("aantal_betrokkenen", "Aantal betrokkenen (schatting)"),
    RegisterField("categorieen_betrokkenen", "Categorieën betrokkenen"),
    RegisterField("is_datalek", "Datalek"),
    RegisterField("motivering_geen_datalek", "Waarom geen datalek", personal=True),
    RegisterField("herstelmaatregelen", "Genomen maatregelen", personal=True),
    RegisterField("convenantgegevens", "Gegevens uit het samenwerkingsverband"),
    RegisterField("fg_advies_risico", "Risico volgens de FG"),
    RegisterField("fg_advies_melden", "Advies FG over melden"),
    RegisterField("fg_advies", "Toelichting FG-advies", personal=True),
    RegisterField("fg_advies_op", "Datum FG-advies"),
    RegisterField("risico", "Risico"),
    RegisterField("besluit_ap", "Besluit melding AP"),
    RegisterField("motivering_besluit_ap", "Motivering besluit", personal=True),
    RegisterField("gevolgen", "Gevolgen", personal=True),
    RegisterField("ap_meldnummer", "Meldnummer AP"),
    RegisterField("gemeld_bij_ap_op", "Gemeld bij de AP op"),
    RegisterField("reden_vertraging", "Reden vertraging", personal=True),
    RegisterField("besluit_betrokkenen", "Besluit informeren betrokkenen"),
    RegisterField("uitzondering_art34", "Uitzondering art. 34 lid 3"),
    RegisterField("motivering_betrokkenen", "Motivering uitzondering", personal=True),
    RegisterField("wijze_informeren", "Betrokkenen geïnformeerd via"),
    RegisterField("betrokkenen_geinformeerd_op", "Betrokkenen geïnformeerd op"),
    RegisterField("partners_geinformeerd", "Geïnformeerde partners"),
    RegisterField("partners_geinformeerd_op", "Partners geïnformeerd op"),
    RegisterField("lessen", "Lessen en vervolgmaatregelen", personal=True),
)

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="breach",
        title="Datalekkenregister (art. 33 lid 5 AVG)",
        fields=BREACH_FIELDS,
        readers=frozenset({Role.FG}),
        status_field="status_datalek",
        due_field="ap_termijn",
        list_fields=("ontdekt_op", "oorzaak", "risico", "besluit_ap", "ap_meldnummer", "gemeld_bij_ap_op"),
    )
]
