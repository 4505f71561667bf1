"""Registers of the retention procedure: the destruction records (verklaringen van vernietiging)."""

from __future__ import annotations

from webapp.domain.register_specs.spec import RegisterField, RegisterSpec
from webapp.domain.roles import Role

# What was destroyed, on what ground, how, from which period, by whom and approved by whom
# (Archiefbesluit 1995 art. 8; DOMAIN.md section 4.2 step 4). Never any content of the destroyed data.
SPECS: list[RegisterSpec] = [
    RegisterSpec(
        kind="destruction",
        title="Verklaringen van vernietiging (Archiefbesluit 1995 art. 8, convenant art. 17)",
        fields=(
            RegisterField("dossier_kenmerk", "Kenmerk dossier"),
            RegisterField("bewaargrond", "Wettelijke grondslag"),
            RegisterField("bewaartermijn", "Bewaartermijn"),
            RegisterField("laatste_wijziging_op", "Laatste wijziging"),
            RegisterField("stukken_van", "Stukken van"),
            RegisterField("stukken_tot", "Stukken tot"),
            RegisterField("vernietigingsmethode", "Methode"),
            RegisterField("uitgevoerd_door", "Uitgevoerd door", personal=True),
            RegisterField("goedgekeurd_door", "Goedgekeurd door", personal=True),
            RegisterField("goedgekeurd_op", "Goedgekeurd op"),
            RegisterField("vernietigd_op", "Vernietigd op"),
            RegisterField("partners_geinformeerd", "Ontvangende partners geïnformeerd"),
        ),
        readers=frozenset({Role.FG}),
        list_fields=("dossier_kenmerk", "bewaargrond", "stukken_van", "stukken_tot", "vernietigd_op"),
    )
]
