"""The letter preview for organizers and translators."""

from __future__ import annotations

import re


def test_preview_sends_anonymous_visitors_to_login(make_app, demo_letters, demo_locales):
    app = make_app(LETTERS_DIR=str(demo_letters), LOCALES_DIR=str(demo_locales))
    response = app.test_client().get("/letters/demo/emb-us?locale=ko")
    assert response.status_code == 302
    assert response.location == "/admin/login?next=/letters/demo/emb-us?locale%3Dko"


def test_preview_shows_letter_in_chosen_language(letters_app):
    page = letters_app.test_client().get("/letters/demo/emb-us?locale=ko").get_data(as_text=True)
    assert "대사님께" in page and "강제 송환 중단을 위한 호소" in page


def test_preview_in_a_language_outside_the_campaign_says_so_in_words(letters_app):
    response = letters_app.test_client().get("/letters/demo/emb-us?locale=xx")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "the letter&#39;s language &#39;xx&#39;" in page and "--locale" not in page


def test_preview_shows_courtesy_translation(letters_app):
    page = letters_app.test_client().get(
        "/letters/demo/emb-us?locale=zh_Hans&bilingual=en").get_data(as_text=True)
    assert "Courtesy translation" in page


def test_preview_numbers_notes_like_pdf(letters_app):
    page = letters_app.test_client().get("/letters/demo/emb-us?locale=en").get_data(as_text=True)
    assert re.findall(r'class="note" data-n="(\d+)"', page) == ["1", "2", "3"]


def test_preview_notices_untranslated_strings(letters_app):
    page = letters_app.test_client().get("/letters/demo/un-ohchr?locale=ko").get_data(as_text=True)
    assert 'class="preview-notice"' in page


def test_preview_has_no_inline_style_or_script(letters_app):
    page = letters_app.test_client().get("/letters/demo/emb-us?locale=ar").get_data(as_text=True)
    assert not re.search(r"<style|style=|<script(?![^>]*src=)", page)


def test_preview_unknown_recipient_is_not_found(letters_app):
    assert letters_app.test_client().get("/letters/demo/nobody").status_code == 404


def test_picker_redirects_to_preview(letters_app):
    response = letters_app.test_client().get("/letters/demo/?recipient=emb-gb&locale=fr")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/letters/demo/emb-gb?locale=fr")


def test_letter_stylesheet_is_served(letters_app):
    response = letters_app.test_client().get("/letters/letter.css")
    assert response.mimetype == "text/css" and b"float: footnote" in response.data
