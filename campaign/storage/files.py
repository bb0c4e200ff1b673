"""Files written whole or not at all: a crash mid-write leaves the old file, never half a new one."""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from campaign import interrupts

# A new file's mode before the umask, as open() and the shell give it: 0644 under umask 022.
SHARED = 0o666
# Only the owner may read or write it, whatever the umask: for files of personal data.
PRIVATE = 0o600

# What a write left behind when its process was killed (SIGKILL, a crash, a power loss), which
# no cleanup ran for: a file being written (``_create_beside``), a staging folder
# (``replace_files``), a packet's or a mail merge's work folder. Swept when a later write uses
# the folder, once they are old enough that no running write can still own them.
_LEFTOVER = re.compile(r"^\.(?:.+\.[0-9a-f]{8}\.part|staging-.+\.part|packet-.+|merge-.+)$")
LEFTOVER_AGE = 24 * 3600  # seconds
_swept: set[Path] = set()
_swept_lock = threading.Lock()


def file_in_the_way(path: Path, *, folder: bool = False) -> Path | None:
    """The file that stands where ``path`` needs a folder (``afile/x.pdf``: ``afile``), or
    ``path`` itself when it must be a folder and is a file; None when nothing is in the way.
    For commands to refuse such an output before doing any work."""
    for place in ([path] if folder else []) + list(path.parents):
        if place.exists():
            return None if place.is_dir() else place
    return None


def sweep_leftovers(folder: Path) -> list[Path]:
    """Removes the leftovers of writes killed a day or more ago from ``folder`` (once per folder
    and process) and returns them."""
    with _swept_lock:
        if folder in _swept:
            return []
        _swept.add(folder)
    limit = time.time() - LEFTOVER_AGE
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        try:
            if not _LEFTOVER.match(entry.name) or entry.is_symlink() \
                    or entry.stat().st_mtime > limit:
                continue
            if entry.is_dir():
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue  # another process's, or gone already: not ours to report
    return removed


def write_atomically(path: Path, content: bytes | Callable[[BinaryIO], object], *,
                     private: bool = False) -> Path:
    """Writes ``content`` (bytes, or a function that writes to the open file) to a temporary file
    beside ``path``, flushes it to disk, then renames it into place: a reader sees the old file or
    the complete new one.

    The file gets the mode a new file gets from the user's umask (0644 under umask 022), or
    0600 when ``private``; a file it replaces does not pass its mode on.

    An error about the temporary file (a read-only or full disk) is raised as an error about
    ``path``: the temporary name means nothing to the person who asked for ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(path.parent)
    try:
        fd, temp_name = _create_beside(path, PRIVATE if private else SHARED)
    except OSError as exc:
        raise _about(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(content, bytes | bytearray | memoryview):
                out.write(content)
            else:
                content(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        # An error naming another file (one the content is read from) keeps its own name.
        if exc.filename in (None, temp_name):
            raise _about(path, exc) from exc
        raise
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class FolderUpdate:
    """What ``replace_files`` did: the files now in the folder, and the old ones it removed."""

    written: list[Path]
    removed: list[Path]


def replace_files(folder: Path, ours: Callable[[str], bool],
                  write: Callable[[Path], Iterable[Path]]) -> FolderUpdate:
    """Makes ``folder`` hold exactly the files ``write`` makes among the files that are ``ours``
    (by name): ``write`` fills a hidden staging folder inside ``folder`` and returns the files
    it wrote there; only once it has returned are they renamed into ``folder``, in that order,
    and the files of ours it did not make (an earlier, larger run's) removed. Files that are
    not ours stay.

    When ``write`` fails or is interrupted, the staging folder goes and ``folder`` is as it
    was (it is removed again when this call made it). The staging folder is inside ``folder``,
    not beside it: the moves are renames on one file system, and only ``folder`` needs to be
    writable."""
    made = _missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        sweep_leftovers(folder)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".staging-", suffix=".part"))
    except OSError as exc:
        raise _about(folder, exc) from exc
    try:
        names = [Path(p).name for p in write(staging)]
        for name in names:
            # Checked before anything moves: a folder in the way would stop the moves half-way.
            if (folder / name).is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR),
                                        str(folder / name))
        keep = set(names)
        stale = [p for p in sorted(folder.iterdir())
                 if ours(p.name) and p.name not in keep and not p.is_dir()]
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for made_folder in made:
            try:
                made_folder.rmdir()
            except OSError:
                break
        raise
    try:
        # Renaming takes a moment: a Ctrl-C among the renames would leave two runs mixed, so it
        # waits for the last one.
        with interrupts.deferred():
            for name in names:
                os.replace(staging / name, folder / name)
            for path in stale:
                path.unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return FolderUpdate(written=[folder / name for name in names], removed=stale)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist, deepest first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _create_beside(path: Path, mode: int) -> tuple[int, str]:
    """A new, empty, hidden file next to ``path``. Not tempfile.mkstemp: it always makes 0600,
    and the file is renamed into place with that mode; os.open lets the umask decide, as for
    any file a command writes."""
    for _attempt in range(100):
        name = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), name)


def _about(path: Path, exc: OSError) -> OSError:
    return type(exc)(exc.errno, exc.strerror, str(path)) if exc.errno else OSError(
        f"{path}: {exc}")
