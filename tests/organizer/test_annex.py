"""The annex renderer: worker processes, fixed lines per page, truncation."""

from __future__ import annotations

import re
import subprocess

from campaign.organizer.annex import (
    PARALLEL_THRESHOLD,
    AnnexLayout,
    AnnexLine,
    line_text,
    render_annex,
    render_chunk,
)
from campaign.organizer.pdfparts import merge_and_number

LAYOUT = AnnexLayout(lang="en", direction="ltr", title="Signatures", running_head="Annex",
                     columns="No. · Name · City, country · Date", lines_per_page=50)


def test_annex_in_worker_processes_keeps_order_and_page_count(tmp_path):
    lines = (AnnexLine(n, f"이름 {n}", "Seoul, South Korea", "2026-10-01")
             for n in range(1, 351))
    parts = render_annex(lines, LAYOUT, tmp_path / "annex", expected=PARALLEL_THRESHOLD,
                         workers=2, lines_per_chunk=100)
    assert len(parts) == 4
    pages = merge_and_number(parts, tmp_path / "annex.pdf")
    assert pages == 7  # exactly 50 lines a page: 2 per chunk of 100, 1 for the last 50
    text = subprocess.run(["pdftotext", str(tmp_path / "annex.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    positions = [text.index(f"{n}. 이름 {n} ") for n in (1, 100, 101, 250, 350)]
    assert positions == sorted(positions)
    assert "7 / 7" in text


RIGHT_MARGIN = 595.28 - 16 * 72 / 25.4
LONG_NAME = ("Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Sr. the Third of Somewhere "
             "Very Long Indeed")


def _first_page_text(tmp_path, lines: list[AnnexLine]) -> list[str]:
    render_chunk(lines, LAYOUT, str(tmp_path / "annex.pdf"), True)
    return subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1",
                           str(tmp_path / "annex.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_annex_long_name_takes_the_room_the_line_has(tmp_path):
    text = _first_page_text(tmp_path, [AnnexLine(1, LONG_NAME, "Berlin, Germany", "2026-11-20")])
    [line] = [line for line in text if line.startswith("1. ")]
    assert line.startswith("1. Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Sr. the Third of")
    assert line.endswith("… · Berlin, Germany · 2026-11-20")


def test_annex_short_line_is_printed_whole(tmp_path):
    text = _first_page_text(tmp_path, [AnnexLine(1, "Jane Doe", "Berlin, Germany", "2026-11-20")])
    assert "1. Jane Doe · Berlin, Germany · 2026-11-20" in text


def test_annex_wide_long_name_and_place_keep_the_date_inside_the_margin(tmp_path):
    lines = [AnnexLine(1, "W" * 200, "London, United Kingdom", "2026-11-20"),
             AnnexLine(2, "김" * 60, "서울특별시 강남구 어딘가 아주 긴 동네 이름, 대한민국", "2026-11-20"),
             AnnexLine(3, "王" * 80, "上海" * 30 + ", 中国", "2026-11-21"),
             AnnexLine(4, "\ufdfd" * 40, "Riyadh, Saudi Arabia", "2026-11-22"),
             AnnexLine(5, "ဪ" * 28, "Yangon, Myanmar", "2026-11-23")]
    render_chunk(lines, LAYOUT, str(tmp_path / "wide.pdf"), True)
    boxes = _word_boxes(tmp_path / "wide.pdf")
    dates = [box for box in boxes if box[2].startswith("2026-11-2")]
    assert len(dates) == 5
    assert max(box[1] for box in boxes) <= RIGHT_MARGIN + 0.5


def test_line_text_isolates_right_to_left_names():
    text = line_text(AnnexLine(7, "محمد أحمد", "Cairo, Egypt", "2026-10-01"))
    assert text.startswith("7. \u2068محمد أحمد\u2069")


def _word_boxes(pdf) -> list[tuple[float, float, str]]:
    """(xMin, xMax, word) of every word pdftotext finds on the first page."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(float(x0), float(x1), word) for x0, x1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)]


def test_annex_right_to_left_lines_start_at_right_margin(tmp_path):
    layout = AnnexLayout(lang="ar", direction="rtl", title="التوقيعات", running_head="Annex",
                         columns="الرقم · الاسم", lines_per_page=50)
    render_chunk([AnnexLine(7, "محمد أحمد", "القاهرة, مصر", "2026-10-01")], layout,
                 str(tmp_path / "rtl.pdf"), True)
    boxes = _word_boxes(tmp_path / "rtl.pdf")
    number = next(box for box in boxes if box[2] == "7")
    date = next(box for box in boxes if box[2] == "2026-10-01")
    assert number[1] > RIGHT_MARGIN - 2  # the line starts at the right margin …
    assert date[1] < number[0] - 50  # … and ends, with the date, further left
