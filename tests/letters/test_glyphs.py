"""A letter written to a file of its own (``campaign letter batch -o DIR/``, the mail-merge ZIP)
holds nothing of the other signers of its batch: no glyph of their names or words in its fonts,
no character of theirs in the fonts' maps (campaign/letters/glyphs.py)."""

from __future__ import annotations

import io
import logging
import subprocess

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from campaign.letters import compose, glyphs
from campaign.letters import pdf as pdf_module
from campaign.letters.merge import SignerDetails
from tests.letters.conftest import pdf_text

SLUG = "stop-forced-repatriation"
# Each batch: a signer, and a second one whose name and words have characters the first
# one's letter does not.
SIGNERS = {
    "en": (SignerDetails("Zoë Kowalczyk", "PL", "Łódź", "90-001", "Proszę działać."),
           SignerDetails("Søren Ødegård-Ñúñez", "NO", "Tromsø", "9008", "Gjør noe nå!")),
    "ko": (SignerDetails("김민준", "KR", "부산", "48058", "저는 탈북민의 가족입니다."),
           SignerDetails("뷁똠퀭", "KR", "춘천", "24341", "꽹과리 쳤뉘 읊조려요.")),
    "zh_Hans": (SignerDetails("王小明", "CN", "上海", "200000", "请立即行动。"),
                SignerDetails("欧阳靖", "CN", "漯河", "462000", "鼋鼍蚍蜉，皆吾所念。")),
}


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


def foreign_characters(engine, campaign, locale: str, swap: bool = False) -> set[str]:
    """The characters of the second signer's name and words that the first one's letter, laid
    out on its own, does not draw (or the other way round)."""
    mine, other = SIGNERS[locale][::-1] if swap else SIGNERS[locale]
    alone = pdf_text(engine.letter_pdf(campaign, "emb-us", mine, locale=locale))
    foreign = set(other.name + other.city + other.message) - set(alone)
    assert len(foreign) >= 2
    return foreign


def letters_each(engine, campaign, signers, locale: str, bilingual: str | None = None):
    """The letters of one chunk of a batch, one PDF each (as ``batch_files`` writes them)."""
    plan = engine.plan(campaign, "emb-us", locale, bilingual)
    return engine.composed_chunk(plan, list(signers), each=True)


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans"])
def test_composed_letter_holds_no_character_of_another_signer(shipped, locale):
    engine, campaign = shipped
    mine, other = SIGNERS[locale]
    pdf, others = letters_each(engine, campaign, [mine, other], locale)
    assert not foreign_characters(engine, campaign, locale) & mapped_characters(pdf)
    text = pdf_text(pdf)
    assert mine.name in text and other.name not in text
    assert other.name in pdf_text(others)
    # The shared layers were laid out with the first letter, its sender block hidden.
    assert not foreign_characters(engine, campaign, locale, swap=True) & \
        mapped_characters(others)
    assert mine.name not in pdf_text(others)


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans"])
def test_composed_letter_has_the_same_fonts_whoever_else_signs(shipped, locale):
    # Glyph outlines included: the fonts are the same, byte for byte, as in a batch of one.
    engine, campaign = shipped
    mine, other = SIGNERS[locale]
    [alone] = letters_each(engine, campaign, [mine], locale)
    with_other = letters_each(engine, campaign, [other, mine], locale)
    assert fonts_of(with_other[1]) == fonts_of(alone)


def test_batch_files_hold_no_character_of_other_signers(shipped, tmp_path):
    engine, campaign = shipped
    mine, other = SIGNERS["ko"]
    signers = [mine, other, *(SignerDetails(f"{mine.name}{i}", "KR") for i in range(4))]
    paths = engine.batch_files(campaign, "emb-us", signers, tmp_path / "out", locale="ko")
    assert len(paths) == 6
    assert not foreign_characters(engine, campaign, "ko") & \
        mapped_characters(paths[0].read_bytes())
    assert [s.name in pdf_text(p.read_bytes()) for s, p in zip(signers, paths, strict=True)] \
        == [True] * 6


def images(pdf: bytes, folder, name: str) -> list[bytes]:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(folder / f"{name}.pdf"),
                    str(folder / name)], check=True)
    return [p.read_bytes() for p in sorted(folder.glob(f"{name}-*.pgm"))]


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans"])
def test_composed_letter_looks_like_the_same_letter_in_a_batch_pdf(shipped, tmp_path, locale):
    engine, campaign = shipped
    mine, other = SIGNERS[locale]
    _other, letter = letters_each(engine, campaign, [other, mine], locale)
    batch = engine.batch_pdf(campaign, "emb-us", [mine], locale=locale)
    assert images(letter, tmp_path, "letter") == images(batch, tmp_path, "batch")


def test_composed_letter_keeps_a_character_no_font_has(shipped, tmp_path):
    # WeasyPrint draws it with glyph 0 under a code of its own, whose text is the character.
    engine, campaign = shipped
    mine = SignerDetails("Ann \U0010fffd Lee", "GB", message="\U000f0001")
    _other, letter = letters_each(engine, campaign, [SIGNERS["en"][1], mine], "en")
    text = pdf_text(letter)
    assert "Ann \U0010fffd Lee" in text and "\U000f0001" in text
    batch = engine.batch_pdf(campaign, "emb-us", [mine], locale="en")
    assert images(letter, tmp_path, "letter") == images(batch, tmp_path, "batch")


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


def test_letter_drawing_what_is_not_read_is_laid_out_in_full(shipped, monkeypatch, caplog):
    engine, campaign = shipped
    mine, other = SIGNERS["ko"]

    def unknown(pdf, forms, read_before=None):
        raise glyphs.UnknownDrawing("a Type3 font")

    monkeypatch.setattr(glyphs, "keep_drawn_glyphs", unknown)
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        pdf, _others = letters_each(engine, campaign, [mine, other], "ko")
    assert "cannot be cut down to its glyphs" in caplog.text
    assert not foreign_characters(engine, campaign, "ko") & mapped_characters(pdf)
    assert mine.name in pdf_text(pdf)


def _form_with(pdf: pikepdf.Pdf, content: bytes, resources: pikepdf.Dictionary):
    return pdf.make_stream(content, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, 10, 10], Resources=resources)


def test_a_simple_font_is_not_read():
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    form = _form_with(pdf, b"BT /F1 12 Tf (Hi) Tj ET",
                      pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    with pytest.raises(glyphs.UnknownDrawing, match="Type1"):
        glyphs.keep_drawn_glyphs(pdf, [form])


def test_a_pattern_is_dropped_unless_drawn_and_then_read():
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    pattern = pdf.make_stream(b"BT /F1 12 Tf (Hi) Tj ET", PatternType=1, PaintType=1,
                              TilingType=1, BBox=[0, 0, 1, 1], XStep=1, YStep=1,
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    form = _form_with(pdf, b"0 0 1 1 re f",
                      pikepdf.Dictionary(Pattern=pikepdf.Dictionary(P1=pattern)))
    glyphs.keep_drawn_glyphs(pdf, [form])
    assert "/P1" not in form.Resources.Pattern
    form = _form_with(pdf, b"/Pattern cs /P1 scn 0 0 1 1 re f",
                      pikepdf.Dictionary(Pattern=pikepdf.Dictionary(P1=pattern)))
    with pytest.raises(glyphs.UnknownDrawing, match="Type1"):
        glyphs.keep_drawn_glyphs(pdf, [form])


def test_a_font_no_page_shows_text_with_is_dropped(shipped):
    engine, campaign = shipped
    pdf = engine.letter_pdf(campaign, "emb-us", SIGNERS["ko"][0], locale="ko")
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as letter:
        page = letter.pages[0]
        fonts = page.Resources.Font
        form = _form_with(letter, b"q Q", page.Resources)
        assert len(fonts.keys()) > 0
        glyphs.keep_drawn_glyphs(letter, [form])
        assert len(form.Resources.Font.keys()) == 0


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans"])
def test_composed_letter_file_fonts_hold_no_empty_glyphs(shipped, locale):
    # Every layer's fonts (a CJK subset keeps some 60,000 empty glyphs as WeasyPrint writes
    # it) hold only the glyphs drawn: each layer has its own subset of a font, none larger
    # than that font in the letter laid out alone.
    engine, campaign = shipped
    mine, other = SIGNERS[locale]
    letter, _other = letters_each(engine, campaign, [mine, other], locale)
    alone = engine.letter_pdf(campaign, "emb-us", mine, locale=locale)
    largest = {}
    for name, program, *_rest in fonts_of(alone):
        largest[name] = max(largest.get(name, 0), len(program))
    for name, program, *_rest in fonts_of(letter):
        assert len(program) <= largest[name]


@pytest.mark.parametrize("locale", ["ko", "zh_Hans"])
def test_composed_letter_file_looks_and_reads_like_the_letter_alone(shipped, tmp_path, locale):
    engine, campaign = shipped
    mine, other = SIGNERS[locale]
    _other, letter = letters_each(engine, campaign, [other, mine], locale)
    alone = engine.letter_pdf(campaign, "emb-us", mine, locale=locale)
    assert images(letter, tmp_path, "letter") == images(alone, tmp_path, "alone")
    assert pdf_text(letter) == pdf_text(alone)


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans"])
def test_a_layer_cut_down_to_its_glyphs_looks_and_reads_the_same(shipped, tmp_path, locale,
                                                                  monkeypatch):
    # As WeasyPrint subsets fonts itself (a layer whose fonts are left to it).
    monkeypatch.setattr(pdf_module, "COMPACT_SUBSETS", False)
    engine, campaign = shipped
    pdf = engine.letter_pdf(campaign, "emb-us", SIGNERS[locale][0], locale=locale)
    compact = glyphs.compact_layer(pdf)
    assert len(compact) < len(pdf) / 2
    assert images(compact, tmp_path, "compact") == images(pdf, tmp_path, "pdf")
    assert pdf_text(compact) == pdf_text(pdf)
    for name in ("compact", "pdf"):
        text = subprocess.run(["pdftotext", str(tmp_path / f"{name}.pdf"), "-"], check=True,
                              capture_output=True).stdout
        (tmp_path / f"{name}.txt").write_bytes(text)
    assert (tmp_path / "compact.txt").read_bytes() == (tmp_path / "pdf.txt").read_bytes()


def test_a_layer_with_an_annotation_drawing_is_kept_as_written(shipped):
    engine, campaign = shipped
    pdf = engine.letter_pdf(campaign, "emb-us", SIGNERS["ko"][0], locale="ko")
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as letter:
        appearance = letter.make_stream(b"q Q", Type=pikepdf.Name.XObject,
                                        Subtype=pikepdf.Name.Form, BBox=[0, 0, 1, 1],
                                        Resources=letter.pages[0].Resources)
        letter.pages[0].obj.Annots = letter.make_indirect(pikepdf.Array([
            letter.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square, Rect=[0, 0, 1, 1],
                AP=pikepdf.Dictionary(N=appearance)))]))
        buffer = io.BytesIO()
        letter.save(buffer)
    with pytest.raises(glyphs.UnknownDrawing, match="not read"):
        glyphs.compact_layer(buffer.getvalue())
    assert compose.compact(buffer.getvalue()) == buffer.getvalue()


def test_letters_are_composed_with_layers_kept_as_written_when_they_cannot_be_cut(
        shipped, monkeypatch, tmp_path, caplog):
    engine, campaign = shipped
    mine, other = SIGNERS["ko"]

    def broken(pdf):
        raise KeyError("/DescendantFonts")

    monkeypatch.setattr(pdf_module, "COMPACT_SUBSETS", False)  # the layers need cutting
    monkeypatch.setattr(glyphs, "compact_layer", broken)
    with caplog.at_level(logging.WARNING, logger="campaign.letters.compose"):
        letter, _other = letters_each(engine, campaign, [mine, other], "ko")
    assert "kept as written" in caplog.text
    alone = engine.letter_pdf(campaign, "emb-us", mine, locale="ko")
    assert images(letter, tmp_path, "letter") == images(alone, tmp_path, "alone")
    assert mine.name in pdf_text(letter)
