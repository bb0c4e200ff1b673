"""Mail merge by composition: what every letter of a batch shares is laid out once, what belongs
to each signer is laid out per signer, and every page is assembled from the two.

In a mail merge to one recipient the letter is the same for every signer except in three
places: the sender block at the top of page 1 (the signer's name and address), the end of the
letter (the signer's own words and the closing with their name) and the page numbers ("n / N":
a longer message can add a page). The body — most of the letter, and the part with the
footnotes, which is what makes page layout slow — and the sources annex are the same. So a
batch is printed in layers, as variable-data printing does it:

- the **shared layer**: one full layout of the letter with the sender block hidden (it still
  takes its room), without its end, its sources and page numbers. It is laid out once per
  process and per sender-block height (a name that wraps makes the block taller and moves the
  body down), and ends on the *join page*, where the body ends;
- the **sources layer**: the sources annex, which starts on a page of its own, laid out once;
- the **sender layer**: a small page per signer holding only the sender block, laid out with the
  letter's own stylesheet at the same place;
- the **end layer**: per signer, a page that stands for the join page, with a spacer as tall as
  the body above it and a bottom margin up to where the join page's notes start, so that the end
  of the letter flows into exactly the room it has in a full layout, onto more pages if it needs
  them. An end that does not even start there (a closing below a body that nearly fills its
  page) takes the body's last lines to the next page in a full layout (letter.css): such letters
  get a *kept* shared layer, laid out with a block in the end's place that does not fit either,
  whose body ends a page later, and their end layer is laid out again;
- the **page-number layer**: pages holding only "n / N", laid out once for each N.

A page of a letter is the shared (or sources) page, the sender page (page 1), the end page and
the page number drawn on top of each other, as PDF form XObjects (with qpdf); the shared layers are drawn,
subset and written once per file, whatever the number of letters. The per-signer layers of a
chunk are written as one PDF, whose fonts hold the glyphs of every signer of the chunk: when each
letter is a file of its own, its copy of those fonts is cut down to the glyphs it draws
(glyphs.py), so that no letter holds anything of another signer. The shared, sources and
page-number layers' fonts are cut down to their glyphs once, when they are laid out
(``compact``).

Letters share a layout only if everything but the sender block and the end is the same text (a
template may write a signer's details into the body: those letters get a layout of their own,
and a batch where nearly every letter does is laid out in full). Each shared layout is checked
before use: the first letter composed with it must have the same pages with the same words on
each, drawn at the same heights, as a full layout of that letter, or the batch is printed the
plain way (a warning is logged). Bilingual letters and PDF/A or PDF/UA variants are always
printed the plain way (a tagged PDF cannot be assembled from layers).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pikepdf
from pypdf import PdfReader
from weasyprint import __version__ as weasyprint_version
from weasyprint.formatting_structure.boxes import TextBox

from campaign.letters import glyphs
from campaign.letters.engine import sources_section

log = logging.getLogger(__name__)

# The shared layer: the sender block keeps its room but is not drawn; the end of the letter is
# left out (its 1px-padded block stays, to mark where the end starts); no sources, no numbers.
SHARED_CSS = """
@page { @bottom-center { content: none } }
.letter .sender { visibility: hidden }
.letter-end > *, .letter .sources { display: none }
"""
# The shared layer of letters whose end does not fit where the body ends (``kept_article``):
# the end is a block as tall as the room it did not fit, which letter.css keeps with the body's
# last lines (.letter-end: break-before: avoid), so that they move to the next page with it.
SHARED_KEPT_CSS = """
@page { @bottom-center { content: none } }
.letter .sender { visibility: hidden }
.letter .sources { display: none }
.compose-room { display: block; margin: 0; padding: 0; border: 0 }
"""
# The sender, end and sources layers: no page numbers (they are laid out without margin boxes).
NO_NUMBERS_CSS = """
@page { @bottom-center { content: none } }
"""
# The page-number layer: blank pages, numbered.
NUMBERS_CSS = """
.compose-page { display: block; height: 0; margin: 0; padding: 0; border: 0 }
.compose-break { break-before: page }
"""
# The end layer: the spacer that stands for the body above the end of the letter.
END_CSS = NO_NUMBERS_CSS + """
.compose-spacer { display: block; margin: 0; padding: 0; border: 0 }
.compose-end * { margin-break: discard }
"""
# Why margin-break: the end of a letter sits on a named page (the join page's room for notes),
# and WeasyPrint takes every break on a named page for a forced one, after which a block keeps
# its top margin. In the letter the same break is unforced and truncates the margin: without
# this rule an end of letter pushed to the next page (the closing, in Korean) sat 6 mm lower
# than in the letter laid out in full.


def end_css(shared_layers) -> str:
    """END_CSS, and for each join page with notes at its foot a page rule whose bottom margin
    reaches up to the notes: the end layer has no margin boxes, so the margin only takes the room
    the notes take in the letter."""
    rules = {_join_page_name(layer.join_bottom): layer.join_bottom
             for layer in shared_layers if layer.join_bottom > 0}
    return END_CSS + "".join(f"@page :nth(1 of {name}) {{ margin-bottom: {bottom:.4f}px }}\n"
                             for name, bottom in sorted(rules.items()))


def _join_page_name(bottom: float) -> str:
    return f"compose-join-{round(bottom * 1000)}"

_ARTICLE_START = re.compile(r'\s*(<article\b[^>]*>)\s*(<div class="letter-start"[^>]*></div>)')
_ARTICLE_ID = re.compile(r'\s+id="letter-\d+"')
_SENDER_START = '<address class="sender">'
_SENDER_END = "</address>"  # the first one closes the sender block
_END_START = '<div class="letter-end">'
_END_STOP = "<!--/letter-end-->"  # signer text cannot produce it: "<" is escaped


class NotComposable(Exception):
    """This letter cannot be assembled from layers; it is printed the plain way."""


# More shared layouts than this in a batch: the body changes from letter to letter, and laying
# out each letter in full is as fast.
MAX_SHARED_LAYOUTS = 12


# Page rules that depend on where a page falls in the document (the first, left and right
# pages, named pages and page groups) would lay out a layer's page unlike the letter's page it
# stands for.
_PLACE_DEPENDENT = re.compile(r"@page\s*[^{;]*:(first|left|right|blank|nth|recto|verso)"
                              r"|@page\s+[a-zA-Z_-]|(^|[;{\s])page\s*:", re.IGNORECASE)


def check_stylesheet(css: str) -> None:
    """Refuses a letter stylesheet with page rules that depend on the page's place."""
    found = _PLACE_DEPENDENT.search(re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL))
    if found:
        raise NotComposable(f"the letter stylesheet has a rule for some pages only "
                            f"({found.group(0).strip()!r})")


@dataclass(frozen=True)
class LetterParts:
    """One signer's letter, cut into the parts the layers need."""

    article: str  # the whole <article>, for the shared layer and the check
    start: str  # the <article> tag and the letter-start mark
    tag: str  # the <article> tag alone
    sender: str  # the letterhead up to the end of the sender block
    end: str  # the end of the letter: <div class="letter-end">…</div>
    sources: str  # the sources annex, or ""
    shared_digest: str  # of everything else: letters that share a layout share this


def cut(article_html: str) -> LetterParts:
    start = _ARTICLE_START.match(article_html)
    sender_end = article_html.find(_SENDER_END)
    end_start = article_html.find(_END_START)
    end_stop = article_html.find(_END_STOP)
    if start is None or sender_end < 0 or end_start < 0 or end_stop < end_start:
        raise NotComposable("the letter's layout has no sender block or no letter end")
    head = article_html[start.end():sender_end + len(_SENDER_END)]
    sender_lines = article_html.find(_SENDER_START, start.end())
    if not 0 <= sender_lines < sender_end:
        raise NotComposable("the letter's layout has no sender block")
    # A template may write signer details into the body too; such letters cannot share it.
    shared = (article_html[start.end():sender_lines] + article_html[sender_end:end_start]
              + article_html[end_stop:])
    where = sources_section(article_html, end_stop)
    sources = article_html[where[0]:where[1]] if where else ""
    # In the layers the letter's anchor (letter_pages) sits on its start mark, not on the
    # <article>: an element with an id has a computed style of its own, and so then has every
    # element inside it, where a layer's letters could all share theirs (pdf.py).
    tag, mark = start.group(1), start.group(2)
    anchor = _ARTICLE_ID.search(tag)
    if anchor:
        tag = tag[:anchor.start()] + tag[anchor.end():]
        mark = mark.replace("<div ", f"<div{anchor.group(0)} ", 1)
    return LetterParts(article=article_html, start=tag + mark, tag=tag,
                       sender=head, end=article_html[end_start:end_stop], sources=sources,
                       shared_digest=hashlib.sha256(shared.encode()).hexdigest())


@dataclass(frozen=True)
class SharedLayer:
    """The shared layout of a letter and where its end joins it."""

    pdf: bytes
    pages: int  # the last one is the join page
    spacer: float  # px from the join page's content top to the top of the letter's end
    join_bottom: float  # px from the page's foot to the top of the join page's notes (0: none)
    sources_pdf: bytes | None  # the sources annex that goes with this layout
    room: float = 0.0  # px left on the join page below the top of the letter's end
    # What each page draws (page_text), for the check.
    text: tuple[Counter, ...] = ()
    sources_text: tuple[Counter, ...] = ()

    @property
    def sources_pages(self) -> int:
        return len(self.sources_text)


@dataclass
class BatchLayers:
    """What the chunks of a batch share, kept from chunk to chunk (a worker process keeps its
    own copy)."""

    # By (sender block height, shared digest, end kept with the body's last lines).
    layouts: dict[tuple[float, str, bool], SharedLayer] = field(default_factory=dict)
    # By shared digest: the sources annex and what its pages draw.
    sources: dict[str, tuple[bytes | None, tuple[Counter, ...]]] = field(default_factory=dict)
    numbers: dict[int, bytes] = field(default_factory=dict)  # by number of pages N
    numbers_text: dict[int, tuple[Counter, ...]] = field(default_factory=dict)
    # The layouts checked against a full layout of a letter printed on them (``check``).
    checked: set[tuple[float, str, bool]] = field(default_factory=set)
    stylesheet_checked: bool = False
    plain: str | None = None  # why the batch is laid out in full, once it is


# --- Reading WeasyPrint's layout ---------------------------------------------------------------

def _boxes_with_class(box, name: str):
    stack = [box]
    while stack:
        current = stack.pop()
        element = getattr(current, "element", None)
        if (element is not None and getattr(current, "element_tag", None)
                and name in (element.get("class") or "").split()
                and hasattr(current, "border_height")):
            yield current
        stack.extend(reversed(getattr(current, "children", ())))


def _first_with_class(box, name: str):
    return next(_boxes_with_class(box, name), None)


def shared_geometry(document) -> tuple[int, float, float, float, float]:
    """(pages, spacer, join_bottom, sender height, room) of a laid-out shared layer."""
    pages = [page._page_box for page in document.pages]  # noqa: SLF001
    sender = _first_with_class(pages[0], "sender")
    if sender is None:
        raise NotComposable("no sender block on the first page")
    for number, page in enumerate(pages, start=1):
        end = _first_with_class(page, "letter-end")
        if end is None:
            continue
        if number != len(pages):
            # Notes pushed past the page where the body ends: the end layer would need them.
            raise NotComposable("the body's notes run on past the page where the body ends")
        spacer = end.border_box_y() - page.content_box_y()
        area = page.children[1] if len(page.children) > 1 else None
        bottom = 0.0
        limit = page.content_box_y() + page.height
        if area is not None and type(area).__name__ == "FootnoteAreaBox" and area.children:
            bottom = float(page.margin_height() - area.position_y)
            limit = area.position_y
        return (number, float(spacer), bottom, float(sender.border_height()),
                float(limit - end.border_box_y()))
    raise NotComposable("the end of the letter is not in the shared layout")


def page_text(document, pages: Sequence[int] | None = None) -> tuple[Counter, ...]:
    """What each laid-out page draws (of the given pages, or all): the text of its visible text
    boxes, spaces left out, each with the height on the page where it is drawn; the notes and
    margin boxes included. Layers are drawn in another order than a full layout, so the texts
    are counted, not read in order; the heights make a line drawn lower count as a change."""
    chosen = range(len(document.pages)) if pages is None else pages
    return tuple(_drawn_text(document.pages[i]._page_box)  # noqa: SLF001
                 for i in chosen)


def _drawn_text(page_box) -> Counter:
    found: Counter = Counter()
    stack = [page_box]
    while stack:
        box = stack.pop()
        if isinstance(box, TextBox):
            text = "".join(box.text.split())
            if text and box.style["visibility"] == "visible":
                found[text, round(box.position_y, 3)] += 1
            continue
        stack.extend(getattr(box, "children", ()))
    return found


def sender_heights(document, count: int) -> list[float]:
    """The height of each signer's sender block in a laid-out sender layer (a page each)."""
    if len(document.pages) != count:
        raise NotComposable("a sender block does not fit on one page")
    heights = []
    for page in document.pages:
        sender = _first_with_class(page._page_box, "sender")  # noqa: SLF001
        if sender is None:
            raise NotComposable("a sender page has no sender block")
        heights.append(round(float(sender.border_height()), 2))
    return heights


def letter_pages(document, count: int, offset: int = 0) -> list[tuple[int, int]]:
    """(first page, number of pages) of each letter in a laid-out end layer, counted from
    ``offset`` (the pages that come before the end layer in its PDF)."""
    starts: dict[int, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("letter-"):
                starts.setdefault(int(anchor.removeprefix("letter-")), number)
    indexes = sorted(starts)
    if len(indexes) != count:
        raise NotComposable("could not find where each letter starts in the end layer")
    bounds = [starts[i] for i in indexes] + [len(document.pages)]
    return [(offset + first, end - first)
            for first, end in zip(bounds, bounds[1:], strict=False)]


def end_fits(document, page: int) -> bool:
    """Whether the letter's end starts on ``page`` of a laid-out end layer, the page that
    stands for the join page. When it does not (the closing, or the heading of the signer's
    words, does not fit below the body), the letter laid out in full takes the body's last
    lines to the next page with it: the letter needs a kept shared layer (``kept_article``)."""
    end = _first_with_class(document.pages[page]._page_box, "letter-end")  # noqa: SLF001
    return end is not None and bool(end.children)


# --- Building the layers' HTML ----------------------------------------------------------------

def kept_article(parts: LetterParts, shared: SharedLayer) -> str:
    """The letter for a kept shared layer: its end is a block one pixel taller than the room
    ``shared`` leaves below the body, which takes the body's last lines to the next page."""
    room = (f'<div class="letter-end"><div class="compose-room" '
            f'style="height: {max(0.0, shared.room) + 1:.4f}px"></div></div>')
    return parts.article.replace(parts.end, room, 1)


def sender_article(parts: LetterParts) -> str:
    return f"{parts.start}{parts.sender}</header></article>"


def sources_article(parts: LetterParts) -> str:
    return f"{parts.tag}{parts.sources}</article>"


def numbers_article(parts: LetterParts, pages: int) -> str:
    blanks = "".join(f'<div class="compose-page{" compose-break" if i else ""}"></div>'
                     for i in range(pages))
    return f"{parts.start}{blanks}</article>"


def end_article(parts: LetterParts, shared: SharedLayer) -> str:
    """The end of the letter, starting on a page of its own that stands for the join page: a
    spacer as tall as the body above, and (``end_css``) the room of the join page's notes."""
    page = (f' style="page: {_join_page_name(shared.join_bottom)}"'
            if shared.join_bottom > 0 else "")
    mark = parts.start[len(parts.tag):]
    spacer = f'<div class="compose-spacer" style="height: {max(0.0, shared.spacer):.4f}px"></div>'
    return f'{parts.tag}<div class="compose-end"{page}>{mark}{spacer}{parts.end}</div></article>'


# --- Assembling pages ---------------------------------------------------------------------------

def compact(pdf: bytes, fonts_compact: bool = False) -> bytes:
    """A layer PDF that every file of a batch copies (the shared, sources and page-number
    layers), with its fonts cut down to the glyphs its pages draw: as written if they are
    already (``fonts_compact``, pdf.py), or by glyphs.compact_layer, or as WeasyPrint wrote it
    if they cannot be."""
    if fonts_compact:
        return pdf
    try:
        return glyphs.compact_layer(pdf)
    except glyphs.UnknownDrawing as exc:
        log.info("a layer's fonts are kept as written: %s", exc)
    except Exception:  # the layer as written is as good, only larger
        log.warning("a layer's fonts are kept as written", exc_info=True)
    return pdf


class _Layers:
    """The pages of one layer PDF as form XObjects of one output file, made once each."""

    def __init__(self, source: pikepdf.Pdf, out: pikepdf.Pdf):
        self.source = source
        self.out = out
        self._forms: dict[int, pikepdf.Object] = {}
        self._links: dict[int, list[pikepdf.Object]] = {}

    def mediabox(self, index: int) -> pikepdf.Array:
        return pikepdf.Array([float(x) for x in self.source.pages[index].mediabox])

    def form(self, index: int) -> pikepdf.Object:
        known = self._forms.get(index)
        if known is None:
            # qpdf copies what the form refers to (fonts, images) once per output file.
            known = self.out.copy_foreign(self.source.pages[index].as_form_xobject())
            self._forms[index] = known
        return known

    def forms(self) -> list[pikepdf.Object]:
        """The forms made so far: the layer's pages this file draws."""
        return list(self._forms.values())

    def links(self, index: int) -> list[pikepdf.Object]:
        """Copies of the page's web links (a link annotation may belong to one page only)."""
        originals = self._links.get(index)
        if originals is None:
            originals = []
            for annotation in self.source.pages[index].obj.get("/Annots", ()):
                action = annotation.get("/A")
                if annotation.get("/Subtype") == "/Link" and action is not None \
                        and action.get("/S") == "/URI":
                    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot,
                                              Subtype=pikepdf.Name.Link,
                                              Rect=pikepdf.Array([float(x) for x in
                                                                  annotation.Rect]),
                                              Border=pikepdf.Array([0, 0, 0]))
                    # The action (the URL) is shared by every copy of the link.
                    link.A = self.out.make_indirect(pikepdf.Dictionary(
                        S=pikepdf.Name.URI, URI=pikepdf.String(bytes(action.URI))))
                    originals.append(link)
            self._links[index] = originals
        return [self.out.make_indirect(pikepdf.Dictionary(original)) for original in originals]


def _page(out: pikepdf.Pdf, layers: Sequence[tuple[_Layers, int]]) -> None:
    """Adds a page drawn from the given (layer, page index) pairs, bottom first."""
    last_layer, last_index = layers[-1]
    xobjects = pikepdf.Dictionary()
    drawing = []
    annotations: list[pikepdf.Object] = []
    for n, (layer, index) in enumerate(layers):
        xobjects[f"/L{n}"] = layer.form(index)
        drawing.append(f"q /L{n} Do Q")
        annotations += layer.links(index)
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=last_layer.mediabox(last_index),
        Resources=pikepdf.Dictionary(XObject=xobjects),
        Contents=out.make_stream("\n".join(drawing).encode()))
    if annotations:
        page.Annots = pikepdf.Array(annotations)
    out.pages.append(pikepdf.Page(out.make_indirect(page)))


@dataclass(frozen=True)
class Assembly:
    """What the layers of one chunk are: PDFs and which pages belong to which letter."""

    shared: dict[object, SharedLayer]  # by group key
    groups: list[object]  # each letter's group key
    # The per-signer layers, laid out as two documents and written as one PDF (a CJK font is
    # then subset once per chunk, not twice): a sender page per letter, then the end pages.
    signer_pdf: bytes
    end_pages: list[tuple[int, int]]  # each letter's (first page, count) in signer_pdf
    numbers: dict[int, bytes]  # by number of pages N: N pages numbered "n / N"
    metadata: dict[str, str]
    lang: str

    def total_pages(self, index: int) -> int:
        # The end layer starts on the join page, the shared layer's last; the sources follow.
        layer = self.shared[self.groups[index]]
        return layer.pages - 1 + self.end_pages[index][1] + layer.sources_pages


def document_info(document, pdf: bytes) -> dict:
    """The metadata and language WeasyPrint gave a layer (``pdf``, written from the laid-out
    ``document``), for the assembled file. Read from the document as WeasyPrint writes it into
    the PDF's information dictionary; reading the PDF back took a tenth of a second a chunk."""
    metadata = document.metadata
    if metadata.created or metadata.modified or metadata.custom:
        reader = PdfReader(io.BytesIO(pdf))  # dates in PDF syntax: as WeasyPrint wrote them
        info = {k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)}
        return {"metadata": info, "lang": str(reader.trailer["/Root"].get("/Lang", ""))}
    info = {"/Producer": f"WeasyPrint {weasyprint_version}"}
    for key, value in (("/Title", metadata.title), ("/Author", ", ".join(metadata.authors)),
                       ("/Subject", metadata.description),
                       ("/Keywords", ", ".join(metadata.keywords)),
                       ("/Creator", metadata.generator)):
        if value:
            info[key] = value
    return {"metadata": info, "lang": metadata.lang or ""}


def _new_file(assembly: Assembly, author: str | None) -> pikepdf.Pdf:
    out = pikepdf.Pdf.new()
    for key, value in assembly.metadata.items():
        out.docinfo[key] = pikepdf.String(value)
    if author is not None:
        out.docinfo["/Author"] = pikepdf.String(author)
    if assembly.lang:
        out.Root.Lang = pikepdf.String(assembly.lang)
    return out


class _Opened:
    """The layer PDFs of an assembly, opened once for all the files made from it."""

    def __init__(self, assembly: Assembly):
        def open_pdf(pdf: bytes) -> pikepdf.Pdf:
            return pikepdf.Pdf.open(io.BytesIO(pdf))

        self.shared = {key: open_pdf(layer.pdf) for key, layer in assembly.shared.items()}
        self.sources = {key: open_pdf(layer.sources_pdf)
                        for key, layer in assembly.shared.items() if layer.sources_pdf}
        self.signer = open_pdf(assembly.signer_pdf)
        self.numbers = {n: open_pdf(pdf) for n, pdf in assembly.numbers.items()}

    def close(self) -> None:
        for pdf in (*self.shared.values(), *self.sources.values(), self.signer,
                    *self.numbers.values()):
            pdf.close()


class _Files:
    """The layers of an assembly, as form XObjects of one output file."""

    def __init__(self, opened: _Opened, out: pikepdf.Pdf):
        self.out = out
        self.shared = {key: _Layers(pdf, out) for key, pdf in opened.shared.items()}
        self.sources = {key: _Layers(pdf, out) for key, pdf in opened.sources.items()}
        self.signer = _Layers(opened.signer, out)
        self.numbers = {n: _Layers(pdf, out) for n, pdf in opened.numbers.items()}

    def write(self, *, compact: bool = False) -> bytes:
        """The file; ``compact``: its small objects packed into compressed object streams, for
        a file kept as it is (a chunk's file is read again by the joiner, which writes every
        object out anew)."""
        buffer = io.BytesIO()
        if compact:
            self.out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        else:
            self.out.save(buffer)
        self.out.close()
        return buffer.getvalue()


def page_layers(assembly: Assembly, index: int) -> list[list[tuple[str, int]]]:
    """For each page of letter ``index``, the layer pages drawn on it, bottom first, as (layer,
    page index in that layer): "shared", "signer", "sources" or "numbers"."""
    layer = assembly.shared[assembly.groups[index]]
    first, count = assembly.end_pages[index]
    pages = []
    for number in range(assembly.total_pages(index)):
        layers: list[tuple[str, int]] = []
        if number < layer.pages:
            layers.append(("shared", number))
        if number == 0:
            layers.append(("signer", index))  # the sender pages come first, one a letter
        end_page = number - (layer.pages - 1)
        if 0 <= end_page < count:
            layers.append(("signer", first + end_page))
        elif end_page >= count and layer.sources_pdf is not None:
            layers.append(("sources", end_page - count))
        layers.append(("numbers", number))
        pages.append(layers)
    return pages


def _add_letter(assembly: Assembly, index: int, files: _Files) -> None:
    key = assembly.groups[index]
    by_name = {"shared": files.shared[key], "signer": files.signer,
               "sources": files.sources.get(key),
               "numbers": files.numbers[assembly.total_pages(index)]}
    for layers in page_layers(assembly, index):
        _page(files.out, [(by_name[name], page) for name, page in layers])


def composed_text(assembly: Assembly, index: int, signer_text: Callable[[int], Counter],
                  numbers_text: tuple[Counter, ...]) -> list[Counter]:
    """What each page of letter ``index`` draws once assembled: the sum of its layer pages."""
    layer = assembly.shared[assembly.groups[index]]
    by_name = {"shared": layer.text.__getitem__, "signer": signer_text,
               "sources": layer.sources_text.__getitem__, "numbers": numbers_text.__getitem__}
    return [sum((by_name[name](page) for name, page in layers), Counter())
            for layers in page_layers(assembly, index)]


def assemble(assembly: Assembly) -> bytes:
    """All the chunk's letters in one PDF."""
    opened = _Opened(assembly)
    try:
        files = _Files(opened, _new_file(assembly, None))
        for index in range(len(assembly.groups)):
            _add_letter(assembly, index, files)
        return files.write()
    finally:
        opened.close()


def assemble_each(assembly: Assembly, authors: Sequence[str]) -> list[bytes]:
    """One PDF per letter, each with its signer as the author. The per-signer layers are one PDF
    for the whole chunk, whose fonts hold the glyphs of every signer's name and words: in each
    letter's file they are cut down to the glyphs that letter draws (glyphs.py)."""
    opened = _Opened(assembly)
    read_before: dict = {}  # the per-signer layers' fonts, read once for all the files
    try:
        letters = []
        for index in range(len(assembly.groups)):
            files = _Files(opened, _new_file(assembly, authors[index]))
            _add_letter(assembly, index, files)
            try:
                glyphs.keep_drawn_glyphs(files.out, files.signer.forms(), read_before)
            except glyphs.UnknownDrawing as exc:
                raise NotComposable(f"a letter's own fonts cannot be cut down to its glyphs "
                                    f"({exc})") from exc
            letters.append(files.write(compact=True))
        return letters
    finally:
        opened.close()


# --- The check ----------------------------------------------------------------------------------

# Layers are placed by measured heights written with four decimals: the same line may sit a
# ten-thousandth of a pixel away from where the full layout puts it.
_SAME_HEIGHT = 0.01


def same_letter(composed: Sequence[Counter], full: Sequence[Counter]) -> bool:
    """Whether each page draws the same texts at the same heights (``page_text``)."""
    return len(composed) == len(full) and all(map(_same_page, composed, full))


def _same_page(composed: Counter, full: Counter) -> bool:
    a, b = _heights(composed), _heights(full)
    return a.keys() == b.keys() and all(
        len(a[text]) == len(b[text])
        and all(abs(p - q) <= _SAME_HEIGHT for p, q in zip(a[text], b[text], strict=True))
        for text in a)


def _heights(drawn: Counter) -> dict[str, list[float]]:
    by_text: dict[str, list[float]] = {}
    for (text, height), count in drawn.items():
        by_text.setdefault(text, []).extend([height] * count)
    return {text: sorted(heights) for text, heights in by_text.items()}


def check(composed: Sequence[Counter], full: Callable[[], Sequence[Counter]]) -> None:
    """Refuses a composition whose pages do not draw the same texts at the same heights as the
    pages of the same letter laid out in full (``page_text`` of both)."""
    if not same_letter(composed, full()):
        raise NotComposable("the composed letter differs from its full layout")
