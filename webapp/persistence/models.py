"""The tables of DESIGN.md section 3 that the foundation needs, as typed SQLAlchemy 2 models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from webapp.persistence.types import EncryptedJSON, EncryptedText, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # gemeente | ketenpartner


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="nl")  # nl | en
    created_at: Mapped[datetime]
    # Sign-in safety (issue 5): failures since the last success, a temporary lock, and an epoch that every
    # session carries; raising it ends all sessions of this user ("afmelden op alle apparaten").
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    password_changed_at: Mapped[datetime | None]
    # Set once confirmed; the plain base32 secret in Python, encrypted at rest (~110 of the 300 characters).
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("app_user.totp_secret", 300))
    totp_last_step: Mapped[int | None]  # the last accepted 30-second step: a code works only once
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(200))
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="selectin")


Index("ix_user_oidc", User.oidc_issuer, User.oidc_subject, unique=True)


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(40))
    user: Mapped[User] = relationship(back_populates="memberships")


class ProcessDefinition(Base):
    """One deployed version of a process, with everything it needs to run (its bundle)."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        Index("ix_definition_active", "process_id", "active"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn: Mapped[dict[str, Any]]  # filename -> XML text
    dmn: Mapped[dict[str, Any]]
    forms: Mapped[dict[str, Any]]  # form filename -> JSON Schema snapshot
    start_role: Mapped[str] = mapped_column(String(40))
    deployed_at: Mapped[datetime]
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    active: Mapped[bool] = mapped_column(default=True)


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_org_status", "organisation_id", "status"),
        # Finds an instance's process without reading its (large) row on SQLite; and the case filter.
        Index("ix_instance_definition", "id", "definition_id"),
        Index("ix_instance_case", "case_reference"),
        # The managers' dashboard: open instances per process version and organisation.
        Index("ix_instance_status_definition", "status", "definition_id", "organisation_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    case_reference: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    # Deferred: lists and inboxes never need the workflow state, and it is the largest column by far.
    # Encrypted at rest like every column that holds case contents (persistence/crypto.py).
    serialization: Mapped[str] = mapped_column(
        EncryptedText("process_instance.serialization", compress=True), deferred=True
    )
    version: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None]
    started_at: Mapped[datetime]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ended_at: Mapped[datetime | None]
    # A script error may quote the case data it choked on.
    last_error: Mapped[str | None] = mapped_column(EncryptedText("process_instance.last_error"))
    definition: Mapped[ProcessDefinition] = relationship(lazy="raise")

    # Optimistic locking: every UPDATE checks and bumps the version, so a stale writer fails loudly.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class HumanTask(Base):
    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        # Covering indexes for the inbox (bench/bench_inbox.py): the role queue and my own tasks.
        Index(
            "ix_task_queue",
            "state",
            "organisation_id",
            "role",
            "assignee_id",
            "due_at",
            "created_at",
            "instance_id",
            "id",
        ),
        Index("ix_task_mine", "state", "assignee_id", "due_at", "created_at", "instance_id", "id"),
        # The owner's tasks that are out for review with a colleague, a third branch of the inbox.
        Index(
            "ix_task_delegated",
            *("state", "delegated_by_id", "due_at", "created_at", "instance_id", "id", "assignee_id"),
        ),
        # The managers' dashboard: open tasks per process, organisation and deadline kind, by due date.
        Index("ix_task_open_stats", "state", "definition_id", "organisation_id", "deadline_kind", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    # The instance's process version, kept on the task so the managers' dashboard counts open tasks per
    # process from one covering index, without reading the (large) instance rows.
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Delegated for review: the assignee is the reviewer until they hand it back to delegated_by.
    delegated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    state: Mapped[str] = mapped_column(String(20))  # open | completed | cancelled
    # "Opslaan als concept": typed answers kept without validation, for the assignee who saved them only.
    draft: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("human_task.draft"))
    draft_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    draft_saved_at: Mapped[datetime | None]
    form: Mapped[str | None] = mapped_column(String(200))
    ui_form: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None]
    due_rule: Mapped[str | None] = mapped_column(String(200))
    # What kind of legal deadline made due_at: "hours:PT72H", "calendar:P4W", "working_days:P5D" or "date"
    # (a date the case holds); domain/statistics.py reads it back into a label.
    deadline_kind: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    instance: Mapped[ProcessInstance] = relationship(lazy="raise")


class Job(Base):
    """A timer (or later a message) to run for an instance at due_at, claimed by a worker with a lease."""

    __tablename__ = "job"
    __table_args__ = (UniqueConstraint("kind", "instance_id"), Index("ix_job_due", "due_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    due_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(EncryptedText("job.last_error"))


JOBS: Table = Job.__table__  # type: ignore[assignment]


class RegisterEntry(Base):
    """One entry of a domain register (breach, consent, request, destruction …) per process instance.

    Written by the process when a task that names the register completes; never edited behind it. The
    register-specific fields (only those its spec lists) are kept together in ``fields``.
    """

    __tablename__ = "register_entry"
    __table_args__ = (
        UniqueConstraint("kind", "instance_id"),
        Index("ix_register_org_kind", "organisation_id", "kind", "opened_at"),
        # Closing an instance closes its entries: without this, a scan of the whole register each time.
        Index("ix_register_instance", "instance_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str | None] = mapped_column(String(100))
    fields: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("register_entry.fields"))
    due_at: Mapped[datetime | None]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Comment(Base):
    """A remark on a case (and optionally one of its tasks), visible to those who may see the case."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_instance", "instance_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    body: Mapped[str] = mapped_column(EncryptedText("comment.body"))
    created_at: Mapped[datetime]


class Notification(Base):
    """An in-app notice for one user; a mail copy goes through the outbox."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # unique: the same event never notifies twice
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(40))  # task_assigned | reminder | escalation | …
    title: Mapped[str] = mapped_column(String(300))  # no personal data: task and process names only
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class ApiToken(Base):
    """A personal access token for /api/v1; only its sha256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Append-only and hash-chained (domain.audit.chain_hash); never updated, never deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_instance", "process_instance_id"),
        Index("ix_audit_client", "client_key", "at"),  # the client access overview
        Index("ix_audit_org_at", "actor_org_id", "at"),  # the FG's audit search
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(30))
    result: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    actor_org_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(100))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    client_key: Mapped[str | None] = mapped_column(String(64))
    process_instance_id: Mapped[int | None]
    task_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row holding the newest chain hash; locking it serialises appends to the chain."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class BreakGlass(Base):
    """Emergency access to a case beyond one's rights: with a reason, time-boxed, reported to the FG."""

    __tablename__ = "break_glass"
    __table_args__ = (Index("ix_break_glass_user", "user_id", "case_reference", "expires_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id")
    )  # the organisation owning the case
    case_reference: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(EncryptedText("break_glass.reason"))  # free text: may name the client
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class StudioFile(Base):
    """A diagram (BPMN, DMN) or form (JSON Schema) as a process owner edits it in the studio.

    The studio's sources are the files of ``processes/`` and ``forms/`` with these rows laid over them by
    name; deploying makes a version from them (``process_definition``); ``ketenflow export-processes``
    writes the active versions back to files for version control."""

    __tablename__ = "studio_file"
    __table_args__ = (UniqueConstraint("kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn | form
    name: Mapped[str] = mapped_column(String(200))  # the file name, e.g. case_intake.bpmn
    content: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime]


class RateLimitBucket(Base):
    """A fixed-window counter shared by all web processes (sign-ins per address, API calls per token)."""

    __tablename__ = "rate_limit_bucket"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    hits: Mapped[int] = mapped_column(default=0)


# --- Managers' statistics (DESIGN.md: managers see what is open, due and overdue) ------------------------
#
# Summary tables kept up to date in the same transaction as the event they count (services/statistics.py),
# so the dashboard reads a few thousand rows instead of a million instances. They hold counts and dates, no
# case contents; they survive the destruction of the cases they counted, as statistics should.


class MonthlyCount(Base):
    """How often something happened per month (Amsterdam time), process and organisation."""

    __tablename__ = "stat_monthly_count"
    __table_args__ = (UniqueConstraint("month", "process_id", "organisation_id", "measure"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # 2026-11
    process_id: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # instance_started | instance_completed | task_completed | task_completed_late | task_cancelled
    measure: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(default=0)


class StepDuration(Base):
    """A histogram of how long a step took (created to completed), per month of completion: medians and
    90th percentiles are read from it (domain/statistics.py), to within a bucket's width."""

    __tablename__ = "stat_step_duration"
    __table_args__ = (
        UniqueConstraint("month", "process_id", "bpmn_id", "organisation_id", "bucket"),
        # Lead times sum a period's histograms per step from this index alone, in its order (no sort): at a
        # million instances on SQLite 117 ms instead of 412 ms (bench/bench_dashboard.py).
        Index(
            "ix_step_duration_report",
            *("process_id", "bpmn_id", "bucket", "month", "organisation_id", "n", "step_name"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    process_id: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    bucket: Mapped[int]
    n: Mapped[int] = mapped_column(default=0)
    step_name: Mapped[str] = mapped_column(String(200))  # the name the step had when last counted


class DeadlineRecord(Base):
    """One legal deadline of a case and when it was met: the AP notification of a breach (72 hours), the
    answer to a data-subject request (4 weeks, or 3 months with an extension), the answer to a consent
    request (before the reminder). Derived from the register entry whenever the process writes it."""

    __tablename__ = "deadline_record"
    __table_args__ = (
        UniqueConstraint("kind", "instance_id"),
        # Compliance counts the met deadlines per outcome in this index's order (no sort), and the open ones
        # against the moment of reading: 98 ms instead of 144 ms at a million instances on SQLite.
        Index(
            "ix_deadline_record_stats",
            *("kind", "month", "organisation_id", "outcome", "due_at", "extended_due_at", "process_id"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # breach_ap | subject_request | consent_answer
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    process_id: Mapped[str] = mapped_column(String(100))
    month: Mapped[str] = mapped_column(String(7))  # of the legal start (receipt, discovery, request)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    extended_due_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    # on_time | on_time_extended | late once met (domain.compliance.final_outcome); None while open
    outcome: Mapped[str | None] = mapped_column(String(20))


class PolicyCount(Base):
    """Anonymised counts for policy (convenant art. 2.3 and 12.5): per month of opening, organisation and
    register, how many entries had each value of a closed-list field. Counts only: no row per person."""

    __tablename__ = "stat_policy_count"
    __table_args__ = (UniqueConstraint("month", "organisation_id", "register", "dimension", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    register: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(100))
    n: Mapped[int] = mapped_column(default=0)


class ExportLog(Base):
    """Every download of a managers' list or table: who, when, what, with which filter, for which purpose."""

    __tablename__ = "export_log"
    __table_args__ = (Index("ix_export_log_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime]
    report: Mapped[str] = mapped_column(String(100))  # e.g. dashboard.tasks, policy.statistics
    filters: Mapped[dict[str, Any]]
    format: Mapped[str] = mapped_column(String(10))  # csv | xlsx
    rows: Mapped[int]
    purpose: Mapped[str | None] = mapped_column(Text)  # required for the anonymised policy statistics


AUDIT_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
AUDIT_HEAD: Table = AuditHead.__table__  # type: ignore[assignment]


class StudioTestRun(Base):
    """A studio test-run (services/test_run_store.py), kept here so that any web process serves its next step.
    ``state`` is the run as JSON — the bundle it runs (maybe an unsaved diagram), the serialized workflow, its
    path and log — encrypted, because answers typed in a rehearsal may still be real personal data."""

    __tablename__ = "studio_test_run"
    __table_args__ = (
        UniqueConstraint("run_id", name="uq_studio_test_run_run_id"),
        Index("ix_studio_test_run_owner", "owner_id", "touched_at"),  # a person's runs, oldest first
        Index("ix_studio_test_run_touched", "touched_at"),  # idle expiry and the global limit
    )
    # An integer key as every encrypted table has: key rotation walks the rows in batches by ``id``.
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40))  # the random token in the run's address
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", name="fk_studio_test_run_owner"))
    process_id: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]  # the simulated start
    touched_at: Mapped[datetime]  # the real moment of its last use
    state: Mapped[str] = mapped_column(EncryptedText("studio_test_run.state", compress=True))
