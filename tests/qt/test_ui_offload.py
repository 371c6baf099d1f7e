"""Drop a camera card on the window: the Offload dialog opens on it with the card detected, destinations are
added with a preview of where the card goes, Offload copies and verifies in the background, the result dialog
opens the report, and the first copy appears in the library. A full drive fails alone and says why."""

from __future__ import annotations

import os
from pathlib import Path

import xxhash
from PySide6.QtGui import QDesktopServices

from app.ingest.offload_model import FAILED, OK
from app.ui.dialogs import offload_dialog as dialog_module
from app.ui.main_window import MainWindow
from tests.media.clips import make_clip
from tests.qt.test_ui_library import drop_paths

WAIT = 60000


def canon_card(root: Path) -> Path:
    card = root / "CANON_A001"
    clips = card / "CONTENTS" / "CLIPS001"
    clips.mkdir(parents=True)
    for number in (1, 2):
        make_clip(clips / f"A001C00{number}_230415AB_CANON.MP4", rate="25", frames=25)
        (clips / f"A001C00{number}_230415AB_CANON.XML").write_text("<ClipMeta/>")
    return card


def pick_folders(monkeypatch, folders: list[Path]) -> None:
    chosen = iter(folders)
    monkeypatch.setattr(dialog_module.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(next(chosen)))


def test_a_dropped_card_is_offloaded_verified_reported_and_cataloged(qtbot, window: MainWindow, tmp_path: Path,
                                                                     monkeypatch) -> None:
    card = canon_card(tmp_path / "media")
    drop_paths(window, [card])
    assert window.drop_hint.text() == "Drop to offload the card"
    dialog = window.offload_dialog
    assert dialog is not None and dialog.isVisible() and dialog.source.text() == str(card)
    qtbot.waitUntil(lambda: dialog.card is not None, timeout=WAIT)
    assert dialog.card.family == "Canon" and dialog.card.reel == "A001" and dialog.card.clips == 2
    assert "Canon card" in dialog.card_label.text() and not dialog.start_button.isEnabled()  # no destination yet

    pick_folders(monkeypatch, [tmp_path / "raid", tmp_path / "shuttle"])
    (tmp_path / "raid").mkdir()
    (tmp_path / "shuttle").mkdir()
    dialog._add_destination()
    dialog._add_destination()
    dialog.pattern.setText("{date}/{reel}")
    previews = dialog.targets.text().splitlines()
    assert len(previews) == 2 and all(p.startswith("→ ") and p.endswith("/A001") for p in previews)
    dialog.pattern.setText("{nonsense}")
    assert not dialog.start_button.isEnabled() and "✗" in dialog.targets.text()
    dialog.pattern.setText("{date}/{reel}")
    assert dialog.start_button.isEnabled()
    dialog.start_button.click()
    assert not dialog.isVisible()

    qtbot.waitUntil(lambda: bool(window.offload_results), timeout=WAIT)
    [shown] = window.offload_results
    result = shown.result
    assert result.ok and [d.status for d in result.destinations] == [OK, OK]
    assert "all verified" in shown.text.text() and shown.open_report.isEnabled()
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    shown.open_report.click()
    assert opened == [str(result.reports[0])] and Path(opened[0]).is_file()
    assert Path(opened[0]).parent == tmp_path / "reports" / "offload"  # beside the catalog
    first = result.destinations[0].target
    for target in (d.target for d in result.destinations):
        assert sorted(p.name for p in (target / "CONTENTS" / "CLIPS001").iterdir()) == sorted(
            p.name for p in (card / "CONTENTS" / "CLIPS001").iterdir())
    catalog = window.ctx.catalog
    cataloged: list[list[int]] = []
    window.ctx.offload.cataloged.connect(cataloged.append)
    qtbot.waitUntil(lambda: bool(cataloged), timeout=WAIT)  # the first copy, in the library
    [ids] = cataloged
    assert sorted(catalog.query_ids()) == sorted(ids) and len(ids) == 2  # the clips (sidecars are not media)
    clips = [i for i in ids if catalog.info(i)["kind"] == "video"]
    assert len(clips) == 2 and all(catalog.info(i)["path"].startswith(str(first)) for i in ids)
    for media_id in clips:  # the read-back xxh128 is the file's content hash: tapes can match it exactly
        assert catalog.info(media_id)["content_hash"] == xxhash.xxh3_128(
            Path(catalog.info(media_id)["path"]).read_bytes()).hexdigest()
    # posters and preview proxies were queued for the new clips, and are made
    qtbot.waitUntil(lambda: all(catalog.proxies(i) for i in clips), timeout=WAIT)
    qtbot.waitUntil(lambda: all(window.ctx.thumbnails.poster_for(i) is not None for i in clips), timeout=WAIT)
    assert window.ctx.offload.destinations() == [str(tmp_path / "raid"), str(tmp_path / "shuttle")]  # remembered


def test_file_menu_offload_with_a_full_drive_reports_it_alone(qtbot, window: MainWindow, tmp_path: Path,
                                                              small_disk: Path, monkeypatch) -> None:
    card = tmp_path / "A002"
    card.mkdir()
    (card / "A002C001.braw").write_bytes(os.urandom(3 << 20))  # more than the 1 MiB drive holds
    window.menus.offload.trigger()
    dialog = window.offload_dialog
    assert dialog is not None and dialog.source.text() == ""
    pick_folders(monkeypatch, [card, tmp_path / "raid", small_disk])
    dialog._choose_source()
    qtbot.waitUntil(lambda: dialog.card is not None, timeout=WAIT)
    dialog.destinations.clear()
    dialog._add_destination()
    dialog._add_destination()
    dialog.start_button.click()
    qtbot.waitUntil(lambda: bool(window.offload_results), timeout=WAIT)
    [shown] = window.offload_results
    raid, full = shown.result.destinations
    assert raid.status == OK and full.status == FAILED
    assert "with problems" in shown.windowTitle() and "disk is full" in shown.text.text()
    assert not window.ctx.catalog.query_ids()  # nothing cataloged from an offload with problems
