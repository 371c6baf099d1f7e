"""One cartridge of the write plan as a bar: for the tape the queue is appended to, what is on it (grey), what the
queue adds (blue, red where it does not fit) and what stays free; for a cartridge of a new tape set, its fill, with
a hatched end when its last file goes on onto the next cartridge."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.services.tape import PlannedTape
from app.ui.library.format import size_text
from app.ui.widgets.icons import ERROR_COLOR

USED_COLOR, PLANNED_COLOR, COPY_B_COLOR = QColor("#8a8a8a"), QColor("#3d7dd8"), QColor("#2e9a68")
SPAN_WIDTH = 14  # px of hatching at the end of a bar whose last file continues on the next cartridge


def fill_percent(plan: PlannedTape) -> int:
    return round(100 * plan.planned / plan.capacity) if plan.capacity else 0


def plan_text(plan: PlannedTape) -> str:
    if plan.copy:
        parts = f" · {plan.spanned} spanned part{'s' if plan.spanned != 1 else ''}" if plan.spanned else ""
        onward = " → continues on the next tape" if plan.continues else ""
        return (f"{plan.barcode} · copy {plan.copy} · tape {plan.number}: {plan.files:,} files{parts} · "
                f"{size_text(plan.planned)} · {fill_percent(plan)}% full{onward}")
    if plan.capacity is None:
        return f"{plan.barcode}: +{size_text(plan.planned)} (capacity unknown)"
    if plan.overflow:
        return (f"{plan.barcode}: {size_text(plan.overflow)} more than its {size_text(plan.free)} free — remove "
                "folders, or write to a new tape set to span cartridges")
    return (f"{plan.barcode}: {size_text(plan.used)} on it + {size_text(plan.planned)} planned · "
            f"{size_text((plan.free or 0) - plan.planned)} free after")


class PlanBar(QWidget):
    def __init__(self, plan: PlannedTape, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(plan_text(plan))

    def sizeHint(self) -> QSize:
        return QSize(200, self.fontMetrics().height() + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        plan = self.plan
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        palette = self.palette()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(box, 4, 4)
        capacity = plan.capacity or max(1, plan.used + plan.planned)
        scale = box.width() / max(capacity, plan.used + plan.planned)
        used = plan.used * scale
        fits = min(plan.planned, plan.free if plan.free is not None else plan.planned) * scale
        planned_color = COPY_B_COLOR if plan.copy == "B" else PLANNED_COLOR
        painter.setPen(Qt.PenStyle.NoPen)
        for x, width, color in ((box.x(), used, USED_COLOR), (box.x() + used, fits, planned_color),
                                (box.x() + used + fits, plan.overflow * scale, QColor(ERROR_COLOR))):
            if width > 0:
                fill = QColor(color)
                fill.setAlpha(150)
                painter.setBrush(fill)
                painter.drawRoundedRect(QRectF(x, box.y(), max(width, 2.0), box.height()), 4, 4)
        if plan.continues:
            end = box.x() + used + fits
            painter.setBrush(QBrush(palette.color(QPalette.ColorRole.Text), Qt.BrushStyle.BDiagPattern))
            painter.drawRect(QRectF(max(box.x(), end - SPAN_WIDTH), box.y(), min(SPAN_WIDTH, end - box.x()),
                                    box.height()))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text = self.fontMetrics().elidedText(plan_text(plan), Qt.TextElideMode.ElideRight, int(box.width()) - 12)
        painter.drawText(box.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         text)
