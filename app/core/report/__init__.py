"""Job reports (tape verification, card offload…) as HTML, PDF and CSV from one Report value.

    report = Report("Tape verification", "2024-05-01 14:02, drive LTO-9 #1",
                    {"Tape": "RK0001L9", "Files": "12,345", "Result": "2 DAMAGED"}, Status.PROBLEMS,
                    [Table("Files", ("File", "Start block", "xxh128", "Result"), rows,
                           is_problem=lambda row: row[3] != "ok", widths=(6, 1, 3, 1))])
    write_html(report, folder / "RK0001L9.html"); write_pdf(…); write_csv(…)

Every writer streams the rows, writes a partial file and renames it into place when complete, so an error
(including Cancelled raised by the row iterator, which is how a job stops a long report) leaves no report.
"""

from __future__ import annotations

from pathlib import Path

from app.core.report.csvfile import csv_paths, write_csv
from app.core.report.htmlfile import write_html
from app.core.report.model import Report, ReportError, Row, Rows, Status, Table, cell_text, display_text


def write_pdf(report: Report, path: Path, max_rows: int | None = 100_000) -> Path:
    """Write the report as a PDF at path (replacing it), complete or not at all; return path. Past max_rows
    rows of a table only its problem rows are listed, all are counted (pdffile.MAX_ROWS says why)."""
    # reportlab takes ~0.15 s to import: only when a PDF is made
    from app.core.report.pdffile import write_pdf as write

    return write(report, path, max_rows)


__all__ = ["Report", "ReportError", "Row", "Rows", "Status", "Table", "cell_text", "csv_paths", "display_text",
           "write_csv", "write_html", "write_pdf"]
