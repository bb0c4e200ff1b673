"""What translators and maintainers do with the catalogs; the CLI and the translator pages call
these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError
from jinja2 import TemplateSyntaxError

from campaign.i18n import catalogs, checks
from campaign.i18n.catalogs import Coverage, Layout
from campaign.i18n.checks import CatalogProblem, CatalogReport


class CatalogError(Exception):
    """A catalog or a source cannot be read; ``problem`` says where."""

    def __init__(self, problem: CatalogProblem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True)
class ExtractResult:
    messages: int
    template_written: bool
    updated: list[str] = field(default_factory=list)


def _extract(layout: Layout) -> Catalog:
    try:
        return catalogs.extract(layout)
    except TemplateSyntaxError as error:
        # Babel's Jinja extractor parses without a file name; Jinja's error then lacks it.
        raise CatalogError(CatalogProblem(error.filename or "template", error.lineno,
                                          f"template syntax error: {error.message}")) from error


def _read(path: Path, layout: Layout, locale: str | None = None) -> Catalog:
    try:
        return catalogs.read(path, locale)
    except PoFileError as error:
        raise CatalogError(checks.unreadable(checks._display(path, layout.root), error)) from error


def _read_template(layout: Layout) -> Catalog:
    # Without this, a deleted messages.pot surfaces as a FileNotFoundError traceback; the fix is
    # always the same command.
    if not layout.template.is_file():
        shown = checks._display(layout.template, layout.root)
        raise CatalogError(CatalogProblem(shown, None, "missing: run 'campaign i18n extract'"))
    return _read(layout.template, layout)


def extract(layout: Layout, update: bool = True) -> ExtractResult:
    """Re-extracts ``messages.pot`` from the sources and (by default) merges it into every
    catalog: one step, so a new interface string reaches every translator at once."""
    template = _extract(layout)
    written = catalogs.write_template(layout, template)
    updated = catalogs.update(layout, template) if update else []
    return ExtractResult(sum(1 for m in template if m.id), written, updated)


def update(layout: Layout, locales: Iterable[str] | None = None) -> list[str]:
    """Merges the current ``messages.pot`` into the catalogs; returns those that changed."""
    template = _read_template(layout)
    wanted = list(locales or layout.locales())
    for locale in wanted:
        _read(layout.catalog(locale), layout, locale)  # a syntax error names its file:line
    return catalogs.update(layout, template, wanted)


def init_locale(layout: Layout, locale: str) -> Path:
    return catalogs.init(layout, locale, _read_template(layout))


@dataclass(frozen=True)
class CompileResult:
    compiled: list[Path] = field(default_factory=list)
    refused: list[CatalogReport] = field(default_factory=list)  # each with its blocking errors


def compile_all(layout: Layout) -> CompileResult:
    """Compiles every catalog that passes ``check`` to ``.mo``. A catalog with errors (a broken
    placeholder or tag, a wrong number of plural forms, invalid syntax…) is refused and its
    ``.mo`` left as it was: a ``.mo`` with a renamed placeholder makes rendering a letter raise
    later, far from the translation. Fuzzy entries do not stop it (they are left out)."""
    result = CompileResult()
    for locale in layout.locales():
        report = checks.check_catalog(layout.catalog(locale), None, layout.root)
        if report.blocking:
            result.refused.append(report)
        else:
            result.compiled.append(catalogs.compile_catalog(layout, locale))
    return result


@dataclass(frozen=True)
class Stats:
    rows: list[Coverage]
    missing: dict[str, str]  # language of the app without a catalog: the file it needs


def stats(layout: Layout, languages: Iterable[str] = ()) -> Stats:
    """Coverage of every catalog, and which of the app's ``languages`` have none."""
    template = _read_template(layout)
    rows = [
        catalogs.coverage(locale, _read(layout.catalog(locale), layout, locale), template)
        for locale in layout.locales()
    ]
    present = set(layout.locales())
    missing = {lc: checks._display(layout.catalog(lc), layout.root)
               for lc in languages if lc != catalogs.SOURCE_LOCALE and lc not in present}
    return Stats(rows, missing)


def check(
    layout: Layout, paths: Iterable[Path] | None = None, languages: Iterable[str] = ()
) -> tuple[list[CatalogProblem], list[CatalogReport]]:
    """General problems (a stale ``messages.pot``, a language of the app without a catalog) and
    one report per catalog."""
    if paths is not None:
        return checks.check_all(layout, list(paths))
    missing = checks.missing_catalogs(layout, languages)
    try:
        fresh = _extract(layout)
    except CatalogError as error:
        general, reports = checks.check_all(layout, [layout.catalog(lc) for lc in layout.locales()])
        return [error.problem, *missing, *general], reports
    general, reports = checks.check_all(layout, None, fresh)
    return [*missing, *general], reports


def check_locales(layout: Layout, locales: Iterable[str] | None = None) -> dict[str, CatalogReport]:
    """Checks catalogs against the current ``messages.pot`` without re-extracting (for the
    translator pages; ``check`` also compares the template with the sources)."""
    template = _read_template(layout)
    return {
        locale: checks.check_catalog(layout.catalog(locale), template, layout.root)
        for locale in (locales or layout.locales())
    }
