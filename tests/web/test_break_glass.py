"""Break-glass through the pages: the refused case page offers it, a reason is required (Dutch validation),
the case shows with a red banner "Noodtoegang tot …", it ends with "Noodtoegang beëindigen" or by expiry."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import error_page, local_path, page, select, text_of
from tests.web.seeded_case import SeededSite, seed_template, seeded, seeded_site  # noqa: F401

REASON = "Acuut gevaar: Veilig Thuis belt, de zaakhouder is niet bereikbaar."


def test_the_refused_case_page_offers_break_glass_to_a_partner_professional(
    seeded: SeededSite,  # noqa: F811
) -> None:
    case = f"/cases/{seeded.ids.case}"
    response = seeded.client("rubicon").get(case)
    assert response.status_code == 403
    doc = page(response)
    assert text_of(doc, "h1") == "Geen toegang"
    assert text_of(doc, "#weigering") == "U heeft geen toegang tot deze zaak."
    (form,) = [f for f in select(doc, "form") if f.get("action") == f"{case}/noodtoegang"]
    assert form.xpath(".//textarea[@name='reden']")
    # Roles without case work get the plain refusal, with no form.
    assert error_page(seeded.client("manager.rubicon").get(case))[0] == 403
    assert "noodtoegang" not in seeded.client("manager.rubicon").get(case).get_data(as_text=True)


def test_a_short_reason_is_refused_in_dutch_and_kept(seeded: SeededSite) -> None:  # noqa: F811
    client = seeded.client("rubicon")
    response = client.post(f"/cases/{seeded.ids.case}/noodtoegang", data={"reden": "Even kijken"})
    assert response.status_code == 422
    doc = page(response)
    assert (
        text_of(doc, "#f-reden-error") == "Fout: Geef een reden van minstens 20 tekens; deze telt 11 tekens."
    )
    assert doc.get_element_by_id("f-reden").text_content() == "Even kijken"
    assert client.get(f"/cases/{seeded.ids.case}").status_code == 403


def test_break_glass_shows_the_case_with_a_red_banner_until_it_is_ended(
    seeded: SeededSite,  # noqa: F811
) -> None:
    client, case = seeded.client("rubicon"), f"/cases/{seeded.ids.case}"
    asked = client.get(f"{case}/noodtoegang")
    assert asked.status_code == 200 and text_of(page(asked), "h1") == "Noodtoegang vragen"

    granted = client.post(f"{case}/noodtoegang", data={"reden": REASON})

    assert local_path(granted) == case
    doc = page(client.get(case))
    banner = text_of(doc, "#noodtoegang")
    assert banner.startswith("Noodtoegang tot 02-11-2026 14:00")  # 09:00 UTC + 4 hours, in Amsterdam
    assert REASON in banner
    assert "Noodtoegang tot" in text_of(page(client.get(f"/instances/{seeded.ids.instance}")), "#noodtoegang")
    assert client.get(f"{case}/noodtoegang").status_code == 302  # already open: back to the case

    ended = client.post(f"{case}/noodtoegang/einde")
    assert local_path(ended) == "/inbox"
    assert client.get(case).status_code == 403


def test_expired_break_glass_refuses_the_case_again(seeded: SeededSite) -> None:  # noqa: F811
    case = f"/cases/{seeded.ids.case}"
    seeded.client("rubicon").post(f"{case}/noodtoegang", data={"reden": REASON})
    # Signed in again after each move: the session itself expires after half an hour without use.
    seeded.clock.advance(timedelta(hours=4) - timedelta(seconds=1))
    assert seeded.client("rubicon").get(case).status_code == 200
    seeded.clock.advance(timedelta(seconds=1))
    assert seeded.client("rubicon").get(case).status_code == 403
