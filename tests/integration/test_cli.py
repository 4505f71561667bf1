"""The `ketenflow` command on a broken and on a good catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from webapp.cli import main
from webapp.config import PROJECT_ROOT

DEMO = "demo_subject_request.bpmn"


@pytest.fixture
def catalogue(tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    processes = tmp_path / "processes"
    processes.mkdir()
    shutil.copy(PROJECT_ROOT / "processes" / DEMO, processes / DEMO)
    monkeypatch.setenv("KETENFLOW_PROCESSES_DIR", str(processes))
    monkeypatch.setenv("KETENFLOW_DATABASE_URL", fresh_database_url)
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


def test_upgrading_to_the_statistics_tables_counts_what_is_stored(
    catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select

    from webapp import build_context
    from webapp.config import load_settings
    from webapp.persistence.models import HumanTask, MonthlyCount
    from webapp.services.context import Origin
    from webapp.services.instances import start_process
    from webapp.services.users import authenticate

    assert main(["init-db"]) == 0 and main(["deploy"]) == 0 and main(["seed-demo"]) == 0
    settings = load_settings()
    ctx = build_context(settings)
    sanne = authenticate(ctx, "hulpverlener", "ketenflow-demo", Origin())
    assert sanne is not None
    start_process(ctx, sanne, "demo_subject_request", next(iter(sanne.memberships)).organisation_id)
    ctx.db.dispose()
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "webapp" / "persistence" / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.downgrade(config, "0008")  # as a database from before the managers' statistics
    capsys.readouterr()

    assert main(["init-db"]) == 0
    assert "de overzichtstabellen zijn opnieuw berekend" in capsys.readouterr().out
    ctx = build_context(settings)
    with ctx.db.read() as session:
        counts = {row.measure: row.n for row in session.scalars(select(MonthlyCount))}
        definitions = set(session.scalars(select(HumanTask.definition_id)))
    ctx.db.dispose()
    assert counts == {"instance_started": 1}
    assert None not in definitions  # the migration gave existing tasks their process version
