"""Strings the letter layout needs that do not live in a template: salutations and locator
labels. They are marked with ``N_`` so that extraction (``pybabel extract``, whose default
keywords include ``N_``) puts them in the catalogue, and translated at render time."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext no-op marker
    return message


def pgettext(context: str, message: str) -> tuple[str, str]:
    """A no-op marker named like the gettext function so that extraction records the context."""
    return context, message


# Translators: the salutation of a letter to an ambassador (an embassy). Use the formal form,
# e.g. Chinese “尊敬的大使阁下：”, Korean “대사님께”.
AMBASSADOR_SALUTATION = pgettext("to an ambassador", "Your Excellency,")

# The recipients' ``salutation_en`` column, mapped to catalogue messages. A salutation missing
# here is still looked up in the catalogue, and printed in English until someone adds it.
SALUTATIONS: dict[str, str] = {
    # Translators: salutation of a letter to a head of state, minister or ambassador.
    "Your Excellency,": N_("Your Excellency,"),
    # Translators: salutation of a letter to a UN High Commissioner.
    "Dear High Commissioner,": N_("Dear High Commissioner,"),
    # Translators: salutation of a letter to a UN Special Rapporteur.
    "Dear Special Rapporteur,": N_("Dear Special Rapporteur,"),
    # Translators: salutation of a letter to the UN Secretary-General.
    "Dear Secretary-General,": N_("Dear Secretary-General,"),
    # Translators: salutation of a letter to a government minister.
    "Dear Minister,": N_("Dear Minister,"),
    # Translators: salutation when the addressee is unknown.
    "Dear Sir or Madam,": N_("Dear Sir or Madam,"),
}

# cite(..., label=...) → the abbreviated locator term; %(locator)s is e.g. "33".
LOCATOR_LABELS: dict[str, str] = {
    # Translators: article of a treaty or law in a footnote, e.g. "art. 33" (Chinese “第33条”).
    "article": N_("art. %(locator)s"),
    # Translators: paragraph number in a footnote, e.g. "para. 43".
    "paragraph": N_("para. %(locator)s"),
    # Translators: page number in a footnote, e.g. "p. 12".
    "page": N_("p. %(locator)s"),
    # Translators: section number in a footnote, e.g. "sec. 2".
    "section": N_("sec. %(locator)s"),
    # Translators: chapter number in a footnote, e.g. "ch. 4".
    "chapter": N_("ch. %(locator)s"),
}

# Translators: an approximate date in a citation, e.g. "c. 2015".
CIRCA = N_("c. %(date)s")
# Translators: a link in a citation, followed by the address.
ONLINE = N_("online: %(url)s")


# How a footnote and a Sources entry are punctuated, in the letter's language. The title marks
# apply to a title the source gives in the letter's language; another title keeps the English
# marks.
CITATION_PUNCTUATION = {
    # Translators: between the parts of a footnote or a Sources entry ("Convention …, art. 33").
    # Chinese “，”, Japanese “、”, Arabic “، ”.
    "separator": pgettext("citation", ", "),
    # Translators: at the end of a footnote or a Sources entry. Chinese and Japanese “。”.
    "end": pgettext("citation", "."),
    # Translators: around the title of an article or a web page in a footnote or a Sources
    # entry, when it is in your language, e.g. Chinese 《%(title)s》, Japanese 「%(title)s」,
    # French « %(title)s ».
    "quoted": pgettext("citation", "“%(title)s”"),
    # Translators: around the title of a treaty, a law, a book or a report (printed in italics
    # in English) when it is in your language, e.g. Chinese 《%(title)s》, Korean 「%(title)s」;
    # leave it as it is where your language writes such titles plain or in italics.
    "italic": pgettext("citation", "%(title)s"),
}


def all_messages() -> list[str]:
    """Every message of this module, for the untranslated-strings report."""
    return sorted({*SALUTATIONS.values(), *LOCATOR_LABELS.values(), CIRCA, ONLINE})
