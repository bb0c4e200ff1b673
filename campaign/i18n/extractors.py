"""Babel extractors for the campaign content that pages and letters show.

The campaign's title, summary, organisation and letter titles (``campaign.toml``), and each
recipient's name, title and office-holder (``recipients.csv``), are content, not code, but
supporters see them on the petition page, in emails and in letters: extracting them lets
translators translate them with everything else. The pages look them up with
``gettext(campaign.title)`` and ``Recipient.in_language``.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

from campaign.content.model import recipient_context

COMMENTS = {
    "title": "Translators: the title of the campaign, shown as the heading of the petition page.",
    "summary": "Translators: the summary of the campaign, shown under its title.",
    "letter": "Translators: the name of one of the campaign's letters, shown in lists of letters.",
    "organisation": "Translators: who runs the campaign; signs its emails and the cover letter "
                    "of each delivery packet.",
}


def _line_of(lines: list[str], key: str, value: str, start: int = 0) -> int:
    """The 1-based line where ``key = value`` is written (TOML keeps no positions)."""
    for number, line in enumerate(lines[start:], start + 1):
        stripped = line.strip()
        if stripped.startswith(key) and value[:20] in line:
            return number
    return 1


def extract_campaign_toml(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Sequence[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    for key in ("title", "summary", "organisation"):
        value = data.get(key)
        if isinstance(value, str) and value:
            yield _line_of(lines, key, value), "gettext", value, [COMMENTS[key]]
    for letter in data.get("letters", []):
        title = letter.get("title") if isinstance(letter, dict) else None
        if isinstance(title, str) and title:
            yield _line_of(lines, "title", title), "gettext", title, [COMMENTS["letter"]]


RECIPIENT_COMMENTS = {
    "name": "Translators: the name of a recipient of the campaign's letters (an embassy, "
            "ministry or office), as it heads the address of a letter in your language. Use "
            "the official name where one exists.",
    "title_of_addressee": "Translators: the title of the person a letter is addressed to, "
                          "above their office's name in the address. Use the official title.",
    "addressee_name": "Translators: the name of the person who holds the office now, as "
                      "written in your language (keep it in Latin letters if your language "
                      "does).",
}


def extract_recipients_csv(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Sequence[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    # A file the content check refuses is reported there; extraction takes what it can read.
    text = fileobj.read().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    line = reader.line_num + 1
    for row in reader:
        for column, comment in RECIPIENT_COMMENTS.items():
            value = (row.get(column) or "").strip()
            if value:
                yield line, "pgettext", (recipient_context((row.get("id") or "").strip()),
                                         value), [comment]
        line = reader.line_num + 1
