"""A letter written to a file of its own (``campaign letter batch -o DIR/``, the mail-merge ZIP)
holds nothing of the other signers of its batch: no glyph of their names or words in its fonts,
no character of theirs in the fonts' maps."""

from __future__ import annotations

import io
import shutil

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from campaign.content import load_campaign
from campaign.letters.engine import LetterEngine
from campaign.letters.merge import SignerDetails
from campaign.settings import PROJECT_ROOT
from tests.letters.conftest import pdf_text

SLUG = "stop-forced-repatriation"
# Each batch: a signer, and a second one whose name and words have characters the first
# one's letter does not.
SIGNERS = {
    "en": (SignerDetails("Ann Lee", "GB", "Leeds", "LS1 1AA", "Please act."),
           SignerDetails("Søren Ødegård-Ñúñez", "NO", "Tromsø", "9008", "Gjør noe nå!")),
    "ko": (SignerDetails("김민준", "KR", "부산", "48058", "저는 탈북민의 가족입니다."),
           SignerDetails("뷁똠퀭", "KR", "춘천", "24341", "꽹과리 쳤뉘 읊조려요.")),
    "zh_Hans": (SignerDetails("王小明", "CN", "上海", "200000", "请立即行动。"),
                SignerDetails("欧阳靖", "CN", "漯河", "462000", "鼋鼍蚍蜉，皆吾所念。")),
}


@pytest.fixture
def shipped(tmp_path):
    letters = tmp_path / "letters"
    shutil.copytree(PROJECT_ROOT / "letters" / SLUG, letters / SLUG)
    shutil.copytree(PROJECT_ROOT / "letters" / "_layout", letters / "_layout")
    engine = LetterEngine(letters, PROJECT_ROOT / "static", PROJECT_ROOT / "locales",
                          processes=1)
    return engine, load_campaign(letters, SLUG)


def fonts_of(pdf: bytes) -> list[tuple]:
    """Every Type 0 font embedded in the PDF, wherever it is used (pages, forms): its name, its
    program, its encoding, its ToUnicode map and its widths."""
    found = []
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" \
                    and obj.get("/Subtype") == "/Type0":
                descendant = obj.DescendantFonts[0]
                descriptor = descendant.FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                encoding = obj.Encoding
                found.append((str(obj.BaseFont), program.read_bytes(),
                              encoding.read_bytes() if isinstance(encoding, pikepdf.Stream)
                              else str(encoding),
                              obj.ToUnicode.read_bytes(), repr(descendant.get("/W"))))
    return sorted(found)


def mapped_characters(pdf: bytes) -> set[str]:
    """Every character an embedded font maps: in its program's cmap or its ToUnicode map."""
    from tests.letters.conftest import _to_unicode

    found: set[str] = set()
    for _name, program, _encoding, to_unicode, _widths in fonts_of(pdf):
        found.update(chr(c) for c in TTFont(io.BytesIO(program)).getBestCmap() or {})
        found.update("".join(_to_unicode(to_unicode).values()))
    return found


def foreign_characters(engine, campaign, locale: str) -> set[str]:
    """The characters of the second signer's name and words that the first one's letter, laid
    out on its own, does not draw."""
    mine, other = SIGNERS[locale]
    alone = pdf_text(engine.letter_pdf(campaign, "emb-us", mine, locale=locale))
    foreign = set(other.name + other.city + other.message) - set(alone)
    assert len(foreign) >= 3
    return foreign


def letters_each(engine, campaign, signers, locale: str, bilingual: str | None = None):
    """The letters of one chunk of a batch, one PDF each (as ``batch_files`` writes them)."""
    plan = engine.plan(campaign, "emb-us", locale, bilingual)
    return engine.composed_chunk(plan, list(signers), each=True)


@pytest.mark.parametrize("locale", ["ko", "zh_Hans"])
def test_letters_laid_out_in_full_hold_no_character_of_another_signer(shipped, locale):
    # Bilingual letters are not composed: the chunk is laid out as one document.
    engine, campaign = shipped
    mine, other = SIGNERS[locale]
    pdf, others = letters_each(engine, campaign, [mine, other], locale, bilingual="en")
    assert not foreign_characters(engine, campaign, locale) & mapped_characters(pdf)
    text = pdf_text(pdf)
    assert mine.name in text and other.name not in text
    assert other.name in pdf_text(others)
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as letter:
        assert str(letter.docinfo.Author) == mine.name
