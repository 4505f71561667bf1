"""Registers of the retention procedure: the destruction records (verklaringen van vernietiging)."""

from __future__ import annotations

from webapp.domain.messages import N_
from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

# What was destroyed, on what ground, how, from which period, by whom and approved by whom
# (Archiefbesluit 1995 art. 8; DOMAIN.md section 4.2 step 4). Never any content of the destroyed data.
SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="destruction",
        title=N_("Verklaringen van vernietiging (Archiefbesluit 1995 art. 8, convenant art. 17)"),
        fields=(
            RegisterField("dossier_kenmerk", N_("Kenmerk dossier")),
            RegisterField("bewaargrond", N_("Wettelijke grondslag")),
            RegisterField("bewaartermijn", N_("Bewaartermijn")),
            RegisterField("laatste_wijziging_op", N_("Laatste wijziging")),
            RegisterField("stukken_van", N_("Stukken van")),
            RegisterField("stukken_tot", N_("Stukken tot")),
            RegisterField("vernietigingsmethode", N_("Methode")),
            RegisterField("uitgevoerd_door", N_("Uitgevoerd door"), personal=True),
            RegisterField("goedgekeurd_door", N_("Goedgekeurd door"), personal=True),
            RegisterField("goedgekeurd_op", N_("Goedgekeurd op")),
            RegisterField("vernietigd_op", N_("Vernietigd op")),
            RegisterField("partners_geinformeerd", N_("Ontvangende partners geïnformeerd")),
        ),
        readers=frozenset({Role.FG}),
        list_fields=("dossier_kenmerk", "bewaargrond", "stukken_van", "stukken_tot", "vernietigd_op"),
    )
]
