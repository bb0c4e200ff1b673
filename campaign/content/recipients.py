"""Reads ``recipients.csv``, the directory of embassies and officials an organiser keeps in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from campaign.content.errors import Problem
from campaign.content.model import Recipient
from campaign.content.territories import is_country_code, is_language_tag

COLUMNS = (
    "id", "kind", "name", "country_code", "organisation", "title_of_addressee", "addressee_name",
    "salutation_en", "address_lines", "postal_code", "city", "country", "language", "email",
    "source_url", "verified",
)
REQUIRED_VALUES = ("id", "kind", "name", "country_code", "address_lines", "city", "country",
                   "language")
RECIPIENT_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_VERIFIED = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False, "": False}


def parse_recipients(path: Path) -> tuple[dict[str, Recipient], list[Problem]]:
    """Loads every row; each problem names the spreadsheet row (the header is row 1)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, [Problem(path, None, "file not found")]
    try:
        # Spreadsheets often save UTF-8 with a byte-order mark; utf-8-sig accepts both.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return {}, [Problem(path, None, f"not UTF-8 text (byte {exc.start}); save the sheet as "
                                        "'CSV UTF-8'")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return {}, [Problem(path, 1, f"missing column(s): {', '.join(missing)}")]

    recipients: dict[str, Recipient] = {}
    problems: list[Problem] = []
    try:
        rows = list(reader)
    except csv.Error as exc:
        return {}, [Problem(path, reader.line_num, f"invalid CSV: {exc}")]
    # Rows are numbered as a spreadsheet shows them (header = row 1), even when a quoted cell
    # spans several physical lines.
    for line, row in enumerate(rows, start=2):
        if None in row:
            problems.append(Problem(path, line, "more cells than columns in the header"))
            continue
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue  # blank spreadsheet rows
        row_problems = []
        for column in REQUIRED_VALUES:
            if not values.get(column):
                row_problems.append(f"'{column}' is empty")
        rid = values["id"]
        if rid and not RECIPIENT_ID.match(rid):
            row_problems.append(f"id '{rid}' must be lowercase letters, digits and hyphens")
        if rid in recipients:
            row_problems.append(f"duplicate id '{rid}' (first on row {recipients[rid].line})")
        code = values["country_code"]
        if code and not is_country_code(code):
            row_problems.append(f"country_code '{code}' is not an ISO 3166-1 alpha-2 code")
        language = values["language"]
        if language and not is_language_tag(language):
            row_problems.append(f"language '{language}' is not a BCP 47 tag (e.g. en, zh-Hans)")
        verified = values["verified"].lower()
        if verified not in _VERIFIED:
            row_problems.append(f"verified '{values['verified']}' must be yes or no")
        # Optional column: the last day of the term of the person named in addressee_name.
        in_office_until = None
        if values.get("in_office_until"):
            try:
                in_office_until = dt.date.fromisoformat(values["in_office_until"])
            except ValueError:
                row_problems.append(f"in_office_until '{values['in_office_until']}' is not a "
                                    "date (YYYY-MM-DD)")
            if not values["addressee_name"]:
                row_problems.append("in_office_until is set but addressee_name is empty")
        address_lines = tuple(p.strip() for p in values["address_lines"].split("|") if p.strip())
        if values["address_lines"] and not address_lines:
            row_problems.append("'address_lines' is empty")
        if row_problems:
            problems.extend(Problem(path, line, f"recipient '{rid or '?'}': {m}")
                            for m in row_problems)
            continue
        recipients[rid] = Recipient(
            id=rid,
            kind=values["kind"],
            name=values["name"],
            country_code=code,
            organisation=values["organisation"],
            title_of_addressee=values["title_of_addressee"],
            addressee_name=values["addressee_name"],
            salutation_en=values["salutation_en"],
            address_lines=address_lines,
            postal_code=values["postal_code"],
            city=values["city"],
            country=values["country"],
            language=language,
            email=values["email"],
            source_urls=tuple(u.strip() for u in values["source_url"].split(" ; ") if u.strip()),
            verified=_VERIFIED[verified],
            line=line,
            in_office_until=in_office_until,
        )
    return recipients, problems
