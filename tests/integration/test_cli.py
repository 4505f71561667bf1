"""The `ketenflow` command on a broken and on a good catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from webapp.cli import main
from webapp.config import PROJECT_ROOT

DEMO = "demo_subject_request.bpmn"


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    processes = tmp_path / "processes"
    processes.mkdir()
    shutil.copy(PROJECT_ROOT / "processes" / DEMO, processes / DEMO)
    monkeypatch.setenv("KETENFLOW_PROCESSES_DIR", str(processes))
    monkeypatch.setenv("KETENFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return processes


def test_check_processes_names_file_element_and_reason_and_fails(
    catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalogue / "broken.bpmn").write_text(
        (catalogue / DEMO)
        .read_text(encoding="utf-8")
        .replace('id="demo_subject_request"', 'id="broken"')
        .replace('"P4W", before="P7D")', '"P4W", before="P7D"'),
        encoding="utf-8",
    )
    assert main(["check-processes"]) == 1
    out, err = capsys.readouterr()
    assert "in orde: demo_subject_request" in out
    assert "FOUT: broken.bpmn [timer_reminder]: de timer-expressie" in err


def test_init_deploy_and_seed_on_a_fresh_database(
    catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init-db"]) == 0
    assert main(["deploy"]) == 0
    assert main(["deploy"]) == 0
    assert main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    assert "uitgerold: demo_subject_request versie 1" in out
    assert "ongewijzigd: demo_subject_request versie 1" in out
    assert "13 organisaties en 11 gebruikers" in out
