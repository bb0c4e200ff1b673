"""PDF output: every script with its own fonts, metadata, text order, page numbers, variants."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from campaign.letters.merge import SignerDetails
from tests.letters.conftest import (
    LOCALES,
    embedded_codepoints,
    pdf_fonts,
    pdf_text,
    without_dates,
)

PAGE_NUMBER = r"^(\d+) ?/ ?(\d+)$"

SIGNERS = {
    "en": SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "I write as a teacher."),
    "ko": SignerDetails("김민준", "KR", "부산", "48058", "저는 탈북민의 가족입니다."),
    "zh_Hans": SignerDetails("王小明", "CN", "上海", "200000", "请停止强制遣返。"),
    "ja": SignerDetails("山田花子", "JP", "東京", "100-0001", "強制送還をやめてください。"),
    "fr": SignerDetails("Zoë Lefèvre", "FR", "Besançon", "25000", "Je vous écris à cœur ouvert."),
    "de": SignerDetails("Jürgen Groß", "DE", "Köln", "50667", "Mit freundlichen Grüßen."),
    "es": SignerDetails("Íñigo Muñoz", "ES", "Logroño", "26001", "¿Por qué? ¡Ahora!"),
    "ar": SignerDetails("ليلى حسن", "EG", "القاهرة", "11511", "أرجو وقف الإعادة القسرية."),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One PDF per shipped locale (rendering is the slow part, so it is shared)."""
    import shutil

    from campaign.content import load_campaign
    from campaign.letters.engine import LetterEngine
    from campaign.settings import PROJECT_ROOT
    from tests.letters.conftest import DATA

    root = tmp_path_factory.mktemp("pdf")
    shutil.copytree(DATA / "letters", root / "letters")
    shutil.copytree(PROJECT_ROOT / "letters" / "_layout", root / "letters" / "_layout")
    shutil.copytree(DATA / "locales", root / "locales")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (root / "locales").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle, po.with_suffix(".mo").open("wb") as out:
            write_mo(out, read_po(handle))
    (root / "static").mkdir()
    engine = LetterEngine(root / "letters", root / "static", root / "locales", processes=1)
    campaign = load_campaign(root / "letters", "demo")
    return {loc: engine.letter_pdf(campaign, "emb-us", SIGNERS[loc], locale=loc)
            for loc in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_embedded_fonts_cover_every_character(rendered, locale):
    text = pdf_text(rendered[locale])
    covered = embedded_codepoints(rendered[locale])
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in covered}
    assert not missing, f"no glyph for {sorted(missing)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_text_shows_signer_and_translated_body(rendered, locale):
    text = " ".join(pdf_text(rendered[locale]).split())
    signer = SIGNERS[locale]
    # Visual order puts a right-to-left sentence's final stop first: compare without it.
    assert signer.name in text and signer.message.rstrip(".。") in text


def test_korean_letter_uses_korean_serif_font(rendered):
    assert "Noto-Serif-CJK-KR" in pdf_fonts(rendered["ko"])


def test_chinese_letter_uses_simplified_chinese_font(rendered):
    assert "Noto-Serif-CJK-SC" in pdf_fonts(rendered["zh_Hans"])


def test_arabic_letter_uses_naskh_font(rendered):
    assert "Noto-Naskh-Arabic" in pdf_fonts(rendered["ar"])


def test_fonts_are_embedded_and_subset(rendered):
    rows = [line.split() for line in pdf_fonts(rendered["ja"]).splitlines()[2:] if line]
    assert rows and all(row[-5:-3] == ["yes", "yes"] for row in rows)


def test_metadata_has_title_author_and_language(rendered):
    reader = PdfReader(io.BytesIO(rendered["ko"]))
    assert reader.metadata.title.startswith("대사관에 보내는 서한 — ")
    assert reader.metadata.author == "김민준"
    assert reader.trailer["/Root"]["/Lang"] == "ko"


def test_text_reads_in_order(rendered):
    text = " ".join(pdf_text(rendered["en"]).split())
    order = ["Jane Doe", "Embassy of the People’s Republic of China", "Washington, D.C. 20008",
             "An appeal to end forced returns", "Your Excellency,", "We write with respect",
             "In my own words:", "Respectfully yours,", "Sources"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_footnote_texts_are_printed(rendered):
    text = " ".join(pdf_text(rendered["en"]).split())
    assert "1. Convention relating to the Status of Refugees, art. 33." in text


def test_pages_are_numbered_n_of_total(rendered):
    text = pdf_text(rendered["en"])
    total = len(PdfReader(io.BytesIO(rendered["en"])).pages)
    assert re.findall(PAGE_NUMBER, text, re.MULTILINE) == \
        [(str(n), str(total)) for n in range(1, total + 1)]


def test_batch_numbers_pages_per_letter(engine, demo):
    long = SignerDetails("Long Letter", "GB", message="\n\n".join(["Lorem ipsum dolor sit amet, "
                                                                    "consectetur. " * 10] * 8))
    short = SignerDetails("Short Letter", "GB")
    pdf = engine.batch_pdf(demo, "emb-us", [short, long, short], locale="en")
    numbers = [(int(n), int(total))
               for n, total in re.findall(PAGE_NUMBER, pdf_text(pdf), re.MULTILINE)]
    letters: list[list[tuple[int, int]]] = []
    for number in numbers:
        if number[0] == 1:
            letters.append([])
        letters[-1].append(number)
    totals = [len(letter) for letter in letters]
    assert [letter == [(n, len(letter)) for n in range(1, len(letter) + 1)]
            for letter in letters] == [True, True, True]
    assert totals[0] == totals[2] < totals[1]


def test_batch_puts_every_letter_in_one_pdf(engine, demo):
    signers = [SignerDetails(f"Signer {i}", "FR") for i in range(5)]
    text = pdf_text(engine.batch_pdf(demo, "emb-de", signers, locale="fr", chunk_size=2))
    assert [f"Signer {i}" in text for i in range(5)] == [True] * 5


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3u"])
def test_pdf_variant_is_passed_to_weasyprint(engine, demo, signer, variant):
    pdf = engine.letter_pdf(demo, "emb-us", signer, locale="en", pdf_variant=variant)
    xmp = PdfReader(io.BytesIO(pdf)).xmp_metadata
    marker = b"pdfuaid" if variant == "pdf/ua-1" else b"pdfaid"
    assert xmp is not None and marker in xmp.stream.get_data()


def test_batch_files_writes_one_pdf_per_signer(engine, demo, tmp_path):
    signers = [SignerDetails("Ann", "GB"), SignerDetails("Bo", "SE")]
    paths = engine.batch_files(demo, "emb-gb", signers, tmp_path / "out", locale="en")
    assert [p.name for p in paths] == ["letter-00001.pdf", "letter-00002.pdf"]
    assert "Bo" in pdf_text(paths[1].read_bytes())


def test_font_check_detects_a_character_no_font_has(engine, demo):
    # Guards the coverage test above: a letter with a character no installed font draws
    # (a private-use code point) must be reported.
    pdf = engine.letter_pdf(demo, "emb-us", SignerDetails("Ann \U0010fffd", "GB"), locale="en")
    assert 0x10FFFD not in embedded_codepoints(pdf)
    assert 0x10FFFD in {ord(ch) for ch in pdf_text(pdf)}


def test_batch_files_sets_each_signer_as_author(engine, demo, tmp_path):
    signers = [SignerDetails("Ann", "GB"), SignerDetails("김민준", "KR")]
    paths = engine.batch_files(demo, "emb-gb", signers, tmp_path / "out", locale="en")
    assert PdfReader(paths[1]).metadata.author == "김민준"


def test_footnote_memory_leaves_a_batch_unchanged(engine, demo, monkeypatch):
    from campaign.letters import pdf as letters_pdf

    # Letters of different lengths, so the same notes fall on different pages and the remembered
    # heights are reused in other combinations than the one they were measured in.
    signers = [SignerDetails(f"Signer {i}", "GB", message="\n\n".join(
        ["Lorem ipsum dolor sit amet, consectetur. " * 6] * i)) for i in range(4)]
    plan = engine.plan(demo, "emb-us", "en")
    monkeypatch.setattr(letters_pdf, "_FOOTNOTE_AREAS", {})
    monkeypatch.setattr(letters_pdf, "FOOTNOTE_MEMORY", False)
    plain = engine.chunk_pdf(plan, signers)
    monkeypatch.setattr(letters_pdf, "FOOTNOTE_MEMORY", True)
    engine.chunk_pdf(plan, signers[::-1])  # fills the memory
    assert without_dates(engine.chunk_pdf(plan, signers)) == without_dates(plain)


def test_footnote_memory_is_used_by_a_batch(engine, demo, monkeypatch):
    from campaign.letters import pdf as letters_pdf

    monkeypatch.setattr(letters_pdf, "_FOOTNOTE_AREAS", {})
    engine.batch_pdf(demo, "emb-us", [SignerDetails("Ann", "GB")], locale="en")
    assert letters_pdf._FOOTNOTE_AREAS  # noqa: SLF001 - WeasyPrint still calls the hook


def test_name_without_spaces_stays_on_the_page(engine, demo):
    from weasyprint.formatting_structure.boxes import TextBox

    name = "Ximenaolivaresdelacruz" * 9  # 198 letters, no space
    signer = SignerDetails(name, "GB", message=name)
    html = engine.letter_html(demo, "emb-us", signer, locale="en")
    document = engine.pdf_renderer().render(html)
    widest = 0.0
    for page in document.pages:
        box = page._page_box
        right = box.margin_width() - box.margin_right
        stack = [box]
        while stack:
            current = stack.pop()
            if isinstance(current, TextBox):
                widest = max(widest, current.position_x + current.width - right)
            stack.extend(getattr(current, "children", ()))
    assert widest <= 0.5
