"""Settings: defaults plus ``KETENFLOW_*`` environment variables. Secrets have no default outside dev/test."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from webapp.persistence.crypto import DEVELOPMENT_DATA_KEYS, DataKeyring, KeyringError, uses_development_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused below outside development and tests


@dataclass
class Settings:
    env: str = "development"  # development | test | production
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'ketenflow.db'}"
    secret_key: str = ""
    # Encryption at rest: "id:base64key,…" (32-byte keys); the first encrypts, all decrypt. A secret: in
    # production no default (`ketenflow generate-key` makes one); elsewhere a published development key.
    data_keys: str = ""
    processes_dir: str = str(PROJECT_ROOT / "processes")
    forms_dir: str = str(PROJECT_ROOT / "forms")
    host: str = "127.0.0.1"
    port: int = 5000
    timer_poll_seconds: float = 0.5
    # How long a worker holds the timer jobs it claimed; a killed worker's jobs go to another after this.
    timer_lease_seconds: float = 60.0
    session_cookie_secure: bool = False  # always Secure in production
    # Signing in (issue 5): inactivity and absolute session limits, failures before a 15-minute lock, failed
    # attempts per address per 10 minutes, and the roles that must use a second factor ("" = none).
    session_idle_minutes: int = 30
    session_max_hours: float = 12.0
    login_failures_before_lock: int = 5
    login_attempts_per_address: int = 20
    totp_required_roles: str = "fg,admin,process_owner"
    # OpenID Connect (optional): set issuer and client id to offer "Aanmelden via <label>".
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""  # a secret: no default
    oidc_label: str = "uw organisatie"
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
    break_glass_hours: float = 4.0  # how long emergency access to a case lasts
    # Request limits (answered 413): the whole body (above the 5 MB diagram cap), one form value, the number
    # of form values; and API calls per minute per token (or per address without a valid token; 0 = off).
    max_request_bytes: int = 6 * 1024 * 1024
    max_form_value_bytes: int = 512 * 1024
    max_form_values: int = 1000
    api_rate_per_minute: int = 600
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.secret_key:
            if self.env == "production":
                raise RuntimeError("KETENFLOW_SECRET_KEY ontbreekt: verplicht in productie")
            self.secret_key = DEV_SECRET
        self._check_data_keys()
        if self.mail_transport not in ("", "smtp", "file", "console", "off"):
            raise RuntimeError("KETENFLOW_MAIL_TRANSPORT moet smtp, file, console of off zijn")
        if self.smtp_tls not in ("starttls", "ssl", "none"):
            raise RuntimeError("KETENFLOW_SMTP_TLS moet starttls, ssl of none zijn")

    def _check_data_keys(self) -> None:
        if not self.data_keys:
            if self.env == "production":
                raise RuntimeError(
                    "KETENFLOW_DATA_KEYS ontbreekt: verplicht in productie (ketenflow generate-key)"
                )
            self.data_keys = DEVELOPMENT_DATA_KEYS
        try:
            if self.env == "production" and uses_development_key(self.data_keys):
                raise RuntimeError("KETENFLOW_DATA_KEYS: de ontwikkelsleutel is in productie niet toegestaan")
            self.data_keyring()
        except KeyringError as error:
            raise RuntimeError(str(error)) from None

    def data_keyring(self) -> DataKeyring:
        return DataKeyring.from_setting(self.data_keys)


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
