"""Use-cases of the organizer area: what the dashboard shows, the delivery log, and starting the
background jobs (packets, mail merges, exports). Views and commands call these."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from babel import Locale
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign import jobs
from campaign.app_context import database
from campaign.content.model import Campaign
from campaign.organizer.models import DELIVERY_METHODS, Delivery, User
from campaign.signatures.models import (
    CONFIRMED,
    CampaignCounter,
    CountryCounter,
    Milestone,
    Signature,
)
from campaign.storage import audit
from campaign.storage.base import utcnow

RECEIPT_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
_MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png",
          b"\xff\xd8\xff": "image/jpeg"}
DEFAULT_RECEIPT_MAX = 5 * 1024 * 1024
EXPORT_FORMATS = ("csv", "json")


class OrganizerError(Exception):
    """A request the organizer made cannot be done; the message says why."""


class DeliverySummary(NamedTuple):
    delivered: int
    total: int


def delivery_summary(session: Session, campaign: Campaign) -> DeliverySummary:
    """How many of the campaign's recipients have had a packet delivered, of how many."""
    delivered = session.scalar(
        select(func.count(func.distinct(Delivery.recipient_id)))
        .where(Delivery.campaign_slug == campaign.slug,
               Delivery.recipient_id.in_(list(campaign.recipients)))) or 0
    return DeliverySummary(delivered, len(campaign.recipients))


# --- the dashboard ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecipientStatus:
    id: str
    name: str
    language: str
    signatures: int
    deliveries: tuple[Delivery, ...]
    # Where the address was seen, whether someone checked it there, and the row of
    # recipients.csv to edit to correct it: an address is never shown as authoritative.
    source_urls: tuple[str, ...] = ()
    verified: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Dashboard:
    confirmed: int
    pending: int
    goal: int
    percent: float
    per_day: list[tuple[str, int]]
    by_country: list[tuple[str, str, int]]  # code, localised name, count
    milestones: list[Milestone]
    recipients: list[RecipientStatus]
    delivered: DeliverySummary
    # Confirmed signatures addressed to a recipient that recipients.csv no longer lists (it was
    # removed or renamed after they signed): no packet reaches them until it is back.
    unlisted: dict[str, int] = field(default_factory=dict)


def dashboard(campaign: Campaign, *, locale: str = "en", days: int = 60) -> Dashboard:
    today = dt.date.today()
    start = today - dt.timedelta(days=days - 1)
    names = Locale.parse(locale).territories
    with database().session() as session:
        counter = session.get(CampaignCounter, campaign.slug)
        confirmed = counter.confirmed if counter else 0
        pending = counter.pending if counter else 0
        day = func.date(Signature.confirmed_at)
        rows = session.execute(
            select(day, func.count(Signature.id))
            .where(Signature.campaign_slug == campaign.slug, Signature.status == CONFIRMED,
                   Signature.confirmed_at >= dt.datetime.combine(start, dt.time()))
            .group_by(day)).all()
        counts = {str(d): n for d, n in rows}
        per_day = [((start + dt.timedelta(days=i)).isoformat(),
                    counts.get((start + dt.timedelta(days=i)).isoformat(), 0))
                   for i in range(days)]
        by_country = [(c.country, names.get(c.country, c.country), c.confirmed) for c in
                      session.scalars(select(CountryCounter)
                                      .where(CountryCounter.campaign_slug == campaign.slug,
                                             CountryCounter.confirmed > 0)
                                      .order_by(CountryCounter.confirmed.desc()))]
        milestones = list(session.scalars(select(Milestone)
                                          .where(Milestone.campaign_slug == campaign.slug)
                                          .order_by(Milestone.percent)))
        per_recipient = dict(session.execute(
            select(Signature.recipient_id, func.count(Signature.id))
            .where(Signature.campaign_slug == campaign.slug, Signature.status == CONFIRMED)
            .group_by(Signature.recipient_id)).all())
        deliveries: dict[str, list[Delivery]] = {}
        for delivery in session.scalars(select(Delivery)
                                        .where(Delivery.campaign_slug == campaign.slug)
                                        .order_by(Delivery.delivered_on.desc(),
                                                  Delivery.id.desc())):
            deliveries.setdefault(delivery.recipient_id, []).append(delivery)
        summary = delivery_summary(session, campaign)
    recipients = [RecipientStatus(r.id, r.name, r.language, per_recipient.get(r.id, 0),
                                  tuple(deliveries.get(r.id, ())), r.source_urls, r.verified,
                                  r.line)
                  for r in campaign.recipients.values()]
    percent = min(100.0, 100.0 * confirmed / campaign.goal) if campaign.goal else 0.0
    unlisted = {rid: n for rid, n in per_recipient.items() if rid not in campaign.recipients}
    return Dashboard(confirmed, pending, campaign.goal, percent, per_day, by_country,
                     milestones, recipients, summary, unlisted)


# --- the delivery log ---------------------------------------------------------------------------

def receipt_type(head: bytes) -> str | None:
    """The receipt's real type from its first bytes (PDF, PNG or JPEG), whatever its name says."""
    for magic, content_type in _MAGIC.items():
        if head.startswith(magic):
            return content_type
    return None


def receipts_dir() -> Path:
    return Path(current_app.instance_path) / "receipts"


def delivery_date_problem(campaign: Campaign, delivered_on: dt.date) -> str | None:
    """Why a packet cannot have been delivered on this day, or None. A day of slack after today:
    the organizer's day may already be tomorrow in the server's time zone."""
    if delivered_on < campaign.opens:
        return _("The delivery date is before the campaign opened (%(date)s).",
                 date=campaign.opens.isoformat())
    if delivered_on > dt.date.today() + dt.timedelta(days=1):
        return _("The delivery date is in the future.")
    return None


def record_delivery(campaign: Campaign, *, recipient_id: str, delivered_on: dt.date,
                    method: str, user_id: int | None, note: str = "",
                    receipt: bytes | None = None) -> int:
    """Adds a delivery to the log (with the receipt scan, if any, under a random name)."""
    if recipient_id not in campaign.recipients:
        raise OrganizerError(_("Unknown recipient: %(recipient)s.", recipient=recipient_id))
    if method not in DELIVERY_METHODS:
        raise OrganizerError(_("Unknown delivery method: %(method)s.", method=method))
    problem = delivery_date_problem(campaign, delivered_on)
    if problem:
        raise OrganizerError(problem)
    file_name = content_type = None
    if receipt:
        limit = int(current_app.config.get("RECEIPT_MAX_BYTES", DEFAULT_RECEIPT_MAX))
        if len(receipt) > limit:
            raise OrganizerError(_("The receipt is larger than %(size)s MB.",
                                   size=limit // (1024 * 1024)))
        content_type = receipt_type(receipt[:16])
        if content_type is None:
            raise OrganizerError(_("The receipt must be a PDF, PNG or JPEG file."))
        folder = receipts_dir()
        folder.mkdir(parents=True, exist_ok=True)
        file_name = secrets.token_hex(16) + RECEIPT_TYPES[content_type]
        (folder / file_name).write_bytes(receipt)
    with database().session() as session:
        delivery = Delivery(campaign_slug=campaign.slug, recipient_id=recipient_id,
                            delivered_on=delivered_on, method=method, user_id=user_id,
                            note=note.strip()[:2000], receipt_file=file_name,
                            receipt_content_type=content_type, created_at=utcnow())
        session.add(delivery)
        session.flush()
        audit.record(session, "packet_delivered", campaign_slug=campaign.slug,
                     actor=str(user_id) if user_id else None, recipient_id=recipient_id,
                     method=method)
        return delivery.id


def _delivery(session: Session, campaign: Campaign, delivery_id: int) -> Delivery | None:
    """The delivery ``delivery_id`` if it belongs to this campaign."""
    delivery = session.get(Delivery, delivery_id)
    return delivery if delivery is not None and delivery.campaign_slug == campaign.slug else None


def delivery_to_remove(campaign: Campaign, delivery_id: int) -> tuple[str, dt.date]:
    """The recipient's id and the date of a delivery of this campaign, to ask before removing
    it."""
    with database().session() as session:
        delivery = _delivery(session, campaign, delivery_id)
        if delivery is None:
            raise OrganizerError(_("There is no such delivery."))
        return delivery.recipient_id, delivery.delivered_on


def remove_delivery(campaign: Campaign, delivery_id: int, *, user_id: int | None) -> str:
    """Removes a delivery recorded by mistake, with its receipt scan; returns its recipient's
    id. The audit log keeps what was removed and by whom."""
    with database().session() as session:
        delivery = _delivery(session, campaign, delivery_id)
        if delivery is None:
            raise OrganizerError(_("There is no such delivery."))
        recipient_id, receipt = delivery.recipient_id, delivery.receipt_file
        audit.record(session, "delivery_removed", campaign_slug=campaign.slug,
                     actor=str(user_id) if user_id else None, recipient_id=recipient_id,
                     delivered_on=delivery.delivered_on.isoformat(), method=delivery.method)
        session.delete(delivery)
    if receipt:
        (receipts_dir() / receipt).unlink(missing_ok=True)
    return recipient_id


def delivery_receipt(campaign: Campaign, delivery_id: int) -> tuple[Path, str] | None:
    with database().session() as session:
        delivery = _delivery(session, campaign, delivery_id)
        if delivery is None or not delivery.receipt_file:
            return None
        path = receipts_dir() / delivery.receipt_file
        return (path, delivery.receipt_content_type or "application/octet-stream") \
            if path.is_file() else None


def user_emails(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with database().session() as session:
        return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


# --- jobs ---------------------------------------------------------------------------------------

def confirmed_count(session: Session, slug: str, recipient_id: str, *,
                    named_only: bool = False) -> int:
    """Confirmed signatures routed to a recipient (``named_only``: of signers who agreed to show
    their name, those a personal letter can be signed for)."""
    where = [Signature.campaign_slug == slug, Signature.recipient_id == recipient_id,
             Signature.status == CONFIRMED]
    if named_only:
        where.append(Signature.show_name.is_(True))
    return session.scalar(select(func.count(Signature.id)).where(*where)) or 0


def request_packet(campaign: Campaign, recipient_id: str | None, *, by: str | None,
                   out_dir: str | None = None) -> str:
    """Queues the packet of one recipient, or of every recipient (``None``); returns the job id."""
    if recipient_id is not None and recipient_id not in campaign.recipients:
        raise OrganizerError(_("Unknown recipient: %(recipient)s.", recipient=recipient_id))
    if recipient_id is not None:
        with database().session() as session:
            if confirmed_count(session, campaign.slug, recipient_id) == 0:
                raise OrganizerError(_("No confirmed signatures for %(recipient)s yet: there "
                                       "is nothing to deliver.", recipient=recipient_id))
    params: dict[str, str] = {"campaign": campaign.slug}
    if out_dir:
        params["out_dir"] = out_dir
    if recipient_id is None:
        return jobs.submit("packets", params, campaign_slug=campaign.slug, created_by=by)
    return jobs.submit("packet", {**params, "recipient": recipient_id},
                       campaign_slug=campaign.slug, created_by=by)


def request_mail_merge(campaign: Campaign, recipient_id: str, fmt: str, *,
                       by: str | None) -> str:
    if recipient_id not in campaign.recipients:
        raise OrganizerError(_("Unknown recipient: %(recipient)s.", recipient=recipient_id))
    if fmt not in ("pdf", "zip"):
        raise OrganizerError(_("Unknown mail-merge format: %(format)s.", format=fmt))
    # Said now rather than by a job that fails a moment later.
    with database().session() as session:
        if confirmed_count(session, campaign.slug, recipient_id, named_only=True) == 0:
            raise OrganizerError(_("No confirmed signer of %(recipient)s agreed to show their "
                                   "name: there is no personal letter to print.",
                                   recipient=recipient_id))
    return jobs.submit("mailmerge", {"campaign": campaign.slug, "recipient": recipient_id,
                                     "format": fmt}, campaign_slug=campaign.slug, created_by=by)


def request_export(campaign: Campaign, *, fmt: str = "csv", status: str = "confirmed",
                   bom: bool = False, by: str | None) -> str:
    if fmt not in EXPORT_FORMATS:
        raise OrganizerError(_("Unknown export format: %(format)s.", format=fmt))
    return jobs.submit("export", {"campaign": campaign.slug, "format": fmt, "status": status,
                                  "bom": bom}, campaign_slug=campaign.slug, created_by=by)
