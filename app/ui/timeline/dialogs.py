"""The Timeline panel's dialogs: relink an event to a cataloged file by hand, and batch extraction options."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.core.extract_plan import EDL_PATTERN, ExtractError, check_name_pattern
from app.ingest.extract import MODES
from app.media.extract import PRESETS

MAX_LISTED = 500  # relink candidates listed at once; typing narrows the list
MEDIA_ID_ROLE = Qt.ItemDataRole.UserRole + 1
MODE_LABELS = {"smart": "Smart (frame-exact; copies whole GOPs, re-encodes the ends)",
               "reencode": "Re-encode (frame-exact)", "copy": "Copy (keyframe-aligned)"}
PRESET_LABELS = {"prores_hq": "ProRes 422 HQ (.mov)", "dnxhr_hq": "DNxHR HQ (.mov)", "h264": "H.264 (.mp4)",
                 "h264_mov": "H.264 (.mov)"}


class RelinkDialog(QDialog):
    """Pick the cataloged video file an event plays: conform's candidates first, then any video by name."""

    def __init__(self, catalog: Catalog, title: str, candidates: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.candidates = candidates
        self.setWindowTitle("Relink Event")
        self.resize(560, 420)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter cataloged videos by name…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Relink")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        heading = QLabel(title, self)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.refill)
        self.list.currentItemChanged.connect(lambda *_: self.ok_button.setEnabled(self.chosen() is not None))
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.refill()

    def refill(self) -> None:
        text = self.search.text().strip()
        ids = self.catalog.query_ids(LibraryFilter(text=text, kinds=frozenset({"video"}), status="ok"))[:MAX_LISTED]
        ordered = [i for i in self.candidates if i in ids or not text] + [i for i in ids if i not in self.candidates]
        rows = {r["id"]: r for r in self.catalog.rows(ordered)}
        self.list.clear()
        for media_id in ordered:
            row = rows.get(media_id)
            if row is None:
                continue
            rate = f"{row['fps_num'] / row['fps_den']:.3f}".rstrip("0").rstrip(".") if row["fps_den"] else "?"
            mark = "★ candidate  " if media_id in self.candidates else ""
            item = QListWidgetItem(f"{mark}{row['name']}    {row['start_tc'] or 'no TC'} · {rate} fps")
            item.setToolTip(row["path"])
            item.setData(MEDIA_ID_ROLE, media_id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.ok_button.setEnabled(self.chosen() is not None)

    def chosen(self) -> int | None:
        """The media id picked (None when nothing is)."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(MEDIA_ID_ROLE))

    def choose(self, media_id: int) -> None:
        """Select a file in the list (tests and callers that know the file)."""
        for row in range(self.list.count()):
            if self.list.item(row).data(MEDIA_ID_ROLE) == media_id:
                self.list.setCurrentRow(row)
                return


class ExtractDialog(QDialog):
    """Which events, where to, with how many handles, in which mode and preset."""

    def __init__(self, selected: int, matched: int, dest: str, parent: QWidget | None = None,
                 farm_available: bool = False, farm_reason: str = "This window has no farm queue") -> None:
        super().__init__(parent)
        self.setWindowTitle("Extract Events")
        self.selected_radio = QRadioButton(f"Selected events ({selected})", self)
        self.all_radio = QRadioButton(f"All matched video events ({matched})", self)
        self.selected_radio.setEnabled(selected > 0)
        (self.selected_radio if selected > 0 else self.all_radio).setChecked(True)
        scope = QButtonGroup(self)
        scope.addButton(self.selected_radio)
        scope.addButton(self.all_radio)
        self.dest = QLineEdit(dest, self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(browse)
        self.handles = QSpinBox(self)
        self.handles.setRange(0, 10000)
        self.handles.setSuffix(" frames")
        self.mode = QComboBox(self)
        for mode in MODES:
            self.mode.addItem(MODE_LABELS.get(mode, mode), mode)
        self.preset = QComboBox(self)
        for preset in PRESETS:
            self.preset.addItem(PRESET_LABELS.get(preset, preset), preset)
        # smart mode re-encodes with the preset what it cannot copy (other codecs, containers)
        self.mode.currentIndexChanged.connect(lambda _i: self.preset.setEnabled(self.mode.currentData() != "copy"))
        self.name_pattern = QLineEdit(EDL_PATTERN, self)
        self.name_pattern.setToolTip("Fields: {event}, {reel}, {clip}, {track}, {in_tc}; {event:03d} pads to 3 digits")
        form = QFormLayout()
        form.addRow("Events:", self.selected_radio)
        form.addRow("", self.all_radio)
        form.addRow("Folder:", dest_row)
        form.addRow("Handles:", self.handles)
        form.addRow("Mode:", self.mode)
        form.addRow("Preset:", self.preset)
        form.addRow("File names:", self.name_pattern)
        # The farm: one job per event for `reelkeep worker` processes, the folder on storage they all see.
        self.on_farm = QCheckBox("Run on the farm (one job per event, on other machines; no conformed EDL)", self)
        self.on_farm.setEnabled(farm_available)
        self.on_farm.setToolTip("The folder must be on shared storage every worker sees" if farm_available
                                else farm_reason)
        form.addRow("Where:", self.on_farm)
        note = QLabel("Files are named by the pattern (a name two events share gets _2, _3…); "
                      "NAME_conformed.edl is written beside them.", self)
        note.setWordWrap(True)
        note.setEnabled(False)
        self.on_farm.toggled.connect(lambda on: note.setText(
            "Files are named by the pattern (a name two events share gets _2, _3…); each event is a farm job "
            "(progress in Jobs), and no conformed EDL is written." if on else
            "Files are named by the pattern (a name two events share gets _2, _3…); "
            "NAME_conformed.edl is written beside them."))
        self.on_farm.toggled.connect(lambda on: buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Send to Farm" if on else "Extract"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Extract")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #d04a4a")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Extract To", self.dest.text())
        if folder:
            self.dest.setText(folder)

    def _accept(self) -> None:
        dest = self.dest.text().strip()
        if not dest:
            self.problem.setText("Choose a folder for the extracted files.")
        elif os.path.exists(dest) and not os.path.isdir(dest):
            self.problem.setText(f"{dest} is a file, not a folder.")
        elif self._pattern_problem():
            self.problem.setText(self._pattern_problem())
        else:
            self.accept()
            return
        self.problem.show()

    def _pattern_problem(self) -> str:
        try:
            check_name_pattern(self.name_pattern.text())
        except ExtractError as exc:
            return str(exc)
        return ""

    def options(self) -> dict:
        """dest, handles, mode, preset, whether only the selected events go, and whether the farm makes them."""
        return {"dest": self.dest.text().strip(), "handles": self.handles.value(),
                "mode": self.mode.currentData(), "preset": self.preset.currentData(),
                "selected_only": self.selected_radio.isChecked(), "name_pattern": self.name_pattern.text(),
                "farm": self.on_farm.isEnabled() and self.on_farm.isChecked()}
