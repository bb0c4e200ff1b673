"""Stopping a command with Ctrl-C or SIGTERM.

Without a handler SIGTERM ends the process on the spot: no cleanup runs, so a ``.part`` file or
a ``.packet-…`` folder stays behind and the job stays ``running``. The ``campaign`` command
installs ``handle_signals``; both signals then raise ``Interrupted`` in the main thread, and
every ``finally``, ``with`` and ``except BaseException`` on the way up removes what it had
started, as for Ctrl-C. The web app and Celery workers keep their servers' own handling.

Python drops an exception raised where it cannot propagate (a fork hook, a finaliser, a weakref
callback) and goes on. An interruption dropped there is sent again to the main thread, to be
raised where it propagates; and a process pool starts with interruptions held back
(``started_pool``), since a fork hook stopped half-way can leave a lock held.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TypeVar


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
    global _main_pid, _report_unraisable
    _main_pid = os.getpid()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    if sys.unraisablehook is not _on_unraisable:
        _report_unraisable = sys.unraisablehook
        sys.unraisablehook = _on_unraisable


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


_report_unraisable = sys.__unraisablehook__
RESEND_AFTER_SECONDS = 0.05


def _on_unraisable(unraisable) -> None:
    exc = unraisable.exc_value
    if isinstance(exc, Interrupted) and installed():
        # Raised where Python could only print it and go on: the command would not stop.
        # Sent again, it is raised at whatever the main thread runs next.
        resend = threading.Timer(RESEND_AFTER_SECONDS, signal.pthread_kill,
                                 (threading.main_thread().ident, exc.signum))
        resend.daemon = True
        resend.start()
        return
    _report_unraisable(unraisable)


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


PoolT = TypeVar("PoolT", bound=AbstractContextManager)


@contextmanager
def started_pool(start: Callable[[], PoolT]) -> Iterator[PoolT]:
    """The process pool ``start()`` makes, entered until the block ends. It starts with
    interruptions held back: ``os.fork`` runs Python hooks (logging's takes and releases its
    lock), and a signal handled inside one would be dropped, leaving logging's lock held, so
    that the pool's next fork, for a worker that replaces a retired one, would wait forever."""
    with ExitStack() as stack:
        with deferred():
            pool = stack.enter_context(start())
        yield pool


def end_worker_processes() -> None:
    """Ends any worker process still alive. A pool stopped by a signal can miss a worker it was
    starting at that moment (one that replaces a worker retired after its chunks): left
    running, that worker would wait for work forever, holding the command's output open."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


def exit_within(seconds: float, status: int) -> None:
    """Ends the process with ``status`` in ``seconds`` if it has not ended by then. Leaving the
    interpreter runs multiprocessing's exit handlers, which can wait forever on a pool a signal
    cut off half-way through its own shutdown."""
    def leave() -> None:
        sys.stderr.flush()
        os._exit(status)

    timer = threading.Timer(seconds, leave)
    timer.daemon = True
    timer.start()


def may_start_processes() -> bool:
    """Whether this process may start worker processes: a daemonic one (a Celery prefork
    worker) may not, and does its work by itself."""
    import multiprocessing

    return not multiprocessing.current_process().daemon


_PR_SET_PDEATHSIG = 1

# The process id a helper process started with exec (the annex's forkserver) is to end with: by
# the time it can ask for that, its parent may have been killed and replaced by process 1.
PARENT_VARIABLE = "_CAMPAIGN_PARENT_PID"  # not a setting: no CAMPAIGN_ prefix


def parent_named_in_environment() -> int | None:
    """The process id ``PARENT_VARIABLE`` names, if it names one."""
    value = os.environ.get(PARENT_VARIABLE, "")
    return int(value) if value.isdigit() else None


def die_with_parent(parent: int | None = None) -> None:
    """Has the kernel end this worker process when the process that started it (``parent``, by
    default the parent it has now) ends, however it ends: a command killed outright (SIGKILL,
    the out-of-memory killer) runs no cleanup, and its workers would otherwise wait for work
    forever. Linux only; elsewhere nothing changes."""
    import ctypes

    expected = os.getppid() if parent is None else parent
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):
        return
    # The parent ended before the request was made: this process has a new parent already.
    # (Comparing with 1 would be wrong where the parent is itself process 1, in a container.)
    if os.getppid() != expected:
        os._exit(1)
