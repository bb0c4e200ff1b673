"""Leftovers of writes that were killed: swept from a folder once no write can still own them."""

from __future__ import annotations

import os
import time

from campaign.storage.files import LEFTOVER_AGE, sweep_leftovers, write_atomically


def _aged(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_write_sweeps_a_day_old_part_file_of_a_killed_write(tmp_path):
    left = tmp_path / ".letter.pdf.0a1b2c3d.part"
    left.write_bytes(b"%PDF-half")
    _aged(left, LEFTOVER_AGE + 60)
    write_atomically(tmp_path / "letter.pdf", b"%PDF-new")
    assert not left.exists() and (tmp_path / "letter.pdf").read_bytes() == b"%PDF-new"


def test_sweep_keeps_a_recent_part_file_another_write_may_own(tmp_path):
    recent = tmp_path / ".letter.pdf.0a1b2c3d.part"
    recent.write_bytes(b"%PDF-being written")
    assert sweep_leftovers(tmp_path) == []
    assert recent.exists()


def test_sweep_removes_old_work_folders_of_packets_and_merges(tmp_path):
    for name in (".packet-k2j3h4g5", ".staging-q1w2e3r4.part", ".merge-z9x8c7v6"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "annex-00000.pdf").write_bytes(b"%PDF-part")
        _aged(tmp_path / name, LEFTOVER_AGE + 60)
    sweep_leftovers(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_sweep_leaves_files_that_are_not_leftovers(tmp_path):
    kept = [tmp_path / "letter.pdf", tmp_path / ".hidden-notes", tmp_path / "notes.part"]
    for path in kept:
        path.write_bytes(b"x")
        _aged(path, LEFTOVER_AGE * 3)
    sweep_leftovers(tmp_path)
    assert sorted(tmp_path.iterdir()) == sorted(kept)
