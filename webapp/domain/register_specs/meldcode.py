"""Registers of the meldcode procedure: the reports to Veilig Thuis (processes/meldcode.bpmn).

Written by "Melding doen bij Veilig Thuis" and updated by "Terugkoppeling van Veilig Thuis vastleggen". One
entry per case: a second report in the same case (afwegingskader vraag 5 = nee) updates the entry and raises
"Aantal meldingen". Read by the aandachtsfunctionaris, who watches over the meldcode in the organisation,
and by the FG.
"""

from __future__ import annotations

from webapp.domain.messages import N_
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="meldcode_report",
        title=N_("Register meldingen Veilig Thuis (meldcode, convenant art. 10)"),
        fields=(
            RegisterField("vt_gemeld_op", N_("Gemeld op")),
            RegisterField("melding_grond", N_("Grond (afwegingskader)")),
            RegisterField("melding_besluit", N_("Besluit (stap 5)")),
            RegisterField("meldcode_meldingen", N_("Aantal meldingen")),
            RegisterField("vt_melding_feiten", N_("Gemelde feiten"), personal=True),
            RegisterField("vt_melding_bronnen", N_("Bronnen"), personal=True),
            RegisterField("vt_contactpersoon", N_("Contactpersoon Veilig Thuis"), personal=True),
            RegisterField("vt_client_vooraf_geinformeerd", N_("Cliënt vooraf geïnformeerd")),
            RegisterField("vt_reden_client_niet_geinformeerd", N_("Reden cliënt niet geïnformeerd")),
            RegisterField(
                "vt_toelichting_client_niet_geinformeerd",
                N_("Toelichting (niet geïnformeerd)"),
                personal=True,
            ),
            RegisterField("vt_melder_anoniem", N_("Naam melder buiten het gezin gehouden")),
            RegisterField("vt_reden_anoniem", N_("Reden naam buiten het gezin")),
            RegisterField("vt_referentie", N_("Referentie Veilig Thuis")),
            RegisterField("vt_terugkoppeling_op", N_("Terugkoppeling ontvangen op")),
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
