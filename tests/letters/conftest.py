"""Fixtures of the letters tests: a small demo campaign with translations in every shipped
language, an engine on it, and helpers to read PDFs back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from campaign.content import load_campaign
from campaign.letters.engine import LetterEngine
from campaign.letters.merge import SignerDetails
from campaign.settings import PROJECT_ROOT

DATA = Path(__file__).parent / "data"
LOCALES = ["en", "ko", "zh_Hans", "ja", "fr", "de", "es", "ar"]
SHIPPED_SLUG = "stop-forced-repatriation"


@pytest.fixture
def demo_letters(tmp_path) -> Path:
    """letters/ with the demo campaign and the shipped layout."""
    target = tmp_path / "letters"
    shutil.copytree(DATA / "letters", target)
    shutil.copytree(PROJECT_ROOT / "letters" / "_layout", target / "_layout")
    return target


@pytest.fixture
def demo_locales(tmp_path) -> Path:
    """The demo translations, compiled to .mo as the app reads them."""
    target = tmp_path / "locales"
    shutil.copytree(DATA / "locales", target)
    for po in target.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        with po.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)
    return target


@pytest.fixture
def engine(demo_letters, demo_locales, tmp_path) -> LetterEngine:
    static = tmp_path / "static"
    static.mkdir()
    return LetterEngine(demo_letters, static, demo_locales, processes=1)


@pytest.fixture
def demo(demo_letters):
    return load_campaign(demo_letters, "demo")


@pytest.fixture
def shipped(tmp_path):
    """The shipped campaign (its embassy letter runs over several pages, with notes on each)
    in a copy, so that a test may change its stylesheet: (engine, campaign)."""
    letters = tmp_path / "letters"
    shutil.copytree(PROJECT_ROOT / "letters" / SHIPPED_SLUG, letters / SHIPPED_SLUG)
    shutil.copytree(PROJECT_ROOT / "letters" / "_layout", letters / "_layout")
    engine = LetterEngine(letters, PROJECT_ROOT / "static", PROJECT_ROOT / "locales",
                          processes=1)
    return engine, load_campaign(letters, SHIPPED_SLUG)


@pytest.fixture
def signer() -> SignerDetails:
    return SignerDetails(name="Jane Doe", country="GB", city="London", postcode="N1 9GU",
                         message="I write as a teacher.\n\nPlease act now.")


@pytest.fixture
def letters_app(make_app, demo_letters, demo_locales):
    return make_app(LETTERS_DIR=str(demo_letters), LOCALES_DIR=str(demo_locales),
                    PREVIEW_OPEN=True, LETTERS_PROCESSES=1)


def without_dates(pdf: bytes) -> bytes:
    """The PDF without its creation and modification dates, to compare two writes of it."""
    return re.sub(rb"/(CreationDate|ModDate) \(.*?\)", b"", pdf)


def pdf_text(pdf: bytes) -> str:
    """The text as ``pdftotext`` gives it back, in reading order."""
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                            capture_output=True, check=True)
    # pdftotext wraps right-to-left runs in bidi embedding marks; they are not in the PDF.
    return "".join(ch for ch in result.stdout.decode("utf-8")
                   if unicodedata.category(ch) != "Cf")


def pdf_fonts(pdf: bytes) -> str:
    result = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=False)
    if result.returncode != 0:  # older poppler reads no stdin
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            result = subprocess.run(["pdffonts", handle.name], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def _glyph_has_outline(font, gid: int) -> bool:
    from fontTools.pens.boundsPen import BoundsPen

    order = font.getGlyphOrder()
    if gid <= 0 or gid >= len(order):
        return False
    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[order[gid]].draw(pen)
    return pen.bounds is not None


def _to_unicode(cmap_stream: bytes) -> dict[int, str]:
    found: dict[int, str] = {}
    for cid, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", cmap_stream):
        raw = bytes.fromhex(text.decode())
        if len(raw) % 2 == 0 and len(cid) <= 4:
            found[int(cid, 16)] = raw.decode("utf-16-be", errors="replace")
    return found


def embedded_codepoints(pdf: bytes) -> set[int]:
    """Every character the fonts embedded in the PDF really draw: those in their cmaps, and
    those drawn with an alternate glyph (e.g. a CJK font's apostrophe), when the glyph the PDF
    uses for them exists in the embedded font program and has an outline. A character a font
    lacks is drawn with no such glyph, so it is not counted."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    covered: set[int] = set()
    reader = PdfReader(io.BytesIO(pdf))
    seen: set[int] = set()
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            holder = descendants[0].get_object() if descendants else font
            descriptor = holder["/FontDescriptor"].get_object()
            for key in ("/FontFile2", "/FontFile3"):
                if key not in descriptor:
                    continue
                program = TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
                covered.update(program.getBestCmap() or {})
                if "/ToUnicode" in font:
                    mapping = _to_unicode(font["/ToUnicode"].get_object().get_data())
                    for cid, text in mapping.items():
                        if _glyph_has_outline(program, cid):
                            covered.update(ord(ch) for ch in text)
    return covered
