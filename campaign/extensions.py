"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The locale in the URL (``/<locale>/…``) if it is one we offer, else the browser's best."""
    offered = current_app.config["LANGUAGES"]
    wanted = (request.view_args or {}).get("locale") if request else None
    if wanted in offered:
        return wanted
    if getattr(g, "locale", None) in offered:
        return g.locale
    return request.accept_languages.best_match(offered, default=offered[0]) if request else "en"
