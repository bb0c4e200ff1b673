"""Signing and counting under load: gunicorn on 127.0.0.1, load from other processes.

Measures sign requests per second with nothing lost (every accepted signature is stored, and
once confirmed, counted), p50/p99 latency, and requests per second on the count API, each next to
a plain baseline (a Flask hello-world under the same gunicorn settings). Bounded in time; only
loopback. The signing phase runs three rounds (the machine is shared; the median is the
figure). Usage: ``python bench/bench_signing.py [--seconds 10] [--rounds 3] [--workers 2]
[--threads 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import multiprocessing as mp
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "stop-forced-repatriation"
SIGN_GOAL = 333
COUNT_GOAL = 3333
HELLO_APP = '''
from flask import Flask
app = Flask(__name__)

@app.get("/api/v1/campaigns/<slug>")
def count(slug):
    return {"slug": slug, "count": 0}
'''


# --- the load generator: a small keep-alive HTTP/1.1 client on asyncio ------------------------

class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookie = ""

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "") -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                "Accept-Language: en"]
        if self.cookie:
            head.append(f"Cookie: {self.cookie}")
        if body:
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        head_bytes = await self.reader.readuntil(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            headers[key] = value.strip()
            if key == "set-cookie":
                self.cookie = value.strip().split(";", 1)[0]
        data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return status, headers, data


async def _hammer_get(port: int, path: str, connections: int, seconds: float) -> dict:
    done = 0
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker():
        nonlocal done, errors
        connection = Connection(port)
        while time.perf_counter() < stop:
            try:
                status, _, _ = await connection.request("GET", path)
                done += 1
                errors += status != 200
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                    IndexError):
                errors += 1
                connection.writer = None
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return {"requests": done, "errors": errors, "seconds": time.perf_counter() - started}


async def _hammer_sign(port: int, connections: int, seconds: float, prefix: str) -> dict:
    accepted: list[str] = []
    refused = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    countries = ["KR", "US", "JP", "DE", "FR", "GB", "CA", "AU", "BR", "IN"]

    async def worker(n: int):
        nonlocal refused
        connection = Connection(port)
        # A person opens the petition first: that gives the session cookie and CSRF token.
        _, _, page = await connection.request("GET", f"/en/c/{SLUG}/")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        i = 0
        while time.perf_counter() < stop:
            i += 1
            address = f"{prefix}-{n}-{i}@example.org"
            body = urlencode({
                "csrf_token": token.decode(), "name": f"Signer {n} {i}", "email": address,
                "country": countries[(n + i) % len(countries)], "city": "Seoul",
                "consent": "y", "show_name": "y",
            }).encode()
            began = time.perf_counter()
            try:
                status, _, _ = await connection.request(
                    "POST", f"/en/c/{SLUG}/", body, "application/x-www-form-urlencoded")
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                    IndexError):
                refused += 1
                connection.writer = None
                continue
            latencies.append(time.perf_counter() - began)
            if status == 303:
                accepted.append(address)
            else:
                refused += 1
    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    return {"accepted": accepted, "refused": refused, "latencies": latencies,
            "seconds": time.perf_counter() - started}


def _client_process(kind: str, port: int, connections: int, seconds: float, prefix: str,
                    queue) -> None:
    if kind == "sign":
        result = asyncio.run(_hammer_sign(port, connections, seconds, prefix))
    else:
        result = asyncio.run(_hammer_get(port, kind, connections, seconds))
    # The load generator shares the cores with the server: its CPU is part of the picture.
    result["cpu"] = time.process_time()
    queue.put(result)


def load(kind: str, port: int, *, processes: int, connections: int, seconds: float,
         prefix: str = "") -> list:
    """Runs the load from ``processes`` separate processes and collects their results."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_client_process,
                               args=(kind, port, connections, seconds, f"{prefix}p{i}", queue))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    return results


# --- servers --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app_spec: str, port: int, env: dict[str, str], workers: int, threads: int,
             chdir: Path, log_dir: Path) -> subprocess.Popen:
    # The production settings (gunicorn.conf.py: worker model, garbage-collector freeze), with
    # the numbers of workers and threads from the command line.
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
               "-w", str(workers),
               "-k", "gthread", "--threads", str(threads), "-b", f"127.0.0.1:{port}",
               "--keep-alive", "30", "--log-level", "warning", "--chdir", str(chdir), app_spec]
    # The server's log (one line per outbox mail) goes to a file, not into the figures.
    log = open(log_dir / f"gunicorn-{port}.log", "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT,
                               start_new_session=True, stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn for {app_spec} exited with "
                                 f"{process.returncode}") from None
            time.sleep(0.1)
    stop(process)
    raise SystemExit(f"gunicorn for {app_spec} did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time used so far by gunicorn's master and workers."""
    import psutil

    try:
        root = psutil.Process(process.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for member in tree:
        try:
            times = member.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- checks and profile ---------------------------------------------------------------------

def confirm_all_and_check(database_url: str, instance: Path, accepted: set[str],
                          api_count: callable) -> dict:
    """Confirms every stored signature through the service, then compares accepted, stored and
    counted."""
    from sqlalchemy import func, select

    from campaign import create_app
    from campaign.signatures import service
    from campaign.signatures.models import Signature

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url,
                      "OUTBOX_DIR": str(instance / "outbox"), "TESTING": True})
    logging.getLogger().setLevel(logging.WARNING)
    db = app.extensions["campaign.db"]
    with app.app_context():
        with db.session() as session:
            signatures = list(session.scalars(select(Signature)))
        stored = {s.email for s in signatures}
        library = app.extensions["campaign.library"]
        started = time.perf_counter()
        for signature in signatures:
            service.confirm(library.get, service.confirmation_token(signature))
        confirm_seconds = time.perf_counter() - started
        with db.session() as session:
            confirmed_rows = session.scalar(select(func.count()).select_from(Signature).where(
                Signature.status == "confirmed"))
    db.dispose()
    time.sleep(1.2)  # the API's per-process cache lives one second
    counted = api_count()
    return {"accepted": len(accepted), "stored": len(stored),
            "missing": len(accepted - stored), "unexpected": len(stored - accepted),
            "confirmed_rows": confirmed_rows, "counted": counted["count"],
            "by_country_sum": sum(counted["by_country"].values()),
            "confirm_per_s": len(signatures) / confirm_seconds if confirm_seconds else 0}


def profile_sign(database_url: str, instance: Path, n: int = 200) -> str:
    """Where the time of one sign request goes, measured in-process with cProfile: the app as
    gunicorn calls it (CSRF on, the session cookie of a page view), with the requests built
    before profiling so that the test client's own work is not counted."""
    from werkzeug.test import EnvironBuilder

    from campaign import create_app

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url,
                      "OUTBOX_DIR": str(instance / "outbox-profile"),
                      "RATELIMIT_ENABLED": False})
    logging.getLogger().setLevel(logging.WARNING)
    client = app.test_client()
    page = client.get(f"/en/c/{SLUG}/").data
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    environs = [EnvironBuilder(
        path=f"/en/c/{SLUG}/", method="POST", base_url="http://127.0.0.1/",
        headers={"Cookie": f"{cookie.key}={cookie.value}", "Accept-Language": "en"},
        data={"csrf_token": token, "name": "Profile Signer", "email": f"prof{i}@x.org",
              "country": "KR", "city": "Seoul", "consent": "y"}).get_environ()
        for i in range(n)]
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    profiler = cProfile.Profile()
    profiler.enable()
    for environ in environs:
        b"".join(app(environ, start_response))
    profiler.disable()
    if any(not status.startswith("303") for status in statuses):
        return f"  (the profile's sign requests were refused: {sorted(set(statuses))})"
    app.extensions["campaign.db"].dispose()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    spent: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in stats.stats.items():
        if "site-packages/" in filename:
            where = filename.split("site-packages/")[1].split("/")[0]
        elif "/lib/python3" in filename:
            where = "stdlib " + filename.split("/lib/python3")[1].split("/")[1].split(".")[0]
        elif filename == "~":
            where = f"C code ({function.strip('<>')})" if "method" in function else "C code"
        else:
            where = filename.replace(str(ROOT) + "/", "")
        spent[where] = spent.get(where, 0.0) + own
    lines = [f"  {1000 * total / n:.2f} ms of Python per sign request (in-process, one thread, "
             "cProfile overhead included; HTTP parsing by gunicorn not included), by where "
             "the time is spent:"]
    for where, seconds in sorted(spent.items(), key=lambda item: -item[1])[:12]:
        lines.append(f"    {100 * seconds / total:5.1f}%  {where}")
    return "\n".join(lines)


# --- the run ----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=2, help="load-generating processes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the signing phase")
    args = parser.parse_args()

    from campaign.storage import migrate

    work = Path(tempfile.mkdtemp(prefix="bench-signing-"))
    instance = work / "instance"
    instance.mkdir()
    database_url = f"sqlite:///{instance / 'bench.sqlite3'}"
    migrate.upgrade(database_url)
    (work / "hello_app.py").write_text(HELLO_APP)
    env = {"CAMPAIGN_INSTANCE_PATH": str(instance), "CAMPAIGN_DATABASE_URL": database_url,
           "CAMPAIGN_RATELIMIT_ENABLED": "false", "CAMPAIGN_OUTBOX_DIR": str(instance / "outbox"),
           "CAMPAIGN_SECRET_KEY": "bench-secret-key-not-for-production"}
    settings = (f"gunicorn -c gunicorn.conf.py -w {args.workers} -k gthread "
                f"--threads {args.threads}")
    print(f"server: {settings} on 127.0.0.1; SQLite (WAL) {database_url}")
    print(f"load: {args.clients} client processes, {args.seconds:.0f} s per phase, "
          f"{os.cpu_count()} CPU cores shared by server and load\n")
    results: dict[str, float] = {}
    # Other work on the machine (a previous benchmark's files still being flushed, say) slows
    # every figure: wait a little for it to calm down, and say how busy it was.
    deadline = time.time() + 60
    while os.getloadavg()[0] > 1.0 and time.time() < deadline:
        time.sleep(2)
    load_before = os.getloadavg()[0]
    try:
        hello_port = free_port()
        hello = gunicorn("hello_app:app", hello_port, {}, args.workers, args.threads, work,
                         work)
        try:
            load("/api/v1/campaigns/x", hello_port, processes=args.clients, connections=8,
                 seconds=1)
            runs = load("/api/v1/campaigns/x", hello_port, processes=args.clients,
                        connections=16, seconds=args.seconds)
        finally:
            stop(hello)
        results["baseline"] = sum(r["requests"] for r in runs) / max(r["seconds"] for r in runs)

        port = free_port()
        server = gunicorn("campaign:create_app()", port, env, args.workers, args.threads, ROOT,
                          work)
        try:
            count_path = f"/api/v1/campaigns/{SLUG}"
            load(count_path, port, processes=args.clients, connections=8, seconds=1)
            runs = load(count_path, port, processes=args.clients, connections=16,
                        seconds=args.seconds)
            results["count"] = sum(r["requests"] for r in runs) / max(r["seconds"] for r in runs)
            count_errors = sum(r["errors"] for r in runs)

            # The machine is shared and its speed varies from minute to minute: the signing
            # phase runs several rounds and the median is the figure.
            accepted: set[str] = set()
            latencies: list[float] = []
            refused = 0
            rounds: list[tuple[float, float]] = []  # (signatures/s, server ms per signature)
            client_cpu = 0.0
            for round_number in range(args.rounds):
                cpu_before = server_cpu_seconds(server)
                runs = load("sign", port, processes=args.clients, connections=16,
                            seconds=args.seconds, prefix=f"r{round_number}")
                sign_cpu = server_cpu_seconds(server) - cpu_before
                round_accepted = {a for r in runs for a in r["accepted"]}
                accepted |= round_accepted
                latencies += [x for r in runs for x in r["latencies"]]
                refused += sum(r["refused"] for r in runs)
                client_cpu += sum(r["cpu"] for r in runs)
                rounds.append((len(round_accepted) / max(r["seconds"] for r in runs),
                               1000 * sign_cpu / max(1, len(round_accepted))))
            results["sign"] = statistics.median(rate for rate, _ in rounds)

            def api_count() -> dict:
                import urllib.request

                with urllib.request.urlopen(f"http://127.0.0.1:{port}{count_path}") as answer:
                    return json.load(answer)

            check = confirm_all_and_check(database_url, instance, accepted, api_count)
        finally:
            stop(server)

        print(f"{'':34}{'campaign':>12}{'baseline':>12}{'goal':>10}")
        print(f"{'count API, requests/s':34}{results['count']:>12,.0f}"
              f"{results['baseline']:>12,.0f}{COUNT_GOAL:>10,}"
              f"   {'ok' if results['count'] >= COUNT_GOAL else 'SHORT'}"
              f"{f'  ({count_errors} errors)' if count_errors else ''}")
        print(f"{'sign, accepted requests/s':34}{results['sign']:>12,.0f}{'':>12}"
              f"{SIGN_GOAL:>10,}   {'ok' if results['sign'] >= SIGN_GOAL else 'SHORT'}"
              f"   (median of {len(rounds)} rounds: "
              f"{', '.join(f'{rate:,.0f}' for rate, _ in rounds)})")
        print(f"{'sign latency p50 / p99 (ms)':34}"
              f"{1000 * statistics.median(latencies) if latencies else float('nan'):>12.1f}"
              f"{1000 * percentile(latencies, 0.99):>12.1f}")
        print(f"\nnothing lost: accepted {check['accepted']}, stored {check['stored']} "
              f"(missing {check['missing']}, unexpected {check['unexpected']}), refused "
              f"{refused}; after confirming all: confirmed rows {check['confirmed_rows']}, "
              f"API count {check['counted']}, sum by country {check['by_country_sum']} "
              f"(confirm via the service: {check['confirm_per_s']:,.0f}/s)")
        lost = not (check["accepted"] == check["stored"] == check["confirmed_rows"]
                    == check["counted"] == check["by_country_sum"]) or check["missing"]
        print("RESULT:", "zero lost" if not lost else "MISMATCH: signatures lost or miscounted")
        server_ms = statistics.median(ms for _, ms in rounds)
        client_ms = 1000 * client_cpu / max(1, len(accepted))
        print(f"\nserver CPU while signing: {server_ms:.1f} ms per accepted signature (rounds: "
              f"{', '.join(f'{ms:.1f}' for _, ms in rounds)}); machine load average now "
              f"{os.getloadavg()[0]:.1f} (was {load_before:.1f} at the start: other processes "
              f"share these cores)")
        print(f"load generator CPU: {client_ms:.1f} ms per signature; at "
              f"{server_ms + client_ms:.1f} ms per signature, {os.cpu_count()} idle cores would "
              f"top out near {1000 * (os.cpu_count() or 1) / (server_ms + client_ms):,.0f} "
              f"signatures/s")
        if results["sign"] < SIGN_GOAL or results["count"] < COUNT_GOAL:
            print("\nwhere the time goes:")
            print(profile_sign(database_url, instance))
        return 1 if lost else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
