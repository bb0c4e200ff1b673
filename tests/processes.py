"""Stopping a running ``campaign`` command the way a person does, for the interruption tests."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0,
             what: str = "timed out") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def stop_when(process: subprocess.Popen, ready: Callable[[], bool], signum: int,
              settle: float, what: str = "timed out") -> subprocess.CompletedProcess:
    """Once ``ready()`` and ``settle`` seconds more, stops ``process`` (started with
    ``start_new_session=True``) as ``kill`` does (SIGTERM to it) or Ctrl-C in a terminal
    (SIGINT to its whole process group, workers included); its finished run."""
    try:
        wait_for(ready, what=what)
        time.sleep(settle)
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
