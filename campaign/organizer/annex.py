"""The signature annex of a delivery packet: up to hundreds of thousands of lines, fast and in
bounded memory.

One text line per signature (``"No. Name · City, Country · date"``), a fixed number of lines per
page at fixed baselines; a line too long for the page has its name and place cut, so that it
never wraps and its number and date always show. WeasyPrint costs about
1.5 ms of CPU per line however plain the markup (its box layout and drawing are per line, in
Python), so the annex pages are drawn directly with Pango and cairo (``annexpdf``: the same
shaping, font fallback and bidi as WeasyPrint, about a tenth of the time), in chunks, each chunk
its own PDF, in worker processes that also render the cover letter and the sources with
WeasyPrint. Because every page holds exactly ``lines_per_page`` lines, page counts are known in
advance; the page numbers ("n / N" across the whole packet) are stamped afterwards by
``campaign.organizer.pdfparts``.

No Flask and no database here: the caller streams ``AnnexLine`` values in and gets PDF files out.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from campaign import interrupts

if TYPE_CHECKING:
    from campaign.organizer.annexpdf import PdfPages

LINES_PER_PAGE = 50
# A multiple of LINES_PER_PAGE, so that only the last chunk has a short page.
LINES_PER_CHUNK = 10_000
# Below this many lines, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 3000
# A line whose estimated width (a Han or Hangul character is one em, most others about half) is
# at most this many ems fits the page's sixty, whatever its letters, and is drawn as it is. A
# longer one is measured with Pango, and its name and place are cut to the room the line has:
# most lines are short, and measuring every one would shape every line twice.
QUICK_FIT_EMS = 36.0
# Of a line too long for the page, the place takes at most this share; the name has the rest.
PLACE_SHARE = 0.35
ELLIPSIS = "…"


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


def _fits_unmeasured(text: str) -> bool:
    """Whether ``text`` surely fits the line by its estimated width. A character outside the
    scripts estimated here — past Arabic, but for the wide Han, Kana and Hangul — sends the
    line to be measured: Indic and Southeast Asian syllables (ဪ, ௵) and wide ligatures (﷽)
    can be two or three times the width of a Latin letter."""
    used = 0.0
    for char in text:
        if char >= "\u0900" and not "\u2000" <= char <= "\u206f" \
                and unicodedata.east_asian_width(char) not in "WF":
            return False  # (quotes, dashes and other general punctuation are narrow)
        used += _ems(char)
    return used <= QUICK_FIT_EMS


def _cut(text: str, fits: Callable[[str], bool]) -> str:
    """The longest start of ``text``, with an ellipsis, that ``fits`` (found by halving), or
    ``text`` itself when it fits whole. Never cuts a letter from its accents."""
    if fits(text):
        return text
    low, high = 0, len(text) - 1  # fits(text[:low] + …) is assumed; text[:high + 1] is too long
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle].rstrip() + ELLIPSIS):
            low = middle
        else:
            high = middle - 1
    while low > 0 and unicodedata.combining(text[low]):
        low -= 1
    return text[:low].rstrip() + ELLIPSIS


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _isolate(text: str) -> str:
    # A first-strong isolate keeps an Arabic or Hebrew name or city from reordering the number,
    # the date and the other fields around it; only added where needed, since every extra
    # character costs layout time.
    return f"\u2068{text}\u2069" if _has_rtl(text) else text


# A line break or tab in a name would start a new line or jump; signer text is data.
_CONTROLS = dict.fromkeys([*range(32), 127], " ")


def _place_text(place: str) -> str:
    return ", ".join(_isolate(part) for part in place.split(", "))


def _joined(number: int, name: str, place: str, date: str) -> str:
    return f"{number}. {_isolate(name)} · {_place_text(place)} · {date}"


def line_text(line: AnnexLine, width: float | None = None,
              measure: Callable[[str], float] | None = None) -> str:
    """The printed line of a signature. Given the line's ``width`` and a ``measure`` of text (in
    the same unit), a line too long for it has its place cut to at most ``PLACE_SHARE`` of the
    width and its name to the room left, each with an ellipsis; the number and date stay."""
    name, place = line.name.translate(_CONTROLS), line.place.translate(_CONTROLS)
    text = _joined(line.number, name, place, line.date)
    if width is None or measure is None or _fits_unmeasured(text) or measure(text) <= width:
        return text
    place = _cut(place, lambda p: measure(_place_text(p)) <= width * PLACE_SHARE)
    room = width - measure(_joined(line.number, "", place, line.date))
    name = _cut(name, lambda n: measure(_isolate(n)) <= room)
    return _joined(line.number, name, place, line.date)


MM = 72 / 25.4
# The page, as the rest of the packet has it (A4; WeasyPrint's margins for the cover letter).
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 20 * MM, 16 * MM, 22 * MM
LINE_HEIGHT = 13.2
FONT_SIZE = 8.4
# The first font that has a character draws it; the packet's language decides which Noto CJK
# cut comes first (the Han forms differ). Noto Sans leads even in Arabic packets, so that the
# numbers, dates and Latin names of every line look alike; Arabic letters come from Naskh.
FONT_STACKS = {
    "ja": "Noto Sans, Noto Sans CJK JP, Noto Sans CJK KR, Noto Sans CJK SC, Noto Naskh Arabic",
    "zh": "Noto Sans, Noto Sans CJK SC, Noto Sans CJK KR, Noto Sans CJK JP, Noto Naskh Arabic",
    "ar": "Noto Sans, Noto Naskh Arabic, Noto Sans CJK KR, Noto Sans CJK JP, Noto Sans CJK SC",
}
DEFAULT_FONT_STACK = ("Noto Sans, Noto Sans CJK KR, Noto Sans CJK JP, Noto Sans CJK SC, "
                      "Noto Naskh Arabic")


def font_stack(lang: str) -> str:
    return FONT_STACKS.get(lang.split("-")[0].lower(), DEFAULT_FONT_STACK)


def _draw_chunk(pdf: PdfPages, lines: list[AnnexLine], layout: AnnexLayout, *,
                first: bool) -> int:
    stack = font_stack(layout.lang)
    body, small, heading = f"{stack} {FONT_SIZE}", f"{stack} 7.5", f"{stack} Bold 13"
    x, width = MARGIN_SIDE, pdf.width - 2 * MARGIN_SIDE
    per_page = layout.lines_per_page
    pages = 0
    for start in range(0, max(len(lines), 1), per_page):
        if pages:
            pdf.next_page()
        pages += 1
        pdf.text(layout.running_head, x=x, baseline=MARGIN_TOP / 2 + 2.7, width=width,
                 font=small, align="center", gray=0.333)
        top = MARGIN_TOP
        if first and start == 0:
            pdf.text(layout.title, x=x, baseline=top + 13.5, width=width, font=heading)
            top += 22
        pdf.text(layout.columns, x=x, baseline=top + 9, width=width, font=body, gray=0.333)
        top += 16
        for row, line in enumerate(lines[start: start + per_page]):
            # Measured a little narrower than the page: the parts of a cut line are measured
            # one by one, and kerning between them could add a fraction of a point.
            text = line_text(line, width - 2, lambda text: pdf.width_of(text, body))
            pdf.text(text, x=x, baseline=top + 9.6 + row * LINE_HEIGHT, width=width, font=body)
    return pages


def pages_for(count: int, lines_per_page: int = LINES_PER_PAGE) -> int:
    return max(1, -(-count // lines_per_page))


def render_chunk(lines: list[AnnexLine], layout: AnnexLayout, path: str, first: bool) -> int:
    """Renders one chunk to ``path``; returns its page count. Runs in a worker process."""
    # Imported here: it loads cairo and Pango, which only the processes drawing the annex need.
    from campaign.organizer.annexpdf import PdfPages

    with PdfPages(path, lang=layout.lang, rtl=layout.direction == "rtl") as pdf:
        return _draw_chunk(pdf, lines, layout, first=first)


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
    from campaign.letters.pdf import PdfRenderer, release_font_files

    # Written as the letters are: fonts subset to the glyphs drawn, without WeasyPrint's empty
    # glyphs (a CJK font's 400-800 KB).
    part.path.write_bytes(PdfRenderer.pdf_bytes(rendered))
    pages = len(rendered.pages)
    del document, rendered
    release_font_files()  # the worker draws annex chunks next, with fonts of its own
    _give_back_memory()
    return pages


def _give_back_memory() -> None:
    # The worker goes on to draw annex chunks, which need a fraction of what WeasyPrint's
    # layout of a letter left on the heap: hand the freed pages back to the system, or they
    # count against the packet's memory until the worker exits.
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # glibc only; elsewhere nothing to do


def _start_forkserver() -> None:
    """Starts the forkserver, deaf to Ctrl-C, and ending with this process.

    Ctrl-C reaches the whole process group, the forkserver too: while it imports WeasyPrint
    (a second), before it ignores SIGINT itself, it would die with a traceback. A process
    started with SIGINT ignored keeps ignoring it, and so do the workers forked from it; the
    parent alone handles Ctrl-C and stops them."""
    # Read by forkserver_setup in the forkserver (only a forkserver started now reads it).
    os.environ[interrupts.PARENT_VARIABLE] = str(os.getpid())
    if threading.current_thread() is not threading.main_thread():
        # Only the main thread may set handlers; a web worker thread gets no Ctrl-C.
        multiprocessing.forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _leave_interrupts_to_parent() -> None:
    # Ctrl-C reaches the whole process group. A worker that raised KeyboardInterrupt would
    # print a traceback of its own; the parent stops the pool and removes the parts instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The forkserver ends with the command, even one killed outright; its workers with it.
    # (A forkserver another caller started without the preload leaves the worker to compare
    # with the parent it has now.)
    setup = sys.modules.get("campaign.organizer.forkserver_setup")
    interrupts.die_with_parent(setup.FORKSERVER if setup else None)


@contextlib.contextmanager
def _stop_workers_on_error(pool: futures.ProcessPoolExecutor) -> Iterator[None]:
    """On an error or an interruption, stops the workers: leaving the pool otherwise waits for
    every chunk submitted (seconds each) before the temporary folder can be removed. It waits
    for them to end, so that none writes into the folder as it is removed."""
    try:
        yield
    except BaseException:
        # terminate_workers() is Python 3.14's; before it, the pool keeps them in _processes.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise


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
    if expected < PARALLEL_THRESHOLD or not interrupts.may_start_processes():
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
    # connections: workers fork from a clean forkserver process that has WeasyPrint and the
    # cairo/Pango bindings loaded already, so they start at once and share its library pages
    # (less memory than spawn).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["campaign.organizer.forkserver_setup",
                                    "campaign.organizer.annex", "campaign.organizer.annexpdf",
                                    "weasyprint"])
    _start_forkserver()
    pending: dict[futures.Future[int], tuple[int, int]] = {}
    done = 0
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=_leave_interrupts_to_parent) as pool, \
            _stop_workers_on_error(pool):
        for part in parts:
            with interrupts.deferred():
                pending[pool.submit(render_part, part)] = (-1, 0)
        for index, chunk in enumerate(_chunks(lines, lines_per_chunk)):
            path = work_dir / f"annex-{index:05d}.pdf"
            paths.append(path)
            # The first submits start the workers: a worker whose start is interrupted is not
            # known to the pool, which would leave without it.
            with interrupts.deferred():
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
