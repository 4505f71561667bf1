"""Mail through the outbox: the transports (SMTP, a folder of .eml files, the console) and the dispatcher.

A notification writes an ``outbox`` row in the transaction that created it; the dispatcher sends the unsent
rows later, outside every database transaction. Rows are claimed with a lease kept in the row's payload (the
pattern of services/timers.py): the claim runs under row locks (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), so two dispatchers never hold the same row, and a dispatcher that dies
mid-send loses its lease and the row is sent again by another. The Message-ID is derived from the row, so a
receiver can recognise that one repeat as the same mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TextIO

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from webapp.config import Settings
from webapp.domain.messages import N_, Message
from webapp.persistence.models import Notification, Outbox, User
from webapp.services.context import ServiceContext
from webapp.services.translation import SOURCE_LANGUAGE, translate

log = logging.getLogger(__name__)

MAIL_CHANNEL = "mail"
NOTICE_PREFIX = "mail:"  # an outbox key is this + the key of the notice the mail announces
LEASE = timedelta(minutes=10)
SMTP_TIMEOUT = 20.0  # seconds; a batch (BATCH x timeout) must fit in the LEASE
BATCH = 20
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=2)
# Failures that concern one message; any other error means the server is not reachable (or refuses us).
_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    ValueError,
)


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise OSError (smtplib's errors are OSErrors)."""
        ...


class SmtpTransport:
    def __init__(self, host: str, port: int, user: str, password: str, tls: str = "starttls") -> None:
        self.host, self.port, self.user, self.password, self.tls = host, port, user, password, tls

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        with client:
            if self.tls == "starttls":
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password)
            client.send_message(message)


class FileTransport:
    """Development and tests: each mail becomes an .eml file; a second copy of one mail gets a suffix."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = "".join(c if c.isalnum() or c in "-." else "_" for c in str(message["Message-ID"]).strip("<>"))
        for copy in range(1, 100):
            path = self.directory / (f"{stem}.eml" if copy == 1 else f"{stem}-{copy}.eml")
            try:
                with path.open("xb") as handle:
                    handle.write(message.as_bytes())
                return
            except FileExistsError:
                continue
        raise OSError("te veel kopieën van één bericht")


class ConsoleTransport:
    """Development only: prints each mail to standard output (never to the log)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: EmailMessage) -> None:
        stream = self.stream or sys.stdout
        stream.write(message.as_string() + "\n")
        stream.flush()


@dataclass(frozen=True)
class MailSettings:
    transport: MailTransport | None  # None: mails stay in the outbox until a transport is configured
    sender: str
    public_url: str


def mail_settings(settings: Settings) -> MailSettings:
    kind = settings.mail_transport or (
        "smtp" if settings.smtp_host else "off" if settings.env == "production" else "file"
    )
    transport: MailTransport | None = None
    if kind == "smtp":
        if not settings.smtp_host:
            raise RuntimeError("KETENFLOW_SMTP_HOST ontbreekt: nodig om mail via SMTP te versturen")
        transport = SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_tls,
        )
    elif kind == "file":
        transport = FileTransport(settings.mail_dir)
    elif kind == "console":
        transport = ConsoleTransport()
    return MailSettings(transport, settings.smtp_from, settings.public_url.rstrip("/"))


def queue_mails(session: Session, now: datetime, mails: Iterable[tuple[str, int, str]]) -> None:
    """One outbox row per (notification key, user id, language); a key already queued is left alone.

    The row holds the recipient's id, not the address (looked up when sending), and no case data; subject
    and link are the notice's own title and link (``NOTICE_PREFIX`` + the notice key), read when sending,
    so the outbox does not keep a second copy of them."""
    rows = [
        {
            "key": f"{NOTICE_PREFIX}{key}",
            "channel": MAIL_CHANNEL,
            "payload": {"user_id": user_id, "language": language, "attempts": 0},
            "created_at": now,
        }
        for key, user_id, language in mails
    ]
    insert_new(session, Outbox, rows)


def insert_new(
    session: Session, model: type[Outbox] | type[Notification], rows: list[dict[str, Any]]
) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING: concurrent writers of the same event leave one row."""
    if not rows:
        return
    connection = session.connection()  # rows written once, never loaded as objects in this session
    connection.execute(_insert_new_statement(model, connection.dialect.name), rows)


@cache
def _insert_new_statement(model: type[Outbox] | type[Notification], dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=["key"])


REPORTS_PREFIX = "/rapportages"


@dataclass(frozen=True)
class Envelope:
    row_id: int
    to: str
    subject: str
    link: str | None
    language: str = SOURCE_LANGUAGE


def build_message(mail: MailSettings, envelope: Envelope, now: datetime) -> EmailMessage:
    """Subject and body name the task and process only: the case itself is behind the sign-in."""
    message = EmailMessage()
    domain = parseaddr(mail.sender)[1].rpartition("@")[2] or "ketenflow.invalid"
    message["Message-ID"] = f"<ketenflow-outbox-{envelope.row_id}@{domain}>"
    message["Date"] = format_datetime(now)
    message["From"] = mail.sender
    message["To"] = envelope.to
    message["Subject"] = envelope.subject
    address = f"{mail.public_url}{envelope.link or '/notifications'}"
    body = Message(
        "Beste collega,\n\n{subject}\n\nBekijk het in Ketenflow (na het aanmelden):\n{address}\n\n"
        "Dit bericht noemt bewust geen personen of zaakgegevens; die vindt u alleen in Ketenflow.\n",
        subject=envelope.subject,
        address=address,
    )
    # Mails about a task say why the reader got it; the managers' weekly summary links to their reports.
    reason = (
        N_("U ontvangt het omdat u in Ketenflow manager bent.")
        if (envelope.link or "").startswith(REPORTS_PREFIX)
        else N_("U ontvangt het omdat u in Ketenflow een rol heeft bij deze taak.")
    )
    message.set_content(translate(body, envelope.language) + translate(reason, envelope.language) + "\n")
    return message


def dispatch_outbox(ctx: ServiceContext, mail: MailSettings, worker_id: str = "local") -> int:
    """Send the due mails of the outbox; returns how many were sent."""
    if mail.transport is None or not _has_unsent(ctx):
        return 0
    sent = 0
    while True:
        envelopes = claim_mail(ctx, worker_id)
        for position, envelope in enumerate(envelopes):
            now = ctx.clock.now()
            try:
                mail.transport.send(build_message(mail, envelope, now))
            except (OSError, ValueError) as error:
                _record_failure(ctx, worker_id, envelope.row_id, error)
                if not isinstance(error, _MESSAGE_ERRORS):
                    # The server is unreachable: give the rest of the batch back instead of timing out on it.
                    release_mail(ctx, worker_id, [e.row_id for e in envelopes[position + 1 :]])
                    return sent
                continue
            sent += mark_sent(ctx, worker_id, envelope.row_id)
        if len(envelopes) < BATCH:
            return sent


def _has_unsent(ctx: ServiceContext) -> bool:
    """A read first: on SQLite an empty outbox then never takes the write lock, poll after poll."""
    with ctx.db.read() as session:
        query = select(Outbox.id).where(Outbox.channel == MAIL_CHANNEL, Outbox.sent_at.is_(None)).limit(1)
        return session.execute(query).first() is not None


def claim_mail(ctx: ServiceContext, worker_id: str, batch: int = BATCH) -> list[Envelope]:
    """Lease up to ``batch`` unsent mail rows whose lease and back-off have run out."""
    now = ctx.clock.now()
    with ctx.db.write() as session:
        query = (
            select(Outbox)
            .where(Outbox.channel == MAIL_CHANNEL, Outbox.sent_at.is_(None))
            .order_by(Outbox.id)
            .limit(batch * 4)  # rows that are leased or backing off are skipped below
            .with_for_update(skip_locked=True)
        )
        rows = [row for row in session.execute(query).scalars() if _available(row.payload, now)][:batch]
        addresses = _addresses(session, {int(row.payload["user_id"]) for row in rows})
        notices = _notices(session, [row.key for row in rows])
        envelopes = []
        for row in rows:
            to = addresses.get(int(row.payload["user_id"]))
            notice = notices.get(row.key)
            if to is None or notice is None:  # no address (any more), account closed, or notice erased
                status = "geen adres" if to is None else "bericht vervallen"
                row.sent_at, row.payload = now, {**row.payload, "status": status}
                continue
            lease = {"locked_by": worker_id, "locked_until": (now + LEASE).isoformat()}
            row.payload = {**row.payload, **lease}
            language = str(row.payload.get("language") or SOURCE_LANGUAGE)
            envelopes.append(Envelope(row.id, to, notice[0], notice[1], language))
        return envelopes


def _notices(session: Session, mail_keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """Subject and link of each mail: its notice's title (in the reader's language) and link."""
    keys = {key.removeprefix(NOTICE_PREFIX): key for key in mail_keys}
    query = select(Notification.key, Notification.title, Notification.link).where(Notification.key.in_(keys))
    return {keys[key]: (title, link) for key, title, link in session.execute(query)}


def _available(payload: dict[str, Any], now: datetime) -> bool:
    for field in ("locked_until", "retry_at"):
        if payload.get(field) and datetime.fromisoformat(payload[field]) > now:
            return False
    return True


def _addresses(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    query = select(User.id, User.email).where(User.id.in_(user_ids), User.active.is_(True))
    return {user_id: email for user_id, email in session.execute(query) if email}


def _own_row(session: Session, worker_id: str, row_id: int) -> Outbox | None:
    row = session.execute(select(Outbox).where(Outbox.id == row_id).with_for_update()).scalar_one_or_none()
    if row is None or row.sent_at is not None or row.payload.get("locked_by") != worker_id:
        return None
    return row


def _unleased(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("locked_by", "locked_until")}


def mark_sent(ctx: ServiceContext, worker_id: str, row_id: int) -> int:
    with ctx.db.write() as session:
        row = _own_row(session, worker_id, row_id)
        if row is None:
            log.warning("outbox row %s: lease lost before it was marked sent", row_id)
            return 0
        row.sent_at, row.payload = ctx.clock.now(), _unleased(row.payload)
        return 1


def release_mail(ctx: ServiceContext, worker_id: str, row_ids: list[int]) -> None:
    if not row_ids:
        return
    with ctx.db.write() as session:
        for row_id in row_ids:
            row = _own_row(session, worker_id, row_id)
            if row is not None:
                row.payload = _unleased(row.payload)


def _record_failure(ctx: ServiceContext, worker_id: str, row_id: int, error: Exception) -> None:
    """Back off exponentially; after MAX_ATTEMPTS the row is closed as failed (and stays visible as such)."""
    now = ctx.clock.now()
    with ctx.db.write() as session:
        row = _own_row(session, worker_id, row_id)
        if row is None:
            return
        attempts = int(row.payload.get("attempts", 0)) + 1
        # Only the error's type: an SMTP reply may quote the address.
        payload = {**_unleased(row.payload), "attempts": attempts, "last_error": type(error).__name__}
        if attempts >= MAX_ATTEMPTS:
            row.sent_at, payload["status"] = now, "mislukt"
        else:
            payload["retry_at"] = (now + min(timedelta(minutes=2**attempts), MAX_BACKOFF)).isoformat()
        row.payload = payload
    log.warning("outbox row %s: mail not sent (%s), attempt %d", row_id, type(error).__name__, attempts)
