"""Joins the parts of a delivery packet into one PDF and numbers its pages "n / N".

The parts (cover letter, annex chunks, sources) are separate PDFs; their page numbers are stamped
after merging, so the numbering runs across the whole packet whatever each part's length. The
stamp is a few bytes of content stream per page in a standard PDF font (Helvetica: digits, a
space and a slash need no embedding), drawn after the page's own content, which is wrapped in
``q … Q`` so that whatever graphics state it leaves behind cannot move the number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from campaign.storage.files import write_atomically

FONT_SIZE = 8.0
# Helvetica advance widths (per 1000 em) of the characters a page number uses.
_WIDTHS = {**dict.fromkeys("0123456789", 556), " ": 278, "/": 278}
_FONT_NAME = "/CampaignPageNo"
_GAP = 250  # thousandths of an em


def _text_width(text: str, size: float) -> float:
    return sum(_WIDTHS[c] for c in text) * size / 1000


def _stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)  # noqa: SLF001 - pypdf's way to add an indirect object


def merge_and_number(parts: Sequence[Path], out_path: Path, *, title: str = "",
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Writes ``parts`` in order as one PDF at ``out_path`` (atomically: a temporary file in the
    same folder, then a rename) with "n / N" at the foot of every page; returns N."""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(part), import_outline=False)
    total = len(writer.pages)

    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    font_ref = writer._add_object(font)  # noqa: SLF001
    save_ref = _stream(writer, b"q\n")
    for number, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        label = f"{number} / {total}"
        width = _text_width(label, FONT_SIZE) + 2 * _GAP * FONT_SIZE / 1000
        x = float(box.left) + (float(box.width) - width) / 2
        y = float(box.bottom) + 22.0
        # Extra space around the slash (TJ offsets), so text extraction reads "n / N".
        stamp = (f"Q q BT {_FONT_NAME} {FONT_SIZE:g} Tf 0.25 g 1 0 0 1 {x:.2f} {y:.2f} Tm "
                 f"[({number} ) -{_GAP} (/) -{_GAP} ( {total})] TJ ET Q\n").encode("ascii")
        contents = page.get("/Contents")
        existing = list(contents) if isinstance(contents, ArrayObject) else (
            [contents] if contents is not None else [])
        page[NameObject("/Contents")] = ArrayObject(
            [save_ref, *existing, _stream(writer, stamp)])
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else DictionaryObject()
        fonts[NameObject(_FONT_NAME)] = font_ref
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        if progress and number % 200 == 0:
            progress(number, total)
    if title:
        writer.add_metadata({"/Title": title})
    write_atomically(out_path, writer.write)
    return total
