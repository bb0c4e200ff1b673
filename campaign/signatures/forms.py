"""The sign form: Flask-WTF fields whose checks are the pure rules in ``rules.py``."""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup, escape
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField, widgets
from wtforms import i18n as wtforms_i18n
from wtforms.validators import InputRequired, ValidationError

from campaign.content.territories import country_codes
from campaign.signatures import rules

# The rules' English messages, marked here for translation (the rules module has no Flask).
MESSAGES = {
    rules.NAME_REQUIRED: _l("Please enter your name."),
    rules.NAME_TOO_LONG: _l("Please use at most 200 characters for your name."),
    rules.NAME_CONTROL: _l("Your name contains characters that cannot be printed."),
    rules.NAME_URL: _l("Please enter your name, not a web address."),
    rules.NAME_BRACKETS: _l("A name cannot contain angle brackets (< >)."),
    # Translators: refused because spreadsheets treat such text as a formula.
    rules.NAME_FORMULA: _l("A name cannot start with = + - or @."),
    rules.NAME_NO_LETTER: _l("Please enter your name in letters."),
    rules.EMAIL_INVALID: _l("Please enter a valid email address."),
    rules.COUNTRY_INVALID: _l("Please choose your country."),
    rules.CITY_TOO_LONG: _l("Please use at most 120 characters for your city."),
    rules.POSTCODE_TOO_LONG: _l("Please use at most 32 characters for your postcode."),
    rules.MESSAGE_TOO_LONG: _l("Please keep your message under 2,000 characters."),
    rules.TEXT_CONTROL: _l("This field contains characters that cannot be printed."),
    # Translators: %(characters)s lists the characters, such as an emoji, that no font of the
    # letters has; they would print as empty boxes.
    rules.NAME_UNPRINTABLE: _l("Your name contains characters that a letter cannot print: "
                               "%(characters)s"),
    # Translators: %(characters)s lists the characters, such as an emoji, that no font of the
    # letters has; they would print as empty boxes.
    rules.TEXT_UNPRINTABLE: _l("This field contains characters that a letter cannot print: "
                               "%(characters)s"),
}


@cache
def country_readings() -> dict[str, dict[str, str]]:
    """Readings of country names, by language and code (see scripts/country_readings.py)."""
    return json.loads(Path(__file__).with_name("country_readings.json").read_text("utf-8"))


def _pinyin_key(reading: str) -> tuple[tuple[str, int], ...]:
    """Syllable by syllable, then tone by tone, as a Chinese dictionary orders words."""
    return tuple((s.rstrip("12345"), int(s[-1]) if s[-1].isdigit() else 0)
                 for s in reading.split())


@cache
def _writes_latin(locale: str) -> bool:
    own_name = Locale.parse(locale).get_display_name(locale) or ""
    return unicodedata.name(own_name[:1], "").startswith("LATIN")


def _collation_key(locale: str, code: str, name: str, translated: bool) -> tuple:
    """An approximation of the locale's alphabetical order without ICU (PyICU needs a compiler
    and the ICU headers on every machine, and even ICU's Japanese order puts all kanji after
    the kana). Names the locale has no word for are shown in English; in a language not
    written in Latin letters they come last, since a Latin name sorts before Hangul, kana, Han
    and Arabic and would open the list.

    - zh_Hans: by pinyin (``country_readings.json``), as Chinese lists of countries are.
    - ja: by reading, kanji names by the katakana reading kept beside it (日本 among the ニ);
      the long-vowel mark and the middle dot are left out of the key.
    - others: accents fold onto their base letter (É with E); Hangul and Arabic keep their
      code-point order, which is their dictionary order.
    """
    reading = country_readings().get(locale, {}).get(code, name) if translated else name
    if locale == "zh_Hans" and translated:
        return (0, _pinyin_key(reading), name)
    if not translated and _writes_latin(locale):
        translated = True  # an English name sorts among the others
    if locale == "ja":
        reading = reading.replace("ー", "").replace("・", "")
    folded = "".join(c for c in unicodedata.normalize("NFKD", reading)
                     if not unicodedata.combining(c))
    return (0 if translated else 1, folded.casefold(), name)


@cache
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(ISO code, name in ``locale``) for every country, in the locale's alphabetical order."""
    names = Locale.parse(locale).territories
    english = Locale("en").territories
    keyed = []
    for code in country_codes():
        name = names.get(code) or english.get(code, code)
        keyed.append((_collation_key(locale, code, name, code in names), code, name))
    return tuple((code, name) for _, code, name in sorted(keyed))


@cache
def _options_html(locale: str) -> str:
    return "".join(f'<option value="{code}">{escape(name)}</option>'
                   for code, name in country_choices(locale))


def country_options(locale: str, selected: str | None) -> Markup:
    """The country ``<option>`` list, built once per language (WTForms would build 250 options
    on every page view); the chosen country, if any, is marked selected."""
    choose = _l("Choose your country")
    prompt = f'<option value="">{escape(str(choose))}</option>'
    options = _options_html(locale)
    if selected and len(selected) == 2 and selected.isalpha():
        options = options.replace(f'value="{selected}">', f'value="{selected}" selected>', 1)
    return Markup(prompt + options)  # noqa: S704 (names escaped above; codes are A-Z only)


def _translated(error: rules.InvalidSignature) -> str:
    message = str(MESSAGES.get(error.message, error.message))
    if not error.values:
        return message
    try:
        return message % error.values
    except (KeyError, ValueError, TypeError):  # a translation whose placeholder is broken
        return error.text


def _rule(check):
    """A WTForms validator that runs a rule and reports its message in the page's language;
    the cleaned value replaces the field's data."""

    def validator(form, field):
        try:
            field.data = check(field.data or "")
        except rules.InvalidSignature as exc:
            raise ValidationError(_translated(exc)) from exc

    return validator


@cache
def _wtforms_translations(locale: str):
    return wtforms_i18n.get_translations([locale.replace("_Hans", "_CN"), "en"])


class _CSRFToken:
    """The form's CSRF token, made when the page is rendered: a valid sign request only
    redirects, and signing a fresh token for it cost ~3% of the request."""

    def __init__(self, make):
        self._make = make

    def __str__(self) -> str:
        return self._make()

    def __html__(self) -> str:
        return str(escape(self._make()))


class _LazyCSRF(_FlaskFormCSRF):
    def generate_csrf_token(self, csrf_token_field):
        return _CSRFToken(lambda: super(_LazyCSRF, self).generate_csrf_token(csrf_token_field))


class SignForm(FlaskForm):
    class Meta:
        csrf_class = _LazyCSRF

        def get_translations(self, form):
            # Flask-WTF loads WTForms' catalog from disk on every request; once per language
            # is enough on the busiest form of the site.
            return _wtforms_translations(str(get_locale() or "en"))

    name = StringField(_l("Your name"), validators=[_rule(rules.validate_name)])
    # An address reads left to right on a right-to-left page too.
    email = EmailField(_l("Email address"), validators=[_rule(rules.validate_email_address)],
                       render_kw={"dir": "ltr"})
    country = SelectField(_l("Country"), validators=[_rule(rules.validate_country)],
                          validate_choice=False)
    city = StringField(_l("City (optional)"), validators=[_rule(rules.validate_city)])
    postcode = StringField(_l("Postcode (optional)"), validators=[_rule(rules.validate_postcode)])
    message = TextAreaField(_l("Your message to the recipient (optional)"),
                            validators=[_rule(rules.validate_message)])
    show_name = BooleanField(_l("Show my name: on this page among recent signers, and to the recipients"))
    updates = BooleanField(_l("Email me news about this campaign"))
    consent = BooleanField(validators=[InputRequired(
        message=_l("Please agree to how your signature is used, or you cannot sign."))])
    # Honeypot: hidden from people by CSS and from assistive technology; bots fill it in.
    website = StringField(_l("Leave this field empty"))

    def set_countries(self, locale: str) -> None:
        self.locale = locale
        self.country.choices = []  # rendered by ``country_options``; validated by the rule

    def country_select(self, **attributes) -> Markup:
        """The country ``<select>`` with the form's attributes and the cached options."""
        attributes.setdefault("id", self.country.id)
        attributes.setdefault("name", self.country.name)
        return Markup("<select {}>{}</select>").format(
            Markup(widgets.html_params(**attributes)),  # noqa: S704 (html_params escapes)
            country_options(self.locale, self.country.data))

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    def signer(self) -> rules.SignerInput:
        """The validated fields as plain data (call after ``validate()``). Stored as typed:
        formula cells are neutralised where CSV is written, not in the letters that print them."""
        return rules.SignerInput(
            name=self.name.data,
            email=self.email.data,
            email_key=rules.normalise_email(self.email.data),
            country=self.country.data,
            city=self.city.data or "",
            postcode=self.postcode.data or "",
            message=self.message.data or "",
            show_name=bool(self.show_name.data),
            updates=bool(self.updates.data),
        )
