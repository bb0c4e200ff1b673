"""Citations: numbered footnotes and a "Sources" list, formatted from CSL-JSON sources in the
letter's language.

Formatting is done here with Babel rather than citeproc-py, because citeproc-py neither escapes
HTML nor writes CJK names family-first. Every field goes through ``markupsafe.escape``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from markupsafe import Markup, escape

from campaign.content.model import Name, Source, SourceDate
from campaign.content.templates import text_direction
from campaign.letters import terms
from campaign.letters.errors import LetterError
from campaign.letters.merge import dates_locale

Gettext = Callable[[str], str]
Pgettext = Callable[[str, str], str]

# Documents whose titles are set in italics (their own publications), the rest in quotes.
_ITALIC_TYPES = {"book", "report", "legislation", "legal_case", "treaty", "bill", "regulation",
                 "thesis", "webpage", "dataset", "document", "standard"}


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA"))
               for ch in text)


def format_name(name: Name) -> str:
    """A name as printed in a note: an organisation as given; a person given-name first, except
    CJK names, which are written family name first without a space or comma."""
    if name.literal:
        return name.literal
    if _is_cjk(name.family + name.given):
        return f"{name.family}{name.given}"
    parts = [name.given, name.particle, name.family]
    text = " ".join(p for p in parts if p)
    return f"{text}, {name.suffix}" if name.suffix else text


def format_source_date(date: SourceDate, locale: Locale, gettext: Gettext) -> str:
    """The date in the letter's language, with only the precision the source has. The spaces of
    a date written here do not break: a note or a Sources entry never ends a line with "9" and
    starts the next with "October 2023". A date the source gives as free text is left as it
    is, since it may be long."""
    locale = dates_locale(locale)
    if date.literal:
        text = date.literal
    elif date.year and date.month and date.day and date.as_date():
        text = format_date(date.as_date(), "long", locale=locale)
    elif date.year and date.month:
        text = format_skeleton("yMMMM", dt.date(date.year, date.month, 1), locale=locale)
    elif date.year:
        text = format_skeleton("y", dt.date(date.year, 1, 1), locale=locale)
    else:
        return ""
    if date.circa:
        text = gettext(terms.CIRCA) % {"date": text}
    return text if date.literal else text.replace(" ", "\u00a0")


def format_locator(locator: str | None, label: str, gettext: Gettext) -> str:
    if not locator:
        return ""
    pattern = terms.LOCATOR_LABELS.get(label)
    if pattern is None:
        return f"{label} {locator}"
    translated = gettext(pattern)
    try:
        # The label and its number stay on one line ("párr. 43").
        return translated.replace(" %(locator)s", "\u00a0%(locator)s") % {"locator": locator}
    except (KeyError, ValueError, TypeError) as exc:
        # A translation that lost or renamed its placeholder ('campaign i18n check' names it).
        raise LetterError(f"the translation {translated!r} of {pattern!r} is broken: it must "
                          f"keep the placeholder %(locator)s") from exc


def _safe_url(url: str) -> str | None:
    # Only web addresses become links; anything else (javascript:, file:) is printed as text.
    return url if re.match(r"^https?://", url, re.IGNORECASE) else None


# A reference mixes fields in several scripts (an English title in an Arabic letter, an Arabic
# date after it). Each field gets the direction of its own first strong character, so that the
# bidi algorithm cannot carry a URL's slashes or a title's comma to the wrong end; WeasyPrint
# does not support dir="auto", so the direction is written out.

def _field(text: str, element: str = "span", css_class: str = "", lang: str = "") -> Markup:
    # Built with f-strings rather than Markup.format: a letter has some eighty fields, and
    # string.Formatter made them a tenth of a composed letter's time. ``element``,
    # ``css_class`` and ``lang`` are this module's constants or checked BCP 47 tags; the text
    # is escaped.
    direction = text_direction(text)
    attributes = (f' class="{css_class}"' if css_class else "") + \
        (f' lang="{escape(lang)}"' if lang else "") + \
        (f' dir="{direction}"' if direction != "auto" else "")
    if not attributes and element == "span":
        return escape(text)
    return Markup(f"<{element}{attributes}>{escape(text)}</{element}>")  # noqa: S704


@dataclass(frozen=True)
class Punctuation:
    """How a language punctuates a footnote and a Sources entry (``terms.CITATION_PUNCTUATION``,
    translated in the catalogs): "Convention, art. 33." in English, "《公约》，第33条。" in
    Chinese. The title marks are for a title in the letter's language."""

    separator: str = ", "
    end: str = "."
    quoted: str = "“%(title)s”"
    italic: str = "%(title)s"

    @classmethod
    def translated(cls, pgettext: Pgettext | None) -> Punctuation:
        if pgettext is None:
            return cls()
        values = {key: pgettext(*message) for key, message in terms.CITATION_PUNCTUATION.items()}
        for key in ("quoted", "italic"):
            # A pattern without its placeholder would print no title at all.
            if values[key].count("%(title)s") != 1 or values[key].count("%") != 1:
                values[key] = getattr(cls, key)
        return cls(**values)

    def title(self, title: str, *, italic: bool) -> str:
        pattern = self.italic if italic else self.quoted
        if pattern.startswith("《") and "《" in title:
            # A title inside a title: Chinese marks the inner one 〈…〉.
            title = title.replace("《", "〈").replace("》", "〉")
        return pattern.replace("%(title)s", title)


ENGLISH_PUNCTUATION = Punctuation()


def _title(source: Source, title: str, language: str, punctuation: Punctuation) -> Markup:
    italic = source.type in _ITALIC_TYPES
    if source.has_title_in(language) and title == source.title_in(language):
        return _field(punctuation.title(title, italic=italic), "cite" if italic else "span",
                      "source-title")
    # A title left in the language it was published in is marked as such, so that it is set in
    # that language's fonts: in a Chinese letter, an English title's quotes and dashes would
    # otherwise be the CJK font's full-width ones.
    text = ENGLISH_PUNCTUATION.title(title, italic=italic)
    lang = source.language or ("en" if _LATIN.fullmatch(title) else "")
    return _field(text, "cite" if italic else "span", "source-title", lang=lang)


# Latin letters, digits, spaces and the punctuation of Western titles.
_LATIN = re.compile(r"[\u0020-\u024f\u2010-\u2027\u00a0]+")


def format_source(source: Source, language: str, locale: Locale, gettext: Gettext,
                  locator: str = "", punctuation: Punctuation = ENGLISH_PUNCTUATION) -> Markup:
    """One citation as HTML: authors, title in the letter's language, container, publisher,
    number, date, locator and URL."""
    parts: list[Markup] = []
    if source.authors:
        names = [format_name(n) for n in source.authors]
        parts.append(_field(format_list(names, locale=locale)))
    title = source.title_in(language)
    if title:
        parts.append(_title(source, title, language, punctuation))
    for value in (source.container_title, source.publisher, source.number):
        if value:
            parts.append(_field(value))
    if source.issued:
        date = format_source_date(source.issued, locale, gettext)
        if date:
            parts.append(_field(date))
    if locator:
        parts.append(_field(locator))
    if source.url:
        href = _safe_url(source.url)
        link = (Markup('<a class="source-url" dir="ltr" href="{}">{}</a>').format(href, source.url)
                if href else _field(source.url))
        parts.append(link)
    return _ended(escape(punctuation.separator).join(parts), punctuation)


def format_note(source: Source, language: str, locale: Locale, locator: str = "",
                punctuation: Punctuation = ENGLISH_PUNCTUATION) -> Markup:
    """The short form printed at the foot of the page: title and locator. The full reference is
    in the Sources list under the same number; long notes would crowd the page."""
    title = source.title_in(language) or source.container_title or source.id
    text = _title(source, title, language, punctuation)
    if locator:
        text += escape(punctuation.separator) + _field(locator)
    return _ended(text, punctuation)


# The last character a reader sees, behind closing quotes and tags, already ends the sentence.
_ENDS_A_SENTENCE = re.compile(r"[?!？！.。](?:[”’»」』》〉\u00a0 ]|</\w+>|&#34;|&#39;)*\Z")


def _ended(text: Markup, punctuation: Punctuation) -> Markup:
    """``text`` with the language's final stop, unless it ends with a question or exclamation
    mark already ("… Detained in China?”", not "… China?”.")."""
    if _ENDS_A_SENTENCE.search(str(text)):
        return text
    return text + escape(punctuation.end)


# A footnote holds one or more notes (citations in a row share one call, "¹,²"); the end markers
# let ``group_citations`` find them (signer text can never contain them: "<" is escaped).
NOTE = ('<span class="footnote" data-n="{number}"><span class="note" data-n="{number}">{text}'
        '</span><!--/note--></span><!--/fn-->')
_CITE_ITEM = (r'<span class="footnote" data-n="[\d,]+">(?:(?!<!--/fn-->).)*</span><!--/fn-->'
              r'|<sup class="cite-ref">[\d,]+</sup>')
_CITE_RUN = re.compile(rf"(?:{_CITE_ITEM})(?:\s*(?:{_CITE_ITEM}))+", re.DOTALL)
_NUMBERS = re.compile(r'<span class="footnote" data-n="([\d,]+)">|<sup class="cite-ref">([\d,]+)</sup>')
_NOTES = re.compile(r'<span class="note" data-n="\d+">(?:(?!<!--/note-->).)*</span><!--/note-->',
                    re.DOTALL)


def _merge_run(match: re.Match[str]) -> str:
    run = match.group(0)
    numbers: list[str] = []
    for footnote, ref in _NUMBERS.findall(run):
        for number in (footnote or ref).split(","):
            if number not in numbers:
                numbers.append(number)
    # In ascending order, as a reader looks them up ("12,17,18", not "17,18,12" when an earlier
    # note is cited again after two new ones).
    numbers.sort(key=int)
    notes = _NOTES.findall(run)
    if not notes:
        return f'<sup class="cite-ref">{",".join(numbers)}</sup>'
    return (f'<span class="footnote" data-n="{",".join(numbers)}">{"".join(notes)}'
            "</span><!--/fn-->")


def group_citations(html: str) -> str:
    """Citations in a row become one call ("¹,²,³") and one footnote holding their notes: it
    reads better, and WeasyPrint lays out the footnote area once per footnote, not per note.
    A call that follows a word is bound to it, so that a line never starts with a call."""
    return _CALL.sub(_bound_to_word, _CITE_RUN.sub(_merge_run, html))


# U+2060 WORD JOINER forbids a line break on either side of it (UAX #14, rule LB11) and draws
# nothing. Between "。" or "torture.”" and the call that follows, lines may otherwise break.
WORD_JOINER = "\u2060"
# The pattern starts with the call, not with a look-behind at the character before it: it is
# then looked for as a string, not tried at every character of the letter.
_CALL = re.compile(r'<(?:span class="footnote" data-n=|sup class="cite-ref">)')


def _bound_to_word(match: re.Match[str]) -> str:
    start = match.start()
    if start and not match.string[start - 1].isspace():
        return WORD_JOINER + match.group(0)
    return match.group(0)


@dataclass
class CitedSource:
    source: Source
    numbers: list[int]  # of its notes, one per locator it is cited with


class Citations:
    """The ``cite()`` of one letter. Each note — a source, with the place in it that is cited
    (its locator) — gets a number the first time it is cited, and a citation of the same
    source at the same place reuses it. The same source cited at another place ("art. 42"
    after "art. 33") is another note, with a number of its own: two notes under one number
    would leave the reader to guess which one a call means. The Sources list gives each
    source once, with the numbers of all its notes.

    ``notes=False`` (the courtesy translation) prints only the reference numbers, since the
    notes and the Sources list already belong to the authoritative text.
    """

    def __init__(self, sources: Mapping[str, Source], language: str, gettext: Gettext,
                 pgettext: Pgettext | None = None):
        self._sources = sources
        self._language = language
        self._locale = Locale.parse(language.replace("-", "_"))
        self._gettext = gettext
        self._punctuation = Punctuation.translated(pgettext)
        self._cited: dict[str, CitedSource] = {}
        # Keyed by the locator as the template gives it, not as a language writes it, so that
        # the courtesy translation finds the numbers of the authoritative text.
        self._numbers: dict[tuple[str, str | None, str], int] = {}
        self.notes = True

    def retarget(self, language: str, gettext: Gettext, pgettext: Pgettext | None = None) -> None:
        """Continue the same numbering in another language (the courtesy translation)."""
        self._language = language
        self._locale = Locale.parse(language.replace("-", "_"))
        self._gettext = gettext
        self._punctuation = Punctuation.translated(pgettext)
        self.notes = False

    def __call__(self, source_id: str, locator: str | None = None, label: str = "page") -> Markup:
        source = self._sources.get(str(source_id))
        if source is None:
            raise LetterError(f"the letter cites '{source_id}', which is not in the sources")
        locator = None if locator is None else str(locator)
        where = format_locator(locator, str(label), self._gettext)
        key = (source.id, locator or None, str(label) if locator else "")
        number = self._numbers.get(key)
        if number is None:
            number = self._numbers[key] = len(self._numbers) + 1
            cited = self._cited.setdefault(source.id, CitedSource(source, []))
            cited.numbers.append(number)
            if self.notes:
                # Both parts are already safe — a number, and a note escaped field by field —
                # so the markup is put together with str.format: Markup.format escapes through
                # a formatter written in Python, a quarter of the time of a letter's HTML.
                note: Markup = self._note(source, where)
                return Markup(NOTE.format(number=int(number), text=note))  # noqa: S704
        return Markup(f'<sup class="cite-ref">{int(number)}</sup>')  # noqa: S704

    def cited(self) -> list[dict[str, object]]:
        """The Sources list, in the order of first citation, formatted without locators: each
        entry with the number of its first note (``number``) and the numbers of all its notes
        as printed before it (``label``: "5, 7")."""
        # Numbers are listed with a Latin comma ("5, 6"), as they are written; Arabic puts its
        # own comma between them too.
        separator = "، " if "،" in self._punctuation.separator else ", "
        return [{"number": c.numbers[0], "label": separator.join(map(str, c.numbers)),
                 "text": self._formatted(c.source)}
                for c in self._cited.values()]

    def _note(self, source: Source, where: str) -> Markup:
        # Every letter of a mail merge prints the same notes: each is formatted once per
        # source, locator and language.
        return _formatted_once(("note", where, self._language, self._punctuation), (source,),
                               lambda: self._directed(format_note(
                                   source, self._language, self._locale, where,
                                   self._punctuation), source))

    def _directed(self, text: Markup, source: Source) -> Markup:
        """A note or Sources entry in a right-to-left letter, laid out left to right when the
        work it names has a title in no right-to-left script (an English report cited in an
        Arabic letter): its fields then read in the order they are written, and its final stop
        ends it instead of landing before its first word. Its Arabic fields (a date, "المادة
        33") keep their own direction (``_field``)."""
        if self._locale.text_direction != "rtl":
            return text
        if _has_right_to_left_letter(source.title_in(self._language) or str(text)):
            return text
        return Markup('<span dir="ltr">') + text + Markup("</span>")

    def _formatted(self, source: Source) -> Markup:
        # Every letter of a mail merge prints the same Sources list: each entry is formatted
        # once per source, language and catalog (a recompiled catalog is another object).
        catalog = getattr(self._gettext, "__self__", self._gettext)
        return _formatted_once(("source", self._language, self._punctuation), (source, catalog),
                               lambda: self._directed(format_source(
                                   source, self._language, self._locale, self._gettext,
                                   punctuation=self._punctuation), source))


# Hebrew, Arabic, Syriac, Thaana, N'Ko and the Arabic presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _has_right_to_left_letter(text: str) -> bool:
    """Whether ``text`` has a letter of a right-to-left script. The Arabic comma between an
    English entry's fields ("UNHCR Representation in China، UNHCR") is no such letter."""
    if not _RIGHT_TO_LEFT.search(text):
        return False
    return any(unicodedata.bidirectional(ch) in ("R", "AL") and unicodedata.category(ch)[0] == "L"
               for ch in text)


def _formatted_once(key: tuple, objects: tuple, make: Callable[[], Markup]) -> Markup:
    """``make()``, remembered under ``key`` and the identity of ``objects`` (held with the
    text, so that their ids stay theirs)."""
    full_key = (*key, *(id(obj) for obj in objects))
    known = _FORMATTED.get(full_key)
    if known is not None and all(a is b for a, b in zip(known[0], objects, strict=True)):
        return known[1]
    text = make()
    if len(_FORMATTED) >= _FORMATTED_LIMIT:
        _FORMATTED.clear()
    _FORMATTED[full_key] = (objects, text)
    return text


_FORMATTED: dict[tuple, tuple[tuple, Markup]] = {}
_FORMATTED_LIMIT = 5000
