"""Configuration: defaults for the embedded set-up, overridden by ``CAMPAIGN_*`` environment variables."""

from __future__ import annotations

import ctypes.util
import logging
import os
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
        # Per client IP (behind a proxy, configure ProxyFix so this is the visitor's address).
        "SIGN_RATE_LIMIT": "10 per minute;200 per day",
        "CONFIRM_RATE_LIMIT": "30 per minute",
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
