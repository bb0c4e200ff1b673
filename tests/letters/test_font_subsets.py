"""The letters' PDFs embed each font subset to the glyphs drawn, renumbered, without the empty
glyphs WeasyPrint's own subsets keep (campaign/letters/pdf.py), and look and read the same."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from campaign.letters import pdf as pdf_module
from campaign.letters.merge import SignerDetails
from tests.letters.conftest import LOCALES, pdf_text

# Latin, Han, Arabic and a character no font has (drawn with glyph 0, its text kept).
SIGNER = SignerDetails("Zoë 王小明 ﷺ \U000f0001", "CN", "上海", "200000",
                       "Ich bitte Sie.\n\n请立即行动。")


def letter(shipped, locale: str, monkeypatch, *, compact: bool,
           signer: SignerDetails = SIGNER) -> bytes:
    monkeypatch.setattr(pdf_module, "COMPACT_SUBSETS", compact)
    engine, campaign = shipped
    return engine.letter_pdf(campaign, "emb-us", signer, locale=locale)


def page_images(pdf: bytes, folder, name: str) -> list[bytes]:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(folder / f"{name}.pdf"),
                    str(folder / name)], check=True)
    return [p.read_bytes() for p in sorted(folder.glob(f"{name}-*.pgm"))]


def programs(pdf: bytes) -> list[tuple[str, bytes, object]]:
    """(name, program, encoding) of every Type 0 font embedded in the PDF."""
    found = []
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0":
                descriptor = obj.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                found.append((str(obj.BaseFont), program.read_bytes(), obj.Encoding))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_letter_with_compact_subsets_looks_like_weasyprints(shipped, tmp_path, monkeypatch,
                                                            locale):
    compact = letter(shipped, locale, monkeypatch, compact=True)
    plain = letter(shipped, locale, monkeypatch, compact=False)
    assert page_images(compact, tmp_path, "compact") == page_images(plain, tmp_path, "plain")


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_letter_with_compact_subsets_reads_like_weasyprints(shipped, monkeypatch, locale):
    compact = letter(shipped, locale, monkeypatch, compact=True)
    plain = letter(shipped, locale, monkeypatch, compact=False)
    assert pdf_text(compact) == pdf_text(plain)
    assert "Zoë 王小明" in pdf_text(compact)


def test_letter_with_compact_subsets_reads_the_same_in_pypdf(shipped, monkeypatch):
    # Text drawn with fonts whose encoding is Identity-H, as WeasyPrint writes them when every
    # character has a font: readers that know no embedded encoding CMap (pypdf) read it too.
    signer = SignerDetails("Zoë 王小明", "CN", "上海", message="请立即行动。")
    compact = letter(shipped, "zh_Hans", monkeypatch, compact=True, signer=signer)
    plain = letter(shipped, "zh_Hans", monkeypatch, compact=False, signer=signer)
    assert {str(encoding) for _n, _p, encoding in programs(compact)} == {"/Identity-H"}
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(compact)).pages]
    assert pages == [p.extract_text() for p in PdfReader(io.BytesIO(plain)).pages]
    assert "王小明" in pages[0]


def test_letter_fonts_hold_only_the_glyphs_drawn(shipped, monkeypatch):
    compact = letter(shipped, "zh_Hans", monkeypatch, compact=True)
    with pikepdf.Pdf.open(io.BytesIO(compact)) as document:
        drawn = {str(obj.BaseFont): len(obj.ToUnicode.read_bytes().split(b"\n"))
                 for obj in document.objects if isinstance(obj, pikepdf.Dictionary)
                 and obj.get("/Subtype") == "/Type0"}
    for name, program, _encoding in programs(compact):
        glyphs = TTFont(io.BytesIO(program))["maxp"].numGlyphs
        assert glyphs <= drawn[name]  # a glyph per code drawn, and .notdef


def test_letter_with_compact_subsets_is_smaller(shipped, monkeypatch):
    compact = letter(shipped, "zh_Hans", monkeypatch, compact=True)
    plain = letter(shipped, "zh_Hans", monkeypatch, compact=False)
    assert len(compact) < len(plain) / 2


def test_text_drawn_otherwise_is_left_to_weasyprint(shipped, monkeypatch, tmp_path):
    # A write whose text this module cannot read is subset by WeasyPrint, whole.
    monkeypatch.setattr(pdf_module, "_text_operations", lambda _pdf, _write: None)
    fallback = letter(shipped, "ko", monkeypatch, compact=True)
    plain = letter(shipped, "ko", monkeypatch, compact=False)
    assert fallback == plain


def test_font_files_kept_between_writes_stay_under_their_bound(shipped, monkeypatch):
    monkeypatch.setattr(pdf_module, "_FACE_DATA", {})
    monkeypatch.setattr(pdf_module, "_FACE_DATA_BYTES", 40_000_000)  # one CJK collection
    for locale in ("zh_Hans", "ko", "ja"):
        letter(shipped, locale, monkeypatch, compact=True)
    kept = pdf_module._FACE_DATA  # noqa: SLF001
    assert kept and sum(map(len, kept.values())) <= 40_000_000


def test_packet_part_writer_lets_go_of_font_files(tmp_path, monkeypatch):
    # An annex worker renders the cover letter, then draws signature chunks with fonts of its
    # own: the CJK font files (26 MB each) are not kept for it.
    from campaign.organizer.annex import HtmlPart, render_part

    monkeypatch.setattr(pdf_module, "_FACE_DATA", {})
    pages = render_part(HtmlPart(html="<p lang='zh'>王小明</p>", path=tmp_path / "part.pdf"))
    assert pages == 1 and (tmp_path / "part.pdf").read_bytes().startswith(b"%PDF")
    assert pdf_module._FACE_DATA == {}  # noqa: SLF001
