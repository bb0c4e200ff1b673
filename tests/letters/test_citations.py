"""Citations: numbering, the Sources list, localized terms and escaping."""

from __future__ import annotations

import re

from babel import Locale

from campaign.content.model import Name, SourceDate
from campaign.letters.citations import (
    NOTE,
    Citations,
    format_name,
    format_source_date,
    group_citations,
)


def _html(engine, demo, signer, locale="en"):
    return engine.letter_html(demo, "emb-us", signer, locale=locale)


def test_repeated_source_reuses_its_number(engine, demo, signer):
    html = _html(engine, demo, signer)
    notes = re.findall(r'<span class="note" data-n="(\d+)">', html)
    refs = re.findall(r'<sup class="cite-ref">(\d+)</sup>', html)
    assert notes == ["1", "2", "3"] and refs == ["1"]


def test_citations_in_a_row_share_one_call(engine, demo, signer):
    html = _html(engine, demo, signer)
    assert re.findall(r'<span class="footnote" data-n="([\d,]+)">', html) == ["1", "2,3"]


def test_citations_in_a_row_call_their_numbers_in_ascending_order():
    # Two new notes, then one cited before: the call reads "12,17,18".
    run = (NOTE.format(number=17, text="a") + NOTE.format(number=18, text="b")
           + '<sup class="cite-ref">12</sup>')
    assert '<span class="footnote" data-n="12,17,18">' in group_citations(f"Text{run}.")


def test_sources_list_numbers_match_notes(engine, demo, signer):
    html = _html(engine, demo, signer)
    assert re.findall(r'<li value="(\d+)">', html) == ["1", "2", "3"]


def test_locator_label_is_localized(engine, demo, signer):
    assert "第33条" in _html(engine, demo, signer, "zh_Hans")


def test_source_title_in_letter_language(engine, demo, signer):
    assert "난민의 지위에 관한 협약" in _html(engine, demo, signer, "ko")


def test_source_fields_are_escaped(engine, demo, signer):
    html = _html(engine, demo, signer)
    assert "Torture &lt;and&gt; Other" in html and "<and>" not in html


def test_non_web_url_is_not_a_link(engine, demo, signer):
    assert 'href="javascript:' not in _html(engine, demo, signer)


def test_cjk_name_is_family_first_without_space():
    assert format_name(Name(family="李", given="明博")) == "李明博"


def test_latin_name_is_given_first():
    assert format_name(Name(family="Kirby", given="Michael")) == "Michael Kirby"


def test_year_month_date_in_locale():
    assert format_source_date(SourceDate(1984, 12), Locale.parse("fr"), str) == \
        "décembre\u00a01984"


def test_source_date_in_english_puts_the_day_first():
    # As the letter's body does ("on 24 September 1982"), and as UN documents do.
    assert format_source_date(SourceDate(2023, 10, 9), Locale.parse("en"), str) == \
        "9\u00a0October\u00a02023"


def test_source_date_does_not_break_across_lines():
    date = format_source_date(SourceDate(2023, 10, 9), Locale.parse("de"), str)
    assert " " not in date and "Oktober" in date


def test_circa_year_is_marked(engine, demo, signer):
    assert "c.\u00a02014" in _html(engine, demo, signer)


def _sources_section(html: str) -> str:
    return html[html.index('<section class="sources">'):html.index("<!--/sources-->")]


def test_web_address_in_arabic_sources_runs_left_to_right(engine, demo, signer):
    sources = _sources_section(_html(engine, demo, signer, "ar"))
    assert re.search(r'<a class="source-url" dir="ltr" href="https://', sources)


def test_latin_title_in_arabic_sources_keeps_its_own_direction(engine, demo, signer):
    sources = _sources_section(_html(engine, demo, signer, "ar"))
    assert re.search(r'<cite class="source-title" lang="en" dir="ltr">[A-Z]', sources)
    assert "، " in sources  # fields are set apart with the Arabic comma



def test_english_title_in_a_chinese_letter_is_set_as_english(engine, demo, signer):
    # Its quotes and dashes then come from a Latin font, not the CJK font's full-width ones.
    html = _html(engine, demo, signer, "zh_Hans")
    assert re.search(r'<(cite|span) class="source-title" lang="en"[^>]*>[“A-Z]', html)


def test_source_date_given_as_free_text_may_break():
    date = SourceDate(literal="between the spring and the autumn of 1964")
    assert format_source_date(date, Locale.parse("en"), str) == \
        "between the spring and the autumn of 1964"


def _cite(demo, language="en"):
    return Citations(demo.sources, language, lambda text: text)


def test_same_source_at_another_place_gets_a_number_of_its_own(demo):
    cite = _cite(demo)
    first = cite("refugee-convention-1951", locator="33", label="article")
    second = cite("refugee-convention-1951", locator="42", label="article")
    assert 'data-n="1"' in first and "art.\u00a033" in first
    assert 'data-n="2"' in second and "art.\u00a042" in second


def test_same_source_at_same_place_reuses_its_number(demo):
    cite = _cite(demo)
    cite("refugee-convention-1951", locator="33", label="article")
    cite("cat-1984")
    again = cite("refugee-convention-1951", locator="33", label="article")
    assert again == '<sup class="cite-ref">1</sup>'


def test_sources_list_gives_a_source_once_with_all_its_note_numbers(demo):
    cite = _cite(demo)
    cite("refugee-convention-1951", locator="33", label="article")
    cite("cat-1984")
    cite("refugee-convention-1951", locator="42", label="article")
    assert [(e["number"], e["label"]) for e in cite.cited()] == [(1, "1, 3"), (2, "2")]


def test_courtesy_translation_calls_carry_the_letters_numbers(demo):
    cite = _cite(demo)
    cite("refugee-convention-1951", locator="33", label="article")
    cite("refugee-convention-1951", locator="42", label="article")
    cite.retarget("zh_Hans", lambda text: text)
    again = cite("refugee-convention-1951", locator="42", label="article")
    assert again == '<sup class="cite-ref">2</sup>'


def test_title_marks_without_their_placeholder_fall_back_to_english():
    from campaign.letters.citations import Punctuation

    marks = {"“%(title)s”": "《》", "%(title)s": "《%(title)s》", ", ": "，", ".": "。"}
    punctuation = Punctuation.translated(lambda _context, text: marks[text])
    assert (punctuation.quoted, punctuation.italic, punctuation.end) == \
        ("“%(title)s”", "《%(title)s》", "。")


def test_title_published_in_the_letters_language_takes_its_marks(demo):
    from dataclasses import replace

    from babel import Locale

    from campaign.letters.citations import Punctuation, format_note

    source = replace(next(iter(demo.sources.values())), title="中华人民共和国宪法",
                     language="zh-Hans", titles={}, type="legislation")
    chinese = Punctuation(separator="，", end="。", quoted="《%(title)s》", italic="《%(title)s》")
    note = format_note(source, "zh_Hans", Locale.parse("zh_Hans"), "第3条", chinese)
    assert re.sub(r"<[^>]+>", "", note) == "《中华人民共和国宪法》，第3条。"
