"""The write queue: folders waiting to go onto a tape, the target tape, and the plan drawn per tape as a bar (what
is on the cartridge, what the queue adds, what stays free, and what does not fit)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.tape import PlannedTape, TapeService
from app.ui.library.format import size_text
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.icons import ERROR_COLOR

USED_COLOR, PLANNED_COLOR = QColor("#8a8a8a"), QColor("#3d7dd8")


def plan_text(plan: PlannedTape) -> str:
    if plan.capacity is None:
        return f"{plan.barcode}: +{size_text(plan.planned)} (capacity unknown)"
    if plan.overflow:
        return (f"{plan.barcode}: {size_text(plan.overflow)} more than its {size_text(plan.free)} free — remove "
                "folders (spanning onto further cartridges comes with the tape plan)")
    return (f"{plan.barcode}: {size_text(plan.used)} on it + {size_text(plan.planned)} planned · "
            f"{size_text((plan.free or 0) - plan.planned)} free after")


class PlanBar(QWidget):
    """One cartridge of the plan: used (grey), planned (blue, red where it does not fit), free (empty)."""

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
        painter.setPen(Qt.PenStyle.NoPen)
        for x, width, color in ((box.x(), used, USED_COLOR), (box.x() + used, fits, PLANNED_COLOR),
                                (box.x() + used + fits, plan.overflow * scale, QColor(ERROR_COLOR))):
            if width > 0:
                fill = QColor(color)
                fill.setAlpha(150)
                painter.setBrush(fill)
                painter.drawRoundedRect(QRectF(x, box.y(), max(width, 2.0), box.height()), 4, 4)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text = self.fontMetrics().elidedText(plan_text(plan), Qt.TextElideMode.ElideRight, int(box.width()) - 12)
        painter.drawText(box.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         text)


class WriteQueuePage(QWidget):
    """The queue's tab: target tape, queued folders, the plan bars and the buttons."""

    add_requested = Signal()

    def __init__(self, service: TapeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.target = QComboBox(self)
        self.target.setObjectName("tapeWriteTarget")
        self.target.setToolTip("The cartridge the queued folders are written to")
        self.target.activated.connect(lambda _i: service.set_queue_target(self.target.currentData()))
        self.folders = QListWidget(self)
        self.folders.setObjectName("tapeWriteQueue")
        self.folders.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.folders.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.folders.setMinimumHeight(36)
        self.folders.itemSelectionChanged.connect(self._update_buttons)
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.folders,
                               context=Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.remove_selected)
        self.plans = QVBoxLayout()
        self.plans.setSpacing(3)
        self.note = ElidedLabel("", self)
        self.note.setEnabled(False)
        self.add_button = QPushButton("Add Folder…", self)
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Take the selected folders out of the queue (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.write_button = QPushButton("Write", self)
        self.write_button.setObjectName("tapeWriteStart")
        self.write_button.setToolTip("Write the queued folders onto the target tape as one new index generation")
        self.write_button.clicked.connect(self.start)

        top = QHBoxLayout()
        top.addWidget(QLabel("Write to"))
        top.addWidget(self.target)
        top.addWidget(self.note, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.write_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.folders, 1)
        self.plan_caption = QLabel("Plan per tape — grey: on it now, blue: this queue, red: does not fit", self)
        self.plan_caption.setEnabled(False)
        layout.addWidget(self.plan_caption)
        layout.addLayout(self.plans)
        layout.addLayout(buttons)
        service.queue_changed.connect(self.refresh)
        service.tapes_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        service = self.service
        self.target.clear()
        for tape in service.tapes:
            self.target.addItem(tape["barcode"], tape["barcode"])
        if service.queue_target is not None:
            self.target.setCurrentIndex(self.target.findData(service.queue_target))
        else:
            self.target.setCurrentIndex(-1)
        self.folders.clear()
        for queued in service.queue:
            if queued.problem:
                text = f"{queued.path} — {queued.problem}"
            elif queued.size is None:
                text = f"{queued.path} — measuring…"
            else:
                text = f"{queued.path} — {queued.size.files:,} files, {size_text(queued.size.bytes)}"
            item = QListWidgetItem(text)
            item.setToolTip(text)
            if queued.problem:
                item.setForeground(QColor(ERROR_COLOR))
            self.folders.addItem(item)
        while self.plans.count():
            widget = self.plans.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.bars = [PlanBar(plan, self) for plan in service.write_plan()]
        for bar in self.bars:
            self.plans.addWidget(bar)
        self.plan_caption.setVisible(bool(self.bars))
        if not service.queue:
            self.note.setText("Add folders with Write Folders…; they are written together as one generation")
        elif service.queue_target is None:
            self.note.setText("Choose the tape to write to")
        else:
            self.note.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.folders.selectedItems()))
        fits = all(not plan.overflow for plan in self.service.write_plan())
        self.write_button.setEnabled(self.service.queue_ready() and fits)

    def remove_selected(self) -> None:
        rows = [self.folders.row(item) for item in self.folders.selectedItems()]
        if rows:
            self.service.unqueue(rows)

    def start(self) -> None:
        if self.write_button.isEnabled():
            self.service.write_queue()
