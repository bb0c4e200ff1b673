"""The signature annex of a delivery packet: up to hundreds of thousands of lines, fast and in
bounded memory.

WeasyPrint spends most of its time per box, and a table row is five boxes; one big ``<table>``
also gets slower the longer it is. So the annex is a list with one text line per signature
(``"No. Name · City, Country · date"``), a fixed number of lines per page (each page is a block of
``white-space: pre`` text with a fixed line height, and every line is truncated so that it never
wraps), rendered in chunks of a few thousand lines, each chunk its own WeasyPrint document in a
worker process, written to a temporary PDF. Because every page holds exactly ``lines_per_page``
lines, page counts are known in advance; the page numbers ("n / N" across the whole packet) are
stamped afterwards by ``campaign.organizer.pdfparts``.

No Flask and no database here: the caller streams ``AnnexLine`` values in and gets PDF files out.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

LINES_PER_PAGE = 50
LINES_PER_CHUNK = 4000
# Below this many lines, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 3000
# A line's visible width in "ems" (a Han or Hangul character is one em, most others about half),
# kept below what fits on an A4 line at the annex's font size, so that no line ever wraps.
MAX_LINE_EMS = 88.0
MAX_NAME_EMS = 34.0


@dataclass(frozen=True)
class AnnexLine:
    """One signature as printed: already localised and with "name withheld" applied."""

    number: int
    name: str
    place: str  # "City, Country"
    date: str


@dataclass(frozen=True)
class AnnexLayout:
    """Everything the annex prints besides the lines, already translated into its language."""

    lang: str  # BCP 47, e.g. "zh-Hans"
    direction: str  # "ltr" or "rtl"
    title: str  # e.g. "Signatures (3 412)"
    running_head: str  # printed at the top of each page
    columns: str  # e.g. "No. · Name · City, Country · Date"
    lines_per_page: int = LINES_PER_PAGE


def _ems(char: str) -> float:
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    if unicodedata.combining(char):
        return 0.0
    return 0.62


def truncate(text: str, max_ems: float) -> str:
    """``text`` cut with an ellipsis so that it takes at most ``max_ems`` (estimated)."""
    used = 0.0
    for index, char in enumerate(text):
        used += _ems(char)
        if used > max_ems:
            return text[: max(index - 1, 0)].rstrip() + "…"
    return text


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _isolate(text: str) -> str:
    # A first-strong isolate keeps an Arabic or Hebrew name or city from reordering the number,
    # the date and the other fields around it; only added where needed, since every extra
    # character costs layout time.
    return f"\u2068{text}\u2069" if _has_rtl(text) else text


def line_text(line: AnnexLine) -> str:
    name = truncate(line.name, MAX_NAME_EMS)
    place = truncate(line.place, MAX_LINE_EMS - MAX_NAME_EMS - 16)
    place = ", ".join(_isolate(part) for part in place.split(", "))
    # No padding before the number: every space is a glyph WeasyPrint lays out and draws.
    return f"{line.number}. {_isolate(name)} · {place} · {line.date}"


ANNEX_CSS = """
@page { size: A4; margin: 20mm 16mm 22mm 16mm;
        @top-center { content: string(head); font-size: 7.5pt; color: #555; } }
html { font-family: "Noto Sans", "Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC",
       "Noto Naskh Arabic", "Noto Sans Arabic", sans-serif; font-size: 8.4pt; }
html:lang(ja) { font-family: "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK KR",
       "Noto Sans CJK SC", "Noto Naskh Arabic", sans-serif; }
html:lang(zh-Hans) { font-family: "Noto Sans", "Noto Sans CJK SC", "Noto Sans CJK KR",
       "Noto Sans CJK JP", "Noto Naskh Arabic", sans-serif; }
html:lang(ar) { font-family: "Noto Naskh Arabic", "Noto Sans", "Noto Sans CJK KR",
       "Noto Sans CJK JP", "Noto Sans CJK SC", sans-serif; }
body { margin: 0; }
header { string-set: head content(); height: 0; overflow: hidden; }
h1 { font-size: 13pt; margin: 0 0 4pt 0; height: 18pt; line-height: 18pt; }
p.columns { margin: 0 0 4pt 0; color: #555; height: 12pt; line-height: 12pt;
            white-space: pre; }
section { break-after: page; }
section:last-child { break-after: auto; }
p.lines { margin: 0; white-space: pre; line-height: 13.2pt; }
"""


def chunk_html(lines: list[AnnexLine], layout: AnnexLayout, *, first: bool) -> str:
    """A chunk's HTML: ``ceil(len(lines) / lines_per_page)`` pages, exactly."""
    parts = [
        f'<!doctype html><html lang="{escape(layout.lang)}" dir="{escape(layout.direction)}">'
        f"<head><meta charset=utf-8><style>{ANNEX_CSS}</style></head><body>"
        f"<header>{escape(layout.running_head)}</header>"
    ]
    per_page = layout.lines_per_page
    for start in range(0, len(lines), per_page):
        page = lines[start: start + per_page]
        parts.append("<section>")
        if first and start == 0:
            parts.append(f"<h1>{escape(layout.title)}</h1>")
        parts.append(f'<p class="columns">{escape(layout.columns)}</p>')
        parts.append('<p class="lines">')
        parts.append(escape("\n".join(line_text(line) for line in page)))
        parts.append("</p></section>")
    parts.append("</body></html>")
    return "".join(parts)


def pages_for(count: int, lines_per_page: int = LINES_PER_PAGE) -> int:
    return max(1, -(-count // lines_per_page))


def render_chunk(lines: list[AnnexLine], layout: AnnexLayout, path: str, first: bool) -> int:
    """Renders one chunk to ``path``; returns its page count. Runs in a worker process."""
    from weasyprint import HTML

    document = HTML(string=chunk_html(lines, layout, first=first)).render()
    document.write_pdf(path)
    return len(document.pages)


def _chunks(lines: Iterable[AnnexLine], size: int) -> Iterator[list[AnnexLine]]:
    chunk: list[AnnexLine] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class HtmlPart:
    """Another part of the packet (the cover letter, the sources), rendered by the same worker
    processes as the annex, so that the calling process never loads WeasyPrint's layout data.

    ``asset_roots`` and ``stylesheet`` name the only files it may load, through the letters
    engine's restricted URL fetcher; ``extra_css`` is added after the stylesheet."""

    html: str
    path: Path
    base_url: str | None = None
    stylesheet: Path | None = None
    asset_roots: tuple[Path, ...] = ()
    extra_css: str = ""


def render_part(part: HtmlPart) -> int:
    from weasyprint import CSS, HTML

    fetcher = None
    stylesheets = []
    if part.asset_roots:
        from campaign.letters.pdf import LetterURLFetcher

        fetcher = LetterURLFetcher(part.asset_roots)
    if part.stylesheet is not None:
        stylesheets.append(CSS(string=part.stylesheet.read_text(encoding="utf-8"),
                               base_url=part.stylesheet.resolve().as_uri(),
                               url_fetcher=fetcher))
    if part.extra_css:
        stylesheets.append(CSS(string=part.extra_css))
    document = HTML(string=part.html, base_url=part.base_url, url_fetcher=fetcher) \
        if fetcher else HTML(string=part.html, base_url=part.base_url)
    rendered = document.render(stylesheets=stylesheets)
    rendered.write_pdf(part.path)
    return len(rendered.pages)


def render_annex(lines: Iterable[AnnexLine], layout: AnnexLayout, work_dir: Path, *,
                 expected: int, workers: int | None = None,
                 lines_per_chunk: int = LINES_PER_CHUNK,
                 parts: Sequence[HtmlPart] = (),
                 progress: Callable[[int], None] | None = None) -> list[Path]:
    """Renders the annex into PDF files under ``work_dir`` (in order) and returns their paths;
    ``parts`` are rendered alongside (to their own paths).

    ``lines`` is consumed lazily; at most ``workers + 1`` chunks are held at once, so memory
    does not grow with the number of signatures. ``progress`` is called with the number of lines
    rendered so far.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    # A daemonic process (a Celery prefork child) may not start processes of its own.
    if expected < PARALLEL_THRESHOLD or multiprocessing.current_process().daemon:
        for part in parts:
            render_part(part)
        done = 0
        for index, chunk in enumerate(_chunks(lines, lines_per_chunk)):
            path = work_dir / f"annex-{index:05d}.pdf"
            render_chunk(chunk, layout, str(path), index == 0)
            paths.append(path)
            done += len(chunk)
            if progress:
                progress(done)
        if not paths:  # no signatures: one page that says so
            path = work_dir / "annex-00000.pdf"
            render_chunk([], layout, str(path), True)
            paths.append(path)
        return paths

    workers = workers or min(2, os.cpu_count() or 1)
    # Not forked from the caller, which may be a threaded web server with open database
    # connections: workers fork from a clean forkserver process that has WeasyPrint loaded
    # already, so they start at once and share its library pages (less memory than spawn).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["campaign.organizer.annex", "weasyprint"])
    pending: dict[futures.Future[int], tuple[int, int]] = {}
    done = 0
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for part in parts:
            pending[pool.submit(render_part, part)] = (-1, 0)
        for index, chunk in enumerate(_chunks(lines, lines_per_chunk)):
            path = work_dir / f"annex-{index:05d}.pdf"
            paths.append(path)
            future = pool.submit(render_chunk, chunk, layout, str(path), index == 0)
            pending[future] = (index, len(chunk))
            del chunk
            while len(pending) > workers:
                finished, _ = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
                for item in finished:
                    item.result()
                    done += pending.pop(item)[1]
                    if progress:
                        progress(done)
        for item in futures.as_completed(list(pending)):
            item.result()
            done += pending.pop(item)[1]
            if progress:
                progress(done)
    return paths
