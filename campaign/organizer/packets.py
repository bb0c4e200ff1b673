"""Delivery packets: for one recipient, ONE PDF — the cover letter (the campaign's letter to that
recipient, in the recipient's language, cited, signed on behalf of the signatories), the signature
annex, and the sources — numbered "n / N" across the whole packet; and the same list as CSV.

The annex lists the confirmed signatures routed to the recipient (``Signature.recipient_id``) in
the order they were confirmed (then by id). That order is stable: a signer keeps their number in
every later packet, so two packets handed over on different days agree with each other.

Runs in a Flask app context (database, letters engine, translations), from a job or the CLI.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from flask import current_app
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.app_context import database
from campaign.content.model import Campaign, Recipient
from campaign.organizer.annex import AnnexLayout, AnnexLine, HtmlPart, render_annex
from campaign.organizer.pdfparts import merge_and_number
from campaign.organizer.service import confirmed_count
from campaign.signatures.models import CONFIRMED, Signature
from campaign.signatures.rules import neutralise_cell
from campaign.storage.files import write_atomically

STREAM_BATCH = 2000
CSV_COLUMNS = ("number", "name", "city", "country", "country_name", "date")

# The cover letter prints its own "1 / 2" in the footer; in a packet the numbers run across all
# parts and are stamped afterwards, so the letter's own are switched off.
_COVER_OVERRIDE = "@page { @bottom-center { content: none; } }"


class PacketError(Exception):
    """The packet cannot be built (unknown recipient, letters engine missing …)."""


@dataclass(frozen=True)
class DeliveryPacket:
    recipient_id: str
    pdf: Path
    csv: Path
    signatures: int
    pages: int


def packet_locale(recipient: Recipient) -> str:
    """The packet's language: the recipient's working language when the interface has it."""
    offered = current_app.config["LANGUAGES"]
    if recipient.locale in offered:
        return recipient.locale
    base = recipient.locale.split("_")[0]
    return base if base in offered else "en"


def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (ValueError, TypeError):
        return Locale.parse("en")


def country_name(code: str, locale: Locale) -> str:
    return locale.territories.get(code.upper(), code) if code else ""


def stream_confirmed(session: Session, slug: str, recipient_id: str):
    """The annex's rows as plain tuples, fetched in batches (never 100,000 objects at once)."""
    query = (select(Signature.name, Signature.show_name, Signature.city, Signature.country,
                    Signature.confirmed_at)
             .where(Signature.campaign_slug == slug, Signature.recipient_id == recipient_id,
                    Signature.status == CONFIRMED)
             .order_by(Signature.confirmed_at, Signature.id)
             .execution_options(yield_per=STREAM_BATCH))
    yield from session.execute(query)


def _cover_parts(campaign: Campaign, recipient_id: str, count: int,
                 work_dir: Path) -> tuple[HtmlPart, HtmlPart | None]:
    """The cover letter and its sources (only what it cites, numbered as its notes), from the
    letters engine, with what their renderer may load."""
    try:
        from campaign.letters.service import engine, render_cover_letter_parts
    except ImportError as exc:  # the letters engine is another area's; say what is missing
        raise PacketError(f"the letters engine is not available: {exc}") from exc
    letters = engine()
    letter, sources = render_cover_letter_parts(campaign, recipient_id, signature_count=count)

    def part(html: str, name: str) -> HtmlPart:
        return HtmlPart(html=html, path=work_dir / name,
                        base_url=letters.layout_dir.resolve().as_uri() + "/",
                        stylesheet=letters.css_path,
                        asset_roots=(letters.letters_dir, letters.static_dir),
                        extra_css=_COVER_OVERRIDE)

    return part(letter, "cover.pdf"), (part(sources, "sources.pdf") if sources else None)


def _annex_lines(rows, locale: Locale, withheld: str, csv_writer) -> Iterator[AnnexLine]:
    for number, (name, show_name, city, country, confirmed_at) in enumerate(rows, start=1):
        shown = name if show_name and name else withheld
        place_country = country_name(country, locale)
        place = ", ".join(p for p in (city, place_country) if p)
        date = confirmed_at.date().isoformat() if confirmed_at else ""
        csv_writer.writerow([number, neutralise_cell(shown), neutralise_cell(city), country,
                             place_country, date])
        yield AnnexLine(number=number, name=shown, place=place, date=date)


def build_packet(campaign: Campaign, recipient_id: str, out_dir: Path, *,
                 progress: Callable[[int, int], None] | None = None,
                 workers: int | None = None) -> DeliveryPacket:
    """Writes ``<recipient_id>.pdf`` and ``<recipient_id>.csv`` to ``out_dir`` (each atomically)."""
    recipient = campaign.recipients.get(recipient_id)
    if recipient is None:
        raise PacketError(f"unknown recipient '{recipient_id}' in campaign '{campaign.slug}'")
    locale_id = packet_locale(recipient)
    locale = _locale(locale_id)
    lang = locale_id.replace("_", "-")
    direction = "rtl" if locale.text_direction == "rtl" else "ltr"
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / f"{recipient_id}.pdf"
    csv_path = out_dir / f"{recipient_id}.csv"

    with force_locale(locale_id):
        # Translators: printed in a delivery packet instead of the name of a signer who asked
        # not to show it.
        withheld = _("name withheld")
        named = recipient.in_language(pgettext)  # named in the packet's language
        with database().session() as session:
            count = confirmed_count(session, campaign.slug, recipient_id)
        if count == 0:
            # The cover letter would speak "on behalf of 0 signatories".
            raise PacketError(f"no confirmed signatures for '{recipient_id}' yet: nothing to "
                              "deliver")
        layout = AnnexLayout(
            lang=lang, direction=direction,
            # Translators: heading of the list of signatures in a delivery packet.
            title=_("Signatures: %(count)s", count=f"{count:,}"),
            running_head=f"{_(campaign.title)} — {named.name}",
            # Translators: column legend of the list of signatures in a delivery packet.
            columns=_("No.  ·  Name  ·  City, country  ·  Date of signature"),
        )
        total_steps = count + 3
        if progress:
            progress(0, total_steps)
        # Temporary parts next to the output: same file system, removed whatever happens.
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".packet-") as work:
            work_dir = Path(work)
            cover, sources = _cover_parts(campaign, recipient_id, count, work_dir)
            others = [cover] + ([sources] if sources else [])
            csv_part = work_dir / "list.csv"
            with database().session() as session, csv_part.open(
                    "w", encoding="utf-8", newline="") as csv_file:
                writer = csv.writer(csv_file)
                writer.writerow(CSV_COLUMNS)
                lines = _annex_lines(stream_confirmed(session, campaign.slug, recipient_id),
                                     locale, withheld, writer)
                annex = render_annex(
                    lines, layout, work_dir / "annex", expected=count, workers=workers,
                    parts=others,
                    progress=(lambda done: progress(1 + done, total_steps)) if progress else None)
            if progress:
                progress(count + 2, total_steps)
            tail = [sources.path] if sources else []
            pages = merge_and_number([cover.path, *annex, *tail], pdf_path,
                                     title=f"{_(campaign.title)} — {named.name}")
            write_atomically(csv_path, lambda out: _copy(csv_part, out))
    if progress:
        progress(total_steps, total_steps)
    return DeliveryPacket(recipient_id=recipient_id, pdf=pdf_path, csv=csv_path,
                          signatures=count, pages=pages)


def _copy(source: Path, out: io.BufferedWriter) -> None:
    with source.open("rb") as data:
        shutil.copyfileobj(data, out)


