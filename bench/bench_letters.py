"""Letters mail merge: the project's batch renderer next to plain WeasyPrint, in one run.

    python bench/bench_letters.py [--letters N] [--rounds R] [--baseline-letters M]
                                  [--recipient ID] [--per-signer N] [--memory-letters N]

Project: ``LetterEngine.write_batch_pdf`` (2 processes, chunks of up to 100 letters, each
composed: the body and the sources laid out once per process, each signer's sender block and
closing per letter, pages assembled from these layers — campaign/letters/compose.py; each
chunk joined into the output file as it arrives). Footnote area heights are remembered per process
(campaign/letters/pdf.py); ``--no-footnote-memory`` lays every footnote area out again as plain
WeasyPrint does.
Baseline: one ``HTML(string=...).write_pdf()`` per letter, stylesheet inline, nothing reused.
The same letter HTML is used by both, so the figures compare rendering only.
English, Korean and Chinese batches take turns for ``--rounds`` rounds (6), in an order that
turns from round to round; each language's ratio to English is taken within a round, and the
summary gives medians and ranges.
``--per-signer N`` also writes batches of N letters as one PDF per signer (``batch_files``, as
``campaign letter batch -o DIR/`` does), each signer with a name of their own.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from campaign.content import load_campaign  # noqa: E402
from campaign.letters.compose import BatchLayers  # noqa: E402
from campaign.letters.engine import CHUNK_SIZE, LetterEngine  # noqa: E402
from campaign.letters.merge import SignerDetails  # noqa: E402

SLUG = "stop-forced-repatriation"
NAMES = {"en": ("Jane Doe", "GB", "London", "N1 9GU"),
         "ko": ("김민준", "KR", "부산", "48058"),
         "zh_Hans": ("王小明", "CN", "上海", "200000")}


def signers(locale: str, count: int) -> list[SignerDetails]:
    name, country, city, postcode = NAMES[locale]
    return [SignerDetails(f"{name} {i}", country, city, postcode,
                          "I add my voice to this appeal.\n\nPlease act now.")
            for i in range(count)]


# Distinct names for the per-signer batches, so that each letter's own glyphs differ.
NAME_PARTS = {"en": (["Jane", "Ann", "Mary", "Lucy", "Rose", "Emma", "Ella", "Iris", "Nora"],
                     ["Doe", "Lee", "Hart", "Wood", "Fox", "Gray", "Hale", "Moss", "Reed"]),
              "ko": ("김이박최정강조윤장임한오서신권황안송류전",
                     "민준서연도윤하은지호수아예우시주원"),
              "zh_Hans": ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
                          "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂")}


def distinct_signers(locale: str, count: int) -> list[SignerDetails]:
    first, second = NAME_PARTS[locale]
    _name, country, city, postcode = NAMES[locale]
    batch = []
    for i in range(count):
        rest = i // len(first)
        a, b, c = first[i % len(first)], second[rest % len(second)], \
            second[rest // len(second) % len(second)]
        batch.append(SignerDetails(f"{a} {b}-{c}" if locale == "en" else a + b + c, country,
                                   city, postcode,
                                   "I add my voice to this appeal.\n\nPlease act now."))
    return batch


def per_signer(engine: LetterEngine, campaign, recipient: str, locale: str, count: int):
    """(seconds, mean file size, size of the first letter rendered alone) of a batch written
    as one PDF per signer."""
    import tempfile

    batch = distinct_signers(locale, count)
    with tempfile.TemporaryDirectory(prefix="bench-letters-each-") as work:
        start = time.perf_counter()
        paths = engine.batch_files(campaign, recipient, batch, Path(work) / "out", locale=locale)
        elapsed = time.perf_counter() - start
        mean = sum(p.stat().st_size for p in paths) / len(paths)
    alone = len(engine.letter_pdf(campaign, recipient, batch[0], locale=locale))
    return elapsed, mean, alone


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def peak_rss_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def baseline(engine: LetterEngine, campaign, recipient: str, locale: str, count: int):
    css = engine.css_path.read_text(encoding="utf-8")
    pages = 0
    start = time.perf_counter()
    for signer in signers(locale, count):
        html = engine.letter_html(campaign, recipient, signer, locale=locale)
        html = html.replace("</head>", f"<style>{css}</style></head>")
        pages += pages_of(HTML(string=html).write_pdf())
    return time.perf_counter() - start, pages


def project(engine: LetterEngine, campaign, recipient: str, locale: str, count: int):
    import tempfile

    import pikepdf

    with tempfile.TemporaryDirectory(prefix="bench-letters-") as work:
        target = Path(work) / "batch.pdf"
        cpu_before = cpu_seconds()
        start = time.perf_counter()
        engine.write_batch_pdf(campaign, recipient, signers(locale, count), target,
                               locale=locale)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds() - cpu_before
        with pikepdf.Pdf.open(target) as pdf:
            return elapsed, len(pdf.pages), cpu


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a batch's worker processes are
    finished, and counted, when the batch is). Another program on a shared machine makes a batch
    wait for a core, which its elapsed time counts and its CPU time does not."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def memory_of_one_batch(letters: int, recipient: str) -> tuple[float, float, float]:
    """(main, largest worker, file MB): peak RSS in MiB of a fresh process that prints one
    English batch of ``letters``, so that only the batch is measured."""
    import json
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--memory-run", str(letters),
                          "--recipient", recipient], check=True, capture_output=True, text=True)
    values = json.loads(out.stdout.strip().splitlines()[-1])
    return values["main"], values["workers"], values["file_mb"]


def _memory_run(letters: int, recipient: str) -> None:
    import json
    import tempfile

    engine = LetterEngine(ROOT / "letters", ROOT / "static", ROOT / "locales")
    campaign = load_campaign(ROOT / "letters", SLUG)
    with tempfile.TemporaryDirectory(prefix="bench-letters-memory-") as work:
        target = Path(work) / "batch.pdf"
        engine.write_batch_pdf(campaign, recipient, signers("en", letters), target,
                               locale="en")
        size = target.stat().st_size / 1e6
    # getrusage's own peak survives exec, so it would report the benchmark that started this
    # process; the kernel's high-water mark of this process's memory does not.
    status = Path("/proc/self/status").read_text()
    own = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"main": own, "workers": peak_rss_mib()[1], "file_mb": size}))


def where_time_goes(engine: LetterEngine, campaign, recipient: str) -> None:
    """One composed 40-letter chunk under the profiler (shared layers already made)."""
    plan = engine.plan(campaign, recipient, "en")
    batch = signers("en", 40)
    shared = BatchLayers()
    engine.prepare_shared(plan, batch[0], shared)
    profile = cProfile.Profile()
    profile.enable()
    engine.composed_chunk(plan, batch, shared=shared)
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "composed_chunk")
    stages = {
        "letter HTML (Jinja, citations)": ("article_html",),
        "CSS cascade": ("get_all_computed_styles",),
        "page layout": ("layout_document",),
        "drawing": ("paint",),
        "PDF writing + font subsetting": ("generate_pdf",),
        "assembling pages from layers (qpdf)": ("assemble",),
    }
    print("  where the time goes (one composed 40-letter chunk, one process):")
    for label, names in stages.items():
        spent = sum(v[3] for k, v in stats.stats.items() if k[2] in names)
        print(f"    {label:<38} {spent:6.2f} s  {100 * spent / total:5.1f} %")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=400, help="letters per batch")
    parser.add_argument("--baseline-letters", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=6,
                        help="rounds of the three languages, taking turns")
    parser.add_argument("--recipient", default="emb-us")
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--no-footnote-memory", action="store_true",
                        help="lay every footnote area out again, as WeasyPrint does (before/after)")
    parser.add_argument("--per-signer", type=int, default=0,
                        help="letters per batch written as one PDF per signer (0: not measured)")
    parser.add_argument("--memory-letters", type=int, default=2000,
                        help="the largest batch whose memory is measured (also a quarter of "
                             "--letters and --letters itself)")
    parser.add_argument("--memory-run", type=int, default=0, help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args()
    if args.memory_run:
        _memory_run(args.memory_run, args.recipient)
        return 0
    if args.no_footnote_memory:
        from campaign.letters import pdf

        pdf.FOOTNOTE_MEMORY = False

    engine = LetterEngine(ROOT / "letters", ROOT / "static", ROOT / "locales",
                          processes=args.processes)
    campaign = load_campaign(ROOT / "letters", SLUG)
    engine.letter_pdf(campaign, args.recipient, signers("en", 1)[0], locale="en")  # warm up

    base_time, base_pages = baseline(engine, campaign, args.recipient, "en",
                                     args.baseline_letters)
    base_lps, base_pps = args.baseline_letters / base_time, base_pages / base_time
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work skews the figures)")
    print(f"letter: {campaign.letter_for(args.recipient).id} to {args.recipient}, "
          f"{base_pages / args.baseline_letters:.1f} pages per letter in English, "
          f"{engine.processes} process(es)")
    print(f"  plain WeasyPrint, one write_pdf per letter (en, {args.baseline_letters} letters): "
          f"{base_lps:6.2f} letters/s  {base_pps:6.2f} pages/s")

    # The languages take turns, round after round: on a shared machine whose speed drifts, a
    # ratio of two batches run minutes apart measures the drift as much as the languages.
    # The order turns from round to round, so that each language runs first, second and last
    # equally often: on a machine that slows down or speeds up during a round, a fixed order
    # would favour one language.
    rounds: list[dict[str, tuple[float, int, float]]] = []
    languages = ("en", "ko", "zh_Hans")
    for number in range(1, args.rounds + 1):
        results = {}
        turn = (number - 1) % len(languages)
        for locale in languages[turn:] + languages[:turn]:
            elapsed, pages, cpu = project(engine, campaign, args.recipient, locale,
                                          args.letters)
            results[locale] = (elapsed, pages, cpu)
            print(f"  round {number}, project batch ({locale}, {args.letters} letters): "
                  f"{args.letters / elapsed:6.2f} letters/s  {pages / elapsed:6.2f} pages/s  "
                  f"({elapsed:.1f} s, {pages} pages; CPU {cpu:.1f} s)")
        rounds.append(results)

    for locale in ("en", "ko", "zh_Hans") if args.per_signer else ():
        elapsed, mean, alone = per_signer(engine, campaign, args.recipient, locale,
                                          args.per_signer)
        print(f"  project batch, one PDF per signer ({locale}, {args.per_signer} letters, "
              f"names all different): {args.per_signer / elapsed:6.2f} letters/s  "
              f"({elapsed:.1f} s; {mean / 1024:.0f} KiB a file, the letter alone "
              f"{alone / 1024:.0f} KiB)")

    def spread(values: list[float]) -> str:
        return f"{min(values):.2f}-{max(values):.2f}"

    en_rates = [r["en"][1] / r["en"][0] for r in rounds]  # pages/s
    en_letters = [args.letters / r["en"][0] for r in rounds]
    en_pages = rounds[0]["en"][1]
    own, children = peak_rss_mib()
    print(f"summary (medians of {len(rounds)} rounds, range in brackets):")
    print(f"  English batch vs plain baseline, per page: {median(en_rates) / base_pps:.2f}x "
          f"[{min(en_rates) / base_pps:.1f}-{max(en_rates) / base_pps:.1f}]  (goal >= 2.5x)")
    print(f"  English batch: {median(en_letters):.2f} letters/s [{spread(en_letters)}] of "
          f"{en_pages / args.letters:.1f} pages = {median(en_rates):.1f} pages/s "
          f"(goal 40 one-page letters/s, i.e. 40 pages/s)")
    for locale, name in (("ko", "Korean"), ("zh_Hans", "Chinese")):
        # Per round: this language's time per page over English's in the same round.
        per_page = [(r[locale][0] / r[locale][1]) / (r["en"][0] / r["en"][1]) for r in rounds]
        per_letter = [r[locale][0] / r["en"][0] for r in rounds]
        cpu_per_page = [(r[locale][2] / r[locale][1]) / (r["en"][2] / r["en"][1])
                        for r in rounds]
        print(f"  {name} / English time per page: {median(per_page):.2f} [{spread(per_page)}]  "
              f"(goal <= 1.3); per letter: {median(per_letter):.2f} [{spread(per_letter)}] "
              f"({rounds[0][locale][1] / args.letters:.1f} pages per letter); "
              f"CPU time per page: {median(cpu_per_page):.2f} [{spread(cpu_per_page)}]")
    print(f"  peak RSS of this benchmark (three languages and the baseline in one process): "
          f"main {own:.0f} MiB, largest worker {children:.0f} MiB")
    # Flat memory: one English batch per fresh process, a quarter of the size, full size and a
    # long batch (2,000 letters by default).
    sizes = sorted({max(1, args.letters // 4), args.letters, args.memory_letters} - {0})
    measured = [(n, *memory_of_one_batch(n, args.recipient)) for n in sizes]
    print("  peak RSS of one English batch in a fresh process (workers hold one chunk of at most "
          f"{CHUNK_SIZE} letters and are replaced every 4 chunks; each chunk is joined into the "
          "file as it arrives):")
    for n, main_mib, worker_mib, file_mb in measured:
        print(f"    {n:>6} letters: main {main_mib:.0f} MiB, largest worker {worker_mib:.0f} MiB "
              f"({file_mb:.1f} MB file)")
    where_time_goes(engine, campaign, args.recipient)
    return 0


if __name__ == "__main__":
    sys.exit(main())
