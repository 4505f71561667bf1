"""Registers of the consent procedures: the consent register (processes/consent.bpmn) and the dossier of
registrations without consent (processes/no_consent_registration.bpmn).

Consent register (DOMAIN.md section 6): the controller must be able to prove a consent (AVG art. 7 lid 1),
so the entry keeps who had to consent and who did, for which purpose, data and recipients, until when, on
which information text and how — and its withdrawal, and when the partners heard of it. Professionals read
it: a case is shared only with a valid consent for that purpose and those recipients.

No-consent dossier (convenant art. 9 lid 4; DOMAIN.md sections 7 and 10.3): why no consent, the weighing
(questions a–h), who was consulted, the recipients and purposes, which data, the review by a second
professional, and whether and when the client was informed. Free text may hold personal data, so it is
marked personal (detail page only).
"""

from __future__ import annotations

from webapp.domain.messages import N_
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

CONSENT_FIELDS = (
    RegisterField("leeftijd", N_("Leeftijd bij het vragen")),
    RegisterField("wilsbekwaam", N_("Wilsbekwaam")),
    RegisterField("wilsbekwaamheid_beoordeeld_door", N_("Wilsbekwaamheid beoordeeld door"), personal=True),
    RegisterField("gezag", N_("Gezag of vertegenwoordiging")),
    RegisterField("gezag_bron", N_("Gezag gecontroleerd in")),
    RegisterField("gezag_gecontroleerd_op", N_("Gezag gecontroleerd op")),
    RegisterField("toestemming_door", N_("Wie moet toestemming geven")),
    RegisterField("gevraagd_op", N_("Gevraagd op")),
    RegisterField("informatietekst_versie", N_("Versie informatietekst")),
    RegisterField("gewezen_op_intrekken", N_("Gewezen op het recht om in te trekken")),
    RegisterField("herinnering_verstuurd_op", N_("Herinnering verstuurd op")),
    RegisterField("toestemming_antwoord", N_("Antwoord")),
    RegisterField("beantwoord_op", N_("Datum antwoord")),
    RegisterField("doel", N_("Doel")),
    RegisterField("gegevenscategorieen", N_("Gegevens")),
    RegisterField("ontvangers", N_("Ontvangende partners")),
    RegisterField("geldig_tot", N_("Geldig tot en met")),
    RegisterField("methode", N_("Wijze van toestemming")),
    RegisterField("getuige", N_("Getuige"), personal=True),
    RegisterField("gegeven_door", N_("Gegeven door"), personal=True),
    RegisterField("reden_onmogelijk", N_("Waarom niet te verkrijgen")),
    RegisterField("ingetrokken_op", N_("Ingetrokken op")),
    RegisterField("intrekking_kanaal", N_("Intrekking via")),
    RegisterField("ingetrokken_door", N_("Ingetrokken door")),
    RegisterField("partners_geinformeerd_op", N_("Partners geïnformeerd over de intrekking op")),
    RegisterField("delen_gestopt", N_("Delen gestopt")),
    RegisterField("nieuwe_toestemming_nodig", N_("Nieuwe toestemming nodig")),
)

NO_CONSENT_FIELDS = (
    RegisterField("grondslag", N_("Grondslag")),
    RegisterField("reden_geen_toestemming", N_("Waarom geen toestemming")),
    RegisterField("vraag_a_niet_mogelijk", N_("a. Toestemming vragen echt niet mogelijk of verantwoord")),
    RegisterField("vraag_a_toelichting", N_("a. Toelichting"), personal=True),
    RegisterField("vraag_b_belang", N_("b. Zwaarwegend belang")),
    RegisterField("vraag_b_toelichting", N_("b. Toelichting"), personal=True),
    RegisterField("vraag_c_noodzakelijk", N_("c. Noodzakelijk")),
    RegisterField("vraag_c_toelichting", N_("c. Toelichting"), personal=True),
    RegisterField("vraag_d_minder_ingrijpend", N_("d. Minder ingrijpende weg mogelijk")),
    RegisterField("vraag_d_toelichting", N_("d. Toelichting"), personal=True),
    RegisterField("vraag_e_proportioneel", N_("e. Veiligheid weegt zwaarder dan geheimhouding")),
    RegisterField("vraag_e_toelichting", N_("e. Toelichting"), personal=True),
    RegisterField("vraag_f_gegevens", N_("f. Verstrekte gegevens")),
    RegisterField("vraag_f_toelichting", N_("f. Toelichting"), personal=True),
    RegisterField("vraag_g_uitlegbaar", N_("g. Uit te leggen aan de cliënt")),
    RegisterField("vraag_g_toelichting", N_("g. Toelichting"), personal=True),
    RegisterField("vraag_h_kwetsbaar", N_("h. Afhankelijke of kwetsbare positie")),
    RegisterField("vraag_h_toelichting", N_("h. Toelichting"), personal=True),
    RegisterField("levensbedreigende_situatie", N_("Zeer ernstige, levensbedreigende situatie")),
    RegisterField("vitaal_belang_motivering", N_("Motivering vitaal belang"), personal=True),
    RegisterField("besluit_aanmelden", N_("Besluit")),
    RegisterField("besloten_door", N_("Besloten door"), personal=True),
    RegisterField("besloten_op", N_("Besloten op")),
    RegisterField("geraadpleegde_functionaris", N_("Geraadpleegde functionaris")),
    RegisterField("geraadpleegd_op", N_("Geraadpleegd op")),
    RegisterField("verstrekt_aan", N_("Verstrekt aan")),
    RegisterField("doel_verstrekking", N_("Doel van de verstrekking")),
    RegisterField("fg_advies_vragen", N_("FG-advies gevraagd")),
    RegisterField("fg_advies", N_("FG-advies")),
    RegisterField("fg_advies_toelichting", N_("Toelichting FG-advies"), personal=True),
    RegisterField("fg_advies_op", N_("FG-advies gegeven op")),
    RegisterField("toetsing", N_("Toetsing")),
    RegisterField("getoetst_door", N_("Getoetst door"), personal=True),
    RegisterField("getoetst_op", N_("Getoetst op")),
    RegisterField("toetsing_motivering", N_("Motivering toetsing"), personal=True),
    RegisterField("client_al_geinformeerd", N_("Cliënt vooraf geïnformeerd")),
    RegisterField("client_geinformeerd", N_("Cliënt achteraf geïnformeerd")),
    RegisterField("client_geinformeerd_op", N_("Cliënt geïnformeerd op")),
    RegisterField("informeren_op", N_("Cliënt informeren op")),
    RegisterField("reden_later_informeren", N_("Waarom later informeren")),
)

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="consent",
        title=N_("Toestemmingsregister (art. 7 lid 1 AVG; convenant art. 7 en 8)"),
        fields=CONSENT_FIELDS,
        readers=frozenset({Role.FG, Role.PROFESSIONAL, Role.AANDACHTSFUNCTIONARIS}),
        status_field="toestemming_status",
        due_field="geldig_tot",
        list_fields=("doel", "toestemming_door", "beantwoord_op", "geldig_tot", "ingetrokken_op"),
    ),
    RegisterSpec(
        kind="no_consent",
        title=N_("Dossier aanmelding zonder toestemming (convenant art. 9 lid 4)"),
        fields=NO_CONSENT_FIELDS,
        readers=frozenset({Role.FG, Role.AANDACHTSFUNCTIONARIS}),
        status_field="registratie_zonder_toestemming",
        due_field="informeren_op",
        list_fields=("grondslag", "besloten_op", "toetsing", "getoetst_op", "client_geinformeerd_op"),
    ),
]
