"""Exporting the policy statistics (issue 7 items 4 and 5): a purpose is required and the form keeps what was
typed; an export downloads the file with its filter and appears in the export log, which the FG reads in
full and a manager for their own exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from openpyxl import load_workbook

from tests.integration.test_policy_stats import seed_counts
from tests.web.conftest import Site, csrf_token, local_path, page, select, text_of
from webapp.services.exports import list_export_log
from webapp.services.seed import DEMO_PASSWORD

PURPOSE = "Jaarverslag van het convenant aan de gemeenteraad"
FORM = {"register": "case", "per": "organisatie", "van": "2026-01", "tot": "2026-11"}


def _cells(row: Any) -> list[str]:
    return [" ".join(" ".join(td.itertext()).split()) for td in select(row, "td")]


def _seed(site: Site) -> None:
    seed_counts(
        site.ctx,
        [
            ("2026-04", "weert", "bespreekwijze", "op_naam", 15),
            ("2026-05", "leudal", "bespreekwijze", "op_naam", 3),
            ("2026-05", "nederweert", "bespreekwijze", "op_naam", 20),
        ],
    )


def test_an_export_without_purpose_is_refused_and_keeps_what_was_typed(site: Site) -> None:
    client = site.client("manager")
    response = client.post("/rapportages/beleid/export", data={**FORM, "formaat": "xlsx", "doel": "kort"})
    assert response.status_code == 422
    doc = page(response)
    assert text_of(doc, "#export-doel-fout") == "Fout: Beschrijf het doel in minstens 10 tekens."
    assert select(doc, "textarea#export-doel")[0].text == "kort"
    assert select(doc, "textarea#export-doel")[0].get("aria-invalid") == "true"
    assert select(doc, "input[name=formaat][value=xlsx]")[0].get("checked") is not None
    assert select(doc, "input#filter-van")[0].get("value") == "2026-01"  # the filter stays as well

    empty = page(client.post("/rapportages/beleid/export", data={**FORM, "formaat": "csv"}))
    assert text_of(empty, "#export-doel-fout") == "Fout: Vul in waarvoor u deze cijfers exporteert."
    wrong = client.post("/rapportages/beleid/export", data={**FORM, "formaat": "pdf", "doel": PURPOSE})
    assert wrong.status_code == 422
    assert "Het formaat ‘pdf’ kennen we niet" in text_of(page(wrong), "#export-formaat-fout")
    assert list_export_log(site.ctx, site.actor("manager")).total == 0  # nothing left the building


def test_an_export_with_a_bad_filter_is_refused(site: Site) -> None:
    response = site.client("manager").post(
        "/rapportages/beleid/export", data={**FORM, "van": "2026-13", "formaat": "csv", "doel": PURPOSE}
    )
    assert response.status_code == 422
    assert "er is niets geëxporteerd" in text_of(page(response), "#export-fouten")
    assert list_export_log(site.ctx, site.actor("manager")).total == 0


def test_an_export_with_purpose_downloads_and_is_logged(site: Site) -> None:
    _seed(site)
    response = site.client("manager").post(
        "/rapportages/beleid/export", data={**FORM, "formaat": "csv", "doel": f"  {PURPOSE} "}
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="beleid-case-2026-11-02.csv"'
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert ["Filter", "Register", "Casusregister (convenant art. 12)"] in rows
    assert ["Filter", "Van", "2026-01"] in rows and ["Doel", PURPOSE] in rows
    assert ["Gemaakt door", "Mila Teamleider"] in rows
    header = rows[rows.index([]) + 1]
    assert header[:2] == ["Kenmerk", "Waarde"] and header[-1] == "Totaal getoond"
    op_naam = next(r for r in rows if len(r) > 2 and r[1].startswith("Op naam"))
    assert (
        op_naam[header.index("Gemeente Leudal")] == "< 10"
        and op_naam[header.index("Gemeente Nederweert")] == "20"
    )
    assert "3" not in op_naam[2:-1]  # the small count itself is nowhere in the file

    entry = list_export_log(site.ctx, site.actor("manager")).entries[0]
    assert (entry.report, entry.format, entry.purpose) == ("beleid-case", "csv", PURPOSE)
    assert entry.rows == len(rows) - rows.index([]) - 2
    assert ("Register", "Casusregister (convenant art. 12)") in entry.filters


def test_an_excel_export_has_the_data_and_the_filter(site: Site) -> None:
    _seed(site)
    response = site.client("fg").post(
        "/rapportages/beleid/export", data={**FORM, "formaat": "xlsx", "doel": PURPOSE}
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Gegevens", "Filter"]
    header = [c.value for c in workbook["Gegevens"][1]]
    values = {row[1]: row for row in workbook["Gegevens"].iter_rows(min_row=2, values_only=True)}
    op_naam = next(v for k, v in values.items() if k.startswith("Op naam"))
    assert op_naam[header.index("Gemeente Nederweert")] == 20  # a number, not text
    assert ["Doel", None, PURPOSE] in [[c.value for c in r] for r in workbook["Filter"].iter_rows()]


def test_the_export_log_page_shows_the_fg_everything_and_a_manager_their_own(site: Site) -> None:
    site.client("manager").post(
        "/rapportages/beleid/export", data={**FORM, "formaat": "csv", "doel": PURPOSE}
    )
    site.client("manager.rubicon").post(
        "/rapportages/beleid/export", data={**FORM, "formaat": "xlsx", "doel": "Begroting jeugdhulp 2027"}
    )
    fg = page(site.client("fg").get("/rapportages/exportlog"))
    rows = [_cells(r) for r in select(fg, "table#exportlog tbody tr")]
    # Wie, Wat, Filter, Formaat, Regels, Doel; newest first
    assert [r[0] for r in rows] == ["Eva Teamleider Rubicon", "Mila Teamleider"]
    assert rows[0][1] == "beleid-case" and rows[0][3] == "Excel" and rows[0][5] == "Begroting jeugdhulp 2027"
    assert "Register: Casusregister (convenant art. 12)" in rows[1][2] and rows[1][3] == "CSV"

    own = page(site.client("manager").get("/rapportages/exportlog"))
    mine = [_cells(r) for r in select(own, "table#exportlog tbody tr")]
    assert [(r[0], r[5]) for r in mine] == [("Mila Teamleider", PURPOSE)]

    refused = site.client("hulpverlener").get("/rapportages/exportlog")
    assert refused.status_code == 403
    assert "ziet het exportlogboek" in refused.get_data(as_text=True)


def test_the_export_form_carries_a_csrf_token(csrf_app: Flask, site: Site) -> None:
    client = csrf_app.test_client()
    signed_in = client.post(
        "/login",
        data={
            "username": "manager",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client.get("/login")),
        },
    )
    assert local_path(signed_in) == "/inbox"
    form_page = client.get("/rapportages/beleid")
    without = client.post("/rapportages/beleid/export", data={**FORM, "formaat": "csv", "doel": PURPOSE})
    assert without.status_code == 400
    token = csrf_token(form_page)
    hidden = {
        i.get("name"): i.get("value") for i in select(page(form_page), "form[method=post] input[type=hidden]")
    }
    assert hidden["csrf_token"] == token and hidden["register"] == "case"
    sent = client.post("/rapportages/beleid/export", data={**hidden, "formaat": "csv", "doel": PURPOSE})
    assert sent.status_code == 200 and sent.headers["Content-Disposition"].startswith("attachment")
