"""Scale-out: a real ``celery -A campaign.tasks worker`` on Redis runs a packet job stored in
PostgreSQL. Needs CAMPAIGN_TEST_REDIS_URL and CAMPAIGN_TEST_DATABASE_URL (CI sets both)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from campaign import jobs
from campaign.organizer import service

pytestmark = [pytest.mark.celery, pytest.mark.postgres]
SLUG = "stop-forced-repatriation"


@pytest.fixture
def redis_url():
    url = os.environ.get("CAMPAIGN_TEST_REDIS_URL")
    if not url:
        pytest.skip("CAMPAIGN_TEST_REDIS_URL is not set")
    return url


@pytest.fixture
def celery_app(make_app, postgres_url, redis_url, tmp_path):
    queue = f"campaign-test-{uuid.uuid4().hex[:10]}"
    app = make_app(DATABASE_URL=postgres_url, JOBS_BACKEND="celery",
                   CELERY_BROKER_URL=redis_url, CELERY_QUEUE=queue)
    return app


@pytest.fixture
def celery_worker(celery_app, tmp_path):
    """``celery -A campaign.tasks worker`` in a subprocess, configured by CAMPAIGN_* variables
    exactly as on a worker machine."""
    yield from _worker(celery_app, tmp_path, "solo")


@pytest.fixture
def celery_prefork_worker(celery_app, tmp_path):
    """The same with Celery's default pool, whose worker processes are daemonic."""
    yield from _worker(celery_app, tmp_path, "prefork")


def _worker(celery_app, tmp_path, pool: str):
    config = celery_app.config
    env = {**os.environ,
           "CAMPAIGN_DATABASE_URL": config["DATABASE_URL"],
           "CAMPAIGN_CELERY_BROKER_URL": config["CELERY_BROKER_URL"],
           "CAMPAIGN_CELERY_QUEUE": config["CELERY_QUEUE"],
           "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "worker-instance"),
           "CAMPAIGN_JOBS_DIR": config["JOBS_DIR"],
           "CAMPAIGN_SECRET_KEY": "worker-test-key"}
    celery_bin = Path(sys.executable).with_name("celery")
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [str(celery_bin), "-A", "campaign.tasks", "worker", "--pool", pool, "--concurrency", "1",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


def _wait_for(app, job_id: str, process, timeout: float = 120):
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            job = jobs.get_job(job_id)
            if job.status in ("done", "failed"):
                return job
            assert process.poll() is None, "the celery worker exited"
            time.sleep(0.3)
        return jobs.get_job(job_id)


def test_celery_worker_builds_packet_from_postgres(celery_app, celery_worker, add_signatures,
                                                   withheld, tmp_path):
    add_signatures([("김민준", True), ("Hidden", False)], into=celery_app)
    with celery_app.app_context():
        campaign = celery_app.extensions["campaign.library"].get(SLUG)
        job_id = service.request_packet(campaign, "emb-kr", by="org@example.org")
    job = _wait_for(celery_app, job_id, celery_worker)
    log = (tmp_path / "worker.log").read_text()
    assert job.status == "done", (job.error, log[-3000:])
    assert job.worker and not job.worker.endswith(f":{os.getpid()}")
    pdf = Path(job.files[0])
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "김민준" in text and withheld in text and "Hidden" not in text, text[-1500:]


def test_celery_prefork_worker_builds_mail_merge_of_several_letters(
        celery_app, celery_prefork_worker, add_signatures, tmp_path):
    # A daemonic process may not start the processes a mail merge renders with elsewhere.
    add_signatures([("김민준", True), ("Jane Doe", True), ("Ann Lee", True)], into=celery_app)
    with celery_app.app_context():
        campaign = celery_app.extensions["campaign.library"].get(SLUG)
        job_id = service.request_mail_merge(campaign, "emb-kr", "zip", by="org@example.org")
    job = _wait_for(celery_app, job_id, celery_prefork_worker)
    log = (tmp_path / "worker.log").read_text()
    assert job.status == "done", (job.error, log[-3000:])


def _export_left_running_by_a_dead_worker(app) -> str:
    """An export job marked running by a worker process that no longer exists; its id."""
    import socket

    from campaign.jobs.models import Job
    from campaign.jobs.runner import job_key
    from campaign.storage.base import utcnow

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    params = {"campaign": SLUG, "format": "csv", "status": "confirmed", "bom": False}
    job_id = str(uuid.uuid4())
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        session.add(Job(id=job_id, kind="export", key=job_key("export", params), params=params,
                        status="running", progress_done=0, progress_total=1, result={},
                        attempts=1, campaign_slug=SLUG, worker=f"{socket.gethostname()}:"
                        f"{dead.pid}", created_at=utcnow(), started_at=utcnow(),
                        heartbeat_at=utcnow()))
    return job_id


def test_celery_job_interrupted_is_resumed_by_worker(celery_app, celery_worker, add_signatures,
                                                     tmp_path):
    """A job left running by a dead worker process is queued again at start-up and finished."""
    add_signatures([("Resumed", True)], into=celery_app)
    job_id = _export_left_running_by_a_dead_worker(celery_app)
    with celery_app.app_context():
        jobs.backend()  # the web app starting: requeues and sends the job to the broker
    job = _wait_for(celery_app, job_id, celery_worker)
    assert job.status == "done", job.error
    assert job.attempts == 2


def test_jobs_resume_sends_interrupted_job_to_the_workers(celery_app, celery_worker,
                                                          add_signatures, tmp_path):
    add_signatures([("Resumed", True)], into=celery_app)
    job_id = _export_left_running_by_a_dead_worker(celery_app)
    result = celery_app.test_cli_runner().invoke(args=["jobs", "resume"])
    assert result.exit_code == 0, result.output
    job = _wait_for(celery_app, job_id, celery_worker, timeout=30)
    assert job.status == "done", job.error
