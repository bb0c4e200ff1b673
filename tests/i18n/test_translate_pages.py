"""The translator pages: denied by default; coverage, failures, previews and PDFs when allowed."""

from __future__ import annotations

import pytest

from campaign.i18n import catalogs
from tests.conftest import SLUG


@pytest.fixture
def translator_client(make_app, copy_layout):
    app = make_app(PREVIEW_OPEN=True, LOCALES_DIR=str(copy_layout.locales_dir))
    return app.test_client()


@pytest.mark.parametrize("url", [
    "/translate/", "/translate/ko/", f"/translate/ko/{SLUG}/petition",
    f"/translate/ko/{SLUG}/letters/un-unhcr", f"/translate/ko/{SLUG}/letters/un-unhcr.pdf",
])
def test_translator_pages_send_anonymous_visitors_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=")


def test_highlight_parameter_ignored_when_not_allowed(client):
    response = client.get("/en/?i18n=highlight")
    assert b"i18n-untranslated" not in response.data


def test_index_lists_every_locale_with_coverage(translator_client):
    html = translator_client.get("/translate/").get_data(as_text=True)
    for locale in ("ko", "zh_Hans", "ja", "fr", "de", "es", "ar"):
        assert f'href="/translate/{locale}/"' in html
    assert "<meter" in html


def test_locale_page_shows_failing_message(translator_client, copy_layout):
    path = copy_layout.catalog("fr")
    catalog = catalogs.read(path)
    message = catalog.get("Respectfully yours,")
    message.string = 'Veuillez agréer <img src="file:///etc/passwd">'
    path.write_bytes(catalogs.serialize(catalog))

    html = translator_client.get("/translate/fr/").get_data(as_text=True)

    assert "xmltags" in html
    assert "Veuillez agréer &lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_locale_page_lists_fuzzy_entries(translator_client, copy_layout):
    path = copy_layout.catalog("de")
    catalog = catalogs.read(path)
    message = catalog.get("Respectfully yours,")
    message.string = "Hochachtungsvoll"
    message.flags.add("fuzzy")
    path.write_bytes(catalogs.serialize(catalog))

    html = translator_client.get("/translate/de/").get_data(as_text=True)

    fuzzy_section = html.split('id="fuzzy"')[1].split('id="untranslated"')[0]
    assert "Respectfully yours," in fuzzy_section


def test_unknown_locale_is_not_found(translator_client):
    assert translator_client.get("/translate/xx/").status_code == 404


def test_petition_preview_highlights_untranslated_strings(translator_client, copy_layout):
    path = copy_layout.catalog("ja")
    catalog = catalogs.read(path)
    catalog.get("No one should be punished for seeking freedom.").string = ""
    path.write_bytes(catalogs.serialize(catalog))

    html = translator_client.get(f"/translate/ja/{SLUG}/petition").get_data(as_text=True)

    assert ("<mark class=i18n-untranslated>No one should be punished for seeking freedom.</mark>"
            in html)


def test_petition_preview_sets_right_to_left_for_arabic(translator_client):
    html = translator_client.get(f"/translate/ar/{SLUG}/petition").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html


def test_letter_preview_renders_both_languages(translator_client):
    response = translator_client.get(f"/translate/ko/{SLUG}/letters/rok-mou")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="ko"' in html
    assert "Respectfully yours," in html  # the English column


def test_letter_pdf_downloads(translator_client):
    response = translator_client.get(f"/translate/ko/{SLUG}/letters/rok-mou.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_arabic_public_page_is_right_to_left(client):
    html = client.get("/ar/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html


def test_translator_page_for_arabic_keeps_its_own_interface_direction(translator_client):
    html = translator_client.get("/translate/ar/", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert '<html lang="en" dir="ltr">' in html


@pytest.fixture
def broken_fr(copy_layout) -> str:
    """The fr catalog with a string left open; returns the ``file:line`` its error names."""
    path = copy_layout.catalog("fr")
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line == 'msgstr "Afficher"')
    lines[index] = 'msgstr "Afficher'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{path}:{index + 1}"


def test_index_with_unreadable_catalog_shows_its_error_with_line(translator_client, broken_fr):
    response = translator_client.get("/translate/")
    assert response.status_code == 200
    assert f"{broken_fr}: invalid syntax: unterminated" in response.get_data(as_text=True)


def test_index_with_unreadable_catalog_shows_the_other_languages(translator_client, broken_fr):
    html = translator_client.get("/translate/").get_data(as_text=True)
    for locale in ("ko", "zh_Hans", "ja", "fr", "de", "es", "ar"):
        assert f'href="/translate/{locale}/"' in html
    assert html.count("<meter") == 6


def test_index_with_latin1_catalog_shows_its_error_with_line(translator_client, copy_layout):
    path = copy_layout.catalog("fr")
    text = path.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "é" in row)
    # "é" as an editor saving in Latin-1 writes it: a byte that is not UTF-8.
    path.write_bytes(text.encode("utf-8").replace("é".encode(), "é".encode("latin-1")))
    html = translator_client.get("/translate/").get_data(as_text=True)
    assert f"{path}:{line}: byte 0x" in html


def test_locale_page_with_unreadable_catalog_shows_its_error_with_line(translator_client,
                                                                        broken_fr):
    response = translator_client.get("/translate/fr/")
    assert response.status_code == 200
    assert f"{broken_fr}: invalid syntax: unterminated" in response.get_data(as_text=True)


def test_letter_preview_with_unreadable_catalog_shows_its_error_with_line(translator_client,
                                                                          broken_fr):
    response = translator_client.get(f"/translate/fr/{SLUG}/letters/rok-mou")
    assert response.status_code == 503  # the catalog is there, and broken
    assert f"{broken_fr}: invalid syntax: unterminated" in response.get_data(as_text=True)


def test_petition_preview_with_unreadable_catalog_shows_its_error_with_line(translator_client,
                                                                            broken_fr):
    response = translator_client.get(f"/translate/fr/{SLUG}/petition")
    assert response.status_code == 503  # the catalog is there, and broken
    assert f"{broken_fr}: invalid syntax: unterminated" in response.get_data(as_text=True)


def test_letter_preview_with_unreadable_catalog_leaves_other_languages(translator_client,
                                                                       broken_fr):
    response = translator_client.get(f"/translate/de/{SLUG}/letters/rok-mou")
    assert response.status_code == 200


def test_highlighted_page_with_unreadable_catalog_still_renders(translator_client, broken_fr):
    response = translator_client.get("/fr/?i18n=highlight")
    assert response.status_code == 200
