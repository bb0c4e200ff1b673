"""Configuration: defaults for the embedded set-up, overridden by ``CAMPAIGN_*`` environment variables."""

from __future__ import annotations

import ctypes.util
import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def default_instance_path() -> Path:
    return Path(os.environ.get("CAMPAIGN_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()


def defaults(instance_path: Path) -> dict[str, Any]:
    """The embedded default: SQLite in the instance folder, in-process jobs, an ``.eml`` outbox."""
    return {
        "DATABASE_URL": f"sqlite:///{instance_path / 'campaign.sqlite3'}",
        "LETTERS_DIR": str(PROJECT_ROOT / "letters"),
        "STATIC_DIR": str(PROJECT_ROOT / "static"),
        "LOCALES_DIR": str(PROJECT_ROOT / "locales"),
        "OUTBOX_DIR": str(instance_path / "outbox"),
        "JOBS_DIR": str(instance_path / "jobs"),
        "SMTP_URL": "",
        "MAIL_FROM": "campaign@localhost",
        "BASE_URL": "",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Per client IP (behind a proxy, set PROXIES so that this is the visitor's address).
        "SIGN_RATE_LIMIT": "10 per minute;200 per day",
        "CONFIRM_RATE_LIMIT": "30 per minute",
        # Each personal letter is laid out anew (half a second of a core).
        "LETTER_RATE_LIMIT": "6 per minute;60 per hour",
        # Mails to an address that has signed already (a confirmation sent again, "you have
        # already signed"), whoever types it into the form.
        "ADDRESS_MAIL_LIMIT": "3 per hour;10 per day",
        # Proxies in front of the app (a load balancer, nginx): their X-Forwarded-For, -Proto
        # and -Host are trusted, so that limits count visitors, not the proxy. 0: none.
        "PROXIES": 0,
        "JOBS_BACKEND": "inprocess",  # or "celery"
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CELERY_RESULT_BACKEND": "",
        "CONFIRMATION_MAX_AGE": 7 * 24 * 3600,
        "SESSION_LIFETIME": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }


class ConfigError(ValueError):
    """A setting the app cannot work with; the message names its ``CAMPAIGN_*`` variable."""


JOBS_BACKENDS = ("inprocess", "celery")
_FOLDERS = ("LETTERS_DIR", "STATIC_DIR", "LOCALES_DIR", "OUTBOX_DIR", "JOBS_DIR")
_SECONDS = ("SESSION_LIFETIME", "CONFIRMATION_MAX_AGE", "JOBS_STALE_AFTER")


def check(config: dict[str, Any]) -> None:
    """Stops at the first setting of the wrong kind, before it fails somewhere deep inside.
    ``CAMPAIGN_*`` values are read as JSON when they can be, so ``CAMPAIGN_LETTERS_DIR=123``
    arrives as a number and ``CAMPAIGN_SESSION_LIFETIME=8h`` as a string."""
    url = config.get("DATABASE_URL")
    if not isinstance(url, str) or not url:
        raise ConfigError(f"CAMPAIGN_DATABASE_URL: {_shown(url)} is not a database URL")
    for name in _FOLDERS:
        value = config.get(name)
        if not isinstance(value, str | os.PathLike) or not str(value):
            hint = (f" (write ./{value} for a folder of that name)"
                    if isinstance(value, int | float) and not isinstance(value, bool) else "")
            raise ConfigError(f"CAMPAIGN_{name}: {_shown(value)} is not a folder path{hint}")
    for name in (*_SECONDS, "JOBS_WORKERS", "PROXIES"):
        value = config.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ConfigError(f"CAMPAIGN_{name}: {_shown(value)} is not a whole number")
    if config.get("JOBS_WORKERS", 1) < 1:
        raise ConfigError(f"CAMPAIGN_JOBS_WORKERS: {config['JOBS_WORKERS']} is below 1")
    key = config.get("SECRET_KEY")
    if key is not None and (not isinstance(key, str) or not key):
        # A number read as JSON (CAMPAIGN_SECRET_KEY=123) would fail on every page.
        # Its kind only: the value is a secret.
        kind = "empty" if key == "" else f"a {type(key).__name__}, read as JSON"
        raise ConfigError(f"CAMPAIGN_SECRET_KEY: the value is {kind}, not a text key: write a "
                          "long random one (python -c 'import secrets; "
                          "print(secrets.token_urlsafe(48))')")
    smtp = config.get("SMTP_URL")
    if smtp:
        from campaign.signatures.mail import MailError, SmtpSettings

        try:  # read as the mailer reads it, when it first sends
            ok = isinstance(smtp, str) and SmtpSettings.from_url(smtp) is not None
        except (MailError, ValueError):  # another scheme, a port that is not a number
            ok = False
        if not ok:
            raise ConfigError(f"CAMPAIGN_SMTP_URL: {_shown(_without_password(smtp))} is not an "
                              "SMTP address: write "
                              "smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host")
    limits_uri = config.get("RATELIMIT_STORAGE_URI")
    if limits_uri is not None:
        from limits.storage import SCHEMES

        scheme = limits_uri.split("://", 1)[0] if isinstance(limits_uri, str) \
            and "://" in limits_uri else None
        if scheme not in SCHEMES:
            raise ConfigError(f"CAMPAIGN_RATELIMIT_STORAGE_URI: "
                              f"{_shown(_without_password(limits_uri))} is not a "
                              "rate-limit store: write memory:// or redis://host:6379/1")
    if config.get("PROXIES", 0) < 0:
        raise ConfigError(f"CAMPAIGN_PROXIES: {config['PROXIES']} is below 0")
    if config.get("SMTP_URL") and not config.get("BASE_URL"):
        # Emails would link to whatever Host header a request came with: anyone could have
        # a signer's own link mailed to them pointing at another site.
        raise ConfigError("CAMPAIGN_BASE_URL: set it (https://petition.example.org) when "
                          "CAMPAIGN_SMTP_URL sends email, so that the links in emails never "
                          "come from a request's Host header")
    backend = config.get("JOBS_BACKEND")
    if backend not in JOBS_BACKENDS:
        raise ConfigError(f"CAMPAIGN_JOBS_BACKEND: {_shown(backend)} is not one of "
                          f"{', '.join(JOBS_BACKENDS)}")


def _without_password(value: Any) -> Any:
    """A URL as it may be shown in an error: its password (what lies between "user:" and the
    last "@" of its authority) replaced by ***, whether or not the URL parses."""
    if not isinstance(value, str):
        return value
    return re.sub(r"(//[^/@:]*:)[^/]*@", r"\1***@", value, count=1)


def _shown(value: Any) -> str:
    """The value as it was written in the environment (JSON), or as Python has it."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return repr(value)


def instance_folder(instance_path: Path) -> None:
    """Creates the instance folder, readable by its owner only: the database in it holds every
    signer's email address and the staff's password hashes."""
    try:
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"CAMPAIGN_INSTANCE_PATH: cannot create {instance_path}: "
                          f"{exc.strerror or exc}") from exc


def instance_secret_key(instance_path: Path) -> str:
    """The embedded default key: generated once, kept in the instance folder, never in the code."""
    key_file = instance_path / "secret_key"
    if key_file.is_file():
        return key_file.read_text(encoding="ascii").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Create exclusively with owner-only permissions; a concurrent start that loses the race
    # reads the winner's key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def hb_subset_available() -> bool:
    """WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is present; without it, it
    falls back to fontTools, which is 7–70× slower (a Korean letter: 8 s instead of 0.1 s)."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


def warn_if_slow_fonts() -> None:
    if not hb_subset_available():
        log.warning(
            "libharfbuzz-subset is missing: PDF letters will render many times slower "
            "(install the Debian package libharfbuzz-subset0, or run 'make install' as root)."
        )
