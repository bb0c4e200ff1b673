"""``campaign i18n extract | update | init LL | compile | stats | check [PO …]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from babel.core import UnknownLocaleError
from flask import current_app
from flask.cli import AppGroup

from campaign.i18n import service
from campaign.i18n.catalogs import Layout
from campaign.settings import PROJECT_ROOT


def current_layout() -> Layout:
    return Layout.of(PROJECT_ROOT, Path(current_app.config["LOCALES_DIR"]))


def _fail(error: service.CatalogError) -> None:
    click.echo(str(error.problem), err=True)
    sys.exit(1)


i18n_group = AppGroup("i18n", help="Translations: extract, update, compile and check catalogs.")


@i18n_group.command("extract")
@click.option("--no-update", is_flag=True, help="Only write messages.pot; leave the catalogs.")
def extract_command(no_update: bool) -> None:
    """Extract every translatable string into locales/messages.pot and merge it into every
    catalog (strings whose source changed become fuzzy; removed strings are dropped)."""
    layout = current_layout()
    try:
        result = service.extract(layout, update=not no_update)
    except service.CatalogError as error:
        _fail(error)
    state = "written" if result.template_written else "unchanged"
    click.echo(f"{layout.template}: {result.messages} messages ({state})")
    if not no_update:
        changed = ", ".join(result.updated) or "none"
        click.echo(f"catalogs updated: {changed}")


@i18n_group.command("update")
@click.argument("locales", nargs=-1)
def update_command(locales: tuple[str, ...]) -> None:
    """Merge locales/messages.pot into the catalogs (all, or the LOCALES given)."""
    layout = current_layout()
    unknown = [lc for lc in locales if lc not in layout.locales()]
    if unknown:
        click.echo(f"no catalog for {', '.join(unknown)} in {layout.locales_dir}; "
                   "start one with 'campaign i18n init LL'", err=True)
        sys.exit(1)
    try:
        changed = service.update(layout, locales or None)
    except service.CatalogError as error:
        _fail(error)
    click.echo(f"catalogs updated: {', '.join(changed) or 'none'}")


@i18n_group.command("init")
@click.argument("locale")
def init_command(locale: str) -> None:
    """Start the catalog of a new LOCALE (a Babel identifier such as pt_BR or zh_Hant)."""
    layout = current_layout()
    try:
        path = service.init_locale(layout, locale)
    except service.CatalogError as error:
        _fail(error)
    except (UnknownLocaleError, ValueError):
        click.echo(f"LOCALE: {locale!r} is not a locale Babel knows (e.g. pt_BR, zh_Hant)",
                   err=True)
        sys.exit(1)
    except FileExistsError as error:
        click.echo(f"{error.args[0]}: exists already; use 'campaign i18n update'", err=True)
        sys.exit(1)
    click.echo(f"{path}: created; add {locale!r} to LANGUAGES and the campaign's languages")


@i18n_group.command("compile")
@click.option("--quiet", is_flag=True, help="Print nothing unless something fails.")
def compile_command(quiet: bool) -> None:
    """Compile every catalog to messages.mo (fuzzy translations are left out); a catalog with
    check errors is not compiled, and the command exits 1."""
    result = service.compile_all(current_layout())
    if not quiet:
        for path in result.compiled:
            click.echo(f"{path}: compiled")
    for report in result.refused:
        for problem in report.blocking:
            click.echo(str(problem), err=True)
        count = len(report.blocking)
        click.echo(f"{report.path}: not compiled ({count} error{'s' if count > 1 else ''}); "
                   "its messages.mo is unchanged", err=True)
    sys.exit(1 if result.refused else 0)


@i18n_group.command("stats")
def stats_command() -> None:
    """Print how much of each catalog is translated."""
    try:
        result = service.stats(current_layout(), current_app.config["LANGUAGES"])
    except service.CatalogError as error:
        _fail(error)
    click.echo(f"{'locale':<9}{'translated':>11}{'fuzzy':>7}{'untranslated':>14}{'total':>7}"
               f"{'percent':>9}")
    for row in result.rows:
        click.echo(f"{row.locale:<9}{row.translated:>11}{row.fuzzy:>7}{row.untranslated:>14}"
                   f"{row.total:>7}{row.percent:>8.1f}%")
    for locale, path in result.missing.items():
        click.echo(f"{locale:<9}no catalog: {path} is missing")


@i18n_group.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--require-complete", is_flag=True,
              help="Fail on untranslated strings too (the release check).")
@click.option("--verbose", "-v", is_flag=True, help="List each untranslated string.")
def check_command(files: tuple[Path, ...], require_complete: bool, verbose: bool) -> None:
    """Check the catalogs (all of them and messages.pot, or the FILES given): syntax,
    placeholders, HTML tags, plural forms, fuzzy entries, a stale messages.pot; report coverage.

    Prints ``file:line: message`` per problem and exits 1 if any is an error."""
    general, reports = service.check(current_layout(), files or None,
                                     current_app.config["LANGUAGES"])
    failed = False
    for problem in general:
        click.echo(str(problem), err=True)
        failed = failed or problem.severity == "error"
    for report in reports:
        for problem in report.problems:
            click.echo(str(problem), err=True)
        failed = failed or bool(report.errors)
        for missing in report.untranslated:
            if require_complete:
                click.echo(str(missing).replace(": warning: ", ": ", 1), err=True)
            elif verbose:
                click.echo(str(missing), err=True)
        failed = failed or (require_complete and bool(report.untranslated))
        coverage = report.coverage
        if coverage is not None:
            errors = len(report.errors) + (len(report.untranslated) if require_complete else 0)
            state = "ok" if not errors else f"{errors} error{'s' if errors != 1 else ''}"
            click.echo(f"{report.path}: {state}; {coverage.percent:.1f}% translated "
                       f"({coverage.translated}/{coverage.total}, {coverage.fuzzy} fuzzy, "
                       f"{coverage.untranslated} untranslated)")
    sys.exit(1 if failed else 0)


commands: list[click.Command] = [i18n_group]
