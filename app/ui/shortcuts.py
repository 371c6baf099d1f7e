"""Help → Keyboard Shortcuts: a list read from the window's own actions, so it cannot drift from them."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.player.keys import PLAYER_KEYS

Row = tuple[str, str, str]  # section, command, keys


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty())


def _menu_rows(menu: QMenu, section: str, seen: set[int]) -> list[Row]:
    rows: list[Row] = []
    for action in menu.actions():
        if action.menu() is not None:
            rows += _menu_rows(action.menu(), section, seen)
        elif action.shortcuts() and not action.isSeparator():
            seen.add(id(action))
            rows.append((section, _plain(action.text()), _keys(action)))
    return rows


def shortcut_rows(window: QMainWindow, extra: dict[str, list[QAction]] | None = None) -> list[Row]:
    """Every command with a key: the menus' actions (by menu), then `extra` actions by section (those that
    live on a panel, not in a menu), then the player's keys."""
    seen: set[int] = set()
    rows: list[Row] = []
    for action in window.menuBar().actions():
        if action.menu() is not None:
            rows += _menu_rows(action.menu(), _plain(action.text()), seen)
    for section, actions in (extra or {}).items():
        rows += [(section, _plain(a.text()), _keys(a)) for a in actions if a.shortcuts() and id(a) not in seen]
    for keys, text in PLAYER_KEYS:
        native = ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        rows.append(("Player", text, native))
    return rows


class ShortcutsDialog(QDialog):
    """Sections with their commands and keys; the box above filters by command or key."""

    def __init__(self, rows: list[Row], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by command or key")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Command", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        sections: dict[str, QTreeWidgetItem] = {}
        for section, command, keys in rows:
            parent_item = sections.get(section)
            if parent_item is None:
                parent_item = sections[section] = QTreeWidgetItem(self.tree, [section])
                font = parent_item.font(0)
                font.setBold(True)
                parent_item.setFont(0, font)
                parent_item.setFirstColumnSpanned(True)
            QTreeWidgetItem(parent_item, [command, keys])
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def rows_shown(self) -> list[tuple[str, str]]:
        """(command, keys) of the rows not filtered out."""
        shown = []
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            for j in range(section.childCount()):
                item = section.child(j)
                if not item.isHidden():
                    shown.append((item.text(0), item.text(1)))
        return shown

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            visible = 0
            for j in range(section.childCount()):
                item = section.child(j)
                hit = not needle or needle in item.text(0).casefold() or needle in item.text(1).casefold()
                item.setHidden(not hit)
                visible += hit
            section.setHidden(visible == 0)
