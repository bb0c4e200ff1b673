"""Mail merge: one personal letter per confirmed signer, and the email job."""

from __future__ import annotations

import subprocess
import zipfile

from campaign import jobs
from campaign.organizer import service

SLUG = "stop-forced-repatriation"


def _run(app, fmt: str):
    with app.app_context():
        campaign = app.extensions["campaign.library"].get(SLUG)
        return jobs.wait(service.request_mail_merge(campaign, "emb-kr", fmt, by="t"),
                         timeout=300)


def test_mail_merge_pdf_has_a_letter_per_signer(app, add_signatures):
    add_signatures([("Kim Minjun", True), ("Anna Weber", True), ("Withheld Name", False)])
    job = _run(app, "pdf")
    assert job.status == "done", job.error
    text = subprocess.run(["pdftotext", job.output_path, "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Kim Minjun" in text and "Anna Weber" in text
    assert "Withheld Name" not in text
    assert job.result["summary"]["letters"] == 2


def test_mail_merge_zip_has_one_pdf_per_signer(app, add_signatures):
    add_signatures([("Kim Minjun", True), ("Anna Weber", True)])
    job = _run(app, "zip")
    assert job.status == "done", job.error
    with zipfile.ZipFile(job.output_path) as archive:
        names = archive.namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)


def test_email_job_calls_named_project_function(app):
    with app.app_context():
        job = jobs.wait(jobs.submit_email("campaign.settings:warn_if_slow_fonts"))
    assert job.status == "done", job.error


def test_email_job_refuses_function_outside_project(app):
    with app.app_context():
        job = jobs.wait(jobs.submit_email("os:system", command="true"))
    assert job.status == "failed"
    assert "not a sendable function" in job.error
