"""``campaign signatures export`` and ``import``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import time

import pytest

from campaign.signatures.models import CampaignCounter, Signature

SLUG = "stop-forced-repatriation"


def test_export_csv_neutralises_formula_cells(app, runner, add_signatures, tmp_path):
    add_signatures([("=HYPERLINK(\"http://evil\")", True), ("@SUM(A1)", True),
                    ("+1 555", True), ("-2", True), ("\tTab", True), ("Plain Name", True)])
    out = tmp_path / "s.csv"
    result = runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert names[:5] == ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", "'+1 555", "'-2",
                         "'\tTab"]
    assert names[5] == "Plain Name"


def test_export_csv_with_bom_starts_with_bom(runner, add_signatures, tmp_path):
    add_signatures([("김민준", True)])
    out = tmp_path / "s.csv"
    runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out), "--bom"])
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "김민준".encode() in data


def test_export_is_readable_by_its_owner_only(runner, add_signatures, tmp_path, umask):
    add_signatures([("Kim", True)])
    out = tmp_path / "s.csv"
    umask(0o022)
    runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out)])
    assert out.stat().st_mode & 0o777 == 0o600


def test_export_json_keeps_values_as_they_are(runner, add_signatures, tmp_path):
    add_signatures([("=not a formula here", True)])
    out = tmp_path / "s.json"
    result = runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows[0]["name"] == "=not a formula here"
    assert rows[0]["status"] == "confirmed"


def _export(runner, out, *options):
    return runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out),
                               *options])


def test_export_to_a_spreadsheet_name_is_refused_naming_the_option(runner, tmp_path):
    out = tmp_path / "s.xlsx"
    result = _export(runner, out)
    assert result.exit_code == 2
    assert f"Invalid value for '-o' / '--out': {out}: campaign does not write .xlsx files" \
        in result.stderr


def test_export_to_a_spreadsheet_name_writes_nothing(runner, add_signatures, tmp_path):
    add_signatures([("Kim", True)])
    _export(runner, tmp_path / "s.xlsx")
    assert list(tmp_path.glob("s.*")) == []


def test_export_name_contradicting_format_is_refused(runner, add_signatures, tmp_path):
    add_signatures([("Kim", True)])
    result = _export(runner, tmp_path / "s.json", "--format", "csv")
    assert result.exit_code == 2
    assert f"-o {tmp_path / 's.json'} is a JSON file name but --format is csv" in result.stderr


def test_export_name_of_no_known_format_takes_the_format_option(runner, add_signatures,
                                                                tmp_path):
    add_signatures([("Kim", True)])
    out = tmp_path / "signatures.txt"
    _export(runner, out, "--format", "json")
    assert [r["name"] for r in json.loads(out.read_text(encoding="utf-8"))] == ["Kim"]


def test_export_format_follows_an_upper_case_extension(runner, add_signatures, tmp_path):
    add_signatures([("Kim", True)])
    out = tmp_path / "S.JSON"
    _export(runner, out)
    assert [r["name"] for r in json.loads(out.read_text(encoding="utf-8"))] == ["Kim"]


def test_export_with_bom_as_json_is_refused(runner, add_signatures, tmp_path):
    add_signatures([("Kim", True)])
    result = _export(runner, tmp_path / "s.json", "--bom")
    assert result.exit_code == 2 and "--bom is for CSV files" in result.stderr
    assert not (tmp_path / "s.json").exists()


def test_export_confirmed_leaves_out_pending(runner, add_signatures, tmp_path):
    add_signatures([("Confirmed", True)])
    add_signatures([("Pending", True)], status="pending")
    out = tmp_path / "s.json"
    runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out)])
    assert [r["name"] for r in json.loads(out.read_text())] == ["Confirmed"]
    runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out),
                        "--status", "all"])
    assert len(json.loads(out.read_text())) == 2


PAPER = """name,email,country,city,date
Lee Seo-yeon,lee@example.org,KR,Busan,2026-10-02
Duplicate Online,s-online@example.org,KR,Seoul,2026-10-02
,noname@example.org,KR,Seoul,2026-10-02
Bad Email,not-an-email,KR,Seoul,2026-10-02
Bad Date,bd@example.org,KR,Seoul,02/10/2026
Same In File,LEE@example.org,KR,Busan,2026-10-03
"""


def _import(runner, tmp_path, text=PAPER):
    path = tmp_path / "paper.csv"
    path.write_text(text, encoding="utf-8")
    return path, runner.invoke(args=["signatures", "import", "--campaign", SLUG, str(path)])


def _online(app, email: str) -> None:
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        session.add(Signature(campaign_slug=SLUG, status="confirmed", email=email,
                              email_key=email, name="Online", country="KR",
                              recipient_id="emb-kr"))


def test_import_adds_paper_rows_as_confirmed(app, runner, tmp_path):
    _import(runner, tmp_path)
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        added = session.query(Signature).filter_by(email_key="lee@example.org").one()
        assert (added.source, added.status) == ("paper", "confirmed")
        assert added.confirmed_at.date().isoformat() == "2026-10-02"
        assert added.recipient_id == "emb-kr"


def test_import_reports_rejected_rows_with_file_and_line(app, runner, tmp_path):
    _online(app, "s-online@example.org")
    path, result = _import(runner, tmp_path)
    assert f"{path}:3: signed already" in result.output
    assert f"{path}:4: name:" in result.output
    assert f"{path}:5: email:" in result.output
    assert f"{path}:6: date:" in result.output
    assert f"{path}:7: signed already" in result.output
    assert "1 added" in result.output


def test_import_refuses_a_name_with_characters_no_font_has(runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                                             "Smiley 🙂,sm@example.org,KR,Seoul,2026-10-02\n")
    assert f"{path}:2: name: Your name contains characters that a letter cannot print: 🙂" \
        in result.output


def test_import_with_rejected_rows_exits_1(runner, tmp_path):
    _, result = _import(runner, tmp_path)
    assert result.exit_code == 1


def test_import_with_rejected_rows_says_the_others_were_added(runner, tmp_path):
    path, result = _import(runner, tmp_path)
    assert f"{path}: 2 added, 1 signed already, 3 rejected" in result.output
    assert f"{path}: 3 rejected row(s) not imported, the 2 valid row(s) were added" \
        in result.output


@pytest.fixture
def local_date_not_utc():
    """Sets this process's time zone so that its local date is not the UTC date: a day behind
    before noon UTC, a day ahead after. Gives the UTC date."""
    now = dt.datetime.now(dt.UTC)
    previous = os.environ.get("TZ")
    # POSIX time zones count west of Greenwich as positive: XXX+12 is 12 hours behind UTC.
    os.environ["TZ"] = "XXX+12" if now.hour < 12 else "XXX-14"
    time.tzset()
    try:
        assert dt.date.today() != now.date()
        yield now.date()
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_import_date_after_today_is_judged_by_the_utc_date(runner, tmp_path,
                                                           local_date_not_utc):
    today, tomorrow = local_date_not_utc, local_date_not_utc + dt.timedelta(days=1)
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                           f"Today In UTC,today@example.org,KR,Seoul,{today}\n"
                           f"Tomorrow In UTC,tomorrow@example.org,KR,Seoul,{tomorrow}\n")
    assert f"{path}: 1 added, 0 signed already, 1 rejected" in result.output
    assert f"{path}:3: date: {tomorrow} is in the future" in result.output


@pytest.mark.parametrize("day", ["1990-01-01", "2026-09-23"])
def test_import_date_before_campaign_opens_is_rejected(runner, tmp_path, day):
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                           f"Lee Seo-yeon,lee@example.org,KR,Busan,{day}\n")
    assert f"{path}:2: date: {day} is before the campaign opened (2026-09-24)" in result.output


def test_import_row_with_more_cells_than_header_is_rejected(runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                           "Lee Seo-yeon,lee@example.org,KR,Busan,2026-10-02,EXTRA,MORE\n")
    assert f"{path}:2: 7 cells where the header has 5 (extra: EXTRA,MORE)" in result.output
    assert f"{path}: 0 added" in result.output


def test_import_quote_left_open_names_line_where_row_starts(runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                           '"Kim Ji-woo,kim@example.org,KR,Seoul,2026-10-02\n'
                           'Lee "Seo-yeon",lee@example.org,KR,Busan,2026-10-03\n'
                           "Park Min-jun,park@example.org,KR,Seoul,2026-10-04\n")
    assert f"{path}:2: a quoted cell runs on to line 3 (is a quote left open?): " \
        "lines 2–3 were read as one row" in result.output


def test_import_quote_never_closed_names_every_line_it_took(runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                           "Kim Ji-woo,kim@example.org,KR,Seoul,2026-10-02\n"
                           'Lee Seo-yeon,lee@example.org,KR,"Busan,2026-10-03\n'
                           "Park Min-jun,park@example.org,KR,Seoul,2026-10-04\n"
                           "Choi Yu-na,choi@example.org,KR,Seoul,2026-10-05\n")
    assert f"{path}:3: a quoted cell runs on to line 5" in result.output
    assert f"{path}: 1 added" in result.output


def test_import_formula_city_is_stored_as_given_and_neutralised_in_csv_export(
        app, runner, tmp_path):
    _import(runner, tmp_path, "name,email,country,city,date\n"
                              "Lee Seo-yeon,lee@example.org,KR,=1+1,2026-10-02\n")
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        assert session.query(Signature).filter_by(email_key="lee@example.org").one().city \
            == "=1+1"
    out = tmp_path / "s.csv"
    runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out)])
    with out.open(encoding="utf-8", newline="") as handle:
        assert [row["city"] for row in csv.DictReader(handle)] == ["'=1+1"]


def test_import_twice_adds_nobody_twice(app, runner, tmp_path):
    _import(runner, tmp_path)
    _, second = _import(runner, tmp_path)
    assert "0 added" in second.output
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        # Lee and "Duplicate Online" (not online in this test) came in with the first import.
        assert session.query(Signature).filter_by(source="paper").count() == 2
        assert session.get(CampaignCounter, SLUG).confirmed == 2


def test_import_missing_column_names_file(runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email\nA,a@example.org\n")
    assert result.exit_code != 0
    assert f"{path}:1: missing column(s): country, date" in result.output


LATIN1 = ("name,email,country,city,date\n"
          "Lee Seo-yeon,lee@example.org,KR,Busan,2026-10-02\n"
          "José García,jose@example.org,ES,Málaga,2026-10-02\n").encode("latin-1")


def test_import_latin1_file_names_line_of_first_bad_byte(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(LATIN1)
    result = runner.invoke(args=["signatures", "import", "--campaign", SLUG, str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: not UTF-8 text" in result.output


def test_import_cell_over_field_limit_names_its_line(runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email,country,city,date\n"
                           "Lee Seo-yeon,lee@example.org,KR,Busan,2026-10-02\n"
                           f"Kim Ji-woo,kim@example.org,KR,{'x' * 140_000},2026-10-02\n")
    assert result.exit_code == 1
    assert f"{path}:3: a cell runs past 131,072 characters" in result.output


def test_export_tells_who_asked_for_news(app, runner, add_signatures, tmp_path):
    add_signatures([("Wants News", True), ("No News", True)])
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        session.query(Signature).filter_by(name="Wants News").update({"updates": True})
    out = tmp_path / "s.csv"
    runner.invoke(args=["signatures", "export", "--campaign", SLUG, "-o", str(out)])
    with out.open(encoding="utf-8", newline="") as handle:
        asked = {row["name"]: row["updates"] for row in csv.DictReader(handle)}
    assert asked == {"Wants News": "True", "No News": "False"}


def test_import_show_name_yes_lets_the_name_be_shown(app, runner, tmp_path):
    _import(runner, tmp_path, "name,email,country,city,date,show_name\n"
                              "Lee Min,lee@example.org,KR,Seoul,2026-10-02,yes\n"
                              "Park Ji,park@example.org,KR,Seoul,2026-10-02,\n")
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        shown = {s.email_key: s.show_name for s in session.query(Signature)}
    assert shown == {"lee@example.org": True, "park@example.org": False}


def test_import_show_name_neither_yes_nor_no_is_rejected(app, runner, tmp_path):
    path, result = _import(runner, tmp_path, "name,email,country,city,date,show_name\n"
                                             "Lee Min,lee@example.org,KR,Seoul,2026-10-02,maybe\n")
    assert f"{path}:2: show_name: 'maybe' is neither yes nor no" in result.output
    assert result.exit_code == 1


def test_import_show_name_yes_keeps_paper_signers_off_the_recent_list(app, runner, tmp_path):
    _import(runner, tmp_path, "name,email,country,city,date,show_name\n"
                              "Lee Min,lee@example.org,KR,Seoul,2026-10-02,yes\n")
    page = app.test_client().get(f"/en/c/{SLUG}/").get_data(as_text=True)
    assert "Lee Min" not in page


def test_export_under_a_file_is_refused_before_anything_runs(runner, add_signatures, tmp_path):
    add_signatures([("Kim", True)])
    (tmp_path / "good.csv").write_text("x")
    result = _export(runner, tmp_path / "good.csv" / "x.csv")
    assert result.exit_code == 2
    assert f"{tmp_path / 'good.csv'} is a file, not a folder" in result.output


def test_packet_under_a_file_is_refused_before_anything_runs(runner, add_signatures, tmp_path):
    add_signatures([("Kim", True)])
    (tmp_path / "out").write_text("x")
    result = runner.invoke(args=["packet", "--campaign", SLUG, "--recipient", "emb-kr",
                                 "-o", str(tmp_path / "out" / "packets")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'out'} is a file, not a folder" in result.output
