"""The mail outbox against a real database: each mail once, even with two dispatchers; back-off and
give-up; the transports and the settings that choose them. Mail goes to a fake transport or a folder."""

from __future__ import annotations

import email
import email.policy
import smtplib
import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.integration.test_notifications import (
    DECIDE,
    PROCESS,
    WEERT_PROFESSIONALS,
    FakeTransport,
    assert_impersonal,
    mail_to,
    outbox,
    start_and_register,
)
from webapp.config import load_settings
from webapp.persistence.crypto import new_key_line
from webapp.persistence.models import Notification, Outbox, User
from webapp.services import mail
from webapp.services.context import ServiceContext
from webapp.services.mail import FileTransport, SmtpTransport, claim_mail, dispatch_outbox


def test_each_mail_is_sent_once_and_says_nothing_personal(ctx: ServiceContext) -> None:
    _, _, decide = start_and_register(ctx)
    fake = FakeTransport()
    assert dispatch_outbox(ctx, mail_to(fake)) == 6
    assert dispatch_outbox(ctx, mail_to(fake)) == 0
    assert len(fake.sent) == 6
    assert sorted(m["To"] for m in fake.sent) == sorted(
        f"{u}@example.org" for u in WEERT_PROFESSIONALS for _ in "12"
    )
    message = next(m for m in fake.sent if m["To"] == "collega@example.org" and "beslissen" in m["Subject"])
    body = message.get_content()
    assert f"https://ketenflow.test/tasks/{decide}" in body
    assert message["Subject"] == f"Nieuwe taak: ‘Identiteit controleren en beslissen’ ({PROCESS})"
    for sent in fake.sent:
        assert_impersonal(sent["Subject"] + sent.get_content())
    assert len({m["Message-ID"] for m in fake.sent}) == 6
    assert all(row.sent_at == ctx.clock.now() and "locked_by" not in row.payload for row in outbox(ctx))


def test_a_mail_takes_its_subject_and_link_from_its_notice_and_is_not_sent_once_the_notice_is_erased(
    ctx: ServiceContext,
) -> None:
    start_and_register(ctx)
    with ctx.db.write() as session:
        doomed = session.scalars(select(Notification).where(Notification.key.like("%:arrived:%"))).first()
        assert doomed is not None
        doomed_mail = f"mail:{doomed.key}"
        session.delete(doomed)
    fake = FakeTransport()
    assert dispatch_outbox(ctx, mail_to(fake)) == 5
    with ctx.db.read() as session:
        payloads = {row.key: row.payload for row in session.scalars(select(Outbox))}
    assert payloads[doomed_mail]["status"] == "bericht vervallen"
    assert all(set(p) >= {"user_id", "language"} and "subject" not in p for p in payloads.values())


def test_a_colleague_who_reads_english_gets_the_notice_and_the_mail_in_english(ctx: ServiceContext) -> None:
    with ctx.db.write() as session:
        session.execute(update(User).where(User.username == "collega").values(language="en"))
    _, _, decide = start_and_register(ctx)
    fake = FakeTransport()
    dispatch_outbox(ctx, mail_to(fake))
    to_colleague = next(
        m for m in fake.sent if m["To"] == "collega@example.org" and "beslissen" in m["Subject"]
    )
    assert to_colleague["Subject"] == f"New task: ‘Identiteit controleren en beslissen’ ({PROCESS})"
    body = to_colleague.get_content()
    assert body.startswith("Dear colleague,") and f"https://ketenflow.test/tasks/{decide}" in body
    to_sanne = next(
        m for m in fake.sent if m["To"] == "hulpverlener@example.org" and "beslissen" in m["Subject"]
    )
    assert to_sanne["Subject"].startswith("Nieuwe taak:") and to_sanne.get_content().startswith(
        "Beste collega,"
    )


def test_two_dispatchers_never_send_the_same_row_and_a_lost_lease_is_taken_over(ctx: ServiceContext) -> None:
    start_and_register(ctx)
    claimed_by_a = claim_mail(ctx, "worker-a")
    assert len(claimed_by_a) == 6
    fake_b = FakeTransport()
    assert dispatch_outbox(ctx, mail_to(fake_b), "worker-b") == 0  # all leased by a
    ctx.clock.advance(mail.LEASE + timedelta(seconds=1))  # a died mid-send; its lease ran out
    assert dispatch_outbox(ctx, mail_to(fake_b), "worker-b") == 6
    assert mail.mark_sent(ctx, "worker-a", claimed_by_a[0].row_id) == 0  # a's late report changes nothing
    assert len(fake_b.sent) == 6


def test_two_dispatchers_running_at_once_send_every_mail_exactly_once(any_ctx: ServiceContext) -> None:
    for _ in range(4):
        start_and_register(any_ctx)  # 24 mails
    fake = FakeTransport()
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run(worker: str) -> None:
        barrier.wait()
        counts.append(dispatch_outbox(any_ctx, mail_to(fake), worker))

    threads = [threading.Thread(target=run, args=(w,)) for w in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 24
    ids = [m["Message-ID"] for m in fake.sent]
    assert len(ids) == len(set(ids)) == 24


def test_a_refused_mail_backs_off_and_is_given_up_after_the_last_attempt(ctx: ServiceContext) -> None:
    start_and_register(ctx)
    refused = smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user x@example.org")})
    fake = FakeTransport([refused])
    assert dispatch_outbox(ctx, mail_to(fake)) == 5  # one refused, the others went out
    failed = next(row for row in outbox(ctx) if row.sent_at is None)
    assert failed.payload["attempts"] == 1 and failed.payload["last_error"] == "SMTPRecipientsRefused"
    assert "example.org" not in str(failed.payload)  # the server's reply (with the address) is not kept
    assert dispatch_outbox(ctx, mail_to(fake)) == 0  # backing off
    ctx.clock.advance(timedelta(minutes=2, seconds=1))
    assert dispatch_outbox(ctx, mail_to(fake)) == 1
    with ctx.db.write() as session:  # a second row that fails every time
        session.execute(update(Outbox).where(Outbox.id == failed.id).values(sent_at=None))
    always = FakeTransport([refused] * mail.MAX_ATTEMPTS)
    for _ in range(mail.MAX_ATTEMPTS):
        dispatch_outbox(ctx, mail_to(always))
        ctx.clock.advance(mail.MAX_BACKOFF)
    closed = next(row for row in outbox(ctx) if row.id == failed.id)
    assert closed.sent_at is not None and closed.payload["status"] == "mislukt"
    assert closed.payload["attempts"] == mail.MAX_ATTEMPTS


def test_an_unreachable_server_gives_the_rest_of_the_batch_back(ctx: ServiceContext) -> None:
    start_and_register(ctx)
    fake = FakeTransport([ConnectionRefusedError(111, "refused")])
    assert dispatch_outbox(ctx, mail_to(fake)) == 0
    rows = outbox(ctx)
    assert [r.payload.get("attempts") for r in rows] == [1, 0, 0, 0, 0, 0]
    assert all("locked_by" not in r.payload for r in rows)
    assert dispatch_outbox(ctx, mail_to(fake)) == 5  # the next round sends the others at once


def test_a_mail_for_an_address_removed_in_the_meantime_is_closed_unsent(ctx: ServiceContext) -> None:
    start_and_register(ctx)
    with ctx.db.write() as session:
        session.execute(update(User).where(User.username == "collega").values(email=None))
    fake = FakeTransport()
    assert dispatch_outbox(ctx, mail_to(fake)) == 4
    closed = [r for r in outbox(ctx) if r.payload.get("status") == "geen adres"]
    assert len(closed) == 2 and all(r.sent_at is not None for r in closed)


def test_the_file_transport_writes_one_eml_per_mail(ctx: ServiceContext, tmp_path: Path) -> None:
    start_and_register(ctx)
    assert dispatch_outbox(ctx, mail_to(FileTransport(tmp_path / "mail"))) == 6
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 6
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert {str(m["Subject"]) for m in parsed} == {
        f"Nieuwe taak: ‘Verzoek registreren’ ({PROCESS})",
        f"Nieuwe taak: {DECIDE} ({PROCESS})",
    }
    assert {m["To"] for m in parsed} == {f"{u}@example.org" for u in WEERT_PROFESSIONALS}


def test_settings_choose_the_transport(tmp_path: Path) -> None:
    dev = mail.mail_settings(load_settings({"env": "test", "mail_dir": str(tmp_path)}))
    assert isinstance(dev.transport, FileTransport) and dev.transport.directory == tmp_path
    production = load_settings({"env": "production", "secret_key": "s" * 32, "data_keys": new_key_line("p1")})
    assert mail.mail_settings(production).transport is None  # kept in the outbox until configured
    smtp = mail.mail_settings(
        load_settings({"smtp_host": "smtp.example.org", "smtp_user": "u", "smtp_password": "p"})
    )
    assert isinstance(smtp.transport, SmtpTransport) and smtp.transport.tls == "starttls"
    with pytest.raises(RuntimeError, match="KETENFLOW_SMTP_HOST"):
        mail.mail_settings(load_settings({"mail_transport": "smtp"}))
    with pytest.raises(RuntimeError, match="KETENFLOW_SMTP_TLS"):
        load_settings({"smtp_tls": "maybe"})


def test_the_smtp_transport_speaks_starttls_and_logs_in(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            calls.append(f"connect {host}:{port}")

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *_exc: object) -> None:
            calls.append("quit")

        def starttls(self, context: object) -> None:
            calls.append("starttls")

        def login(self, user: str, password: str) -> None:
            calls.append(f"login {user}")

        def send_message(self, message: EmailMessage) -> None:
            calls.append(f"send {message['To']}")

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    message = EmailMessage()
    message["To"] = "fg@example.org"
    SmtpTransport("smtp.example.org", 587, "ketenflow", "geheim").send(message)
    assert calls == [
        "connect smtp.example.org:587",
        "starttls",
        "login ketenflow",
        "send fg@example.org",
        "quit",
    ]
