"""Mail: a real SMTP server on loopback, and the embedded outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.signatures.mail import MailError, SmtpSettings
from tests.signatures.factories import PETITION, form, rows


@pytest.fixture
def smtp_app(make_app, smtp_server):
    return make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
                    MAIL_FROM="petition@campaign.example")


def test_confirmation_goes_through_smtp(smtp_app, smtp_server):
    smtp_app.test_client().post(PETITION, data=form())
    [message] = smtp_server.messages
    assert message["To"] == "jane@example.org"
    assert message["From"] == "petition@campaign.example"


def test_confirmation_mail_has_text_and_html(smtp_app, smtp_server):
    smtp_app.test_client().post(PETITION, data=form())
    message = smtp_server.messages[0]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "/en/confirm/" in text and 'href="http://localhost/en/confirm/' in html


def test_confirmation_mail_escapes_name_in_html(smtp_app, smtp_server):
    smtp_app.test_client().post(PETITION, data=form(name="Jane & Co"))
    message = smtp_server.messages[0]
    assert "Jane &amp; Co" in message.get_body(("html",)).get_content()
    assert "Jane & Co" in message.get_body(("plain",)).get_content()


def test_confirmation_mail_in_signer_language(smtp_app, smtp_server):
    smtp_app.test_client().post("/ja/c/stop-forced-repatriation/", data=form())
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "/ja/confirm/" in text and "/ja/my/" in text


def test_smtp_down_answers_503_and_keeps_pending(make_app):
    app = make_app(SMTP_URL="smtp://127.0.0.1:1")
    response = app.test_client().post(PETITION, data=form())
    assert response.status_code == 503
    assert [r.status for r in rows(app)] == ["pending"]


def test_outbox_writes_one_eml_per_mail(app):
    client = app.test_client()
    client.post(PETITION, data=form())
    client.post(PETITION, data=form(email="b@example.org"))
    files = list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 2
    assert not list(Path(app.config["OUTBOX_DIR"]).glob(".*.tmp"))


def test_smtp_url_parses_credentials_and_starttls():
    settings = SmtpSettings.from_url("smtp://u%40x:p%2Fw@mail.example:587?starttls=1")
    assert (settings.username, settings.password, settings.port, settings.starttls,
            settings.tls) == ("u@x", "p/w", 587, True, False)


def test_smtps_url_defaults_to_port_465():
    settings = SmtpSettings.from_url("smtps://mail.example")
    assert (settings.port, settings.tls) == (465, True)


def test_smtp_url_refuses_other_schemes():
    with pytest.raises(MailError):
        SmtpSettings.from_url("http://mail.example")
