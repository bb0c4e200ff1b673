"""The email job: calls a mail-sending use-case of the project by name, with plain arguments,
outside the web request (so a slow SMTP server never holds up a page)."""

from __future__ import annotations

import importlib

from campaign.jobs.runner import JobContext, JobFailed, JobOutput

# Only the project's own functions may be named in a job's parameters.
ALLOWED_PREFIX = "campaign."


def email_job(context: JobContext) -> JobOutput:
    target = str(context.params.get("function", ""))
    module_name, _, name = target.partition(":")
    if not module_name.startswith(ALLOWED_PREFIX) or not name or name.startswith("_"):
        raise JobFailed(f"not a sendable function: {target!r}")
    function = getattr(importlib.import_module(module_name), name)
    context.progress(0, 1)
    function(**dict(context.params.get("kwargs") or {}))
    context.progress(1, 1)
    return JobOutput(summary={"sent": 1})
