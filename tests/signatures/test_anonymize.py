"""`campaign anonymize`: personal data goes after the retention period; the counts stay."""

from __future__ import annotations

import datetime as dt

import pytest

from campaign.signatures import service
from tests.signatures.factories import COUNT_API, PETITION, form, rows, sign_and_confirm


@pytest.fixture
def after_retention(monkeypatch):
    from campaign.signatures import commands

    monkeypatch.setattr(commands, "utcnow", lambda: dt.datetime(2029, 1, 1))


@pytest.fixture
def within_retention(monkeypatch):
    """A day after the campaign closed (2027-09-24), before its retention ends (2028-03-22)."""
    from campaign.signatures import commands

    monkeypatch.setattr(commands, "utcnow", lambda: dt.datetime(2027, 10, 1))


def test_anonymize_refuses_before_retention_ends(sig_app, sig_client, outbox, within_retention):
    sign_and_confirm(sig_client, outbox)
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation"])
    assert result.exit_code != 0
    assert "2028-03-22" in result.output and "--force" in result.output
    assert rows(sig_app)[0].name == "Jane O'Neil"


def test_anonymize_unknown_campaign_names_option(sig_app):
    result = sig_app.test_cli_runner().invoke(args=["anonymize", "--campaign", "nope"])
    assert result.exit_code != 0 and "--campaign" in result.output
    assert "Traceback" not in result.output


def test_anonymize_dry_run_changes_nothing(sig_app, sig_client, outbox, after_retention):
    sign_and_confirm(sig_client, outbox)
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation", "--dry-run"])
    assert result.exit_code == 0 and "1 signature(s)" in result.output
    assert rows(sig_app)[0].name == "Jane O'Neil"


def test_anonymize_removes_personal_data_keeps_country(sig_app, sig_client, outbox,
                                                      after_retention):
    sign_and_confirm(sig_client, outbox, country="KR")
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation"])
    assert result.exit_code == 0, result.output
    [signature] = rows(sig_app)
    assert (signature.name, signature.email, signature.city, signature.message) == (
        "", None, "", "")
    assert (signature.country, signature.status) == ("KR", "confirmed")
    assert signature.anonymized_at and signature.confirmed_at


def test_anonymized_signatures_keep_counting(sig_app, sig_client, outbox, after_retention):
    sign_and_confirm(sig_client, outbox, country="KR")
    sig_app.test_cli_runner().invoke(args=["anonymize", "--campaign",
                                           "stop-forced-repatriation"])
    assert sig_client.get(COUNT_API).json["by_country"] == {"KR": 1}


def test_anonymize_force_before_retention(sig_app, sig_client, outbox, within_retention):
    sig_client.post(PETITION, data=form())
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation", "--force"])
    assert result.exit_code == 0 and rows(sig_app)[0].email is None


@pytest.mark.parametrize("today", [dt.datetime(2027, 1, 1), dt.datetime(2027, 9, 24, 23, 0)])
def test_anonymize_force_refuses_open_campaign(sig_app, sig_client, outbox, monkeypatch,
                                               today):
    from campaign.signatures import commands

    sign_and_confirm(sig_client, outbox)
    monkeypatch.setattr(commands, "utcnow", lambda: today)
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation", "--force"])
    assert result.exit_code == 1
    assert "does not close until 2027-09-24" in result.output
    assert rows(sig_app)[0].email == "jane@example.org"


def test_retention_ends_after_close_plus_retention_days(campaign):
    assert service.retention_ends(campaign) == campaign.closes + dt.timedelta(days=180)


def test_anonymize_removes_the_campaigns_exported_files(sig_app, sig_client, outbox,
                                                        after_retention):
    from pathlib import Path

    from campaign import jobs
    from campaign.organizer import service as organizer

    sign_and_confirm(sig_client, outbox)
    with sig_app.app_context():
        campaign = sig_app.extensions["campaign.library"].get("stop-forced-repatriation")
        export = jobs.wait(organizer.request_export(campaign, by="org@example.org"))
    assert "jane@example.org" in Path(export.output_path).read_text(encoding="utf-8")
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation"])
    assert result.exit_code == 0, result.output
    assert not Path(export.output_path).exists()


def test_anonymize_run_again_still_removes_files_left_behind(sig_app, sig_client, outbox,
                                                             after_retention):
    # A campaign anonymised by a release that kept the job files: nothing to anonymise, and
    # the files still go.
    from pathlib import Path

    from campaign import jobs
    from campaign.organizer import service as organizer

    sign_and_confirm(sig_client, outbox)
    sig_app.test_cli_runner().invoke(args=["anonymize", "--campaign", "stop-forced-repatriation"])
    with sig_app.app_context():
        campaign = sig_app.extensions["campaign.library"].get("stop-forced-repatriation")
        export = jobs.wait(organizer.request_export(campaign, by="org@example.org"))
    assert Path(export.output_path).exists()
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation"])
    assert result.exit_code == 0 and "0 signature(s)" in result.output
    assert not Path(export.output_path).exists()
