"""ISO 3166-1 alpha-2 codes a signer can pick, and BCP 47 language tags, checked with Babel's CLDR data."""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

# CLDR lists a few codes that are not countries a person lives in.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "XK"}


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code CLDR knows as a territory (regions such as 001 excluded)."""
    names = Locale("en").territories
    return frozenset(
        code for code in names if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


def is_country_code(code: str) -> bool:
    return code in country_codes()


def is_language_tag(tag: str) -> bool:
    """True for a BCP 47 tag Babel can parse and has data for (``en``, ``zh-Hans``, ``pt-BR``)."""
    if not tag or tag.strip() != tag or "_" in tag:
        return False
    try:
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return False
    return True
