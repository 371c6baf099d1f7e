"""LibraryGridView: the library as tiles, on the same model and selection as the table.

A wrapping list of uniform items: Qt places tile n by arithmetic and paints only the tiles on screen,
so 100,000 files cost no more than a screenful. The tiles on screen are handed to the thumbnail
service to be made first, and the one under the pointer plays its preview.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

from app.services.thumbnails import ThumbnailService
from app.ui.library.columns import Col
from app.ui.library.grid_delegate import POSTER, GridDelegate
from app.ui.library.posters import PosterCache
from app.ui.library.preview_player import HoverPreview
from app.ui.library.table_model import MEDIA_ID_ROLE, LibraryTableModel

LAYOUT_BATCH = 4096  # tiles placed per layout step: big libraries appear at once and fill in
VISIBLE_DEBOUNCE_MS = 60  # scrolling reports the tiles on screen at most this often


class LibraryGridView(QListView):
    """Tiles in reading order; keys, selection, drag and double-click behave as in the table."""

    type_ahead = Signal(str)  # text typed here belongs in the search box

    def __init__(self, model: LibraryTableModel, thumbnails: ThumbnailService | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.posters = PosterCache(thumbnails, POSTER, self)
        self.preview = HoverPreview(thumbnails, POSTER, self)
        self.tile_delegate = GridDelegate(self.posters, self.preview, self)
        self.setItemDelegate(self.tile_delegate)
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(LAYOUT_BATCH)
        self.setGridSize(self.tile_delegate.tile)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)  # rows, as the table selects
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(self.tile_delegate.tile.height() // 3)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setModel(model)
        self.setModelColumn(Col.NAME)

        self._visible_timer = QTimer(self)  # only hands ids to the thumbnail service
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(VISIBLE_DEBOUNCE_MS)
        self._visible_timer.timeout.connect(self._report_visible)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self._visible_timer.start)
        self.posters.loaded.connect(self._update_ids)
        self.preview.frame_changed.connect(lambda media_id: self._update_ids([media_id]))
        if thumbnails is not None:
            thumbnails.thumbnails_ready.connect(self._update_ids)

    def library_model(self) -> LibraryTableModel:
        """The model, typed."""
        model = self.model()
        assert isinstance(model, LibraryTableModel)
        return model

    def tile_rect(self, media_id: int) -> QRect | None:
        """Where media_id's tile is in the viewport, if it is shown."""
        row = self.library_model().row_for_id(media_id)
        return None if row is None else self.visualRect(self.library_model().index(row, Col.NAME))

    def visible_ids(self) -> list[int]:
        """Media ids of the tiles on screen, in reading order (one probe per grid cell, not per row)."""
        cell, area = self.gridSize(), self.viewport().rect()
        if self.model() is None or not self.isVisible() or cell.isEmpty():
            return []
        ys = [*range(1, area.height(), cell.height()), area.height() - 2]
        xs = range(cell.width() // 2, area.width(), cell.width())
        seen: dict[int, None] = {}
        for y in ys:
            for x in xs:
                index = self.indexAt(QPoint(x, y))
                if index.isValid():
                    seen[int(index.data(MEDIA_ID_ROLE))] = None
        rows = self.library_model()
        return sorted(seen, key=lambda media_id: rows.row_for_id(media_id) or 0)

    def _report_visible(self) -> None:
        if self.thumbnails is not None and self.isVisible():
            ids = self.visible_ids()
            if ids:
                self.thumbnails.prioritise(ids)

    def _update_ids(self, ids: list[int]) -> None:
        for media_id in ids:
            rect = self.tile_rect(media_id)
            if rect is not None and rect.intersects(self.viewport().rect()):
                self.viewport().update(rect)

    def _fit_cells(self) -> None:
        """Share the width left over by whole tiles among the columns, so rows end flush with the view."""
        tile, width = self.tile_delegate.tile, self._layout_width() - 1
        cell = QSize(max(tile.width(), width // max(1, width // tile.width())), tile.height())
        if cell != self.tile_delegate.cell:
            self.tile_delegate.cell = cell
            self.setGridSize(cell)

    def _layout_width(self) -> int:
        # QListView lays rows out as if its scroll bar were shown, so that it never blinks on and off.
        width, style, bar = self.maximumViewportSize().width(), self.style(), self.verticalScrollBar()
        if (self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded
                and not style.pixelMetric(QStyle.PixelMetric.PM_ScrollView_ScrollBarOverlap, None, bar)):
            width -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, bar)
            if style.styleHint(QStyle.StyleHint.SH_ScrollView_FrameOnlyAroundContents, None, self):
                width -= 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, self)
        return width

    # ---- Qt overrides
    def keyboardSearch(self, search: str) -> None:
        # Qt's type-ahead would read every row's text; the catalog's search is instant.
        if search.strip():
            self.type_ahead.emit(search)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.preview.hover(None)  # the tile under the pointer moved away
        self._visible_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_cells()
        self._visible_timer.start()

    def showEvent(self, event: QEvent) -> None:
        super().showEvent(event)
        self._visible_timer.start()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        index = self.indexAt(event.position().toPoint())
        self.preview.hover(int(index.data(MEDIA_ID_ROLE)) if index.isValid() else None)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.preview.hover(None)
        return super().viewportEvent(event)

    def hideEvent(self, event: QEvent) -> None:
        super().hideEvent(event)
        self.preview.hover(None)
