"""The Details panel shows every audio track of a file, and says when a file's tracks are not known yet."""

from __future__ import annotations

from pathlib import Path

from app.ingest.add_files import add_files
from app.ui.library.details import DetailsPanel
from tests.media import make_audio, make_clip
from tests.qt.conftest import dispose


def test_details_show_each_track_and_unknown_tracks(qtbot, app_context, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "A001C002.mov", rate="25", frames=10, size=(64, 36), audio_channels=1,
                     audio_tracks=[{"language": "eng", "title": "Boom"}, {"language": "fra", "title": "Lav"}])
    song = make_audio(tmp_path / "song.flac", tags={"title": "Teardrop"}, seconds=0.2)
    clip_id, song_id = add_files(app_context.catalog, [str(clip), str(song)])
    panel = DetailsPanel(app_context.library)
    qtbot.addWidget(panel)
    try:
        panel.show_ids([clip_id])
        text = panel.text()
        assert "Tracks" in text and "1 (mono)" in text
        assert "PCM" in text or "pcm_s16le" in text
        for line in ("Track 1", "Track 2", "eng", "“Boom”", "fra", "“Lav”"):
            assert line in text
        assert text.index("“Boom”") < text.index("“Lav”")
        panel.show_ids([song_id])  # one track: shown as before, codec, channels and rate
        text = panel.text()
        assert "Track 1" not in text and "2 (stereo)" in text and "48,000 Hz" in text
        # A file cataloged before every track was read: the first track's summary, and that more are unknown.
        app_context.catalog.db.execute_sql("UPDATE media_file SET audio_track_count = NULL WHERE id = ?", (clip_id,))
        panel.show_ids([clip_id])
        text = panel.text()
        assert "Unknown until the file is read again (the next scan of its library folder" in text
        assert "Track 2" not in text and "1 (mono)" in text
    finally:
        dispose(panel)
