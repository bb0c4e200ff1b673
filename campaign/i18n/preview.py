"""Previews for translators: the current ``.po`` file (not yet compiled) applied to pages and
letters, with every untranslated string highlighted.

A highlighted string is the English source, escaped, wrapped in ``<mark class=i18n-untranslated>``.
Escaping matters: the Jinja i18n extension treats what gettext returns as markup, so the source
text must not be able to add tags of its own; the ``class`` value is unquoted so that the wrapper
cannot end an HTML attribute it happens to be rendered into (a ``placeholder=""`` for instance).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from babel.messages.pofile import PoFileError
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

from campaign.content.model import Campaign
from campaign.content.templates import make_sandbox
from campaign.i18n import catalogs, checks
from campaign.letters.engine import LetterEngine
from campaign.letters.errors import LetterError

MARK = Markup("<mark class=i18n-untranslated>{}</mark>")
CONTEXT_SEPARATOR = "\x04"


def highlight(source: str) -> Markup:
    return MARK.format(escape(source))


class HighlightingTranslations(NullTranslations):
    """Translates through ``inner``; a string it has no translation for comes back highlighted.

    Implements the gettext methods Jinja, Flask-Babel and the letters engine call."""

    def __init__(self, inner: NullTranslations):
        super().__init__()
        self.inner = inner
        self._translated = getattr(inner, "_catalog", {})

    def _has(self, key: object) -> bool:
        return bool(self._translated.get(key))

    def gettext(self, message: str) -> str:
        if self._has(message):
            return self.inner.gettext(message)
        return highlight(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self._has((singular, 0)):
            return self.inner.ngettext(singular, plural, n)
        return highlight(singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        if self._has(f"{context}{CONTEXT_SEPARATOR}{message}"):
            return self.inner.pgettext(context, message)
        return highlight(message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        if self._has((f"{context}{CONTEXT_SEPARATOR}{singular}", 0)):
            return self.inner.npgettext(context, singular, plural, n)
        return highlight(singular if n == 1 else plural)

    # The names Flask-Babel uses.
    ugettext = gettext
    ungettext = ngettext
    upgettext = pgettext
    unpgettext = npgettext


class UnreadableCatalog(Exception):
    """The catalog of the language to preview cannot be read; ``problem`` says where and why."""

    def __init__(self, problem: checks.CatalogProblem):
        self.problem = problem
        super().__init__(str(problem))


_cache: dict[Path, tuple[float, Translations]] = {}
_lock = threading.Lock()


def translations_from_po(path: Path) -> Translations:
    """The translations of a ``.po`` file as they are now (compiled in memory, fuzzy entries left
    out as ``compile`` does), so a translator previews their latest edit without a build step."""
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    translations = catalogs.translations_in_memory(path)
    with _lock:
        _cache[path] = (mtime, translations)
    return translations


def preview_translations(layout: catalogs.Layout, locale: str,
                         highlight_untranslated: bool = True) -> NullTranslations:
    """Translations for previewing ``locale``; English is the source and needs none."""
    if locale == catalogs.SOURCE_LOCALE:
        return NullTranslations()
    path = layout.catalog(locale)
    try:
        translations = translations_from_po(path) if path.is_file() else NullTranslations()
    except PoFileError as error:
        raise UnreadableCatalog(checks.unreadable(checks._display(path, layout.root), error)) from error
    return HighlightingTranslations(translations) if highlight_untranslated else translations


def render_petition(campaign: Campaign, translations: NullTranslations) -> Markup:
    """The campaign's petition text in the sandbox with ``translations``; citations are shown as
    plain numbers (the public page formats them; here only the words matter)."""
    env = make_sandbox(Path(campaign.directory))
    env.trim_blocks = False  # a line break after {% endtrans %} is the space between sentences
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    numbers: dict[str, int] = {}

    def cite(source_id: str, locator: str = "", label: str = "") -> Markup:
        number = numbers.setdefault(source_id, len(numbers) + 1)
        return Markup("<sup class=cite>[{}]</sup>").format(number)

    html = env.get_template(campaign.petition).render(cite=cite, campaign=campaign.slug)
    return Markup(html)  # noqa: S704 - rendered by the autoescaping sandbox


TranslationsFor = Callable[[str], NullTranslations]


class PreviewEngine(LetterEngine):
    """The letters engine with the translator's current catalog (highlighted) in place of the
    compiled one; everything else (layout, citations, merge) is the engine's own."""

    def __init__(self, base: LetterEngine, translations_for: TranslationsFor):
        super().__init__(base.letters_dir, base.static_dir, base.locales_dir, processes=1)
        self.translations_for = translations_for

    def _environment(self, campaign_dir: Path, locale: str):  # type: ignore[override]
        try:
            translations = self.translations_for(locale)
        except UnreadableCatalog as error:
            raise LetterError(str(error.problem)) from error
        env = make_sandbox(campaign_dir)
        env.trim_blocks = False  # as the engine does
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        return env, translations
