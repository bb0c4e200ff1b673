"""A composed mail merge (campaign/letters/compose.py) prints the same letters as laying each
letter out in full: same pages, same words on each, same look."""

from __future__ import annotations

import io
import logging
import re
import subprocess
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from campaign.content import load_campaign
from campaign.letters import compose
from campaign.letters.merge import SignerDetails
from tests.letters.conftest import pdf_text, without_dates

SLUG = "stop-forced-repatriation"
PAGE_NUMBER = r"^(\d+) ?/ ?(\d+)$"
LONG_MESSAGE = "\n\n".join(["I have followed the fate of North Korean refugees for years, and "
                            "I ask you to hear this appeal before it is too late. " * 4] * 6)


def one_by_one(engine, campaign, signers, locale="en") -> list[bytes]:
    return [engine.letter_pdf(campaign, "emb-us", s, locale=locale) for s in signers]


def letters_of(pdf: bytes) -> list[list[str]]:
    """The batch cut at each "1 / N", as the pages' text."""
    reader = PdfReader(io.BytesIO(pdf))
    letters: list[list[str]] = []
    for page in reader.pages:
        text = page.extract_text()
        numbers = re.findall(PAGE_NUMBER, text, re.MULTILINE)
        if numbers and numbers[-1][0] == "1":
            letters.append([])
        letters[-1].append(text)
    return letters


def characters(texts: list[str]) -> list[list[str]]:
    return [sorted("".join(t.split())) for t in texts]


def page_images(pdf: bytes, tmp_path, name: str) -> list[bytes]:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(tmp_path / f"{name}.pdf"),
                    str(tmp_path / name)], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))]


def test_composed_letter_looks_like_a_letter_laid_out_in_full(shipped, tmp_path):
    engine, campaign = shipped
    signer = SignerDetails("Jane Doe", "GB", "London", "N1 9GU", "I add my voice.\n\nAct now.")
    composed = engine.batch_pdf(campaign, "emb-us", [signer], locale="en")
    [full] = one_by_one(engine, campaign, [signer])
    assert page_images(composed, tmp_path, "composed") == page_images(full, tmp_path, "full")


def test_composed_batch_has_the_words_of_each_letter_on_the_same_pages(shipped):
    engine, campaign = shipped
    # No message, a short one, one that runs onto another page, a name that wraps (a taller
    # sender block moves the body down) and no address: four kinds of letter in one batch.
    signers = [SignerDetails("Ann Lee", "GB", "Leeds", "LS1 1AA"),
               SignerDetails("Bo Berg", "SE", "Malmö", "211 20", "Please act."),
               SignerDetails("Chen Wei", "CN", "Shanghai", "200000", LONG_MESSAGE),
               SignerDetails("Maria Fernanda de los Ángeles Gutiérrez-Santamaría y "
                             "Villalobos de la Concepción Ortega", "ES", "Logroño", "26001"),
               SignerDetails("Dee", "IE")]
    batch = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="en"))
    full = [letters_of(pdf)[0] for pdf in one_by_one(engine, campaign, signers)]
    assert [characters(letter) for letter in batch] == [characters(letter) for letter in full]


def test_composed_batch_numbers_a_longer_letter_to_its_own_end(shipped):
    engine, campaign = shipped
    signers = [SignerDetails("Ann Lee", "GB"), SignerDetails("Chen Wei", "CN",
                                                             message=LONG_MESSAGE)]
    short, long = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="en"))
    total = len(long)
    assert total > len(short)
    assert [re.findall(PAGE_NUMBER, page, re.MULTILINE)[-1] for page in long] == \
        [(str(n), str(total)) for n in range(1, total + 1)]


def test_composed_korean_batch_matches_letters_laid_out_in_full(shipped):
    engine, campaign = shipped
    signers = [SignerDetails("김민준", "KR", "부산", "48058", "저는 탈북민의 가족입니다."),
               SignerDetails("이서연", "KR", "서울", "03187")]
    batch = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="ko"))
    full = [letters_of(pdf)[0] for pdf in one_by_one(engine, campaign, signers, "ko")]
    assert [characters(letter) for letter in batch] == [characters(letter) for letter in full]


def test_composed_korean_letter_pushed_to_the_next_page_looks_like_its_full_layout(shipped,
                                                                                   tmp_path):
    engine, campaign = shipped
    # This letter's closing starts a page: in full, its top margin is dropped at the break.
    signer = SignerDetails("김민준", "KR", "부산", "48058",
                           "I add my voice to this appeal.\n\nPlease act now.")
    composed = engine.batch_pdf(campaign, "emb-us", [signer], locale="ko")
    [full] = one_by_one(engine, campaign, [signer], "ko")
    assert page_images(composed, tmp_path, "composed") == page_images(full, tmp_path, "full")


def test_composed_batch_keeps_a_closing_that_does_not_fit_with_the_body(shipped, caplog):
    engine, campaign = shipped
    # Without words of their own, this letter's closing does not fit below the body: the body's
    # last lines go with it to the next page. With them, the signer's words start there.
    signers = [SignerDetails("이서연", "KR", "서울", "03187"),
               SignerDetails("김민준", "KR", "부산", "48058", "저는 탈북민의 가족입니다."),
               SignerDetails("박지호", "KR", "대구", "41911")]
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        batch = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="ko"))
    assert "not composed" not in caplog.text
    full = [letters_of(pdf)[0] for pdf in one_by_one(engine, campaign, signers, "ko")]
    assert [characters(letter) for letter in batch] == [characters(letter) for letter in full]


def test_every_shared_layout_is_checked_with_a_letter_printed_on_it(shipped, monkeypatch):
    # The first letter lays out the plain layout, then needs a kept one (its closing does not
    # fit); the second (its own words start below the body) prints on the plain one, which
    # must be checked all the same.
    engine, campaign = shipped
    checked: list[str] = []
    real_check = compose.check

    def spy(composed, full):
        drawn = {text for page in composed for (text, _height) in page}
        checked.append("Ann" if "AnnLee" in drawn else "Bo" if "BoBerg" in drawn else "?")
        return real_check(composed, full)

    monkeypatch.setattr(compose, "check", spy)
    signers = [SignerDetails("Ann Lee", "GB"),
               SignerDetails("Bo Berg", "SE", message="I ask you to listen. " * 30)]
    engine.batch_pdf(campaign, "un-ohchr", signers, locale="en")
    assert sorted(checked) == ["Ann", "Bo"]


def test_composed_letter_with_its_closing_kept_looks_like_its_full_layout(shipped, tmp_path):
    engine, campaign = shipped
    signer = SignerDetails("이서연", "KR", "서울", "03187")
    composed = engine.batch_pdf(campaign, "emb-us", [signer], locale="ko")
    [full] = one_by_one(engine, campaign, [signer], "ko")
    assert page_images(composed, tmp_path, "composed") == page_images(full, tmp_path, "full")


def test_composed_files_each_hold_one_whole_letter(shipped, tmp_path):
    engine, campaign = shipped
    signers = [SignerDetails("Ann Lee", "GB"), SignerDetails("Bo Berg", "SE", message="Hej.")]
    paths = engine.batch_files(campaign, "emb-us", signers, tmp_path / "out", locale="en")
    full = one_by_one(engine, campaign, signers)
    assert [characters(letters_of(p.read_bytes())[0]) for p in paths] == \
        [characters(letters_of(pdf)[0]) for pdf in full]


def test_composed_files_carry_the_title_author_and_language_of_a_full_layout(shipped, tmp_path):
    engine, campaign = shipped
    signer = SignerDetails("王小明", "CN", "上海", "200000")
    [path] = engine.batch_files(campaign, "emb-us", [signer], tmp_path / "out", locale="zh_Hans")
    [full] = one_by_one(engine, campaign, [signer], "zh_Hans")

    def info(pdf: bytes) -> tuple[dict, str]:
        reader = PdfReader(io.BytesIO(pdf))
        return dict(reader.metadata), str(reader.trailer["/Root"]["/Lang"])

    assert info(path.read_bytes()) == info(full)


def test_composed_letter_keeps_the_sources_web_links(shipped):
    engine, campaign = shipped
    pdf = engine.batch_pdf(campaign, "emb-us", [SignerDetails("Ann Lee", "GB")], locale="en")
    links = [a.get_object()["/A"]["/URI"] for page in PdfReader(io.BytesIO(pdf)).pages
             for a in page.get("/Annots") or ()]
    assert any("hrw.org" in str(uri) for uri in links)


def test_composed_batch_writes_the_shared_text_once(shipped):
    engine, campaign = shipped
    one = engine.batch_pdf(campaign, "emb-us", [SignerDetails("Ann Lee", "GB")], locale="en")
    many = engine.batch_pdf(campaign, "emb-us",
                            [SignerDetails(f"Signer {i}", "GB") for i in range(12)], locale="en")
    assert len(many) < 3 * len(one)


def test_stylesheet_with_named_pages_is_laid_out_in_full(shipped, caplog):
    engine, campaign = shipped
    # Named pages: a layer's page may not be named like the letter's page it stands for.
    css = engine.css_path
    css.write_text(css.read_text(encoding="utf-8")
                   + "\n.sources { page: annex; }\n@page annex { margin: 30mm; }\n",
                   encoding="utf-8")
    signers = [SignerDetails("Ann Lee", "GB", message="Please act."),
               SignerDetails("Bo Berg", "SE")]
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        batch = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="en"))
    assert "not composed" in caplog.text
    full = [letters_of(pdf)[0] for pdf in one_by_one(engine, campaign, signers)]
    assert [characters(letter) for letter in batch] == [characters(letter) for letter in full]


def test_composition_that_fails_its_check_is_laid_out_in_full(shipped, monkeypatch, caplog):
    engine, campaign = shipped
    # Stands for any layout difference the check finds: the batch must still come out right.
    monkeypatch.setattr(compose, "same_letter", lambda composed, full: False)
    signers = [SignerDetails("Ann Lee", "GB"), SignerDetails("Bo Berg", "SE", message="Hej.")]
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        batch = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="en"))
    assert "differs from its full layout" in caplog.text
    full = [letters_of(pdf)[0] for pdf in one_by_one(engine, campaign, signers)]
    assert [characters(letter) for letter in batch] == [characters(letter) for letter in full]


def _end_measured_at(monkeypatch, spacer: Callable[[float], float]) -> None:
    """Makes the shared layout report the end of the letter at ``spacer(measured spacer)``."""
    measured = compose.shared_geometry

    def moved(document):
        pages, measured_spacer, join_bottom, sender, room = measured(document)
        return pages, spacer(measured_spacer), join_bottom, sender, room

    monkeypatch.setattr(compose, "shared_geometry", moved)


def test_composition_that_misplaces_the_end_of_the_letter_is_laid_out_in_full(
        shipped, monkeypatch, caplog):
    engine, campaign = shipped
    _end_measured_at(monkeypatch, lambda _spacer: 0.0)  # at the top of its page
    signers = [SignerDetails("Chen Wei", "CN", "Shanghai", "200000", LONG_MESSAGE)]
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        batch = letters_of(engine.batch_pdf(campaign, "emb-us", signers, locale="en"))
    assert "differs from its full layout" in caplog.text
    full = [letters_of(pdf)[0] for pdf in one_by_one(engine, campaign, signers)]
    assert [characters(letter) for letter in batch] == [characters(letter) for letter in full]


def test_composition_that_draws_the_end_of_the_letter_lower_is_laid_out_in_full(
        shipped, monkeypatch, caplog):
    engine, campaign = shipped
    _end_measured_at(monkeypatch, lambda spacer: spacer + 3.0)  # same page, 3 px lower
    signers = [SignerDetails("Ann Lee", "GB", message="Please act.")]
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        engine.batch_pdf(campaign, "emb-us", signers, locale="en")
    assert "differs from its full layout" in caplog.text


def test_page_text_leaves_out_hidden_text(shipped):
    engine, _campaign = shipped
    document = engine.pdf_renderer().render(
        '<p>seen <span style="visibility: hidden">unseen</span></p>', margin_boxes=False)
    [drawn] = compose.page_text(document)
    assert [text for text, _height in drawn] == ["seen"]


def test_bilingual_batch_is_laid_out_in_full(engine, demo):
    plan = engine.plan(demo, "emb-us", "en", "fr")
    signer = SignerDetails("Ann", "GB")
    assert not engine.composable(plan, compose.BatchLayers())
    assert pdf_text(engine.composed_chunk(plan, [signer])) == \
        pdf_text(engine.chunk_pdf(plan, [signer]))


def test_cut_refuses_a_layout_without_a_letter_end():
    with pytest.raises(compose.NotComposable):
        compose.cut('<article class="letter"><div class="letter-start"></div><p>x</p></article>')


def test_batch_of_several_chunks_joins_into_one_valid_pdf(engine, demo):
    import pikepdf

    signers = [SignerDetails(f"Signer {i}", "FR") for i in range(5)]
    pdf = engine.batch_pdf(demo, "emb-de", signers, locale="fr", chunk_size=2)
    single = len(PdfReader(io.BytesIO(engine.letter_pdf(demo, "emb-de", signers[0],
                                                        locale="fr"))).pages)
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as joined:
        assert joined.check_pdf_syntax() == []
        assert len(joined.pages) == 5 * single
        assert str(joined.Root.Lang) == "fr"
        assert "Title" in str(joined.docinfo.keys())


def font_programs(pdf: bytes) -> list[bytes]:
    """The digest of each font program the PDF holds."""
    import hashlib

    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        return [hashlib.sha256(obj.read_raw_bytes()).digest() for obj in document.objects
                if isinstance(obj, pikepdf.Stream)
                and ("/Length1" in obj or obj.get("/Subtype") == "/OpenType")]


def test_chunks_share_their_fonts_once_joined(engine, demo):
    signers = [SignerDetails(f"Signer {i}", "FR") for i in range(6)]
    one_chunk = engine.batch_pdf(demo, "emb-de", signers, locale="fr")
    three_chunks = engine.batch_pdf(demo, "emb-de", signers, locale="fr", chunk_size=2)
    # Each chunk carries the shared layers' fonts: the joined file holds them once.
    programs = font_programs(three_chunks)
    assert len(programs) == len(set(programs))
    assert set(programs) & set(font_programs(one_chunk))
    assert len(three_chunks) < 2 * len(one_chunk)


def test_letter_whose_body_names_the_signer_is_not_shared(engine, demo, demo_letters):
    template = demo_letters / "demo" / "letters" / "embassy.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% block body %}",
                                     "{% block body %}<p>Written in {{ signer.city }}.</p>", 1),
                        encoding="utf-8")
    demo = load_campaign(demo_letters, "demo")
    signers = [SignerDetails("Ann", "GB", "Leeds"), SignerDetails("Bo", "SE", "Malmö")]
    text = pdf_text(engine.batch_pdf(demo, "emb-us", signers, locale="en"))
    assert "Written in Leeds." in text and "Written in Malmö." in text


def test_batch_where_every_body_differs_is_laid_out_in_full(engine, demo, demo_letters, caplog):
    template = demo_letters / "demo" / "letters" / "embassy.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block body %}", "{% block body %}<p>Written in {{ signer.city }}.</p>", 1),
        encoding="utf-8")
    demo = load_campaign(demo_letters, "demo")
    signers = [SignerDetails(f"Signer {i}", "GB", f"Town {i}")
               for i in range(compose.MAX_SHARED_LAYOUTS + 2)]
    with caplog.at_level(logging.WARNING, logger="campaign.letters.engine"):
        text = pdf_text(engine.batch_pdf(demo, "emb-us", signers, locale="en"))
    assert "changes from signer to signer" in caplog.text
    assert all(f"Written in Town {i}." in text for i in range(len(signers)))


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ar"])
def test_shared_styles_leave_a_composed_batch_unchanged(shipped, monkeypatch, locale):
    from campaign.letters import pdf as letters_pdf

    engine, campaign = shipped
    # Letters built alike and unlike: with and without words of their own, a message in another
    # script and direction, one that runs onto another page, a name that wraps.
    signers = [SignerDetails("Ann Lee", "GB", "Leeds", "LS1 1AA"),
               SignerDetails("김민준", "KR", "부산", "48058", "저는 탈북민의 가족입니다."),
               SignerDetails("محمد", "EG", "القاهرة", "11511", "أضم صوتي إلى هذا النداء."),
               SignerDetails("Chen Wei", "CN", "Shanghai", "200000", LONG_MESSAGE),
               SignerDetails("Maria Fernanda de los Ángeles Gutiérrez-Santamaría y "
                             "Villalobos de la Concepción Ortega", "ES", "Logroño", "26001")]
    monkeypatch.setattr(letters_pdf, "SHARED_STYLES", False)
    apart = engine.batch_pdf(campaign, "emb-us", signers, locale=locale)
    monkeypatch.setattr(letters_pdf, "SHARED_STYLES", True)
    shared = engine.batch_pdf(campaign, "emb-us", signers, locale=locale)
    assert without_dates(shared) == without_dates(apart)


def _sender_layer_pages(engine, campaign, share_styles: bool) -> list:
    """The page boxes of a sender layer of three letters, but the first: the first letter is
    the first child (.letter:first-child) and the first page (@page :first), the others are
    alike."""
    plan = engine.plan(campaign, "emb-us", "en")
    articles = [compose.sender_article(compose.cut(engine.article_html(plan, signer, index=i)))
                for i, signer in enumerate([SignerDetails("Ann Lee", "GB"),
                                            SignerDetails("Bo Berg", "SE"),
                                            SignerDetails("Cy Dunn", "IE")])]
    document = engine.pdf_renderer().render(
        engine.document_html(plan, articles, author="x"), extra_css=compose.NO_NUMBERS_CSS,
        margin_boxes=False, share_styles=share_styles)
    return [page._page_box for page in document.pages[1:]]  # noqa: SLF001


def _sender_styles(pages) -> list:
    return [compose._first_with_class(page, "sender").style for page in pages]  # noqa: SLF001


def test_letters_of_a_layer_share_their_computed_styles(shipped):
    second, third = _sender_styles(_sender_layer_pages(*shipped, share_styles=True))
    assert second is third


def test_letters_laid_out_in_full_keep_their_own_computed_styles(shipped):
    second, third = _sender_styles(_sender_layer_pages(*shipped, share_styles=False))
    assert second is not third


def test_pages_of_a_layer_share_their_page_styles(shipped):
    second, third = _sender_layer_pages(*shipped, share_styles=True)
    assert second.style is third.style


def test_pages_laid_out_in_full_keep_their_own_page_styles(shipped):
    second, third = _sender_layer_pages(*shipped, share_styles=False)
    assert second.style is not third.style
