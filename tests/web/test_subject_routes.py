"""The inspection export and the approved destruction on the case page (web tier)."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.integration.person_case import MARKER, NAME, open_named_case
from tests.web.conftest import Site, page
from tests.web.conftest import select as css
from webapp.domain.clock import ManualClock
from webapp.persistence.models import AuditEvent


def _audited(site: Site, event: str, result: str) -> list[tuple[str | None, str]]:
    """(object, action) of each audit line of this event with this result."""
    with site.ctx.db.read() as session:
        query = select(AuditEvent.object_id, AuditEvent.action).where(
            AuditEvent.event == event, AuditEvent.result == result
        )
        return [(object_id, action) for object_id, action in session.execute(query)]


def test_the_fg_downloads_the_export_from_the_case_page(site: Site, clock: ManualClock) -> None:
    case = open_named_case(site.ctx, clock)
    fg = site.client("fg")
    doc = page(fg.get(f"/cases/{case.reference}"))
    (link,) = css(doc, "a#inzage-export")
    assert link.get("href") == f"/cases/{case.reference}/inzage-export.json"
    assert css(doc, "button#vernietiging-uitvoeren") == []  # no destruction without its approval

    response = fg.get(link.get("href"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="inzage-{case.reference}.json"'
    data = json.loads(response.get_data(as_text=True))
    assert NAME in json.dumps(data, ensure_ascii=False) and MARKER in json.dumps(data, ensure_ascii=False)
    assert _audited(site, "subject.exported", "success") == [(case.reference, "export")]


def test_another_organisation_is_refused_and_the_refusal_audited(site: Site, clock: ManualClock) -> None:
    case = open_named_case(site.ctx, clock)
    lotte = site.client("rubicon")
    response = lotte.get(f"/cases/{case.reference}/inzage-export.json")
    assert response.status_code == 403 and NAME not in response.get_data(as_text=True)
    assert _audited(site, "subject.exported", "denied") == [(case.reference, "export")]
    assert lotte.get("/cases/KF-NIETBEST/inzage-export.json").status_code == 404
    colleague = site.client("collega")
    assert css(page(colleague.get(f"/cases/{case.reference}")), "a#inzage-export") == []


def test_only_the_fg_runs_a_destruction_and_only_an_approved_one(site: Site, clock: ManualClock) -> None:
    case = open_named_case(site.ctx, clock)
    assert site.client("hulpverlener").post(f"/cases/{case.reference}/vernietiging").status_code == 403
    response = site.client("fg").post(f"/cases/{case.reference}/vernietiging")
    assert response.status_code == 302  # refused with a message: the retention did not approve it
    assert len(_audited(site, "case_destroyed", "denied")) == 2
    assert _audited(site, "case_destroyed", "success") == []
