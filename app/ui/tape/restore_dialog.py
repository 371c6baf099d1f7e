"""The restore plan, shown before anything is read: the cartridges to load in order, what comes from each, the
files that span cartridges and anything that cannot be restored; Restore starts the job."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.tape.recall import RecallPlan
from app.ui.library.format import count_text, size_text
from app.ui.widgets.icons import ERROR_COLOR

SHOWN_PATHS = 200  # per tape: a plan of 100,000 files lists its first ones, the counts say the rest


class RestorePlanDialog(QDialog):
    def __init__(self, plan: RecallPlan, dest: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan, self.dest = plan, dest
        self.setWindowTitle("Restore from Tape")
        loads = len(plan.visits) + len({p["barcode"] for parts in plan.spanned for p in parts
                                        if p["barcode"] not in {v.barcode for v in plan.visits}})
        summary = self.summary = QLabel(f"<b>{count_text(plan.files, 'file')}, {size_text(plan.bytes)}</b> from "
                         f"{count_text(loads, 'tape')} into <b>{dest}</b>. Load the tapes in this order; each file "
                         "is checked against its xxh128 before it is kept, and nothing is overwritten.", self)
        summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("tapeRestorePlan")
        self.tree.setHeaderLabels(["Step", "Files", "Size"])
        for step, visit in enumerate(plan.visits, start=1):
            item = QTreeWidgetItem(self.tree, [f"{step}. Load {visit.barcode}", f"{len(visit.paths):,}",
                                               size_text(visit.bytes)])
            for path in visit.paths[:SHOWN_PATHS]:
                QTreeWidgetItem(item, [path, "", ""])
            if len(visit.paths) > SHOWN_PATHS:
                QTreeWidgetItem(item, [f"… and {len(visit.paths) - SHOWN_PATHS:,} more", "", ""])
        for parts in plan.spanned:
            tapes = " → ".join(p["barcode"] for p in parts)
            QTreeWidgetItem(self.tree, [f"Spanning {tapes}: {parts[0]['path']}", "1",
                                        size_text(parts[0]["span_length"])])
        if plan.folders:
            QTreeWidgetItem(self.tree, [f"{count_text(len(plan.folders), 'folder')} made on disk, no tape needed",
                                        "", ""])
        for path, why in plan.missing:
            item = QTreeWidgetItem(self.tree, [f"Cannot restore {path}: {why}", "", ""])
            item.setForeground(0, QColor(ERROR_COLOR))
            item.setToolTip(0, why)
        for step in range(self.tree.topLevelItemCount()):
            for column in (1, 2):
                self.tree.topLevelItem(step).setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        if plan.visits:
            self.tree.topLevelItem(0).setExpanded(True)  # the first tape's files: what is about to be read
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(plan.files > 0 or bool(plan.folders))
        self.restore_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def steps(self) -> list[str]:
        """The top-level lines, as shown (tests and the screenshot read them)."""
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())]
