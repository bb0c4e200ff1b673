"""``campaign check``: clean on the shipped campaign, ``file:line`` on every broken copy."""

from __future__ import annotations

import pytest

from tests.conftest import SLUG


def _check(make_app, letters_dir, *args):
    app = make_app(LETTERS_DIR=str(letters_dir))
    return app.test_cli_runner().invoke(args=["check", *args])


def test_check_shipped_campaign_exits_zero(make_app, letters_dir):
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 0, result.output
    assert f"{SLUG}: ok" in result.output


def test_check_reports_uncited_sources_as_warnings(make_app, letters_dir):
    result = _check(make_app, letters_dir, SLUG)
    assert "warning: source 'seed-000-yun-severe-punishment' is never cited" in result.output


def test_check_strict_fails_on_warnings(make_app, letters_dir):
    result = _check(make_app, letters_dir, "--strict", SLUG)
    assert result.exit_code == 1


def test_check_unknown_cite_key_names_template_line(make_app, letters_dir):
    template = letters_dir / SLUG / "letters" / "un.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines.insert(3, '<p>{{ cite("no-such-source") }}</p>')
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{template}:4: unknown source 'no-such-source'" in result.output


def test_check_malformed_toml_names_line(make_app, letters_dir):
    path = letters_dir / SLUG / "campaign.toml"
    text = path.read_text(encoding="utf-8").replace("goal = 100000", "goal = = 100000")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("goal = = 100000") + 1
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{path}:{line}: invalid TOML" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30"])
def test_check_impossible_date_in_toml_names_it(make_app, letters_dir, date):
    path = letters_dir / SLUG / "campaign.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("opens")) + 1
    lines[line - 1] = f"opens = {date}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: '{date}' is not a date (YYYY-MM-DD)" in result.output


def test_check_wrong_type_in_toml_names_line(make_app, letters_dir):
    path = letters_dir / SLUG / "campaign.toml"
    text = path.read_text(encoding="utf-8").replace("goal = 100000", 'goal = "many"')
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index('goal = "many"') + 1
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: 'goal' must be an integer" in result.output


def test_check_recipient_in_unknown_country_names_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    line = _edit_recipient(path, "emb-jp", ",JP,", ",XX,")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{path}:{line}: recipient 'emb-jp': country_code 'XX' is not an ISO 3166-1" \
        in result.output


def test_check_recipient_in_unknown_language_names_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    line = _edit_recipient(path, "emb-jp", ",zh-Hans,", ",xx,")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{path}:{line}: recipient 'emb-jp': language 'xx' is not a known language" \
        in result.output


def test_check_duplicate_recipient_id_names_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    rows.append(rows[1])
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{len(rows)}: recipient 'emb-kr': duplicate id 'emb-kr'" in result.output


def test_check_recipient_without_letter_is_an_error(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("emb-kr,", "consulate-kr,", 1)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert "recipient 'consulate-kr' matches no letter's recipients" in result.output


def test_check_template_syntax_error_names_line(make_app, letters_dir):
    template = letters_dir / SLUG / "petition.html"
    template.write_text("<p>fine</p>\n<p>{% trans %}unclosed</p>\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{template}:2: template error" in result.output


def test_check_unknown_fallback_recipient_is_an_error(make_app, letters_dir):
    path = letters_dir / SLUG / "campaign.toml"
    text = path.read_text(encoding="utf-8").replace('fallback = "prc-mfa"', 'fallback = "nobody"')
    path.write_text(text, encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert "default recipient fallback 'nobody'" in result.output


def test_check_unknown_campaign_fails_cleanly(make_app, letters_dir):
    result = _check(make_app, letters_dir, "no-such-campaign")
    assert result.exit_code == 1
    assert "no campaign 'no-such-campaign'" in result.output


def _un_sg_row(path) -> int:
    rows = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, row in enumerate(rows) if row.startswith("un-sg,")) + 1


def test_check_warns_when_office_holders_term_ends_soon(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    result = _check(make_app, letters_dir, SLUG, "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert (f"{path}:{_un_sg_row(path)}: warning: recipient 'un-sg': António Guterres holds "
            "office until 2026-12-31 (30 days)") in result.output


def test_check_warns_after_office_holders_term_has_ended(make_app, letters_dir):
    result = _check(make_app, letters_dir, SLUG, "--date", "2027-01-02")
    assert "recipient 'un-sg': António Guterres held office until 2026-12-31" in result.output


def test_check_is_silent_about_term_far_from_its_end(make_app, letters_dir):
    result = _check(make_app, letters_dir, SLUG, "--date", "2026-06-01")
    assert "'un-sg'" not in result.output


def test_check_invalid_in_office_until_names_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    text = path.read_text(encoding="utf-8").replace(",2026-12-31", ",31/12/2026")
    path.write_text(text, encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert (f"{path}:{_un_sg_row(path)}: recipient 'un-sg': in_office_until '31/12/2026' is "
            "not a date (YYYY-MM-DD)") in result.output


def test_check_rejects_invalid_check_date(make_app, letters_dir):
    result = _check(make_app, letters_dir, SLUG, "--date", "tomorrow")
    assert result.exit_code == 2 and "Traceback" not in result.output


def _edit_recipient(path, rid: str, old: str, new: str) -> int:
    rows = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, row in enumerate(rows) if row.startswith(f"{rid},"))
    rows[index] = rows[index].replace(old, new, 1)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return index + 1


def test_check_postal_code_repeated_in_address_lines_names_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    line = _edit_recipient(path, "emb-de", "Märkisches Ufer 54", "Märkisches Ufer 54 | 10179 Berlin")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{path}:{line}: recipient 'emb-de': address_lines repeats the postal code " \
        "('10179 Berlin')" in result.output


def test_check_recipient_email_that_is_no_address_names_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    line = _edit_recipient(path, "emb-de", ",zh-Hans,,", ",zh-Hans,embassy at example,")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: recipient 'emb-de': email 'embassy at example'" in result.output


def test_check_recipient_row_after_blank_lines_names_its_own_line(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[2:2] = ["", ""]
    index = next(i for i, row in enumerate(rows) if row.startswith("emb-jp,"))
    rows[index] = rows[index].replace(",JP,", ",XX,", 1)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{index + 1}: recipient 'emb-jp': country_code 'XX'" in result.output


def test_check_recipients_not_in_utf8_names_the_line(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    data = path.read_bytes().replace("Märkisches".encode(), "Märkisches".encode("latin-1"))
    path.write_bytes(data)
    line = data[:data.index(b"M\xe4rkisches")].count(b"\n") + 1
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: not UTF-8 text" in result.output


def test_check_template_that_fails_when_rendered_is_an_error(make_app, letters_dir):
    template = letters_dir / SLUG / "letters" / "un.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% block body %}", "{% block body %}{{ nosuchname }}", 1),
                        encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{template}: fails to render in en" in result.output
    assert "'nosuchname' is undefined" in result.output


def test_check_language_babel_does_not_know_names_line(make_app, letters_dir):
    path = letters_dir / SLUG / "campaign.toml"
    text = path.read_text(encoding="utf-8").replace('"ar"]', '"ar", "xx"]')
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("languages"))
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{path}:{line}: language 'xx' is not a locale Babel knows" in result.output


def _row_of(path, recipient_id: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, row in enumerate(lines, 1) if row.startswith(f"{recipient_id},"))


def test_check_warns_of_unverified_address(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    result = _check(make_app, letters_dir, SLUG)
    assert (f"{path}:{_row_of(path, 'un-sr-dprk')}: warning: recipient 'un-sr-dprk': address "
            "not verified") in result.output


def test_check_warns_of_recipient_without_source(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    result = _check(make_app, letters_dir, SLUG)
    assert (f"{path}:{_row_of(path, 'emb-la')}: warning: recipient 'emb-la': no "
            "source_url") in result.output


def test_check_reports_template_error_behind_broken_recipients(make_app, letters_dir):
    recipients = letters_dir / SLUG / "recipients.csv"
    row = _edit_recipient(recipients, "emb-jp", ",JP,", ",XX,")
    template = letters_dir / SLUG / "petition.html"
    template.write_text("<p>fine</p>\n<p>{% trans %}unclosed</p>\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{recipients}:{row}: recipient 'emb-jp'" in result.output
    assert f"{template}:2: template error" in result.output


def test_check_reports_unknown_cite_behind_broken_recipients(make_app, letters_dir):
    _edit_recipient(letters_dir / SLUG / "recipients.csv", "emb-jp", ",JP,", ",XX,")
    template = letters_dir / SLUG / "letters" / "un.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines.insert(3, '<p>{{ cite("no-such-source") }}</p>')
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{template}:4: unknown source 'no-such-source'" in result.output


def test_check_broken_source_is_not_reported_as_unknown_where_cited(make_app, letters_dir):
    path = letters_dir / SLUG / "sources.json"
    text = path.read_text(encoding="utf-8")
    text = text.replace('"id": "cat-1984",\n    "type": "legislation"',
                        '"id": "cat-1984",\n    "type": "law"', 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index('    "id": "cat-1984",')
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: source 'cat-1984' field 'type'" in result.output
    assert "unknown source 'cat-1984'" not in result.output


def test_check_recipient_quote_left_open_names_the_lines_read_as_one_row(make_app, letters_dir):
    path = letters_dir / SLUG / "recipients.csv"
    line = _edit_recipient(path, "emb-jp", ",embassy,", ',embassy,"')
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{path}:{line}: a quote is left open: lines {line}–" in result.output
    assert "country_code" not in result.output


def _latin1_into(path, word: str) -> int:
    """Writes ``word`` (which has an accented letter) in Latin-1; returns its line."""
    data = path.read_bytes()
    data = data.replace(word.encode(), word.encode("latin-1"), 1)
    path.write_bytes(data)
    return data[:data.index(word.encode("latin-1"))].count(b"\n") + 1


def test_check_sources_not_in_utf8_names_the_line(make_app, letters_dir):
    path = letters_dir / SLUG / "sources.json"
    line = _latin1_into(path, "République")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: not UTF-8 text: byte 0xe9 is not UTF-8" in result.output


@pytest.mark.parametrize(("name", "added"), [("petition.html", "<p>Fin café</p>"),
                                             ("campaign.toml", "# café")])
def test_check_file_not_in_utf8_names_the_line(make_app, letters_dir, name, added):
    path = letters_dir / SLUG / name
    path.write_bytes(path.read_bytes() + f"\n{added}\n".encode("latin-1"))
    line = path.read_bytes().count(b"\n")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{path}:{line}: not UTF-8 text: byte 0xe9" in result.output


def test_check_unknown_cite_label_names_template_line(make_app, letters_dir):
    template = letters_dir / SLUG / "letters" / "un.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines.insert(3, '<p>{{ cite("cat-1984", locator="3", label="paragrph") }}</p>')
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert result.exit_code == 1
    assert f"{template}:4: cite() label 'paragrph' is not one of article, paragraph" \
        in result.output


def test_check_reports_render_error_beside_syntax_error_in_another_template(make_app,
                                                                             letters_dir):
    broken = letters_dir / SLUG / "letters" / "un.html"
    broken.write_text(broken.read_text(encoding="utf-8") + "{% if %}\n", encoding="utf-8")
    failing = letters_dir / SLUG / "letters" / "rok.html"
    text = failing.read_text(encoding="utf-8")
    failing.write_text(text.replace("{% block body %}", "{% block body %}{{ nosuchname }}", 1),
                       encoding="utf-8")
    result = _check(make_app, letters_dir, SLUG)
    assert f"{broken}:" in result.output and "template error" in result.output
    assert f"{failing}: fails to render in en" in result.output
    assert f"{broken}: fails to render" not in result.output
