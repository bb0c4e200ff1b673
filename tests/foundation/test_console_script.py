"""The installed ``campaign`` console script, run as an organiser would run it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import SLUG
from tests.processes import stop_when

CAMPAIGN = Path(sys.executable).parent / "campaign"


def _run(tmp_path, *args, **env):
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"), **env}
    return subprocess.run([str(CAMPAIGN), *args], capture_output=True, text=True, timeout=120,
                          env=environment, check=False)


def test_console_script_lists_flask_and_project_commands(tmp_path):
    result = _run(tmp_path, "--help")
    for command in ("run", "routes", "shell", "check", "db"):
        assert f"  {command} " in result.stdout


def test_console_script_check_reports_malformed_toml_without_traceback(tmp_path, letters_dir):
    path = letters_dir / SLUG / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("[default_recipient]", "[default"),
                    encoding="utf-8")
    result = _run(tmp_path, "check", SLUG, CAMPAIGN_LETTERS_DIR=str(letters_dir))
    assert result.returncode == 1
    assert f"{path}:" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def _signers_csv(path: Path, rows: int = 1500) -> Path:
    # Enough letters that a batch stopped a few seconds in is still rendering, however fast
    # the machine: stopped as it finishes, it would test nothing.
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "country", "city", "postcode", "message"])
        for index in range(rows):
            writer.writerow([f"Signer {index}", "KR", "Seoul", "04524", "Please stop."])
    return path


def _stop_letter_batch(tmp_path, signum: int, output: str,
                      started) -> subprocess.CompletedProcess:
    """Starts a 1,500-letter mail merge into ``output`` and stops it with ``signum`` once
    ``started()`` says it is writing, as ``kill`` would (SIGTERM) or Ctrl-C in a terminal
    (SIGINT to the whole process group, workers included)."""
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance")}
    process = subprocess.Popen(
        [str(CAMPAIGN), "letter", "batch", "--campaign", SLUG, "--recipient", "emb-kr",
         "--locale", "en", "--signers", str(_signers_csv(tmp_path / "big.csv")),
         "-o", output],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        start_new_session=True)
    return stop_when(process, started, signum, settle=1.5)  # the workers are rendering by then


def _stopped_letter_batch(tmp_path, signum: int) -> tuple[subprocess.CompletedProcess, Path]:
    """A mail merge into one PDF, stopped while it writes."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = _stop_letter_batch(tmp_path, signum, str(out_dir / "term.pdf"),
                                lambda: any(out_dir.glob(".term.pdf.*.part")))
    return result, out_dir


def _third_letter_written(out_dir: Path) -> bool:
    """Whether the batch has written its third letter, wherever in the folder it keeps it
    until the batch is done."""
    return out_dir.is_dir() and any(out_dir.rglob("letter-00003.pdf"))


def test_letter_batch_to_folder_terminated_leaves_earlier_letters_as_they_were(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for name in ("letter-00001.pdf", "letter-00002.pdf", "notes.txt"):
        (out_dir / name).write_bytes(b"old")
    _stop_letter_batch(tmp_path, signal.SIGTERM, f"{out_dir}/",
                       lambda: _third_letter_written(out_dir))
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == {
        "letter-00001.pdf": b"old", "letter-00002.pdf": b"old", "notes.txt": b"old"}


def test_letter_batch_to_new_folder_terminated_leaves_no_folder(tmp_path):
    out_dir = tmp_path / "new" / "out"
    _stop_letter_batch(tmp_path, signal.SIGTERM, f"{out_dir}/",
                       lambda: _third_letter_written(out_dir))
    assert not (tmp_path / "new").exists()


def test_letter_batch_terminated_leaves_no_partial_file(tmp_path):
    _result, out_dir = _stopped_letter_batch(tmp_path, signal.SIGTERM)
    assert list(out_dir.iterdir()) == []


def test_letter_batch_terminated_says_interrupted_and_exits_143(tmp_path):
    result, _out_dir = _stopped_letter_batch(tmp_path, signal.SIGTERM)
    assert result.returncode == 128 + signal.SIGTERM
    assert result.stderr.splitlines()[-1] == "Interrupted"
    assert "Traceback" not in result.stderr


def test_letter_batch_ctrl_c_exits_130_without_worker_output(tmp_path):
    result, out_dir = _stopped_letter_batch(tmp_path, signal.SIGINT)
    assert result.returncode == 128 + signal.SIGINT
    assert "Process " not in result.stderr and "Traceback" not in result.stderr
    assert list(out_dir.iterdir()) == []


def test_command_on_database_not_set_up_says_to_run_db_upgrade(tmp_path):
    result = _run(tmp_path, "users", "list")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("is not set up: run 'campaign db upgrade'")


def test_command_on_database_not_set_up_shows_no_traceback(tmp_path):
    result = _run(tmp_path, "jobs", "list")
    assert "Traceback" not in result.stderr


def _only_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    return line


def test_database_url_that_does_not_parse_is_named_in_one_line(tmp_path):
    line = _only_line(_run(tmp_path, "users", "list", CAMPAIGN_DATABASE_URL="garbage"))
    assert line.startswith("Error: CAMPAIGN_DATABASE_URL: 'garbage' is not a database URL")


def test_db_downgrade_to_unknown_revision_says_so_in_one_line(tmp_path):
    line = _only_line(_run(tmp_path, "db", "downgrade", "nosuchrev"))
    assert line == "Error: Can't locate revision identified by 'nosuchrev'"


def test_letters_dir_read_as_a_number_is_named_in_one_line(tmp_path):
    line = _only_line(_run(tmp_path, "check", CAMPAIGN_LETTERS_DIR="123"))
    assert line.startswith("Error: CAMPAIGN_LETTERS_DIR: 123 is not a folder path")


def test_instance_path_that_cannot_be_created_is_named_in_one_line(tmp_path):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    instance = tmp_path / "a-file" / "instance"
    line = _only_line(_run(tmp_path, "users", "list", CAMPAIGN_INSTANCE_PATH=str(instance)))
    assert line == f"Error: CAMPAIGN_INSTANCE_PATH: cannot create {instance}: Not a directory"


def test_unknown_jobs_backend_is_refused(tmp_path):
    line = _only_line(_run(tmp_path, "jobs", "list", CAMPAIGN_JOBS_BACKEND="bogus"))
    assert line == 'Error: CAMPAIGN_JOBS_BACKEND: "bogus" is not one of inprocess, celery'


def test_letter_batch_does_not_log_pikepdf_start(tmp_path):
    out = tmp_path / "one.pdf"
    result = _run(tmp_path, "letter", "batch", "--campaign", SLUG, "--recipient", "emb-kr",
                  "--locale", "en", "--signers", str(_signers_csv(tmp_path / "one.csv", rows=1)),
                  "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "pikepdf" not in result.stderr
