"""Job reports (app.core.report): real files written and read back — CSV with csv, HTML with html.parser, PDF
with pypdf."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from app.core.report import (
    Report,
    ReportError,
    Status,
    Table,
    csv_paths,
    display_text,
    pdffile,
    write_csv,
    write_html,
    write_pdf,
)

SCRIPT = "<script>alert(1)</script>.mov"
QUOTED = 'a&b "c".mov'
UNDECODABLE = os.fsdecode(b"caf\xe9.mov")  # a Latin-1 name on a UTF-8 system, as os.listdir returns it
COLUMNS = ("File", "Start block", "xxh128", "Result")
DEJAVU = Path(pdffile.FONT_CANDIDATES[0][0]).is_file()


def _rows(n: int, damaged: frozenset[int] = frozenset({7})) -> Iterator[tuple[object, ...]]:
    for i in range(n):
        yield (f"A001/clip_{i:06d}.mov", i * 40, f"{i:032x}", "DAMAGED" if i in damaged else "ok")


def _report(rows: object, caption: str = "Files") -> Report:
    table = Table(caption, COLUMNS, rows, is_problem=lambda row: row[3] != "ok", widths=(6, 1, 3, 1))
    return Report("Tape verification", "2024-05-01 14:02, drive 1",
                  {"Tape": "RK0001L9", "Files": "12,345", "Result": "2 DAMAGED"}, Status.PROBLEMS, [table])


def _odd_rows() -> list[tuple[object, ...]]:
    return [(SCRIPT, 1, "aa", "ok"), (QUOTED, 2, "bb", "DAMAGED"), (UNDECODABLE, 3, "cc", "ok"),
            ("Ωμέγα/Привет/日本.mov", 4, "dd", "ok"), ("new\nline.mov", 5, "ee", "ok")]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# CSV


def test_csv_reads_back_exactly(tmp_path: Path) -> None:
    [path] = write_csv(_report(_odd_rows()), tmp_path / "report.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == [SCRIPT, "1", "aa", "ok"]
    assert rows[2] == [QUOTED, "2", "bb", "DAMAGED"]
    assert rows[3][0] == "caf\\xe9.mov"  # the undecodable byte, spelled out in valid UTF-8
    assert rows[4][0] == "Ωμέγα/Привет/日本.mov"
    assert rows[5][0] == "new\nline.mov"  # exact: RFC 4180 quoting carries the newline
    assert path.read_bytes().count(b"\r\n") == 6  # CRLF ends every record (the quoted newline is kept as is)


def test_csv_numbers_are_not_grouped(tmp_path: Path) -> None:
    [path] = write_csv(_report([("big.mov", 1234567, "ff", "ok")]), tmp_path / "r.csv")
    assert list(csv.reader(path.open(encoding="utf-8", newline="")))[1][1] == "1234567"


def test_csv_writes_one_file_per_table(tmp_path: Path) -> None:
    destinations = Table("Per destination", ("Destination", "Result", "MB/s"), [("/Volumes/RAID", "ok", 412.5)])
    report = Report("Offload A001", tables=[_report(list(_rows(3))).tables[0], destinations])
    written = write_csv(report, tmp_path / "offload.csv")
    assert written == csv_paths(report, tmp_path / "offload.csv")
    assert [p.name for p in written] == ["offload.csv", "offload-per-destination.csv"]
    with open(written[1], encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [["Destination", "Result", "MB/s"], ["/Volumes/RAID", "ok", "412.5"]]


# HTML


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.cells: list[str] = []
        self.row_classes: list[str | None] = []
        self.text: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "tr":
            self.row_classes.append(dict(attrs).get("class"))
        if tag == "td":
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_cell:
            self.cells[-1] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_html_escapes_every_name(tmp_path: Path) -> None:
    path = write_html(_report(_odd_rows()), tmp_path / "report.html")
    page = _parse(path)
    assert "script" not in page.tags  # the name is text, not a tag
    assert SCRIPT in page.cells and QUOTED in page.cells
    assert "caf\\xe9.mov" in page.cells  # undecodable bytes as \xNN, as in the CSV
    assert "new\\x0aline.mov" in page.cells  # a control character made visible, the name on one line
    assert "Ωμέγα/Привет/日本.mov" in page.cells
    assert "RK0001L9" in page.text and "PROBLEMS" in page.text


def test_html_marks_problem_rows_and_is_self_contained(tmp_path: Path) -> None:
    page = _parse(write_html(_report(_rows(20)), tmp_path / "report.html"))
    body_rows = [c for c in page.row_classes[3:]]  # after the summary's three rows and the header row
    assert body_rows[1 + 7] == "problem" and body_rows.count("problem") == 1
    assert "20 rows, 1 with problems" in page.text
    assert not {"script", "link", "img", "iframe"} & set(page.tags)
    assert not [value for name, value in page.attrs if name in ("src", "href")]
    assert "style" in page.tags


# PDF


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_has_pages_summary_and_the_damaged_file(tmp_path: Path) -> None:
    path = write_pdf(_report(_rows(300, damaged=frozenset({7, 250}))), tmp_path / "report.pdf")
    pages, text = _pdf_text(path)
    assert pages > 1
    assert "RK0001L9" in text and "2 DAMAGED" in text
    assert "A001/clip_000250.mov" in text and "300 rows, 2 with problems" in text


@pytest.mark.skipif(not DEJAVU, reason="DejaVu Sans is not installed (fonts-dejavu-core)")
def test_pdf_shows_greek_and_cyrillic_and_escapes_the_rest(tmp_path: Path) -> None:
    _, text = _pdf_text(write_pdf(_report(_odd_rows()), tmp_path / "report.pdf"))
    assert "Ωμέγα/Привет/" in text
    assert "\\u65e5\\u672c.mov" in text  # CJK: DejaVu Sans has no glyphs for it
    assert "caf\\xe9.mov" in text and SCRIPT in text


def test_pdf_without_dejavu_falls_back_to_helvetica(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdffile, "FONT_CANDIDATES", [(str(tmp_path / "no.ttf"), str(tmp_path / "no-bold.ttf"))])
    path = write_pdf(_report(_odd_rows()), tmp_path / "report.pdf")
    _, text = _pdf_text(path)
    assert "\\u03a9" in text  # Ω is not in the base-14 fonts' encoding: spelled out, not dropped
    fonts = pypdf.PdfReader(path).pages[0]["/Resources"]["/Font"].get_object().values()
    assert {font.get_object()["/BaseFont"] for font in fonts} == {"/Helvetica", "/Helvetica-Bold"}


def test_pdf_wraps_long_paths_and_cuts_giant_cells(tmp_path: Path) -> None:
    long_path = "/".join(f"folder{i:03d}" for i in range(60)) + "/clip.mov"
    no_spaces = "x" * 700
    giant = "y" * 20000  # taller than a page if it were not cut
    rows = [(long_path, 1, no_spaces, "ok"), (giant, 2, "aa", "DAMAGED"), ("after.mov", 3, "bb", "ok")]
    pages, text = _pdf_text(write_pdf(_report(rows), tmp_path / "report.pdf"))
    assert "folder000/" in text and "clip.mov" in text and "after.mov" in text
    assert "cut here" in text
    assert pages <= 3


def test_pdf_past_max_rows_lists_only_problems(tmp_path: Path) -> None:
    path = write_pdf(_report(_rows(400, damaged=frozenset({7, 350}))), tmp_path / "r.pdf", max_rows=100)
    _, text = _pdf_text(path)
    assert "A001/clip_000099.mov" in text and "A001/clip_000350.mov" in text
    assert "A001/clip_000200.mov" not in text
    assert "400 rows, 2 with problems; after the first 100 only the rows with problems" in text.replace("\n", " ")


# Rows, once; and failures


def test_a_generator_is_read_once_and_a_second_writer_is_refused(tmp_path: Path) -> None:
    starts = []

    def rows() -> Iterator[tuple[object, ...]]:
        starts.append(1)
        yield from _rows(10)

    generator = rows()
    report = _report(generator)
    write_csv(report, tmp_path / "r.csv")
    assert starts == [1] and next(generator, None) is None
    with pytest.raises(ReportError, match="already written once"):
        write_html(report, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_a_rows_function_serves_every_format(tmp_path: Path) -> None:
    report = _report(lambda: _rows(40))
    write_csv(report, tmp_path / "r.csv")
    write_html(report, tmp_path / "r.html")
    write_pdf(report, tmp_path / "r.pdf")
    assert "40 rows, 1 with problems" in _parse(tmp_path / "r.html").text
    assert "40 rows, 1 with problems" in _pdf_text(tmp_path / "r.pdf")[1]


@pytest.mark.parametrize("writer", [write_csv, write_html, write_pdf], ids=["csv", "html", "pdf"])
def test_a_failure_mid_write_leaves_no_report(tmp_path: Path, writer: object) -> None:
    def rows() -> Iterator[tuple[object, ...]]:
        yield from _rows(500)
        raise OSError("the catalog went away")

    (tmp_path / "other.txt").write_text("mine")
    with pytest.raises(OSError, match="catalog went away"):
        writer(_report(rows()), tmp_path / "report.out")  # type: ignore[operator]
    assert _leftovers(tmp_path) == ["other.txt"]  # no report, no partial


@pytest.mark.parametrize("writer", [write_csv, write_html, write_pdf], ids=["csv", "html", "pdf"])
def test_a_row_of_the_wrong_length_is_an_error(tmp_path: Path, writer: object) -> None:
    with pytest.raises(ReportError, match="row 2: 2 values for 4 columns"):
        writer(_report([("a.mov", 1, "aa", "ok"), ("b.mov", 2)]), tmp_path / "report.out")  # type: ignore[operator]
    assert _leftovers(tmp_path) == []


def test_an_existing_report_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old")
    assert write_html(_report(_rows(3)), path) == path
    assert "clip_000002" in path.read_text(encoding="utf-8")
    assert _leftovers(tmp_path) == ["report.html"]


def test_a_missing_folder_is_made(tmp_path: Path) -> None:
    assert write_pdf(_report(_rows(3)), tmp_path / "reports" / "tape" / "r.pdf").is_file()


def test_display_text() -> None:
    assert display_text(12345) == "12,345"
    assert display_text(None) == ""
    assert display_text(True) == "True"
    assert display_text(os.fsdecode(b"\xff\tx")) == "\\xff\\x09x"
