"""Submitting, claiming, running and resuming jobs; the in-process and Celery backends."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from campaign.jobs.kinds import handler_for
from campaign.jobs.models import ACTIVE, DONE, FAILED, QUEUED, RUNNING, Job
from campaign.storage.base import utcnow

log = logging.getLogger(__name__)

# A running job whose heartbeat is older than this is presumed dead (its worker crashed or was
# killed) and may be claimed again.
DEFAULT_STALE_AFTER = 600
_PROGRESS_INTERVAL = 0.5


class JobFailed(Exception):
    """A job cannot be done; the message is shown on the dashboard."""


@dataclass
class JobOutput:
    """What a job produced: the main file, every file a person may download, and a summary."""

    path: Path | None = None
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(worker: str | None) -> bool:
    """Whether the worker that claimed a job still runs. Only knowable for this host; a worker
    on another machine is judged by its heartbeat instead."""
    if not worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# The job kinds whose every run keeps its own output (see JobContext).
KEPT_OUTPUTS = frozenset({"packet", "packets"})


def job_key(kind: str, params: dict[str, Any]) -> str:
    canonical = json.dumps({"kind": kind, "params": params}, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _database():
    return current_app.extensions["campaign.db"]


def jobs_dir() -> Path:
    return Path(current_app.config["JOBS_DIR"])


class JobContext:
    """What a job function gets: its parameters, a folder for its output, and ``progress``."""

    def __init__(self, job: Job, on_progress: Callable[[int, int], None] | None = None):
        self.job_id = job.id
        self.kind = job.kind
        self.params: dict[str, Any] = dict(job.params or {})
        self.campaign_slug = job.campaign_slug
        self.created_by = job.created_by
        # A packet is what was delivered: each packet job writes to a folder of its own, so
        # last month's can still be fetched after a newer one is built. Exports and mail
        # merges are working copies of signers' data: run again with the same parameters, they
        # replace the earlier copy rather than pile up. A job resumed after its process died
        # keeps its id, and so its folder.
        name = job.id if job.kind in KEPT_OUTPUTS else job.key[:16]
        self.output_dir = jobs_dir() / (job.campaign_slug or "_") / f"{job.kind}-{name}"
        self._on_progress = on_progress
        self._last_write = 0.0
        self.done = 0
        self.total = 0

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Records progress (at most twice a second in the database) and beats the heartbeat."""
        self.done = done
        if total is not None:
            self.total = total
        if self._on_progress:
            self._on_progress(self.done, self.total)
        now = time.monotonic()
        if not force and now - self._last_write < _PROGRESS_INTERVAL:
            return
        self._last_write = now
        with _database().session() as session:
            session.execute(update(Job).where(Job.id == self.job_id).values(
                progress_done=self.done, progress_total=self.total, heartbeat_at=utcnow()))


def remove_outputs(campaign_slug: str) -> None:
    """Deletes the files every job of a campaign wrote (packets, exports and mail merges hold
    signers' names and addresses). Their jobs stay listed, with nothing left to download."""
    shutil.rmtree(jobs_dir() / campaign_slug, ignore_errors=True)


def submit(kind: str, params: dict[str, Any], *, campaign_slug: str | None = None,
           created_by: str | None = None, start: bool = True) -> str:
    """Queues a job and returns its id. While a job of the same kind and parameters is queued or
    running, returns that one instead (submitting twice never runs twice)."""
    handler_for(kind)  # an unknown kind fails here, not in a worker
    key = job_key(kind, params)
    with _database().session() as session:
        existing = session.scalars(
            select(Job).where(Job.key == key, Job.status.in_(ACTIVE))
            .order_by(Job.created_at.desc())
        ).first()
        if existing is not None:
            return existing.id
        job = Job(id=str(uuid.uuid4()), kind=kind, key=key, params=params, status=QUEUED,
                  progress_done=0, progress_total=0, result={}, attempts=0,
                  campaign_slug=campaign_slug, created_by=created_by, created_at=utcnow())
        session.add(job)
    if start:
        backend().enqueue(job.id)
    return job.id


def submit_email(function: str, *, campaign_slug: str | None = None, **kwargs: Any) -> str:
    """Sends an email in the background: ``function`` is ``"campaign.module:function"``, called
    as ``function(**kwargs)`` in a worker (kwargs must be JSON: ids and plain values)."""
    return submit("email", {"function": function, "kwargs": kwargs},
                  campaign_slug=campaign_slug)


def get_job(job_id: str) -> Job | None:
    with _database().session() as session:
        return session.get(Job, job_id)


def recent_jobs(campaign_slug: str | None = None, limit: int = 20) -> list[Job]:
    with _database().session() as session:
        query = select(Job).order_by(Job.created_at.desc()).limit(limit)
        if campaign_slug is not None:
            query = query.where(Job.campaign_slug == campaign_slug)
        return list(session.scalars(query))


def _claim(job_id: str, worker: str) -> Job | None:
    """Marks the job running for this worker, if it is queued or its previous worker is dead.
    The conditional UPDATE makes the claim atomic across processes and machines."""
    stale_after = int(current_app.config.get("JOBS_STALE_AFTER", DEFAULT_STALE_AFTER))
    now = utcnow()
    with _database().session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return None
        claimable = job.status == QUEUED or (
            job.status == RUNNING and (
                not _process_alive(job.worker)
                or (job.heartbeat_at or job.started_at or now)
                < now - dt.timedelta(seconds=stale_after)))
        if not claimable:
            return None
        claimed = session.execute(
            update(Job).where(Job.id == job_id, Job.status == job.status,
                              Job.attempts == job.attempts)
            .values(status=RUNNING, worker=worker, attempts=Job.attempts + 1, started_at=now,
                    heartbeat_at=now, finished_at=None, error=None)
        ).rowcount
        if claimed != 1:
            return None
    with _database().session() as session:
        return session.get(Job, job_id)


def failure_message(exc: Exception) -> str:
    """One line for a person: a file error names the file and says what is wrong with it
    (``/srv/out/e.csv: Read-only file system``), as ``letter render`` does."""
    if isinstance(exc, JobFailed):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {exc}"


def run_job(job_id: str, *, on_progress: Callable[[int, int], None] | None = None,
            quiet: bool = False) -> str | None:
    """Runs a queued job (or one whose worker died) in this process; returns its final status,
    or None if another worker has it. ``quiet``: the caller reports a failure itself (the
    command line), so it is logged at debug level only."""
    job = _claim(job_id, worker_name())
    if job is None:
        return None
    context = JobContext(job, on_progress)
    try:
        output = handler_for(job.kind)(context) or JobOutput()
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM on the command running the job: its files are cleaned up on the
        # way here. The person stopped it on purpose, so it is not resumed behind their back
        # (by ``jobs resume`` or the next start); running the command again starts it anew.
        _finish(job_id, FAILED, error="interrupted", done=context.done, total=context.total)
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        message = failure_message(exc)
        # The one line is what the dashboard and the command show; the traceback is for whoever
        # runs the site with debug logging, not for the organizer at the terminal.
        (log.debug if quiet else log.error)("job %s (%s) failed: %s", job_id, job.kind,
                                            message)
        log.debug("job %s (%s) failed:\n%s", job_id, job.kind, traceback.format_exc())
        _finish(job_id, FAILED, error=message[:2000], done=context.done, total=context.total)
        return FAILED
    files = [str(p) for p in (output.files or ([output.path] if output.path else []))]
    total = context.total or context.done
    _finish(job_id, DONE, output_path=str(output.path) if output.path else None,
            result={"files": files, "summary": output.summary}, done=total, total=total)
    return DONE


def _finish(job_id: str, status: str, *, done: int, total: int, **values: Any) -> None:
    with _database().session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            status=status, finished_at=utcnow(), heartbeat_at=utcnow(), progress_done=done,
            progress_total=total, **values))


def run_inline(kind: str, params: dict[str, Any], *, campaign_slug: str | None = None,
               created_by: str | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> Job:
    """Runs a job in this process (the CLI), recorded like any other so the dashboard shows it."""
    job_id = submit(kind, params, campaign_slug=campaign_slug, created_by=created_by,
                    start=False)
    run_job(job_id, on_progress=on_progress, quiet=True)
    job = get_job(job_id)
    assert job is not None
    return job


def wait(job_id: str, timeout: float = 120.0, interval: float = 0.1) -> Job:
    """Polls until the job is done or failed (for the CLI and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(job_id)
        if job is None:
            raise LookupError(job_id)
        if job.status in (DONE, FAILED) or time.monotonic() > deadline:
            return job
        time.sleep(interval)


def requeue_interrupted() -> list[str]:
    """Puts back in the queue the jobs left running by a worker that is gone (crashed, killed,
    restarted); returns their ids. Safe to call from every process at start-up."""
    stale_after = int(current_app.config.get("JOBS_STALE_AFTER", DEFAULT_STALE_AFTER))
    cutoff = utcnow() - dt.timedelta(seconds=stale_after)
    requeued = []
    with _database().session() as session:
        running = session.scalars(select(Job).where(Job.status == RUNNING)).all()
        for job in running:
            beat = job.heartbeat_at or job.started_at
            if _process_alive(job.worker) and beat is not None and beat >= cutoff:
                continue
            changed = session.execute(
                update(Job).where(Job.id == job.id, Job.status == RUNNING,
                                  or_(Job.worker == job.worker, Job.worker.is_(None)))
                .values(status=QUEUED, worker=None)
            ).rowcount
            if changed:
                requeued.append(job.id)
    for job_id in requeued:
        log.warning("job %s was interrupted; queued again", job_id)
    return requeued


def runs_in_process(app: Flask | None = None) -> bool:
    """Whether jobs run in the app's own process (the embedded default) rather than on Celery
    workers."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.config.get("JOBS_BACKEND", "inprocess") != "celery"


def resume_interrupted() -> list[str]:
    """Queues again the jobs whose worker is gone (``requeue_interrupted``) and, with Celery,
    sends them to the workers; returns their ids. With the in-process backend they wait in the
    queue for ``run_queued`` or the next start of the site."""
    requeued = requeue_interrupted()
    if not runs_in_process():
        # Not left to the backend's start: it sends only what it finds still running, and these
        # are queued now.
        worker = backend()
        for job_id in requeued:
            worker.enqueue(job_id)
    return requeued


def _queued_ids() -> list[str]:
    with _database().session() as session:
        return list(session.scalars(
            select(Job.id).where(Job.status == QUEUED).order_by(Job.created_at)))


def run_queued() -> Iterator[Job]:
    """Runs the queued jobs one after the other, oldest first, in the calling thread, and gives
    each as it ends (a job another worker took meanwhile is skipped). For ``jobs resume`` with
    the in-process backend: run in the command's own thread, a job is stopped by Ctrl-C or
    SIGTERM as any command is (its files cleaned up, the job marked failed "interrupted"); in a
    worker thread the interruption would not reach it, and the command would wait for it."""
    for job_id in _queued_ids():
        if run_job(job_id, quiet=True) is not None:
            job = get_job(job_id)
            assert job is not None
            yield job


class InProcessBackend:
    """The embedded default: a small thread pool in the web (or CLI) process. On start it
    resumes what a crashed process left behind."""

    def __init__(self, app: Flask):
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=int(app.config.get("JOBS_WORKERS", 1)),
                                       thread_name_prefix="campaign-job")

    def start(self) -> None:
        with self.app.app_context():
            requeue_interrupted()
            for job_id in _queued_ids():
                self.enqueue(job_id)

    def enqueue(self, job_id: str) -> None:
        self.pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        with self.app.app_context():
            try:
                run_job(job_id)
            except Exception:  # noqa: BLE001 - a worker thread must survive any job
                log.exception("job %s could not be run", job_id)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


class CeleryBackend:
    """Scale-out: the job id goes to the broker; ``celery -A campaign.tasks worker`` runs it."""

    def __init__(self, app: Flask):
        from campaign import tasks

        self.app = app
        tasks.configure_from_app(app)
        self.task = tasks.run_job_task

    def start(self) -> None:
        with self.app.app_context():
            for job_id in requeue_interrupted():
                self.enqueue(job_id)

    def enqueue(self, job_id: str) -> None:
        from campaign.tasks import celery

        self.task.apply_async(args=[job_id], queue=celery.conf.task_default_queue)

    def shutdown(self) -> None:
        pass


_lock = threading.Lock()


def backend(app: Flask | None = None):
    """The app's job backend, created (and started: interrupted jobs resumed) on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("campaign.jobs")
    if found is not None:
        return found
    with _lock:
        found = app.extensions.get("campaign.jobs")
        if found is None:
            kind = app.config.get("JOBS_BACKEND", "inprocess")
            found = CeleryBackend(app) if kind == "celery" else InProcessBackend(app)
            app.extensions["campaign.jobs"] = found
            try:
                found.start()
            except Exception:  # noqa: BLE001 - e.g. a database not yet migrated: serve anyway
                log.exception("jobs: could not resume interrupted jobs at start-up")
    return found
