"""This machine's root mapping in the Settings dialog: rows of catalog path / this machine, saved in the settings when
every row is usable (a malformed one says why and keeps what was saved), taken by the catalog at the next start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.bootstrap import build_context
from app.core.root_map import RootMap
from app.services.settings import Settings
from app.ui.dialogs.settings_dialog import SettingsDialog


def test_the_mapping_table_saves_usable_rows_and_the_next_start_maps(qtbot, tmp_path: Path) -> None:
    settings_file = str(tmp_path / "settings.ini")
    raid, other = tmp_path / "raid", tmp_path / "other"
    (raid / "Show").mkdir(parents=True)
    other.mkdir()
    first = build_context(tmp_path / "catalog.sqlite", settings_file, watch=False)
    try:
        dialog = SettingsDialog(first.library, None, settings_file, settings=first.settings)
        qtbot.addWidget(dialog)
        table = dialog.root_map_table
        assert table is not None and table.rowCount() == 0
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.root_map_note.geometry().top() > table.geometry().bottom()  # nothing drawn over the table
        assert [table.horizontalHeaderItem(c).text() for c in (0, 1)] == ["Catalog path", "This machine"]

        qtbot.mouseClick(dialog.add_mapping_button, Qt.MouseButton.LeftButton)
        table.item(0, 0).setText("/Volumes/RAID")  # half a row: not saved, and it says why
        assert "is empty" in dialog.root_map_problem and dialog.root_map_note.text().startswith("Not saved:")
        assert first.settings.root_map() == RootMap()
        table.item(0, 1).setText(str(raid))
        assert first.settings.root_map() == RootMap([("/Volumes/RAID", str(raid))])
        assert dialog.root_map_problem == "" and "this machine's settings" in dialog.root_map_note.text()

        qtbot.mouseClick(dialog.add_mapping_button, Qt.MouseButton.LeftButton)
        table.item(1, 0).setText("Volumes/Other")
        dialog.choose_folder = lambda: str(other)  # the folder picker
        table.selectRow(1)
        qtbot.mouseClick(dialog.choose_mapping_button, Qt.MouseButton.LeftButton)
        assert table.item(1, 1).text() == str(other)
        assert "not an absolute path" in dialog.root_map_note.text()
        assert first.settings.root_map() == RootMap([("/Volumes/RAID", str(raid))])  # the saved one is kept
        table.item(1, 0).setText("/Volumes/Other")
        assert first.settings.root_map() == RootMap([("/Volumes/RAID", str(raid)), ("/Volumes/Other", str(other))])
        table.selectRow(1)
        qtbot.mouseClick(dialog.remove_mapping_button, Qt.MouseButton.LeftButton)
        assert table.rowCount() == 1
        assert first.settings.root_map() == RootMap([("/Volumes/RAID", str(raid))])
        assert first.catalog.root_map == RootMap()  # taken at the next start, not under running jobs
    finally:
        first.shutdown()
    assert Settings(settings_file).root_map() == RootMap([("/Volumes/RAID", str(raid))])

    second = build_context(tmp_path / "catalog.sqlite", settings_file, watch=False)
    try:
        assert second.catalog.root_map == RootMap([("/Volumes/RAID", str(raid))])
        root = second.catalog.add_root(raid / "Show")
        stored = second.catalog.db.execute_sql("SELECT path FROM library_root").fetchall()
        assert stored == [("/Volumes/RAID/Show",)]  # a folder under a mapped prefix: the catalog's form
        dialog = SettingsDialog(second.library, None, settings_file, settings=second.settings)
        qtbot.addWidget(dialog)
        assert [(dialog.roots.item(0).text(), dialog.roots.item(0).data(Qt.ItemDataRole.UserRole))] == [
            (str(raid / "Show"), root)]
        assert [(dialog.root_map_table.item(0, c).text()) for c in (0, 1)] == ["/Volumes/RAID", str(raid)]
    finally:
        second.shutdown()
