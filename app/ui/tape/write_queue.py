"""The write queue: folders waiting to go onto tape, where they go — appended to a cataloged tape, or planned onto
a new tape set spanning as many cartridges as needed, in one or two copies (A/B) — and the plan drawn per tape."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.tape import NEW_SET, TapeService
from app.ui.library.format import size_text
from app.ui.tape.plan_bar import PlanBar
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.icons import ERROR_COLOR
from app.ui.widgets.wrap_row import WrapRow

NEW_SET_TEXT = "New tape set"
APPEND_CAPTION = "Plan per tape — grey: on it now, blue: this queue, red: does not fit"
SET_CAPTION = "Plan per cartridge — blue: copy A, green: copy B, hatched end: its last file goes on to the next tape"


class WriteQueuePage(QWidget):
    """The queue's tab: target, plan options, queued folders, the plan bars and the buttons."""

    add_requested = Signal()

    def __init__(self, service: TapeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.bars: list[PlanBar] = []
        self.target = QComboBox(self)
        self.target.setObjectName("tapeWriteTarget")
        self.target.setToolTip("New tape set: planned across as many cartridges as the queue needs; or a "
                               "cataloged tape the queue is appended to")
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target.setMinimumContentsLength(len(NEW_SET_TEXT))  # the window's minimum width at 720p leaves the panel little room
        self.target.activated.connect(lambda _i: service.set_queue_target(self.target.currentData()))
        self.options = self._make_options()
        self.folders = QListWidget(self)
        self.folders.setObjectName("tapeWriteQueue")
        self.folders.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.folders.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.folders.setMinimumHeight(36)
        self.folders.itemSelectionChanged.connect(self._update_buttons)
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.folders,
                               context=Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.remove_selected)
        self.note = ElidedLabel("", self)
        self.note.setEnabled(False)
        self.add_button = QPushButton("Add Folder…", self)
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Take the selected folders out of the queue (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.write_button = QPushButton("Write", self)
        self.write_button.setObjectName("tapeWriteStart")
        self.write_button.clicked.connect(self.start)

        self.plan_caption = QLabel("", self)
        self.plan_caption.setEnabled(False)
        self.bars_box = QWidget(self)
        self.plans = QVBoxLayout(self.bars_box)
        self.plans.setContentsMargins(0, 0, 0, 0)
        self.plans.setSpacing(3)
        self.plans.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.bars_box)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setMinimumHeight(36)
        self.error = QLabel("", self)
        self.error.setObjectName("tapePlanError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(f"color: {ERROR_COLOR}")

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
        layout.addWidget(self.options)
        layout.addWidget(self.folders, 1)
        layout.addWidget(self.plan_caption)
        layout.addWidget(self.scroll, 3)  # the bars get the room: a set may be many cartridges
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        service.queue_changed.connect(self.refresh)
        service.tapes_changed.connect(self.refresh)
        self.refresh()

    def _make_options(self) -> QWidget:
        service = self.service
        box, more = QWidget(self), QWidget(self)
        self.generation = QComboBox(box)
        self.generation.setObjectName("tapePlanGeneration")
        for name, key in (("LTO-9", "LTO9"), ("LTO-8", "LTO8")):
            self.generation.addItem(name, key)
        self.generation.activated.connect(lambda _i: service.set_plan_options(generation=self.generation.currentData()))
        self.copies = QComboBox(box)
        self.copies.setObjectName("tapePlanCopies")
        self.copies.addItem("1 copy", 1)
        self.copies.addItem("2 copies (A/B)", 2)
        self.copies.setToolTip("Two copies: a second set (B) with the same files on its own cartridges, to keep "
                               "elsewhere")
        self.copies.activated.connect(lambda _i: service.set_plan_options(copies=self.copies.currentData()))
        self.first_barcode = QLineEdit(box)
        self.first_barcode.setObjectName("tapePlanBarcode")
        self.first_barcode.setToolTip("The first cartridge's barcode; the others count up from it (copy B after "
                                      "copy A). Empty: the next one after the cataloged tapes")
        self.first_barcode.setMaximumWidth(self.fontMetrics().horizontalAdvance("RK0000L9") + 40)
        self.first_barcode.editingFinished.connect(
            lambda: service.set_plan_options(barcode_start=self.first_barcode.text().strip().upper()))
        self.split = QCheckBox("Split files across tapes", more)
        self.split.setObjectName("tapePlanSplit")
        self.split.setToolTip("A file larger than the space left is split into parts on consecutive cartridges; "
                              "off: it moves whole to the next one (a file larger than a cartridge cannot be planned)")
        self.split.toggled.connect(lambda on: service.set_plan_options(split=on))
        self.with_proxies = QCheckBox("Library proxies and posters", more)
        self.with_proxies.setObjectName("tapePlanProxies")
        self.with_proxies.setToolTip("The proxies and posters the catalog knows of each library file go with it, "
                                     "under .reelkeep/ on the tape")
        self.with_proxies.toggled.connect(lambda on: service.set_plan_options(with_proxies=on))
        self.plan_button = QPushButton("Plan", more)
        self.plan_button.setObjectName("tapePlanNow")
        self.plan_button.setToolTip("Plan the queue now (it is planned again by itself when it changes)")
        self.plan_button.clicked.connect(service.plan_queue)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Generation", self.generation), ("Copies", self.copies),
                              ("First barcode", self.first_barcode)):
            row.addWidget(QLabel(label, box))
            row.addWidget(widget)
            row.addSpacing(6)
        row.addStretch(1)
        second = QHBoxLayout(more)
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.split)
        second.addWidget(self.with_proxies)
        second.addStretch(1)
        second.addWidget(self.plan_button)
        # two parts that stack when the tab is narrow: the dock shares the bottom with the other panels
        return WrapRow([box, more], self)

    def _show_options(self) -> None:
        options = self.service.plan_options
        for widget in (self.generation, self.copies, self.split, self.with_proxies):
            widget.blockSignals(True)
        self.generation.setCurrentIndex(max(0, self.generation.findData(options.generation)))
        self.copies.setCurrentIndex(max(0, self.copies.findData(options.copies)))
        self.split.setChecked(options.split)
        self.with_proxies.setChecked(options.with_proxies)
        self.with_proxies.setVisible(any(q.library for q in self.service.queue))
        for widget in (self.generation, self.copies, self.split, self.with_proxies):
            widget.blockSignals(False)
        if not self.first_barcode.hasFocus():
            self.first_barcode.setText(options.barcode_start)
        self.first_barcode.setPlaceholderText(self.service.next_barcode())

    def refresh(self) -> None:
        service = self.service
        new_set = service.queue_target == NEW_SET
        self.target.clear()
        self.target.addItem(NEW_SET_TEXT, NEW_SET)
        for tape in service.tapes:
            self.target.addItem(tape["barcode"], tape["barcode"])
        self.target.setCurrentIndex(self.target.findData(service.queue_target)
                                    if service.queue_target is not None else -1)
        self.options.setVisible(new_set and bool(service.queue))  # room for them only when there is a queue
        self._show_options()
        self.folders.clear()
        for queued in service.queue:
            ids = f": {len(queued.library):,} files" if queued.library else ""
            if queued.problem:
                text = f"{queued.path} — {queued.problem}"
            elif queued.size is None:
                text = f"{queued.path}{ids} — measuring…"
            elif queued.library:
                text = f"{queued.path}: {queued.size.files:,} files, {size_text(queued.size.bytes)}"
            else:
                text = f"{queued.path} — {queued.size.files:,} files, {size_text(queued.size.bytes)}"
            item = QListWidgetItem(text)
            item.setToolTip(text)
            if queued.problem:
                item.setForeground(QColor(ERROR_COLOR))
            self.folders.addItem(item)
        for bar in self.bars:
            self.plans.removeWidget(bar)
            bar.hide()  # at once: deleteLater waits for the event loop
            bar.deleteLater()
        self.bars = [PlanBar(plan, self.bars_box) for plan in service.write_plan()]
        for n, bar in enumerate(self.bars):
            self.plans.insertWidget(n, bar)
        self.plan_caption.setText(SET_CAPTION if new_set else APPEND_CAPTION)
        self.plan_caption.setVisible(bool(self.bars))
        self.scroll.setVisible(bool(self.bars))  # no room taken while there is no plan: the dock is short at 720p
        self.error.setText(service.plan_error if new_set else "")
        self.error.setVisible(bool(self.error.text()))
        self.note.setText(self._note())
        self.write_button.setToolTip(self._write_tip())
        self._update_buttons()

    def _note(self) -> str:
        service = self.service
        if not service.queue:
            return "Add folders with Write Folders… (library files: Write to Tape… in the library)"
        if service.queue_target is None:
            return "Choose where to write"
        if service.queue_target != NEW_SET:
            return ("A library selection is written onto a new tape set (it is planned)"
                    if any(q.library for q in service.queue) else "")
        if service.planning:
            return "Planning…"
        planned = service.queue_plan
        if planned is None:
            return ""
        plan = planned.plan
        return (f"Tape set {plan.tape_set}: {len(plan.tapes)} cartridge(s) per copy × {plan.copies} = "
                f"{len(plan.tapes) * plan.copies}; spanned parts: {sum(t.spanned for t in plan.tapes)}")

    def _write_tip(self) -> str:
        if self.service.queue_target == NEW_SET:
            return ("Write the plan: every cartridge of every copy in turn, at the cartridge device "
                    f"({self.service.device_pattern}); blank simulated cartridges are made and formatted")
        return "Write the queued folders onto the target tape as one new index generation"

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.folders.selectedItems()))
        fits = all(not plan.overflow for plan in self.service.write_plan())
        self.write_button.setEnabled(self.service.queue_ready() and fits)
        self.plan_button.setEnabled(self.service.queue_measured())

    def remove_selected(self) -> None:
        rows = [self.folders.row(item) for item in self.folders.selectedItems()]
        if rows:
            self.service.unqueue(rows)

    def start(self) -> None:
        if self.write_button.isEnabled():
            self.service.write_queue()
