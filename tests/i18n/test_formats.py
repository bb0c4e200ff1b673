"""Translations that cannot be %-formatted: named by ``check``, and shown as their source text
on the site rather than taking the page down."""

from __future__ import annotations

import logging

import pytest

from campaign.i18n import catalogs
from campaign.i18n.formats import FormatSafeTranslations, mismatch
from tests.i18n.test_checks import msgid_line, run_check

GOAL = "%(count)s of %(goal)s signatures"
STRAY = "%(count)s signatures sur %(goal)s (objectif 100 %)"


def test_mismatch_stray_percent_names_its_character():
    assert mismatch([GOAL], STRAY) == ("'%' at character 49 is not a placeholder: write '%%' "
                                       "for a percent sign")


def test_mismatch_doubled_percent_passes():
    assert mismatch([GOAL], "%(count)s signatures sur %(goal)s (objectif 100 %%)") is None


def test_mismatch_unnamed_placeholder_in_named_source_is_named():
    assert mismatch([GOAL], "%(count)s sur %(goal)s, 50 % de plus") == (
        "'% d' is not a placeholder of the source: write '%%' for a percent sign")


def test_mismatch_number_conversion_of_text_placeholder_is_named():
    assert mismatch([GOAL], "%(count)d sur %(goal)s") == (
        "%(count)d where the source has %(count)s")


def test_mismatch_source_that_is_not_a_format_string_passes():
    assert mismatch(["100%"], "100 %") is None


@pytest.fixture
def stray_translations(write_po):
    path = write_po(f'''\
        #, python-format
        msgid "{GOAL}"
        msgstr "{STRAY}"
        ''')
    return FormatSafeTranslations(catalogs.translations_in_memory(path), "fr")


def test_format_safe_translation_with_stray_percent_gives_the_source(stray_translations):
    assert stray_translations.gettext(GOAL) == GOAL


def test_format_safe_translation_with_stray_percent_logs_locale_and_msgid(stray_translations,
                                                                          caplog):
    with caplog.at_level(logging.WARNING, logger="campaign.i18n.formats"):
        stray_translations.gettext(GOAL)
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith(f"fr: the translation {STRAY!r} of {GOAL!r}")


def test_format_safe_sound_translation_passes_through(write_po):
    path = write_po(f'''\
        #, python-format
        msgid "{GOAL}"
        msgstr "%(count)s signatures sur %(goal)s"
        ''')
    translations = FormatSafeTranslations(catalogs.translations_in_memory(path), "fr")
    assert translations.gettext(GOAL) == "%(count)s signatures sur %(goal)s"


def test_check_stray_percent_in_python_format_fails_with_line(runner, write_po):
    path = write_po(f'''\
        #, python-format
        msgid "{GOAL}"
        msgstr "{STRAY}"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert (f"{path}:{msgid_line(path, '%(count)s of')}: python-format: '%' at character 49 "
            "is not a placeholder") in result.output


def test_check_stray_percent_in_template_string_fails_with_line(runner, write_po):
    path = write_po('''\
        #: campaign/templates/public/index.html
        msgid "Sign the petition"
        msgstr "Signez à 100 %"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Sign the')}: python-format: '%' at character 14" \
        in result.output


def test_check_percent_in_python_string_without_placeholders_passes(runner, write_po):
    path = write_po('''\
        #: campaign/organizer/packets.py
        msgid "Sign the petition"
        msgstr "Signez à 100 %"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output


@pytest.fixture
def stray_fr_site(make_app, copy_layout):
    """The site with a French catalog compiled (by another tool than ours) with a stray "%".
    Flask-Babel caches catalogs per process by locale alone, so the cache is emptied before
    and after."""
    from campaign.extensions import babel

    path = copy_layout.catalog("fr")
    catalog = catalogs.read(path)
    catalog.get(GOAL).string = STRAY
    path.write_bytes(catalogs.serialize(catalog))
    catalogs.compile_catalog(copy_layout, "fr")
    app = make_app(LOCALES_DIR=str(copy_layout.locales_dir))
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield app
    with app.app_context():
        babel.domain_instance.cache.clear()


def test_page_with_stray_percent_in_translation_shows_the_source(stray_fr_site):
    response = stray_fr_site.test_client().get("/fr/")
    assert response.status_code == 200
    assert " of " in response.get_data(as_text=True).split('class="muted"')[1].split("</p>")[0]


def test_page_with_stray_percent_in_translation_logs_locale_and_msgid(stray_fr_site, caplog):
    with caplog.at_level(logging.WARNING, logger="campaign.i18n.formats"):
        stray_fr_site.test_client().get("/fr/")
    assert any(r.getMessage().startswith(f"fr: the translation {STRAY!r} of {GOAL!r}")
               for r in caplog.records)


COI = ("In 2014 a United Nations Commission of Inquiry found that many North Koreans who have "
       "fled to China “should be recognized as refugees fleeing persecution or refugees sur "
       "place”.")


def test_petition_with_stray_percent_in_its_translation_shows_the_source(make_app, copy_layout):
    # The petition's own sentences go through a catalog of their own, not Flask-Babel's.
    path = copy_layout.catalog("fr")
    catalog = catalogs.read(path)
    catalog.get(COI).string = "En 2014, 80 % des personnes…"
    path.write_bytes(catalogs.serialize(catalog))
    catalogs.compile_catalog(copy_layout, "fr")
    app = make_app(LOCALES_DIR=str(copy_layout.locales_dir))
    response = app.test_client().get("/fr/c/stop-forced-repatriation/")
    assert response.status_code == 200
    assert "In 2014 a United Nations Commission of Inquiry" in response.get_data(as_text=True)
