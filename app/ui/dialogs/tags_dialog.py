"""Tag several files at once: tags to add (with completion), tags to take off."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)


def split_tags(text: str) -> list[str]:
    """'a, b,, c ' -> ['a', 'b', 'c'] (order kept, duplicates dropped)."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


class TagsDialog(QDialog):
    """Checked tags stay; unchecking removes a tag from every selected file; new ones are added to all."""

    def __init__(self, file_count: int, present: list[tuple[str, int]], known: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tags")
        self.setMinimumWidth(420)
        noun = "file" if file_count == 1 else "files"
        heading = QLabel(f"Tags of <b>{file_count:,}</b> selected {noun}", self)
        self.add_edit = QLineEdit(self)
        self.add_edit.setPlaceholderText("new tags, separated by commas")
        completer = QCompleter(known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_edit.setCompleter(completer)
        self.present = QListWidget(self)
        self.present.setAlternatingRowColors(True)
        for name, count in present:
            suffix = "" if count == file_count else f"  ({count:,} of {file_count:,})"
            item = QListWidgetItem(name + suffix, self.present)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setData(Qt.ItemDataRole.UserRole + 1, count == file_count)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            if count == file_count:
                item.setCheckState(Qt.CheckState.Checked)
            else:
                # Some files have it: leave as is, tick to give it to all, untick to take it off all.
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserTristate)
                item.setCheckState(Qt.CheckState.PartiallyChecked)
        self.present.setVisible(bool(present))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(heading)
        form.addRow("Add:", self.add_edit)
        if present:
            form.addRow("Current:", self.present)
            hint = QLabel("Untick a tag to take it off the selected files; tick a partly used one to "
                          "give it to all of them.", self)
            hint.setWordWrap(True)
            hint.setEnabled(False)
            form.addRow("", hint)
        form.addRow(buttons)

    def _items(self) -> list[QListWidgetItem]:
        return [self.present.item(i) for i in range(self.present.count())]

    def tags_to_add(self) -> list[str]:
        """Typed tags, and partly present ones ticked to go on every file."""
        completed = [i.data(Qt.ItemDataRole.UserRole) for i in self._items()
                     if i.checkState() == Qt.CheckState.Checked and not i.data(Qt.ItemDataRole.UserRole + 1)]
        return split_tags(", ".join([self.add_edit.text(), *completed]))

    def tags_to_remove(self) -> list[str]:
        """Tags unticked: taken off every selected file."""
        return [i.data(Qt.ItemDataRole.UserRole) for i in self._items() if i.checkState() == Qt.CheckState.Unchecked]
