"""Fixtures for the translation tests: the shipped catalogs, a private copy of them, and small
hand-written catalogs with one defect each."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural

from campaign.i18n import catalogs
from campaign.i18n.catalogs import Layout
from campaign.settings import PROJECT_ROOT

SHIPPED = Layout.of(PROJECT_ROOT)
LOCALES = ["ko", "zh_Hans", "ja", "fr", "de", "es", "ar"]


@pytest.fixture
def locales_copy(tmp_path) -> Path:
    """A private copy of locales/ (catalogs and template), compiled, that a test may change."""
    target = tmp_path / "locales"
    shutil.copytree(SHIPPED.locales_dir, target, ignore=shutil.ignore_patterns("*.mo"))
    layout = Layout.of(PROJECT_ROOT, target)
    for locale in layout.locales():
        catalogs.compile_catalog(layout, locale)
    return target


@pytest.fixture
def copy_layout(locales_copy) -> Layout:
    return Layout.of(PROJECT_ROOT, locales_copy)


@pytest.fixture
def write_po(tmp_path):
    """Writes a small catalog for ``locale`` with the given entries (PO text) and returns its
    path; the header carries Babel's plural rule for the locale unless ``plural_forms`` is
    given."""

    def write(entries: str, locale: str = "fr", plural_forms: str | None = None,
              name: str = "messages.po") -> Path:
        forms = plural_forms or get_plural(locale).plural_forms
        header = textwrap.dedent(f'''\
            msgid ""
            msgstr ""
            "Project-Id-Version: test 1\\n"
            "Language: {locale}\\n"
            "Plural-Forms: {forms}\\n"
            "MIME-Version: 1.0\\n"
            "Content-Type: text/plain; charset=utf-8\\n"
            "Content-Transfer-Encoding: 8bit\\n"

            ''')
        folder = tmp_path / "bad" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(header + textwrap.dedent(entries), encoding="utf-8")
        return path

    return write

