"""Settings: defaults plus ``KETENFLOW_*`` environment variables. Secrets have no default outside dev/test."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused below outside development and tests


@dataclass
class Settings:
    env: str = "development"  # development | test | production
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'ketenflow.db'}"
    secret_key: str = ""
    processes_dir: str = str(PROJECT_ROOT / "processes")
    forms_dir: str = str(PROJECT_ROOT / "forms")
    host: str = "127.0.0.1"
    port: int = 5000
    timer_poll_seconds: float = 0.5
    session_cookie_secure: bool = False
    # Notifications by mail. mail_transport: smtp | file | console | off; left empty it is smtp when
    # smtp_host is set, else .eml files in mail_dir in development and test, and off in production (the
    # outbox keeps the mails until a transport is configured).
    mail_transport: str = ""
    mail_dir: str = str(PROJECT_ROOT / "var" / "mail")
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""  # a secret: no default
    smtp_from: str = "Ketenflow <noreply@ketenflow.invalid>"
    smtp_tls: str = "starttls"  # starttls | ssl | none
    public_url: str = "http://127.0.0.1:5000"  # the address links in mails point to
    reminder_days: float = 2.0  # remind this long before a task's deadline
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.secret_key:
            if self.env == "production":
                raise RuntimeError("KETENFLOW_SECRET_KEY ontbreekt: verplicht in productie")
            self.secret_key = DEV_SECRET
        if self.mail_transport not in ("", "smtp", "file", "console", "off"):
            raise RuntimeError("KETENFLOW_MAIL_TRANSPORT moet smtp, file, console of off zijn")
        if self.smtp_tls not in ("starttls", "ssl", "none"):
            raise RuntimeError("KETENFLOW_SMTP_TLS moet starttls, ssl of none zijn")


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = os.environ.get(f"KETENFLOW_{f.name.upper()}")
        if raw is not None and f.name != "extra":
            values[f.name] = _convert(raw, f.type)
    values.update(overrides or {})
    return Settings(**values)


def _convert(raw: str, annotation: object) -> Any:
    if annotation in ("int", int):
        return int(raw)
    if annotation in ("float", float):
        return float(raw)
    if annotation in ("bool", bool):
        return raw.strip().lower() in ("1", "true", "yes", "ja")
    return raw
