"""Reads ``sources.json``: CSL-JSON as exported by Zotero, validated against the official schema."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from campaign.content.errors import Problem, not_utf8
from campaign.content.model import Name, Source, SourceDate

_SCHEMA_PATH = Path(__file__).with_name("csl-data.schema.json")
# EDTF level 0/1 dates as Zotero and citeproc-js write them: 2023, 2023-10, 2023-10-17, with an
# optional qualifier (? ~ %) and an optional interval end, of which only the start is printed.
_EDTF = re.compile(r"^(-?\d{4})(?:-(\d{2}|2[1-4]))?(?:-(\d{2}))?([?~%])?(?:/.*)?$")


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))
    # The schema describes the whole file (an array); items are validated one by one so that each
    # problem can name the item's line.
    item_schema = {**schema["items"], "definitions": schema["definitions"]}
    return jsonschema.Draft7Validator(item_schema)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _split_items(text: str, path: Path) -> tuple[list[tuple[int, Any]], list[Problem]]:
    """Decodes the top-level array item by item, remembering the line each item starts on."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"\s*")
    pos = ws.match(text, 0).end()
    if pos >= len(text) or text[pos] != "[":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return [], [Problem(path, exc.lineno, f"invalid JSON: {exc.msg}")]
        return [], [Problem(path, _line_of(text, pos), "CSL-JSON must be an array of items")]
    pos = ws.match(text, pos + 1).end()
    items: list[tuple[int, Any]] = []
    if pos < len(text) and text[pos] == "]":
        return items, []
    while True:
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            return items, [Problem(path, exc.lineno, f"invalid JSON: {exc.msg}")]
        except RecursionError:
            return items, [Problem(path, _line_of(text, pos), "invalid JSON: nested too deeply")]
        items.append((_line_of(text, pos), obj))
        pos = ws.match(text, end).end()
        if pos < len(text) and text[pos] == ",":
            pos = ws.match(text, pos + 1).end()
            continue
        if pos < len(text) and text[pos] == "]":
            rest = text[pos + 1 :].strip()
            if rest:
                return items, [Problem(path, _line_of(text, pos + 1), "unexpected text after the "
                                                                      "array")]
            return items, []
        return items, [Problem(path, _line_of(text, pos), "invalid JSON: expected ',' or ']'")]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def parse_date(value: dict[str, Any]) -> SourceDate | None:
    """A CSL date object: ``date-parts``, an EDTF string in ``raw``, or a ``literal``."""
    circa = bool(value.get("circa"))
    parts = value.get("date-parts")
    if parts and parts[0]:
        first = [int(str(p)) for p in parts[0] if str(p).strip().lstrip("-").isdigit()]
        if first:
            first += [None] * (3 - len(first))
            year, month, day = first[:3]
            if month and not 1 <= month <= 12:
                month, day = None, None  # seasons (21-24) print as the year
            return SourceDate(year, month, day, circa=circa)
    raw = _text(value.get("raw"))
    if raw:
        match = _EDTF.match(raw)
        if match:
            year, month, day, qualifier = match.groups()
            month_n = int(month) if month else None
            if month_n and not 1 <= month_n <= 12:
                month_n = None
            return SourceDate(int(year), month_n, int(day) if day and month_n else None,
                              circa=circa or qualifier in ("~", "%"))
        return SourceDate(literal=raw, circa=circa)
    literal = _text(value.get("literal"))
    if literal:
        return SourceDate(literal=literal, circa=circa)
    return None


def _names(values: list[dict[str, Any]]) -> tuple[Name, ...]:
    return tuple(
        Name(
            family=_text(v.get("family")),
            given=_text(v.get("given")),
            literal=_text(v.get("literal")),
            particle=_text(v.get("non-dropping-particle")),
            suffix=_text(v.get("suffix")),
        )
        for v in values
    )


def _titles(custom: dict[str, Any]) -> dict[str, str]:
    titles = custom.get("titles") if isinstance(custom, dict) else None
    if not isinstance(titles, dict):
        return {}
    return {str(k).replace("_", "-"): str(v) for k, v in titles.items() if isinstance(v, str) and v}


def _date_problems(value: Any) -> list[str]:
    """A date that would be printed wrong or silently shortened in a letter."""
    if not isinstance(value, dict) or not value.get("date-parts"):
        return []
    problems = []
    for parts in value["date-parts"]:
        if any(not str(p).strip().lstrip("-").isdigit() for p in parts):
            problems.append(f"issued date-parts {parts} must be numbers (year, month, day)")
            continue
        numbers = [int(str(p)) for p in parts]
        if len(numbers) >= 2 and not (1 <= numbers[1] <= 12 or 21 <= numbers[1] <= 24):
            problems.append(f"issued month {numbers[1]} is not a month (1-12, or 21-24 for a "
                            "season)")
        elif len(numbers) >= 3 and numbers[1] <= 12:
            try:
                dt.date(numbers[0], numbers[1], numbers[2])
            except ValueError:
                problems.append(f"issued date {numbers[0]}-{numbers[1]:02d}-{numbers[2]:02d} "
                                "does not exist")
    return problems


def _url_problems(value: Any) -> list[str]:
    url = _text(value)
    if url and not re.match(r"^https?://", url, re.IGNORECASE):
        return [f"URL '{url[:60]}' is not a web address (http:// or https://): it is printed "
                "as text"]
    return []


def parse_sources(path: Path) -> tuple[dict[str, Source], list[Problem]]:
    """Loads and validates every source; returns them in file order with every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, [Problem(path, None, "file not found")]
    except UnicodeDecodeError as exc:
        return {}, [not_utf8(path, exc)]
    items, problems = _split_items(text, path)
    sources: dict[str, Source] = {}
    for line, item in items:
        errors = sorted(_validator().iter_errors(item), key=lambda e: list(e.path))
        if not isinstance(item, dict):
            problems.append(Problem(path, line, "each source must be a JSON object"))
            continue
        label = f"source '{item.get('id')}'" if "id" in item else "source"
        if errors:
            for error in errors:
                where = "/".join(str(p) for p in error.path)
                field = f" field '{where}'" if where else ""
                message = error.message if len(error.message) <= 160 else (
                    error.message[:157] + "...")
                problems.append(Problem(path, line, f"{label}{field}: {message}"))
            continue
        source_id = str(item["id"])  # CSL allows numeric ids; cite() uses their string form
        if source_id in sources:
            problems.append(Problem(path, line, f"duplicate source id '{source_id}' (first on line "
                                                f"{sources[source_id].line})"))
            continue
        # A URL that is no web address is printed as text, never linked: a warning.
        problems.extend(Problem(path, line, f"{label}: {m}", "warning")
                        for m in _url_problems(item.get("URL")))
        date_problems = _date_problems(item.get("issued"))
        if date_problems:
            problems.extend(Problem(path, line, f"{label}: {m}") for m in date_problems)
            continue
        custom = item.get("custom") or {}
        sources[source_id] = Source(
            id=source_id,
            type=item["type"],
            title=_text(item.get("title")),
            authors=_names(item.get("author", [])),
            issued=parse_date(item["issued"]) if "issued" in item else None,
            container_title=_text(item.get("container-title")),
            publisher=_text(item.get("publisher")),
            number=_text(item.get("number")),
            volume=_text(item.get("volume")),
            page=_text(item.get("page")),
            url=_text(item.get("URL")),
            note=_text(item.get("note")),
            language=_text(item.get("language")),
            titles=MappingProxyType(_titles(custom)),
            line=line,
        )
    return sources, problems
