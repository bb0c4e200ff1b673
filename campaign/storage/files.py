"""Files written whole or not at all: a crash mid-write leaves the old file, never half a new one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, content: bytes | Callable[[BinaryIO], object]) -> Path:
    """Writes ``content`` (bytes, or a function that writes to the open file) to a temporary file
    beside ``path``, flushes it to disk, then renames it into place: a reader sees the old file or
    the complete new one.

    An error about the temporary file (a read-only or full disk) is raised as an error about
    ``path``: the temporary name means nothing to the person who asked for ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".part")
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


def _about(path: Path, exc: OSError) -> OSError:
    return type(exc)(exc.errno, exc.strerror, str(path)) if exc.errno else OSError(
        f"{path}: {exc}")
