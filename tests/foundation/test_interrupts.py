"""A signal that reaches the ``campaign`` command where Python cannot raise it still stops it.

Python drops an exception raised in a fork hook or a finaliser. These scripts have the signal
arrive at exactly such a moment, which in real use is a matter of bad luck.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import SLUG


def _run_script(tmp_path, script: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True,
                          text=True, timeout=120, env=environment, check=False)


def _eight_signers(tmp_path) -> Path:
    # Two chunks' worth of letters at least: the batch starts worker processes.
    signers = tmp_path / "signers.csv"
    signers.write_text("name,country\n" + "".join(f"Signer {i},KR\n" for i in range(8)),
                       encoding="utf-8")
    return signers


def test_letter_batch_terminated_while_forking_a_worker_stops(tmp_path):
    signers = _eight_signers(tmp_path)
    out = tmp_path / "letters.pdf"
    result = _run_script(tmp_path, f"""
        import os, signal, sys
        # The signal arrives while os.fork runs its hooks in the command's process.
        os.register_at_fork(after_in_parent=lambda: signal.raise_signal(signal.SIGTERM))
        sys.argv = ["campaign", "letter", "batch", "--campaign", "{SLUG}",
                    "--recipient", "emb-kr", "--locale", "en", "--signers", {str(signers)!r},
                    "-o", {str(out)!r}]
        from campaign.cli import main
        main()
    """)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert result.stderr.splitlines()[-1] == "Interrupted"
    assert not out.exists()


def test_command_terminated_in_a_finaliser_stops(tmp_path):
    result = _run_script(tmp_path, """
        import signal, sys, time
        from campaign import interrupts

        interrupts.handle_signals()

        class Finalised:
            def __del__(self):
                signal.raise_signal(signal.SIGTERM)

        try:
            Finalised()  # its finaliser runs at once, the signal's exception is dropped
            time.sleep(30)
            print("ran on")
        except interrupts.Interrupted:
            print("stopped")
    """)
    assert result.stdout.strip() == "stopped"
    assert "Traceback" not in result.stderr


def test_interrupted_command_ends_even_if_leaving_the_interpreter_hangs(tmp_path):
    # As an exit handler waiting on a pool that a signal cut off in its own shutdown would.
    script = ("import atexit, time\n"
              "from campaign import interrupts\n"
              "atexit.register(time.sleep, 600)\n"
              "interrupts.exit_within(0.5, 143)\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert result.returncode == 143 and time.monotonic() - started < 30


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                              capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_letter_batch_as_process_1_finishes(tmp_path):
    # A container's entry point with no init is process 1: its workers' parent is process 1.
    if not _unshare_works():
        pytest.skip("no PID namespace here (unshare --pid needs privileges)")
    signers = _eight_signers(tmp_path)
    out = tmp_path / "letters.pdf"
    environment = {**os.environ, "CAMPAIGN_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run(
        # --kill-child: should the test time out, the command ends with unshare.
        ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
         str(Path(sys.executable).parent / "campaign"),
         "letter", "batch", "--campaign", SLUG, "--recipient", "emb-kr", "--locale", "en",
         "--signers", str(signers), "-o", str(out)],
        capture_output=True, text=True, timeout=120, env=environment, check=False)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
