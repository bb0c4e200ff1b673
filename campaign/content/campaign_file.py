"""Reads ``campaign.toml``, the organiser-editable description of a campaign."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from campaign.content.errors import ContentError, Problem, not_utf8
from campaign.content.model import DefaultRecipientRule, LetterSpec

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_DATE_LIKE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Lines:
    """Finds the line of a key in the raw TOML text, so schema errors can point at it."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def of_key(self, key: str, table: str | None = None, index: int = 0) -> int | None:
        start = 0
        if table is not None:
            header = self.of_table(table, index)
            if header is None:
                return None
            start = header  # header is 1-based, so this begins on the next line
        for number, line in enumerate(self.lines[start:], start=start + 1):
            if table is not None and number > start + 1 and line.lstrip().startswith("["):
                break
            if table is None and line.lstrip().startswith("["):
                break
            if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
                return number
        return start or None

    def of_table(self, table: str, index: int = 0) -> int | None:
        seen = 0
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped in (f"[[{table}]]", f"[{table}]"):
                if seen == index:
                    return number
                seen += 1
        return None


def read_toml(path: Path) -> tuple[dict[str, Any], _Lines]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ContentError(path, None, "file not found") from exc
    except UnicodeDecodeError as exc:
        problem = not_utf8(path, exc)
        raise ContentError(path, problem.line, problem.message) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        line = int(match.group(1)) if match else None
        message = f"invalid TOML: {_TOML_POSITION.sub('', str(exc)).strip()}"
        # TOML reads "2026-13-45" as far as it looks like a date, then trips over the rest.
        written = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        for date in _DATE_LIKE.findall(written):
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                message = f"'{date}' is not a date (YYYY-MM-DD)"
                break
        raise ContentError(path, line, message) from exc
    return data, _Lines(text)


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "slug": str,
    "title": str,
    "summary": str,
    "goal": int,
    "opens": dt.date,
    "closes": dt.date,
    "languages": list,
    "petition": str,
    "sources": str,
    "recipients": str,
    "default_recipient": dict,
    "letters": list,
}
_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "source_language": str,
    "organisation": str,
    "retention_days": int,
}
_TYPE_NAMES = {str: "a string", int: "an integer", dt.date: "a date (YYYY-MM-DD)", list: "a list",
               dict: "a table"}


def parse_campaign_file(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Validates ``campaign.toml`` and returns its values, normalised, with every problem found."""
    data, lines = read_toml(path)
    problems: list[Problem] = []

    def problem(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    for key in data:
        if key not in _REQUIRED and key not in _OPTIONAL:
            problem(lines.of_key(key) or lines.of_table(key), f"unknown key '{key}'")
    for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in data:
            if key in _REQUIRED:
                problem(None, f"missing required key '{key}'")
            continue
        value = data[key]
        bad_type = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if kind is dt.date and isinstance(value, dt.datetime):
            bad_type = True
        if bad_type:
            line = lines.of_key(key) or lines.of_table(key)
            problem(line, f"'{key}' must be {_TYPE_NAMES[kind]}")
    if problems:
        return {}, problems

    if not SLUG.match(data["slug"]):
        problem(lines.of_key("slug"), "'slug' must be lowercase letters, digits and hyphens")
    if data["slug"] != path.parent.name:
        problem(lines.of_key("slug"), f"'slug' is '{data['slug']}' but the folder is "
                                      f"'{path.parent.name}'")
    if data["goal"] <= 0:
        problem(lines.of_key("goal"), "'goal' must be a positive number of signatures")
    if data["closes"] < data["opens"]:
        problem(lines.of_key("closes"), "'closes' is before 'opens'")
    languages = data["languages"]
    if not languages or not all(isinstance(x, str) and x for x in languages):
        problem(lines.of_key("languages"), "'languages' must be a non-empty list of locale names")
        languages = []
    for language in languages:
        try:
            Locale.parse(language.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            problem(lines.of_key("languages"), f"language '{language}' is not a locale Babel "
                                               "knows (e.g. en, ko, zh_Hans)")
    source_language = data.get("source_language", "en")
    if languages and source_language not in languages:
        problem(lines.of_key("source_language") or lines.of_key("languages"),
                f"source language '{source_language}' is not in 'languages'")
    retention = data.get("retention_days", 180)
    if retention < 0:
        problem(lines.of_key("retention_days"), "'retention_days' cannot be negative")

    rule = data["default_recipient"]
    rule_line = lines.of_table("default_recipient")
    for key in ("kind", "fallback"):
        if not isinstance(rule.get(key), str) or not rule.get(key):
            problem(rule_line, f"[default_recipient] needs '{key}' (a string)")
    for key in rule:
        if key not in ("kind", "fallback"):
            problem(lines.of_key(key, "default_recipient"), f"unknown key '{key}' in "
                                                             "[default_recipient]")

    letters: list[LetterSpec] = []
    seen_ids: set[str] = set()
    for index, entry in enumerate(data["letters"]):
        line = lines.of_table("letters", index)
        if not isinstance(entry, dict):
            problem(lines.of_key("letters"), "'letters' must be an array of tables ([[letters]])")
            continue
        fields_ok = True
        for key in ("id", "title", "template"):
            if not isinstance(entry.get(key), str) or not entry.get(key):
                problem(line, f"[[letters]] #{index + 1} needs '{key}' (a string)")
                fields_ok = False
        patterns = entry.get("recipients")
        if not isinstance(patterns, list) or not patterns or not all(
            isinstance(p, str) and p for p in patterns
        ):
            problem(lines.of_key("recipients", "letters", index) or line,
                    f"[[letters]] #{index + 1} needs 'recipients': a list of recipient id patterns")
            fields_ok = False
        for key in entry:
            if key not in ("id", "title", "template", "recipients"):
                problem(lines.of_key(key, "letters", index) or line,
                        f"unknown key '{key}' in [[letters]] #{index + 1}")
        if not fields_ok:
            continue
        if entry["id"] in seen_ids:
            problem(lines.of_key("id", "letters", index) or line,
                    f"letter id '{entry['id']}' is used twice")
        seen_ids.add(entry["id"])
        letters.append(LetterSpec(entry["id"], entry["title"], entry["template"],
                                  tuple(patterns)))
    if not data["letters"]:
        problem(lines.of_key("letters"), "a campaign needs at least one [[letters]] entry")

    values = dict(data)
    values.update(
        languages=tuple(languages),
        source_language=source_language,
        organisation=data.get("organisation", ""),
        retention_days=retention,
        default_recipient=DefaultRecipientRule(str(rule.get("kind", "")),
                                               str(rule.get("fallback", ""))),
        letters=tuple(letters),
        _lines=lines,
    )
    return values, problems
