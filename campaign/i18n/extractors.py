"""A Babel extractor for the strings of ``campaign.toml`` that the web pages show.

The campaign's title, summary, organisation and letter titles are content, not code, but
supporters see them on the petition page, in emails and in letters: extracting them lets
translators translate them with everything else, and the pages look them up with
``gettext(campaign.title)``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

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
