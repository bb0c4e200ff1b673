"""Finds campaigns under the letters root and loads each into one immutable ``Campaign``."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from campaign.content.campaign_file import parse_campaign_file
from campaign.content.errors import ContentError, ContentErrors, Problem
from campaign.content.model import Campaign, Recipient, Source
from campaign.content.recipients import parse_recipients
from campaign.content.sources import parse_sources
from campaign.content.templates import LAYOUT_FOLDER

CAMPAIGN_FILE = "campaign.toml"

log = logging.getLogger(__name__)


def list_campaign_slugs(letters_dir: Path) -> list[str]:
    """Slugs of the folders under ``letters_dir`` holding a ``campaign.toml``, sorted."""
    if not letters_dir.is_dir():
        return []
    return sorted(
        p.name for p in letters_dir.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and (p / CAMPAIGN_FILE).is_file()
    )


@dataclass(frozen=True)
class CampaignFiles:
    """What could be read of a campaign's files, and every problem found in them. ``values`` is
    None if ``campaign.toml`` itself could not be read; the sources and recipients hold the rows
    that could be read, even when others are wrong."""

    directory: Path
    values: dict[str, Any] | None
    sources: dict[str, Source]
    recipients: dict[str, Recipient]
    problems: list[Problem]
    source_problems: list[Problem]

    @property
    def templates(self) -> list[str]:
        """The petition and letter templates named in ``campaign.toml`` that exist."""
        if self.values is None:
            return []
        names = [self.values["petition"]] + [lt.template for lt in self.values["letters"]]
        return [name for name in names if (self.directory / name).is_file()]


def read_campaign_files(letters_dir: Path, slug: str) -> CampaignFiles:
    """Reads ``campaign.toml``, the sources and the recipients, collecting every problem rather
    than stopping at the first file that is wrong."""
    directory = letters_dir / slug
    path = directory / CAMPAIGN_FILE

    def unread(problems: list[Problem]) -> CampaignFiles:
        return CampaignFiles(directory, None, {}, {}, problems, [])

    if not path.is_file():
        return unread([Problem(path, None, f"no campaign '{slug}' (file not found)")])
    try:
        values, problems = parse_campaign_file(path)
    except ContentError as exc:
        return unread([exc.problem])
    if not values:
        return unread(problems)
    lines = values.pop("_lines")
    for key in ("petition",):
        if not (directory / values[key]).is_file():
            problems.append(Problem(path, lines.of_key(key), f"{key} file '{values[key]}' not "
                                                             "found"))
    for index, letter in enumerate(values["letters"]):
        if not (directory / letter.template).is_file():
            problems.append(Problem(path, lines.of_key("template", "letters", index),
                                    f"letter template '{letter.template}' not found"))
    sources, source_problems = parse_sources(directory / values["sources"])
    recipients, recipient_problems = parse_recipients(directory / values["recipients"])
    problems += source_problems + recipient_problems

    rule = values["default_recipient"]
    if rule.fallback and recipients and rule.fallback not in recipients:
        problems.append(Problem(path, lines.of_key("fallback", "default_recipient"),
                                f"default recipient fallback '{rule.fallback}' is not in "
                                f"{values['recipients']}"))
    if rule.kind and recipients and not any(r.kind == rule.kind for r in recipients.values()):
        problems.append(Problem(path, lines.of_key("kind", "default_recipient"),
                                f"no recipient has kind '{rule.kind}'", "warning"))
    return CampaignFiles(directory, values, sources, recipients, problems, source_problems)


def load_campaign_with_problems(
    letters_dir: Path, slug: str
) -> tuple[Campaign | None, list[Problem]]:
    """Loads a campaign, collecting every problem; the campaign is None if any is an error."""
    files = read_campaign_files(letters_dir, slug)
    return campaign_from_files(files), files.problems


def campaign_from_files(files: CampaignFiles) -> Campaign | None:
    """The campaign read in ``files``, or None if any of its problems is an error."""
    values = files.values
    if values is None or any(p.severity == "error" for p in files.problems):
        return None
    return Campaign(
        slug=values["slug"],
        title=values["title"],
        summary=values["summary"],
        goal=values["goal"],
        opens=values["opens"],
        closes=values["closes"],
        languages=values["languages"],
        source_language=values["source_language"],
        organisation=values["organisation"],
        petition=values["petition"],
        retention_days=values["retention_days"],
        default_recipient=values["default_recipient"],
        letters=values["letters"],
        sources=MappingProxyType(files.sources),
        recipients=MappingProxyType(files.recipients),
        directory=files.directory,
        sources_file=values["sources"],
        recipients_file=values["recipients"],
    )


def load_campaign(letters_dir: Path, slug: str) -> Campaign:
    """Loads a campaign or raises ``ContentErrors`` listing every problem as ``file:line``."""
    campaign, problems = load_campaign_with_problems(letters_dir, slug)
    if campaign is None:
        raise ContentErrors([p for p in problems if p.severity == "error"])
    return campaign


class CampaignLibrary:
    """The campaigns under one letters root, loaded once and reloaded when their files change.

    Organisers edit content while the site runs; a changed file is picked up within
    ``recheck_seconds`` without a restart. Between checks a page view costs a dictionary look-up,
    not a walk over the campaign's files (which took about half a millisecond per request).

    An edit that breaks a campaign (a typo in ``recipients.csv``, a TOML error) does not take it
    offline: the library keeps serving the last version that loaded, logs the errors once per
    change and reports them through ``problems(slug)`` until the files load again. Signing never
    depended on the broken line, and the petition, its count and the organizer's pages stay up
    while someone fixes it; the dashboard shows what to fix. Only a campaign that has not loaded
    once since the process started (a site started on broken files) cannot be served.
    """

    def __init__(self, letters_dir: Path, recheck_seconds: float = 1.0):
        self.letters_dir = Path(letters_dir)
        self.recheck_seconds = recheck_seconds
        self._cache: dict[str, tuple[str, Campaign]] = {}
        self._failed: dict[str, tuple[str, list[Problem]]] = {}
        self._checked_at: dict[str, float] = {}
        self._slugs: tuple[float, list[str]] | None = None
        self._lock = threading.Lock()

    def _stamp(self, slug: str) -> str:
        """A fingerprint of the campaign's files: each one's name, modification time in
        nanoseconds, size and inode. The newest modification time alone would miss a file put
        back from a backup with its old time (``cp -p``, ``mv``), or written twice within one
        tick of the clock."""
        directory = self.letters_dir / slug
        layout = self.letters_dir / LAYOUT_FOLDER
        files = [p for p in directory.rglob("*") if p.is_file()]
        if layout.is_dir():
            files += [p for p in layout.rglob("*") if p.is_file()]
        digest = hashlib.sha256()
        for path in sorted(files):
            with contextlib.suppress(OSError):  # removed while being listed
                info = path.stat()
                digest.update(f"{path}\0{info.st_mtime_ns}\0{info.st_size}\0{info.st_ino}\n"
                              .encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def slugs(self) -> list[str]:
        now = time.monotonic()
        cached = self._slugs
        if cached and now - cached[0] < self.recheck_seconds:
            return cached[1]
        slugs = list_campaign_slugs(self.letters_dir)
        self._slugs = (now, slugs)
        return slugs

    def get(self, slug: str) -> Campaign:
        """The campaign ``slug``, or its last version that loaded while its files have errors;
        raises ``KeyError`` if there is none, ``ContentErrors`` if it is broken and never
        loaded."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(slug)
            failed = self._failed.get(slug)
            if (cached or failed) and \
                    now - self._checked_at.get(slug, 0.0) < self.recheck_seconds:
                if cached:
                    return cached[1]
                raise ContentErrors(failed[1])
        if slug not in self.slugs():
            raise KeyError(slug)
        stamp = self._stamp(slug)
        if failed and failed[0] == stamp:
            with self._lock:
                self._checked_at[slug] = now
            if cached:
                return cached[1]
            raise ContentErrors(failed[1])
        if cached and cached[0] == stamp:
            # The files are again those of the version that loaded (put back from a backup).
            self._loaded(slug, cached, now)
            return cached[1]
        try:
            campaign = load_campaign(self.letters_dir, slug)
        except ContentErrors as exc:
            # A slower read of files that have changed since must not undo a newer result:
            # the failure is kept only if the files are still those it read.
            unchanged = self._stamp(slug) == stamp
            with self._lock:
                if unchanged:
                    self._failed[slug] = (stamp, exc.problems)
                self._checked_at[slug] = now
            if cached:
                log.error("campaign %s has errors; serving its last version that loaded:\n%s",
                          slug, exc)
                return cached[1]
            log.error("campaign %s has errors and cannot be served:\n%s", slug, exc)
            raise
        self._loaded(slug, (stamp, campaign), now)
        return campaign

    def _loaded(self, slug: str, version: tuple[str, Campaign], now: float) -> None:
        """``version`` is what the campaign's files hold now: any errors recorded are gone."""
        with self._lock:
            if self._failed.pop(slug, None) is not None:
                log.info("campaign %s loads again", slug)
            self._cache[slug] = version
            self._checked_at[slug] = now

    def problems(self, slug: str) -> list[Problem]:
        """The errors of the campaign's files as they are now (none when they load)."""
        with contextlib.suppress(ContentErrors, KeyError):
            self.get(slug)  # re-reads the files if they changed
        failed = self._failed.get(slug)
        return list(failed[1]) if failed else []

    def all(self) -> list[Campaign]:
        """Every campaign that can be served (a broken one by its last version that loaded);
        ``problems`` says which have errors."""
        found = []
        for slug in self.slugs():
            try:
                found.append(self.get(slug))
            except (ContentErrors, KeyError):
                continue
        return found
