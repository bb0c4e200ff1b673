"""Fixtures for signing: an app on SQLite and PostgreSQL, the outbox, a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from campaign.content.model import Campaign
from tests.signatures.factories import SLUG


class LoopbackController(Controller):
    """aiosmtpd's controller on port 0: the OS picks a free port, read back once bound."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Recorder:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _serve(**options):
    recorder = Recorder()
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0, **options)
    controller.start()
    recorder.port = controller.port
    return recorder, controller


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback, offering SMTPUTF8 (aiosmtpd's controller does by
    default); ``.messages`` holds what it received, ``.recipients`` each message's envelope
    recipients."""
    recorder, controller = _serve()
    yield recorder
    controller.stop()


@pytest.fixture
def ascii_smtp_server():
    """The same server without SMTPUTF8: it cannot take an address whose local part is not
    ASCII."""
    recorder, controller = _serve(enable_SMTPUTF8=False)
    yield recorder
    controller.stop()


@pytest.fixture
def sig_app(make_app, database_url):
    """The app on SQLite, and on PostgreSQL when configured; mail goes to the outbox."""
    return make_app(DATABASE_URL=database_url)


@pytest.fixture
def sig_client(sig_app):
    return sig_app.test_client()


@pytest.fixture
def campaign(sig_app) -> Campaign:
    return sig_app.extensions["campaign.library"].get(SLUG)


class Outbox:
    def __init__(self, directory: Path):
        self.directory = directory

    def messages(self) -> list[email.message.EmailMessage]:
        if not self.directory.is_dir():
            return []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(self.directory.glob("*.eml"))]

    def last_text(self) -> str:
        return self.messages()[-1].get_body(("plain",)).get_content()


@pytest.fixture
def outbox(sig_app) -> Outbox:
    return Outbox(Path(sig_app.config["OUTBOX_DIR"]))
