"""Mail: a real SMTP server on loopback, and the embedded outbox."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from campaign.signatures.mail import Mail, MailError, SmtpSettings, build_message
from campaign.signatures.models import CampaignCounter
from tests.signatures.factories import PETITION, form, rows


@pytest.fixture
def smtp_app(make_app, smtp_server):
    return make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}", BASE_URL="http://localhost/",
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
    app = make_app(SMTP_URL="smtp://127.0.0.1:1", BASE_URL="http://localhost/")
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


@pytest.mark.parametrize("subject", ["Sign\nBcc: all@example.org", "서명\r\nReply-To: x@example.org"])
def test_subject_with_a_line_break_stays_one_header(subject):
    message = message_from_bytes(build_message(
        Mail(to="jane@example.org", subject=subject, text="Hello", html="<p>Hello</p>"),
        "petition@campaign.example"))
    assert message["Bcc"] is None and message["Reply-To"] is None


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


@pytest.fixture
def ascii_smtp_app(make_app, ascii_smtp_server):
    return make_app(SMTP_URL=f"smtp://127.0.0.1:{ascii_smtp_server.port}", BASE_URL="http://localhost/",
                    MAIL_FROM="petition@campaign.example")


def test_smtp_sends_internationalised_domain_in_idna(smtp_app, smtp_server):
    smtp_app.test_client().post(PETITION, data=form(email="jane@bücher.de"))
    assert smtp_server.recipients == [["jane@xn--bcher-kva.de"]]
    assert smtp_server.messages[0]["To"] == "jane@xn--bcher-kva.de"


def test_smtp_sends_non_ascii_local_part_with_smtputf8(smtp_app, smtp_server):
    response = smtp_app.test_client().post(PETITION, data=form(email="名前@例え.jp"))
    assert response.status_code == 303
    assert smtp_server.recipients == [["名前@xn--r8jz45g.jp"]]
    assert smtp_server.messages[0]["To"] == "名前@xn--r8jz45g.jp"


def test_smtp_without_smtputf8_refuses_non_ascii_local_part_on_email_field(ascii_smtp_app):
    response = ascii_smtp_app.test_client().post(PETITION, data=form(email="jörg@bücher.de"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and "before the @" in page


def test_smtp_without_smtputf8_keeps_no_signature_for_undeliverable_address(ascii_smtp_app):
    ascii_smtp_app.test_client().post(PETITION, data=form(email="jörg@bücher.de"))
    assert rows(ascii_smtp_app) == []


def test_smtp_without_smtputf8_leaves_pending_count_unchanged(ascii_smtp_app):
    client = ascii_smtp_app.test_client()
    client.post(PETITION, data=form(email="jörg@bücher.de"))
    client.post(PETITION, data=form())
    with ascii_smtp_app.extensions["campaign.db"].session() as session:
        [counter] = session.query(CampaignCounter)
    assert counter.pending == 1


def test_outbox_writes_non_ascii_address_as_utf8_not_encoded_word(app):
    app.test_client().post(PETITION, data=form(email="jörg@bücher.de"))
    [path] = Path(app.config["OUTBOX_DIR"]).glob("*.eml")
    assert "\nTo: jörg@xn--bcher-kva.de\n" in path.read_bytes().decode("utf-8")


def test_smtp_refused_address_counts_toward_the_sign_limit(make_app, ascii_smtp_server):
    # Each attempt stored a row and talked to the mail server: repeated, it is limited.
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{ascii_smtp_server.port}", BASE_URL="http://localhost/",
                   MAIL_FROM="petition@campaign.example", RATELIMIT_ENABLED=True,
                   SIGN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [client.post(PETITION, data=form(email=f"jörg{i}@bücher.de"),
                         environ_base={"REMOTE_ADDR": "203.0.113.21"}).status_code
             for i in range(3)]
    assert codes == [400, 400, 429]
