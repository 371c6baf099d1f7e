"""The report of one offload, as HTML, PDF and CSV: the card, every file with its size, hashes and result per
destination, each destination's result, the clip count and the throughput."""

from __future__ import annotations

import datetime
import socket
import time
from pathlib import Path

from app.core.report import Report, Status, Table, write_csv, write_html, write_pdf
from app.ingest.offload_model import OK, OffloadResult


def offload_report(result: OffloadResult) -> Report:
    plan = result.plan
    card = plan.card
    copy_rate = result.source_bytes_read / result.copy_seconds if result.copy_seconds > 0 else 0.0
    summary: list[tuple[str, object]] = [
        ("Result", "all copies verified" if result.ok else "PROBLEMS — see below"),
        ("Card", f"{card.family} · {card.camera} · reel {card.reel}"),
        ("Source", str(plan.request.source)),
        ("Clips", card.clips),
        ("Files", len(result.files)),
        ("Bytes", plan.bytes),
        ("Hash", ", ".join(plan.formats) or "none (sizes only)"),
        ("Verification", {"full": "source + destination (every copy read back)",
                          "source": "source hashed while copying", "size": "sizes only"}[plan.request.verify]),
        ("Card's own records", ", ".join(plan.known.sources) or "none"),
        ("Took", f"{result.seconds:.1f} s (copy {result.copy_seconds:.1f} s, {copy_rate / 1e6:,.0f} MB/s read)"),
    ]
    summary += [(f"Destination {n}", f"{d.target} — {d.status}") for n, d in enumerate(result.destinations, 1)]
    if plan.skipped:
        summary.append(("Not copied", f"{len(plan.skipped)} system or special file(s), listed below"))
    names = [str(d.target) for d in result.destinations]
    first = plan.formats[0] if plan.formats else ""
    files = Table("Files", ("File", "Size", first or "hash", *[f"Destination {n}" for n in range(1, len(names) + 1)],
                            "Card's record"),
                  [(f.path, f.size, f.hashes.get(first, ""), *[f.at.get(name, "") for name in names], f.card_record)
                   for f in result.files],
                  is_problem=lambda row: any(value != OK for value in row[3:3 + len(names)])
                  or str(row[-1]).startswith("DIFFERS"),
                  widths=(5, 1.4, 3, *[1.6] * len(names), 2))
    destinations = Table("Destinations", ("Destination", "Result", "Verified files", "Bytes written", "Verify MB/s",
                                          "ASC MHL", "Problems"),
                         [(str(d.target), d.status, d.verified, d.bytes_written,
                           f"{plan.bytes / d.seconds / 1e6:,.0f}" if d.seconds > 0 else "",
                           ", ".join(p.name for p in d.mhl) or "—", "; ".join(d.problems[:20])
                           + (f" (+{len(d.problems) - 20} more)" if len(d.problems) > 20 else ""))
                          for d in result.destinations],
                         is_problem=lambda row: row[1] != OK, widths=(4, 1.2, 1.2, 1.5, 1, 3, 4))
    tables = [destinations, files]
    if plan.skipped:
        tables.append(Table("Not copied", ("File", "Why"), [tuple(s.split(": ", 1)) if ": " in s else (s, "")
                                                             for s in plan.skipped], widths=(3, 2)))
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return Report("Card offload", f"{when} on {socket.gethostname() or 'this machine'}", summary,
                  Status.OK if result.ok else Status.PROBLEMS, tables)


def write_offload_reports(result: OffloadResult, folder: Path) -> list[Path]:
    """REEL-offload-TIME.html, .pdf and .csv (one per table) in folder; the paths written, the HTML first."""
    report = offload_report(result)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    html = folder / f"{result.plan.card.reel}-offload-{stamp}.html"
    written = [write_html(report, html), write_pdf(report, html.with_suffix(".pdf"))]
    written += write_csv(report, html.with_suffix(".csv"))
    result.reports = written
    return written
