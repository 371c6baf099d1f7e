"""Send to Farm from the window: the library's actions queue proxy, thumbnail and verification jobs in the farm's
ledger (through app/farm/submit.py, as `reelkeep farm` does), off the GUI thread; the Jobs panel shows them; without a
queue the submenu and the extract dialog say why. One thumbnail job is run by the worker code in this process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

from app.farm.farm import Farm
from app.farm.tasks import run_farm_job
from app.ingest.proxies import PROXY_ENV
from app.ingest.thumbs import cache_root, is_done
from app.jobs.runner import DONE
from app.services.farm import FarmService
from app.ui.main_window import MainWindow
from app.ui.timeline.dialogs import ExtractDialog
from tests.media import decode_indexes, make_audio, make_clip
from tests.qt.conftest import dispose


@pytest.fixture
def farm_window(qtbot, app_context, monkeypatch, tmp_path: Path):
    """The main window with a farm service (as run_gui builds it), after its first look at the queue."""
    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "shared proxies"))

    def make(with_queue: bool) -> MainWindow:
        if with_queue:
            Farm(app_context.catalog.path).close()  # what the first worker of the catalog does: the queue exists
        app_context.farm = FarmService(app_context.catalog.path, app_context.runner, connection=app_context.catalog)
        window = MainWindow(app_context)
        app_context.farm.start()
        qtbot.waitUntil(lambda: not app_context.farm._in_flight and "Looking" not in app_context.farm.reason,
                        timeout=10000)
        made.append(window)
        return window

    made: list[MainWindow] = []
    yield make
    for window in made:
        app_context.player.shutdown()
        dispose(window)


def _library(qtbot, window: MainWindow, folder: Path) -> list[int]:
    paths = [make_clip(folder / f"F00{i}.mov", rate="25", frames=10 + i, size=(160, 90), audio=False)
             for i in range(2)] + [make_audio(folder / "room tone.mp3", seconds=0.3)]
    added: list[list[int]] = []
    window.ctx.library.add_files([str(p) for p in paths], added.append)
    qtbot.waitUntil(lambda: bool(added) and window.library_panel.model.rowCount() == 3
                    and not window.ctx.catalog.status_counts().get("pending"), timeout=20000)
    ids = added[0]
    window.library_panel.select_ids(ids)
    qtbot.waitUntil(lambda: sorted(window.library_panel.selected_ids()) == sorted(ids), timeout=3000)
    return ids


def _farm_titles(window: MainWindow) -> set[str]:
    return {r.title for r in window.ctx.runner.records() if r.title.endswith("(farm)")}


def test_send_to_farm_queues_proxies_thumbnails_and_verification_shown_in_jobs(qtbot, farm_window, media_dir,
                                                                               thumbnail_cache: Path) -> None:
    window = farm_window(with_queue=True)
    ids = _library(qtbot, window, media_dir)
    actions = window.farm_actions
    assert not actions.why.isVisible() and all(a.isEnabled() for a in actions.actions())
    menu_texts = [a.text() for a in window.menus.send_to_farm.actions()]
    assert menu_texts == ["", "Proxies", "Thumbnails", "Verify Proxies"]  # the reason line is hidden

    window.library_panel.edits.show_context_menu(window.library_panel.view.rect().center())
    (context,) = [m for m in window.library_panel.findChildren(QMenu) if m.title() == ""]
    assert "Send to Farm" in [a.text() for a in context.actions()]
    context.close()

    farm = Farm(window.ctx.catalog.path)
    try:
        next(a for a in actions.proxies if a.text() == "All").trigger()
        qtbot.waitUntil(lambda: len(farm.ledger.jobs()) == 2, timeout=10000)  # one job per video content
        actions.thumbnails.trigger()
        actions.verify.trigger()
        qtbot.waitUntil(lambda: len(farm.ledger.jobs()) == 5, timeout=10000)
        jobs = {(j["kind"], j["title"]): j for j in farm.ledger.jobs()}
        videos = sorted(ids[:2])
        proxies = [j for (kind, _), j in jobs.items() if kind == "proxy"]
        assert sorted(j["args"]["media_ids"][0] for j in proxies) == videos  # the audio file is no video
        assert {tuple(j["args"]["presets"]) for j in proxies} == {("thumbnail", "preview", "editorial")}
        assert {j["args"]["root"] for j in proxies} == {str((media_dir.parent / "shared proxies").resolve())}
        (thumbs,) = [j for (kind, _), j in jobs.items() if kind == "thumbs"]
        assert sorted(thumbs["args"]["media_ids"]) == sorted(ids)
        assert thumbs["args"]["cache"] == str(thumbnail_cache)  # the cache this window reads
        assert sorted(j["args"]["media_ids"][0] for (kind, _), j in jobs.items() if kind == "verify") == videos
        assert all(j["state"] == "queued" for j in jobs.values())
        qtbot.waitUntil(lambda: len(_farm_titles(window)) == 5, timeout=10000)  # in the Jobs panel
        assert "Sent to the farm" in window.status.currentMessage()

        # A worker (the worker's own code, in this process) makes the thumbnails into the window's cache, once the
        # window's own thumbnail service (which follows every scan) has finished and its entries are gone again.
        root = cache_root(thumbnail_cache)
        hashes = [window.ctx.catalog.info(i)["identity_hash"] for i in ids]
        qtbot.waitUntil(lambda: all(is_done(h, root) for h in hashes), timeout=20000)
        for entry in root.glob("*/*"):
            shutil.rmtree(entry)
        run_farm_job(farm, thumbs["id"], final=True)
        (ended,) = farm.ledger.jobs(ids=[thumbs["id"]])
        assert ended["state"] == "done" and ended["result"]["made"] + ended["result"]["without_artwork"] == 3
        assert all(is_done(h, root) for h in hashes)
        record = next(r for r in window.ctx.runner.records() if r.title == f"{thumbs['title']} (farm)")
        qtbot.waitUntil(lambda: record.state == DONE, timeout=10000)
    finally:
        farm.close()


def test_without_a_queue_send_to_farm_says_why(qtbot, farm_window, media_dir) -> None:
    window = farm_window(with_queue=False)
    _library(qtbot, window, media_dir)
    actions = window.farm_actions
    assert not any(a.isEnabled() for a in actions.actions())
    assert actions.why.isVisible() and actions.why.text().startswith("No farm queue yet")
    assert "reelkeep worker" in actions.why.toolTip() and "farm.sqlite" in actions.why.toolTip()
    assert not (Path(window.ctx.catalog.path).parent / "farm.sqlite").exists()  # nothing was created

    dialog = ExtractDialog(1, 2, str(media_dir), window, farm_available=window.ctx.farm.available,
                           farm_reason=window.ctx.farm.reason)
    qtbot.addWidget(dialog)
    assert not dialog.on_farm.isEnabled() and "reelkeep worker" in dialog.on_farm.toolTip()
    assert dialog.options()["farm"] is False


EDL = """TITLE: FARM CUT
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
002  CAMB     V     C        02:00:00:10 02:00:00:20 10:00:01:00 10:00:01:10
003  NOPE     V     C        01:00:00:00 01:00:01:00 10:00:01:10 10:00:02:10
"""


def test_timeline_extract_runs_on_the_farm_one_job_per_event(qtbot, farm_window, media_dir, tmp_path: Path) -> None:
    window = farm_window(with_queue=True)
    clips = [make_clip(media_dir / "CAMA.mov", rate="25", frames=60, size=(160, 90), start_tc="01:00:00:00",
                       audio=False),
             make_clip(media_dir / "CAMB.mov", rate="25", frames=30, size=(160, 90), start_tc="02:00:00:00",
                       audio=False)]
    added: list[list[int]] = []
    window.ctx.library.add_files([str(p) for p in clips], added.append)
    qtbot.waitUntil(lambda: bool(added) and not window.ctx.catalog.status_counts().get("pending"), timeout=20000)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")
    assert window.ctx.timeline.open_file(edl)
    qtbot.waitUntil(lambda: window.ctx.timeline.doc is not None and bool(window.ctx.timeline.matches),
                    timeout=10000)

    dialog = window.timeline_panel.open_extract_dialog()
    dest = tmp_path / "shared" / "selects"
    dialog.dest.setText(str(dest))
    dialog.all_radio.setChecked(True)
    dialog.mode.setCurrentIndex(dialog.mode.findData("reencode"))
    dialog.preset.setCurrentIndex(dialog.preset.findData("h264"))
    assert dialog.on_farm.isEnabled()
    dialog.on_farm.setChecked(True)
    dialog._accept()

    farm = Farm(window.ctx.catalog.path)
    try:
        qtbot.waitUntil(lambda: len(farm.ledger.jobs()) == 2, timeout=10000)  # the offline event is left out
        jobs = sorted(farm.ledger.jobs(), key=lambda j: j["id"])
        assert [(j["kind"], j["args"]["in_frame"], j["args"]["out_frame"], j["args"]["event"]) for j in jobs] == [
            ("extract", 25, 50, [1, "cut.edl"]), ("extract", 10, 20, [2, "cut.edl"])]
        assert jobs[0]["title"] == "extract event 001 of cut.edl (001_CAMA_CAMA)"
        assert {j["args"]["dest"] for j in jobs} == {str(dest)}
        assert not dest.exists()  # nothing extracted by the window itself
        run_farm_job(farm, jobs[1]["id"], final=True)  # a worker's code, in this process
        (ended,) = farm.ledger.jobs(ids=[jobs[1]["id"]])
        assert ended["state"] == "done", ended["error"]
        output = Path(ended["result"]["path"])
        assert output == dest / "002_CAMB_CAMB.mp4" and decode_indexes(output) == list(range(10, 20))
        assert window.ctx.catalog.subclips_of(added[0][1])[0]["event_number"] == 2
    finally:
        farm.close()
