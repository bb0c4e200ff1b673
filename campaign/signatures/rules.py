"""What a valid signature is: pure rules shared by the web form and the paper import.

No Flask and no database here. Each check returns the cleaned value or raises ``InvalidSignature``
naming the field; messages are plain English source strings that the web layer translates. What
a letter can print is what the installed fonts have (``campaign.letters.printable``).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass

import idna
from email_validator import EmailNotValidError, validate_email

from campaign.content.territories import is_country_code
from campaign.letters.printable import unprintable

NAME_MAX = 200
CITY_MAX = 120
POSTCODE_MAX = 32
MESSAGE_MAX = 2000
EMAIL_MAX = 320

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_URL = re.compile(r"(https?://|ftp://|www\.|\b[\w-]+\.(com|net|org|info|ru|cn|io|xyz|top)\b)",
                  re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class InvalidSignature(ValueError):
    """A field of a signature is not acceptable; ``message`` is an untranslated source string,
    with ``%(name)s`` placeholders for ``values``; ``text`` is the message filled in."""

    def __init__(self, field: str, message: str, **values: str):
        self.field = field
        self.message = message
        self.values = values
        super().__init__(f"{field}: {self.text}")

    @property
    def text(self) -> str:
        return self.message % self.values if self.values else self.message


# Messages, listed once so that the web layer can mark them for translation.
NAME_REQUIRED = "Please enter your name."
NAME_TOO_LONG = "Please use at most 200 characters for your name."
NAME_CONTROL = "Your name contains characters that cannot be printed."
NAME_URL = "Please enter your name, not a web address."
NAME_BRACKETS = "A name cannot contain angle brackets (< >)."
NAME_FORMULA = "A name cannot start with = + - or @."
NAME_NO_LETTER = "Please enter your name in letters."
EMAIL_INVALID = "Please enter a valid email address."
COUNTRY_INVALID = "Please choose your country."
CITY_TOO_LONG = "Please use at most 120 characters for your city."
POSTCODE_TOO_LONG = "Please use at most 32 characters for your postcode."
MESSAGE_TOO_LONG = "Please keep your message under 2,000 characters."
TEXT_CONTROL = "This field contains characters that cannot be printed."
# Characters that no installed font has: a letter would print an empty box for each.
NAME_UNPRINTABLE = "Your name contains characters that a letter cannot print: %(characters)s"
TEXT_UNPRINTABLE = "This field contains characters that a letter cannot print: %(characters)s"


def _refuse_unprintable(field: str, text: str, message: str) -> None:
    missing = unprintable(text)
    if missing:
        raise InvalidSignature(field, message, characters=" ".join(missing))


def _has_control(text: str, allow_newlines: bool = False) -> bool:
    for char in text:
        if allow_newlines and char in "\n\r\t":
            continue
        # Cc: control characters; Cf would also catch ZWJ/ZWNJ needed by Arabic and Indic
        # scripts, so only the bidirectional overrides are refused from that category.
        if unicodedata.category(char) == "Cc" or char in "\u202a\u202b\u202c\u202d\u202e" \
                "\u2066\u2067\u2068\u2069":
            return True
    return False


def _tidy(text: str) -> str:
    """NFC and single spaces: the same name typed on two keyboards compares equal."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def validate_name(value: str) -> str:
    """A person's name in any script; refuses control characters, web addresses, markup
    brackets and names a spreadsheet would run as a formula."""
    if value and _has_control(value):
        raise InvalidSignature("name", NAME_CONTROL)
    name = _tidy(value)
    if not name:
        raise InvalidSignature("name", NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise InvalidSignature("name", NAME_TOO_LONG)
    if name.startswith(FORMULA_PREFIXES):
        raise InvalidSignature("name", NAME_FORMULA)
    if _URL.search(name):
        raise InvalidSignature("name", NAME_URL)
    # Markup, not a name. A slash is fine ("Jean-Luc / Marie"): every page and letter
    # escapes what it prints.
    if "<" in name or ">" in name:
        raise InvalidSignature("name", NAME_BRACKETS)
    if not any(unicodedata.category(c).startswith("L") for c in name):
        raise InvalidSignature("name", NAME_NO_LETTER)
    _refuse_unprintable("name", name, NAME_UNPRINTABLE)
    return name


def validate_email_address(value: str) -> str:
    """The address as typed (trimmed), if its syntax is real; deliverability is not checked so
    that signing never waits on DNS."""
    address = (value or "").strip()
    if not address or len(address) > EMAIL_MAX or _has_control(address):
        raise InvalidSignature("email", EMAIL_INVALID)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidSignature("email", EMAIL_INVALID) from exc
    return address


def normalise_email(value: str) -> str:
    """The dedupe key: one person, one signature. Case and surrounding spaces do not make a new
    person; the domain is folded to its IDNA form so ``例え.jp`` and ``xn--r8jz45g.jp`` match.
    (Call it on an address that passed ``validate_email_address``.)"""
    local, _, domain = (value or "").strip().rpartition("@")
    if not domain.isascii():
        # An invalid domain is not a valid address anyway; the key only has to be stable.
        with contextlib.suppress(idna.IDNAError):
            domain = idna.encode(domain, uts46=True).decode("ascii")
    return f"{unicodedata.normalize('NFC', local).casefold()}@{domain.casefold()}"


def validate_country(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or not is_country_code(code):
        raise InvalidSignature("country", COUNTRY_INVALID)
    return code


def _short_text(field: str, value: str, limit: int, too_long: str) -> str:
    if value and _has_control(value):
        raise InvalidSignature(field, TEXT_CONTROL)
    text = _tidy(value)
    if len(text) > limit:
        raise InvalidSignature(field, too_long)
    _refuse_unprintable(field, text, TEXT_UNPRINTABLE)
    return text


def validate_city(value: str) -> str:
    return _short_text("city", value, CITY_MAX, CITY_TOO_LONG)


def validate_postcode(value: str) -> str:
    return _short_text("postcode", value, POSTCODE_MAX, POSTCODE_TOO_LONG)


def validate_message(value: str) -> str:
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").strip()
    if _has_control(text, allow_newlines=True):
        raise InvalidSignature("message", TEXT_CONTROL)
    if len(text) > MESSAGE_MAX:
        raise InvalidSignature("message", MESSAGE_TOO_LONG)
    _refuse_unprintable("message", text, TEXT_UNPRINTABLE)
    return text


def neutralise_cell(value: str) -> str:
    """Text safe to put in a spreadsheet cell: a leading formula character gets a quote.

    For CSV output only: values are stored as given, since letters and packets print them and
    a quote there would be a stray character in someone's city."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class SignerInput:
    """A signature's fields after validation."""

    name: str
    email: str
    email_key: str
    country: str
    city: str = ""
    postcode: str = ""
    message: str = ""
    show_name: bool = False
    updates: bool = False


def validate_signer(*, name: str, email: str, country: str, city: str = "", postcode: str = "",
                    message: str = "", show_name: bool = False,
                    updates: bool = False) -> SignerInput:
    """Every field checked; the first problem found is raised."""
    address = validate_email_address(email)
    return SignerInput(
        name=validate_name(name),
        email=address,
        email_key=normalise_email(address),
        country=validate_country(country),
        city=validate_city(city),
        postcode=validate_postcode(postcode),
        message=validate_message(message),
        show_name=bool(show_name),
        updates=bool(updates),
    )
