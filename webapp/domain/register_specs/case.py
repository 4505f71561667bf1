"""The casus register: one entry per (zorg)casusoverleg, kept by the initiator's organisation.

Convenant art. 12 lid 1 (the initiator's file) and lid 3 (access only with a direct role): the chair and
the FG read it. It keeps choices, dates and partners only — no free-text content (no question, minutes or
actions); the client's name and date of birth (named cases only) are marked personal.
"""

from __future__ import annotations

from webapp.domain.messages import N_
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="case",
        title=N_("Casusregister (convenant art. 12)"),
        fields=(
            RegisterField("wettelijke_taak", N_("Wettelijke taak")),
            RegisterField("bespreekwijze", N_("Bespreekwijze")),
            RegisterField("reden_op_naam", N_("Reden bespreken op naam")),
            RegisterField("signalen_geweld", N_("Signalen van geweld")),
            RegisterField("doel_overleg", N_("Doel van het overleg")),
            RegisterField("partners_overleg", N_("Partners voor het doel")),
            RegisterField("reden_meer_partners", N_("Reden voor meer partners")),
            RegisterField("leeftijdscategorie", N_("Leeftijdscategorie")),
            RegisterField("client_naam", N_("Naam cliënt"), personal=True),
            RegisterField("client_geboortedatum", N_("Geboortedatum cliënt"), personal=True),
            RegisterField("grondslag_overleg", N_("Grondslag voor het overleg")),
            RegisterField("toestemming_status", N_("Toestemming")),
            RegisterField("registratie_zonder_toestemming", N_("Registratie zonder toestemming")),
            RegisterField("overleg_op", N_("Overleg op")),
            RegisterField("deelnemende_partners", N_("Deelnemende partners")),
            RegisterField("verslag_gedeeld_met", N_("Verslag gedeeld met")),
            RegisterField("afgesloten_op", N_("Afgesloten op")),
            RegisterField("reden_afsluiting", N_("Reden van afsluiten")),
            RegisterField("bewaren_tot", N_("Bewaren tot")),
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
