"""The pure signature rules (no Flask): what a name, an address and the other fields may be."""

from __future__ import annotations

import pytest

from campaign.signatures import rules
from campaign.signatures.rules import InvalidSignature


@pytest.mark.parametrize("name", [
    "김철수", "李华", "محمد علي", "Amélie Dupont-Lefèvre", "Jane O'Neil", "Hans-Peter Müller",
    "山田 花子", "Nguyễn Thị Minh Khai", "Zoë d’Arcy",
])
def test_validate_name_accepts_any_script(name):
    assert rules.validate_name(name) == name


def test_validate_name_collapses_spaces():
    assert rules.validate_name("  Jane   Doe ") == "Jane Doe"


def test_validate_name_refuses_empty():
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_name("   ")
    assert (caught.value.field, caught.value.message) == ("name", rules.NAME_REQUIRED)


@pytest.mark.parametrize("name", ["Jane\x00Doe", "Jane\x1bDoe", "Jane\u202eeoD", "Jane\nDoe"])
def test_validate_name_refuses_control_characters(name):
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_name(name)
    assert caught.value.message == rules.NAME_CONTROL


@pytest.mark.parametrize("name", ["https://spam.example", "visit www.spam.example",
                                  "Cheap pills.com", "http://x"])
def test_validate_name_refuses_urls(name):
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_name(name)
    assert caught.value.message == rules.NAME_URL


def test_validate_name_accepts_a_slash():
    assert rules.validate_name("Jean-Luc / Marie") == "Jean-Luc / Marie"


@pytest.mark.parametrize("name", ["<script>", "Jane <b>", "a > b"])
def test_validate_name_refuses_angle_brackets_with_their_own_message(name):
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_name(name)
    assert (caught.value.field, caught.value.message) == ("name", rules.NAME_BRACKETS)


@pytest.mark.parametrize("name", ["=HYPERLINK(\"x\")", "+1 Jane", "-Jane", "@SUM(A1)"])
def test_validate_name_refuses_formula_prefixes(name):
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_name(name)
    assert caught.value.message == rules.NAME_FORMULA


def test_validate_name_refuses_over_200_characters():
    with pytest.raises(InvalidSignature):
        rules.validate_name("a" * 201)


def test_validate_name_accepts_200_characters():
    assert rules.validate_name("a" * 200) == "a" * 200


def test_validate_name_refuses_no_letters():
    with pytest.raises(InvalidSignature):
        rules.validate_name("12345")


@pytest.mark.parametrize("address", ["plainaddress", "a@b", "jane@@example.org",
                                     "jane@example..org", "jane doe@example.org", ""])
def test_validate_email_address_refuses_bad_syntax(address):
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_email_address(address)
    assert caught.value.field == "email"


def test_validate_email_address_keeps_address_as_typed():
    assert rules.validate_email_address("  Jane.Doe@Example.ORG ") == "Jane.Doe@Example.ORG"


def test_normalise_email_folds_case_and_spaces():
    assert rules.normalise_email(" Jane.Doe@Example.ORG ") == rules.normalise_email(
        "jane.doe@example.org")


def test_normalise_email_folds_internationalised_domain():
    assert rules.normalise_email("a@例え.jp") == rules.normalise_email("A@xn--r8jz45g.jp")


@pytest.mark.parametrize("code", ["XX", "USA", "1", "", "EU"])
def test_validate_country_refuses_non_iso_codes(code):
    with pytest.raises(InvalidSignature):
        rules.validate_country(code)


def test_validate_country_upper_cases():
    assert rules.validate_country("kr") == "KR"


def test_validate_message_refuses_over_2000_characters():
    with pytest.raises(InvalidSignature):
        rules.validate_message("x" * 2001)


def test_validate_message_keeps_line_breaks():
    assert rules.validate_message("one\r\ntwo") == "one\ntwo"


def test_validate_city_refuses_over_120_characters():
    with pytest.raises(InvalidSignature):
        rules.validate_city("x" * 121)


def test_validate_postcode_refuses_over_32_characters():
    with pytest.raises(InvalidSignature):
        rules.validate_postcode("1" * 33)


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@x", "\tx"])
def test_neutralise_cell_quotes_formula_starts(cell):
    assert rules.neutralise_cell(cell) == "'" + cell


def test_neutralise_cell_keeps_plain_text():
    assert rules.neutralise_cell("Seoul") == "Seoul"


def test_validate_name_refuses_characters_no_font_has_naming_them():
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_name("Zoë 🙂 Martin 🏽")
    assert (caught.value.field, caught.value.message) == ("name", rules.NAME_UNPRINTABLE)
    assert caught.value.text.endswith(": 🙂 🏽")


@pytest.mark.parametrize("name", ["Jane ✈ Doe", "שלום כהן", "नमस्ते", "ภาษาไทย", "Ἀλέξανδρος"])
def test_validate_name_accepts_characters_an_installed_font_has(name):
    assert rules.validate_name(name) == name


def test_validate_message_refuses_characters_no_font_has():
    with pytest.raises(InvalidSignature) as caught:
        rules.validate_message("Please act now 🙏")
    assert (caught.value.field, caught.value.text) == (
        "message", "This field contains characters that a letter cannot print: 🙏")


def test_validate_message_keeps_joiners_and_variation_selectors():
    assert rules.validate_message("❤\ufe0f a\u200db") == "❤\ufe0f a\u200db"
