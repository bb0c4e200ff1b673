"""Reading a CSV file as a spreadsheet saves it: UTF-8 (with or without a byte-order mark), every
record with the lines it spans, so that each problem names the line an editor shows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class CsvFileError(Exception):
    """The file cannot be read as CSV; ``str()`` is ``FILE:LINE: message`` (``FILE: message``
    when no line is to blame)."""

    def __init__(self, path: Path, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


@dataclass(frozen=True)
class Record:
    first_line: int
    last_line: int
    cells: list[str]
    # A quote opened in this record and never closed: the reader took the rest of the file
    # into its last cell.
    quote_left_open: bool = False


def read_text(path: Path) -> str:
    """The whole file as text, decoded before anything is done with it, so that a file saved in
    another encoding is refused whole and the bad byte's line can be named."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(path, None, exc.strerror or str(exc)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Everything before the bad byte decodes; its lines are counted as the CSV reader
        # counts them (\r, \n or \r\n), the sentinel standing for the bad byte's own line.
        before = data[:exc.start].decode("utf-8-sig")
        line = sum(1 for _ in io.StringIO(before + "?", newline=""))
        raise CsvFileError(path, line, "not UTF-8 text (save the file as CSV UTF-8)") from None


def read_records(path: Path, text: str) -> list[Record]:
    """Every record of the CSV with the lines it spans (blank lines left out). The whole file is
    read first, so that a file the CSV reader gives up on part-way is refused whole."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[Record] = []
    last_line = 0
    while True:
        first_line = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvFileError(path, first_line, csv_problem(exc)) from None
        last_line = reader.line_num
        if cells:  # [] is a blank line
            records.append(Record(first_line, last_line, cells))
    if records and _quote_left_open(text, records[-1].first_line):
        last = records[-1]
        records[-1] = Record(last.first_line, last.last_line, last.cells, quote_left_open=True)
    return records


def _quote_left_open(text: str, first_line: int) -> bool:
    # The lenient reader ends a quoted cell at the end of the file without a word; the strict
    # one says so.
    tail = "".join(list(io.StringIO(text, newline=""))[first_line - 1:])
    try:
        list(csv.reader(io.StringIO(tail, newline=""), strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def csv_problem(exc: csv.Error) -> str:
    if str(exc).startswith("field larger than field limit"):
        # No column of the project's files comes near the limit: the usual cause is a quote
        # opened on this line and never closed, which reads the lines after it into one cell.
        return (f"a cell runs past {csv.field_size_limit():,} characters "
                "(is a quote left open?)")
    return f"not readable as CSV ({exc})"
