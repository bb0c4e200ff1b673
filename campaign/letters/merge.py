"""Merge: campaign + letter template + recipient + signer details + locale → letter HTML.

Pure domain code (Jinja and Babel, no Flask, no PDF engine). Templates receive only plain data
(dicts of strings built here), never the content objects: a ``Path`` or a method reachable from a
template would be a way out of the sandbox.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from campaign.content.model import Campaign, Recipient
from campaign.content.templates import text_direction
from campaign.content.territories import is_country_code
from campaign.letters import terms
from campaign.letters.errors import InvalidSigner
from campaign.letters.printable import unprintable

Gettext = Callable[[str], str]
Pgettext = Callable[[str, str], str]

MAX_NAME = 200
MAX_FIELD = 200
MAX_MESSAGE = 5000


@dataclass(frozen=True)
class SignerDetails:
    name: str
    country: str  # ISO 3166-1 alpha-2
    city: str = ""
    postcode: str = ""
    message: str = ""  # plain text; blank lines separate paragraphs
    date: dt.date | None = None  # None = today


def validate_signer(signer: SignerDetails) -> SignerDetails:
    """The signer's details, trimmed; raises ``InvalidSigner`` naming the field at fault."""
    name = " ".join(signer.name.split())
    if not name:
        raise InvalidSigner("the name is empty")
    country = signer.country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidSigner(f"the country '{signer.country}' is not a two-letter ISO code")
    if not is_country_code(country):
        # "UK" or "XX" would be printed as they are, or as "Unknown Region".
        raise InvalidSigner(f"the country '{signer.country}' is not an ISO 3166-1 country code "
                            "(the United Kingdom is GB)")
    for label, value, limit in (("name", name, MAX_NAME), ("city", signer.city, MAX_FIELD),
                                ("postcode", signer.postcode, MAX_FIELD),
                                ("message", signer.message, MAX_MESSAGE)):
        if len(value) > limit:
            raise InvalidSigner(f"the {label} is longer than {limit} characters")
    return SignerDetails(name=name, country=country, city=" ".join(signer.city.split()),
                         postcode=" ".join(signer.postcode.split()),
                         message=signer.message.replace("\r\n", "\n").strip(), date=signer.date)


def check_printable(signer: SignerDetails) -> SignerDetails:
    """Refuses details with characters that no installed font has (``printable.py``): each
    would print as an empty box. Checked where details come in (the command line, a signers
    file); a signature stored before is printed as it is."""
    for label, value in (("name", signer.name), ("city", signer.city),
                         ("postcode", signer.postcode), ("message", signer.message)):
        missing = unprintable(value)
        if missing:
            raise InvalidSigner(f"the {label} has characters that no installed font can print: "
                                f"{' '.join(missing)}")
    return signer


def message_paragraphs(message: str) -> list[list[str]]:
    """Plain text → paragraphs (split on blank lines), each a list of its lines."""
    paragraphs = re.split(r"\n\s*\n", message.strip()) if message.strip() else []
    return [[line.strip() for line in p.split("\n") if line.strip()] for p in paragraphs]


def bcp47(locale: str) -> str:
    return locale.replace("_", "-")


def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise InvalidSigner(f"unknown language '{locale}'") from exc


def country_name(code: str, locale: Locale, fallback: str = "") -> str:
    return locale.territories.get(code.upper(), fallback or code.upper())


def language_name(language: str, in_locale: Locale) -> str:
    return babel_locale(language).get_display_name(in_locale) or language


# Where the postal code goes, by destination country. "{pc} {city}" is the default (most of
# Europe); None means a postal code on its own line after the city.
_POSTAL_LINE = {
    "US": "{city} {pc}",  # the city column already holds "New York, NY"
    "CA": "{city}  {pc}",
    "AU": "{city} {pc}",
    "KR": "{city} {pc}",
    "CN": "{city} {pc}",
    "TH": "{city} {pc}",
    "IN": "{city} {pc}",
    "SG": "{city} {pc}",
    "GB": None,
    "IE": None,
}


def postal_line(country_code: str, postcode: str, city: str, *, mail: bool = False
                ) -> list[str]:
    """The postal code and city as the country writes them (one or two lines); ``mail`` writes
    a destination the way its post office asks (Royal Mail: the town in capitals)."""
    code = country_code.upper()
    pattern = _POSTAL_LINE.get(code, "{pc} {city}")
    if pattern is None:
        town = city.upper() if mail and code == "GB" else city
        return [line for line in (town, postcode) if line]
    line = pattern.format(pc=postcode, city=city).strip()
    return [line] if line else []


def address_lines(recipient: Recipient, locale: Locale) -> list[str]:
    """The recipient's address block, laid out for the destination country."""
    lines: list[str] = []
    if recipient.addressee_name:
        lines.append(recipient.addressee_name)
    if recipient.title_of_addressee:
        lines.append(recipient.title_of_addressee)
    if recipient.name and recipient.name not in lines:
        lines.append(recipient.name)
    street = [line for line in recipient.address_lines if line]
    code = recipient.country_code.upper()
    pc, city = recipient.postal_code, recipient.city
    if code == "JP" and pc:
        # Japan Post: the postal code mark and code head the address.
        lines.append(f"〒{pc}")
        lines += street
        lines.append(city)
    else:
        lines += street
        lines += postal_line(code, pc, city, mail=True)
    lines.append(_destination_country(recipient, locale).upper())
    return [line for line in lines if line.strip()]


def _destination_country(recipient: Recipient, locale: Locale) -> str:
    """The country line of the address. ``recipients.csv`` names the country in English, as
    the organizer wants it written (often the official name: "Republic of Korea", where CLDR
    has "South Korea"), so an English letter prints it; a letter in another language prints
    CLDR's name in that language."""
    if locale.language == "en" and recipient.country.strip():
        return recipient.country
    return country_name(recipient.country_code, locale, recipient.country)


def salutation(recipient: Recipient, gettext: Gettext, pgettext: Pgettext) -> str:
    """The salutation in the letter's language, by kind of recipient."""
    if recipient.kind == "embassy":
        return pgettext(*terms.AMBASSADOR_SALUTATION)
    message = terms.SALUTATIONS.get(recipient.salutation_en, recipient.salutation_en)
    return gettext(message or terms.SALUTATIONS["Dear Sir or Madam,"])


def directed(lines: list[str]) -> list[dict[str, str]]:
    return [{"text": line, "dir": text_direction(line)} for line in lines]


def format_letter_date(date: dt.date, locale: Locale) -> str:
    return format_date(date, "long", locale=dates_locale(locale))


def dates_locale(locale: Locale) -> Locale:
    """The locale a letter's dates are written in. A letter in English is in international
    English, as its body is ("on 24 September 1982") and as UN documents are: CLDR's "en_001",
    day before month, rather than the United States' "September 24, 1982" of plain "en"."""
    if locale.language == "en" and not locale.territory:
        return Locale.parse("en_001")
    return locale


def campaign_data(campaign: Campaign, gettext: Gettext) -> dict[str, Any]:
    """The campaign's own words in the letter's language (they are in the catalog)."""
    def translated(text: str) -> str:
        return gettext(text) if text else ""

    return {"slug": campaign.slug, "title": translated(campaign.title),
            "organisation": translated(campaign.organisation),
            "summary": translated(campaign.summary)}


def recipient_data(recipient: Recipient) -> dict[str, Any]:
    return {
        "id": recipient.id, "kind": recipient.kind, "name": recipient.name,
        "organisation": recipient.organisation, "title": recipient.title_of_addressee,
        "title_of_addressee": recipient.title_of_addressee,
        "addressee_name": recipient.addressee_name, "country_code": recipient.country_code,
        "city": recipient.city, "country": recipient.country, "language": recipient.language,
    }


def signer_data(signer: SignerDetails, locale: Locale) -> dict[str, Any]:
    return {
        "name": signer.name, "city": signer.city, "postcode": signer.postcode,
        "country_code": signer.country, "country": country_name(signer.country, locale),
        "message": message_paragraphs(signer.message),
    }


def sender_lines(signer: SignerDetails, locale: Locale) -> list[str]:
    lines = [signer.name, *postal_line(signer.country, signer.postcode, signer.city)]
    return [*lines, country_name(signer.country, locale)]


def letter_context(*, campaign: Campaign, recipient: Recipient, signer: SignerDetails | None,
                   language: str, gettext: Gettext, pgettext: Pgettext, cite: Callable[..., Any],
                   cited: Callable[[], list[dict[str, Any]]], mode: str, index: int,
                   authoritative_language: str = "", signature_count: int = 0,
                   today: dt.date | None = None) -> dict[str, Any]:
    """The template context of one letter (``mode``: letter, courtesy or cover)."""
    locale = babel_locale(language)
    date = (signer.date if signer and signer.date else None) or today or dt.date.today()
    recipient = recipient.on(date).in_language(pgettext)
    organisation = gettext(campaign.organisation) if campaign.organisation else ""
    if signer is None:  # a cover letter, signed by the campaign's organisation
        signer_values = {"name": organisation, "city": "", "postcode": "",
                         "country_code": "", "country": "", "message": []}
        sender = [organisation]
    else:
        signer_values = signer_data(signer, locale)
        sender = sender_lines(signer, locale)
    direction = "rtl" if locale.text_direction == "rtl" else "ltr"
    return {
        "campaign": campaign_data(campaign, gettext),
        "recipient": recipient_data(recipient),
        "signer": signer_values,
        "cite": cite,
        "layout": {
            "mode": mode,
            "index": index,
            "lang": bcp47(language),
            "dir": direction,
            "date": format_letter_date(date, locale),
            "date_iso": date.isoformat(),
            "sender_lines": directed(sender),
            "address_lines": directed(address_lines(recipient, locale)),
            "salutation": salutation(recipient, gettext, pgettext),
            "cited": cited,
            "authoritative_language": (language_name(authoritative_language, locale)
                                       if authoritative_language else ""),
            "signature_count": signature_count,
        },
    }

