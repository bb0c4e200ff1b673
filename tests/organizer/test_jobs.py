"""Jobs in the embedded worker: status, progress, idempotence, atomic output, crash resume."""

from __future__ import annotations

import logging
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from campaign import jobs
from campaign.jobs.models import Job
from campaign.jobs.runner import job_key
from campaign.organizer import service
from campaign.storage.base import utcnow
from campaign.storage.files import write_atomically
from tests.processes import stop_when, wait_for

SLUG = "stop-forced-repatriation"


@pytest.fixture
def campaign(app):
    with app.app_context():
        return app.extensions["campaign.library"].get(SLUG)


def test_packet_job_runs_to_done_with_progress(app, campaign, add_signatures):
    add_signatures([("김민준", True), ("Anna", False)])
    with app.app_context():
        job_id = service.request_packet(campaign, "emb-kr", by="org@example.org")
        job = jobs.wait(job_id, timeout=120)
    assert job.status == "done", job.error
    assert job.progress_done == job.progress_total > 0
    assert job.attempts == 1
    assert [f.rsplit("/", 1)[-1] for f in job.files] == ["emb-kr.pdf", "emb-kr.csv"]
    assert job.result["summary"]["signatures"] == 2


def test_job_submitted_twice_while_queued_is_one_job(app):
    params = {"campaign": SLUG, "format": "csv", "status": "confirmed", "bom": False}
    with app.app_context():
        first = jobs.submit("export", params, start=False)
        second = jobs.submit("export", params, start=False)
    assert first == second


def test_packet_built_again_keeps_the_earlier_packet(app, campaign, add_signatures):
    # The packet delivered last month can still be fetched after a newer one is built.
    add_signatures([("One", True)])
    with app.app_context():
        first = jobs.wait(service.request_packet(campaign, "emb-kr", by="org@example.org"))
        add_signatures([("Two", True)])
        second = jobs.wait(service.request_packet(campaign, "emb-kr", by="org@example.org"))
    first_csv, second_csv = Path(first.files[1]), Path(second.files[1])
    assert "Two" not in first_csv.read_text(encoding="utf-8")
    assert "Two" in second_csv.read_text(encoding="utf-8")


def test_export_run_again_replaces_the_earlier_copy(app, add_signatures):
    # A working copy of signers' data: a new one replaces the old rather than piling up.
    add_signatures([("One", True)])
    params = {"campaign": SLUG, "format": "csv", "status": "confirmed", "bom": False}
    with app.app_context():
        first = jobs.wait(jobs.submit("export", params))
        add_signatures([("Two", True)])
        second = jobs.wait(jobs.submit("export", params))
    assert first.id != second.id
    assert first.output_path == second.output_path
    assert "Two" in Path(second.output_path).read_text(encoding="utf-8")


def test_failed_job_records_error(app):
    with app.app_context():
        job = jobs.wait(jobs.submit("export", {"campaign": "no-such-campaign"}))
    assert job.status == "failed"
    assert "unknown campaign" in job.error


def test_download_serves_finished_job_file(app, organizer_client, add_signatures):
    add_signatures([("김민준", True)])
    response = organizer_client.post(f"/admin/c/{SLUG}/export", data={"format": "csv"})
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        assert jobs.wait(job_id).status == "done"
    download = organizer_client.get(f"/admin/jobs/{job_id}/files/0")
    assert download.status_code == 200
    assert "김민준" in download.get_data(as_text=True)
    status = organizer_client.get(f"/admin/jobs/{job_id}.json").get_json()
    assert status["status"] == "done" and status["percent"] == 100


def _insert_job(app, tmp_path, *, status: str, worker: str | None = None,
                kind: str = "export", params: dict | None = None) -> str:
    params = params or {"campaign": SLUG, "format": "csv", "status": "confirmed",
                        "bom": False, "out": str(tmp_path / "out.csv")}
    job_id = str(uuid.uuid4())
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        session.add(Job(id=job_id, kind=kind, key=job_key(kind, params), params=params,
                        status=status, progress_done=3, progress_total=10, result={},
                        attempts=1 if status == "running" else 0, campaign_slug=SLUG,
                        worker=worker, output_path=str(tmp_path / "out.csv"),
                        started_at=utcnow(), heartbeat_at=utcnow(), created_at=utcnow()))
    return job_id


def test_download_refuses_job_that_is_not_done(app, organizer_client, tmp_path):
    (tmp_path / "out.csv").write_text("half", encoding="utf-8")
    job_id = _insert_job(app, tmp_path, status="running", worker=f"{socket.gethostname()}:1")
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        session.get(Job, job_id).result = {"files": [str(tmp_path / "out.csv")]}
    assert organizer_client.get(f"/admin/jobs/{job_id}/files/0").status_code == 404


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_job_left_running_by_dead_worker_is_resumed(app, tmp_path, add_signatures):
    add_signatures([("Resumed Signer", True)])
    job_id = _insert_job(app, tmp_path, status="running",
                         worker=f"{socket.gethostname()}:{_dead_pid()}")
    with app.app_context():
        jobs.backend()  # start-up: interrupted jobs are queued again and run
        job = jobs.wait(job_id)
    assert job.status == "done", job.error
    assert job.attempts == 2
    assert "Resumed Signer" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_job_running_in_live_worker_is_not_taken_over(app, tmp_path):
    import os

    job_id = _insert_job(app, tmp_path, status="running",
                         worker=f"{socket.gethostname()}:{os.getpid()}")
    with app.app_context():
        assert jobs.requeue_interrupted() == []
        assert jobs.run_job(job_id) is None
        assert jobs.get_job(job_id).status == "running"


def test_write_atomically_keeps_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "packet.pdf"
    target.write_bytes(b"%PDF-old complete file")

    def broken(handle):
        handle.write(b"%PDF-new but only half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, broken)
    assert target.read_bytes() == b"%PDF-old complete file"
    assert list(tmp_path.iterdir()) == [target]


def _export_command(sqlite_url, tmp_path, stderr) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"),
                   "CAMPAIGN_DATABASE_URL": sqlite_url}
    return subprocess.run(
        [str(Path(sys.executable).parent / "campaign"), "signatures", "export", "--campaign",
         SLUG, "-o", str(tmp_path / "e.csv")],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=environment, timeout=120,
        check=False)


def test_export_command_on_a_terminal_shows_progress_bar(add_signatures, sqlite_url, tmp_path):
    add_signatures([("Someone", True)])
    controller, terminal = pty.openpty()
    try:
        result = _export_command(sqlite_url, tmp_path, terminal)
        os.close(terminal)
        shown = b""
        while select.select([controller], [], [], 1)[0]:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert result.returncode == 0
    assert b"export" in shown and b"1/1" in shown


@pytest.fixture
def terminated_packets(app, add_signatures, sqlite_url, tmp_path):
    """``campaign packet --all`` (``_start_packet_command``), stopped with SIGTERM while it
    builds the first packet."""
    process, out_dir = _start_packet_command(add_signatures, sqlite_url, tmp_path)
    try:
        wait_for(lambda: bool(list(out_dir.glob(".packet-*"))), what="the packet never started")
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return out_dir


def _start_packet_command(add_signatures, sqlite_url, tmp_path) -> tuple[subprocess.Popen, Path]:
    """``campaign packet --all`` in its own process and process group, with enough signatures
    for the annex to be drawn by worker processes; the process and its output folder."""
    add_signatures([(f"Signer {i}", True) for i in range(3500)])
    out_dir = tmp_path / "packets"
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"),
                   "CAMPAIGN_DATABASE_URL": sqlite_url,
                   "CAMPAIGN_JOBS_DIR": str(tmp_path / "instance" / "jobs")}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "campaign"), "packet", "--campaign", SLUG, "--all",
         "-o", str(out_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
        start_new_session=True)
    return process, out_dir


def _kill_and_expect_group_gone(process: subprocess.Popen) -> None:
    try:
        process.kill()
        process.wait()
        wait_for(lambda: not _group_alive(process.pid), timeout=20,
                 what="worker processes outlived the command")
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def test_packet_killed_outright_leaves_no_worker_running(app, add_signatures, sqlite_url,
                                                        tmp_path):
    # SIGKILL runs no cleanup: the annex's worker processes must end with the command.
    process, out_dir = _start_packet_command(add_signatures, sqlite_url, tmp_path)
    try:
        wait_for(lambda: bool(list(out_dir.glob(".packet-*"))), what="the packet never started")
        time.sleep(1.0)  # drawing the annex
    finally:
        _kill_and_expect_group_gone(process)


def test_packet_killed_as_its_forkserver_starts_leaves_no_worker_running(
        app, add_signatures, sqlite_url, tmp_path):
    # The forkserver is killed with the command only once it has asked for it, half a second
    # into its start: it must ask about the command, not about process 1 it has been handed to.
    process, _ = _start_packet_command(add_signatures, sqlite_url, tmp_path)
    try:
        wait_for(lambda: _forkserver_in(process.pid), what="the forkserver never started")
    finally:
        _kill_and_expect_group_gone(process)


def _forkserver_in(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command_line = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group and b"multiprocessing.forkserver" in command_line:
            return True
    return False


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_packet_terminated_leaves_no_temporary_folder(terminated_packets):
    assert not [p.name for p in terminated_packets.iterdir() if p.name.startswith(".")]


def test_packet_terminated_marks_its_job_interrupted(app, terminated_packets):
    with app.app_context():
        unfinished = [(job.status, job.error) for job in jobs.recent_jobs(SLUG)
                      if job.status != "done"]
    assert unfinished == [("failed", "interrupted")]


def _export_into_a_folder(app, tmp_path) -> tuple[Job, Path]:
    out = tmp_path / "e.csv"
    out.mkdir()  # the export cannot take its place
    params = {"campaign": SLUG, "format": "csv", "status": "confirmed", "bom": False,
              "out": str(out)}
    with app.app_context():
        return jobs.run_inline("export", params, campaign_slug=SLUG), out


def test_failed_export_names_its_output_file(app, tmp_path):
    job, out = _export_into_a_folder(app, tmp_path)
    assert job.error == f"{out}: Is a directory"


def test_failed_job_traceback_is_logged_at_debug_level_only(app, tmp_path, caplog):
    with caplog.at_level(logging.DEBUG, logger="campaign.jobs.runner"):
        _export_into_a_folder(app, tmp_path)
    assert {r.levelno for r in caplog.records if "Traceback" in r.getMessage()} == {logging.DEBUG}


@pytest.fixture
def failed_packet(app, sqlite_url, tmp_path, add_signatures):
    """``campaign packet`` whose PDF cannot be written: a folder has the file's name."""
    add_signatures([("Ann Lee", True, "US")], recipient="emb-us")
    out_dir = tmp_path / "packets"
    (out_dir / "emb-us.pdf").mkdir(parents=True)
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"),
                   "CAMPAIGN_DATABASE_URL": sqlite_url}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "campaign"), "packet", "--campaign", SLUG,
         "--recipient", "emb-us", "-o", str(out_dir)],
        capture_output=True, text=True, env=environment, timeout=120, check=False)
    return result, out_dir


def test_failed_packet_command_shows_no_traceback(failed_packet):
    result, _out_dir = failed_packet
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_failed_packet_command_names_the_output_file(failed_packet):
    result, out_dir = failed_packet
    assert result.stderr.splitlines()[-1] == f"Error: {out_dir / 'emb-us.pdf'}: Is a directory"


def test_export_command_off_a_terminal_prints_no_progress(sqlite_url, tmp_path):
    result = _export_command(sqlite_url, tmp_path, subprocess.PIPE)
    assert (result.returncode, result.stderr) == (0, "")


def test_jobs_list_unknown_campaign_is_refused_naming_the_option(runner):
    result = runner.invoke(args=["jobs", "list", "--campaign", "nope"])
    assert result.exit_code == 2
    assert "Invalid value for --campaign: no campaign 'nope' under letters/" in result.stderr


def test_jobs_list_campaign_without_jobs_says_so_and_succeeds(runner):
    result = runner.invoke(args=["jobs", "list", "--campaign", SLUG])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", f"no jobs for campaign '{SLUG}'\n")


def test_jobs_list_shows_jobs_of_a_campaign_no_longer_under_letters(app, runner):
    with app.app_context():
        job_id = jobs.submit("export", {"campaign": "gone"}, campaign_slug="gone", start=False)
    result = runner.invoke(args=["jobs", "list", "--campaign", "gone"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{job_id}  export    queued")


def test_jobs_resume_runs_interrupted_job_to_the_end(app, runner, tmp_path, add_signatures):
    add_signatures([("Resumed Signer", True)])
    job_id = _insert_job(app, tmp_path, status="running",
                         worker=f"{socket.gethostname()}:{_dead_pid()}")
    result = runner.invoke(args=["jobs", "resume"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["1 interrupted job(s) queued again",
                                          f"{job_id}  export: done  {tmp_path / 'out.csv'}"]


def test_jobs_resume_with_a_job_that_fails_says_why_and_exits_1(app, runner, tmp_path):
    job_id = _insert_job(app, tmp_path, status="running",
                         worker=f"{socket.gethostname()}:{_dead_pid()}",
                         params={"campaign": "no-such-campaign"})
    result = runner.invoke(args=["jobs", "resume"])
    assert result.exit_code == 1
    assert f"{job_id}  export: failed: unknown campaign 'no-such-campaign'" in result.stderr


def _stopped_resume(app, add_signatures, sqlite_url, tmp_path, signum: int):
    """``campaign jobs resume`` taking up a packet job whose worker died, stopped with
    ``signum`` while it builds the packet: SIGTERM as ``kill`` sends it, SIGINT to the whole
    process group as Ctrl-C in a terminal does. Gives the finished command, the job's id and
    the packet's folder."""
    add_signatures([(f"Signer {i}", True) for i in range(3500)])
    out_dir = tmp_path / "packets"
    job_id = _insert_job(app, tmp_path, status="running", kind="packet",
                         worker=f"{socket.gethostname()}:{_dead_pid()}",
                         params={"campaign": SLUG, "recipient": "emb-kr",
                                 "out_dir": str(out_dir)})
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance"),
                   "CAMPAIGN_DATABASE_URL": sqlite_url}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "campaign"), "jobs", "resume"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        start_new_session=True)
    # Once the packet has started, a second more: drawing the annex, seconds from the end.
    result = stop_when(process, lambda: bool(list(out_dir.glob(".packet-*"))), signum,
                       settle=1.0, what="the packet never started")
    return result, job_id, out_dir


@pytest.fixture
def terminated_resume(app, add_signatures, sqlite_url, tmp_path):
    return _stopped_resume(app, add_signatures, sqlite_url, tmp_path, signal.SIGTERM)


def test_jobs_resume_terminated_says_interrupted_and_exits_143(terminated_resume):
    result, _job_id, _out_dir = terminated_resume
    assert result.returncode == 128 + signal.SIGTERM
    assert result.stderr.splitlines()[-1] == "Interrupted"


def test_jobs_resume_terminated_marks_its_job_interrupted(app, terminated_resume):
    _result, job_id, _out_dir = terminated_resume
    with app.app_context():
        job = jobs.get_job(job_id)
    assert (job.status, job.error) == ("failed", "interrupted")


def test_jobs_resume_terminated_stops_the_job_without_leaving_files(terminated_resume):
    _result, _job_id, out_dir = terminated_resume
    assert list(out_dir.iterdir()) == []


def test_jobs_resume_ctrl_c_exits_130(app, add_signatures, sqlite_url, tmp_path):
    result, _job_id, _out_dir = _stopped_resume(app, add_signatures, sqlite_url, tmp_path,
                                                signal.SIGINT)
    assert result.returncode == 128 + signal.SIGINT
