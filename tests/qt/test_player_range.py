"""PlayerService.play_range() and open_media(frame=...): what sequence playback is built from, checked on
mpv's own pixels."""

from __future__ import annotations

import time

import pytest

from app.ingest.add_files import add_files
from app.interchange.sequence import Segment, media_refs
from app.services.player import PlayerService
from app.services.sequence_spec import sequence_spec
from tests.media import make_clip, read_index
from tests.qt.test_player_service import _settle


@pytest.fixture
def player(qapp, catalog):
    service = PlayerService(catalog)
    yield service
    service.shutdown()


def test_open_at_a_frame_and_play_a_range_to_its_last_frame(qtbot, player, catalog, media_dir) -> None:
    [media_id] = add_files(catalog, [make_clip(media_dir / "c.mov", rate="25", frames=75, gop=12, bframes=2)])
    catalog.set_resume(media_id, 2.0)  # a resume point must not win over the frame asked for
    assert player.open_media(media_id, frame=37)
    _settle(qtbot, player, 37)
    ended: list[bool] = []
    player.range_ended.connect(ended.append)
    shown: list[int | None] = []

    def record() -> None:
        pixels = player.render(320, 180)
        if pixels is not None:
            shown.append(read_index(pixels[:, :, :3].copy()))

    player.video_updated.connect(record)

    player.play_range(40, 50)  # frames 40..49: 50 is the exclusive out
    qtbot.waitUntil(lambda: ended == [True], timeout=8000)
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)
    _settle(qtbot, player, 49)
    player.video_updated.disconnect(record)
    assert player.frame == 49 and player.stop_frame is None
    seen = [index for index in shown if index is not None]
    assert seen[-1] == 49 and all(37 <= index <= 49 for index in seen)

    player.play_range(10, 60)
    qtbot.waitUntil(lambda: player.playing, timeout=3000)
    player.pause()  # another transport command drops the range, and the old stop with it
    assert ended == [True, False] and player.stop_frame is None
    player.seek_frame(65)
    _settle(qtbot, player, 65)
    player.play()  # plays on past where the range would have stopped
    qtbot.waitUntil(lambda: player.frame >= 70, timeout=5000)


def test_a_seek_after_stopping_a_just_opened_sequence_is_not_undone(qtbot, player, catalog, media_dir) -> None:
    """Sequence playback opens an edl:// clip and plays from a frame, a seek mpv takes once the file is loaded;
    stopped at once and sent elsewhere, the player must end on the later frame: the "duration" report that
    reaches us after mpv already knows the duration must not replay the older seek over it."""
    a = make_clip(media_dir / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=False)
    b = make_clip(media_dir / "CAMB.mov", rate="25", frames=50, start_tc="02:00:00:00", audio=False)
    ida, idb = add_files(catalog, [a, b])
    spec = sequence_spec([Segment(0, ida, 0, 25, 25, 50), Segment(1, idb, 25, 35, 10, 20)],
                         media_refs(catalog, [ida, idb]))
    assert player.open_sequence(spec.url, "Sequence", spec.rate, spec.frame_count, 0)
    player.play_range(5, spec.frame_count)  # the file is not loaded yet: the seek to 5 waits for it
    # mpv loads the file while our event loop is busy elsewhere (no Qt events run in this wait)
    deadline = time.monotonic() + 10
    while player._player.duration is None and time.monotonic() < deadline:
        time.sleep(0.01)
    player.pause()  # what stopping sequence playback does
    player.seek_frame(18)
    _settle(qtbot, player, 43)  # virtual 18 is CAMA's frame 25 + 18
    assert player.frame == 18
    qtbot.wait(300)  # late reports have come in: still there
    _settle(qtbot, player, 43)
