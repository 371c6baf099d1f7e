"""CSV reports: one file per table (tables have different columns), UTF-8 without BOM, RFC 4180 (CRLF,
quotes doubled) through the csv module. The first row names the columns; values are written exactly (sizes in
bytes, no grouping), so the file is for tools; the result column says which rows failed."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from app.core.report.model import Report, ReportError, Table, cell_text
from app.core.report.output import PartialOutputs


def csv_paths(report: Report, path: Path) -> list[Path]:
    """Where write_csv puts each table: the first at path, the others beside it as `<stem>-<caption>.csv`."""
    path = Path(path)
    paths = [path]
    seen = {path.name}
    for number, table in enumerate(report.tables[1:], 2):
        slug = re.sub(r"[^a-z0-9]+", "-", table.caption.lower()).strip("-")[:40] or f"table{number}"
        name = f"{path.stem}-{slug}{path.suffix or '.csv'}"
        if name in seen:
            name = f"{path.stem}-{slug}-{number}{path.suffix or '.csv'}"
        seen.add(name)
        paths.append(path.with_name(name))
    return paths


def _write_table(table: Table, part: Path) -> None:
    with open(part, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # the excel dialect is RFC 4180: CRLF, "" inside quotes
        writer.writerow(table.columns)
        for row, _problem in table.iter_rows():
            writer.writerow([cell_text(value) for value in row])


def write_csv(report: Report, path: Path) -> list[Path]:
    """Write each table as CSV (see csv_paths); all files appear together, or none. Returns their paths."""
    if not report.tables:
        raise ReportError("a CSV report needs at least one table")
    with PartialOutputs() as out:
        for table, dest in zip(report.tables, csv_paths(report, path), strict=True):
            _write_table(table, out.add(dest))
    return out.written
