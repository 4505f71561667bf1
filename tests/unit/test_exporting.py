"""The CSV and Excel files of a report table: the filter above the table, formulas kept as text, typed
Excel cells, and the asked format read from the query."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook

from webapp.services.report_tables import Column, ReportTable
from webapp.web.reports.exporting import about_lines, export_format, table_csv, table_xlsx

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam

TABLE = ReportTable(
    name="dashboard-taken",
    title="Openstaande taken",
    columns=(
        Column("stap", "Stap"),
        Column("aantal", "Aantal", "int"),
        Column("tijdig", "Tijdig", "percent"),
        Column("termijn", "Uiterlijk", "datetime"),
        Column("dag", "Dag", "date"),
        Column("duur", "Doorlooptijd", "duration"),
        Column("zaak", "Lijst", "link"),
    ),
    rows=[
        {
            "stap": '=HYPERLINK("http://evil")',
            "aantal": 12,
            "tijdig": 0.875,
            "termijn": datetime(2026, 11, 30, 23, 15, tzinfo=UTC),  # 1 December 00:15 in Amsterdam
            "dag": date(2026, 11, 3),
            "duur": timedelta(hours=51, minutes=30),
            "zaak": {"text": "Bekijk", "href": "/rapportages/lijst?x=1"},
        },
        # seconds, as the services give a duration
        {
            "stap": "-1+1",
            "aantal": "< 10",
            "tijdig": None,
            "termijn": None,
            "dag": None,
            "duur": 5400,
            "zaak": None,
        },
    ],
    filters=[("Organisatie", "Gemeente Weert"), ("Van", "@2026-01")],
)


def _csv_rows() -> list[list[str]]:
    text = table_csv(TABLE, about_lines(TABLE, NOW, "Mila Teamleider", "Voor de raadsbrief"))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_starts_with_the_filter_then_an_empty_line_then_the_table() -> None:
    rows = _csv_rows()
    assert rows[:7] == [
        ["Tabel", "Openstaande taken"],
        ["Filter", "Organisatie", "Gemeente Weert"],
        ["Filter", "Van", "'@2026-01"],
        ["Gemaakt op", "02-11-2026 10:30"],
        ["Gemaakt door", "Mila Teamleider"],
        ["Doel", "Voor de raadsbrief"],
        [],
    ]
    assert rows[7] == ["Stap", "Aantal", "Tijdig", "Uiterlijk", "Dag", "Doorlooptijd", "Lijst"]
    assert rows[8][1:] == ["12", "87,5%", "01-12-2026 00:15", "03-11-2026", "51:30", "Bekijk"]
    assert rows[9] == ["'-1+1", "< 10", "", "", "", "1:30", ""]


def test_csv_writes_a_formula_as_text() -> None:
    rows = _csv_rows()
    assert rows[8][0] == '\'=HYPERLINK("http://evil")'
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_xlsx_has_typed_cells_a_bold_frozen_header_and_a_filter_sheet() -> None:
    body = table_xlsx(TABLE, about_lines(TABLE, NOW, "Mila Teamleider"))
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == ["Gegevens", "Filter"]
    data = workbook["Gegevens"]
    assert [cell.value for cell in data[1]] == [
        "Stap",
        "Aantal",
        "Tijdig",
        "Uiterlijk",
        "Dag",
        "Doorlooptijd",
        "Lijst",
    ]
    assert all(cell.font.bold for cell in data[1])
    assert data.freeze_panes == "A2"
    assert data.auto_filter.ref == "A1:G3"
    step, count, share, due, day, duration, link = data[2]
    assert step.data_type == "s" and step.value == '=HYPERLINK("http://evil")'  # text, never a formula
    assert count.value == 12 and count.data_type == "n"
    assert share.value == 0.875 and share.number_format == "0.0%"
    assert due.value == datetime(2026, 12, 1, 0, 15) and due.is_date  # Amsterdam time, no zone
    assert day.is_date and day.value.date() == date(2026, 11, 3)
    assert duration.number_format == "[h]:mm"
    assert link.value == "Bekijk"
    assert data["B3"].value == "< 10" and data["C3"].value is None
    assert data["F3"].number_format == "[h]:mm" and data["F3"].value == timedelta(hours=1, minutes=30)
    assert data.column_dimensions["A"].width >= len('=HYPERLINK("http://evil")')

    about = [[cell.value for cell in row] for row in workbook["Filter"].iter_rows()]
    assert about[0] == ["Tabel", None, "Openstaande taken"]
    assert ["Filter", "Van", "@2026-01"] in about
    assert workbook["Filter"]["C3"].data_type == "s"
    assert ["Gemaakt op", None, "02-11-2026 10:30"] in about
    assert ["Gemaakt door", None, "Mila Teamleider"] in about


def test_xlsx_drops_control_characters_that_would_break_the_workbook() -> None:
    table = ReportTable("t", "T", (Column("a", "A"),), [{"a": "bel\x07 en\x00 nul"}])
    workbook = load_workbook(io.BytesIO(table_xlsx(table, about_lines(table, NOW, "x"))))
    assert workbook["Gegevens"]["A2"].value == "bel en nul"


def test_export_format_reads_formaat() -> None:
    assert export_format({}) == (None, "")
    assert export_format({"formaat": "csv"}) == ("csv", "")
    assert export_format({"formaat": " XLSX "}) == ("xlsx", "")
    fmt, message = export_format({"formaat": "pdf"})
    assert fmt is None and message == "Het formaat ‘pdf’ kennen we niet: kies CSV of Excel."
