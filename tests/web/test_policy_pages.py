"""The anonymised policy statistics page (issue 7 item 5): managers and the FG see counts over every
organisation with small counts hidden and the rules said in plain Dutch; others get 403 with the reason;
nonsense in the address gives messages and the unfiltered view."""

from __future__ import annotations

from sqlalchemy import select as sql_select

from tests.integration.test_policy_stats import seed_counts
from tests.web.conftest import Site, page, select, text_of
from webapp.persistence.models import AuditEvent


def _seed(site: Site) -> None:
    seed_counts(
        site.ctx,
        [
            ("2026-04", "weert", "bespreekwijze", "op_naam", 15),
            ("2026-04", "weert", "bespreekwijze", "anoniem", 30),
            ("2026-05", "leudal", "bespreekwijze", "op_naam", 3),
            ("2026-05", "leudal", "bespreekwijze", "anoniem", 40),
            ("2026-05", "nederweert", "bespreekwijze", "op_naam", 20),
            ("2026-05", "nederweert", "bespreekwijze", "anoniem", 25),
        ],
    )


def _cells(doc: object, table_id: str, row_label: str) -> list[str]:
    row = next(r for r in select(doc, f"table#{table_id} tbody tr") if text_of(r, "th").startswith(row_label))
    return [" ".join(cell.itertext()).strip() for cell in select(row, "td")]


def test_a_manager_sees_the_counts_with_small_ones_hidden(site: Site) -> None:
    _seed(site)
    response = site.client("manager").get("/rapportages/beleid?van=2026-01&tot=2026-11")
    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "h1") == "Beleidsstatistieken"
    headings = [" ".join(th.itertext()).strip() for th in select(doc, "table#tabel-bespreekwijze thead th")]
    assert headings[0] == "Bespreekwijze" and headings[-1] == "Totaal getoond"
    weert, leudal, nederweert = (
        headings.index(n) - 1 for n in ("Gemeente Weert", "Gemeente Leudal", "Gemeente Nederweert")
    )
    op_naam = _cells(doc, "tabel-bespreekwijze", "Op naam")
    anoniem = _cells(doc, "tabel-bespreekwijze", "Anoniem")
    assert [op_naam[weert], op_naam[leudal], op_naam[nederweert]] == ["x", "< 10", "20"]
    assert [anoniem[weert], anoniem[leudal], anoniem[nederweert]] == ["x", "x", "25"]
    assert _cells(doc, "tabel-bespreekwijze", "Totaal getoond")[-1] == "45"
    assert "tabel-signalen_geweld" in response.get_data(as_text=True)  # every counted field of the register
    explanation = text_of(doc, "#uitleg")
    for rule in ("alleen aantallen", "„< 10”", "geen vrije tekst", "doel"):
        assert rule in explanation
    # The table says what it is; its headers have a scope.
    assert text_of(doc, "table#tabel-bespreekwijze caption").startswith("Bespreekwijze, per organisatie")
    assert all(th.get("scope") in ("col", "row") for th in select(doc, "table#tabel-bespreekwijze th"))


def test_the_fg_sees_them_too_and_the_view_is_audited(site: Site) -> None:
    response = site.client("fg").get("/rapportages/beleid?register=breach")
    assert response.status_code == 200
    doc = page(response)
    assert text_of(doc, "#register-kop") == "Datalekkenregister (art. 33 lid 5 AVG)"
    assert select(doc, "table#tabel-oorzaak")
    with site.ctx.db.read() as session:
        line = session.scalars(sql_select(AuditEvent).where(AuditEvent.event == "report.policy")).one()
        assert (line.actor_id, line.object_id) == (site.actor("fg").user_id, "beleid-breach")


def test_one_organisation_per_month(site: Site) -> None:
    _seed(site)
    leudal = next(
        o.get("value")
        for o in select(
            page(site.client("manager").get("/rapportages/beleid")), "select#filter-organisatie option"
        )
        if o.text == "Gemeente Leudal"
    )
    doc = page(
        site.client("manager").get(f"/rapportages/beleid?organisatie={leudal}&van=2026-04&tot=2026-06")
    )
    headings = [" ".join(th.itertext()).strip() for th in select(doc, "table#tabel-bespreekwijze thead th")]
    assert headings[1:-1] == ["2026-04", "2026-05", "2026-06"]
    assert select(doc, "select#filter-per option[selected]")[0].get("value") == "maand"


def test_a_professional_is_refused_with_the_reason(site: Site) -> None:
    response = site.client("hulpverlener").get("/rapportages/beleid")
    assert response.status_code == 403
    assert "Alleen een manager of de FG ziet de beleidsstatistieken." in response.get_data(as_text=True)


def test_nonsense_in_the_address_gives_messages_and_the_unfiltered_view(site: Site) -> None:
    response = site.client("manager").get("/rapportages/beleid?van=2026-13&register=onzin&per=jaar&proces=x")
    assert response.status_code == 200
    doc = page(response)
    messages = text_of(doc, "#filter-fouten")
    assert "De maand ‘2026-13’ bestaat niet." in messages
    assert "Het register ‘onzin’ heeft geen statistiek." in messages
    assert "niet ‘jaar’" in messages
    assert "De procedure ‘x’ bestaat niet of telt hier niet mee." in messages
    assert select(doc, "input#filter-van")[0].get("value") == "2025-12"  # the default period
    assert text_of(doc, "#register-kop") == "Casusregister (convenant art. 12)"
