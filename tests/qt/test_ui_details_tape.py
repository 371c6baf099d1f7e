"""The Details panel says which tapes hold a library file (the offline tape catalog), with no tape loaded."""

from __future__ import annotations

from pathlib import Path

from app.ingest.add_files import add_files
from app.media.hashing import content_hash
from app.tape.offline import import_volume
from app.tape.profiles import LTO9
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume
from app.tape.write_files import write_folder
from app.ui.library.details import DetailsPanel
from tests.media import make_clip
from tests.qt.conftest import dispose


def test_details_name_the_tapes_holding_a_file(qtbot, app_context, tmp_path: Path) -> None:
    day = tmp_path / "Day 05"
    day.mkdir()
    clip = make_clip(day / "E001C001.mov", rate="25", frames=5, size=(64, 36))
    [clip_id] = add_files(app_context.catalog, [str(clip)])
    panel = DetailsPanel(app_context.library)
    qtbot.addWidget(panel)
    try:
        panel.show_ids([clip_id])
        assert "On tape" not in panel.text()
        tape = SimulatedTape.create(tmp_path / "RK0030L9", LTO9)
        format_volume(tape, "RK0030L9")
        write_folder(tape, day)
        import_volume(app_context.catalog, tape)
        panel.show_ids([clip_id])
        text = panel.text()
        assert "On tape" in text and "RK0030L9" in text and "Day 05/E001C001.mov" in text
        assert "Same name and size; not checked by content hash" in text
        app_context.catalog.db.execute_sql("UPDATE media_file SET content_hash = ? WHERE id = ?",
                                           (content_hash(clip), clip_id))
        panel.show_ids([clip_id])
        assert "RK0030L9" in panel.text() and "not checked by content hash" not in panel.text()
    finally:
        dispose(panel)
