"""A write from the Tape panel of a library folder gives its files their content hash (the digest read for the
tape), so the panel matches them to the library by bytes with no hashing pass of their own."""

from __future__ import annotations

from pathlib import Path

import xxhash

from app.ui.main_window import MainWindow
from app.ui.tape import panel as panel_module
from tests.media.clips import make_clip
from tests.qt.test_tape_panel import shelf  # noqa: F401 - the fixture: two cataloged cartridges

WAIT = 60000


def test_a_panel_write_records_the_library_files_content_hashes(qtbot, shelf: Path, window: MainWindow,  # noqa: F811
                                                                 tmp_path: Path, monkeypatch) -> None:
    panel, service, catalog = window.tape_panel, window.ctx.tape, window.ctx.catalog
    qtbot.waitUntil(lambda: service.tape("RK0002L9") is not None, timeout=WAIT)
    library = tmp_path / "Day 05"
    library.mkdir()
    clip = make_clip(library / "E001C001.mov", rate="25", frames=10, size=(160, 90), audio=False)
    window.ctx.library.add_paths([str(library)])
    qtbot.waitUntil(lambda: catalog.id_for_path(clip) is not None and not window.ctx.library.scanning,
                    timeout=WAIT)
    media_id = catalog.id_for_path(clip)
    assert catalog.info(media_id)["content_hash"] is None

    recorded: list[list[int]] = []
    service.content_hashes_recorded.connect(recorded.append)
    service.set_queue_target("RK0002L9")
    monkeypatch.setattr(panel_module.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(library))
    panel.write_action.trigger()
    queue = panel.queue_page
    qtbot.waitUntil(lambda: queue.write_button.isEnabled(), timeout=WAIT)
    queue.write_button.click()
    qtbot.waitUntil(lambda: bool(recorded), timeout=WAIT)
    assert recorded == [[media_id]]
    assert catalog.info(media_id)["content_hash"] == xxhash.xxh3_128(clip.read_bytes()).hexdigest()
