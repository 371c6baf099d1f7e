"""The Table / Grid choice: two actions (View menu, Ctrl+1 / Ctrl+2) and the buttons in the filter bar."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

TABLE, GRID = "table", "grid"
MODES = (TABLE, GRID)


@cache
def mode_icon(mode: str) -> QIcon:
    """Three lines for the table, four squares for the grid, in the palette's text colour."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(QApplication.palette().windowText().color()))
    if mode == TABLE:
        for y in (7, 14.5, 22):
            painter.drawRoundedRect(QRectF(4, y, 24, 3.5), 1.5, 1.5)
    else:
        for x in (5, 17.5):
            for y in (5, 17.5):
                painter.drawRoundedRect(QRectF(x, y, 9.5, 9.5), 2, 2)
    painter.end()
    return QIcon(pixmap)


class ViewSwitch(QObject):
    """Which view shows the library; mode_changed tells the panel (and the settings) when it changes."""

    mode_changed = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        self._shown = TABLE
        for number, (mode, title) in enumerate(((TABLE, "&Table"), (GRID, "&Grid")), start=1):
            action = QAction(mode_icon(mode), title, parent)
            action.setCheckable(True)
            action.setChecked(mode == TABLE)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"Show the library as a {mode} ({keys})")
            action.setStatusTip(f"Show the library as a {mode}")
            action.triggered.connect(lambda _=False, m=mode: self.set_mode(m))
            self.group.addAction(action)
            self.actions[mode] = action
        self.table_action, self.grid_action = self.actions[TABLE], self.actions[GRID]

    @property
    def mode(self) -> str:
        """'table' or 'grid'."""
        return GRID if self.grid_action.isChecked() else TABLE

    def set_mode(self, mode: str) -> None:
        """Show the table or the grid (anything else: the table)."""
        mode = mode if mode in MODES else TABLE
        changed, self._shown = mode != self._shown, mode
        self.actions[mode].setChecked(True)
        if changed:
            self.mode_changed.emit(mode)

    def buttons(self, parent: QWidget) -> list[QToolButton]:
        """One flat button per action, for the filter bar."""
        made = []
        for action in self.actions.values():
            button = QToolButton(parent)
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            made.append(button)
        return made
