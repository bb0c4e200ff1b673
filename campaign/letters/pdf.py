"""Letter HTML → PDF with WeasyPrint, fetching nothing but the project's own letter assets.

Everything that touches WeasyPrint lives here. The stylesheet is parsed once per renderer (a
``weasyprint.CSS`` object built from the file's text, never from a URL) and the font configuration
is shared, so a batch pays for CSS parsing and font loading once.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import io
import logging
import mimetypes
import operator
import re
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pydyf
import tinycss2
import weasyprint
import weasyprint.css
import weasyprint.layout.block
import weasyprint.pdf.fonts
from weasyprint import CSS, HTML
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.formatting_structure import boxes
from weasyprint.layout import page as _layout_page
from weasyprint.pdf.stream import Stream as WeasyStream
from weasyprint.text.ffi import ffi, harfbuzz
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from campaign.letters import fontprograms
from campaign.letters.citations import WORD_JOINER
from campaign.letters.errors import LetterError

# What a letter may load: its stylesheets, images and fonts. No HTML, no SVG with scripts or
# external references of its own, nothing executable.
ALLOWED_SUFFIXES = {".css", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2",
                    ".ttf", ".otf"}
PDF_VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4b",
                "pdf/ua-1", "pdf/ua-2", "debug")

log = logging.getLogger(__name__)

# WeasyPrint reports each step at INFO; the app logs INFO, and a batch would flood it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# The string-set name the layout puts on each letter, for per-letter page numbers.
LETTER_STRING = "campaign-letter"


class AssetRefused(ValueError):
    """WeasyPrint asked for something a letter may not load."""


class LetterURLFetcher(URLFetcher):
    """Serves only files under the given folders (resolved, so no ``..`` or symlink escapes),
    with an allowed suffix. Refuses every other scheme — ``http(s):``, ``data:``, ``ftp:`` — and,
    since it never goes to the network, redirects too."""

    def __init__(self, roots: Sequence[Path]):
        super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False,
                         fail_on_errors=False)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            path = self._allowed_path(url)
        except AssetRefused:
            self.refused.append(url[:200])
            raise
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    def _allowed_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise AssetRefused(f"refused to fetch {url[:80]!r}: only letter assets are allowed")
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise AssetRefused(f"refused to fetch {url[:80]!r}: no such file") from exc
        if not any(path.is_relative_to(root) for root in self.roots):
            raise AssetRefused(f"refused to fetch {url[:80]!r}: outside the letter assets")
        if path.suffix.lower() not in ALLOWED_SUFFIXES or not path.is_file():
            raise AssetRefused(f"refused to fetch {url[:80]!r}: not a stylesheet, image or font")
        return path


class PdfRenderer:
    """Renders letter HTML to PDF bytes; one per process, reused across letters."""

    def __init__(self, stylesheet: Path, asset_roots: Sequence[Path], base_dir: Path):
        self.stylesheet_path = stylesheet
        self.asset_roots = tuple(asset_roots)
        self.base_url = base_dir.resolve().as_uri() + "/"
        self.font_config = FontConfiguration()
        self._css: tuple[float, CSS] | None = None
        self._extra: dict[str, CSS] = {}
        self._lock = threading.Lock()

    def fetcher(self) -> LetterURLFetcher:
        return LetterURLFetcher(self.asset_roots)

    def stylesheet(self) -> CSS:
        """The letter CSS, parsed once and re-parsed only when the file changes."""
        mtime = self.stylesheet_path.stat().st_mtime
        with self._lock:
            if self._css is None or self._css[0] != mtime:
                text = self.stylesheet_path.read_text(encoding="utf-8")
                css = CSS(string=text, base_url=self.stylesheet_path.resolve().as_uri(),
                          url_fetcher=self.fetcher(), font_config=self.font_config)
                self._css = (mtime, css)
                _FOOTNOTE_AREAS.clear()  # measured with the previous stylesheet
            return self._css[1]

    def extra_stylesheet(self, text: str) -> CSS:
        """A stylesheet of the project's own (never signer text), parsed once."""
        with self._lock:
            css = self._extra.get(text)
            if css is None:
                css = CSS(string=text, url_fetcher=self.fetcher(), font_config=self.font_config)
                self._extra[text] = css
            return css

    def render(self, html: str, *, pdf_variant: str | None = None, extra_css: str | None = None,
               margin_boxes: bool = True, share_styles: bool = False):
        """The laid-out WeasyPrint document (pages and boxes), not yet drawn; without the page
        margin boxes (running headers, page numbers) if ``margin_boxes`` is False; with
        computed styles shared between elements built alike (below) if ``share_styles``."""
        if pdf_variant and pdf_variant not in PDF_VARIANTS:
            raise LetterError(f"unknown PDF variant '{pdf_variant}' "
                              f"(choose from {', '.join(PDF_VARIANTS)})")
        options: dict[str, object] = {}
        if pdf_variant:
            options["pdf_variant"] = pdf_variant
        stylesheets = [self.stylesheet()]
        if extra_css:
            stylesheets.append(self.extra_stylesheet(extra_css))
        document = HTML(string=korean_words_kept(html), base_url=self.base_url,
                        url_fetcher=self.fetcher())
        _LAYERS.without_margin_boxes = margin_boxes is False
        _LAYERS.share_styles = share_styles and SHARED_STYLES
        try:
            return document.render(font_config=self.font_config, stylesheets=stylesheets,
                                   **options)
        finally:
            _LAYERS.without_margin_boxes = False
            _LAYERS.share_styles = False

    @staticmethod
    def pdf_bytes(rendered, *, pdf_variant: str | None = None) -> bytes:
        if pdf_variant:
            out = io.BytesIO()
            rendered.write_pdf(out, pdf_variant=pdf_variant)
            return out.getvalue()
        return PdfRenderer.compact_pdf_bytes(rendered)[0]

    @staticmethod
    def compact_pdf_bytes(rendered) -> tuple[bytes, bool]:
        """The PDF, and whether each of its fonts was subset to the glyphs its pages draw
        without empty glyphs (see below; False: some were left to WeasyPrint)."""
        out = io.BytesIO()
        write = _SUBSETS.write = _Write() if COMPACT_SUBSETS else None
        try:
            rendered.write_pdf(out)
        finally:
            _SUBSETS.write = None
        return out.getvalue(), write is not None and write.fonts is not None \
            and not write.left_to_weasyprint

    def write_pdf(self, html: str, *, pdf_variant: str | None = None) -> bytes:
        return self.pdf_bytes(self.render(html, pdf_variant=pdf_variant), pdf_variant=pdf_variant)


# Korean is set with lines broken between words, as Korean letters are, wherever it appears (a
# Korean letter, a Korean name in another): UAX #14 lets a line break between any two Hangul
# syllables, and WeasyPrint has no word-break: keep-all. The syllables of a word are joined by
# U+2060 WORD JOINER, which lays out as fast and is not in the text a reader copies from the PDF.
# Only for print: a browser has keep-all, and its copied text would keep the joiners. A word
# longer than a line (a signer may type one) still breaks: the signer's text has
# overflow-wrap: anywhere.
_HANGUL_WORD = re.compile("[\uac00-\ud7a3]{2,}")
# A word cut by tags: a number kept with its unit ("<span class="nowrap">8월</span>부터").
_HANGUL_ACROSS_TAGS = re.compile("(?<=[\uac00-\ud7a3])((?:<[^<>]*>)+)(?=[\uac00-\ud7a3])")
_IN_TAG = re.compile("[^<>]*>")


def korean_words_kept(html: str) -> str:
    """``html`` with the Hangul words of its body joined (never the inside of a tag, nor the
    title, which becomes the PDF's metadata)."""
    body = max(html.find("<body"), 0)
    if not _HANGUL_WORD.search(html, body):
        return html
    joined = _HANGUL_WORD.sub(_joined_syllables, html[body:])
    return html[:body] + _HANGUL_ACROSS_TAGS.sub("\\1" + WORD_JOINER, joined)


def _joined_syllables(word: re.Match[str]) -> str:
    text = word.group(0)
    return text if _IN_TAG.match(word.string, word.end()) else WORD_JOINER.join(text)


def write_each(document, authors: Sequence[str]) -> list[bytes]:
    """One PDF per letter of a laid-out document of ``len(authors)`` letters, cut at the anchors
    ``letter-<i>`` of each letter's id. Each is written on its own, so that its fonts hold the
    glyphs of its own pages only, with its signer as the author."""
    starts: dict[int, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            found = _LETTER_ANCHOR.fullmatch(anchor)
            if found:
                starts.setdefault(int(found.group(1)), number)
    if len(starts) != len(authors):
        raise LetterError("could not find where each letter starts in the rendered chunk")
    bounds = [starts[i] for i in sorted(starts)] + [len(document.pages)]
    letters = []
    for author, first, end in zip(authors, bounds, bounds[1:], strict=False):
        letter = document.copy(document.pages[first:end])
        letter.metadata = copy.copy(document.metadata)
        letter.metadata.authors = [author]
        letters.append(PdfRenderer.pdf_bytes(letter))
    return letters


_LETTER_ANCHOR = re.compile(r"letter-(\d+)")


# --- Per-letter page numbers -------------------------------------------------------------
# A batch is one WeasyPrint document holding many letters, but each letter must be numbered
# "1 / N" from its own first page. CSS cannot reset the page counter in the middle of a
# document, so margin boxes are given per-letter ``page`` and ``pages`` counter values: every
# letter starts on a new page and names itself with ``string-set`` (LETTER_STRING), from which
# the pages of each letter are known once pagination is finished — which is exactly when
# WeasyPrint builds the margin boxes. Documents without that string-set are left untouched.
# A test checks the numbers of a batch, so a WeasyPrint upgrade that breaks this is noticed.

_original_make_margin_boxes = weasyprint.layout.make_margin_boxes


def _letter_numbering(context) -> list[tuple[int, int]] | None:
    cached = getattr(context, "_campaign_letter_numbering", False)
    if cached is not False:
        return cached
    numbering = None
    starts = context.string_set.get(LETTER_STRING) if hasattr(context, "string_set") else None
    total_pages = len(context.page_maker) - 1 if hasattr(context, "page_maker") else 0
    if starts and total_pages > 0:
        groups: list[int] = []  # number of pages of each letter
        for page_number in range(1, total_pages + 1):
            if starts.get(page_number) or not groups:
                groups.append(0)
            groups[-1] += 1
        numbering = [(n, size) for size in groups for n in range(1, size + 1)]
        if len(numbering) != total_pages:
            numbering = None
    context._campaign_letter_numbering = numbering
    return numbering


# Layers of a composed mail merge (compose.py) other than the page numbers have no margin boxes;
# WeasyPrint would still lay out all sixteen of them, empty, on every page.
_LAYERS = threading.local()


def _make_margin_boxes(context, page, state):
    if getattr(_LAYERS, "without_margin_boxes", False):
        return iter(())
    numbering = _letter_numbering(context)
    if numbering and len(state) == 4:
        number, total = numbering[context.current_page - 1]
        quote_depth, counter_values, counter_scopes, page_groups = state
        counter_values = {**counter_values, "page": [number], "pages": [total]}
        state = (quote_depth, counter_values, counter_scopes, page_groups)
    return _original_make_margin_boxes(context, page, state)


if getattr(weasyprint.layout.make_margin_boxes, "__name__", "") != "_make_margin_boxes":
    weasyprint.layout.make_margin_boxes = _make_margin_boxes


# --- Computed styles shared between letters ----------------------------------------------
# WeasyPrint gives elements one computed style when they have the same parent style, match the
# same rules and carry the same style attributes. But it compares the declarations it makes of
# attributes (style="…", lang, id) by object, so no two elements with lang="en" ever share one,
# nor does anything inside them; and it gives every element a style of its own for each
# pseudo-element the default stylesheet declares for all elements (::marker, ::footnote-call …:
# six per element). A layer of a mail merge (compose.py) is a hundred small letters built alike:
# their sender blocks and closings spent a third of their layout time computing the same styles
# again. With ``render(share_styles=True)`` declarations of the same text are one object, and
# a pseudo-element's style is shared by elements whose own styles are shared and whose rules for
# it are the same: the same inputs, so the same computed style, as WeasyPrint already assumes
# for elements. ::note-call is left out: WeasyPrint writes each note's anchor into its style.
# Pages the same @page rules match share their page styles too (``_set_page_type_computed_styles``).
# A test prints the layers with and without sharing and compares the files.

SHARED_STYLES = True  # off in the test that checks sharing changes nothing
_SHARED_PSEUDO_ELEMENTS = frozenset({"marker", "footnote-call", "footnote-marker", "note-marker",
                                     "note-callback", "before", "after"})
_original_find_style_attributes = weasyprint.css.find_style_attributes
_original_set_computed_styles = weasyprint.css.StyleFor.set_computed_styles


def _find_style_attributes(tree, presentational_hints=False, base_url=None):
    found = _original_find_style_attributes(tree, presentational_hints, base_url)
    if not getattr(_LAYERS, "share_styles", False):
        yield from found
        return
    same_text: dict[tuple, tuple] = {}
    for specificity, element, declarations, url in found:
        declarations = tuple(declarations)
        key = (specificity, tinycss2.serialize(declarations), url)
        yield specificity, element, same_text.setdefault(key, declarations), url


def _set_computed_styles(self, element, parent, root=None, pseudo_type=None, base_url=None,
                         target_collector=None):
    if (pseudo_type not in _SHARED_PSEUDO_ELEMENTS or not getattr(_LAYERS, "share_styles", False)
            or not isinstance(getattr(element, "tag", None), str)):
        return _original_set_computed_styles(self, element, parent, root, pseudo_type,
                                             base_url, target_collector)
    cascaded = self._cascaded_styles.get((element, pseudo_type), {})  # noqa: SLF001
    parent_style = self._computed_styles[parent, None]  # noqa: SLF001
    key = (id(parent_style), pseudo_type, base_url,
           tuple((name, id(values), weight) for name, (values, weight) in cascaded.items()))
    shared = self.__dict__.setdefault("_campaign_pseudo_styles", {})
    known = shared.get(key)
    if known is None:
        _original_set_computed_styles(self, element, parent, root, pseudo_type, base_url,
                                      target_collector)
        # The parent style and cascaded values are held so that the ids in the key stay theirs.
        shared[key] = (self._computed_styles[element, pseudo_type], parent_style,  # noqa: SLF001
                       cascaded)
    else:
        self._computed_styles[element, pseudo_type] = known[0]  # noqa: SLF001
    return None


_original_page_type_styles = _layout_page.set_page_type_computed_styles


def _set_page_type_computed_styles(page_type, html, style_for):
    """Every page has a page type of its own (it holds the page's index), so WeasyPrint computes
    the styles of every page and of its margin boxes anew, and looks for them among all the
    styles of the pages before: in a layer of a hundred letters, a millisecond a page. Pages
    whose type the same @page rules match share their styles."""
    if not getattr(_LAYERS, "share_styles", False):
        return _original_page_type_styles(page_type, html, style_for)
    matched = tuple((sheet_index, rule_index, selector_index)
                    for sheet_index, (sheet, _origin, _specificity)
                    in enumerate(style_for._sheets)  # noqa: SLF001
                    for rule_index, (_rule, selectors, _declarations)
                    in enumerate(sheet.page_rules)
                    for selector_index, (_specificity, _pseudo, selector)
                    in enumerate(selectors)
                    if style_for._page_type_match(selector, page_type))  # noqa: SLF001
    shared = style_for.__dict__.setdefault("_campaign_page_styles", {})
    computed = style_for.get_computed_styles()
    known = shared.get(matched)
    if known is None:
        _original_page_type_styles(page_type, html, style_for)
        shared[matched] = [(pseudo, style) for (element, pseudo), style in computed.items()
                           if element is page_type]
        return None
    for pseudo, style in known:
        computed[page_type, pseudo] = style
    return None


if weasyprint.__version__.split(".")[0] == "70" and getattr(
        weasyprint.css.find_style_attributes, "__name__", "") != "_find_style_attributes":
    weasyprint.css.find_style_attributes = _find_style_attributes
    weasyprint.css.StyleFor.set_computed_styles = _set_computed_styles
    _layout_page.set_page_type_computed_styles = _set_page_type_computed_styles


# --- Footnote area heights ---------------------------------------------------------------
# WeasyPrint lays the whole footnote area out again each time a note joins a page, on a copy it
# then throws away, keeping only the height and whether it overflows: a third of a letter's
# layout time. In a mail merge the same notes come back in every letter, so that result is
# remembered per process, keyed by the notes' content, their styles (each note's completely
# computed, so that nothing outside it counts), the font configuration and the page's
# geometry. Notes holding anything but plain block and inline text (images, floats, positioned
# boxes, string-set, nested notes) are not remembered and are laid out as before. Tests compare
# a batch rendered with and without the memory.

_original_update_footnote_area = weasyprint.layout.LayoutContext._update_footnote_area
_PLAIN_BOXES = (boxes.BlockBox, boxes.LineBox, boxes.InlineBox, boxes.TextBox)


class _StyleValues:
    """Reads the computed values of the given properties, in one C call."""

    def __init__(self, names: Sequence[str]):
        self.names = tuple(names)
        self._get = operator.itemgetter(*self.names)

    def __call__(self, style) -> tuple:
        return self._get(style)


def _computable(style, name: str) -> bool:
    try:
        style[name]
    except KeyError:
        return False
    return True


_STYLE_VALUES = _StyleValues(list(INITIAL_VALUES))
_FOOTNOTE_AREAS: dict[tuple, tuple[float, float, bool]] = {}
_FOOTNOTE_AREAS_LIMIT = 20_000
FOOTNOTE_MEMORY = True  # off in the test that checks the memory changes nothing


def _style_key(style, seen: dict[int, tuple], *, complete: bool) -> tuple | None:
    """What decides a box's computed style. ``complete`` for the note itself: every property
    is computed now, so nothing is left to inherit later from outside the note. Inside the
    note, a style is decided by its own declarations (``cascaded``), the values already set
    (among them those WeasyPrint sets while building boxes) and its parent's, which is in the
    key too."""
    cached = seen.get(id(style))
    if cached is not None:
        return cached[1]
    global _STYLE_VALUES
    if complete:
        try:
            values = _STYLE_VALUES(style)
        except KeyError:
            # Learn which properties cannot be computed (logical ones, by some kinds of style).
            _STYLE_VALUES = _StyleValues(
                [name for name in _STYLE_VALUES.names if _computable(style, name)])
            values = _STYLE_VALUES(style)
    else:
        values = (tuple(style.items()), tuple(getattr(style, "cascaded", {}).items()))
    try:
        hash(values)
    except TypeError:
        values = repr(values)
    if (style["float"] not in ("none", "footnote") or style["position"] != "static"
            or style["string_set"] != "none"):
        return None
    key = (type(style).__name__, getattr(style, "pseudo_type", None), values)
    seen[id(style)] = (style, key)  # the style is held so that its id is not reused
    return key


def _box_key(box, seen: dict[int, tuple], *, note: bool = False) -> tuple | None:
    if type(box) not in _PLAIN_BOXES:
        return None
    style = _style_key(box.style, seen, complete=note)
    if style is None:
        return None
    children = []
    for child in getattr(box, "children", ()):
        if child.style["float"] == "footnote":
            return None
        key = _box_key(child, seen)
        if key is None:
            return None
        children.append(key)
    return (type(box).__name__, box.element_tag, getattr(box, "text", None), style,
            tuple(children))


def _footnote_key(context, footnote) -> tuple | None:
    keys = context.__dict__.setdefault("_campaign_footnote_keys", {})
    cached = keys.get(id(footnote))
    if cached is None:
        seen = context.__dict__.setdefault("_campaign_footnote_styles", {})
        cached = (footnote, _box_key(footnote, seen, note=True))
        keys[id(footnote)] = cached
    return cached[1]


def _update_footnote_area(self):
    area = self.current_footnote_area
    footnotes = self.current_page_footnotes
    if not FOOTNOTE_MEMORY or not footnotes:
        return _original_update_footnote_area(self)
    notes = tuple(_footnote_key(self, f) for f in footnotes)
    area_style = _style_key(area.style, self.__dict__.setdefault(
        "_campaign_footnote_styles", {}), complete=True)
    if area_style is None or any(n is None for n in notes):
        return _original_update_footnote_area(self)
    page = area.page
    # The font configuration holds the @font-face rules: same family names, other fonts.
    key = (area.style.font_config, self.in_column, area_style, page.width, page.height, page.margin_left,
           page.margin_right, page.padding_left, page.padding_right, page.border_left_width,
           page.border_right_width, notes)
    known = _FOOTNOTE_AREAS.get(key)
    if known is None:
        bottom = self.page_bottom
        if area.height != "auto" and not self.in_column:
            bottom += area.margin_height()
        overflow = _original_update_footnote_area(self)
        # What the original left behind: the height it set, and how far it raised the bottom
        # of the page (by the laid-out area's margin height, which is not the area's own).
        if len(_FOOTNOTE_AREAS) >= _FOOTNOTE_AREAS_LIMIT:
            _FOOTNOTE_AREAS.clear()
        _FOOTNOTE_AREAS[key] = (area.height, bottom - self.page_bottom, overflow)
        return overflow
    height, margin_height, overflow = known
    if area.height != "auto" and not self.in_column:
        self.page_bottom += area.margin_height()
    area.children = footnotes
    area.height = height
    if not self.in_column:
        self.page_bottom -= margin_height
    return overflow


if weasyprint.__version__.split(".")[0] == "70" and getattr(
        weasyprint.layout.LayoutContext._update_footnote_area, "__name__", "") \
        != "_update_footnote_area_memo":
    _update_footnote_area.__name__ = "_update_footnote_area_memo"
    weasyprint.layout.LayoutContext._update_footnote_area = _update_footnote_area


# --- Notes stay with their calls -----------------------------------------------------------
# Two mends to ``_linebox_layout`` of WeasyPrint 70, which lays out the lines of a paragraph.
#
# 1. When a line does not fit and orphans or widows forbid breaking the paragraph before it,
#    WeasyPrint moves the last note on the page to the next page to make room, whatever that
#    note's footnote-policy says. A note then sits a page after its call, in 35 of the 4,008
#    notes of the shipped letters. For a note with ``footnote-policy: line`` this is not done
#    here: the paragraph breaks as it would on a page without notes (before the lines that
#    orphans protect), and every note stays on the page of its call.
# 2. In the same branch, WeasyPrint keeps the line on the page and stops, without laying out the
#    notes that this line itself calls: they stay on its wait list and are printed nowhere (a call
#    "21" and no note 21). The notes of every line kept on the page are laid out here as the
#    ordinary path does it (on this page if they fit, or carried to the next page with the notes
#    already moved), and counted as this layout's notes, so that a layout given up later takes
#    them back. With mend 1 this happens only to notes of another footnote-policy.
#
# Mend 1 changes one condition of the function, which is compiled again from WeasyPrint's own
# source with that condition extended (in WeasyPrint's module, so that it calls what the
# original calls); if the condition is not found, the original is kept and a warning logged.

_REPORT_CONDITION = "report = not context.in_column and can_break_now and not could_break_before"
_REPORT_UNLESS_LINE = (" and not (context.current_page_footnotes and context.current_page_footnotes"
                       "[-1].style['footnote_policy'] == 'line')")


def _linebox_layout_keeping_calls_with_notes():
    module = weasyprint.layout.block
    try:
        source = textwrap.dedent(inspect.getsource(module._linebox_layout))
    except (OSError, TypeError):
        source = ""
    if source.count(_REPORT_CONDITION) != 1:
        log.warning("WeasyPrint's line layout is not the one expected: notes may be printed a "
                    "page after their call")
        return module._linebox_layout
    code = compile(source.replace(_REPORT_CONDITION, _REPORT_CONDITION + _REPORT_UNLESS_LINE),
                   module.__file__, "exec")
    defined: dict = {}
    exec(code, module.__dict__, defined)  # noqa: S102 - WeasyPrint's own source, one condition added
    return defined["_linebox_layout"]


def _linebox_layout(context, box, index, child, new_children, *args, **kwargs):
    kept = len(new_children)
    result = _linebox_layout_lines(context, box, index, child, new_children, *args, **kwargs)
    _abort, stop, *_rest = result
    # The branch keeps one line and stops the page: only that last line can hold notes left on
    # the wait list (the ordinary path lays out the notes of every line it keeps).
    if stop and context.footnotes and len(new_children) > kept:
        new_footnotes = result[4]
        for descendant in new_children[-1].descendants():
            footnote = descendant.footnote
            if footnote is not None and footnote in context.footnotes:
                new_footnotes.append(footnote)
                if context.layout_footnote(footnote) or context.reported_footnotes:
                    context.report_footnote(footnote)
    return result


if weasyprint.__version__.split(".")[0] == "70" and getattr(
        weasyprint.layout.block._linebox_layout, "__name__", "") != "_linebox_layout_notes":
    _linebox_layout_lines = _linebox_layout_keeping_calls_with_notes()
    _linebox_layout.__name__ = "_linebox_layout_notes"
    weasyprint.layout.block._linebox_layout = _linebox_layout


# --- Font subsets without empty glyphs ---------------------------------------------------
# WeasyPrint draws text with each glyph's index as its code, so it subsets a font keeping every
# index (HarfBuzz's RETAIN_GIDS) up to the last glyph used: a CJK font, whose glyphs have indexes
# up to 65,000, is subset twice over tens of thousands of glyphs (40-80 ms) into a program of
# 400-800 KB of mostly empty glyphs, once for each PDF. The letters' own writes
# (``PdfRenderer.pdf_bytes`` without a PDF variant) subset each font in one pass to the glyphs
# used, renumbered (fontprograms.py: a few ms and KB), and write the text again with the new
# indexes before the pages are serialised, so that the PDF keeps WeasyPrint's form (Identity-H,
# code = glyph index; a CFF program's CIDs made its glyph indexes; characters no font has get
# codes past the glyphs, drawn with glyph 0). Variable, bitmap and colour fonts, fonts of form
# fields, and anything HarfBuzz cannot subset are left to WeasyPrint, and so is a whole write
# whose text is drawn in a way not read here. A test compares the pages and the text with
# WeasyPrint's own subsets.

_original_subset = weasyprint.pdf.fonts.Font.subset
_original_face_data = weasyprint.pdf.fonts.get_hb_object_data
_original_fonts_dictionary = weasyprint.pdf.build_fonts_dictionary
COMPACT_SUBSETS = True  # off in the test that compares with WeasyPrint's own subsets


class _Write:
    """What a write in progress has renumbered."""

    def __init__(self):
        self.fonts: dict | None = None  # the document's fonts, once they are being embedded
        self.codes: dict[str, dict[int, int]] = {}  # by font hash: each old code's new code
        self.left_to_weasyprint = 0  # fonts subset by WeasyPrint's own means
        # By font hash: the codes the page streams draw (None: some that are not renumbered).
        self.drawn: dict[str, set[int] | None] = {}


_SUBSETS = threading.local()  # .write: the _Write of this thread's write in progress, or None

# Each write also copies every font file it uses (a CJK collection is 26 MB, 10 ms) out of
# HarfBuzz's memory; the letters' writes keep those copies for the next ones, the most recently
# used first, up to a bound (a CJK letter uses the regular and the bold collection: 52 MB), so
# that a long-lived process serving letters in many languages does not grow.
_FACE_DATA: dict[tuple, bytes] = {}
_FACE_DATA_BYTES = 96_000_000
_FACE_DATA_LOCK = threading.Lock()


def _face_data(hb_object, ot_color=None, glyph=None):
    if ot_color is not None or glyph is not None or getattr(_SUBSETS, "write", None) is None:
        return _original_face_data(hb_object, ot_color, glyph)
    blob = harfbuzz.hb_face_reference_blob(hb_object)
    try:
        with ffi.new("unsigned int *") as length:
            data = harfbuzz.hb_blob_get_data(blob, length)
            size = length[0]
        if data == ffi.NULL or not size:
            return _original_face_data(hb_object)
        # The file's place in memory, its size and its first and last bytes: another file
        # mapped at the same place later has other bytes.
        ends = bytes(ffi.buffer(data, min(size, 65536))) + \
            bytes(ffi.buffer(data + max(0, size - 65536), min(size, 65536)))
        key = (int(ffi.cast("uintptr_t", data)), size, hashlib.sha256(ends).digest())
    finally:
        harfbuzz.hb_blob_destroy(blob)
    with _FACE_DATA_LOCK:  # the web app's threads write letters too
        found = _FACE_DATA.pop(key, None)
        if found is not None:
            _FACE_DATA[key] = found  # now the most recently used
            return found
    found = _original_face_data(hb_object)
    if len(found) <= _FACE_DATA_BYTES:
        with _FACE_DATA_LOCK:
            _FACE_DATA.pop(key, None)
            while _FACE_DATA and \
                    sum(map(len, _FACE_DATA.values())) + len(found) > _FACE_DATA_BYTES:
                del _FACE_DATA[next(iter(_FACE_DATA))]  # the least recently used
            _FACE_DATA[key] = found
    return found


def release_font_files() -> None:
    """Lets go of the font files kept for the next writes (a process that writes no more
    letters, and goes on to other work)."""
    with _FACE_DATA_LOCK:
        _FACE_DATA.clear()


def _subset(font, to_unicode, hinting):
    write = getattr(_SUBSETS, "write", None)
    if write is None or write.fonts is None or not to_unicode:
        return _original_subset(font, to_unicode, hinting)
    if font.bitmap or font.png or font.svg or font.colr or "fvar" in font.tables:
        return _left_to_weasyprint(write, font, to_unicode, hinting)
    drawn = write.drawn.get(font.hash, set())
    if drawn is None or not drawn <= to_unicode.keys():  # codes the subset would not renumber
        return _left_to_weasyprint(write, font, to_unicode, hinting)
    # Codes past the font's glyphs stand for characters it does not have (drawn as glyph 0).
    missing = sorted(code for code in to_unicode if code >= font.glyph_count)
    try:
        program, new_glyphs, count = fontprograms.subset_program(
            font.file_content, [code for code in to_unicode if code < font.glyph_count],
            index=font.index, hinting=hinting)
        if program[:4] == b"OTTO":
            program = fontprograms.cids_as_indexes(program)
    except fontprograms.UnreadableFont:
        return _left_to_weasyprint(write, font, to_unicode, hinting)
    if count + len(missing) > 0xFFFF:
        return _left_to_weasyprint(write, font, to_unicode, hinting)
    codes = {**new_glyphs, **{code: count + n for n, code in enumerate(missing)}}
    font.file_content = program
    # Every font object of this file (WeasyPrint may have several) draws with the new codes.
    for other in write.fonts.values():
        if other.hash == font.hash:
            other.to_unicode = {codes[code]: text for code, text in other.to_unicode.items()}
            other.widths = {codes[code]: width for code, width in other.widths.items()
                            if code in codes}
            other.missing = {point: codes[code] for point, code in other.missing.items()}
    write.codes[font.hash] = codes
    return None


def _left_to_weasyprint(write: _Write, font, to_unicode, hinting):
    write.left_to_weasyprint += 1
    return _original_subset(font, to_unicode, hinting)


def _fonts_dictionary(pdf, fonts, compress, subset, options):
    write = getattr(_SUBSETS, "write", None)
    texts = _text_operations(pdf, write) if write is not None else None
    if texts is None:
        _SUBSETS.write = None  # WeasyPrint's own subsets for this write
        try:
            return _original_fonts_dictionary(pdf, fonts, compress, subset, options)
        finally:
            _SUBSETS.write = write
    write.fonts = fonts
    found = _original_fonts_dictionary(pdf, fonts, compress, subset, options)
    if write.codes:
        _renumber(texts, write.codes)
    return found


_HEX_STRING = re.compile(rb"<([0-9a-f]*)>")


def _text_operations(pdf, write: _Write) -> list | None:
    """(stream, index, font hash, operation) of each operation that shows text in the content
    streams of the pages and of what they draw (groups, patterns), with the codes each font
    draws noted in ``write.drawn``; or None if one of them shows text other than as WeasyPrint
    does (TJ with two-byte hex codes, after Tf)."""
    found, seen = [], set()
    todo = [item for item in pdf.objects if isinstance(item, WeasyStream)]
    while todo:
        stream = todo.pop()
        if id(stream) in seen:
            continue
        seen.add(id(stream))
        found.append(stream)
        for category in ("XObject", "Pattern"):
            for item in (stream._resources.get(category) or {}).values():  # noqa: SLF001
                if isinstance(item, WeasyStream):
                    todo.append(item)
    texts = []
    for stream in found:
        if not all(isinstance(item, bytes | str | pydyf.Dictionary) for item in stream.stream):
            return None
        for index, font, item in _text_items(stream):
            if font is None or not item.endswith(b"] TJ"):
                return None
            texts.append((stream, index, font, item))
            drawn = write.drawn.setdefault(font, set())
            for hexes in _HEX_STRING.findall(item):
                if len(hexes) % 4:  # a bitmap font's one-byte codes: never renumbered
                    write.drawn[font] = None
                    break
                if drawn is not None:
                    drawn.update(int(hexes[i:i + 4], 16) for i in range(0, len(hexes), 4))
    return texts


def _text_items(stream):
    """(index, font hash, operation) of each operation of ``stream`` that shows text, with the
    font in use there (Tf, restored by Q)."""
    font, saved = None, []
    for index, item in enumerate(stream.stream):
        if not isinstance(item, bytes):
            continue
        if item == b"q":
            saved.append(font)
        elif item == b"Q":
            font = saved.pop() if saved else None
        elif item.endswith(b" Tf"):
            font = item[1:item.index(b" ")].decode()
        elif item.endswith((b" TJ", b" Tj", b"'", b'"')):
            yield index, font, item


def _renumber(texts: list, codes: dict[str, dict[int, int]]) -> None:
    tables = {font: {b"%04x" % old: b"%04x" % new for old, new in table.items()}
              for font, table in codes.items()}

    def again(match, table) -> bytes:
        hexes = match[1]
        return b"<" + b"".join(table[hexes[i:i + 4]] for i in range(0, len(hexes), 4)) + b">"

    for stream, index, font, item in texts:
        table = tables.get(font)
        if table is not None:
            stream.stream[index] = _HEX_STRING.sub(lambda m, t=table: again(m, t), item)


if weasyprint.__version__.split(".")[0] == "70" and getattr(
        weasyprint.pdf.fonts.Font.subset, "__name__", "") != "_subset":
    weasyprint.pdf.fonts.Font.subset = _subset
    weasyprint.pdf.fonts.get_hb_object_data = _face_data
    weasyprint.pdf.build_fonts_dictionary = _fonts_dictionary
