"""Registers of the subject_request procedure: the request register of DOMAIN.md section 3.3."""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="subject_request",
        title="Register van verzoeken van betrokkenen (AVG art. 12-21, convenant art. 15-16)",
        fields=(
            RegisterField("ontvangen_op", "Ontvangen op"),
            RegisterField("kanaal", "Kanaal"),
            RegisterField("rechten", "Ingeroepen rechten"),
            RegisterField("betrokkene_naam", "Betrokkene", personal=True),
            RegisterField("leeftijdsgroep", "Leeftijd betrokkene"),
            RegisterField("verzoeker", "Verzoeker"),
            RegisterField("verzoeker_naam", "Naam verzoeker", personal=True),
            RegisterField("identiteit_methode", "Identiteit vastgesteld met"),
            RegisterField("bevoegdheid_bron", "Bevoegdheid vastgesteld met"),
            RegisterField("identiteit_vastgesteld", "Identiteit en bevoegdheid vastgesteld"),
            RegisterField("identiteit_gecontroleerd_op", "Identiteit gecontroleerd op"),
            RegisterField("gegevens_in_scope", "Gegevens waarop het verzoek ziet"),
            RegisterField("ontvangende_partners", "Partners die de gegevens ontvingen"),
            RegisterField("antwoord_uiterlijk", "Uiterste antwoorddatum"),
            RegisterField("verlengd", "Termijn verlengd"),
            RegisterField("verlenging_reden", "Reden verlenging"),
            RegisterField("verlenging_gemeld_op", "Verlenging gemeld op"),
            RegisterField("fg_advies", "Advies FG (verzet)"),
            RegisterField("fg_advies_op", "Advies FG gegeven op"),
            RegisterField("besluit", "Besluit"),
            RegisterField("weigeringsgrond", "Weigeringsgrond"),
            RegisterField("antwoord_verzonden_op", "Antwoord verzonden op"),
            RegisterField("brief_vermeldt", "De brief vermeldt"),
            RegisterField("partnermeldingen", "Partners geïnformeerd (AVG art. 19)"),
            RegisterField("afgesloten_op", "Afgesloten op"),
            RegisterField("klacht_of_bezwaar", "Klacht of bezwaar ingediend"),
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
