"""PDF reports through reportlab's platypus, landscape A4, rows laid out a page at a time.

A table's rows are pulled from their iterator only as far as the current page needs (_RowStream), so layout
objects never exist for more than about one page. reportlab keeps every finished page in memory until the file
is saved, though (see MAX_ROWS).

Text uses DejaVu Sans when it is installed (Debian: fonts-dejavu-core; it covers Latin, Greek and Cyrillic),
else Arial on Windows and macOS, else the built-in Helvetica (Latin-1 only). A character the font lacks (CJK,
emoji) is shown as a `\\uXXXX` escape rather than an empty box, so the name stays exact; the HTML and CSV
reports carry it as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as RLTable

from app.core.report.model import Report, Row, Status, Table, display_text, is_number
from app.core.report.output import PartialOutputs

# (regular, bold) pairs, first found wins.
FONT_CANDIDATES: list[tuple[str, str]] = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
]

# reportlab holds every finished page uncompressed (~20 KB) until it saves the file: 100,000 rows (~4,500 pages)
# take ~130 MB and half a minute. Past this many rows a PDF lists only the problem rows; nobody reads further.
MAX_ROWS = 100_000

PAGE = landscape(A4)
MARGIN = 12 * mm
SIZE, LEADING = 7.5, 9.2  # table text: about 30 rows a page
PAD_X, PAD_TOP, PAD_BOTTOM = 3.0, 1.5, 2.0
RED, RED_BACK, GREEN = colors.HexColor("#9b1c1c"), colors.HexColor("#fde8e8"), colors.HexColor("#17632a")
GREY, HEAD_BACK, ZEBRA = colors.HexColor("#555555"), colors.HexColor("#e6e6e6"), colors.HexColor("#f5f5f5")


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    known: frozenset[str] | None  # the characters the fonts draw; None: cp1252 (the base-14 fonts)

    def covers(self, char: str) -> bool:
        return char in self.known if self.known is not None else _cp1252(char)


@cache
def _fonts(candidates: tuple[tuple[str, str], ...]) -> _Fonts:
    for regular, bold in candidates:
        if os.path.isfile(regular) and os.path.isfile(bold):
            try:
                font = TTFont(f"RK-{Path(regular).stem}", regular)
                heavy = TTFont(f"RK-{Path(bold).stem}", bold)
            except Exception:  # noqa: BLE001 - an unreadable or odd font file: try the next one
                continue
            pdfmetrics.registerFont(font)
            pdfmetrics.registerFont(heavy)
            glyphs = frozenset(font.face.charToGlyph) & frozenset(heavy.face.charToGlyph)
            return _Fonts(font.fontName, heavy.fontName, frozenset(map(chr, glyphs)))
    # The base-14 fonts are drawn in WinAnsi (cp1252): anything else would print as a black box or nothing.
    return _Fonts("Helvetica", "Helvetica-Bold", None)


def _cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: object, fonts: _Fonts) -> str:
    text = display_text(value)
    if text.isascii() or (fonts.known is not None and fonts.known.issuperset(text)):
        return text
    return "".join(c if fonts.covers(c) else (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
                   for c in text)


# Text breaks at these (after them): path separators and the usual word breaks of file names.
_BREAKS = frozenset(" /\\_-")


class _Widths(dict):
    """Width of each character in one font at SIZE, measured once."""

    def __init__(self, font: str) -> None:
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> float:
        width = self[char] = pdfmetrics.stringWidth(char, self.font, SIZE)
        return width


@cache
def _widths(font: str) -> _Widths:
    return _Widths(font)


def _break_lines(text: str, room: float, widths: _Widths) -> list[str]:
    """Greedy line breaking: after a separator when the line has one, else in the middle of a long name (a
    digest, a path without spaces). Paragraph does this too, but measures every character of a long word again
    for every line: many times slower, which a million rows feel."""
    lines: list[str] = []
    start, used, cut = 0, 0.0, -1
    for index, char in enumerate(text):
        width = widths[char]
        if used + width > room and index > start:
            end = cut + 1 if cut >= start else index
            lines.append(text[start:end])
            start, cut = end, -1
            used = sum(widths[c] for c in text[start:index])
        used += width
        if char in _BREAKS:
            cut = index
    lines.append(text[start:])
    return lines


class _Styles:
    def __init__(self, fonts: _Fonts) -> None:
        self.fonts = fonts
        base = ParagraphStyle("body", fontName=fonts.regular, fontSize=9, leading=11.5)
        self.title = ParagraphStyle("title", base, fontName=fonts.bold, fontSize=16, leading=20, spaceAfter=2)
        self.subtitle = ParagraphStyle("subtitle", base, textColor=GREY, spaceAfter=6)
        self.label = ParagraphStyle("label", base, textColor=GREY)
        self.value = ParagraphStyle("value", base, fontName=fonts.bold)
        self.caption = ParagraphStyle("caption", base, fontName=fonts.bold, fontSize=11, leading=14,
                                      spaceBefore=10, spaceAfter=4)
        self.count = ParagraphStyle("count", base, textColor=GREY, spaceBefore=3)


@dataclass
class _Prepared:
    cells: list[str]  # lines joined by newlines: reportlab's Table draws each line of a string cell
    height: float
    problem: bool
    numbers: list[bool]


class _TableState:
    """What the pieces of one streamed table share: the row iterator, the rows pulled but not yet placed."""

    def __init__(self, table: Table, styles: _Styles, width: float, frame_height: float,
                 max_rows: int | None) -> None:
        weights = table.widths or [1.0] * len(table.columns)
        self.widths = [width * w / sum(weights) for w in weights]
        self.styles = styles
        self.max_lines = int(frame_height / 3 / LEADING)  # a longer cell is cut: a row must fit on a page
        self.rows: Iterator = table.iter_rows()
        self.buffer: list[_Prepared] = []
        self.done = False
        self.count = self.problems = 0
        self.max_rows = max_rows
        self.header = self._prepare([str(c) for c in table.columns], False, head=True)

    def _cell(self, text: str, width: float, font: str) -> str:
        lines = _break_lines(text, width - 2 * PAD_X, _widths(font))
        if len(lines) > self.max_lines:
            lines = lines[: self.max_lines - 1] + ["… (cut here: the CSV and HTML have it whole)"]
        return "\n".join(lines)

    def _prepare(self, row: Row, problem: bool, head: bool = False) -> _Prepared:
        fonts = self.styles.fonts
        font = fonts.bold if head or problem else fonts.regular
        cells = [self._cell(_shown(value, fonts), width, font) for value, width in zip(row, self.widths, strict=True)]
        lines = max(cell.count("\n") for cell in cells) + 1
        return _Prepared(cells, lines * LEADING + PAD_TOP + PAD_BOTTOM, problem, [is_number(v) for v in row])

    def fit(self, height: float) -> int:
        """How many rows fit under the header in height; pulls rows until one does not fit or none are left."""
        used, fitting = self.header.height, 0
        index = 0
        while True:
            if index == len(self.buffer):
                if self.done:
                    return fitting
                try:
                    row, problem = next(self.rows)
                except StopIteration:
                    self.done = True
                    return fitting
                self.count += 1
                self.problems += problem
                if self.max_rows is not None and self.count > self.max_rows and not problem:
                    continue  # counted, not listed
                self.buffer.append(self._prepare(row, problem))
            used += self.buffer[index].height
            if used > height:
                return fitting
            fitting += 1
            index += 1

    def take(self, n: int) -> RLTable:
        rows, self.buffer = self.buffer[:n], self.buffer[n:]
        fonts = self.styles.fonts
        style: list[tuple] = [
            ("FONT", (0, 0), (-1, -1), fonts.regular, SIZE, LEADING),
            ("FONT", (0, 0), (-1, 0), fonts.bold, SIZE, LEADING),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
            ("TOPPADDING", (0, 0), (-1, -1), PAD_TOP), ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_BOTTOM),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BACK),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, GREY), ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ]
        for number, row in enumerate(rows, 1):
            if row.problem:
                style += [("BACKGROUND", (0, number), (-1, number), RED_BACK),
                          ("TEXTCOLOR", (0, number), (-1, number), RED),
                          ("FONT", (0, number), (-1, number), fonts.bold, SIZE, LEADING)]
            elif number % 2 == 0:
                style.append(("BACKGROUND", (0, number), (-1, number), ZEBRA))
        for column in range(len(self.widths)):
            if rows and all(row.numbers[column] for row in rows):
                style.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
        data = [self.header.cells] + [row.cells for row in rows]
        heights = [self.header.height] + [row.height for row in rows]
        return RLTable(data, colWidths=self.widths, rowHeights=heights, style=style, hAlign="LEFT")


class _RowStream(Flowable):
    """The rows of one table not placed yet; split() hands the frame a page's worth as a reportlab Table and a
    fresh _RowStream for the rest (fresh, because platypus marks a flowable that once did not fit)."""

    def __init__(self, state: _TableState) -> None:
        super().__init__()
        self.state = state
        self._table: RLTable | None = None

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803 - reportlab's names
        fitting = self.state.fit(aH)
        if self.state.done and fitting == len(self.state.buffer):
            self._table = self.state.take(fitting)
            return self._table.wrap(aW, aH)
        return aW, aH + 1  # more than fits: the frame asks split() for this page's part

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803
        fitting = self.state.fit(aH)
        if not fitting:
            return []  # not even one row here: the next page
        return [self.state.take(fitting), _RowStream(self.state)]

    def draw(self) -> None:
        if self._table is not None:
            self._table.drawOn(self.canv, 0, 0)


class _Later(Flowable):
    """A paragraph whose text is known only when it is laid out (a row count after its table streamed)."""

    def __init__(self, make: Callable[[], Paragraph]) -> None:
        super().__init__()
        self.make = make
        self.para: Paragraph | None = None

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803
        self.para = self.para or self.make()
        return self.para.wrap(aW, aH)

    def getSpaceBefore(self) -> float:  # noqa: N802 - reportlab's name
        return self.para.getSpaceBefore() if self.para else 3

    def draw(self) -> None:
        assert self.para is not None
        self.para.drawOn(self.canv, 0, 0)


def _count_line(state: _TableState, styles: _Styles, with_problems: bool) -> Paragraph:
    text = f"{state.count:,} row{'' if state.count == 1 else 's'}"
    if with_problems:
        text += f", {state.problems:,} with problems"
    if state.max_rows is not None and state.count > state.max_rows:
        text += (f"; after the first {state.max_rows:,} only the rows with problems are listed "
                 "(the CSV and HTML reports list every row)")
    return Paragraph(escape(text), styles.count)


def _story(report: Report, styles: _Styles, width: float, height: float, max_rows: int | None) -> list[Flowable]:
    fonts = styles.fonts
    ok = report.status is Status.OK
    story: list[Flowable] = [Paragraph(escape(_shown(report.title, fonts)), styles.title)]
    if report.subtitle:
        story.append(Paragraph(escape(_shown(report.subtitle, fonts)), styles.subtitle))
    badge = RLTable([[report.status_text]], hAlign="LEFT", style=[
        ("FONT", (0, 0), (-1, -1), fonts.bold, 10), ("TEXTCOLOR", (0, 0), (-1, -1), GREEN if ok else RED),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e3f4e6") if ok else RED_BACK),
        ("BOX", (0, 0), (-1, -1), 0.8, GREEN if ok else RED)])
    story += [badge, Spacer(1, 6)]
    if report.summary:
        rows = [[Paragraph(escape(_shown(label, fonts)), styles.label),
                 Paragraph(escape(_shown(value, fonts)), styles.value)] for label, value in report.summary]
        story.append(RLTable(rows, colWidths=[width * 0.2, width * 0.8], hAlign="LEFT", style=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    for table in report.tables:
        state = _TableState(table, styles, width, height, max_rows)
        with_problems = table.is_problem is not None
        story += [Paragraph(escape(_shown(table.caption, fonts)), styles.caption), _RowStream(state),
                  _Later(lambda s=state, p=with_problems: _count_line(s, styles, p))]
    return story


def write_pdf(report: Report, path: Path, max_rows: int | None = MAX_ROWS) -> Path:
    """Write the report as a PDF at path (replacing it), complete or not at all; return path. Past max_rows
    rows of a table only its problem rows are listed (all are counted)."""
    styles = _Styles(_fonts(tuple(FONT_CANDIDATES)))
    footer = _shown(f"{report.title} — {report.subtitle}" if report.subtitle else report.title, styles.fonts)

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(styles.fonts.regular, 7)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN / 2, footer[:180])
        canvas.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, f"page {doc.page}")
        canvas.restoreState()

    with PartialOutputs() as out:
        part = out.add(Path(path))
        with open(part, "wb") as handle:
            doc = SimpleDocTemplate(handle, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                                    topMargin=MARGIN, bottomMargin=MARGIN, title=report.title,
                                    subject=report.subtitle, creator="Reelkeep", author="Reelkeep")
            # the frame's own 6 pt padding on each side is inside the margins
            story = _story(report, styles, doc.width - 12, doc.height - 12, max_rows)
            doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.written[0]
