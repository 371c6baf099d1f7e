"""Yes/no questions asked before anything is forgotten."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget | None, title: str, text: str, action: str = "Remove") -> bool:
    """A question with a named action button and Cancel (the default, so Enter is safe)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    first, _, rest = text.partition("\n\n")
    box.setText(first)
    box.setInformativeText(rest)
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes
