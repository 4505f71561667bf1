"""Registers of the breach procedure: the breach register of AVG art. 33 lid 5 (DOMAIN.md section 2.2).

Every reported incident gets an entry, also when it turns out to be no breach or is not notified: the
register documents the facts, the effects and the remedial action, and the decision with its reasons. Free
text may hold personal data despite the instructions, so it is marked personal (detail page only).
"""

from __future__ import annotations

from webapp.domain.messages import N_
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

BREACH_FIELDS = (
    RegisterField("ontdekt_op", N_("Ontdekt op")),
    RegisterField("omschrijving_datalek", N_("Feiten"), personal=True),
    RegisterField("oorzaak", N_("Oorzaak")),
    RegisterField("aard_inbreuk", N_("Aard van de inbreuk")),
    RegisterField("soorten_gegevens", N_("Soorten gegevens")),
    RegisterField("aantal_betrokkenen", N_("Aantal betrokkenen (schatting)")),
    RegisterField("categorieen_betrokkenen", N_("Categorieën betrokkenen")),
    RegisterField("is_datalek", N_("Datalek")),
    RegisterField("motivering_geen_datalek", N_("Waarom geen datalek"), personal=True),
    RegisterField("herstelmaatregelen", N_("Genomen maatregelen"), personal=True),
    RegisterField("convenantgegevens", N_("Gegevens uit het samenwerkingsverband")),
    RegisterField("fg_advies_risico", N_("Risico volgens de FG")),
    RegisterField("fg_advies_melden", N_("Advies FG over melden")),
    RegisterField("fg_advies", N_("Toelichting FG-advies"), personal=True),
    RegisterField("fg_advies_op", N_("Datum FG-advies")),
    RegisterField("risico", N_("Risico")),
    RegisterField("besluit_ap", N_("Besluit melding AP")),
    RegisterField("motivering_besluit_ap", N_("Motivering besluit"), personal=True),
    RegisterField("gevolgen", N_("Gevolgen"), personal=True),
    RegisterField("ap_meldnummer", N_("Meldnummer AP")),
    RegisterField("gemeld_bij_ap_op", N_("Gemeld bij de AP op")),
    RegisterField("reden_vertraging", N_("Reden vertraging"), personal=True),
    RegisterField("besluit_betrokkenen", N_("Besluit informeren betrokkenen")),
    RegisterField("uitzondering_art34", N_("Uitzondering art. 34 lid 3")),
    RegisterField("motivering_betrokkenen", N_("Motivering uitzondering"), personal=True),
    RegisterField("wijze_informeren", N_("Betrokkenen geïnformeerd via")),
    RegisterField("betrokkenen_geinformeerd_op", N_("Betrokkenen geïnformeerd op")),
    RegisterField("partners_geinformeerd", N_("Geïnformeerde partners")),
    RegisterField("partners_geinformeerd_op", N_("Partners geïnformeerd op")),
    RegisterField("lessen", N_("Lessen en vervolgmaatregelen"), personal=True),
)

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="breach",
        title=N_("Datalekkenregister (art. 33 lid 5 AVG)"),
        fields=BREACH_FIELDS,
        readers=frozenset({Role.FG}),
        status_field="status_datalek",
        due_field="ap_termijn",
        list_fields=("ontdekt_op", "oorzaak", "risico", "besluit_ap", "ap_meldnummer", "gemeld_bij_ap_op"),
    )
]
