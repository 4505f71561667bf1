"""Hostile files in the catalogue are refused by the deploy service: a Dutch reason per file, nothing of them
deployed, every active version unchanged, and no file or address they point at read."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import make_context
from webapp.config import PROJECT_ROOT
from webapp.domain.clock import ManualClock
from webapp.persistence.models import ProcessDefinition
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_directory

SECRET = "inhoud-die-nooit-in-de-database-mag-komen-5c2e"


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server, f"http://127.0.0.1:{server.getsockname()[1]}/x"
    server.close()


def definitions_table(ctx: ServiceContext) -> list[tuple[str, int, bool, str]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                ProcessDefinition.process_id,
                ProcessDefinition.version,
                ProcessDefinition.active,
                ProcessDefinition.sha256,
            ).order_by(ProcessDefinition.process_id, ProcessDefinition.version)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def with_doctype(path: Path, doctype: str, body_marker: str = "") -> None:
    """Insert a DOCTYPE after the XML declaration, and an entity reference into the first element's text."""
    text = path.read_text(encoding="utf-8")
    declaration, rest = text.split("?>", 1)
    if body_marker:
        rest = rest.replace("</bpmn:documentation>", f"{body_marker}</bpmn:documentation>", 1)
        rest = rest.replace("</description>", f"{body_marker}</description>", 1)
    path.write_text(f"{declaration}?>{doctype}{rest}", encoding="utf-8")


def test_hostile_files_deploy_nothing_and_leave_every_active_version(
    any_ctx: ServiceContext, clock: ManualClock, tmp_path: Path, listener: tuple[socket.socket, str]
) -> None:
    server, url = listener
    secret = tmp_path / "geheim.txt"
    secret.write_text(SECRET)
    processes = tmp_path / "processes"
    shutil.copytree(PROJECT_ROOT / "processes", processes)
    before = definitions_table(any_ctx)

    # XXE to a local file, in a BPMN file
    with_doctype(
        processes / "demo_subject_request.bpmn",
        f'<!DOCTYPE bpmn:definitions [<!ENTITY x SYSTEM "file://{secret}">]>',
        "&x;",
    )
    # a DMN with an entity (billion laughs) and one with a parameter entity to an address
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    with_doctype(
        processes / "who_must_consent.dmn", f'<!DOCTYPE definitions [<!ENTITY l0 "lol">{laughs}]>', "&l9;"
    )
    with_doctype(
        processes / "meldcode.bpmn", f'<!DOCTYPE bpmn:definitions [<!ENTITY % p SYSTEM "{url}"> %p;]>'
    )
    # over 5 MB, not XML, and XML with the wrong root
    oversized = processes / "data_breach.bpmn"
    oversized.write_text(oversized.read_text(encoding="utf-8") + "<!--" + "a" * 5_300_000 + "-->", "utf-8")
    (processes / "retention.bpmn").write_text("dit is geen XML", encoding="utf-8")
    (processes / "subject_request.bpmn").write_text("<html><body>hallo</body></html>", encoding="utf-8")

    result = deploy_directory(make_context(any_ctx.db, clock, processes))

    assert result.deployed == []
    reasons = {p.file: p.message for p in result.problems}
    assert "DOCTYPE of ENTITY" in reasons["demo_subject_request.bpmn"]
    assert "DOCTYPE of ENTITY" in reasons["who_must_consent.dmn"]
    assert "DOCTYPE of ENTITY" in reasons["meldcode.bpmn"]
    assert "groter dan 5 MB" in reasons["data_breach.bpmn"]
    assert "geen goed gevormde XML" in reasons["retention.bpmn"]
    assert "geen BPMN- of DMN-diagram" in reasons["subject_request.bpmn"]
    assert "who_must_consent" in reasons["consent.bpmn"]  # needs the refused decision table: not deployed
    assert "retention" in reasons["case_intake.bpmn"]  # calls a refused procedure: not deployed either
    assert definitions_table(any_ctx) == before
    with any_ctx.db.read() as session:
        stored = [str(bundle) for bundle in session.scalars(select(ProcessDefinition.bpmn))]
    assert not any(SECRET in text for text in stored)
    with pytest.raises(BlockingIOError):
        server.accept()  # nothing tried to fetch the parameter entity
