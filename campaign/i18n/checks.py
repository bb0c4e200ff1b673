"""Checks a catalog before its translations can reach a web page or a letter.

The Jinja i18n extension trusts a translation as markup, so a tag a translator adds (an
``<img src=file:…>``) would reach the browser and WeasyPrint; a renamed placeholder raises at
render time or drops the signer's name. Each finding names the file and the line of the message.

The per-message comparisons are translate-toolkit's pofilter checks (printf, pythonbraceformat,
xmltags) and Babel's own checkers; plural forms are compared with Babel's plural rules for the
locale, not with the catalog's own header, which a translator can get wrong too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog, Message, TranslationError
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError
from translate.filters import checks as tt_checks
from translate.storage import pypo

from campaign.i18n import catalogs, formats
from campaign.i18n.catalogs import Coverage, Layout

# pofilter checks that compare a translation with its source. "variables" is left out: it knows
# other projects' placeholder styles (Mozilla, Qt…) and flags Jinja/Python text it misreads.
TOOLKIT_CHECKS = ("printf", "pythonbraceformat", "xmltags")
# Sources rendered by Jinja (web pages, e-mails, letters, petitions), per babel.cfg.
TEMPLATE_SUFFIXES = (".html", ".txt")


@dataclass(frozen=True)
class CatalogProblem:
    """One finding about a catalog, printed as ``file:line: message``."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"
    msgid: str = ""
    msgstr: str = ""
    # Whether the compiled catalog would be wrong: a fuzzy entry is an error for check (a
    # translator must review it) but compile leaves it out, so it does not stop compiling.
    blocks_compile: bool = True

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


@dataclass
class CatalogReport:
    """Everything ``check`` found in one catalog, and its coverage."""

    path: str
    locale: str
    problems: list[CatalogProblem] = field(default_factory=list)
    coverage: Coverage | None = None
    untranslated: list[CatalogProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[CatalogProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def blocking(self) -> list[CatalogProblem]:
        """The errors that keep ``compile`` from writing this catalog's ``.mo``."""
        return [p for p in self.errors if p.blocks_compile]


def _first(value: str | tuple[str, ...] | list[str] | None) -> str:
    if isinstance(value, (list, tuple)):
        return value[0] if value else ""
    return value or ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pairs(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs to compare: the singular with msgstr[0], the plural with the
    other forms."""
    if not message.pluralizable:
        return [(str(message.id), _first(message.string))]
    singular, plural = message.id[0], message.id[1]  # type: ignore[index]
    strings = list(message.string or ())  # type: ignore[arg-type]
    pairs = []
    for index, translation in enumerate(strings):
        pairs.append((singular if index == 0 else plural, translation))
    return pairs


_JINJA_DELIMITERS = ("{{", "}}", "{%", "%}", "{#", "#}")


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if message.pluralizable else (str(message.id),)  # type: ignore[arg-type]


def _formatted(message: Message) -> bool:
    """Whether the app %-formats this message's translation: a python-format message, or one
    from a Jinja template (new-style gettext formats every string there)."""
    return "python-format" in message.flags or any(
        filename.endswith(TEMPLATE_SUFFIXES) for filename, _ in message.locations)


def _toolkit_failures(checker: tt_checks.StandardChecker, source: str, translation: str) -> list[str]:
    found: list[str] = []
    for name in TOOLKIT_CHECKS:
        try:
            getattr(checker, name)(source, translation)
        except tt_checks.FilterFailure as failure:  # SeriousFilterFailure is a subclass
            found.extend(f"{name}: {text}" for text in failure.messages)
    return found


def _display(path: Path, relative_to: Path | None) -> str:
    if relative_to is not None:
        try:
            return str(path.resolve().relative_to(relative_to.resolve()))
        except ValueError:
            pass
    return str(path)


def _raw_plural_counts(data: bytes) -> dict[tuple[str, str | None], int]:
    """How many ``msgstr[n]`` each plural entry really has: Babel pads a short entry with empty
    forms when reading, which would hide a missing form behind "untranslated"."""
    counts: dict[tuple[str, str | None], int] = {}
    store = pypo.pofile(data)
    for unit in store.units:
        if unit.isheader() or not unit.hasplural():
            continue
        singular = unit.source.strings[0]
        counts[(singular, unit.getcontext() or None)] = len(unit.target.strings)
    return counts


def _line_of(data: bytes, prefix: bytes) -> int | None:
    for number, line in enumerate(data.splitlines(), 1):
        if line.startswith(prefix):
            return number
    return None


def unreadable(shown: str, error: PoFileError) -> CatalogProblem:
    """The problem of a catalog that cannot be read, at its line (PoFileError carries the
    0-based index of the offending line)."""
    message = catalogs.error_message(error)
    if isinstance(error, catalogs.CatalogFileError):
        return CatalogProblem(shown, error.lineno + 1, message)
    if error.line:
        message = f"{message}: {error.line!r}"
    return CatalogProblem(shown, error.lineno + 1, f"invalid syntax: {message}")


def _locale_of(path: Path, catalog: Catalog | None) -> str:
    if catalog is not None and catalog.locale_identifier:
        return str(catalog.locale_identifier)
    # locales/<ll>/LC_MESSAGES/messages.po
    return path.parent.parent.name if path.parent.name == "LC_MESSAGES" else ""


def check_catalog(
    path: Path, template: Catalog | None = None, relative_to: Path | None = None
) -> CatalogReport:
    """Checks one ``.po`` file. With ``template`` (the ``messages.pot``), coverage counts its
    strings, so one not yet merged into the catalog counts as untranslated."""
    shown = _display(path, relative_to)
    data = path.read_bytes()
    try:
        catalog = catalogs.read(path)
        data = catalogs.utf8_text(data).encode("utf-8")  # without a byte-order mark
    except PoFileError as error:
        report = CatalogReport(shown, _locale_of(path, None))
        report.problems.append(unreadable(shown, error))
        return report
    except (UnknownLocaleError, ValueError) as error:
        report = CatalogReport(shown, _locale_of(path, None))
        report.problems.append(CatalogProblem(shown, _line_of(data, b'"Language:'), str(error)))
        return report

    locale = _locale_of(path, catalog)
    report = CatalogReport(shown, locale)
    problems = report.problems

    expected_plurals: int | None = None
    try:
        expected_plurals = get_plural(locale).num_plurals if locale else None
    except (UnknownLocaleError, ValueError):
        problems.append(CatalogProblem(shown, _line_of(data, b'"Language:'),
                                       f"unknown locale {locale!r} in the Language header"))
    if not locale:
        problems.append(CatalogProblem(shown, 1, "no Language header: cannot tell the locale"))
    if expected_plurals is not None and catalog.num_plurals != expected_plurals:
        problems.append(CatalogProblem(
            shown, _line_of(data, b'"Plural-Forms:'),
            f"Plural-Forms says nplurals={catalog.num_plurals}, but {locale} has "
            f"{expected_plurals} plural forms: use {catalogs.plural_forms_header(locale)!r}",
        ))
    header = _line_of(data, b'msgid ""')
    if header is None:
        # Babel reads a catalog without a header entry as one with a fuzzy header.
        problems.append(CatalogProblem(shown, 1, "no header entry (msgid \"\" with Language and "
                                                 "Plural-Forms): restore it from version control"))
    elif catalog.fuzzy:
        problems.append(CatalogProblem(shown, header, "the header is marked fuzzy: remove the flag",
                                       blocks_compile=False))

    for msgid, context, first, line in catalogs.duplicates(data.decode("utf-8")):
        where = f" (msgctxt {context!r})" if context is not None else ""
        problems.append(CatalogProblem(
            shown, line,
            f"duplicate message definition: {_short(msgid)!r}{where} is defined on line {first} "
            "already; keep one of the two", msgid=msgid))

    checker = tt_checks.StandardChecker()
    raw_plurals = _raw_plural_counts(data)
    for message in catalog:
        if not message.id:
            continue
        msgid, msgstr = _first(message.id), _first(message.string)
        line = message.lineno

        def problem(text: str, severity: str = "error", blocks_compile: bool = True, *,
                    _m=msgid, _s=msgstr, _l=line):
            problems.append(CatalogProblem(shown, _l, text, severity, _m, _s, blocks_compile))

        if message.pluralizable and expected_plurals is not None:
            count = raw_plurals.get((msgid, message.context), expected_plurals)
            has_translation = any(message.string or ())  # type: ignore[arg-type]
            if has_translation and count != expected_plurals:
                problem(f"{count} plural forms, but {locale} has {expected_plurals}: "
                        f"{_short(msgid)!r}")
        if message.fuzzy and any(message.string if message.pluralizable else [msgstr]):
            problem(f"fuzzy translation (review it, then remove the fuzzy flag): {_short(msgid)!r}",
                    blocks_compile=False)
        if not catalogs.is_translated(message):
            if not message.fuzzy:
                report.untranslated.append(
                    CatalogProblem(shown, line, f"untranslated: {_short(msgid)!r}", "warning", msgid)
                )
            continue
        seen: set[str] = set()
        for source, translation in _pairs(message):
            if not translation:
                continue
            added = [d for d in _JINJA_DELIMITERS if d in translation and d not in source]
            if added:
                # A translation is text: the site and the letters print "{{ … }}" as it is.
                seen.add("jinja")
                problem(f"template syntax {added[0]!r} in the translation of {_short(source)!r} "
                        "is printed as it is, not run: write the text only")
                continue
            if '"' in translation and '"' not in source and any(
                    filename.endswith(TEMPLATE_SUFFIXES) for filename, _ in message.locations):
                # Jinja prints a template's translation as markup, so inside an attribute
                # (aria-label="…") a straight quote would end it and start another attribute.
                seen.add("quote")
                problem(f"a straight double quote (\") in the translation of {_short(source)!r} "
                        "can end the HTML attribute it is printed in: use the language's "
                        "quotation marks (“…”, „…“, «…», 「…」)")
            for failure in _toolkit_failures(checker, source, translation):
                if failure not in seen:
                    seen.add(failure)
                    problem(f"{failure} in the translation of {_short(source)!r}")
        if not seen and _formatted(message):
            # A stray "%" that printf and Babel's checker let through (as msgfmt --check
            # does not): formatting the translation would raise on the page.
            for translation in dict.fromkeys(t for _, t in _pairs(message) if t):
                reason = formats.mismatch(_ids(message), translation)
                if reason is not None:
                    seen.add(reason)
                    problem(f"python-format: {reason} in the translation of {_short(msgid)!r}")
                    break
        if not seen:
            # Babel's python-format checker as a second opinion (it also catches mixing
            # positional and named placeholders).
            for error in message.check(catalog):
                if isinstance(error, TranslationError) and "plural" not in str(error):
                    problem(f"{error} in the translation of {_short(msgid)!r}")

    if template is not None:
        for message in template:
            if message.id and catalog.get(message.id, message.context) is None:
                report.untranslated.append(CatalogProblem(
                    shown, None,
                    f"not in this catalog yet (run 'campaign i18n update'): "
                    f"{_short(_first(message.id))!r}",
                    "warning", _first(message.id),
                ))
        for message in catalog:
            if message.id and template.get(message.id, message.context) is None:
                # Mostly a msgid edited by hand: the translation of the real one is missing.
                problems.append(CatalogProblem(
                    shown, message.lineno,
                    f"not in messages.pot: {_short(_first(message.id))!r} (a msgid is the "
                    "English source and is changed where it is written, not in a catalog; "
                    "'campaign i18n update' drops this entry)",
                    "warning", _first(message.id), blocks_compile=False,
                ))
        report.coverage = catalogs.coverage(locale, catalog, template)
    else:
        report.coverage = catalogs.coverage(locale, catalog, catalog)
    return report


def stale_template(layout: Layout, fresh: Catalog | None = None) -> list[CatalogProblem]:
    """Compares ``messages.pot`` with what the sources contain now."""
    shown = _display(layout.template, layout.root)
    if not layout.template.is_file():
        return [CatalogProblem(shown, None, "missing: run 'campaign i18n extract'")]
    try:
        current = catalogs.read(layout.template)
    except PoFileError as error:
        return [unreadable(shown, error)]
    fresh = fresh if fresh is not None else catalogs.extract(layout)
    found: list[CatalogProblem] = []
    for message in fresh:
        if message.id and current.get(message.id, message.context) is None:
            where, line = message.locations[0] if message.locations else (shown, None)
            found.append(CatalogProblem(
                where, line,
                f"{_short(_first(message.id))!r} is not in {shown}: "
                "run 'campaign i18n extract'",
                msgid=_first(message.id),
            ))
    for message in current:
        if message.id and fresh.get(message.id, message.context) is None:
            found.append(CatalogProblem(
                shown, message.lineno,
                f"{_short(_first(message.id))!r} is no longer in the sources: "
                "run 'campaign i18n extract'",
                msgid=_first(message.id),
            ))
    return found


def missing_catalogs(layout: Layout, languages: Iterable[str]) -> list[CatalogProblem]:
    """A problem for each of the app's languages (the source language aside) without a catalog:
    a deleted catalog leaves nothing for the other checks to look at, and its language's pages
    and letters would quietly come out in English."""
    present = set(layout.locales())
    return [
        CatalogProblem(
            _display(layout.catalog(locale), layout.root), None,
            f"missing: {locale} is one of the app's LANGUAGES but has no catalog (restore it, "
            f"or start one with 'campaign i18n init {locale}')",
        )
        for locale in languages
        if locale != catalogs.SOURCE_LOCALE and locale not in present
    ]


def check_all(
    layout: Layout, paths: Iterable[Path] | None = None, fresh: Catalog | None = None
) -> tuple[list[CatalogProblem], list[CatalogReport]]:
    """Checks the given catalogs, or every catalog and the template's freshness (against
    ``fresh``, the strings extracted from the sources now)."""
    general: list[CatalogProblem] = []
    if paths is None:
        general.extend(stale_template(layout, fresh))
        try:
            template = catalogs.read(layout.template)
        except (OSError, PoFileError):
            template = None  # already reported by stale_template
        targets = [layout.catalog(locale) for locale in layout.locales()]
        return general, [check_catalog(path, template, layout.root) for path in targets]
    # A catalog given by path is counted against the template of its own locales folder, as
    # when it is found there: without it, a catalog missing strings would look complete.
    templates: dict[Path, Catalog | None] = {}
    reports = []
    for path in paths:
        found = template_of(path)
        if found is not None and found not in templates:
            try:
                templates[found] = catalogs.read(found)
            except PoFileError as error:
                templates[found] = None
                general.append(unreadable(_display(found, layout.root), error))
        reports.append(check_catalog(path, templates.get(found) if found else None, layout.root))
    return general, reports


def template_of(path: Path) -> Path | None:
    """The ``messages.pot`` of the locales folder a catalog is in
    (``<locales>/<ll>/LC_MESSAGES/messages.po``), if there is one."""
    path = path.resolve()
    if path.parent.name != "LC_MESSAGES":
        return None
    template = path.parent.parent.parent / f"{catalogs.DOMAIN}.pot"
    return template if template.is_file() else None
