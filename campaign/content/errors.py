"""Errors in campaign content always say which file, which line and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One finding about a content file, printed as ``file:line: message``."""

    path: Path
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


class ContentError(Exception):
    """A single problem that stops a campaign from loading."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.problem = Problem(Path(path), line, message)
        super().__init__(str(self.problem))


class ContentErrors(Exception):
    """Several problems found while loading; all of them are reported, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def not_utf8(path: Path, error: UnicodeDecodeError) -> Problem:
    """The problem of a file that is not UTF-8, at the line of its first byte that is not."""
    data = error.object if isinstance(error.object, bytes | bytearray) else b""
    line = data[:error.start].count(b"\n") + 1 if data else None
    byte = f"byte 0x{data[error.start]:02x}" if data else "a byte"
    return Problem(path, line, f"not UTF-8 text: {byte} is not UTF-8 (save the file as UTF-8)")
