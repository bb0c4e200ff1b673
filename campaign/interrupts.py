"""Stopping a command with Ctrl-C or SIGTERM.

Without a handler SIGTERM ends the process on the spot: no cleanup runs, so a ``.part`` file or
a ``.packet-…`` folder stays behind and the job stays ``running``. The ``campaign`` command
installs ``handle_signals``; both signals then raise ``Interrupted`` in the main thread, and
every ``finally``, ``with`` and ``except BaseException`` on the way up removes what it had
started, as for Ctrl-C. The web app and Celery workers keep their servers' own handling.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT in the command's own process. A KeyboardInterrupt, so that code
    written for Ctrl-C (an interactive shell, the development server) treats both alike."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_main_pid: int | None = None
_deferring = 0
_pending: int | None = None


def handle_signals() -> None:
    global _main_pid
    _main_pid = os.getpid()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def installed() -> bool:
    """Whether this process is the ``campaign`` command with its handlers (not, say, a test
    invoking a command in its own process)."""
    return _main_pid == os.getpid()


def _on_signal(signum: int, _frame) -> None:
    global _pending
    if os.getpid() != _main_pid:
        # A worker forked by a mail merge inherits this handler. Its parent stops the pool
        # (Pool.terminate sends SIGTERM) and cleans up; the worker ends quietly, by the default
        # action, instead of printing a traceback of its own.
        if signum == signal.SIGTERM:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
        return
    if _deferring:
        _pending = _pending or signum
        return
    raise Interrupted(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Holds an interruption back until the block ends, for steps that cannot be undone when
    stopped half-way (a worker process half started outlives the pool that started it)."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum)
