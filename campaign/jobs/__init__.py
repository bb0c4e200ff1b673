"""Background jobs: packets, mail merges, exports and emails, run by an in-process worker pool
(the embedded default) or by Celery workers on any number of machines (``JOBS_BACKEND``).

Views and commands call ``submit``; a worker calls ``run_job`` with the job's id; the job's kind
names one use-case function (``campaign.jobs.kinds``). Progress and results live in the ``jobs``
table, so the dashboard shows the same thing whichever backend ran the job.
"""

from campaign.jobs.runner import (
    JobContext,
    JobFailed,
    JobOutput,
    backend,
    get_job,
    recent_jobs,
    remove_outputs,
    requeue_interrupted,
    resume_interrupted,
    run_inline,
    run_job,
    run_queued,
    runs_in_process,
    submit,
    submit_email,
    wait,
)

__all__ = [
    "JobContext",
    "JobFailed",
    "JobOutput",
    "backend",
    "get_job",
    "recent_jobs",
    "remove_outputs",
    "requeue_interrupted",
    "resume_interrupted",
    "run_inline",
    "run_job",
    "run_queued",
    "runs_in_process",
    "submit",
    "submit_email",
    "wait",
]
