"""Delivery packets: one PDF (cover letter, annex, sources) numbered across, and the CSV."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

from campaign.organizer.packets import build_packet

SIGNERS = [("김민준", True), ("Anna Müller", True), ("Hidden Person", False),
           ("محمد أحمد", True), ("王伟", True), ("さとう はなこ", True)]


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture
def packet(app, add_signatures, tmp_path):
    add_signatures(SIGNERS * 20)  # 120 rows: the annex runs over three pages
    with app.app_context():
        campaign = app.extensions["campaign.library"].get("stop-forced-repatriation")
        return build_packet(campaign, "emb-kr", tmp_path / "out")


def test_packet_pdf_has_cover_letter_annex_and_sources(packet):
    text = _text(packet.pdf)
    # The cover letter: addressed to the recipient, signed by the organisation (its body is in
    # the recipient's language, which the letters engine decides).
    assert "中华人民共和国驻大韩民国大使" in text
    assert "“停止强制遣返”运动组织者" in text  # the organisation, in the letter's language
    assert "김민준" in text
    assert "资料来源" in text  # the letter's sources, in its language (Chinese)


def test_packet_lists_only_the_sources_its_cover_letter_cites(packet):
    text = " ".join(_text(packet.pdf).split())
    assert "hrw.org" in text  # cited by the letter
    # In sources.json but cited by no letter: background reading, not vetted for delivery.
    assert "Severe Punishment" not in text


def test_packet_ends_with_the_sources(packet):
    pages = _text(packet.pdf).split("\f")
    last = [page for page in pages if page.strip()][-1]
    assert "hrw.org" in " ".join(last.split())


def test_packet_annex_text_keeps_names_in_every_script(packet):
    text = _text(packet.pdf)
    for name in ("Anna Müller", "王伟", "さとう はなこ", "محمد أحمد"):
        assert name in text


def test_packet_withholds_names_not_to_be_shown(packet, withheld):
    text = _text(packet.pdf)
    assert "Hidden Person" not in text
    assert withheld in text


def test_packet_pages_numbered_across_whole_packet(packet):
    numbers = re.findall(r"^\s*(\d+) / (\d+)\s*$", _text(packet.pdf), flags=re.MULTILINE)
    assert numbers == [(str(n), str(packet.pages)) for n in range(1, packet.pages + 1)]
    assert packet.pages >= 5


def test_packet_csv_matches_annex(packet, withheld):
    with packet.csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == packet.signatures == 120
    assert rows[0]["name"] == "김민준"
    assert rows[2]["name"] == withheld
    assert rows[0]["country"] == "KR"
    assert [int(r["number"]) for r in rows] == list(range(1, 121))


def test_packet_only_lists_confirmed_signatures_of_recipient(app, add_signatures, tmp_path):
    add_signatures([("Confirmed Person", True)])
    add_signatures([("Pending Person", True)], status="pending")
    add_signatures([("Other Embassy", True, "US")], recipient="emb-us")
    with app.app_context():
        campaign = app.extensions["campaign.library"].get("stop-forced-repatriation")
        built = build_packet(campaign, "emb-kr", tmp_path)
    text = _text(built.pdf)
    assert "Confirmed Person" in text
    assert "Pending Person" not in text and "Other Embassy" not in text


def test_packet_command_writes_pdf_and_csv(app, runner, add_signatures, tmp_path):
    add_signatures([("Kim Ji-woo", True)])
    result = runner.invoke(args=["packet", "--campaign", "stop-forced-repatriation",
                                 "--recipient", "emb-kr", "-o", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "emb-kr.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "p" / "emb-kr.csv").is_file()


def test_packet_command_unknown_recipient_names_option(runner, tmp_path):
    result = runner.invoke(args=["packet", "--campaign", "stop-forced-repatriation",
                                 "--recipient", "emb-xx", "-o", str(tmp_path)])
    assert result.exit_code != 0
    assert "--recipient" in result.output and "emb-xx" in result.output


def test_packet_without_confirmed_signatures_is_refused(app, tmp_path):
    from campaign.organizer.packets import PacketError

    with app.app_context():
        campaign = app.extensions["campaign.library"].get("stop-forced-repatriation")
        with pytest.raises(PacketError, match="no confirmed signatures for 'emb-kr'"):
            build_packet(campaign, "emb-kr", tmp_path / "out")
    assert not (tmp_path / "out" / "emb-kr.pdf").exists()


def test_packets_for_all_skip_recipients_without_signatures(app, runner, add_signatures,
                                                           tmp_path):
    add_signatures([("Kim", True)])
    result = runner.invoke(args=["packet", "--campaign", "stop-forced-repatriation", "--all",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["emb-kr.pdf"]
    assert "without confirmed signatures: no packet" in result.output


def test_packet_command_counts_one_signature_in_the_singular(app, runner, add_signatures,
                                                             tmp_path):
    add_signatures([("Kim", True)])
    result = runner.invoke(args=["packet", "--campaign", "stop-forced-repatriation",
                                 "--recipient", "emb-kr", "-o", str(tmp_path)])
    assert ": 1 signature, " in result.output


def test_packet_command_files_take_their_mode_from_the_umask(app, runner, add_signatures,
                                                             tmp_path, umask):
    add_signatures([("Kim", True)])
    umask(0o027)
    runner.invoke(args=["packet", "--campaign", "stop-forced-repatriation", "--recipient",
                        "emb-kr", "-o", str(tmp_path / "p")])
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "p").iterdir()}
    assert modes == {"emb-kr.pdf": 0o640, "emb-kr.csv": 0o640}
