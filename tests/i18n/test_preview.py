"""Translator previews: untranslated strings are highlighted, and the highlight is safe."""

from __future__ import annotations

import io

from babel.messages.mofile import write_mo
from babel.support import Translations
from markupsafe import Markup

from campaign.content import CampaignLibrary
from campaign.content.templates import make_sandbox
from campaign.i18n import catalogs, preview
from tests.conftest import LETTERS_DIR, SLUG


def _translations(pairs: dict[str, str]) -> Translations:
    catalog = catalogs.new_catalog("fr")
    for msgid, msgstr in pairs.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def test_highlight_translated_string_passes_through():
    highlighting = preview.HighlightingTranslations(_translations({"Hello": "Bonjour"}))
    assert highlighting.gettext("Hello") == "Bonjour"


def test_highlight_untranslated_string_is_marked():
    highlighting = preview.HighlightingTranslations(_translations({}))
    assert highlighting.gettext("Hello") == "<mark class=i18n-untranslated>Hello</mark>"


def test_highlight_escapes_the_source_text():
    highlighting = preview.HighlightingTranslations(_translations({}))
    marked = highlighting.gettext('<img src=x onerror="alert(1)">')
    assert "<img" not in marked
    assert "&lt;img" in marked


def test_highlight_in_jinja_escapes_variables():
    env = make_sandbox(LETTERS_DIR / SLUG)
    env.install_gettext_translations(preview.HighlightingTranslations(_translations({})),
                                     newstyle=True)
    html = env.from_string("{% trans name=name %}Signed by {{ name }}{% endtrans %}").render(
        name="<script>")
    assert html == "<mark class=i18n-untranslated>Signed by &lt;script&gt;</mark>"


def test_highlight_plural_untranslated_is_marked():
    highlighting = preview.HighlightingTranslations(_translations({}))
    assert highlighting.ngettext("%(n)s letter", "%(n)s letters", 2) == Markup(
        "<mark class=i18n-untranslated>%(n)s letters</mark>")


def test_petition_preview_marks_only_untranslated_sentences():
    campaign = CampaignLibrary(LETTERS_DIR).get(SLUG)
    translated = "No one should be punished for seeking freedom."
    html = preview.render_petition(campaign, preview.HighlightingTranslations(
        _translations({translated: "Nul ne devrait être puni pour avoir cherché la liberté."})))
    assert "Nul ne devrait être puni pour avoir cherché la liberté." in html
    assert f"<mark class=i18n-untranslated>{translated}" not in html
    assert html.count("<mark class=i18n-untranslated>") >= 5
