"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
    return preferred_language(request.accept_languages.values(), offered) if request else "en"


def preferred_language(accepted: Iterable[str], offered: Sequence[str]) -> str:
    """The first language of the browser's list (most wanted first) that the site offers,
    exactly or by its base language ("de-DE" → de, "zh-CN" → zh_Hans); else the first offered.
    A language the visitor ranks higher wins over an exact match ranked lower."""
    by_tag = {code.replace("_", "-").lower(): code for code in offered}
    by_base = {}
    for code in offered:
        by_base.setdefault(code.split("_")[0].lower(), code)
    for tag in accepted:
        tag = tag.replace("_", "-").lower()
        found = by_tag.get(tag) or by_base.get(tag.split("-")[0])
        if found:
            return found
    return offered[0]

