"""The Archive panel in the real main window, as an archivist uses it: drop an archive folder, see its branches,
history and the files of a version with their posters, switch branches, compare two versions, play a file (the
player shows the exact frame, read from the painted pixels, with the clip's timecode; the embedded proxy shows the
same frame) and add a file to the library where it is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.ui.archive.files_model import COL_PATH
from app.ui.main_window import MainWindow
from tests.archive_oracles import commit, create_archive
from tests.media import make_clip
from tests.qt.test_ui_library import drop_paths
from tests.qt.test_ui_player import shown_index


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    source = tmp_path / "project"
    (source / "A001").mkdir(parents=True)
    make_clip(source / "A001" / "A001C003.mov", rate="25", frames=40, start_tc="01:00:00:00")
    (source / "notes.txt").write_text("day 1\n", encoding="utf-8")
    path = tmp_path / "Project Archive"
    create_archive(source, path, proxies=("thumbnail",), message="day 1 originals")
    grade = tmp_path / "grade"
    grade.mkdir()
    make_clip(grade / "A001C003_grade.mov", rate="25", frames=30, start_tc="01:00:00:00", audio=False)
    from app.versioning.branches import create_branch

    create_branch(path, "color-grade-v2", description="second grading pass")
    commit(path, [grade / "A001C003_grade.mov"], branch="color-grade-v2", to="GRADE", message="graded plate")
    return path


def rows(window: MainWindow) -> list[str]:
    model = window.archive_panel.model
    return [model.index(r, COL_PATH).data() for r in range(model.rowCount())]


def history(window: MainWindow) -> list[str]:
    lines = window.archive_panel.history
    return [lines.item(r).text().split()[0] for r in range(lines.count())]


def test_archive_panel_browse_switch_branch_diff_play_and_add(qtbot, window: MainWindow, archive: Path) -> None:
    panel = window.archive_panel
    assert panel.stack.currentIndex() == 0  # the empty state, with its hint, until an archive is open
    drop_paths(window, [archive])
    assert window.drop_hint.text() == "Drop to open the archive"
    qtbot.waitUntil(lambda: panel.snapshot is not None and rows(window) == ["A001/A001C003.mov", "notes.txt"],
                    timeout=30000)
    assert window.ctx.catalog.count() == 0  # browsed, not scanned into the library
    assert window.archive_dock.isVisible()
    assert panel.current_branch() == "main" and history(window) == ["v1"]
    branches = [panel.branches.item(r).text() for r in range(panel.branches.count())]
    assert branches == ["main  → v1", "color-grade-v2  → v2"]
    qtbot.waitUntil(lambda: 0 in panel.model.posters, timeout=30000)  # the embedded poster, decoded off-thread
    assert not panel.model.posters[0].isNull()

    # switch branches: the history and the files follow, and Changes shows what the branch added
    panel.select_branch("color-grade-v2")
    assert history(window) == ["v2", "v1"]
    qtbot.waitUntil(lambda: rows(window) == ["A001/A001C003.mov", "GRADE/A001C003_grade.mov", "notes.txt"],
                    timeout=30000)
    tree = panel.diff_tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1 and tree.topLevelItem(0).text(0) != "Comparing…",
                    timeout=30000)
    added = tree.topLevelItem(0)
    assert added.text(0) == "Added (1)" and added.child(0).text(1) == "GRADE/A001C003_grade.mov"

    # play the original from the archive folder: exact frames, its own timecode, the embedded proxy offered
    panel.select_branch("main")
    qtbot.waitUntil(lambda: rows(window) == ["A001/A001C003.mov", "notes.txt"], timeout=30000)
    panel.files.selectRow(0)
    panel.play_selected()
    player = window.ctx.player
    entry = panel.model.entry(0)
    assert player.clip is not None and player.clip.path == entry.location
    assert str(archive) in entry.location and player.clip.media_id is None
    assert player.proxy_presets() == ["thumbnail"]
    player.set_source_mode("original")
    player.seek_frame(17)
    label = window.player_panel.transport.timecode_label
    qtbot.waitUntil(lambda: not player.seeking and player._target is None and shown_index(window) == 17
                    and label.text() == "01:00:00:17", timeout=30000)
    player.set_source_mode("thumbnail")  # the proxy stored in the archive: same frame on screen
    qtbot.waitUntil(lambda: player.source is not None and player.source.preset == "thumbnail"
                    and player._target is None and shown_index(window) == 17, timeout=30000)
    assert str(archive) in player.source.path

    # add to the library: cataloged where it is stored (no copy), with its archive location and proxy
    files_before = sorted(p for p in archive.rglob("*") if p.is_file())
    panel.files.selectRow(0)
    panel.add_selected()
    catalog = window.ctx.catalog
    qtbot.waitUntil(lambda: catalog.count() == 1 and bool(catalog.info(catalog.query_ids()[0])["archive"])
                    and bool(catalog.proxies(catalog.query_ids()[0])), timeout=30000)
    info = catalog.info(catalog.query_ids()[0])
    assert info["path"] == entry.location
    assert info["archive"] == {"archive": str(archive), "archive_id": panel.snapshot.archive_id, "version": "v1",
                               "logical_path": "A001/A001C003.mov"}
    assert [p["preset"] for p in info["proxies"]] == ["thumbnail"]
    assert str(archive) in info["proxies"][0]["path"]
    assert sorted(p for p in archive.rglob("*") if p.is_file()) == files_before  # nothing written into it


def test_a_folder_that_is_not_an_archive_is_told(qtbot, window: MainWindow, tmp_path: Path) -> None:
    folder = tmp_path / "not an archive"
    folder.mkdir()
    (folder / "0=ocfl_object_1.1").write_text("ocfl_object_1.1\n")  # looks like one, has no inventory
    errors: list[str] = []
    window.ctx.archive.failed.connect(errors.append)
    window.open_archive(str(folder))
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    assert "Cannot open" in errors[0] and str(folder) in errors[0]
    assert window.archive_panel.stack.currentIndex() == 0
    shutil.rmtree(folder)


def test_a_zip_export_plays_in_place_through_slice_urls(qtbot, window: MainWindow, archive: Path,
                                                       tmp_path: Path) -> None:
    from app.archive.zip_export import ExportZipJob
    from app.core.job import JobContext, execute

    outcome = execute(ExportZipJob(archive, tmp_path / "export.zip", "color-grade-v2"), JobContext())
    assert outcome.ok, outcome.message
    zip_path = outcome.value.path
    panel = window.archive_panel
    drop_paths(window, [zip_path])
    assert window.drop_hint.text() == "Drop to open the archive"
    qtbot.waitUntil(lambda: rows(window) == ["A001/A001C003.mov", "GRADE/A001C003_grade.mov", "notes.txt"],
                    timeout=30000)
    assert history(window) == ["v2"] and panel.current_branch() == "color-grade-v2"
    qtbot.waitUntil(lambda: 0 in panel.model.posters, timeout=30000)  # decoded through FFmpeg's subfile URL
    panel.files.selectRow(0)
    panel.play_selected()
    player = window.ctx.player
    assert player.clip is not None and player.clip.path.startswith("slice://") and str(zip_path) in player.clip.path
    assert player.clip.decode_path.startswith("subfile,,start,")
    player.set_source_mode("original")
    label = window.player_panel.transport.timecode_label
    for frame in (23, 4):
        player.seek_frame(frame)
        qtbot.waitUntil(lambda f=frame: not player.seeking and player._target is None and shown_index(window) == f
                        and label.text() == f"01:00:00:{f:02d}", timeout=30000)
    player.step(-1)  # a step back uses frames decoded by PyAV from the same member
    qtbot.waitUntil(lambda: shown_index(window) == 3 and player.frame == 3, timeout=30000)
    player.set_source_mode("thumbnail")  # the embedded proxy, a slice of the same ZIP
    qtbot.waitUntil(lambda: player.source is not None and player.source.path.startswith("slice://")
                    and player._target is None and shown_index(window) == 3, timeout=30000)
    errors: list[str] = []
    window.ctx.archive.failed.connect(errors.append)
    panel.add_selected()
    assert errors and "import the ZIP as an archive first" in errors[0]


def test_a_compressed_zip_member_is_named_unpacked_on_request_and_its_copy_plays(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    """A ZIP from another tool, deflated and without Reelkeep's metadata: the member is marked compressed, playing it
    offers to unpack it, and the copy plays frame-exact with the rate and TC probed from it."""
    import zipfile

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    clip = make_clip(tmp_path / "B002C001.mov", rate="24", frames=30, start_tc="02:00:00:00", audio=False)
    zip_path = tmp_path / "from the lab.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(clip, "day2/B002C001.mov")
    panel = window.archive_panel
    drop_paths(window, [zip_path])
    qtbot.waitUntil(lambda: rows(window) == ["day2/B002C001.mov"], timeout=30000)
    kind = panel.model.index(0, 1).data()
    assert kind == "video (compressed)"
    assert "compressed (deflate)" in panel.model.index(0, COL_PATH).data(Qt.ItemDataRole.ToolTipRole)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    unpack_to = tmp_path / "unpacked"
    unpack_to.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(unpack_to))
    panel.files.selectRow(0)
    panel.play_selected()
    assert asked and "cannot play in place" in asked[0]
    player = window.ctx.player
    copy = unpack_to / "day2" / "B002C001.mov"
    qtbot.waitUntil(lambda: player.clip is not None and player.clip.path == str(copy), timeout=30000)
    assert copy.read_bytes() == clip.read_bytes()
    assert player.clip.rate == 24 and player.clip.start_frame == 2 * 3600 * 24  # probed, not the 25 fps default
    label = window.player_panel.transport.timecode_label
    player.seek_frame(17)
    qtbot.waitUntil(lambda: not player.seeking and player._target is None and shown_index(window) == 17
                    and label.text() == "02:00:00:17", timeout=30000)
