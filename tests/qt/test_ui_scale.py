"""A 100,000-file catalog: the table model pages rows in and never holds more than a bounded cache."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.catalog.catalog import Catalog
from app.core.facts import FileState
from app.ui.library.columns import Col
from app.ui.library.panel import LibraryPanel
from app.ui.library.table_model import CACHE_LIMIT, MEDIA_ID_ROLE, LibraryTableModel

ROWS = 100_000
BATCH = 20_000


@pytest.fixture(scope="module")
def big_catalog_file(tmp_path_factory) -> tuple[Path, Path]:
    """100,000 synthetic entries written once through the catalog's own discovery insert (FTS included)."""
    folder = tmp_path_factory.mktemp("huge")
    root = folder / "clips"
    root.mkdir()
    catalog = Catalog(folder / "template.sqlite")
    root_id = catalog.add_root(root)
    started = time.perf_counter()
    states = [FileState(f"{root}/clip_{i:06d}.mov".encode(), 1_000 + i, 1_700_000_000.0) for i in range(ROWS)]
    for start in range(0, ROWS, BATCH):
        catalog.add_discovered(root_id, states[start : start + BATCH])
    built = time.perf_counter() - started
    assert catalog.count() == ROWS
    catalog.close()  # checkpoints the WAL, so the one file is the whole catalog
    assert built < 20, f"building the catalog took {built:.1f} s"
    return folder / "template.sqlite", root


@pytest.fixture
def big_library(request, tmp_path: Path, big_catalog_file):
    """A fresh copy of the big catalog under a live app context (each test may change its copy)."""
    template, _ = big_catalog_file
    shutil.copy(template, tmp_path / "catalog.sqlite")
    return request.getfixturevalue("app_context")


def test_model_pages_rows_of_a_huge_catalog(big_library) -> None:
    model = LibraryTableModel(big_library.library)
    assert model.rowCount() == ROWS
    assert model.cached_row_count() == 0  # nothing is read until a view asks
    assert model.index(ROWS - 1, Col.NAME).data() == "clip_099999.mov"
    assert model.cached_row_count() <= 256

    # Touch rows all over the table: the cache stays bounded.
    for row in range(0, ROWS, 97):
        assert model.index(row, Col.NAME).data() == f"clip_{row:06d}.mov"
        assert model.cached_row_count() <= CACHE_LIMIT
    assert model.cached_row_count() <= CACHE_LIMIT

    model.sort(Col.NAME, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == ROWS
    assert model.index(0, Col.NAME).data() == "clip_099999.mov"
    assert model.index(ROWS - 1, Col.NAME).data() == "clip_000000.mov"
    model.sort(Col.SIZE, Qt.SortOrder.AscendingOrder)
    assert model.index(1, Col.SIZE).data() == "1.0 kB"
    assert model.index(ROWS - 1, Col.NAME).data() == "clip_099999.mov"


def test_panel_stays_responsive_with_a_huge_catalog(qtbot, big_library) -> None:
    panel = LibraryPanel(big_library.library)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.view
    view.scrollToBottom()
    qtbot.waitUntil(lambda: view.rowAt(view.viewport().height() - 2) == ROWS - 1, timeout=3000)
    last = view.indexAt(view.viewport().rect().bottomLeft() - view.viewport().rect().topLeft())
    assert last.data(MEDIA_ID_ROLE) == panel.model.media_id(ROWS - 1)

    started = time.perf_counter()
    view.selectAll()
    assert len(panel.selected_ids()) == ROWS  # read from selection ranges, not 100,000 indexes
    assert time.perf_counter() - started < 2
    assert panel.model.cached_row_count() <= CACHE_LIMIT

    qtbot.keyClicks(panel.filter_bar.search, "clip_099998")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)
    assert panel.model.index(0, Col.NAME).data() == "clip_099998.mov"
