"""Immutable typed objects for a campaign's content."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Name:
    """A CSL name: a person (family/given) or an organisation (literal)."""

    family: str = ""
    given: str = ""
    literal: str = ""
    particle: str = ""  # non-dropping particle, e.g. "van"
    suffix: str = ""


@dataclass(frozen=True)
class SourceDate:
    """A CSL date reduced to what letters print: year, optional month and day, or a literal."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    literal: str = ""
    circa: bool = False

    def as_date(self) -> dt.date | None:
        if self.year and self.month and self.day:
            try:
                return dt.date(self.year, self.month, self.day)
            except ValueError:
                return None
        return None


@dataclass(frozen=True)
class Source:
    """One entry of ``sources.json`` (CSL-JSON)."""

    id: str
    type: str
    title: str = ""
    authors: tuple[Name, ...] = ()
    issued: SourceDate | None = None
    container_title: str = ""
    publisher: str = ""
    number: str = ""
    volume: str = ""
    page: str = ""
    url: str = ""
    note: str = ""
    language: str = ""
    # Official titles in other languages, from ``custom.titles`` (BCP 47 tag -> title).
    titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    line: int = 0

    def has_title_in(self, language: str) -> bool:
        """Whether the source gives its title in ``language`` (else ``title_in`` gives the
        title it was published under)."""
        wanted = language.replace("_", "-")
        base = wanted.split("-")[0]
        if wanted in self.titles or any(tag.split("-")[0] == base for tag in self.titles):
            return True
        # The title it was published under, in the language it was published in.
        return bool(self.language) and self.language.split("-")[0] == base

    def title_in(self, language: str) -> str:
        """The source's title in ``language`` (BCP 47 or Babel form) if it provides one."""
        wanted = language.replace("_", "-")
        if wanted in self.titles:
            return self.titles[wanted]
        base = wanted.split("-")[0]
        for tag, title in self.titles.items():
            if tag.split("-")[0] == base:
                return title
        return self.title


def recipient_context(recipient_id: str) -> str:
    """The gettext context of a recipient's name, title and office-holder in the catalogs: one
    per recipient, since the same English title can need two translations (China's and Korea's
    "Minister of Foreign Affairs" are 外交部长 and 外交部长官)."""
    return f"recipient {recipient_id}"


@dataclass(frozen=True)
class Recipient:
    """One row of ``recipients.csv``: an embassy, an official or an organisation."""

    id: str
    kind: str
    name: str
    country_code: str
    organisation: str
    title_of_addressee: str
    addressee_name: str
    salutation_en: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    language: str  # BCP 47, e.g. "zh-Hans"
    email: str
    source_urls: tuple[str, ...]
    verified: bool
    line: int = 0
    # The last day the person in ``addressee_name`` holds the office, where the term is known.
    in_office_until: dt.date | None = None

    @property
    def locale(self) -> str:
        """The recipient's working language as a Babel locale identifier (``zh_Hans``)."""
        return self.language.replace("-", "_")

    def in_language(self, pgettext: Callable[[str, str], str]) -> Recipient:
        """The recipient with its name, title and office-holder as a catalog translates them
        (``recipients.csv`` gives them in English; ``campaign i18n extract`` collects them)."""
        context = recipient_context(self.id)

        def translated(text: str) -> str:
            return pgettext(context, text) if text else text

        return replace(self, name=translated(self.name),
                       title_of_addressee=translated(self.title_of_addressee),
                       addressee_name=translated(self.addressee_name))

    def on(self, date: dt.date) -> Recipient:
        """The recipient as a letter dated ``date`` addresses it: after the named person's term
        has ended, to the office alone (a letter to a former office-holder would discredit
        every signature on it)."""
        if self.in_office_until is not None and date > self.in_office_until:
            return replace(self, addressee_name="")
        return self


@dataclass(frozen=True)
class LetterSpec:
    """A letter of the campaign and the recipients it is written for."""

    id: str
    title: str
    template: str  # path relative to the campaign folder
    recipient_patterns: tuple[str, ...]

    def addresses(self, recipient_id: str) -> bool:
        return any(fnmatch.fnmatchcase(recipient_id, p) for p in self.recipient_patterns)


@dataclass(frozen=True)
class DefaultRecipientRule:
    """Picks a signer's default recipient: the one of ``kind`` in their country, else ``fallback``."""

    kind: str
    fallback: str


@dataclass(frozen=True)
class Campaign:
    slug: str
    title: str
    summary: str
    goal: int
    opens: dt.date
    closes: dt.date
    languages: tuple[str, ...]
    source_language: str
    organisation: str
    petition: str  # template path relative to the campaign folder
    retention_days: int
    default_recipient: DefaultRecipientRule
    letters: tuple[LetterSpec, ...]
    sources: Mapping[str, Source]
    recipients: Mapping[str, Recipient]
    directory: Path
    sources_file: str = "sources.json"
    recipients_file: str = "recipients.csv"
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def letter_for(self, recipient_id: str) -> LetterSpec | None:
        """The letter written for this recipient (the first whose patterns match)."""
        for letter in self.letters:
            if letter.addresses(recipient_id):
                return letter
        return None

    def letter(self, letter_id: str) -> LetterSpec | None:
        return next((lt for lt in self.letters if lt.id == letter_id), None)

    def office_holders_to_check(self, today: dt.date, within_days: int = 60) -> list[Recipient]:
        """Recipients whose named office-holder's term ends within ``within_days`` of ``today``
        or has ended: their row needs the next office-holder."""
        return [r for r in self.recipients.values() if r.in_office_until is not None
                and (r.in_office_until - today).days <= within_days]

    def default_recipient_for(self, country_code: str) -> Recipient:
        """The signer's default recipient, e.g. the PRC embassy in their country, else the fallback."""
        code = country_code.upper()
        for recipient in self.recipients.values():
            if recipient.kind == self.default_recipient.kind and recipient.country_code == code:
                return recipient
        return self.recipients[self.default_recipient.fallback]

    def recipients_of(self, letter_id: str) -> list[Recipient]:
        letter = self.letter(letter_id)
        if letter is None:
            return []
        return [r for r in self.recipients.values() if self.letter_for(r.id) is letter]

    def is_open(self, today: dt.date) -> bool:
        return self.opens <= today <= self.closes

    def state(self, today: dt.date) -> str:
        """``upcoming``, ``open`` or ``closed``: the closing day is the last day to sign."""
        if today < self.opens:
            return "upcoming"
        return "open" if today <= self.closes else "closed"
