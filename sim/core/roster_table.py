"""Reading a tabular file (CSV or Parquet) for a roster: header, lines and problems.

The parts of reading that do not depend on what the columns mean: the file's bytes and their
SHA-256, the encoding (UTF-8, with or without a byte-order mark), the delimiter (comma,
semicolon or tab, detected from the header), the header matched loosely to the expected column
names, the line number of every record, and a collector of problems that reports every one at
once (the first :data:`MAX_SHOWN` and a count).

Only the columns asked for are converted: a column left out (an ignored identifier, say) is
split off by the CSV parser and dropped, never turned into values; in a Parquet file it is not
even read from disk. Every value is read as text, so that a problem can quote it as written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.core.errors import MentorsimError

MAX_SHOWN = 50
"""Problems printed in full; the rest are counted."""

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
"""Delimiters recognized in a CSV header."""

PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

TEXT = pd.StringDtype("pyarrow")
"""Values are kept as Arrow-backed text: light on memory, vectorized string operations."""


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem, located in its file."""

    line: int | None
    """Line of a CSV file (the header is line 1) or row of a Parquet file; None: the whole file."""
    column: str | None
    value: str | None
    message: str

    def text(self, file: str, where: str = "line") -> str:
        """The problem as one line naming file, line, column and value."""
        parts = [file]
        if self.line is not None:
            parts.append(f"{where} {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            parts.append(f"value {shown!r}")
        return ", ".join(parts) + f": {self.message}"


class RosterError(MentorsimError):
    """A roster or ties file cannot be used; ``problems`` holds the first ones, ``total`` all.

    Reported like every user's mistake (exit 2, no traceback), under its own heading.

    Args:
        file: The file as the user named it.
        problems: The problems shown (at most :data:`MAX_SHOWN`).
        total: How many problems were found in all.
        where: ``"line"`` for CSV files, ``"row"`` for Parquet.
    """

    heading = "invalid roster"

    def __init__(
        self, file: str, problems: list[Problem], total: int | None = None, where: str = "line"
    ) -> None:
        self.file = file
        self.problems = problems
        self.total = len(problems) if total is None else total
        self.where = where
        self.source = file
        self.errors = [p.text(file, where) for p in problems]
        Exception.__init__(self, self.report())

    def __reduce__(self):  # keep the problems across processes (pickling)
        return (type(self), (self.file, self.problems, self.total, self.where))

    def report(self) -> str:
        """Every problem shown on its own line, then how many more there are."""
        head = f"{self.file}: {self.total} problem{'s' if self.total != 1 else ''}"
        if self.total > len(self.problems):
            head += f" (the first {len(self.problems)} by line)"
        lines = [head + ":"]
        lines += [f"  {p.text(self.file, self.where)}" for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        return "\n".join(lines)


@dataclass
class _Batch:
    rows: np.ndarray
    column: str | None
    message: str | Callable[[int], str]
    value: Callable[[int], str | None] | None
    by_entry: bool = False


class Problems:
    """Collects problems as arrays of rows (vectorized checks); formats only those shown.

    Args:
        file: The file as the user named it.
        lines: Line number of each record (row position -> line).
        where: ``"line"`` or ``"row"``.
    """

    def __init__(self, file: str, lines: np.ndarray | None = None, where: str = "line") -> None:
        self.file = file
        self.lines = lines
        self.where = where
        self.values: dict[str, pd.Series] = {}
        self._batches: list[_Batch] = []
        self._fixed: list[Problem] = []

    def rows(
        self,
        rows: np.ndarray,
        column: str | None,
        message: str | Callable[[int], str],
        value: Callable[[int], str | None] | None = None,
        by_entry: bool = False,
    ) -> None:
        """Add one problem per entry of ``rows`` (positions, a row may repeat).

        ``message`` is a text, or a function of the row (of the entry's index in ``rows`` when
        ``by_entry``); ``value`` (a function of the row) replaces the cell's text.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size:
            self._batches.append(_Batch(rows, column, message, value, by_entry))

    def mask(self, mask: np.ndarray, column: str | None, message: str | Callable) -> None:
        """Add one problem per True entry of ``mask``."""
        self.rows(np.flatnonzero(mask), column, message)

    def add(self, problem: Problem) -> None:
        """Add one problem already located (the header, the whole file)."""
        self._fixed.append(problem)

    @property
    def total(self) -> int:
        """How many problems were found."""
        return len(self._fixed) + sum(b.rows.size for b in self._batches)

    def raise_if_any(self) -> None:
        """Raise :class:`RosterError` with the first :data:`MAX_SHOWN` problems by line."""
        if self.total:
            raise RosterError(self.file, self.first(MAX_SHOWN), self.total, self.where)

    def first(self, count: int) -> list[Problem]:
        """The first ``count`` problems, by line (the whole file's first)."""
        shown = sorted(self._fixed, key=lambda p: -1 if p.line is None else p.line)[:count]
        if not self._batches:
            return shown
        sizes = [b.rows.size for b in self._batches]
        rows = np.concatenate([b.rows for b in self._batches])
        batch = np.repeat(np.arange(len(self._batches)), sizes)
        entry = np.arange(rows.size) - np.repeat(np.cumsum([0, *sizes[:-1]]), sizes)
        order = np.lexsort((entry, batch, rows))[:count]
        for i in order.tolist():
            shown.append(self._problem(self._batches[batch[i]], int(rows[i]), int(entry[i])))
        shown.sort(key=lambda p: -1 if p.line is None else p.line)
        return shown[:count]

    def _problem(self, b: _Batch, row: int, entry: int) -> Problem:
        line = int(self.lines[row]) if self.lines is not None else row + 1
        if b.value is not None:
            value = b.value(row)
        elif b.column in self.values:
            value = str(self.values[b.column].iloc[row])
        else:
            value = None
        message = b.message(entry if b.by_entry else row) if callable(b.message) else b.message
        return Problem(line, b.column, value, message)


# --------------------------------------------------------------------------------------------
# Header names
# --------------------------------------------------------------------------------------------


def canonical(name: str, prefixes: Iterable[str] = ()) -> str:
    """The header name in canonical form: ``Employee ID``, ``employeeId`` -> ``employee_id``.

    Case, spaces, punctuation and camel case are normalized. A name starting with one of
    ``prefixes`` (``skill``) followed by punctuation keeps that prefix and a dot, the rest
    lower-cased with words joined by ``_`` (``Skill: GenAI tools`` -> ``skill.genai_tools``).
    """
    text = name.strip().lstrip("\ufeff")
    for prefix in prefixes:
        match = re.fullmatch(rf"{prefix}\s*[.:_\-\s]\s*(.+)", text, flags=re.IGNORECASE)
        if match:
            rest = re.sub(r"[^a-z0-9]+", "_", match.group(1).lower()).strip("_")
            return f"{prefix}.{rest}"
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A file's header and the requested columns as text.

    Attributes:
        file: The file as the user named it.
        kind: ``"csv"`` or ``"parquet"``.
        sha256: SHA-256 of the file's bytes.
        header: The header's names as written.
        header_line: Line of the header (1 unless blank lines precede it).
        columns: Requested columns by header position, as text (missing values are "").
        lines: Line (CSV) or row (Parquet) number of each record.
        notes: What was detected and handled (a byte-order mark, a delimiter).
        problems: Problems met while reading (records with the wrong number of fields).
    """

    file: str
    kind: str
    sha256: str
    header: list[str]
    header_line: int = 1
    delimiter: str = ","
    columns: dict[int, pd.Series] = field(default_factory=dict)
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    notes: list[str] = field(default_factory=list)
    problems: Problems | None = None

    @property
    def where(self) -> str:
        """How a record's position is named: line (CSV) or row (Parquet)."""
        return "row" if self.kind == "parquet" else "line"

    @property
    def rows(self) -> int:
        """Number of records read."""
        return int(self.lines.size)


def read_header(path: Path, file: str) -> tuple[Table, bytes | None]:
    """Read the file's bytes and header; raise :class:`RosterError` when it cannot be read."""
    if not path.exists():
        raise RosterError(file, [Problem(None, None, None, "file not found")])
    if path.is_dir():
        raise RosterError(file, [Problem(None, None, None, "is a directory, not a file")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(file, [Problem(None, None, None, f"cannot read: {exc}")]) from None
    sha = hashlib.sha256(raw).hexdigest()
    if raw.startswith(PARQUET_MAGIC) or path.suffix.lower() in (".parquet", ".pq"):
        return _parquet_header(raw, file, sha), raw
    return _csv_header(raw, file, sha)


def _fail(file: str, message: str, line: int | None = None) -> RosterError:
    return RosterError(file, [Problem(line, None, None, message)])


def _parquet_header(raw: bytes, file: str, sha: str) -> Table:
    try:
        schema = pq.read_schema(pa.BufferReader(raw))
    except (pa.ArrowException, OSError) as exc:
        raise _fail(file, f"not a readable Parquet file ({exc})") from None
    return Table(file, "parquet", sha, list(schema.names), header_line=0)


def _csv_header(raw: bytes, file: str, sha: str) -> tuple[Table, bytes]:
    notes = []
    if raw.startswith(UTF16_BOMS):
        raise _fail(file, "the file is UTF-16 encoded; save it as CSV UTF-8")
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
        notes.append("a UTF-8 byte-order mark was found and removed")
    if raw.startswith(b"PK\x03\x04") or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _fail(file, "this is a spreadsheet, not CSV or Parquet; export it as CSV UTF-8")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _fail(file, "not UTF-8 text; save it as CSV UTF-8", line) from None
    if not raw.strip():
        raise _fail(file, "the file is empty")
    lines = raw.split(b"\n", 64)
    header_index = next(i for i, line in enumerate(lines) if line.strip())
    text = lines[header_index].rstrip(b"\r").decode("utf-8")
    delimiter = max(DELIMITERS, key=lambda d: (len(_split(text, d)), d == ","))
    if delimiter != ",":
        notes.append(f"the {DELIMITERS[delimiter]} delimiter was detected")
    header = _split(text, delimiter)
    return Table(file, "csv", sha, header, header_index + 1, delimiter, notes=notes), raw


def _split(text: str, delimiter: str) -> list[str]:
    return next(csv.reader([text], delimiter=delimiter))


def read_columns(table: Table, raw: bytes, wanted: list[int]) -> None:
    """Read the columns at header positions ``wanted`` into ``table.columns`` (as text)."""
    if table.kind == "parquet":
        _read_parquet(table, raw, wanted)
    else:
        _read_csv(table, raw, wanted)


def _read_parquet(table: Table, raw: bytes, wanted: list[int]) -> None:
    names = [table.header[i] for i in wanted]
    try:
        data = pq.read_table(pa.BufferReader(raw), columns=names)
    except (pa.ArrowException, OSError) as exc:
        raise _fail(table.file, f"not a readable Parquet file ({exc})") from None
    for i, name in zip(wanted, names, strict=True):
        table.columns[i] = _as_text(data.column(name))
    table.lines = np.arange(1, data.num_rows + 1, dtype=np.int64)
    table.problems = Problems(table.file, table.lines, "row")


def _as_text(column: pa.ChunkedArray) -> pd.Series:
    """A Parquet column as text, dates as YYYY-MM-DD, missing values as ""."""
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        column = pc.strftime(column, format="%Y-%m-%d")
    elif not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    column = pc.fill_null(column, "")
    return pd.Series(column.to_pandas(types_mapper={pa.string(): TEXT}.get), dtype=TEXT)


def _read_csv(table: Table, raw: bytes, wanted: list[int]) -> None:
    names = [f"c{i}" for i in range(len(table.header))]
    bad: list[tuple[int, int, int]] = []

    def invalid(row) -> str:
        bad.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        data = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=table.header_line, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=table.delimiter,
                invalid_row_handler=invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[i] for i in wanted],
                column_types=dict.fromkeys((names[i] for i in wanted), pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _fail(table.file, f"cannot be read as CSV: {exc}") from None
    for i in wanted:
        table.columns[i] = pd.Series(
            data.column(names[i]).to_pandas(types_mapper={pa.string(): TEXT}.get), dtype=TEXT
        )
    nonblank = _nonblank_lines(raw)
    # the parser numbers rows among the non-blank lines, the header included
    bad_lines = nonblank[np.array([b[0] for b in bad], dtype=np.int64) - 1]
    table.lines = nonblank[nonblank > table.header_line]
    table.lines = table.lines[~np.isin(table.lines, bad_lines)]
    table.problems = Problems(table.file, table.lines, "line")
    for line, (_, expected, actual) in zip(bad_lines.tolist(), bad, strict=True):
        table.problems.add(
            Problem(
                line,
                None,
                None,
                f"{actual} fields where the header has {expected} (a stray delimiter or quote?)",
            )
        )
    if table.lines.size != data.num_rows:  # a record spanning lines, which the parser refuses
        table.lines = np.arange(data.num_rows, dtype=np.int64) + table.header_line + 1


def _nonblank_lines(raw: bytes) -> np.ndarray:
    """Numbers (from 1) of the lines that are not empty.

    Values may not span lines (the parser is told so), so each non-blank line after the header
    is one record.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    if data.size and data[-1] != ord("\n"):
        ends = np.append(ends, data.size)
    starts = np.concatenate([[0], ends[:-1] + 1]) if ends.size else np.zeros(0, np.int64)
    length = ends - starts
    has_cr = np.zeros(ends.size, bool)
    inside = length > 0
    has_cr[inside] = data[ends[inside] - 1] == ord("\r")
    return (np.flatnonzero(length - has_cr > 0) + 1).astype(np.int64)


__all__ = [
    "MAX_SHOWN",
    "Problem",
    "Problems",
    "RosterError",
    "Table",
    "canonical",
    "read_columns",
    "read_header",
]
