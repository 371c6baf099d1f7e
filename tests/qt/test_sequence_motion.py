"""Sequence playback of M2 motion effects and the player's record clock, read from mpv's painted pixels:
record frame i of an event at S fps on a 25 fps timeline shows file frame in + floor(i*S/25), paused on the
event's own file, paused and stepping in the virtual clip, and in real time; past a skipped (offline) event
the player's timecode is still the record timecode."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.job import JobContext, execute
from app.ingest.proxies import ProxyJob
from app.ui.main_window import MainWindow
from tests.media import make_clip, read_index
from tests.qt.test_ui_library import drop_paths
from tests.qt.test_ui_timeline import wait_on

EDL = """TITLE: MOTION
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:00:00 01:00:00:10 10:00:00:00 10:00:00:10
002  CAMA     V     C        01:00:01:00 01:00:01:10 10:00:00:10 10:00:00:20
M2   CAMA           050.0                01:00:01:00
003  NOPE     V     C        01:00:00:00 01:00:01:00 10:00:00:20 10:00:01:20
004  CAMA     V     C        01:00:02:10 01:00:02:15 10:00:01:20 10:00:02:05
M2   CAMA           012.5                01:00:02:10
005  CAMA     V     C        01:00:03:00 01:00:03:10 10:00:02:05 10:00:02:15
M2   CAMA           -025.0               01:00:03:00
"""
REC = 10 * 3600 * 25
# file frame of each record frame that plays; 003 is offline: a 25-frame gap the sequence skips
PLAYED = {REC + i: i for i in range(10)}
PLAYED |= {REC + 10 + i: 25 + 2 * i for i in range(10)}  # twice speed
PLAYED |= {REC + 45 + i: 60 + i // 2 for i in range(10)}  # half speed
PLAYED |= {REC + 55 + i: 75 - i for i in range(10)}  # backwards


def open_timeline(qtbot, window: MainWindow, media_dir: Path, edl: Path, files: int,
                  proxies: Path | None = None) -> None:
    drop_paths(window, [media_dir])
    catalog = window.ctx.catalog
    qtbot.waitUntil(lambda: catalog.count() == files and not window.ctx.library.scanning
                    and not catalog.status_counts().get("pending"), timeout=15000)
    if proxies is not None:  # editorial (ProRes) proxies of every file, made before the timeline opens
        outcome = execute(ProxyJob(catalog, catalog.query_ids(), ["editorial"], root=proxies), JobContext())
        assert outcome.ok and outcome.value.made == files, outcome
    drop_paths(window, [edl])
    qtbot.waitUntil(lambda: window.ctx.timeline.doc is not None, timeout=10000)


@pytest.fixture(params=["original", "intra proxy"])
def motion(request, qtbot, window: MainWindow, media_dir: Path, tmp_path: Path) -> tuple[MainWindow, bool]:
    """The long-GOP H.264 original alone, or with an editorial proxy, which effects then play from."""
    make_clip(media_dir / "CAMA.mov", rate="25", frames=100, start_tc="01:00:00:00")
    edl = tmp_path / "motion.edl"
    edl.write_text(EDL, encoding="utf-8")
    proxies = tmp_path / "proxies" if request.param == "intra proxy" else None
    open_timeline(qtbot, window, media_dir, edl, 1, proxies)
    return window, proxies is not None


def rendered(window: MainWindow) -> int | None:
    pixels = window.ctx.player.render(320, 180)
    return None if pixels is None else read_index(pixels[:, :, :3].copy())


def test_m2_events_show_the_frames_their_speed_names(qtbot, motion: tuple[MainWindow, bool]) -> None:
    window, proxied = motion
    timeline, player = window.ctx.timeline, window.ctx.player
    label = window.player_panel.transport.timecode_label
    # paused on the event's own file: the playhead stays on a record frame that holds a frame (half speed)
    for record in (REC + 13, REC + 48, REC + 58):
        assert timeline.seek_record(record)
        wait_on(qtbot, window, "CAMA.mov", PLAYED[record])
        assert timeline.playhead == record
    assert timeline.show_event(4)  # the backwards event opens on its source in, the highest frame it shows
    wait_on(qtbot, window, "CAMA.mov", 75)
    assert timeline.playhead == REC + 55 and (player.marks.in_frame, player.marks.out_frame) == (66, 76)

    # in real time the virtual clip shows the named frames in order: at twice speed never an odd frame
    order = [PLAYED[r] for r in sorted(PLAYED) if r >= REC + 5]
    shown: list[int] = []

    def sample() -> None:
        index = rendered(window)
        if index is not None and (not shown or shown[-1] != index):
            shown.append(index)

    assert timeline.seek_record(REC + 5)
    wait_on(qtbot, window, "CAMA.mov", 5)
    player.video_updated.connect(sample)
    assert timeline.play_sequence()
    qtbot.waitUntil(lambda: not timeline.sequence_playing, timeout=20000)
    player.video_updated.disconnect(sample)
    position = 0
    for index in shown:  # what was sampled is the named frames in order, some perhaps dropped under load
        assert index in order[position:], f"{index} out of order in {shown}"
        position = order.index(index, position)
    assert 26 not in shown
    # it ends on the last named frame (under load the sample of that last frame may be missed: read the picture)
    qtbot.waitUntil(lambda: rendered(window) == 66, timeout=5000)
    for first, last in ((27, 43), (60, 64), (67, 75)):  # every effect was seen (a sample or more of each)
        assert any(first <= index <= last for index in shown), shown

    # the virtual clip paused and stepped: its frames, the playhead and the player's clock are the record's
    assert timeline.seek_record(REC)
    wait_on(qtbot, window, "CAMA.mov", 0)
    assert timeline.play_sequence()
    qtbot.waitUntil(lambda: player.clip is not None and player.clip.name == "Sequence: motion.edl", timeout=5000)
    timeline.stop_sequence()
    original = str(window.ctx.catalog.rows(window.ctx.catalog.query_ids())[0]["path"])
    parts = player.clip.path.removeprefix("edl://").split(";")
    sources = {part.split("%")[2].rsplit(",", 2)[0] for part in parts[1:]}  # the effects' parts
    assert parts[0].split("%")[2].startswith(original + ",")  # the plain event: always the original
    assert sources == ({original} if not proxied else {
        p["path"] for p in window.ctx.catalog.proxies(window.ctx.catalog.query_ids()[0])})
    qtbot.waitUntil(lambda: player._player.duration is not None and not player.playing and not player.seeking
                    and player._target is None, timeout=5000)

    def on(virtual: int, record: int) -> None:
        try:
            qtbot.waitUntil(lambda: player.frame == virtual and not player.seeking and player._target is None
                            and rendered(window) == PLAYED[record], timeout=8000)
        except Exception:
            raise AssertionError(f"virtual frame {virtual}: player on {player.frame}, shows {rendered(window)}, "
                                 f"wanted {PLAYED[record]}") from None
        assert player.clip.name == "Sequence: motion.edl" and timeline.playhead == record

    for virtual, record, tc in ((13, REC + 13, "10:00:00:13"), (23, REC + 48, "10:00:01:23"),
                                (33, REC + 58, "10:00:02:08")):
        player.seek_frame(virtual)
        on(virtual, record)
        assert label.text() == tc
    player.seek_frame(19)  # the last frame before the gap, then a step across it
    on(19, REC + 19)
    assert label.text() == "10:00:00:19"
    player.step(1)
    on(20, REC + 45)
    assert label.text() == "10:00:01:20" and player.timecode() == "10:00:01:20"
    player.step(1)
    on(21, REC + 46)
    assert label.text() == "10:00:01:21"
    player.step(-2)
    on(19, REC + 19)
    assert label.text() == "10:00:00:19"
    player.go_to_timecode("10:00:01:22")  # a record timecode past the gap
    on(22, REC + 47)
    assert label.text() == "10:00:01:22"
    player.go_to_timecode("-28")  # back across the gap, counted on the record clock
    on(19, REC + 19)

    # a hand relink keeps the file's intra proxy for its effects, as opening did
    catalog = window.ctx.catalog
    (cama,) = catalog.query_ids()
    assert timeline.relink(1, cama)
    assert timeline.media[cama].intra_path == (catalog.proxies(cama)[0]["path"] if proxied else "")


MIXED = """TITLE: MIXED
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:01:00 01:00:01:10 10:00:00:00 10:00:00:10
M2   CAMA           048.0                01:00:01:00
002  CAMA     V     C        01:00:03:00 01:00:03:12 10:00:00:10 10:00:00:22
M2   CAMA           -024.0               01:00:03:00
003  CAMF     V     C        05:00:00:00 05:00:00:05 10:00:00:22 10:00:01:03
"""


def test_m2_events_segment_by_segment_play_at_their_speed(qtbot, window: MainWindow, media_dir: Path,
                                                          tmp_path: Path) -> None:
    """Files at 24 and 23.976 fps make no one virtual clip: each event plays on its own file, an M2 one with
    mpv's speed (twice here), a reverse one holding its first frame for its length."""
    make_clip(media_dir / "CAMA.mov", rate="24", frames=100, start_tc="01:00:00:00", audio=False)
    make_clip(media_dir / "CAMF.mov", rate="24000/1001", frames=24, start_tc="05:00:00:00", audio=False)
    edl = tmp_path / "mixed.edl"
    edl.write_text(MIXED, encoding="utf-8")
    open_timeline(qtbot, window, media_dir, edl, 2)
    timeline, player = window.ctx.timeline, window.ctx.player
    rec = 10 * 3600 * 24
    assert timeline.seek_record(rec)
    wait_on(qtbot, window, "CAMA.mov", 24)
    speeds: list[float] = []
    shown: list[tuple[str, int]] = []

    def sample() -> None:
        index = rendered(window)
        if index is not None and player.clip is not None and (not shown or shown[-1][1] != index):
            shown.append((player.clip.name, index))

    player.audio_changed.connect(lambda: speeds.append(player.speed))
    player.video_updated.connect(sample)
    currents: list[int] = []
    timeline.current_event_changed.connect(currents.append)
    assert timeline.play_sequence()
    qtbot.waitUntil(lambda: not timeline.sequence_playing, timeout=20000)
    wait_on(qtbot, window, "CAMF.mov", 4)
    player.video_updated.disconnect(sample)
    assert 2.0 in speeds and player.speed == 1.0  # put back after the effect
    assert currents == [1, 2] and timeline.playhead == rec + 26
    indexes = [index for _, index in shown]
    twice = indexes[: indexes.index(72)]  # the reverse event holds file frame 72 (its source in)
    # mpv plays the file's own frames at twice the speed (the ones between too: it is not frame-exact while it
    # plays, only paused), and stops on the last one the effect names
    assert twice and all(24 <= i <= 42 for i in twice) and twice[-1] == 42 and max(twice[:-1]) < 42
    after = indexes[indexes.index(72) + 1:]
    assert after and all(i <= 4 for i in after)  # then CAMF's own frames: no other CAMA frame was shown
