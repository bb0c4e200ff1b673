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


def test_anonymize_refuses_before_retention_ends(sig_app, sig_client, outbox):
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


def test_anonymize_force_before_retention(sig_app, sig_client, outbox):
    sig_client.post(PETITION, data=form())
    result = sig_app.test_cli_runner().invoke(
        args=["anonymize", "--campaign", "stop-forced-repatriation", "--force"])
    assert result.exit_code == 0 and rows(sig_app)[0].email is None


def test_retention_ends_after_close_plus_retention_days(campaign):
    assert service.retention_ends(campaign) == campaign.closes + dt.timedelta(days=180)
