"""Many due timers at once, made cheaply (the idea of bench/scale_timers.py): one instance of a diagram with a
single timer is started an hour in the past, then its row is cloned with INSERT … SELECT and every clone gets
a due job. The serialization holds no instance id, so each clone fires and ends on its own.

Every instance also gets one mail in the outbox (``mail:burst:<instance id>``), so the same workers show
that each mail is sent once as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from tests.factories import home_organisation, login, make_context
from webapp.domain.clock import ManualClock
from webapp.persistence.db import Database
from webapp.persistence.models import AuditEvent, Job, Outbox, ProcessInstance, User
from webapp.services import instances
from webapp.services.deploy import deploy_directory
from webapp.services.seed import seed_demo

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="burst_timer" name="Timerproef" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT3S"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
MAIL_KEY = "mail:burst:"


def prepare_burst(database: Database, count: int, processes: Path) -> None:
    """``count`` instances whose timer is long due, each with a due job and an unsent mail."""
    processes.mkdir(parents=True, exist_ok=True)
    (processes / "burst_timer.bpmn").write_text(DIAGRAM, encoding="utf-8")
    # Started an hour ago: the timer inside the serialization (PT3S) is long due for every clone.
    ctx = make_context(database, ManualClock(datetime.now(UTC) - timedelta(hours=1)), processes)
    assert deploy_directory(ctx).ok
    seed_demo(ctx)
    actor = login(ctx, "hulpverlener")
    first = instances.start_process(ctx, actor, "burst_timer", home_organisation(actor)).instance_id
    names = ", ".join(column.name for column in ProcessInstance.__table__.columns if column.name != "id")
    with database.write() as session:
        job = session.execute(select(Job).where(Job.instance_id == first)).scalar_one()
        session.execute(
            text(
                f"INSERT INTO process_instance ({names}) SELECT {names} FROM process_instance, "  # noqa: S608 - column names from the model
                "generate_series(1, :n) WHERE id = :first"
            ),
            {"n": count - 1, "first": first},
        )
        session.execute(
            text(
                "INSERT INTO job (kind, instance_id, due_at, attempts) SELECT :kind, p.id, :due, 0 "
                "FROM process_instance p WHERE NOT EXISTS (SELECT 1 FROM job j WHERE j.instance_id = p.id)"
            ),
            {"kind": job.kind, "due": job.due_at},
        )
        user_id = session.execute(select(User.id).where(User.username == "hulpverlener")).scalar_one()
        # A notice per instance and its mail (an outbox key is "mail:" + the notice's key).
        session.execute(
            text(
                "INSERT INTO notification (key, user_id, kind, title, link, created_at) "
                "SELECT :notice || p.id, :user_id, 'burst', 'Timerproef ' || p.id, NULL, now() "
                "FROM process_instance p"
            ),
            {"notice": MAIL_KEY.removeprefix("mail:"), "user_id": user_id},
        )
        session.execute(
            text(
                "INSERT INTO outbox (key, channel, payload, created_at) "
                "SELECT :prefix || p.id, 'mail', json_build_object('user_id', :user_id, "
                "'language', 'nl', 'attempts', 0), now() "
                "FROM process_instance p"
            ),
            {"prefix": MAIL_KEY, "user_id": user_id},
        )


@dataclass(frozen=True)
class Progress:
    jobs_left: int
    fired: int  # timer.fired audit events
    mails_unsent: int


def progress(database: Database) -> Progress:
    with database.read() as session:
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
        fired = (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "timer.fired")
            )
            or 0
        )
        unsent = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))) or 0
    return Progress(jobs, fired, unsent)


@dataclass(frozen=True)
class Outcome:
    fired_once: int  # instances with exactly one timer.fired event
    fired_twice_or_more: int
    ended: int
    jobs_left: int
    burst_mails_sent: int
    mails_unsent: int
    mails_given_up: int  # closed without being sent ("mislukt", "geen adres")


def outcome(database: Database) -> Outcome:
    with database.read() as session:
        per_instance = session.execute(
            select(AuditEvent.process_instance_id, func.count())
            .where(AuditEvent.event == "timer.fired")
            .group_by(AuditEvent.process_instance_id)
        ).all()
        ended = session.scalar(
            select(func.count()).select_from(ProcessInstance).where(ProcessInstance.ended_at.is_not(None))
        )
        jobs = session.scalar(select(func.count()).select_from(Job))
        mails = session.execute(select(Outbox.key, Outbox.sent_at, Outbox.payload)).all()
    return Outcome(
        fired_once=sum(1 for _, n in per_instance if n == 1),
        fired_twice_or_more=sum(1 for _, n in per_instance if n > 1),
        ended=ended or 0,
        jobs_left=jobs or 0,
        burst_mails_sent=sum(1 for key, sent, _ in mails if key.startswith(MAIL_KEY) and sent is not None),
        mails_unsent=sum(1 for _, sent, _ in mails if sent is None),
        mails_given_up=sum(1 for _, _, payload in mails if payload.get("status")),
    )


def sent_mail_ids(database: Database) -> set[int]:
    with database.read() as session:
        return set(session.execute(select(Outbox.id).where(Outbox.sent_at.is_not(None))).scalars())


def locks_of_waiting_sessions(database: Database) -> int:
    """Locks held by the other sessions on this database that are not running a statement: a session that
    died or forgot a transaction keeps its row locks this way."""
    with database.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                    "AND a.state <> 'active'"
                )
            ).scalar_one()
        )


def other_sessions(database: Database) -> int:
    """Connections to this database besides one fresh connection of ours (the pool is emptied first)."""
    database.engine.dispose()
    with database.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


def terminate_other_sessions(database: Database) -> int:
    """What a database restart does to the clients: every other connection to this database is cut."""
    with database.engine.connect() as connection:
        return len(
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        )
