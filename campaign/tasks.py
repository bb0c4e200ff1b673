"""Celery entry point for scale-out: ``celery -A campaign.tasks worker``.

Nothing is built at import time. The broker comes from ``CAMPAIGN_CELERY_BROKER_URL`` (or the
web app's ``CELERY_BROKER_URL`` when it submits); the worker builds its Flask app — and so its
database connection, from ``CAMPAIGN_DATABASE_URL`` — on its first task. Tasks take a job id only
and call ``campaign.jobs.run_job``; the job's state is in the database, not in Celery.
"""

from __future__ import annotations

import os
import threading

from celery import Celery
from flask import Flask

celery = Celery("campaign", set_as_current=False)

_app: Flask | None = None
_app_lock = threading.Lock()


@celery.on_configure.connect
def _configure(sender: Celery, **_kwargs) -> None:
    sender.conf.update(
        broker_url=os.environ.get("CAMPAIGN_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        task_ignore_result=True,
        # A task is acknowledged only when it has finished, and given back to the broker if its
        # worker dies: with the job's own claim in the database this makes jobs survive crashes.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_default_queue=os.environ.get("CAMPAIGN_CELERY_QUEUE", "campaign"),
    )


def configure_from_app(app: Flask) -> None:
    """Used by the web app (JOBS_BACKEND = "celery") and by tests running a worker in-process:
    the broker from the app's configuration, and this app for the tasks."""
    global _app
    # Reading the configuration first runs ``_configure`` (Celery configures on first read);
    # writing before that would be overwritten by the defaults.
    celery.conf.broker_url  # noqa: B018
    celery.conf.broker_url = app.config["CELERY_BROKER_URL"]
    if app.config.get("CELERY_QUEUE"):
        celery.conf.task_default_queue = app.config["CELERY_QUEUE"]
    _app = app


def flask_app() -> Flask:
    global _app
    with _app_lock:
        if _app is None:
            from campaign import create_app

            _app = create_app()
        return _app


@celery.task(name="campaign.run_job")
def run_job_task(job_id: str) -> str | None:
    from campaign.jobs import run_job

    with flask_app().app_context():
        return run_job(job_id)
