"""Where footnote calls and notes land on the page, in the shipped campaign's letters."""

from __future__ import annotations

import pytest
from weasyprint.formatting_structure.boxes import FootnoteAreaBox, LineBox, TextBox

from campaign.letters.merge import SignerDetails


def _document(shipped, recipient: str, locale: str, signer: SignerDetails):
    engine, campaign = shipped
    html = engine.letter_html(campaign, recipient, signer, locale=locale)
    return engine.pdf_renderer().render(html)


def _is_call(box) -> bool:
    footnote = getattr(box, "footnote", None)
    return footnote is not None and footnote is not box


def _text_lines(page_box):
    for child in page_box.children:
        if not isinstance(child, FootnoteAreaBox):
            yield from (box for box in child.descendants() if isinstance(box, LineBox))


def _first_leaf(line):
    box = line
    while getattr(box, "children", None):
        if _is_call(box):
            return box
        box = box.children[0]
    return box


def _pages_of_notes_and_calls(document) -> tuple[dict, dict]:
    notes, calls = {}, {}
    for number, page in enumerate(document.pages, start=1):
        for child in page._page_box.children:  # noqa: SLF001
            if isinstance(child, FootnoteAreaBox):
                for note in child.children:
                    notes.setdefault(note.element.get("data-n"), number)
            else:
                for box in child.descendants():
                    if _is_call(box):
                        calls.setdefault(box.footnote.element.get("data-n"), number)
    return notes, calls


@pytest.mark.parametrize("locale", ["ko", "ja", "ar"])
def test_footnote_call_never_starts_a_line(shipped, locale):
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "")
    document = _document(shipped, "emb-us", locale, signer)
    starting = [page for page in document.pages for line in _text_lines(page._page_box)  # noqa: SLF001
                if _is_call(_first_leaf(line))]
    assert starting == []


def test_note_is_on_the_page_of_its_call_when_the_page_is_full(shipped):
    # The last line of page 1 calls three notes that no longer fit under it: the line goes to
    # page 2 with them, rather than leaving them to page 2 alone.
    signer = SignerDetails("王小明", "CN", "", "", "")
    notes, calls = _pages_of_notes_and_calls(_document(shipped, "un-ohchr", "zh_Hans", signer))
    assert notes["13,14,15"] == calls["13,14,15"]


LANGUAGES = ("en", "fr", "de", "es", "ko", "ja", "zh_Hans", "ar")


@pytest.mark.parametrize("recipient", ["emb-us", "emb-jp", "un-ohchr", "rok-mofa"])
def test_every_note_is_printed_on_the_page_of_its_call_in_every_language(shipped, recipient):
    # Among these letters, paragraphs that need two more lines than a page has room for beside
    # its notes: WeasyPrint made room by moving the page's last note to the next page, away
    # from its call, and left out the notes of the line it kept (emb-jp in English).
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "")
    misplaced = {}
    for locale in LANGUAGES:
        notes, calls = _pages_of_notes_and_calls(_document(shipped, recipient, locale, signer))
        misplaced.update({(locale, n): (page, notes.get(n)) for n, page in calls.items()
                          if notes.get(n) != page})
    assert misplaced == {}


def test_every_note_called_is_printed_when_notes_make_room_for_lines(shipped):
    # With a policy that lets notes move, WeasyPrint moves note 20 to make room for a line,
    # keeps the line, and never lays out note 21, which that line calls.
    engine, campaign = shipped
    css = engine.css_path.read_text(encoding="utf-8")
    engine.css_path.write_text(css + "\n.footnote { footnote-policy: auto }\n", encoding="utf-8")
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "")
    notes, calls = _pages_of_notes_and_calls(_document(shipped, "prc-mfa", "en", signer))
    assert set(calls) - set(notes) == set()


def _boxes_of_class(document, name: str):
    for page in document.pages:
        for box in page._page_box.descendants():  # noqa: SLF001
            element = getattr(box, "element", None)
            if element is not None and name in (element.get("class") or "").split() \
                    and getattr(box, "element_tag", "") != "" and box.style is not None:
                yield box


def test_repeated_reference_is_as_large_as_a_footnote_call(shipped):
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "")
    document = _document(shipped, "emb-us", "en", signer)
    calls = {box.style["font_size"] for page in document.pages
             for box in page._page_box.descendants() if _is_call(box)}  # noqa: SLF001
    references = {box.style["font_size"] for box in _boxes_of_class(document, "cite-ref")}
    assert len(calls) == 1 and calls == references


def _source_entries(shipped, locale: str):
    """The Sources entries' line boxes (entries of more than one line), and the left and right
    edges of the Sources page's text."""
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "")
    document = _document(shipped, "emb-us", locale, signer)
    page = document.pages[-1]._page_box  # noqa: SLF001 - the Sources page
    entries = [[line for line in box.children if isinstance(line, LineBox)]
               for box in page.descendants() if getattr(box, "element_tag", "") == "li"]
    left = page.content_box_x()
    return [lines for lines in entries if len(lines) > 1], left, left + page.width


def test_sources_entry_text_lines_up_with_its_next_lines(shipped):
    entries, _left, _right = _source_entries(shipped, "en")
    misaligned = []
    for first, second, *_rest in entries:
        # The first line holds the entry's numbers ("1." or "10, 11."), then its text.
        number, text = first.children[0], first.children[1]
        words = next(box for box in text.descendants() if isinstance(box, TextBox))
        # The text is drawn from where its box starts: it starts with no space.
        if words.text[:1].isspace() or abs(text.position_x - second.children[0].position_x) > 0.01:
            misaligned.append(number.element.text)
    assert entries and misaligned == []


def test_arabic_sources_entry_stays_within_the_margins(shipped):
    entries, left, right = _source_entries(shipped, "ar")
    outside = [line for lines in entries for line in lines
               if min(box.position_x for box in line.children) < left - 0.01
               or max(box.position_x + box.margin_width() for box in line.children) > right + 0.01]
    assert entries and outside == []


def _pages_of_class(document, name: str) -> list[int]:
    pages = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():  # noqa: SLF001
            element = getattr(box, "element", None)
            if element is not None and name in (element.get("class") or "").split() \
                    and getattr(box, "element_tag", "") != "":
                pages.append(number)
    return pages


def test_closing_does_not_stand_alone_on_the_last_page(shipped):
    # In German the closing no longer fits under the signer's words on page 2.
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU",
                           "I add my voice.\n\nPlease act now.")
    document = _document(shipped, "rok-mofa", "de", signer)
    [closing_page] = set(_pages_of_class(document, "closing"))
    words = _pages_of_class(document, "own-words")
    assert closing_page in words
