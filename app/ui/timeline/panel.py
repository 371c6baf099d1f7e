"""TimelinePanel: the painted record timeline above the events table, with Play Sequence, Relink… and
Extract…; selecting an event cues the player on its source."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog.catalog import Catalog
from app.core.timecode import format_rate
from app.farm.submit import TitledExtract, edl_extracts
from app.interchange.edl_extract import EdlBatchResult
from app.interchange.sequence import has_video
from app.services.farm import FarmService
from app.services.settings import Settings
from app.services.timeline import TimelineService
from app.ui.timeline.dialogs import ExtractDialog, RelinkDialog
from app.ui.timeline.table_model import COL_CLIP, COL_REASON, COL_REEL, COL_STATUS, TimelineTableModel
from app.ui.timeline.view import TimelineView
from app.ui.widgets.empty_state import EmptyState

DEST_KEY = "timeline/extract_dest"
EMPTY_HINT = "Open an EDL with File → Open Timeline… (Ctrl+E), or drop one onto the window."


class TimelinePanel(QWidget):
    open_requested = Signal()
    message = Signal(str)
    player_wanted = Signal()  # an event was activated: bring the player forward

    def __init__(self, timeline: TimelineService, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.settings = settings
        self.relink_dialog: RelinkDialog | None = None
        self.extract_dialog: ExtractDialog | None = None
        self.last_result: EdlBatchResult | None = None
        self.farm: FarmService | None = None  # Run on the farm (the window sets it when it has a farm service)
        self._syncing = False

        self.view = TimelineView(timeline, self)
        self.model = TimelineTableModel(timeline, self)
        self.table = self._make_table()
        self.table.setMinimumHeight(48)  # a header and a row: the dock fits under the player on a 720 px screen
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.empty = EmptyState(None, "No timeline open", EMPTY_HINT, "Open Timeline…", self)
        self.empty.action_clicked.connect(self.open_requested)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setContentsMargins(8, 2, 8, 2)
        self.result.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self._make_bar())
        layout.addWidget(self.result)
        layout.addWidget(self.stack, 1)

        self.view.selection_changed.connect(self._on_view_selection)
        self.view.event_clicked.connect(self.show_event)
        self.view.event_activated.connect(self.activate_event)
        self.view.playhead_requested.connect(timeline.seek_record)
        self.view.play_toggled.connect(self.toggle_sequence)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.table.activated.connect(lambda index: self.activate_event(self.model.event_at(index.row())))
        timeline.timeline_changed.connect(self._on_timeline)
        timeline.loading_changed.connect(self._on_loading)
        timeline.sequence_changed.connect(self._on_sequence)
        timeline.current_event_changed.connect(self._on_current)
        timeline.extract_finished.connect(self._on_extracted)
        timeline.message.connect(self.message)
        self._on_timeline()

    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        return table

    def _make_bar(self) -> QHBoxLayout:
        style = self.style()
        self.open_button = QToolButton(self)
        self.open_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.open_button.setToolTip("Open a timeline file (Ctrl+E)")
        self.open_button.clicked.connect(self.open_requested)
        self.title = QLabel(self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long file name is cut, not allowed to hold the window wider than the screen (the tooltip has it)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(60)
        self.play_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Play Sequence", self)
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the matched video events in record order from the playhead (Space in "
                                    "the timeline)")
        self.play_button.toggled.connect(self._on_play_button)
        self.relink_button = QPushButton("Relink…", self)
        self.relink_button.setToolTip("Link the selected event to a cataloged file by hand")
        self.relink_button.clicked.connect(self.relink_selected)
        self.extract_button = QPushButton("Extract…", self)
        self.extract_button.setToolTip("Extract the selected (or all matched) video events with handles")
        self.extract_button.clicked.connect(self.open_extract_dialog)
        self.fit_button = QToolButton(self)
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Show the whole timeline (Ctrl+wheel zooms, + and − too)")
        self.fit_button.clicked.connect(self.view.zoom_to_fit)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.addWidget(self.open_button)
        bar.addWidget(self.title, 1)
        for widget in (self.play_button, self.relink_button, self.extract_button, self.fit_button):
            bar.addWidget(widget)
        return bar

    # ---- selection
    def selected_events(self) -> list[int]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return sorted(i for i in (self.model.event_at(r) for r in rows) if i >= 0)

    def select_events(self, indexes: list[int]) -> None:
        """Select events in the table and the view (no cueing of the player)."""
        self._syncing = True
        try:
            selection = QItemSelection()
            for index in indexes:
                row = self.model.row_of_event(index)
                selection.select(self.model.index(row, 0), self.model.index(row, self.model.columnCount() - 1))
            self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if indexes:
                self.table.scrollTo(self.model.index(self.model.row_of_event(indexes[0]), 0))
            self.view.set_selection(indexes)
        finally:
            self._syncing = False
        self._update_actions()

    def _on_view_selection(self, indexes: list[int]) -> None:
        self.select_events(indexes)

    def _on_table_selection(self) -> None:
        if self._syncing:
            return
        indexes = self.selected_events()
        self.view.set_selection(indexes)
        self._update_actions()
        current = self.model.event_at(self.table.currentIndex().row())
        if current in indexes:
            self.show_event(current)

    def show_event(self, index: int) -> None:
        """Cue the player on an event's source (source in, marks on the event)."""
        if index >= 0:
            self.timeline.show_event(index)

    def activate_event(self, index: int) -> None:
        if index >= 0 and self.timeline.show_event(index):
            self.player_wanted.emit()

    # ---- state from the service
    def _on_timeline(self) -> None:
        doc = self.timeline.doc
        self.stack.setCurrentWidget(self.splitter if doc is not None else self.empty)
        if doc is None:
            self.title.setText("")
        else:
            kind = "DF" if doc.drop_frame else "NDF"
            parts = [f"<b>{self.timeline.path.name if self.timeline.path else ''}</b>", doc.title or "",
                     f"{format_rate(doc.rate)} fps {kind}",
                     f"{len(doc.events)} events: {self.timeline.status_counts()}"]
            if doc.errors:
                parts.append(f"<span style='color:#d04a4a'>{len(doc.errors)} line error(s)</span>")
            self.title.setText(" · ".join(p for p in parts if p))
            self.title.setToolTip(str(self.timeline.path or ""))
            self._size_columns()
            total = sum(self.splitter.sizes())
            if total > 0:  # every track in view, the table takes the rest (at least 40%)
                wanted = min(self.view.wanted_height(), int(total * 0.6))
                self.splitter.setSizes([wanted, total - wanted])
        self._update_actions()

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column, limit in ((COL_REEL, 180), (COL_CLIP, 240), (COL_STATUS, 260), (COL_REASON, 360)):
            header.resizeSection(column, min(header.sectionSize(column), limit))  # long names elide, not widen

    def _on_loading(self, loading: bool) -> None:
        if loading:
            self.empty.set_title("Reading the timeline…")
            self.message.emit("Reading the timeline…")
        else:
            self.empty.set_title("No timeline open")

    def _on_sequence(self, playing: bool) -> None:
        self.play_button.blockSignals(True)
        self.play_button.setChecked(playing)
        self.play_button.setText("Stop" if playing else "Play Sequence")
        self.play_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaStop if playing else QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.blockSignals(False)

    def _on_current(self, index: int) -> None:
        if index >= 0 and self.timeline.sequence_playing:
            self.table.scrollTo(self.model.index(self.model.row_of_event(index), 0))

    def _update_actions(self) -> None:
        loaded = self.timeline.doc is not None
        selected = self.selected_events()
        self.play_button.setEnabled(loaded and bool(self.timeline.segments))
        self.relink_button.setEnabled(len(selected) == 1)
        self.extract_button.setEnabled(loaded)
        self.fit_button.setEnabled(loaded)

    # ---- commands
    def toggle_sequence(self) -> None:
        self.play_button.setChecked(not self.play_button.isChecked())

    def _on_play_button(self, checked: bool) -> None:
        if checked:
            if not self.timeline.play_sequence():
                self._on_sequence(False)
        else:
            self.timeline.stop_sequence()

    def relink_selected(self) -> RelinkDialog | None:
        """Open the relink dialog for the one selected event; the choice relinks it."""
        selected = self.selected_events()
        if len(selected) != 1:
            return None
        index = selected[0]
        event, match = self.timeline.events[index], self.timeline.matches[index]
        heading = (f"Event {event.number:03d}, reel {event.reel}" + (f", clip {event.name}" if event.name else "")
                   + f" — {match.status}: {match.reason}")
        dialog = RelinkDialog(self.timeline.catalog, heading, list(match.candidates), self)
        dialog.accepted.connect(lambda: self._relink(index, dialog.chosen()))
        self.relink_dialog = dialog
        dialog.open()
        return dialog

    def _relink(self, index: int, media_id: int | None) -> None:
        if media_id is not None and self.timeline.relink(index, media_id):
            self.select_events([index])
            self.message.emit(f"Event {self.timeline.events[index].number:03d} relinked to "
                              f"{self.timeline.media_name(media_id)}")
            self.show_event(index)

    def open_extract_dialog(self) -> ExtractDialog | None:
        """Ask for the extraction options; accepting starts the job."""
        if self.timeline.doc is None:
            return None
        matched = sum(1 for e, m in zip(self.timeline.events, self.timeline.matches, strict=True)
                      if m.status == "matched" and has_video(e))
        farm = self.farm
        dialog = ExtractDialog(len(self.selected_events()), matched, self._default_dest(), self,
                               farm_available=farm is not None and farm.available,
                               farm_reason=farm.reason if farm is not None else "This window has no farm queue")
        dialog.accepted.connect(lambda: self._extract(dialog))
        self.extract_dialog = dialog
        dialog.open()
        return dialog

    def _default_dest(self) -> str:
        saved = self.settings.value(DEST_KEY, "") if self.settings is not None else ""
        if saved:
            return str(saved)
        base = self.timeline.path.parent if self.timeline.path else Path.home()
        return os.path.join(str(base), "extracts")

    def _extract(self, dialog: ExtractDialog) -> None:
        options = dialog.options()
        if self.settings is not None:
            self.settings.set_value(DEST_KEY, options["dest"])
        only = self.selected_events() if options["selected_only"] else None
        if options["farm"] and self.farm is not None:
            self._extract_on_farm(options, only)
            return
        job = self.timeline.extract(Path(options["dest"]), options["handles"], options["mode"], options["preset"],
                                    only, options["name_pattern"])
        if job is not None:
            self.message.emit("Extracting… (progress in Jobs)")

    def _extract_on_farm(self, options: dict, only: list[int] | None) -> int | None:
        """Each event a farm job (planned from the catalog on the catalog lane); the submitting job's id."""
        doc, matches, path = self.timeline.doc, list(self.timeline.matches), self.timeline.path
        if doc is None or path is None or self.farm is None:
            return None

        def build(catalog: Catalog) -> list[TitledExtract]:
            return edl_extracts(catalog, doc, matches, path.name, options["dest"], options["handles"],
                                options["mode"], options["preset"], options["name_pattern"], only)

        job = self.farm.submit_extracts(build)
        if job is not None:
            self.message.emit("Sending the events to the farm… (progress in Jobs)")
        return job

    def _on_extracted(self, result: EdlBatchResult) -> None:
        self.last_result = result
        failures = result.extract.failures
        lines = [f"Extract: {result.summary()}; conformed EDL: {result.conformed_text}"]
        lines += [f"skipped: {reason}" for reason in result.skipped[:5]]
        lines += [f"error: {f.path}: {f.message}" for f in failures[:5]]
        more = len(result.skipped) + len(failures) - 10
        if more > 0:
            lines.append(f"… and {more} more (see the tooltip)")
        self.result.setText("\n".join(lines))
        self.result.setToolTip("\n".join([f"skipped: {r}" for r in result.skipped]
                                         + [f"error: {f.path}: {f.message}" for f in failures]
                                         + [f"warning: {w}" for w in result.extract.warnings]))
        self.result.show()
        self.message.emit(f"Extract: {result.summary()}")
