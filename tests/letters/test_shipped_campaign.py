"""The shipped campaign: every letter for every recipient."""

from __future__ import annotations

import re
import subprocess
from html import unescape

import pytest
from babel import Locale

from campaign.content import load_campaign
from campaign.letters.engine import LetterEngine
from campaign.letters.merge import SignerDetails
from campaign.settings import PROJECT_ROOT
from tests.letters.conftest import pdf_text

SLUG = "stop-forced-repatriation"
LETTERS = PROJECT_ROOT / "letters"

pytestmark = pytest.mark.skipif(not (LETTERS / SLUG / "campaign.toml").is_file(),
                                reason="the shipped campaign is not there yet")


@pytest.fixture(scope="module")
def shipped():
    campaign = load_campaign(LETTERS, SLUG)
    engine = LetterEngine(LETTERS, PROJECT_ROOT / "static", PROJECT_ROOT / "locales",
                          processes=1)
    return engine, campaign


def _recipients():
    if not (LETTERS / SLUG / "campaign.toml").is_file():
        return []
    return sorted(load_campaign(LETTERS, SLUG).recipients)


SIGNER = SignerDetails("Hong Gildong 홍길동", "KR", "Seoul", "03187", "In my words.")


@pytest.mark.parametrize("recipient_id", _recipients())
def test_every_recipient_gets_a_letter_in_its_language(shipped, recipient_id):
    engine, campaign = shipped
    html = engine.letter_html(campaign, recipient_id, SIGNER)
    assert "Hong Gildong" in html and 'class="footnote"' in html


@pytest.mark.parametrize("letter_id", ["prc", "un", "rok"])
def test_every_letter_prints_signer_address_and_notes(shipped, letter_id):
    engine, campaign = shipped
    recipient = campaign.recipients_of(letter_id)[0]
    html = engine.letter_html(campaign, recipient.id, SIGNER, locale="en")
    first_note = re.search(r'<span class="note" data-n="1">(.*?)</span><!--/note-->', html).group(1)
    note_text = " ".join(unescape(re.sub(r"<[^>]+>", "", first_note)).split())
    text = " ".join(pdf_text(engine.letter_pdf(campaign, recipient.id, SIGNER,
                                               locale="en")).split())
    assert "Hong Gildong 홍길동" in text
    assert recipient.city in text
    assert f"1. {note_text}" in text


def _dated(day: str) -> SignerDetails:
    import datetime as dt

    return SignerDetails("Hong Gildong", "KR", "Seoul", "03187", date=dt.date.fromisoformat(day))


def test_letter_names_office_holder_on_last_day_of_term(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "un-sg", _dated("2026-12-31"))
    assert "António Guterres" in html


def test_letter_after_term_ends_is_addressed_to_office_without_name(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "un-sg", _dated("2027-01-01"))
    assert "Guterres" not in html
    assert "Secretary-General of the United Nations" in html


@pytest.mark.parametrize("recipient_id", _recipients())
def test_every_recipient_is_named_in_every_language_of_the_campaign(shipped, recipient_id):
    engine, campaign = shipped
    missing = {locale: engine.untranslated_strings(campaign, recipient_id, locale)
               for locale in campaign.languages}
    recipient = campaign.recipients[recipient_id]
    own = {recipient.name, recipient.title_of_addressee, recipient.addressee_name}
    assert {locale: own & set(m) for locale, m in missing.items() if own & set(m)} == {}


def test_address_names_embassy_and_ambassador_in_letter_language(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "emb-us", SIGNER, locale="zh_Hans")
    assert "中华人民共和国驻美国大使" in html and "中华人民共和国驻美利坚合众国大使馆" in html
    assert "Embassy of the People" not in html


def test_address_names_office_holder_in_letter_language(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "prc-mfa", _dated("2026-12-01"), locale="zh_Hans")
    assert "王毅" in html and "Wang Yi" not in html


def test_same_english_title_is_translated_per_recipient(shipped):
    engine, campaign = shipped
    prc = engine.letter_html(campaign, "prc-mfa", SIGNER, locale="ko")
    rok = engine.letter_html(campaign, "rok-mofa", SIGNER, locale="ko")
    assert "외교부장" in prc and "외교부 장관" in rok


def test_chinese_letter_joins_its_sentences_without_spaces(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "emb-us", SIGNER, locale="zh_Hans")
    # The template's line breaks between two sentences, and after a note, would print as spaces.
    assert "。中国于19" in re.sub(r"<[^>]+>", "", html)
    assert not re.search(r"[。>][ \t]*\n\s*[\u4e00-\u9fff]", html)


@pytest.mark.parametrize("locale", ["zh_Hans", "ja"])
def test_cjk_sentence_starting_with_a_figure_follows_the_last_without_space(shipped, locale):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "rok-mofa", SIGNER, locale=locale)
    html = re.sub(r'<span class="footnote".*?<!--/fn-->', "", html, flags=re.DOTALL)
    paragraphs = [unescape(re.sub(r"<[^>]+>", "", p))
                  for p in re.findall(r"<p\b[^>]*>(.*?)</p>", html, flags=re.DOTALL)]
    assert [p for p in paragraphs if re.search(r"。\u2060?\s+\d", p)] == []


@pytest.mark.parametrize(("recipient", "locale"), [("un-ohchr", "zh_Hans"), ("emb-vn", "zh_Hans"),
                                                   ("emb-gb", "ja")])
def test_cjk_date_is_never_split_across_lines(shipped, recipient, locale):
    assert _numbers_split_from_units(shipped, recipient, locale, "年月日条") == []


def _numbers_split_from_units(shipped, recipient: str, locale: str, units: str) -> list:
    """Pairs of lines of the letter's PDF where a line ends with a figure and the next starts
    with one of ``units``."""
    engine, campaign = shipped
    lines = pdf_text(engine.letter_pdf(campaign, recipient, SIGNER, locale=locale)).splitlines()
    # A note's call ("…습니다.10") is a figure too, but after the sentence's stop.
    return [(a, b) for a, b in zip(lines, lines[1:], strict=False)
            if re.search(r"\d$", a) and not re.search(r"[.。]\d[\d,]*$", a)
            and re.match(f"[{units}]", b)]


@pytest.mark.parametrize("locale", ["zh_Hans", "ja"])
def test_cjk_number_is_wrapped_whole_with_its_unit(shipped, locale):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "un-ohchr", SIGNER, locale=locale)
    kept = re.findall(r'<span class="nowrap">([^<]*)</span>', html)
    assert kept and all(re.fullmatch(r"第?\d[\d,.]*[年月日条項项号人名]", k) for k in kept)
    assert not re.search(r'[第\d,.]<span class="nowrap">', html)
    text_outside = re.sub(r'<span class="nowrap">[^<]*</span>|<[^>]*>', "|", html)
    assert not re.search(r"\d[\d,.]*[年月日条項项号人名]", text_outside)


@pytest.mark.parametrize("letter_id", ["prc", "un", "rok"])
def test_japanese_letter_opens_with_haikei_that_its_keigu_closes(shipped, letter_id):
    engine, campaign = shipped
    recipient = campaign.recipients_of(letter_id)[0]
    html = engine.letter_html(campaign, recipient.id, SIGNER, locale="ja")
    body = unescape(re.sub(r"<[^>]+>", "", html.split('class="salutation"')[1]))
    assert body.index("拝啓") < body.index("敬具")


@pytest.mark.parametrize(("locale", "title"), [("ja", "大韓民国憲法"), ("zh_Hans", "大韩民国宪法"),
                                               ("de", "Verfassung der Republik Korea")])
def test_korean_constitution_is_cited_by_its_title_in_the_letters_language(shipped, locale,
                                                                          title):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "rok-mofa", SIGNER, locale=locale)
    assert title in html and "Constitution of the Republic of Korea" not in html


def _notes_text(shipped, recipient: str, locale: str) -> str:
    """The text of a letter's footnotes, one after the other."""
    engine, campaign = shipped
    html = engine.letter_html(campaign, recipient, SIGNER, locale=locale)
    return unescape(re.sub(r"<[^>]+>", "", " ".join(
        re.findall(r'<span class="note" data-n="\d+">(.*?)<!--/note-->', html, re.DOTALL))))


def test_chinese_note_uses_chinese_punctuation_and_title_marks(shipped):
    notes = _notes_text(shipped, "rok-mofa", "zh_Hans")
    assert "《大韩民国宪法》，第3条。" in notes


def test_korean_note_marks_a_law_title_with_corner_brackets(shipped):
    notes = _notes_text(shipped, "rok-mofa", "ko")
    assert "「대한민국헌법」, 제3조." in notes


def test_title_outside_the_letters_language_keeps_english_marks(shipped):
    notes = _notes_text(shipped, "rok-mofa", "zh_Hans")
    assert "“China repatriates N Korean escapees after Asian Games: source”。" in notes


def test_chinese_title_inside_a_title_takes_single_angle_marks(shipped):
    notes = _notes_text(shipped, "prc-mfa", "zh_Hans")
    assert ("《全国人民代表大会常务委员会关于我国加入〈关于难民地位的公约〉"
            "和〈关于难民地位的议定书〉的决定》") in notes


@pytest.mark.parametrize("recipient", ["prc-mfa", "emb-us"])
def test_korean_number_is_never_split_from_its_unit(shipped, recipient):
    assert _numbers_split_from_units(shipped, recipient, "ko", "년월일조항호명") == []


@pytest.mark.parametrize("recipient", ["prc-mfa", "emb-us", "rok-mofa", "un-ohchr"])
def test_korean_word_is_never_split_across_lines(shipped, recipient):
    engine, campaign = shipped
    html = engine.letter_html(campaign, recipient, SIGNER, locale="ko")
    # A number kept with its unit is a span inside a word ("8월부터").
    html = re.sub(r'<span class="nowrap">([^<]*)</span>', r"\1", html)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u2060", "").split())
    lines = pdf_text(engine.letter_pdf(campaign, recipient, SIGNER, locale="ko")).split("\n")
    # A line that ends inside a word leaves the word's two halves with no space between them.
    split = [(a, b) for a, b in zip(lines, lines[1:], strict=False)
             if re.search("[\uac00-\ud7a3]$", a) and re.match("[\uac00-\ud7a3]", b)
             and f"{a.split()[-1]}{b.split()[0]}" in text]
    assert split == []


def test_korean_letter_text_copies_without_invisible_joiners(shipped):
    engine, campaign = shipped
    pdf = engine.letter_pdf(campaign, "rok-mofa", SIGNER, locale="ko")
    copied = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                            capture_output=True, check=True).stdout.decode("utf-8")
    assert "북한이탈주민" in copied and "\u2060" not in copied


def test_korean_message_without_spaces_wraps_within_the_margin(shipped):
    engine, campaign = shipped
    signer = SignerDetails("김민준", "KR", "부산", "48058", "강제송환중단" * 12)
    pdf = engine.letter_pdf(campaign, "rok-mofa", signer, locale="ko")
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                           check=True).stdout.decode("utf-8")
    page_width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    right_margin = 22 / 25.4 * 72
    rights = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    assert max(rights) <= page_width - right_margin + 1


@pytest.mark.parametrize(("recipient", "locale"), [("un-ohchr", "en"), ("emb-us", "ko"),
                                                   ("emb-us", "ja"), ("un-ohchr", "ar")])
def test_closing_never_stands_alone_on_a_page(shipped, recipient, locale):
    engine, campaign = shipped
    signer = SignerDetails("Signer Name", "KR", "Seoul", "04524")
    pages = pdf_text(engine.letter_pdf(campaign, recipient, signer, locale=locale)).split("\f")
    signed = [page for page in pages if "Signer Name" in page][-1]  # the first is the sender's
    closing_lines = 3  # the closing, the name, the page number
    assert len([line for line in signed.splitlines() if line.strip()]) > closing_lines


@pytest.mark.parametrize("recipient", ["emb-us", "un-ohchr", "rok-mofa", "prc-mfa"])
@pytest.mark.parametrize("locale", ["en", "fr", "es", "de"])
def test_day_is_never_parted_from_its_month_at_a_line_end(shipped, recipient, locale):
    engine, campaign = shipped
    months = "|".join(Locale.parse(locale).months["format"]["wide"].values())
    lines = pdf_text(engine.letter_pdf(campaign, recipient, SIGNER, locale=locale)).splitlines()
    parted = [(a, b) for a, b in zip(lines, lines[1:], strict=False)
              if re.search(r"\b\d{1,2}\.?$", a) and re.match(rf"(de )?({months})\b", b)]
    assert parted == []


@pytest.mark.parametrize(("locale", "word"), [("en", "People’s"), ("fr", "l’")])
def test_letter_prints_typographic_apostrophes(shipped, locale, word):
    engine, campaign = shipped
    text = pdf_text(engine.letter_pdf(campaign, "emb-us", SIGNER, locale=locale))
    assert word in text and not re.search(r"[^\W\d_]'[^\W\d_]", text)


def test_signers_apostrophe_prints_typographic(shipped):
    engine, campaign = shipped
    signer = SignerDetails("Seán O'Brien", "IE", message="It's time.")
    text = pdf_text(engine.letter_pdf(campaign, "emb-us", signer, locale="en"))
    assert "Seán O’Brien" in text and "It’s time." in text


def test_arabic_letter_lays_out_an_english_note_left_to_right(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "emb-us", SIGNER, locale="ar")
    notes = dict(re.findall(r'<span class="note" data-n="(\d+)">(.*?)<!--/note-->', html))
    assert notes["4"].startswith('<span dir="ltr">')  # "Save North Korean Refugees Day …"
    assert not notes["5"].startswith('<span dir="ltr">')  # the Refugee Convention, in Arabic


def _sources_entries(html: str) -> list[str]:
    return re.findall(r'<span class="source-number">[^<]*</span>(.*?)</li>', html)


def _laid_out_left_to_right(entry: str) -> bool:
    return entry.startswith('<span dir="ltr">') and entry.endswith("</span>")


def test_arabic_letter_lays_out_an_english_sources_entry_left_to_right(shipped):
    # Its fields are parted by Arabic commas, and its date is in Arabic: the title decides.
    engine, campaign = shipped
    html = engine.letter_html(campaign, "emb-us", SIGNER, locale="ar")
    entry = next(e for e in _sources_entries(html) if "Asian Games" in e)
    assert _laid_out_left_to_right(entry)
    assert '<span dir="rtl">12\u00a0أكتوبر' in entry  # the date keeps its own direction


def test_arabic_letter_lays_out_an_arabic_sources_entry_right_to_left(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "emb-us", SIGNER, locale="ar")
    entry = next(e for e in _sources_entries(html) if "الاتفاقية الخاصة بوضع اللاجئين" in e)
    assert not _laid_out_left_to_right(entry)


def test_chinese_title_in_a_chinese_letter_keeps_the_letters_language(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "rok-mofa", SIGNER, locale="zh_Hans")
    assert '<cite class="source-title" dir="ltr">《大韩民国宪法》</cite>' in html


@pytest.mark.parametrize("locale", ["de", "fr", "es"])
def test_letter_body_in_a_language_of_long_words_is_hyphenated(shipped, locale):
    engine, campaign = shipped
    text = pdf_text(engine.letter_pdf(campaign, "rok-mofa", SIGNER, locale=locale))
    assert re.search(r"[^\W\d_]\u2010\n[^\W\d_]", text)


def test_english_letter_body_is_not_hyphenated(shipped):
    engine, campaign = shipped
    text = pdf_text(engine.letter_pdf(campaign, "rok-mofa", SIGNER, locale="en"))
    assert not re.search(r"[^\W\d_]\u2010\n[^\W\d_]", text)


def test_address_with_an_apostrophe_prints_as_typed(shipped):
    # A reader may type it in from paper.
    engine, campaign = shipped
    signer = SignerDetails("Ann Lee", "GB", message="See en.wikipedia.org/wiki/Women's_rights "
                           "or https://example.org/it's and write to o'brien@example.org.")
    text = pdf_text(engine.letter_pdf(campaign, "emb-us", signer, locale="en"))
    assert "Women's_rights" in text and "https://example.org/it's" in text
    assert "o'brien@example.org" in text


def test_title_ending_in_a_question_mark_takes_no_final_stop(shipped):
    notes = _notes_text(shipped, "prc-mfa", "en")
    assert "Detained in China?”" in notes and "China?”." not in notes


def test_chinese_sources_list_numbers_with_a_latin_comma(shipped):
    engine, campaign = shipped
    html = engine.letter_html(campaign, "rok-mofa", SIGNER, locale="zh_Hans")
    labels = re.findall(r'<span class="source-number">([^<]*)</span>', html)
    assert "9, 10." in labels and not [label for label in labels if "，" in label]


def test_locator_label_stays_with_its_number(shipped):
    notes = _notes_text(shipped, "prc-mfa", "es")
    assert "párr.\u00a043" in notes


def test_japanese_treaty_title_is_marked_off(shipped):
    notes = _notes_text(shipped, "prc-mfa", "ja")
    assert "「難民の地位に関する条約」、第33条。" in notes
