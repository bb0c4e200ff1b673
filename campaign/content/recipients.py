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
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
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
        line = raw[:exc.start].count(b"\n") + 1
        return {}, [Problem(path, line, "not UTF-8 text; save the sheet as 'CSV UTF-8'")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        # Each row is named by the line it starts on, as an editor shows the file: blank lines
        # and cells quoted over several lines are counted.
        rows = []
        end = reader.line_num
        for cells in reader:
            rows.append((end + 1, reader.line_num, cells))
            end = reader.line_num
    except csv.Error as exc:
        return {}, [Problem(path, reader.line_num, f"invalid CSV: {exc}")]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return {}, [Problem(path, 1, f"missing column(s): {', '.join(missing)}")]

    recipients: dict[str, Recipient] = {}
    problems: list[Problem] = []
    for line, last_line, cells in rows:
        if last_line > line and any("\n" in cell for cell in cells):
            # No cell of the directory holds a line break (address lines are separated by |):
            # a quote opened and not closed on its line has read the rows after it into this one.
            problems.append(Problem(path, line, f"a quote is left open: lines {line}–{last_line} "
                                                "were read as one row"))
            continue
        if len(cells) > len(header):
            problems.append(Problem(path, line, "more cells than columns in the header"))
            continue
        values = {k: (v or "").strip() for k, v in zip(header, cells, strict=False)}
        values.update({k: "" for k in header[len(cells):]})
        if not any(values.values()):
            continue  # blank lines and blank spreadsheet rows
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
            # "xx" is a well-formed tag: what is wrong is that no language has it.
            row_problems.append(f"language '{language}' is not a known language (write a BCP 47 "
                                "tag such as en, zh-Hans)")
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
        postal_code = values["postal_code"]
        repeated = [a for a in address_lines if postal_code and re.search(
            rf"(?<![0-9A-Za-z]){re.escape(postal_code)}(?![0-9A-Za-z])", a)]
        if repeated:
            # The postal line is written from postal_code and city, as the country writes it;
            # the same code in address_lines would print the line twice.
            row_problems.append(f"address_lines repeats the postal code ('{repeated[0]}'): give "
                                "it only in postal_code and city")
        if values["email"] and not EMAIL.match(values["email"]):
            row_problems.append(f"email '{values['email']}' is not an email address")
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
