"""Organizer accounts: adding, removing, passwords and logging in. Use-cases on a session."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from campaign.organizer.models import ADMIN, ROLES, LoginSession, User
from campaign.signatures.rules import InvalidSignature, validate_email_address
from campaign.storage.base import utcnow

MIN_PASSWORD = 10
# Checked when the email is unknown, so that a wrong email costs as long as a wrong password
# (the response time does not tell which accounts exist).
_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")


class AccountError(Exception):
    """An account cannot be added or changed; the message says why."""


def normalise_login(email: str) -> str:
    return (email or "").strip().casefold()


def _check_password(password: str) -> None:
    # Spaces at the ends do not count: ten spaces are no password.
    if len((password or "").strip()) < MIN_PASSWORD:
        raise AccountError(_("The password must have at least %(count)s characters (spaces at "
                             "the ends do not count).", count=MIN_PASSWORD))


def add_user(session: Session, email: str, role: str, password: str) -> User:
    if role not in ROLES:
        raise AccountError(_("Unknown role %(role)s: choose from %(roles)s.", role=role,
                             roles=", ".join(ROLES)))
    try:
        address = normalise_login(validate_email_address(email))
    except InvalidSignature:
        raise AccountError(_("%(email)s is not a valid email address.", email=email)) from None
    _check_password(password)
    if session.scalar(select(User).where(User.email == address)) is not None:
        # Translators: shown on the accounts page when adding an account.
        raise AccountError(_("An account with the email %(email)s exists already.",
                             email=address))
    user = User(email=address, role=role, active=True, created_at=utcnow(),
                password_hash=generate_password_hash(password, method="scrypt"))
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_login(email)))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def remove_user(session: Session, email: str) -> None:
    user = find_user(session, email)
    if user is None:
        raise AccountError(_("There is no account with the email %(email)s.",
                             email=normalise_login(email)))
    if user.role == ADMIN and user.active and session.scalar(
            select(func.count()).select_from(User).where(
                User.role == ADMIN, User.active.is_(True))) == 1:
        # Nobody could manage the accounts from the web pages any more.
        raise AccountError(_("%(email)s is the last admin: add another admin first.",
                             email=user.email))
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.delete(user)


def set_password(session: Session, email: str, password: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise AccountError(_("There is no account with the email %(email)s.",
                             email=normalise_login(email)))
    _check_password(password)
    user.password_hash = generate_password_hash(password, method="scrypt")
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (never says which was wrong)."""
    user = find_user(session, email)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def session_fingerprint(user: User) -> str:
    """Kept in the login session: changing the password (or removing the user) ends every
    session that was opened with the old one."""
    return hmac.new(b"campaign-session", user.password_hash.encode(), hashlib.sha256
                    ).hexdigest()[:24]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# How often a login's last request is written down: often enough to tell when it goes idle,
# not on every request of someone at work.
SEEN_EVERY = dt.timedelta(minutes=5)


def open_login_session(session: Session, user: User, lifetime: dt.timedelta) -> str:
    """A new login of ``user``: the token for their session cookie. Logins idle for longer
    than ``lifetime``, whose cookies have expired, are forgotten meanwhile."""
    now = utcnow()
    session.execute(delete(LoginSession).where(LoginSession.last_seen_at < now - lifetime))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                             last_seen_at=now))
    return token


def login_session_is_open(session: Session, user: User, token: str | None,
                          lifetime: dt.timedelta) -> bool:
    """Whether ``token`` is a login of ``user`` that has not ended (logged out, or idle longer
    than ``lifetime``); notes the request, every few minutes."""
    if not token:
        return False
    found = session.get(LoginSession, _token_hash(token))
    if found is None or found.user_id != user.id:
        return False
    now = utcnow()
    if found.last_seen_at < now - lifetime:
        return False
    if found.last_seen_at < now - SEEN_EVERY:
        found.last_seen_at = now
    return True


def end_login_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
