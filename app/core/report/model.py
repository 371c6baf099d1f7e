"""What a job report says, independent of its format: a title, summary fields, an overall status and tables.

A table's rows may be a one-shot iterator (a tape can hold a million files): every writer streams them and
reads them exactly once. To write several formats from one report, give the rows as a list or as a function
returning a fresh iterator (a catalog query); a one-shot iterator handed to a second writer is an error, not
an empty table.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from app.core.errors import ReelkeepError

Row = Sequence[object]
Rows = Iterable[Row] | Callable[[], Iterable[Row]]


class ReportError(ReelkeepError):
    """A report that cannot be written as given (a row of the wrong length, rows already used up)."""


class Status(enum.Enum):
    OK = "ok"
    PROBLEMS = "problems"


@dataclass(frozen=True)
class Table:
    """A caption, column names and rows; is_problem(row) marks the rows to make stand out (a failed result)."""

    caption: str
    columns: Sequence[str]
    rows: Rows
    is_problem: Callable[[Row], bool] | None = None
    # Relative column widths for the PDF (the HTML sizes itself); equal shares when None.
    widths: Sequence[float] | None = None
    _used: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        if not self.columns:
            raise ReportError(f"table {self.caption!r} has no columns")
        if self.widths is not None and len(self.widths) != len(self.columns):
            raise ReportError(f"table {self.caption!r}: {len(self.widths)} widths for {len(self.columns)} columns")

    def iter_rows(self) -> Iterator[tuple[Row, bool]]:
        """Each row with whether it is a problem; checks the row length as it goes."""
        if callable(self.rows):
            source = self.rows()
        elif isinstance(self.rows, Iterator):
            source = self.rows
            if self._used:
                raise ReportError(f"the rows of table {self.caption!r} were an iterator already written once: "
                                  "give a list or a function returning rows to write several formats")
            self._used.append(1)
        else:
            source = self.rows
        width = len(self.columns)
        for number, row in enumerate(source, 1):
            if len(row) != width:
                raise ReportError(f"table {self.caption!r}, row {number}: {len(row)} values for {width} columns")
            yield row, bool(self.is_problem and self.is_problem(row))


@dataclass(frozen=True)
class Report:
    """title, a subtitle (when and where), ordered summary fields, the overall status and the tables."""

    title: str
    subtitle: str = ""
    summary: Sequence[tuple[str, object]] | Mapping[str, object] = ()
    status: Status = Status.OK
    tables: Sequence[Table] = ()

    def __post_init__(self) -> None:
        summary = self.summary.items() if isinstance(self.summary, Mapping) else self.summary
        object.__setattr__(self, "summary", tuple((str(k), v) for k, v in summary))
        object.__setattr__(self, "tables", tuple(self.tables))

    @property
    def status_text(self) -> str:
        return "OK" if self.status is Status.OK else "PROBLEMS"


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte os.fsdecode could not decode (surrogateescape)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def cell_text(value: object) -> str:
    """A value as CSV text: exact, except bytes a file name could not decode become `\\xNN` (valid UTF-8)."""
    return _SURROGATE.sub(lambda m: _escape_char(m.group()), _plain(value))


def display_text(value: object) -> str:
    """A value as shown in HTML and PDF: integers grouped (12,345), undecodable bytes and control characters
    (a newline in a file name) as `\\xNN` so the name stays visible and unambiguous on one line."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return _UNPRINTABLE.sub(lambda m: _escape_char(m.group()), _plain(value))


def is_number(value: object) -> bool:
    """Numbers are right-aligned in HTML and PDF."""
    return isinstance(value, int | float) and not isinstance(value, bool)
