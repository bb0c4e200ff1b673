"""Loading campaign content: typed, immutable objects and errors that name file and line."""

from __future__ import annotations

import dataclasses
import json

import pytest

from campaign.content import ContentErrors, load_campaign
from campaign.content.sources import parse_sources
from tests.conftest import LETTERS_DIR, SLUG


def test_shipped_campaign_loads_with_every_recipient_and_source():
    campaign = load_campaign(LETTERS_DIR, SLUG)
    assert campaign.slug == SLUG
    assert len(campaign.recipients) == 23
    assert "refugee-convention-1951" in campaign.sources
    assert [letter.id for letter in campaign.letters] == ["prc", "un", "rok"]


def test_campaign_is_immutable():
    campaign = load_campaign(LETTERS_DIR, SLUG)
    with pytest.raises(dataclasses.FrozenInstanceError):
        campaign.goal = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        campaign.recipients["x"] = campaign.recipients["emb-kr"]  # type: ignore[index]


def test_recipients_keep_source_url_and_verified_columns():
    recipient = load_campaign(LETTERS_DIR, SLUG).recipients["emb-kr"]
    assert recipient.verified is True
    assert any("wikipedia" in url for url in recipient.source_urls)
    assert recipient.address_lines[0].startswith("27 Myeongdong")


def test_default_recipient_is_embassy_in_signer_country():
    campaign = load_campaign(LETTERS_DIR, SLUG)
    assert campaign.default_recipient_for("FR").id == "emb-fr"


def test_default_recipient_falls_back_without_embassy():
    campaign = load_campaign(LETTERS_DIR, SLUG)
    assert campaign.default_recipient_for("BR").id == "prc-mfa"


def test_every_recipient_gets_a_letter():
    campaign = load_campaign(LETTERS_DIR, SLUG)
    assert campaign.letter_for("emb-jp").id == "prc"
    assert campaign.letter_for("un-sg").id == "un"
    assert campaign.letter_for("rok-mou").id == "rok"


def _write_sources(tmp_path, items):
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_sources_accept_numeric_ids(tmp_path):
    sources, problems = parse_sources(_write_sources(tmp_path, [{"id": 42, "type": "book"}]))
    assert problems == []
    assert sources["42"].id == "42"


def test_sources_accept_literal_dates(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book",
                                      "issued": {"literal": "Spring 1999"}}])
    sources, problems = parse_sources(path)
    assert problems == []
    assert sources["a"].issued.literal == "Spring 1999"


def test_sources_accept_edtf_raw_dates(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book", "issued": {"raw": "2023-10~"}}])
    sources, _ = parse_sources(path)
    assert (sources["a"].issued.year, sources["a"].issued.month) == (2023, 10)
    assert sources["a"].issued.circa is True


def test_sources_accept_custom_titles(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "treaty", "title": "Convention",
                                      "custom": {"titles": {"zh-Hans": "公约"}, "other": 1}}])
    sources, problems = parse_sources(path)
    assert problems == []
    assert sources["a"].title_in("zh_Hans") == "公约"
    assert sources["a"].title_in("fr") == "Convention"


def test_sources_reject_unknown_type_with_line(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book"}, {"id": "b", "type": "poem"}])
    _, problems = parse_sources(path)
    assert len(problems) == 1
    assert problems[0].line == 6  # the second object starts on line 6
    assert "'poem' is not one of" in problems[0].message


def test_sources_report_invalid_json_line(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text('[\n  {"id": "a", "type": "book"},\n  {"id": "b" "type": "book"}\n]\n')
    _, problems = parse_sources(path)
    assert problems[0].line == 3
    assert "invalid JSON" in problems[0].message


def test_sources_report_duplicate_ids(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book"}, {"id": "a", "type": "book"}])
    _, problems = parse_sources(path)
    assert "duplicate source id 'a'" in problems[0].message


def test_broken_campaign_raises_every_problem(letters_dir):
    campaign_dir = letters_dir / SLUG
    csv_path = campaign_dir / "recipients.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",KR,", ",XX,", 1)
    lines[2] = lines[2].replace(",zh-Hans,", ",chinese,", 1)
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load_campaign(letters_dir, SLUG)
    messages = [str(p) for p in caught.value.problems]
    assert any("recipients.csv:2:" in m and "'XX'" in m for m in messages)
    assert any("recipients.csv:3:" in m and "'chinese'" in m for m in messages)


def test_library_picks_up_edited_campaign(letters_dir):
    from campaign.content import CampaignLibrary

    library = CampaignLibrary(letters_dir, recheck_seconds=0)
    assert library.get(SLUG).goal == 100000
    path = letters_dir / SLUG / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("goal = 100000", "goal = 5000"),
                    encoding="utf-8")
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert library.get(SLUG).goal == 5000


def test_library_unknown_slug_raises_key_error(letters_dir):
    from campaign.content import CampaignLibrary

    with pytest.raises(KeyError):
        CampaignLibrary(letters_dir).get("nothing-here")


@pytest.mark.parametrize(("parts", "expected"), [
    ([2023, 13], "issued month 13 is not a month"),
    ([2023, 2, 30], "issued date 2023-02-30 does not exist"),
    ([2023, "x"], "must be numbers"),
])
def test_sources_refuse_dates_that_would_print_wrong(tmp_path, parts, expected):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book",
                                      "issued": {"date-parts": [parts]}}])
    sources, problems = parse_sources(path)
    assert "a" not in sources
    assert [p.line for p in problems] == [2] and expected in problems[0].message


def test_sources_accept_a_season_as_month(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book",
                                      "issued": {"date-parts": [[2023, 22]]}}])
    assert parse_sources(path)[1] == []


def test_sources_warn_about_a_url_that_is_no_web_address(tmp_path):
    path = _write_sources(tmp_path, [{"id": "a", "type": "book", "URL": "javascript:alert(1)"}])
    sources, problems = parse_sources(path)
    assert "a" in sources
    assert [(p.severity, "is not a web address" in p.message) for p in problems] == \
        [("warning", True)]


def test_sources_nested_too_deeply_are_an_error_not_a_crash(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]", encoding="utf-8")
    _sources, problems = parse_sources(path)
    assert problems and "nested too deeply" in problems[0].message


def test_library_problems_clear_when_a_backup_is_put_back(letters_dir):
    # cp -p or mv of the old file: its modification time is that of the version that loaded.
    import shutil

    from campaign.content import CampaignLibrary

    path = letters_dir / SLUG / "recipients.csv"
    backup = letters_dir / "recipients.csv.bak"
    shutil.copy2(path, backup)
    library = CampaignLibrary(letters_dir, recheck_seconds=0)
    library.get(SLUG)
    _break_recipients(letters_dir)
    assert library.problems(SLUG)
    shutil.copy2(backup, path)
    assert library.problems(SLUG) == []


def _break_recipients(letters_dir):
    """emb-fr's country code FR → FX, a typo on line 7 of the shipped recipients.csv."""
    import os

    path = letters_dir / SLUG / "recipients.csv"
    text = path.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("emb-fr,"))
    path.write_text(text.replace("People's Republic of China in France,FR,",
                                 "People's Republic of China in France,FX,"), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    return line


def test_library_serves_last_good_campaign_when_its_files_break(letters_dir):
    from campaign.content import CampaignLibrary

    library = CampaignLibrary(letters_dir, recheck_seconds=0)
    loaded = library.get(SLUG)
    _break_recipients(letters_dir)
    assert library.get(SLUG) is loaded
    assert [c.slug for c in library.all()] == [SLUG]


def test_library_problems_name_file_and_line_of_broken_campaign(letters_dir):
    from campaign.content import CampaignLibrary

    library = CampaignLibrary(letters_dir, recheck_seconds=0)
    library.get(SLUG)
    line = _break_recipients(letters_dir)
    [problem] = library.problems(SLUG)
    assert problem.line == line and problem.path.name == "recipients.csv"
    assert "'FX'" in problem.message


def test_library_logs_errors_of_broken_campaign(letters_dir, caplog):
    from campaign.content import CampaignLibrary

    library = CampaignLibrary(letters_dir, recheck_seconds=0)
    library.get(SLUG)
    line = _break_recipients(letters_dir)
    library.get(SLUG)
    assert f"recipients.csv:{line}:" in caplog.text and "last version" in caplog.text


def test_library_broken_since_start_raises_content_errors(letters_dir):
    from campaign.content import CampaignLibrary

    _break_recipients(letters_dir)
    with pytest.raises(ContentErrors):
        CampaignLibrary(letters_dir, recheck_seconds=0).get(SLUG)


def test_library_problems_clear_once_files_are_fixed(letters_dir):
    from campaign.content import CampaignLibrary

    library = CampaignLibrary(letters_dir, recheck_seconds=0)
    library.get(SLUG)
    _break_recipients(letters_dir)
    library.get(SLUG)
    path = letters_dir / SLUG / "recipients.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",FX,", ",FR,"), encoding="utf-8")
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    assert library.problems(SLUG) == []
