"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

import struct
import weakref
from collections.abc import Iterable, Sequence
from functools import cached_property

from flask import current_app, g, request
from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from campaign.i18n.catalogs import load_translations
from campaign.i18n.formats import FormatSafeTranslations


class FormatSafeDomain(Domain):
    """Flask-Babel's domain, whose translations fall back to the source text for a message
    whose translation cannot be formatted (``campaign.i18n.formats``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._safe: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get_translations(self):
        try:
            translations = super().get_translations()
        except (OSError, ValueError, struct.error):
            # A messages.mo that gettext cannot read (catalogs.load_translations logs why): the
            # pages in the source language rather than an error on every page.
            locale = get_locale()
            translations = load_translations(current_app.config["LOCALES_DIR"], str(locale))
        return format_safe(translations, self._safe)


def format_safe(translations, wrappers: weakref.WeakKeyDictionary) -> FormatSafeTranslations:
    """``translations`` wrapped once (the mail templates cache their rendering per translations
    object), in ``wrappers``."""
    if isinstance(translations, FormatSafeTranslations):
        return translations
    wrapper = wrappers.get(translations)
    if wrapper is None:
        locale = get_locale()
        wrapper = FormatSafeTranslations(translations, str(locale) if locale else "")
        wrappers[translations] = wrapper
    return wrapper


class CampaignBabel(Babel):
    @cached_property
    def domain_instance(self):
        return FormatSafeDomain(domain=self.domain)


csrf = CSRFProtect()
babel = CampaignBabel()
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

