"""The merge: address blocks, salutations, dates and the signer's paragraph, as HTML."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from babel import Locale

from campaign.letters.errors import InvalidSigner, LetterError, UnsupportedLanguage
from campaign.letters.merge import (
    SignerDetails,
    address_lines,
    message_paragraphs,
    validate_signer,
)


def test_address_us_puts_zip_after_city(demo):
    lines = address_lines(demo.recipients["emb-us"], Locale.parse("en"))
    assert lines[-2:] == ["Washington, D.C. 20008", "UNITED STATES"]


def test_address_gb_puts_postcode_on_its_own_line(demo):
    lines = address_lines(demo.recipients["emb-gb"], Locale.parse("en"))
    assert lines[-3:] == ["LONDON", "W1B 1JL", "UNITED KINGDOM"]


def test_address_jp_starts_with_postal_mark(demo):
    lines = address_lines(demo.recipients["emb-jp"], Locale.parse("en"))
    street = lines.index("〒106-0046")
    assert lines[street + 1] == "3-4-33 Moto-Azabu"


def test_address_de_puts_postcode_before_city(demo):
    assert "10179 Berlin" in address_lines(demo.recipients["emb-de"], Locale.parse("en"))


def test_address_country_in_english_is_the_recipients_file_name(shipped):
    _engine, campaign = shipped
    lines = address_lines(campaign.recipients["rok-mofa"], Locale.parse("en"))
    assert lines[-1] == "REPUBLIC OF KOREA"


def test_address_country_is_named_in_letter_language(demo):
    assert address_lines(demo.recipients["emb-de"], Locale.parse("ko"))[-1] == "독일"


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh_Hans", "尊敬的大使阁下："), ("ko", "대사님께"), ("en", "Your Excellency,")])
def test_salutation_to_embassy_in_letter_language(engine, demo, signer, locale, expected):
    html = engine.letter_html(demo, "emb-us", signer, locale=locale)
    assert f'<p class="salutation">{expected}</p>' in html


def test_salutation_to_organisation_uses_its_own_salutation(engine, demo, signer):
    html = engine.letter_html(demo, "un-ohchr", signer, locale="fr")
    assert "Monsieur le Haut-Commissaire," in html


def test_letter_language_defaults_to_recipient_language(engine, demo, signer):
    html = engine.letter_html(demo, "emb-us", signer)
    assert 'lang="zh-Hans"' in html and "呼吁停止强制遣返" in html


def test_letter_language_outside_campaign_is_refused(engine, demo, signer):
    with pytest.raises(UnsupportedLanguage):
        engine.letter_html(demo, "emb-us", signer, locale="it")


def test_date_is_formatted_for_letter_locale(engine, demo):
    signer = SignerDetails("Kim", "KR", date=dt.date(2026, 3, 1))
    html = engine.letter_html(demo, "emb-us", signer, locale="ko")
    assert "2026년 3월 1일" in re.sub(r"<[^>]+>", "", html)


def test_english_letter_date_puts_the_day_first(engine, demo):
    signer = SignerDetails("Kim", "KR", date=dt.date(2026, 3, 1))
    html = engine.letter_html(demo, "emb-us", signer, locale="en")
    assert "1\u00a0March 2026" in html  # the day never parted from its month


def test_signer_message_keeps_paragraphs_and_lines():
    assert message_paragraphs("one\ntwo\n\n\nthree") == [["one", "two"], ["three"]]


def test_signer_message_is_escaped(engine, demo):
    signer = SignerDetails("Kim", "KR", message="<b>bold</b> {{ 7*7 }}")
    html = engine.letter_html(demo, "emb-us", signer, locale="en")
    assert "&lt;b&gt;bold&lt;/b&gt; {{ 7*7 }}" in html and "<b>bold" not in html


def test_signer_without_name_is_invalid():
    with pytest.raises(InvalidSigner):
        validate_signer(SignerDetails("  ", "KR"))


@pytest.mark.parametrize("code", ["UK", "XX", "ZZ"])
def test_signer_country_outside_iso_list_is_invalid(code):
    with pytest.raises(InvalidSigner, match=f"'{code}' is not an ISO 3166-1 country code"):
        validate_signer(SignerDetails("Ann", code))


def test_bilingual_appends_labelled_courtesy_translation(engine, demo, signer):
    html = engine.letter_html(demo, "emb-us", signer, locale="zh_Hans", bilingual="en")
    courtesy = html.split('class="letter courtesy"')[1]
    assert "Courtesy translation — the Chinese (Simplified) text above is authoritative" in courtesy
    assert "An appeal to end forced returns" in courtesy


def test_bilingual_translation_reuses_note_numbers(engine, demo, signer):
    html = engine.letter_html(demo, "emb-us", signer, locale="en", bilingual="ko")
    courtesy = html.split('class="letter courtesy"')[1]
    assert 'class="footnote"' not in courtesy
    assert re.findall(r'<sup class="cite-ref">([\d,]+)</sup>', courtesy) == ["1", "2,3", "1"]


def test_cover_letter_is_signed_by_organisation(engine, demo):
    html = engine.cover_letter_html(demo, "emb-us", locale="en", signature_count=1200)
    assert "on behalf of 1200 signatories" in html
    assert '<p class="signature">The Demo Organisers</p>' in html


def test_untranslated_strings_lists_missing_messages(engine, demo):
    missing = engine.untranslated_strings(demo, "emb-us", "ko")
    assert "Dear Minister," in missing and "An appeal to end forced returns" not in missing


def test_untranslated_strings_empty_for_source_language(engine, demo):
    assert engine.untranslated_strings(demo, "embassy", "en") == []


def test_letter_language_without_compiled_catalog_follows_po(engine, demo, signer,
                                                             demo_locales):
    (demo_locales / "ko" / "LC_MESSAGES" / "messages.mo").unlink()
    assert '<p class="salutation">대사님께</p>' in engine.letter_html(demo, "emb-us", signer,
                                                                    locale="ko")


def test_letter_language_with_catalog_edited_since_compiling_follows_po(engine, demo, signer,
                                                                         demo_locales):
    folder = demo_locales / "ko" / "LC_MESSAGES"
    engine.letter_html(demo, "emb-us", signer, locale="ko")  # the compiled catalog, cached
    po = folder / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace('"대사님께"', '"대사님 귀하"'),
                  encoding="utf-8")
    mo_time = (folder / "messages.mo").stat().st_mtime
    os.utime(po, (mo_time + 10, mo_time + 10))
    html = engine.letter_html(demo, "emb-us", signer, locale="ko")
    assert '<p class="salutation">대사님 귀하</p>' in html


def test_letter_language_with_broken_catalog_names_file_and_line(engine, demo, signer,
                                                                  demo_locales):
    folder = demo_locales / "ko" / "LC_MESSAGES"
    (folder / "messages.mo").unlink()
    po = folder / "messages.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "x"\nmsgstr "y\n', encoding="utf-8")
    with pytest.raises(LetterError, match=r"messages\.po:\d+:"):
        engine.letter_html(demo, "emb-us", signer, locale="ko")


def test_latin_message_paragraph_in_arabic_letter_runs_left_to_right(engine, demo):
    signer = SignerDetails("ليلى حسن", "EG", message="I stand with the refugees.\n\nشكرا.")
    html = engine.letter_html(demo, "emb-us", signer, locale="ar")
    assert '<p dir="ltr">I stand with the refugees.</p>' in html
    assert '<p dir="rtl">شكرا.</p>' in html


def test_template_that_fails_while_rendering_names_its_line(engine, demo, signer, demo_letters):
    template = demo_letters / "demo" / "letters" / "embassy.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "{% block body %}" in line)
    lines.insert(index + 1, "<p>{{ 1 // 0 }}</p>")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LetterError, match=rf"embassy\.html:{index + 2}: ZeroDivisionError"):
        engine.letter_html(demo, "emb-us", signer, locale="en")


def test_translation_without_its_locator_placeholder_is_named(engine, demo, signer,
                                                              demo_locales):
    folder = demo_locales / "zh_Hans" / "LC_MESSAGES"
    po = folder / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("%(locator)s条", "%(loc)s条"),
                  encoding="utf-8")
    (folder / "messages.mo").unlink()
    with pytest.raises(LetterError, match=r"placeholder %\(locator\)s"):
        engine.letter_html(demo, "emb-us", signer, locale="zh_Hans")


def test_letter_language_with_broken_catalog_names_one_line(engine, demo, signer, demo_locales):
    folder = demo_locales / "ko" / "LC_MESSAGES"
    (folder / "messages.mo").unlink()
    po = folder / "messages.po"
    text = po.read_text(encoding="utf-8") + '\nmsgid "x"\nmsgstr "y\n'
    po.write_text(text, encoding="utf-8")
    line = len(text.splitlines())
    with pytest.raises(LetterError) as raised:
        engine.letter_html(demo, "emb-us", signer, locale="ko")
    assert str(raised.value) == f"{po}:{line}: unterminated or badly escaped string"
