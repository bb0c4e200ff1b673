"""Writes campaign/signatures/country_readings.json: how the country names of the sign form
are read, for the languages whose alphabetical order follows the reading, not the characters.

- zh_Hans: the pinyin of every name (tone numbers), made here with pypinyin, a tool needed only
  to run this script (`pip install pypinyin`): at run time it would cost each app process 55 MB.
- ja: the katakana reading of the names that start with kanji (日本: ニホン), written by hand
  and kept as they are when the script runs again; the other names are kana already.

Run it after upgrading Babel (tests/signatures/test_countries.py says when a name has no
reading):  .venv/bin/python scripts/country_readings.py
"""

from __future__ import annotations

import json
from pathlib import Path

from babel import Locale
from pypinyin import Style, lazy_pinyin

from campaign.content.territories import country_codes

TARGET = Path(__file__).resolve().parent.parent / "campaign/signatures/country_readings.json"


def pinyin(name: str) -> str:
    """Syllables with tone numbers, punctuation left out: 刚果（金） → "gang1 guo3 jin1"."""
    return " ".join(s for s in lazy_pinyin(name, style=Style.TONE3) if s.isalnum())


def main() -> None:
    current = json.loads(TARGET.read_text("utf-8")) if TARGET.is_file() else {}
    names = Locale.parse("zh_Hans").territories
    readings = {
        "zh_Hans": {code: pinyin(names[code]) for code in country_codes() if code in names},
        "ja": current.get("ja", {}),
    }
    TARGET.write_text(json.dumps(readings, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                      "utf-8")


if __name__ == "__main__":
    main()
