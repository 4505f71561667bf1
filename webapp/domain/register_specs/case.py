"""The casus register: one entry per (zorg)casusoverleg, kept by the initiator's organisation.

Convenant art. 12 lid 1 (the initiator's file) and lid 3 (access only with a direct role): the chair and
the FG read it. It keeps choices, dates and partners only — no free-text content (no question, minutes or
actions); the client's name and date of birth (named cases only) are marked personal.
"""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="case",
        title="Casusregister (convenant art. 12)",
        fields=(
            RegisterField("wettelijke_taak", "Wettelijke taak"),
            RegisterField("bespreekwijze", "Bespreekwijze"),
            RegisterField("reden_op_naam", "Reden bespreken op naam"),
            RegisterField("signalen_geweld", "Signalen van geweld"),
            RegisterField("doel_overleg", "Doel van het overleg"),
            RegisterField("partners_overleg", "Partners voor het doel"),
            RegisterField("reden_meer_partners", "Reden voor meer partners"),
            RegisterField("leeftijdscategorie", "Leeftijdscategorie"),
            RegisterField("client_naam", "Naam cliënt", personal=True),
            RegisterField("client_geboortedatum", "Geboortedatum cliënt", personal=True),
            RegisterField("grondslag_overleg", "Grondslag voor het overleg"),
            RegisterField("toestemming_status", "Toestemming"),
            RegisterField("registratie_zonder_toestemming", "Registratie zonder toestemming"),
            RegisterField("overleg_op", "Overleg op"),
            RegisterField("deelnemende_partners", "Deelnemende partners"),
            RegisterField("verslag_gedeeld_met", "Verslag gedeeld met"),
            RegisterField("afgesloten_op", "Afgesloten op"),
            RegisterField("reden_afsluiting", "Reden van afsluiten"),
            RegisterField("bewaren_tot", "Bewaren tot"),
        ),
        readers=frozenset({Role.FG, Role.VOORZITTER}),
        status_field="casus_status",
        due_field="bewaren_tot",
        list_fields=(
            "wettelijke_taak",
            "bespreekwijze",
            "grondslag_overleg",
            "doel_overleg",
            "overleg_op",
            "afgesloten_op",
        ),
    )
]
