"""Registers of the subject_request procedure: the request register of DOMAIN.md section 3.3."""

from __future__ import annotations

from webapp.domain.messages import N_
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="subject_request",
        title=N_("Register van verzoeken van betrokkenen (AVG art. 12-21, convenant art. 15-16)"),
        fields=(
            RegisterField("ontvangen_op", N_("Ontvangen op")),
            RegisterField("kanaal", N_("Kanaal")),
            RegisterField("rechten", N_("Ingeroepen rechten")),
            RegisterField("betrokkene_naam", N_("Betrokkene"), personal=True),
            RegisterField("leeftijdsgroep", N_("Leeftijd betrokkene")),
            RegisterField("verzoeker", N_("Verzoeker")),
            RegisterField("verzoeker_naam", N_("Naam verzoeker"), personal=True),
            RegisterField("identiteit_methode", N_("Identiteit vastgesteld met")),
            RegisterField("bevoegdheid_bron", N_("Bevoegdheid vastgesteld met")),
            RegisterField("identiteit_vastgesteld", N_("Identiteit en bevoegdheid vastgesteld")),
            RegisterField("identiteit_gecontroleerd_op", N_("Identiteit gecontroleerd op")),
            RegisterField("gegevens_in_scope", N_("Gegevens waarop het verzoek ziet")),
            RegisterField("ontvangende_partners", N_("Partners die de gegevens ontvingen")),
            RegisterField("antwoord_uiterlijk", N_("Uiterste antwoorddatum")),
            RegisterField("verlengd", N_("Termijn verlengd")),
            RegisterField("verlenging_reden", N_("Reden verlenging")),
            RegisterField("verlenging_gemeld_op", N_("Verlenging gemeld op")),
            RegisterField("fg_advies", N_("Advies FG (verzet)")),
            RegisterField("fg_advies_op", N_("Advies FG gegeven op")),
            RegisterField("besluit", N_("Besluit")),
            RegisterField("weigeringsgrond", N_("Weigeringsgrond")),
            RegisterField("antwoord_verzonden_op", N_("Antwoord verzonden op")),
            RegisterField("brief_vermeldt", N_("De brief vermeldt")),
            RegisterField("partnermeldingen", N_("Partners geïnformeerd (AVG art. 19)")),
            RegisterField("afgesloten_op", N_("Afgesloten op")),
            RegisterField("klacht_of_bezwaar", N_("Klacht of bezwaar ingediend")),
        ),
        readers=frozenset({Role.FG}),
        status_field="verzoek_status",
        due_field="antwoord_uiterlijk",
        list_fields=(
            "ontvangen_op",
            "rechten",
            "verlengd",
            "besluit",
            "antwoord_verzonden_op",
            "afgesloten_op",
        ),
    )
]
