"""Pages for translators: coverage per locale, check failures and fuzzy entries with the message at
fault, side-by-side previews of the petition and the letters with untranslated strings
highlighted, letter PDFs, and any web page with its untranslated strings highlighted
(``?i18n=highlight``).

Every view goes through ``translator_allowed()``: deny by default. The language being translated
is the URL's ``language``, not ``locale``: a ``locale`` view argument would switch these pages' own
interface language (``campaign.extensions.select_locale``) and, for Arabic, their direction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel import Locale as BabelLocale
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import Domain, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from campaign.app_context import library
from campaign.content.model import Campaign
from campaign.i18n import preview, service
from campaign.i18n.catalogs import Layout
from campaign.i18n.formats import FormatSafeTranslations
from campaign.settings import PROJECT_ROOT

bp = Blueprint("translate", __name__, url_prefix="/translate")


@bp.context_processor
def _user():
    # For the staff header (admin/_header.html): who is logged in, to log out.
    from campaign.organizer.access import current_user

    return {"current_user": current_user()}

HIGHLIGHT_PARAMETER = ("i18n", "highlight")
SAMPLE_CITY = "Seoul"


def translator_allowed() -> bool:
    """Whether this request may use the translator pages. Deny by default: logged-in admins and
    translators, or everyone when ``PREVIEW_OPEN`` is set (a local preview)."""
    from campaign.organizer.access import has_role

    return bool(current_app.config.get("PREVIEW_OPEN")) or has_role("admin", "translator")


@bp.before_request
def require_translator():
    if not translator_allowed():
        from campaign.organizer.access import login_or_forbidden

        return login_or_forbidden()
    return None


def layout() -> Layout:
    return Layout.of(PROJECT_ROOT, Path(current_app.config["LOCALES_DIR"]))


def _offered_locale(locale: str) -> str:
    """A translated locale the app offers (English is the source: nothing to translate)."""
    if locale not in current_app.config["LANGUAGES"] or locale not in layout().locales():
        abort(404)
    return locale


def _direction(locale: str) -> str:
    return "rtl" if BabelLocale.parse(locale).text_direction == "rtl" else "ltr"


def _campaign(slug: str) -> Campaign:
    try:
        return library().get(slug)
    except Exception:  # an unknown slug or content that does not load: nothing to preview
        abort(404)


def _campaign_slugs() -> list[str]:
    from campaign.content.library import list_campaign_slugs

    return list_campaign_slugs(Path(current_app.config["LETTERS_DIR"]))


def _public_pages(locale: str) -> list[tuple[str, str]]:
    """Links to the public pages that need no token, in ``locale``, with highlighting on."""
    pages = []
    slugs = _campaign_slugs()
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("public.") or "GET" not in (rule.methods or ()):
            continue
        arguments = set(rule.arguments)
        if not arguments <= {"locale", "slug"} or "locale" not in arguments:
            continue
        for slug in slugs if "slug" in arguments else [None]:
            values = {"locale": locale, HIGHLIGHT_PARAMETER[0]: HIGHLIGHT_PARAMETER[1]}
            if slug:
                values["slug"] = slug
            url = url_for(rule.endpoint, **values)
            pages.append((url.split("?")[0], url))
    return sorted(set(pages))


class HighlightingDomain(Domain):
    """Flask-Babel's domain for one request, translating from the current ``.po`` files with
    untranslated strings highlighted."""

    def get_translations(self):
        locale = get_locale()
        code = str(locale) if locale else "en"
        # One per request and language, so that a broken translation is logged once.
        cache = g.setdefault("highlighting_translations", {})
        if code not in cache:
            try:
                translations = preview.preview_translations(layout(), code)
            except preview.UnreadableCatalog as error:
                # The page as visitors see it, from the compiled catalog; the translator pages
                # show the error.
                current_app.logger.warning("%s", error.problem)
                translations = super().get_translations()
            cache[code] = FormatSafeTranslations(translations, code)
        return cache[code]


@bp.before_app_request
def highlight_untranslated_strings():
    if request.args.get(HIGHLIGHT_PARAMETER[0]) == HIGHLIGHT_PARAMETER[1] and translator_allowed():
        HighlightingDomain().as_default()


@bp.get("/")
def index():
    reports = {}
    problem = None
    try:
        reports = service.check_locales(layout())
    except service.CatalogError as error:
        problem = error.problem
    return render_template("translate/index.html", reports=reports, problem=problem,
                           slugs=_campaign_slugs())


@bp.get("/<language>/")
def locale_report(language: str):
    locale = _offered_locale(language)
    try:
        report = service.check_locales(layout(), [locale])[locale]
    except service.CatalogError as error:
        return render_template("translate/locale.html", locale=locale, report=None,
                               problem=error.problem), 500
    if report.coverage is None:  # the catalog cannot be read: its error is all there is to say
        return render_template("translate/locale.html", locale=locale, report=report,
                               problem=report.errors[0])
    fuzzy = [p for p in report.problems if p.message.startswith("fuzzy")]
    failures = [p for p in report.problems if p not in fuzzy]
    return render_template(
        "translate/locale.html", locale=locale, report=report, failures=failures, fuzzy=fuzzy,
        untranslated=report.untranslated, pages=_public_pages(locale), problem=None,
        campaigns=[_campaign(slug) for slug in _campaign_slugs()],
    )


@bp.get("/<language>/<slug>/petition")
def petition_preview(language: str, slug: str):
    locale = _offered_locale(language)
    campaign = _campaign(slug)
    source = preview.render_petition(campaign, preview.preview_translations(layout(), "en"))
    try:
        target = preview.render_petition(campaign, preview.preview_translations(layout(), locale))
    except preview.UnreadableCatalog as error:
        # The catalog exists and is broken: the translator reads where.
        abort(503, description=str(error.problem))
    return render_template(
        "translate/preview.html", locale=locale, direction=_direction(locale), campaign=campaign,
        heading=_("Petition"), source=source, target=target, pdf_url=None,
    )


def _sample_signer():
    from campaign.letters.merge import SignerDetails

    return SignerDetails(name=_("Sample Signer"), country="KR", city=SAMPLE_CITY,
                         message=_("A sentence the signer wrote in their own words."),
                         date=dt.date.today())


@bp.get("/<language>/<slug>/letters/<recipient_id>")
def letter_preview(language: str, slug: str, recipient_id: str):
    from campaign.letters.errors import LetterError, not_found
    from campaign.letters.service import engine

    locale = _offered_locale(language)
    campaign = _campaign(slug)
    if recipient_id not in campaign.recipients:
        abort(404)
    base = engine()
    try:
        source = _letter_article(base, campaign, recipient_id, "en")
        target = _letter_article(base, campaign, recipient_id, locale)
    except LetterError as error:
        abort(404 if not_found(error) else 503, description=str(error))
    return render_template(
        "translate/preview.html", locale=locale, direction=_direction(locale), campaign=campaign,
        heading=campaign.recipients[recipient_id].name, source=source, target=target,
        pdf_url=url_for(".letter_pdf", language=locale, slug=slug, recipient_id=recipient_id),
    )


def _letter_article(base, campaign: Campaign, recipient_id: str, locale: str) -> Markup:
    engine = preview.PreviewEngine(base, lambda lc: preview.preview_translations(layout(), lc))
    plan = engine.plan(campaign, recipient_id, locale)
    return Markup(engine.article_html(plan, _sample_signer()))  # noqa: S704 - sandbox output


@bp.get("/<language>/<slug>/letters/<recipient_id>.pdf")
def letter_pdf(language: str, slug: str, recipient_id: str):
    from campaign.letters.errors import LetterError, not_found
    from campaign.letters.service import render_letter_pdf

    locale = _offered_locale(language)
    campaign = _campaign(slug)
    if recipient_id not in campaign.recipients:
        abort(404)
    try:
        pdf = render_letter_pdf(campaign, recipient_id, _sample_signer(), locale=locale,
                                bilingual=None)
    except LetterError as error:
        abort(404 if not_found(error) else 503, description=str(error))
    name = f"{slug}-{recipient_id}-{locale}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
