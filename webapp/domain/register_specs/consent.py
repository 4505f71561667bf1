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

from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

CONSENT_FIELDS = (
    RegisterField("leeftijd", "Leeftijd bij het vragen"),
    RegisterField("wilsbekwaam", "Wilsbekwaam"),
    RegisterField("wilsbekwaamheid_beoordeeld_door", "Wilsbekwaamheid beoordeeld door", personal=True),
    RegisterField("gezag", "Gezag of vertegenwoordiging"),
    RegisterField("gezag_bron", "Gezag gecontroleerd in"),
    RegisterField("gezag_gecontroleerd_op", "Gezag gecontroleerd op"),
    RegisterField("toestemming_door", "Wie moet toestemming geven"),
    RegisterField("gevraagd_op", "Gevraagd op"),
    RegisterField("informatietekst_versie", "Versie informatietekst"),
    RegisterField("gewezen_op_intrekken", "Gewezen op het recht om in te trekken"),
    RegisterField("herinnering_verstuurd_op", "Herinnering verstuurd op"),
    RegisterField("toestemming_antwoord", "Antwoord"),
    RegisterField("beantwoord_op", "Datum antwoord"),
    RegisterField("doel", "Doel"),
    RegisterField("gegevenscategorieen", "Gegevens"),
    RegisterField("ontvangers", "Ontvangende partners"),
    RegisterField("geldig_tot", "Geldig tot en met"),
    RegisterField("methode", "Wijze van toestemming"),
    RegisterField("getuige", "Getuige", personal=True),
    RegisterField("gegeven_door", "Gegeven door", personal=True),
    RegisterField("reden_onmogelijk", "Waarom niet te verkrijgen"),
    RegisterField("ingetrokken_op", "Ingetrokken op"),
    RegisterField("intrekking_kanaal", "Intrekking via"),
    RegisterField("ingetrokken_door", "Ingetrokken door"),
    RegisterField("partners_geinformeerd_op", "Partners geïnformeerd over de intrekking op"),
    RegisterField("delen_gestopt", "Delen gestopt"),
    RegisterField("nieuwe_toestemming_nodig", "Nieuwe toestemming nodig"),
)

NO_CONSENT_FIELDS = (
    RegisterField("grondslag", "Grondslag"),
    RegisterField("reden_geen_toestemming", "Waarom geen toestemming"),
    RegisterField("vraag_a_niet_mogelijk", "a. Toestemming vragen echt niet mogelijk of verantwoord"),
    RegisterField("vraag_a_toelichting", "a. Toelichting", personal=True),
    RegisterField("vraag_b_belang", "b. Zwaarwegend belang"),
    RegisterField("vraag_b_toelichting", "b. Toelichting", personal=True),
    RegisterField("vraag_c_noodzakelijk", "c. Noodzakelijk"),
    RegisterField("vraag_c_toelichting", "c. Toelichting", personal=True),
    RegisterField("vraag_d_minder_ingrijpend", "d. Minder ingrijpende weg mogelijk"),
    RegisterField("vraag_d_toelichting", "d. Toelichting", personal=True),
    RegisterField("vraag_e_proportioneel", "e. Veiligheid weegt zwaarder dan geheimhouding"),
    RegisterField("vraag_e_toelichting", "e. Toelichting", personal=True),
    RegisterField("vraag_f_gegevens", "f. Verstrekte gegevens"),
    RegisterField("vraag_f_toelichting", "f. Toelichting", personal=True),
    RegisterField("vraag_g_uitlegbaar", "g. Uit te leggen aan de cliënt"),
    RegisterField("vraag_g_toelichting", "g. Toelichting", personal=True),
    RegisterField("vraag_h_kwetsbaar", "h. Afhankelijke of kwetsbare positie"),
    RegisterField("vraag_h_toelichting", "h. Toelichting", personal=True),
    RegisterField("levensbedreigende_situatie", "Zeer ernstige, levensbedreigende situatie"),
    RegisterField("vitaal_belang_motivering", "Motivering vitaal belang", personal=True),
    RegisterField("besluit_aanmelden", "Besluit"),
    RegisterField("besloten_door", "Besloten door", personal=True),
    RegisterField("besloten_op", "Besloten op"),
    RegisterField("geraadpleegde_functionaris", "Geraadpleegde functionaris"),
    RegisterField("geraadpleegd_op", "Geraadpleegd op"),
    RegisterField("verstrekt_aan", "Verstrekt aan"),
    RegisterField("doel_verstrekking", "Doel van de verstrekking"),
    RegisterField("fg_advies_vragen", "FG-advies gevraagd"),
    RegisterField("fg_advies", "FG-advies"),
    RegisterField("fg_advies_toelichting", "Toelichting FG-advies", personal=True),
    RegisterField("fg_advies_op", "FG-advies gegeven op"),
    RegisterField("toetsing", "Toetsing"),
    RegisterField("getoetst_door", "Getoetst door", personal=True),
    RegisterField("getoetst_op", "Getoetst op"),
    RegisterField("toetsing_motivering", "Motivering toetsing", personal=True),
    RegisterField("client_al_geinformeerd", "Cliënt vooraf geïnformeerd"),
    RegisterField("client_geinformeerd", "Cliënt achteraf geïnformeerd"),
    RegisterField("client_geinformeerd_op", "Cliënt geïnformeerd op"),
    RegisterField("informeren_op", "Cliënt informeren op"),
    RegisterField("reden_later_informeren", "Waarom later informeren"),
)

SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="consent",
        title="Toestemmingsregister (art. 7 lid 1 AVG; convenant art. 7 en 8)",
        fields=CONSENT_FIELDS,
        readers=frozenset({Role.FG, Role.PROFESSIONAL, Role.AANDACHTSFUNCTIONARIS}),
        status_field="toestemming_status",
        due_field="geldig_tot",
        list_fields=("doel", "toestemming_door", "beantwoord_op", "geldig_tot", "ingetrokken_op"),
    ),
    RegisterSpec(
        kind="no_consent",
        title="Dossier aanmelding zonder toestemming (convenant art. 9 lid 4)",
        fields=NO_CONSENT_FIELDS,
        readers=frozenset({Role.FG, Role.AANDACHTSFUNCTIONARIS}),
        status_field="registratie_zonder_toestemming",
        due_field="informeren_op",
        list_fields=("grondslag", "besloten_op", "toetsing", "getoetst_op", "client_geinformeerd_op"),
    ),
]
