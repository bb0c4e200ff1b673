"""Sending email: SMTP when ``SMTP_URL`` is set, else the embedded outbox of ``.eml`` files.

``SMTP_URL`` forms: ``smtp://user:pass@host:port`` (plain, or STARTTLS with ``?starttls=1``),
``smtps://user:pass@host:465`` (TLS from the start).
"""

from __future__ import annotations

import binascii
import datetime as dt
import logging
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import idna

from campaign.storage.base import utcnow

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server or written to the outbox."""


class AddressNotSupported(MailError):
    """The mail server cannot deliver to this address: its local part (before the @) is not
    ASCII and the server does not offer SMTPUTF8. Sending again will not help."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    link: str = ""  # the action link, logged by the outbox so a developer can follow it


def _header(value: str) -> str:
    # One line whatever a translation holds: a line break would start a header of its own
    # (a Bcc: or Reply-To: written into a subject's translation).
    value = " ".join(value.splitlines())
    return value if value.isascii() else Header(value, "utf-8").encode()


def envelope_address(address: str) -> str:
    """The address as mail servers read it: the domain in its IDNA (ASCII) form, the local
    part as typed. Only a non-ASCII local part then needs SMTPUTF8 (RFC 6531)."""
    local, _, domain = address.strip().rpartition("@")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise AddressNotSupported(f"the domain of {address!r} is not valid: {exc}") from exc
    return f"{local}@{domain}"


def needs_smtputf8(address: str) -> bool:
    return not envelope_address(address).isascii()


def _qp(text: str) -> bytes:
    # binascii's C encoder: quoted-printable keeps the text readable in an .eml file.
    return binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)


def build_message(mail: Mail, sender: str) -> bytes:
    """A multipart/alternative message (plain text first, then HTML), UTF-8, quoted-printable.

    Written out directly: the ``email`` package's generator costs more than everything else in
    a signature's confirmation mail, and this structure never varies.
    """
    boundary = f"=_campaign_{uuid.uuid4().hex}"
    head = "\n".join([
        f"From: {_header(sender)}",
        # An address is never an encoded-word (RFC 2047 forbids it there): a non-ASCII local
        # part is written as UTF-8 (RFC 6532), which only an SMTPUTF8 server is sent.
        f"To: {envelope_address(mail.to)}",
        f"Subject: {_header(mail.subject)}",
        f"Date: {format_datetime(dt.datetime.now(dt.UTC))}",
        f"Message-ID: {make_msgid(domain=sender.rpartition('@')[2] or 'localhost')}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]).encode("utf-8")
    parts = []
    for subtype, body in (("plain", mail.text), ("html", mail.html)):
        parts.append(
            f"--{boundary}\nContent-Type: text/{subtype}; charset=\"utf-8\"\n"
            "Content-Transfer-Encoding: quoted-printable\n\n".encode("ascii") + _qp(body) + b"\n")
    return head + b"\n\n" + b"".join(parts) + f"--{boundary}--\n".encode("ascii")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    tls: bool  # smtps: TLS from the first byte
    starttls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise MailError(f"SMTP_URL must start with smtp:// or smtps:// (got {parts.scheme!r})")
        query = parse_qs(parts.query)
        starttls = (query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"))
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            tls=parts.scheme == "smtps",
            starttls=starttls,
        )


def send_smtp(message: bytes, sender: str, to: str, settings: SmtpSettings,
              timeout: float = 30) -> None:
    try:
        if settings.tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with server:
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.username:
                server.login(settings.username, settings.password)
            options = []
            if needs_smtputf8(to):
                server.ehlo_or_helo_if_needed()
                if not server.has_extn("smtputf8"):
                    raise AddressNotSupported(
                        f"{settings.host}:{settings.port} does not offer SMTPUTF8, needed for "
                        f"an address whose local part is not ASCII")
                options.append("SMTPUTF8")
            # SMTP lines end in CRLF; smtplib converts only text, not bytes.
            server.sendmail(sender, [envelope_address(to)], message.replace(b"\n", b"\r\n"),
                            mail_options=options)
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        raise MailError(f"could not send mail via {settings.host}:{settings.port}: {exc}") from exc


def write_outbox(message: bytes, outbox: Path) -> Path:
    """Writes the message atomically (a hidden temporary file, then a rename), so a reader never
    sees half a message."""
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"
    target = outbox / name
    temporary = outbox / f".{name}.tmp"
    data = message
    try:
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:
            outbox.mkdir(parents=True, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise MailError(f"could not write to the outbox {outbox}: {exc}") from exc
    return target


def send(mail: Mail, *, smtp_url: str, outbox_dir: str, sender: str) -> None:
    message = build_message(mail, sender)
    if smtp_url:
        send_smtp(message, sender, mail.to, SmtpSettings.from_url(smtp_url))
        return
    path = write_outbox(message, Path(outbox_dir))
    # The embedded set-up has no mail server; the link in the log lets a person confirm anyway.
    log.info("mail written to %s; link: %s", path.name, mail.link)
