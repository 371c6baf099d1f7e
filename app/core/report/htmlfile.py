"""HTML reports: one self-contained file (inline CSS; no script, font or image from anywhere) that reads well on
screen and printed. Rows are streamed to the file as they come; every text is escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TextIO

from app.core.report.model import Report, Status, Table, display_text, is_number
from app.core.report.output import PartialOutputs

# Problem rows are red on screen, and bold so they still stand out printed in grey; print-color-adjust keeps the
# backgrounds when printing, and thead repeats the column names on every printed page.
_CSS = """
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1a1a1a;
       margin: 1.5em; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.5em 0 .4em; }
.when { color: #555; margin: 0 0 .8em; }
.status { display: inline-block; padding: .15em .7em; border-radius: .3em; font-weight: bold; }
.status.ok { background: #e3f4e6; color: #17632a; border: 1px solid #17632a; }
.status.problems { background: #fde8e8; color: #9b1c1c; border: 1px solid #9b1c1c; }
table.summary { border-collapse: collapse; margin: .8em 0; }
table.summary th { text-align: left; padding: .1em 1.2em .1em 0; color: #555; font-weight: normal; }
table.summary td { padding: .1em 0; font-weight: bold; }
table.rows { border-collapse: collapse; width: 100%; font-size: 12px; }
table.rows th, table.rows td { border: 1px solid #ccc; padding: .2em .4em; text-align: left; vertical-align: top;
                               overflow-wrap: anywhere; }
table.rows thead { display: table-header-group; }
table.rows th { background: #eee; }
table.rows tr { break-inside: avoid; }
table.rows tbody tr:nth-child(even) { background: #f7f7f7; }
table.rows td.num { text-align: right; white-space: nowrap; }
table.rows tr.problem, table.rows tr.problem:nth-child(even) { background: #fde8e8; color: #9b1c1c; font-weight: bold; }
.count { color: #555; margin: .3em 0 0; }
"""


def _write_table(handle: TextIO, table: Table) -> None:
    handle.write(f"<section>\n<h2>{escape(display_text(table.caption))}</h2>\n<table class=\"rows\">\n<thead><tr>")
    handle.writelines(f"<th>{escape(display_text(name))}</th>" for name in table.columns)
    handle.write("</tr></thead>\n<tbody>\n")
    count = problems = 0
    for row, problem in table.iter_rows():
        count += 1
        problems += problem
        cells = "".join(f"<td class=\"num\">{escape(display_text(v))}</td>" if is_number(v)
                        else f"<td>{escape(display_text(v))}</td>" for v in row)
        handle.write(f"<tr class=\"problem\">{cells}</tr>\n" if problem else f"<tr>{cells}</tr>\n")
    handle.write("</tbody>\n</table>\n")
    rows = f"{count:,} row{'' if count == 1 else 's'}"
    with_problems = f", {problems:,} with problems" if table.is_problem else ""
    handle.write(f"<p class=\"count\">{rows}{with_problems}</p>\n</section>\n")


def write_html(report: Report, path: Path) -> Path:
    """Write the report as one HTML file at path (replacing it), complete or not at all; return path."""
    with PartialOutputs() as out:
        part = out.add(Path(path))
        with open(part, "w", encoding="utf-8", newline="\n") as handle:
            title = escape(display_text(report.title))
            handle.write(f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         f"<meta name=\"generator\" content=\"Reelkeep\">\n<title>{title}</title>\n"
                         f"<style>{_CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n")
            if report.subtitle:
                handle.write(f"<p class=\"when\">{escape(display_text(report.subtitle))}</p>\n")
            status = "ok" if report.status is Status.OK else "problems"
            handle.write(f"<p class=\"status {status}\">{report.status_text}</p>\n</header>\n")
            if report.summary:
                handle.write("<table class=\"summary\">\n")
                handle.writelines(f"<tr><th>{escape(display_text(label))}</th><td>{escape(display_text(value))}"
                                  "</td></tr>\n" for label, value in report.summary)
                handle.write("</table>\n")
            for table in report.tables:
                _write_table(handle, table)
            handle.write("</body>\n</html>\n")
    return out.written[0]
