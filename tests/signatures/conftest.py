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

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; ``.messages`` holds what it received."""
    recorder = Recorder()
    controller = LoopbackController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    recorder.port = controller.port
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
