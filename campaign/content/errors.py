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
