"""Delivery-packet annex: 100,000 signatures in mixed scripts → one packet PDF, time and memory,
beside the plain baseline (one WeasyPrint <table> of all rows).

The baseline is measured on 2,000 rows (by default) and extrapolated linearly to the packet's row
count — rendering 100,000 rows that way would take about 12 minutes and some 10 GB — and it is
flattering: one big table gets slower per row as it grows.

Peak memory of the packet is the peak of the summed PSS (and, for comparison, RSS) of this
process and its worker processes, sampled every 250 ms from /proc.

    python bench/bench_annex.py [--rows 100000] [--baseline-rows 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "stop-forced-repatriation"
NAMES = {
    "latin": ["Anna Müller", "José García", "Jean-Pierre Dupont", "Ngozi Okafor", "John Smith",
              "Zofia Wójcik", "Nguyễn Văn An"],
    "hangul": ["김민준", "이서연", "박지훈", "최수아", "정하은"],
    "han": ["王伟", "李娜", "张敏", "刘洋", "陈静"],
    "kana": ["さとう はなこ", "タナカ タロウ", "やまだ ゆき", "佐藤 花子"],
    "arabic": ["محمد أحمد", "فاطمة علي", "عمر حسن", "ليلى يوسف"],
}
COUNTRIES = ["KR", "KR", "KR", "JP", "US", "DE", "FR"]
CITIES = ["Seoul", "Busan", "서울", "東京", "Berlin", "Paris", "القاهرة"]


class PeakMemory:
    """Samples the summed memory of a process and its children: RSS (counts pages shared
    between them — the fonts, the Python libraries — once per process) and PSS (shares them
    out, so the sum is what the process tree really occupies)."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.per_process: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rollup(pid: int) -> tuple[int, int]:
        """RSS and PSS from /proc/PID/smaps_rollup: cheap enough to sample often, unlike a full
        smaps walk (which would slow the run it measures)."""
        values = {}
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    values[key] = int(rest.split()[0]) * 1024
        return values.get("Rss", 0), values.get("Pss", values.get("Rss", 0))

    def _sample(self) -> tuple[int, int]:
        rss = pss = 0
        for process in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error, OSError):
                one_rss, one_pss = self._rollup(process.pid)
                rss += one_rss
                pss += one_pss
                self.per_process[process.pid] = max(self.per_process.get(process.pid, 0),
                                                    one_pss)
                times = process.cpu_times()
                self.cpu[process.pid] = times.user + times.system
        return rss, pss

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                rss, pss = self._sample()
                self.peak_rss = max(self.peak_rss, rss)
                self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    @property
    def cpu_seconds(self) -> float:
        """CPU time of this process and every worker seen (as last sampled)."""
        return sum(self.cpu.values())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _own_cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def fill_database(url: str, rows: int) -> None:
    from sqlalchemy import create_engine, insert

    from campaign.signatures.models import Signature

    rng = random.Random(42)
    scripts = list(NAMES)
    start = dt.datetime(2026, 9, 24, 8, 0)
    engine = create_engine(url)
    with engine.begin() as connection:
        batch = []
        for index in range(rows):
            names = NAMES[scripts[index % len(scripts)]]
            batch.append({
                "campaign_slug": SLUG, "status": "confirmed", "source": "online",
                "email": f"s{index}@example.org", "email_key": f"s{index}@example.org",
                "name": f"{rng.choice(names)} {index}", "country": rng.choice(COUNTRIES),
                "city": rng.choice(CITIES), "postcode": "", "message": "",
                "show_name": index % 9 != 0, "updates": False, "locale": "en",
                "recipient_id": "emb-kr", "token_version": 1,
                "created_at": start + dt.timedelta(seconds=index * 7),
                "confirmed_at": start + dt.timedelta(seconds=index * 7 + 60)})
            if len(batch) == 5000:
                connection.execute(insert(Signature), batch)
                batch = []
        if batch:
            connection.execute(insert(Signature), batch)
    engine.dispose()


BASELINE = r"""
import random, resource, sys, time
from html import escape
from weasyprint import HTML
rows = int(sys.argv[1])
names = %r
rng = random.Random(1)
keys = list(names)
body = "".join(
    f"<tr><td>{i + 1}</td><td>{escape(rng.choice(names[keys[i %% len(keys)]]))} {i}</td>"
    f"<td>Seoul</td><td>Republic of Korea</td><td>2026-10-01</td></tr>" for i in range(rows))
html = ("<html><head><style>body{font-family:'Noto Sans','Noto Sans CJK KR','Noto Naskh Arabic';"
        "font-size:9pt} table{border-collapse:collapse;width:100%%}"
        "td{border-bottom:0.5pt solid #ccc}</style></head><body><table>" + body +
        "</table></body></html>")
start = time.process_time()
HTML(string=html).write_pdf("/dev/null")
seconds = time.process_time() - start
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def baseline(rows: int) -> tuple[float, int]:
    done = subprocess.run([sys.executable, "-c", BASELINE % NAMES, str(rows)],
                          capture_output=True, text=True, check=True)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="keep the packet (prints its path)")
    args = parser.parse_args()

    from campaign import create_app
    from campaign.organizer.packets import build_packet
    from campaign.settings import hb_subset_available
    from campaign.storage import migrate

    work = Path(tempfile.mkdtemp(prefix="bench-annex-"))
    url = f"sqlite:///{work / 'bench.sqlite3'}"
    migrate.upgrade(url)
    started = time.perf_counter()
    fill_database(url, args.rows)
    print(f"database: {args.rows:,} signatures (Latin, Hangul, Han, Kana, Arabic) "
          f"written in {time.perf_counter() - started:.1f} s")
    print(f"hb-subset (libharfbuzz-subset) available: {hb_subset_available()}")

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(work / "instance"),
                      "SECRET_KEY": "bench"})
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    with app.app_context():
        campaign = app.extensions["campaign.library"].get(SLUG)
        with PeakMemory(psutil.Process().pid) as memory:
            start = time.perf_counter()
            own_start = _own_cpu_seconds()
            packet = build_packet(campaign, "emb-kr", work / "out")
            seconds = time.perf_counter() - start
            own = _own_cpu_seconds() - own_start
    workers = memory.cpu_seconds - memory.cpu.get(os.getpid(), 0.0)
    cpu = own + workers
    rate = packet.signatures / seconds
    print(f"packet: {packet.signatures:,} signatures, {packet.pages:,} pages, "
          f"{packet.pdf.stat().st_size / 1e6:.1f} MB PDF")
    print(f"packet: {seconds:.1f} s total ({rate:,.0f} rows/s), "
          f"peak memory {memory.peak_pss / 1e6:.0f} MB PSS "
          f"({memory.peak_rss / 1e6:.0f} MB summed RSS) of this process + annex workers")
    if os.environ.get("BENCH_VERBOSE"):
        for pid, peak in memory.per_process.items():
            print(f"  pid {pid}: peak PSS {peak / 1e6:.0f} MB, CPU {memory.cpu.get(pid, 0):.1f} s")
    cores = os.cpu_count() or 1
    print(f"packet: {cpu:.1f} CPU seconds in all processes -> at least {cpu / min(cores, 2):.1f} s"
          f" on {min(cores, 2)} idle cores (the wall time above depends on other load: "
          f"load average {os.getloadavg()[0]:.1f} on {cores} cores after the run)")
    print(f"target: <= 60 s and <= 500 MB -> "
          f"{'met' if seconds <= 60 and memory.peak_pss <= 500e6 else 'NOT met'}")

    base_seconds, base_peak = baseline(args.baseline_rows)
    base_rate = args.baseline_rows / base_seconds
    print(f"baseline (one WeasyPrint <table>): {args.baseline_rows:,} rows in "
          f"{base_seconds:.1f} CPU s ({base_rate:,.0f} rows/s), peak RSS {base_peak / 1e6:.0f} MB")
    per_row = base_peak / args.baseline_rows
    print(f"baseline extrapolated to {packet.signatures:,} rows (linear, optimistic): "
          f"{packet.signatures / base_rate / 60:.1f} min, ~{per_row * packet.signatures / 1e9:.1f}"
          f" GB ({per_row / 1e3:.0f} KB/row)")
    print(f"speed-up: {rate / base_rate:.1f}x")
    if args.keep:
        print(f"kept: {packet.pdf}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
