"""Who may open what: deny by default.

Every endpoint of the admin blueprint is refused unless ``ALLOWED`` names it with the roles that
may use it (``@allow(...)`` fills it in beside the view). Anonymous visitors are sent to the login
page, a logged-in user with the wrong role gets 403. Other areas' gates (letter previews, the
translator pages) call ``has_role``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for

from campaign.app_context import database
from campaign.organizer.accounts import login_session_is_open, session_fingerprint
from campaign.organizer.models import ADMIN, ORGANIZER, TRANSLATOR, User

F = TypeVar("F", bound=Callable)

# endpoint -> roles that may use it. Endpoints open to anyone (the login page) map to None.
ALLOWED: dict[str, frozenset[str] | None] = {}

STAFF = (ADMIN, ORGANIZER)
EVERY_ROLE = (ADMIN, ORGANIZER, TRANSLATOR)

OK, LOGIN, FORBIDDEN = "ok", "login", "forbidden"


def allow(*roles: str, blueprint: str = "admin", anonymous: bool = False) -> Callable[[F], F]:
    """Registers the decorated view's endpoint as open to ``roles`` (or to anyone)."""

    def register(view: F) -> F:
        ALLOWED[f"{blueprint}.{view.__name__}"] = None if anonymous else frozenset(roles)
        return view

    return register


def current_user() -> User | None:
    """The logged-in, active user whose password has not changed since they logged in."""
    if "campaign_user" in g:
        return g.campaign_user
    user = None
    user_id = session.get("user_id")
    if user_id is not None:
        with database().session() as db:
            found = db.get(User, user_id)
            if found is not None and found.active and \
                    session.get("fingerprint") == session_fingerprint(found) and \
                    login_session_is_open(db, found, session.get("login"),
                                          current_app.permanent_session_lifetime):
                user = found
    g.campaign_user = user
    return user


def has_role(*roles: str) -> bool:
    user = current_user()
    return user is not None and user.role in roles


def decide(endpoint: str | None) -> str:
    """``OK``, ``LOGIN`` (nobody logged in) or ``FORBIDDEN`` for this request's endpoint."""
    if endpoint is None or endpoint not in ALLOWED:
        return LOGIN if current_user() is None else FORBIDDEN
    roles = ALLOWED[endpoint]
    if roles is None:
        return OK
    user = current_user()
    if user is None:
        return LOGIN
    return OK if user.role in roles else FORBIDDEN


def preview_open() -> bool:
    """The demo override (``make run``): previews and translator pages open to everyone."""
    return bool(current_app.config.get("PREVIEW_OPEN", False))


def login_or_forbidden():
    """For a gate that refused this request: the login page for someone not logged in (who
    comes back here after it), 403 for a logged-in user without the role."""
    if current_user() is None:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    abort(403)
