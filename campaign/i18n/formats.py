"""Python %-format strings in translations: whether a translation can be formatted wherever its
source can, and translations that fall back to the source when it cannot.

Jinja's new-style gettext formats every translation with ``%`` (even one whose source has no
placeholder), and Flask-Babel's ``gettext(text, **variables)`` does when given variables; a
stray ``%`` in a translation ("100 %)") then raises at render time, on every page that shows it.
GNU ``msgfmt --check`` rejects such a translation of a python-format message; Babel's checker
and translate-toolkit's printf check do not see it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from babel.support import NullTranslations

from campaign.i18n.catalogs import DOMAIN, load_translations

log = logging.getLogger(__name__)

# A conversion specification as the % operator reads it: mapping key, flags, width, precision,
# length modifier (accepted and ignored by Python), conversion.
_SPEC = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d*))?[hlL]?"
                   r"(?P<conversion>[diouxXeEfFgGcrsa%])")
# Conversions that accept any value; the others need a number.
_ANY_VALUE = set("rsa")


class FormatSyntaxError(ValueError):
    """A ``%`` that does not start a conversion; ``position`` is its 0-based index."""

    def __init__(self, position: int):
        self.position = position
        super().__init__(f"'%' at character {position + 1} is not a placeholder")


class Placeholder(NamedTuple):
    key: str | None  # the mapping key, None for a placeholder without a name
    conversion: str
    text: str  # as written: "%(count)s", "% d"


def placeholders(text: str) -> list[Placeholder]:
    """The conversions of a %-format string, ``%%`` left out; ``FormatSyntaxError`` at the
    first ``%`` the % operator would reject."""
    found = []
    position = text.find("%")
    while position != -1:
        match = _SPEC.match(text, position)
        if match is None:
            raise FormatSyntaxError(position)
        if match.group("conversion") != "%":
            found.append(Placeholder(match.group("key"), match.group("conversion"), match.group()))
        position = text.find("%", match.end())
    return found


def mismatch(sources: Sequence[str], translation: str) -> str | None:
    """Why ``translation`` cannot be %-formatted with the values its sources are formatted with
    (for a plural message, the singular and the plural), or None when it can. A source that is
    not a format string itself is never formatted: nothing to compare then."""
    try:
        wanted = [spec for source in sources for spec in placeholders(source)]
    except FormatSyntaxError:
        return None
    try:
        own = placeholders(translation)
    except FormatSyntaxError as error:
        return f"{error}: write '%%' for a percent sign"
    conversions: dict[str, set[str]] = {}
    for spec in wanted:
        if spec.key is not None:
            conversions.setdefault(spec.key, set()).add(spec.conversion)
    positional = sum(1 for spec in wanted if spec.key is None)
    for spec in own:
        if spec.key is None:
            if not positional:
                return f"{spec.text!r} is not a placeholder of the source: write '%%' for a " \
                       "percent sign"
        elif spec.key not in conversions:
            return f"{spec.text} is not a placeholder of the source"
        elif spec.conversion not in conversions[spec.key] and spec.conversion not in _ANY_VALUE:
            shown = ", ".join(f"%({spec.key}){c}" for c in sorted(conversions[spec.key]))
            return f"{spec.text} where the source has {shown}"
    unnamed = sum(1 for spec in own if spec.key is None)
    if positional and positional != unnamed:
        return f"{unnamed} placeholders without a name where the source has {positional}"
    return None


class FormatSafeTranslations(NullTranslations):
    """Translates through ``inner``, except that a translation which cannot be formatted where
    its source can comes back as the source (and is logged once, naming the locale and the
    message): one broken translation must not take a page down. ``campaign i18n check``
    reports the same translations, and ``compile`` refuses them; this catches those that reach
    the site anyway (a ``.mo`` built by other tools)."""

    def __init__(self, inner: NullTranslations, locale: str):
        super().__init__()
        self.inner = inner
        self.locale = locale
        self._usable: dict[tuple[tuple[str, ...], str], bool] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        # Everything but the four lookups (the catalog, plural rule…) is the inner one's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _checked(self, sources: tuple[str, ...], translation: str, fallback: str,
                 context: str | None = None) -> str:
        if translation in sources:
            return translation
        key = (sources, translation)
        usable = self._usable.get(key)
        if usable is None:
            reason = mismatch(sources, str(translation))
            usable = reason is None
            with self._lock:
                self._usable[key] = usable
            if not usable:
                where = f" (msgctxt {context!r})" if context else ""
                log.warning("%s: the translation %r of %r%s cannot be used (%s): showing the "
                            "source text; run 'campaign i18n check'", self.locale, translation,
                            sources[0], where, reason)
        return translation if usable else fallback

    def gettext(self, message: str) -> str:
        return self._checked((message,), self.inner.gettext(message), message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._checked((singular, plural), self.inner.ngettext(singular, plural, n),
                             singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        return self._checked((message,), self.inner.pgettext(context, message), message, context)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._checked((singular, plural),
                             self.inner.npgettext(context, singular, plural, n),
                             singular if n == 1 else plural, context)

    # The names Flask-Babel uses.
    ugettext = gettext
    ungettext = ngettext
    upgettext = pgettext
    unpgettext = npgettext


_compiled: dict[tuple[str, str], tuple[float, FormatSafeTranslations]] = {}
_compiled_lock = threading.Lock()


def compiled_translations(locales_dir: str | Path, locale: str) -> FormatSafeTranslations:
    """The compiled catalog of ``locale`` for the site's pages, mails and petition texts: read
    again once ``campaign i18n compile`` rewrites it, so that it takes effect without a
    restart; one that gettext cannot read gives the source text (``load_translations``)."""
    directory = str(locales_dir)
    try:
        stamp = (Path(directory) / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").stat().st_mtime
    except OSError:
        stamp = 0.0
    with _compiled_lock:
        cached = _compiled.get((directory, locale))
        if cached is None or cached[0] != stamp:
            translations = load_translations(directory, locale) if locale else NullTranslations()
            cached = _compiled[directory, locale] = (
                stamp, FormatSafeTranslations(translations, locale))
        return cached[1]
