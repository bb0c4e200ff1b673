"""The organizer's job kinds: each takes the job's context (plain parameters) and calls one
use-case. Run by the in-process worker, a Celery worker or the CLI alike."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from campaign.app_context import database, library
from campaign.content.model import Campaign
from campaign.jobs import JobContext, JobFailed, JobOutput
from campaign.organizer.exports import export_signatures
from campaign.organizer.packets import PacketError, build_packet
from campaign.organizer.service import confirmed_count
from campaign.signatures.models import CONFIRMED, Signature
from campaign.storage.files import write_atomically

STREAM_BATCH = 500


def _campaign(context: JobContext) -> Campaign:
    slug = str(context.params.get("campaign", ""))
    try:
        return library().get(slug)
    except KeyError:
        raise JobFailed(f"unknown campaign '{slug}'") from None


def _out_dir(context: JobContext) -> Path:
    return Path(context.params["out_dir"]) if context.params.get("out_dir") \
        else context.output_dir


def packet_job(context: JobContext) -> JobOutput:
    campaign = _campaign(context)
    try:
        packet = build_packet(campaign, str(context.params.get("recipient")), _out_dir(context),
                              progress=context.progress)
    except PacketError as exc:
        raise JobFailed(str(exc)) from exc
    return JobOutput(path=packet.pdf, files=[packet.pdf, packet.csv],
                     summary={"signatures": packet.signatures, "pages": packet.pages})


def all_packets_job(context: JobContext) -> JobOutput:
    """Every recipient's packet, one after the other; progress counts recipients."""
    campaign = _campaign(context)
    out_dir = _out_dir(context)
    recipients = recipients_with_signatures(campaign)
    files: list[Path] = []
    signatures = 0
    for index, recipient_id in enumerate(recipients):
        context.progress(index, len(recipients), force=True)
        packet = build_packet(campaign, recipient_id, out_dir)
        files += [packet.pdf, packet.csv]
        signatures += packet.signatures
    context.progress(len(recipients), len(recipients), force=True)
    return JobOutput(path=out_dir, files=files,
                     summary={"recipients": len(recipients), "signatures": signatures,
                              "without_signatures": len(campaign.recipients) - len(recipients)})


def recipients_with_signatures(campaign: Campaign) -> list[str]:
    """The recipients a packet can be made for: those with confirmed signatures, in the
    directory's order."""
    with database().session() as session:
        return [rid for rid in campaign.recipients
                if confirmed_count(session, campaign.slug, rid) > 0]


def _signers(slug: str, recipient_id: str) -> Iterator:
    """The recipient's confirmed signers who agreed to show their name — a personal letter
    signed with a name the signer asked to withhold would break that promise."""
    from campaign.letters.merge import SignerDetails

    with database().session() as session:
        rows = session.execute(
            select(Signature.name, Signature.country, Signature.city, Signature.postcode,
                   Signature.message, Signature.confirmed_at)
            .where(Signature.campaign_slug == slug, Signature.recipient_id == recipient_id,
                   Signature.status == CONFIRMED, Signature.show_name.is_(True))
            .order_by(Signature.confirmed_at, Signature.id)
            .execution_options(yield_per=STREAM_BATCH))
        for name, country, city, postcode, message, confirmed_at in rows:
            yield SignerDetails(name=name, country=country, city=city or "",
                                postcode=postcode or "", message=message or "",
                                date=confirmed_at.date() if confirmed_at else None)


def mail_merge_job(context: JobContext) -> JobOutput:
    """One personal letter per confirmed signer for a recipient, each signed by that signer, as
    one PDF or as a zip of one PDF per signer."""
    from campaign.letters.service import render_batch_files, write_batch_pdf

    campaign = _campaign(context)
    recipient_id = str(context.params.get("recipient"))
    if recipient_id not in campaign.recipients:
        raise JobFailed(f"unknown recipient '{recipient_id}'")
    fmt = context.params.get("format", "pdf")
    with database().session() as session:
        total = confirmed_count(session, campaign.slug, recipient_id, named_only=True)
    if not total:
        raise JobFailed("no confirmed signer of this recipient agreed to show their name")
    context.progress(0, total, force=True)
    out_dir = _out_dir(context)
    out_dir.mkdir(parents=True, exist_ok=True)
    signers = _signers(campaign.slug, recipient_id)
    if fmt == "zip":
        out = out_dir / f"letters-{recipient_id}.zip"
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".merge-") as work:
            paths = render_batch_files(campaign, recipient_id, signers, Path(work),
                                       progress=lambda n: context.progress(n, total)).written

            def write_zip(handle) -> None:
                with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in paths:
                        archive.write(path, arcname=path.name)

            write_atomically(out, write_zip)
    else:
        out = out_dir / f"letters-{recipient_id}.pdf"
        write_batch_pdf(campaign, recipient_id, signers, out,
                        progress=lambda n: context.progress(n, total))
    context.progress(total, total, force=True)
    return JobOutput(path=out, files=[out], summary={"letters": total})


def export_job(context: JobContext) -> JobOutput:
    campaign = _campaign(context)
    fmt = str(context.params.get("format", "csv"))
    out = Path(context.params["out"]) if context.params.get("out") else \
        context.output_dir / f"signatures-{campaign.slug}.{fmt}"
    count = export_signatures(campaign.slug, out, fmt=fmt,
                              status=str(context.params.get("status", "confirmed")),
                              bom=bool(context.params.get("bom")), progress=context.progress)
    return JobOutput(path=out, files=[out], summary={"signatures": count})


