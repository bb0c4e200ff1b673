"""The country list of the sign form, in each language's alphabetical order."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from campaign.content.territories import country_codes
from campaign.signatures.forms import country_readings

LANGUAGES = ["en", "ko", "zh_Hans", "ja", "fr", "de", "es", "ar"]


def options(client, locale: str) -> list[str]:
    """The country codes of the petition's select, in page order (the prompt left out)."""
    page = client.get(f"/{locale}/c/stop-forced-repatriation/").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="country".*?</select>', page, re.S).group(0)
    return [code for code in re.findall(r'<option value="([A-Z]*)"', select) if code]


@pytest.mark.parametrize("locale", ["ko", "zh_Hans", "ja", "ar"])
def test_country_list_does_not_open_with_an_english_name(client, locale):
    first = options(client, locale)[0]
    assert first in Locale.parse(locale).territories


def test_country_list_in_japanese_puts_japan_among_its_reading(client):
    codes = options(client, "ja")
    # ニジェール, 日本 (ニホン), ニューカレドニア
    assert codes.index("NE") < codes.index("JP") < codes.index("NC")


def test_country_list_in_chinese_follows_pinyin(client):
    codes = options(client, "zh_Hans")
    # 阿尔巴尼亚 (a), 巴西 (ba), 中国 (zhong guo)
    assert codes[0] == "AL" and codes.index("AL") < codes.index("BR") < codes.index("CN")


def test_country_list_in_chinese_puts_china_among_the_z(client):
    codes = options(client, "zh_Hans")
    assert codes.index("CN") > len(codes) - 10


def test_country_list_in_german_sorts_english_fallback_among_the_s(client):
    codes = options(client, "de")
    assert codes.index("SM") < codes.index("CQ") < codes.index("SE")  # San Marino, Sark, Schweden


@pytest.mark.parametrize("locale", ["zh_Hans"])
def test_country_readings_cover_every_name(locale):
    names = Locale.parse(locale).territories
    missing = [c for c in country_codes() if c in names and c not in country_readings()[locale]]
    assert missing == [], "run scripts/country_readings.py"


def test_country_readings_cover_japanese_names_starting_with_kanji():
    names = Locale.parse("ja").territories
    kanji = [c for c in country_codes()
             if c in names and re.match(r"[\u4e00-\u9fff]", names[c])]
    assert sorted(set(kanji) - set(country_readings()["ja"])) == []
