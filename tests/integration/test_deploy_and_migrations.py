"""Deploying versions, refusing broken files, and the migration history matching the models."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from tests.factories import home_organisation, login, make_context
from webapp.cli import migrate
from webapp.config import PROJECT_ROOT, load_settings
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.persistence.models import Base, ProcessDefinition, ProcessInstance
from webapp.services import instances, tasks
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo

DEMO = "demo_subject_request.bpmn"


def copy_catalogue(target: Path) -> Path:
    target.mkdir()
    shutil.copy(PROJECT_ROOT / "processes" / DEMO, target / DEMO)
    return target


def test_running_instances_keep_their_version_and_new_ones_take_the_new(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    processes = copy_catalogue(tmp_path / "processes")
    ctx = make_context(database, clock, processes)
    assert deploy_directory(ctx).deployed == [("demo_subject_request", 1)]
    assert deploy_directory(ctx).unchanged == [("demo_subject_request", 1)]  # same content: no new version
    seed_demo(ctx)
    actor = login(ctx, "hulpverlener")
    old = instances.start_process(ctx, actor, "demo_subject_request", home_organisation(actor))

    path = processes / DEMO
    path.write_text(
        path.read_text(encoding="utf-8").replace("Verzoek registreren", "Verzoek vastleggen"), "utf-8"
    )
    assert deploy_directory(ctx).deployed == [("demo_subject_request", 2)]
    new = instances.start_process(ctx, actor, "demo_subject_request", home_organisation(actor))

    names = {t.instance_id: t.name for t in tasks.list_inbox(ctx, actor)}
    assert names == {old.instance_id: "Verzoek registreren", new.instance_id: "Verzoek vastleggen"}
    with ctx.db.read() as session:
        versions = dict(
            session.execute(
                select(ProcessInstance.id, ProcessDefinition.version).join(
                    ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id
                )
            ).all()
        )
    assert versions == {old.instance_id: 1, new.instance_id: 2}


def test_a_broken_file_deploys_nothing_and_the_last_good_version_stays_active(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    processes = copy_catalogue(tmp_path / "processes")
    ctx = make_context(database, clock, processes)
    deploy_directory(ctx)
    path = processes / DEMO
    path.write_text(path.read_text(encoding="utf-8").replace('before="P7D"', 'before="P7D" +'), "utf-8")

    result = deploy_directory(ctx)

    assert not result.ok and result.deployed == []
    (problem,) = result.problems
    assert problem.file == DEMO and problem.element == "timer_reminder"
    assert "geen geldige expressie" in problem.message
    with ctx.db.read() as session:
        active = session.execute(
            select(ProcessDefinition.version).where(ProcessDefinition.active.is_(True))
        ).all()
    assert active == [(1,)]


def test_the_migration_history_creates_exactly_the_models(database: Database, tmp_path: Path) -> None:
    if database.is_postgres:
        Base.metadata.drop_all(database.engine)
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        url = database.url
    else:
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    try:
        migrate(load_settings({"env": "test", "database_url": url}))
        migrated = Database(url)
        with migrated.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        migrated.dispose()
        assert differences == []
    finally:
        if database.is_postgres:  # leave the session's schema as the other tests expect it
            with database.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            Base.metadata.drop_all(database.engine)
            Base.metadata.create_all(database.engine)
