"""Letter HTML → PDF with WeasyPrint, fetching nothing but the project's own letter assets.

Everything that touches WeasyPrint lives here. The stylesheet is parsed once per renderer (a
``weasyprint.CSS`` object built from the file's text, never from a URL) and the font configuration
is shared, so a batch pays for CSS parsing and font loading once.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint import CSS, HTML
from weasyprint.layout import page as _layout_page  # noqa: F401 - imported for the hook below
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from campaign.letters.errors import LetterError

# What a letter may load: its stylesheets, images and fonts. No HTML, no SVG with scripts or
# external references of its own, nothing executable.
ALLOWED_SUFFIXES = {".css", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2",
                    ".ttf", ".otf"}
PDF_VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4b",
                "pdf/ua-1", "pdf/ua-2", "debug")

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
            return self._css[1]

    def write_pdf(self, html: str, *, pdf_variant: str | None = None) -> bytes:
        if pdf_variant and pdf_variant not in PDF_VARIANTS:
            raise LetterError(f"unknown PDF variant '{pdf_variant}' "
                              f"(choose from {', '.join(PDF_VARIANTS)})")
        options: dict[str, object] = {}
        if pdf_variant:
            options["pdf_variant"] = pdf_variant
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher())
        rendered = document.render(font_config=self.font_config,
                                   stylesheets=[self.stylesheet()], **options)
        out = io.BytesIO()
        rendered.write_pdf(out, **options)
        return out.getvalue()


def concatenate(parts: Sequence[bytes]) -> bytes:
    """Joins PDFs (chunks of a batch) into one, keeping the first part's metadata."""
    from pypdf import PdfReader, PdfWriter

    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for index, part in enumerate(parts):
        reader = PdfReader(io.BytesIO(part))
        writer.append(reader, import_outline=False)
        if index == 0 and reader.metadata:
            writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def split_letters(pdf: bytes, count: int, authors: Sequence[str] = ()) -> list[bytes]:
    """Cuts a chunk of ``count`` letters into one PDF per letter, at the named destinations
    ``letter-<i>`` that WeasyPrint writes for each letter's id."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    starts = {}
    for name, destination in reader.named_destinations.items():
        if str(name).startswith("letter-"):
            starts[int(str(name).removeprefix("letter-"))] = \
                reader.get_destination_page_number(destination)
    if sorted(starts) != list(range(count)):
        raise LetterError("could not find where each letter starts in the rendered chunk")
    bounds = [starts[i] for i in range(count)] + [len(reader.pages)]
    letters = []
    for index, (first, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        writer = PdfWriter()
        for number in range(first, end):
            writer.add_page(reader.pages[number])
        metadata = {k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)}
        if index < len(authors):
            metadata["/Author"] = authors[index]
        writer.add_metadata(metadata)
        out = io.BytesIO()
        writer.write(out)
        letters.append(out.getvalue())
    return letters


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


def _make_margin_boxes(context, page, state):
    numbering = _letter_numbering(context)
    if numbering and len(state) == 4:
        number, total = numbering[context.current_page - 1]
        quote_depth, counter_values, counter_scopes, page_groups = state
        counter_values = {**counter_values, "page": [number], "pages": [total]}
        state = (quote_depth, counter_values, counter_scopes, page_groups)
    return _original_make_margin_boxes(context, page, state)


if getattr(weasyprint.layout.make_margin_boxes, "__name__", "") != "_make_margin_boxes":
    weasyprint.layout.make_margin_boxes = _make_margin_boxes
