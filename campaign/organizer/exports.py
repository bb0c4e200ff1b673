"""Signatures out: CSV for spreadsheets (formula cells neutralised, optional BOM) and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from campaign.app_context import database
from campaign.signatures.models import CONFIRMED, ERASED, Signature
from campaign.signatures.rules import neutralise_cell
from campaign.storage.files import write_atomically

# "updates": the signer asked for news of the campaign by email (the sign form's opt-in).
EXPORT_COLUMNS = ("id", "status", "source", "name", "show_name", "updates", "email", "country",
                  "city", "postcode", "message", "locale", "recipient_id", "created_at",
                  "confirmed_at")
BATCH = 2000


class ExportError(Exception):
    pass


def _value(signature_row, column: str):
    value = getattr(signature_row, column)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value


def export_signatures(slug: str, out_path: Path, *, fmt: str = "csv", status: str = "confirmed",
                      bom: bool = False,
                      progress: Callable[[int, int], None] | None = None) -> int:
    """Writes the campaign's signatures (confirmed, or all but erased) to ``out_path``
    atomically, readable by its owner only (mode 0600); returns how many. CSV cells that a
    spreadsheet would run as a formula are neutralised; JSON is written as it is."""
    if fmt not in ("csv", "json"):
        raise ExportError(f"unknown format '{fmt}' (csv or json)")
    if status not in ("confirmed", "all"):
        raise ExportError(f"unknown status '{status}' (confirmed or all)")
    columns = [getattr(Signature, c) for c in EXPORT_COLUMNS]
    where = [Signature.campaign_slug == slug]
    where.append(Signature.status == CONFIRMED if status == "confirmed"
                 else Signature.status != ERASED)
    count = 0

    def write(out) -> None:
        nonlocal count
        text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom and fmt == "csv" else "utf-8",
                                newline="")
        with database().session() as session:
            total = session.scalar(select(func.count(Signature.id)).where(*where)) or 0
            rows = session.execute(select(*columns).where(*where).order_by(Signature.id)
                                   .execution_options(yield_per=BATCH))
            if fmt == "csv":
                writer = csv.writer(text)
                writer.writerow(EXPORT_COLUMNS)
                for row in rows:
                    writer.writerow([neutralise_cell(v) if isinstance(v, str) else v
                                     for v in (_value(row, c) for c in EXPORT_COLUMNS)])
                    count += 1
                    if progress and count % BATCH == 0:
                        progress(count, total)
            else:
                text.write("[")
                for row in rows:
                    text.write(("," if count else "") + "\n" + json.dumps(
                        {c: _value(row, c) for c in EXPORT_COLUMNS}, ensure_ascii=False))
                    count += 1
                    if progress and count % BATCH == 0:
                        progress(count, total)
                text.write("\n]\n")
        text.flush()
        text.detach()

    # Names and email addresses: an export left in a shared folder must not be readable by
    # every account on the machine, whatever the umask.
    write_atomically(out_path, write, private=True)
    if progress:
        progress(count, count)
    return count


