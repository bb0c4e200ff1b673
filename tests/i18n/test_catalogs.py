"""The catalogs on disk: they compile, pass GNU msgfmt, and extraction writes stable files."""

from __future__ import annotations

import gettext
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import write_po

from campaign.i18n import catalogs
from campaign.i18n.catalogs import Layout
from campaign.settings import PROJECT_ROOT
from tests.i18n.conftest import LOCALES, SHIPPED


def test_shipped_locales_are_the_offered_ones():
    assert SHIPPED.locales() == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_shipped_catalog_compiles(locale, copy_layout):
    path = catalogs.compile_catalog(copy_layout, locale)
    with path.open("rb") as mo:
        compiled = read_mo(mo)
    assert len([m for m in compiled if m.id]) > 0


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
@pytest.mark.parametrize("locale", LOCALES)
def test_shipped_catalog_passes_msgfmt_check(locale):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(SHIPPED.catalog(locale))],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_extract_twice_rewrites_nothing(copy_layout):
    catalogs.write_template(copy_layout, catalogs.extract(copy_layout))
    catalogs.update(copy_layout, catalogs.read(copy_layout.template))
    before = {p: p.read_bytes() for p in copy_layout.locales_dir.rglob("*.po*")}

    written = catalogs.write_template(copy_layout, catalogs.extract(copy_layout))
    changed = catalogs.update(copy_layout, catalogs.read(copy_layout.template))

    assert (written, changed) == (False, [])
    assert {p: p.read_bytes() for p in before} == before


def test_template_has_no_line_numbers(copy_layout):
    catalogs.write_template(copy_layout, catalogs.extract(copy_layout))
    references = [line for line in copy_layout.template.read_text(encoding="utf-8").splitlines()
                  if line.startswith("#:")]
    assert references
    assert not any(":" in ref.removeprefix("#:") for ref in references)


def test_template_keeps_translator_comments(copy_layout):
    template = catalogs.extract(copy_layout)
    message = template.get("Respectfully yours,")
    assert message is not None
    assert any("closing of a formal letter" in c for c in message.auto_comments)


def test_template_covers_layout_petition_and_campaign_file(copy_layout):
    template = catalogs.extract(copy_layout)
    files = {f for m in template for f, _ in m.locations}
    assert "letters/_layout/letter.html" in files
    assert "letters/stop-forced-repatriation/petition.html" in files
    assert "letters/stop-forced-repatriation/campaign.toml" in files


def _template(*messages: str) -> Catalog:
    template = catalogs.new_catalog(None)
    for message in messages:
        template.add(message, locations=[("letters/x.html", None)])
    return template


def _source_changed_after_translation(tmp_path) -> Layout:
    """A French catalog that translated "We write with respect.", updated after the English
    became "We write with great respect."."""
    layout = Layout.of(tmp_path)
    catalogs.write_template(layout, _template("We write with respect."))
    catalogs.init(layout, "fr", catalogs.read(layout.template))
    catalog = catalogs.read(layout.catalog("fr"))
    catalog.get("We write with respect.").string = "Nous vous écrivons avec respect."
    layout.catalog("fr").write_bytes(catalogs.serialize(catalog))
    catalogs.update(layout, _template("We write with great respect."))
    return layout


def test_changed_source_string_becomes_fuzzy(tmp_path):
    layout = _source_changed_after_translation(tmp_path)

    message = catalogs.read(layout.catalog("fr")).get("We write with great respect.")
    assert message.fuzzy
    assert message.string == "Nous vous écrivons avec respect."


def test_changed_source_string_keeps_the_previous_source_for_the_translator(tmp_path):
    layout = _source_changed_after_translation(tmp_path)

    text = layout.catalog("fr").read_text(encoding="utf-8")
    assert '#| msgid "We write with respect."\nmsgid "We write with great respect."' in text


def test_update_leaves_a_catalog_saved_with_other_line_wrapping(tmp_path):
    layout = Layout.of(tmp_path)
    long = "A sentence long enough to be wrapped at another width than ours, " * 3
    catalogs.write_template(layout, _template(long.strip()))
    catalogs.init(layout, "fr", catalogs.read(layout.template))
    catalog = catalogs.read(layout.catalog("fr"))
    catalog.get(long.strip()).string = "Une phrase assez longue, " * 8
    out = io.BytesIO()
    write_po(out, catalog, width=79, include_lineno=False)  # as Poedit wraps
    layout.catalog("fr").write_bytes(out.getvalue())

    changed = catalogs.update(layout, catalogs.read(layout.template))

    assert changed == [] and layout.catalog("fr").read_bytes() == out.getvalue()


def test_update_drops_a_byte_order_mark(tmp_path):
    layout = Layout.of(tmp_path)
    catalogs.write_template(layout, _template("One."))
    catalogs.init(layout, "fr", catalogs.read(layout.template))
    layout.catalog("fr").write_bytes(b"\xef\xbb\xbf" + layout.catalog("fr").read_bytes())

    catalogs.update(layout, catalogs.read(layout.template))

    assert not layout.catalog("fr").read_bytes().startswith(b"\xef\xbb\xbf")


def test_update_keeps_the_translators_revision_date(tmp_path):
    layout = Layout.of(tmp_path)
    catalogs.write_template(layout, _template("One."))
    catalogs.init(layout, "de", catalogs.read(layout.template))
    text = layout.catalog("de").read_text(encoding="utf-8")
    revision = next(line for line in text.splitlines() if line.startswith('"PO-Revision-Date'))
    layout.catalog("de").write_text(
        text.replace(revision, '"PO-Revision-Date: 2026-01-02 03:04+0000\\n"'), encoding="utf-8")

    catalogs.update(layout, _template("One.", "Two."))

    assert '"PO-Revision-Date: 2026-01-02 03:04+0000\\n"' in \
        layout.catalog("de").read_text(encoding="utf-8")


def test_init_uses_the_languages_plural_rule(tmp_path):
    layout = Layout.of(tmp_path)
    catalogs.write_template(layout, _template("One."))
    catalogs.init(layout, "ko", catalogs.read(layout.template))
    assert catalogs.read(layout.catalog("ko")).num_plurals == 1


@pytest.mark.parametrize(("count", "form"), [(11, 4), (100, 5)])
def test_init_numbers_arabic_forms_as_translating_md_does(tmp_path, count, form):
    # many (11–99) is the fifth form, other (100–102…) the sixth, as in the shipped catalog.
    layout = Layout.of(tmp_path)
    catalogs.write_template(layout, _template("One."))
    catalogs.init(layout, "ar_EG", catalogs.read(layout.template))
    form_of = gettext.c2py(catalogs.read(layout.catalog("ar_EG")).plural_expr)
    assert form_of(count) == form


def test_stats_counts_translated_fuzzy_and_untranslated(tmp_path, make_app):
    layout = Layout.of(tmp_path, tmp_path / "locales")
    catalogs.write_template(layout, _template("One.", "Two.", "Three.", "Four."))
    catalogs.init(layout, "es", catalogs.read(layout.template))
    catalog = catalogs.read(layout.catalog("es"))
    catalog.get("One.").string = "Uno."
    catalog.get("Two.").string = "Dos."
    catalog.get("Three.").string = "Tres."
    catalog.get("Three.").flags.add("fuzzy")
    layout.catalog("es").write_bytes(catalogs.serialize(catalog))

    runner = make_app(LOCALES_DIR=str(layout.locales_dir)).test_cli_runner()
    result = runner.invoke(args=["i18n", "stats"])

    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("es"))
    assert row.split() == ["es", "2", "1", "1", "4", "50.0%"]


def test_compile_leaves_fuzzy_translations_out(tmp_path):
    layout = Layout.of(tmp_path)
    catalogs.write_template(layout, _template("One.", "Two."))
    catalogs.init(layout, "fr", catalogs.read(layout.template))
    catalog = catalogs.read(layout.catalog("fr"))
    catalog.get("One.").string = "Un."
    catalog.get("Two.").string = "Deux."
    catalog.get("Two.").flags.add("fuzzy")
    layout.catalog("fr").write_bytes(catalogs.serialize(catalog))

    catalogs.compile_catalog(layout, "fr")
    translations = catalogs.load_translations(layout.locales_dir, "fr")

    assert translations.gettext("One.") == "Un."
    assert translations.gettext("Two.") == "Two."


def test_compile_command_reports_invalid_catalog_with_line(make_app, tmp_path):
    layout = Layout.of(tmp_path, tmp_path / "locales")
    catalogs.write_template(layout, _template("One."))
    catalogs.init(layout, "fr", catalogs.read(layout.template))
    with layout.catalog("fr").open("a", encoding="utf-8") as po:
        po.write('\nmsgid "Two."\nmsgstr "Deux."\nmsgtxt "oops"\n')
    line = len(layout.catalog("fr").read_text(encoding="utf-8").splitlines())

    result = make_app(LOCALES_DIR=str(layout.locales_dir)).test_cli_runner().invoke(
        args=["i18n", "compile", "--quiet"])

    assert result.exit_code == 1
    assert f"locales/fr/LC_MESSAGES/messages.po:{line}: invalid syntax" in result.output


def i18n_command(make_app, copy_layout, *args: str):
    """``campaign i18n ARGS`` on the copied catalogs."""
    app = make_app(LOCALES_DIR=str(copy_layout.locales_dir))
    return app.test_cli_runner().invoke(args=["i18n", *args])


def test_update_command_without_template_fails_naming_extract(make_app, copy_layout):
    copy_layout.template.unlink()

    result = i18n_command(make_app, copy_layout, "update")

    assert result.exit_code == 1
    assert "locales/messages.pot: missing: run 'campaign i18n extract'" in result.output


def _latin1_byte_near_the_end(path: Path) -> int:
    """Puts a Latin-1 "é" into the last translation of ``path``; returns its line."""
    lines = path.read_bytes().split(b"\n")
    index = max(i for i, line in enumerate(lines) if line.startswith(b'msgstr "') and len(line) > 9)
    lines[index] = lines[index].replace(b'msgstr "', b'msgstr "\xe9', 1)
    path.write_bytes(b"\n".join(lines))
    return index + 1


def test_compile_command_byte_not_utf8_fails_with_its_line(make_app, copy_layout):
    line = _latin1_byte_near_the_end(copy_layout.catalog("ko"))

    result = i18n_command(make_app, copy_layout, "compile", "--quiet")

    assert result.exit_code == 1
    assert f"ko/LC_MESSAGES/messages.po:{line}: byte 0xe9 is not UTF-8" in result.output


def test_stats_command_byte_not_utf8_fails_with_its_line(make_app, copy_layout):
    line = _latin1_byte_near_the_end(copy_layout.catalog("ko"))

    result = i18n_command(make_app, copy_layout, "stats")

    assert result.exit_code == 1
    assert f"ko/LC_MESSAGES/messages.po:{line}: byte 0xe9 is not UTF-8" in result.output


def test_compile_command_latin1_charset_header_fails_with_its_line(make_app, copy_layout):
    path = copy_layout.catalog("fr")
    path.write_text(path.read_text(encoding="utf-8").replace("charset=utf-8", "charset=latin-1"),
                    encoding="utf-8")
    line = next(number for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith('"Content-Type'))

    result = i18n_command(make_app, copy_layout, "compile", "--quiet")

    assert result.exit_code == 1
    assert f"fr/LC_MESSAGES/messages.po:{line}: the header says charset=latin-1" in result.output


def _rename_locator_placeholder(path: Path) -> int:
    """Makes the Korean "art. %(locator)s" use %(loc)s, which rendering a citation would not
    find; returns the line of its msgid."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = lines.index('msgid "art. %(locator)s"\n')
    assert lines[index + 1] == 'msgstr "제%(locator)s조"\n'
    lines[index + 1] = 'msgstr "제%(loc)s조"\n'
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


def test_compile_command_broken_placeholder_fails_with_line(make_app, copy_layout):
    line = _rename_locator_placeholder(copy_layout.catalog("ko"))

    result = i18n_command(make_app, copy_layout, "compile", "--quiet")

    assert result.exit_code == 1
    assert f"ko/LC_MESSAGES/messages.po:{line}: printf: Added printf variable: %(loc)s" \
        in result.output


def test_compile_command_broken_placeholder_keeps_previous_mo(make_app, copy_layout):
    before = copy_layout.compiled("ko").read_bytes()
    _rename_locator_placeholder(copy_layout.catalog("ko"))

    i18n_command(make_app, copy_layout, "compile", "--quiet")

    assert copy_layout.compiled("ko").read_bytes() == before


def test_compile_command_broken_plural_expression_keeps_previous_mo(make_app, copy_layout):
    before = copy_layout.compiled("fr").read_bytes()
    po = copy_layout.catalog("fr")
    po.write_text(po.read_text(encoding="utf-8").replace("plural=(n > 1);", "plural=(n > ;"),
                  encoding="utf-8")

    result = i18n_command(make_app, copy_layout, "compile", "--quiet")

    assert result.exit_code == 1 and "the Plural-Forms expression '(n >' cannot be read" \
        in result.output
    assert copy_layout.compiled("fr").read_bytes() == before


def test_site_in_a_language_whose_mo_gettext_cannot_read_shows_the_source_text(
        make_app, copy_layout):
    mo = copy_layout.compiled("fr")
    # Written by another tool than compile: the same bytes with a plural expression cut short.
    mo.write_bytes(mo.read_bytes().replace(b"plural=(n > 1);", b"plural=(n >   ;"))
    client = make_app(LOCALES_DIR=str(copy_layout.locales_dir)).test_client()

    response = client.get("/fr/c/stop-forced-repatriation/")

    assert response.status_code == 200
    assert "Sign the petition" in response.get_data(as_text=True)


def test_site_follows_a_catalog_compiled_while_it_runs(make_app, copy_layout):
    client = make_app(LOCALES_DIR=str(copy_layout.locales_dir)).test_client()
    assert "Signer la pétition" in client.get("/fr/c/stop-forced-repatriation/").get_data(
        as_text=True)
    po = copy_layout.catalog("fr")
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Signer la pétition"',
                                                         'msgstr "Signez la pétition"'),
                  encoding="utf-8")
    catalogs.compile_catalog(copy_layout, "fr")
    later = copy_layout.compiled("fr").stat().st_mtime + 5
    os.utime(copy_layout.compiled("fr"), (later, later))

    page = client.get("/fr/c/stop-forced-repatriation/").get_data(as_text=True)

    assert "Signez la pétition" in page


def test_stats_command_configured_language_without_catalog_shows_it(make_app, copy_layout):
    shutil.rmtree(copy_layout.locales_dir / "ko")

    result = i18n_command(make_app, copy_layout, "stats")

    row = next(line for line in result.output.splitlines() if line.startswith("ko "))
    assert row.split(None, 1)[1] == f"no catalog: {copy_layout.catalog('ko')} is missing"


def test_extract_collects_recipients_per_recipient(copy_layout):
    template = catalogs.extract(copy_layout)
    prc = template.get("Minister of Foreign Affairs", context="recipient prc-mfa")
    rok = template.get("Minister of Foreign Affairs", context="recipient rok-mofa")
    assert prc is not None and rok is not None
    assert template.get("Wang Yi", context="recipient prc-mfa") is not None


@pytest.mark.parametrize(("count", "form"), [(3, 3), (11, 4), (99, 4), (100, 5), (102, 5)])
def test_shipped_arabic_plural_picks_the_form_written_for_the_count(count, form):
    # The translations give the forms in GNU gettext's order (few, many, other), as
    # TRANSLATING.md asks: "many" (11–99) is the fifth, "other" (100–102…) the sixth.
    path = PROJECT_ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.mo"
    with path.open("rb") as handle:
        catalog = read_mo(handle)
    entry = next(m for m in catalog if m.pluralizable and len(set(m.string)) == 6)
    with path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.ngettext(entry.id[0], entry.id[1], count) == entry.string[form]
