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
    truncate,
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


def test_truncate_keeps_long_names_on_one_line():
    long_name = "김" * 80
    assert truncate(long_name, 34).endswith("…")
    assert len(truncate(long_name, 34)) <= 34


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
    right_margin = 595.28 - 16 * 72 / 25.4
    number = next(box for box in boxes if box[2] == "7")
    date = next(box for box in boxes if box[2] == "2026-10-01")
    assert number[1] > right_margin - 2  # the line starts at the right margin …
    assert date[1] < number[0] - 50  # … and ends, with the date, further left
