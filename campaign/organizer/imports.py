"""Paper signatures in: a CSV (name, email, country, city, date, show_name) checked with the
signing rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from campaign.app_context import database
from campaign.content.model import Campaign
from campaign.signatures.models import CONFIRMED, PAPER, Milestone, Signature
from campaign.signatures.rules import InvalidSignature, validate_signer
from campaign.signatures.service import add_to_counters
from campaign.storage import audit
from campaign.storage.base import utcnow
from campaign.storage.csvfiles import CsvFileError, Record, read_records, read_text

IMPORT_COLUMNS = ("name", "email", "country", "city", "date", "show_name")
# A paper form's box "my name may be shown": ticked, not ticked, or no such box (an empty cell).
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
MILESTONES = (25, 50, 75, 100)


class PaperImportError(Exception):
    """The file cannot be read as a paper-signature CSV; the message names file and line."""


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def lines(self, file_name: str) -> list[str]:
        return [f"{file_name}:{line}: {reason}" for line, reason in self.rejected]


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _parse_date(value: str, opens: dt.date, today: dt.date) -> dt.datetime:
    """The day a paper signature was given: a real day between the campaign's opening and
    today (UTC, as every signing time is), as an online signature's would be."""
    text = (value or "").strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidSignature("date", f"'{text}' is not a date (YYYY-MM-DD)") from None
    if day > today:
        raise InvalidSignature("date", f"{text} is in the future")
    if day < opens:
        raise InvalidSignature("date", f"{text} is before the campaign opened "
                                       f"({opens.isoformat()})")
    return dt.datetime.combine(day, dt.time(12, 0))


def _read_records(path: Path) -> list[Record]:
    """Every record of the file, read whole before anything is stored, so that a file saved in
    another encoding or that the CSV reader gives up on part-way adds nobody."""
    try:
        return read_records(path, read_text(path))
    except CsvFileError as exc:
        if exc.line is None:
            raise PaperImportError(str(exc)) from None
        raise PaperImportError(f"{exc}; nothing was imported") from None


def import_paper_signatures(campaign: Campaign, path: Path, *,
                            today: dt.date | None = None) -> ImportReport:
    """Adds the rows of a CSV of paper signatures (columns name, email, country, city, date, and
    show_name when the paper form asked whether the name may be shown: without a "yes" it is not)
    as confirmed signatures from paper, each checked with the same rules as the web form.

    A person who signed already — online or in an earlier import — is skipped: the database's
    unique (campaign, email key) decides, row by row in a savepoint, so two imports running at
    once cannot add the same person twice. The counters and milestones move in the same
    transaction as the rows. ``today`` (default: the UTC date) is the last day a row may
    have."""
    # Not the machine's local date: east of Greenwich it would let in a row dated tomorrow in
    # UTC, west of it keep out one dated today.
    today = today or utcnow().date()
    report = ImportReport()
    records = _read_records(path)
    header = [h.strip().lower() for h in (records[0].cells if records else [])]
    missing = [c for c in ("name", "email", "country", "date") if c not in header]
    if missing:
        raise PaperImportError(f"{path}:1: missing column(s): {', '.join(missing)} "
                               f"(expected {', '.join(IMPORT_COLUMNS)}; city and show_name may be "
                               "left out)")
    with database().session() as session:
        before = add_to_counters(session, campaign.slug, "")
        for record in records[1:]:
            line = record.first_line
            if record.last_line > line:
                # No column of this file may hold a line break, so a record over several
                # lines is a quote left open: the csv reader has read the rows after it into
                # this one. Named by where it starts, with the lines it took, no row vanishes.
                report.rejected.append((line, f"a quoted cell runs on to line {record.last_line}"
                                              f" (is a quote left open?): lines {line}–"
                                              f"{record.last_line} were read as one row and none "
                                              "of them was imported"))
                continue
            extra = record.cells[len(header):]
            # A row longer than the header is usually a comma typed into a name or city
            # without quotes: its cells have shifted, so nothing of it can be trusted. Empty
            # trailing cells, which spreadsheets leave behind, lose nothing.
            if any(cell.strip() for cell in extra):
                report.rejected.append((line, f"{len(record.cells)} cells where the header has "
                                              f"{len(header)} (extra: {_shorten(','.join(extra))}"
                                              "); a cell holding a comma needs quotes"))
                continue
            row = dict(zip(header, record.cells, strict=False))
            try:
                signer = validate_signer(name=row.get("name") or "", email=row.get("email") or "",
                                         country=row.get("country") or "",
                                         city=row.get("city") or "")
                confirmed_at = _parse_date(row.get("date") or "", campaign.opens, today)
            except InvalidSignature as exc:
                report.rejected.append((line, f"{exc.field}: {exc.text}"))
                continue
            consent = (row.get("show_name") or "").strip().lower()
            if consent not in _YES | _NO:
                report.rejected.append((line, f"show_name: {_shorten(consent)!r} is neither yes "
                                              "nor no (leave it empty if the form had no box)"))
                continue
            try:
                with session.begin_nested():
                    session.add(Signature(
                        campaign_slug=campaign.slug, status=CONFIRMED, source=PAPER,
                        email=signer.email, email_key=signer.email_key, name=signer.name,
                        country=signer.country, city=signer.city, show_name=consent in _YES,
                        recipient_id=campaign.default_recipient_for(signer.country).id,
                        locale=campaign.source_language, created_at=utcnow(),
                        confirmed_at=confirmed_at))
            except IntegrityError:
                report.duplicates += 1
                report.rejected.append((line, "signed already (same email address)"))
                continue
            add_to_counters(session, campaign.slug, signer.country, confirmed=1)
            report.added += 1
        after = before + report.added
        _record_milestones_crossed(session, campaign, before, after)
        audit.record(session, "paper_import", campaign_slug=campaign.slug,
                     added=report.added, rejected=len(report.rejected))
    return report


def _record_milestones_crossed(session, campaign: Campaign, before: int, after: int) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for percent in MILESTONES:
        threshold = -(-campaign.goal * percent // 100)
        if campaign.goal and before < threshold <= after:
            session.execute(dialect.insert(Milestone).values(
                campaign_slug=campaign.slug, percent=percent, reached_at=utcnow(),
                count=threshold).on_conflict_do_nothing())
