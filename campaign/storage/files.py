"""Files written whole or not at all: a crash mid-write leaves the old file, never half a new one."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# A new file's mode before the umask, as open() and the shell give it: 0644 under umask 022.
SHARED = 0o666
# Only the owner may read or write it, whatever the umask: for files of personal data.
PRIVATE = 0o600


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
