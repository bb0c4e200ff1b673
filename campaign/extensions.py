"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

from babel import support
from flask import current_app, g, has_app_context, request
from flask_babel import Babel, Domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from campaign.i18n.formats import compiled_translations


class FormatSafeDomain(Domain):
    """Flask-Babel's domain for the site's pages and mails, with three differences:

    - a translation that cannot be formatted falls back to the source text
      (``campaign.i18n.formats``);
    - the translations are those of the ``messages.mo`` in the app's ``LOCALES_DIR`` as it is
      now (``formats.compiled_translations``, which the petition texts read too): ``campaign
      i18n compile`` takes effect without restarting the site (Flask-Babel keeps the first
      catalog it loaded for the process's life, whatever app asks);
    - a ``messages.mo`` that gettext cannot read gives the source text, logged once, rather
      than an error on every page (``catalogs.load_translations``)."""

    def get_translations(self):
        if not has_app_context():
            return support.NullTranslations()
        locale = get_locale()
        code = str(locale) if locale else ""
        # Flask-Babel asks on every gettext call: the catalog file is looked at once a request.
        seen = g.setdefault("_campaign_translations", {})
        found = seen.get(code)
        if found is None:
            found = seen[code] = compiled_translations(current_app.config["LOCALES_DIR"], code)
        return found


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

