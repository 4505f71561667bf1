"""Registers of the meldcode procedure: the reports to Veilig Thuis (processes/meldcode.bpmn).

Written by "Melding doen bij Veilig Thuis" and updated by "Terugkoppeling van Veilig Thuis vastleggen". One
entry per case: a second report in the same case (afwegingskader vraag 5 = nee) updates the entry and raises
"Aantal meldingen". Read by the aandachtsfunctionaris, who watches over the meldcode in the organisation,
and by the FG.
"""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="meldcode_report",
        title="Register meldingen Veilig Thuis (meldcode, convenant art. 10)",
        fields=(
            RegisterField("vt_gemeld_op", "Gemeld op"),
            RegisterField("melding_grond", "Grond (afwegingskader)"),
            RegisterField("melding_besluit", "Besluit (stap 5)"),
            RegisterField("meldcode_meldingen", "Aantal meldingen"),
            RegisterField("vt_melding_feiten", "Gemelde feiten", personal=True),
            RegisterField("vt_melding_bronnen", "Bronnen", personal=True),
            RegisterField("vt_contactpersoon", "Contactpersoon Veilig Thuis", personal=True),
            RegisterField("vt_client_vooraf_geinformeerd", "Cliënt vooraf geïnformeerd"),
            RegisterField("vt_reden_client_niet_geinformeerd", "Reden cliënt niet geïnformeerd"),
            RegisterField(
                "vt_toelichting_client_niet_geinformeerd", "Toelichting (niet geïnformeerd)", personal=True
            ),
            RegisterField("vt_melder_anoniem", "Naam melder buiten het gezin gehouden"),
            RegisterField("vt_reden_anoniem", "Reden naam buiten het gezin"),
            RegisterField("vt_referentie", "Referentie Veilig Thuis"),
            RegisterField("vt_terugkoppeling_op", "Terugkoppeling ontvangen op"),
        ),
        readers=frozenset({Role.AANDACHTSFUNCTIONARIS, Role.FG}),
        status_field="vt_vervolg",
        list_fields=(
            "vt_gemeld_op",
            "melding_grond",
            "meldcode_meldingen",
            "vt_client_vooraf_geinformeerd",
            "vt_terugkoppeling_op",
        ),
    )
]
