"""``ketenflow export-processes`` writes the active versions back to files; ``ketenflow run`` deploys at start
only what is new, so a restart never undoes a version deployed in the studio (``ketenflow deploy`` still does
deploy every changed file)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp import build_context
from webapp.cli import main
from webapp.config import PROJECT_ROOT, load_settings
from webapp.engine.catalogue import check_sources, load_forms
from webapp.persistence.models import ProcessDefinition, User
from webapp.services.context import ServiceContext
from webapp.services.deploy import deploy_bundle

DEMO = "demo_subject_request.bpmn"
FORM = "demo_escalation.schema.json"


@pytest.fixture
def catalogue(tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    processes = tmp_path / "processes"
    processes.mkdir()
    shutil.copy(PROJECT_ROOT / "processes" / DEMO, processes / DEMO)
    monkeypatch.setenv("KETENFLOW_PROCESSES_DIR", str(processes))
    monkeypatch.setenv("KETENFLOW_DATABASE_URL", fresh_database_url)
    assert main(["init-db"]) == 0
    return processes


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ketenflow run` goes through its start-up deploy and then returns instead of serving."""
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda *args, **kwargs: None)


def _context() -> ServiceContext:
    return build_context(load_settings())


def _studio_deploy(text: str) -> int:
    """A process owner deploys ``text`` as the demo from the studio; returns the new version."""
    ctx = _context()
    forms, _ = load_forms(PROJECT_ROOT / "forms")
    report = check_sources({DEMO: text.encode()}, forms)
    assert report.ok, report.problems
    with ctx.db.write() as session:
        owner = session.execute(select(User.id).where(User.username == "procesbeheer")).scalar_one()
        version, created = deploy_bundle(session, ctx, report.bundles[0], owner)
    ctx.db.dispose()
    assert created
    return version


def _versions() -> list[tuple[int, bool, bool]]:
    """(version, active, deployed by a person) of every demo version."""
    ctx = _context()
    with ctx.db.read() as session:
        rows = session.execute(
            select(ProcessDefinition.version, ProcessDefinition.active, ProcessDefinition.deployed_by_id)
            .where(ProcessDefinition.process_id == "demo_subject_request")
            .order_by(ProcessDefinition.version)
        ).all()
    ctx.db.dispose()
    return [(version, active, by is not None) for version, active, by in rows]


def _edited(text: str, name: str) -> str:
    """The demo with its first task renamed."""
    edited = re.sub(r'(id="register_request" name=")[^"]*"', rf'\g<1>{name}"', text)
    assert edited != text
    return edited


def test_export_writes_the_active_versions_and_prints_what_changed(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy"]) == 0
    assert main(["seed-demo"]) == 0
    out = tmp_path / "export"
    capsys.readouterr()
    assert main(["export-processes", "--to", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"nieuw: processes/{DEMO}" in printed and f"nieuw: forms/{FORM}" in printed
    assert (out / "processes" / DEMO).read_text(encoding="utf-8") == (catalogue / DEMO).read_text(
        encoding="utf-8"
    )
    exported_form = out / "forms" / FORM
    assert exported_form.read_text(encoding="utf-8") == (PROJECT_ROOT / "forms" / FORM).read_text(
        encoding="utf-8"
    )

    studio_text = _edited((catalogue / DEMO).read_text(encoding="utf-8"), "Verzoek vastleggen")
    assert _studio_deploy(studio_text) == 2
    assert main(["export-processes", "--to", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"bijgewerkt: processes/{DEMO}" in printed
    assert "forms/" not in printed.replace("processes/ en forms/", "")  # the forms did not change
    assert "ongewijzigd: " in printed
    assert (out / "processes" / DEMO).read_text(encoding="utf-8") == studio_text
    assert sorted(p.name for p in (out / "processes").iterdir()) == [DEMO]
    assert json.loads(exported_form.read_text(encoding="utf-8"))["title"]

    assert main(["export-processes"]) == 0  # without --to: into processes/ itself
    assert (catalogue / DEMO).read_text(encoding="utf-8") == studio_text


def test_a_restart_keeps_a_studio_deploy_and_deploys_a_changed_file(
    catalogue: Path, no_server: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 0  # a fresh database: the file is deployed
    assert main(["seed-demo"]) == 0
    assert "uitgerold: demo_subject_request versie 1" in capsys.readouterr().out
    assert _versions() == [(1, True, False)]

    _studio_deploy(_edited((catalogue / DEMO).read_text(encoding="utf-8"), "Verzoek vastleggen"))
    assert main(["run"]) == 0  # the file did not change since it was deployed: the studio version stays
    assert "uitgerold" not in capsys.readouterr().out
    assert _versions() == [(1, False, False), (2, True, True)]

    changed = _edited((catalogue / DEMO).read_text(encoding="utf-8"), "Verzoek inschrijven")
    (catalogue / DEMO).write_text(changed, encoding="utf-8")
    assert main(["run"]) == 0  # a changed file is deployed
    assert "uitgerold: demo_subject_request versie 3" in capsys.readouterr().out
    assert main(["run"]) == 0
    assert _versions() == [(1, False, False), (2, False, True), (3, True, False)]

    _studio_deploy(_edited(changed, "Verzoek opnemen"))
    assert main(["deploy"]) == 0  # the explicit deploy puts the file back
    assert "uitgerold: demo_subject_request versie 5" in capsys.readouterr().out
    assert _versions()[-1] == (5, True, False)


def test_a_broken_file_stops_the_start(
    catalogue: Path, no_server: None, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (catalogue / DEMO).read_text(encoding="utf-8")
    (catalogue / DEMO).write_text(
        text.replace('"P4W", before="P7D")', '"P4W", before="P7D"'), encoding="utf-8"
    )
    assert main(["run"]) == 1
    assert "FOUT, niet uitgerold: demo_subject_request.bpmn [timer_reminder]" in capsys.readouterr().err
    assert _versions() == []
