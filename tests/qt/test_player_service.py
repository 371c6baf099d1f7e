"""The embedded player is frame-exact: the frame on screen (read from mpv's own pixels) is the frame the
state and the timecode display claim, after seeks, steps and go-to-timecode, at every rate."""

from __future__ import annotations

import pytest

from app.core.errors import TimecodeError
from app.ingest.add_files import add_files
from app.jobs.runner import JobRunner
from app.services.player import PlayerService
from tests.media import make_clip, read_index

# Upper bounds: mpv seeks and PyAV decodes share 2 cores with the other test process (a reverse shuttle stopped,
# then a seek, once took more than 8 s to settle in a full run).
WAIT = 30000

RATES = [
    ("24000/1001", "01:00:00:00", "01:00:01:13", 37),   # 23.976: 24 frames per TC second
    ("25", "01:00:00:00", "01:00:01:12", 37),
    ("30000/1001", "01:00:00;00", "01:00:01;07", 37),   # 29.97 DF, where estimated-frame-number reads 36
]


@pytest.fixture
def player(qapp, catalog):
    service = PlayerService(catalog)
    yield service
    service.shutdown()


def _shown_index(service: PlayerService) -> int | None:
    pixels = service.render(320, 180)
    return None if pixels is None else read_index(pixels[:, :, :3].copy())


def _settle(qtbot, service: PlayerService, frame: int) -> None:
    """Wait until mpv has the frame on screen (its pixels, not only its state, show the index)."""
    qtbot.waitUntil(lambda: not service.seeking and service._target is None and _shown_index(service) == frame,
                    timeout=WAIT)


def _open(qtbot, service: PlayerService, catalog, path) -> int:
    [media_id] = add_files(catalog, [path])
    assert service.open_media(media_id)
    qtbot.waitUntil(lambda: service._player.duration is not None, timeout=WAIT)
    _settle(qtbot, service, 0)
    return media_id


@pytest.mark.parametrize(("rate", "start_tc", "tc_37", "frame_37"), RATES)
def test_seek_step_and_timecode_are_frame_exact(qtbot, player, catalog, media_dir, rate, start_tc, tc_37,
                                                frame_37) -> None:
    clip = make_clip(media_dir / "clip.mov", rate=rate, frames=90, start_tc=start_tc, gop=12, bframes=2)
    _open(qtbot, player, catalog, clip)
    assert player.timecode() == start_tc

    player.seek_frame(frame_37)
    _settle(qtbot, player, frame_37)
    assert player.frame == frame_37 and player.timecode() == tc_37

    player.step(1)
    _settle(qtbot, player, 38)
    player.step(-1)
    _settle(qtbot, player, 37)
    player.step(-1)
    player.step(-1)  # pressed twice quickly: steps accumulate
    _settle(qtbot, player, 35)
    assert player.frame == 35

    player.go_to_timecode(tc_37)
    _settle(qtbot, player, 37)
    assert player.timecode() == tc_37
    player.go_to_end()
    _settle(qtbot, player, 89)
    player.go_to_start()
    _settle(qtbot, player, 0)


def test_bad_timecodes_are_refused(qtbot, player, catalog, media_dir) -> None:
    _open(qtbot, player, catalog, make_clip(media_dir / "c.mov", rate="25", frames=25))
    with pytest.raises(TimecodeError, match="outside this clip"):
        player.go_to_timecode("02:00:00:00")
    with pytest.raises(TimecodeError):
        player.go_to_timecode("01:00:00;00")  # drop frame at 25 fps


def test_marks_markers_and_play_count(qtbot, player, catalog, media_dir) -> None:
    media_id = _open(qtbot, player, catalog, make_clip(media_dir / "c.mov", rate="25", frames=50))
    player.seek_frame(10)
    _settle(qtbot, player, 10)
    player.mark_in()
    player.seek_frame(19)
    _settle(qtbot, player, 19)
    player.mark_out()
    assert (player.marks.in_frame, player.marks.out_frame, player.marks.duration) == (10, 20, 10)
    player.add_marker("slate")
    assert catalog.info(media_id)["markers"] == [{"frame": 19, "name": "slate"}]
    player.clear_marks()
    assert player.marks.duration is None

    player.play()
    qtbot.waitUntil(lambda: player.playing, timeout=WAIT)
    player.pause()
    qtbot.waitUntil(lambda: not player.playing, timeout=WAIT)
    assert catalog.info(media_id)["play_count"] == 1
    assert catalog.info(media_id)["last_played"] is not None


def test_file_mpv_cannot_play_reports_an_error(qtbot, player, catalog, media_dir) -> None:
    bad = media_dir / "broken.mov"
    bad.write_bytes(b"\x00\x00\x00\x18ftypqt  " + b"garbage" * 500)
    [media_id] = add_files(catalog, [bad])
    player.open_media(media_id)
    qtbot.waitUntil(lambda: bool(player.error), timeout=WAIT)
    assert "Cannot play broken.mov" in player.error


def test_missing_file_is_an_error_not_a_crash(qtbot, player, catalog, media_dir) -> None:
    clip = make_clip(media_dir / "gone.mov", rate="25", frames=10)
    [media_id] = add_files(catalog, [clip])
    catalog.mark_missing([media_id])
    assert not player.open_media(media_id)
    assert "missing" in player.error


def test_back_steps_come_from_decoded_frames_and_stay_exact(qtbot, qapp, catalog, media_dir) -> None:
    """With a runner, frames behind the playhead are decoded once; stepping back shows them at once
    (the override) and they are the right frames; mpv then lands on the same frame."""
    from app.jobs.runner import JobRunner

    runner = JobRunner({"scrub": 1})
    service = PlayerService(catalog, runner)
    try:
        clip = make_clip(media_dir / "long_gop.mov", rate="24000/1001", frames=96, gop=24, bframes=2)
        _open(qtbot, service, catalog, clip)
        service.seek_frame(60)
        _settle(qtbot, service, 60)
        qtbot.waitUntil(lambda: 59 in service._decoded and 40 in service._decoded, timeout=WAIT)
        for expected in range(59, 40, -1):
            service.step(-1)
            assert service.override is not None and service.override[0] == expected
            assert read_index(service.override[1]) == expected  # the cached pixels are that frame
            assert service.frame == expected and service.timecode() == f"01:00:0{expected // 24}:{expected % 24:02d}"
        _settle(qtbot, service, 41)
        qtbot.waitUntil(lambda: service.override is None, timeout=WAIT)
    finally:
        service.shutdown()
        runner.shutdown()


def test_shuttle_loop_and_resume(qtbot, player, catalog, media_dir) -> None:
    media_id = _open(qtbot, player, catalog, make_clip(media_dir / "c.mov", rate="25", frames=500, audio=False))
    player.seek_frame(200)
    _settle(qtbot, player, 200)
    player.shuttle(False)  # J: reverse playback
    qtbot.waitUntil(lambda: player.playing and player.frame < 190, timeout=WAIT)
    player.stop_shuttle()
    qtbot.waitUntil(lambda: not player.playing and not player.reverse, timeout=WAIT)

    player.seek_frame(20)
    _settle(qtbot, player, 20)
    player.mark_in()
    player.mark_out(34)
    player.set_loop(True)
    player.play()
    seen: list[int] = []
    player.frame_changed.connect(seen.append)
    qtbot.waitUntil(lambda: len(seen) > 40, timeout=WAIT)  # long enough to pass the out point twice
    player.pause()
    assert max(seen) <= 35 and min(seen) >= 19  # stayed inside in..out (one frame of slack at the turn)

    player.seek_frame(150)
    _settle(qtbot, player, 150)
    player.shutdown()  # stores the resume position (6 s)
    assert catalog.info(media_id)["resume_seconds"] == pytest.approx(6.0)
    reopened = PlayerService(catalog)
    try:
        assert reopened.open_media(media_id)
        qtbot.waitUntil(lambda: reopened._player.duration is not None and _shown_index(reopened) == 150, timeout=WAIT)
    finally:
        reopened.shutdown()


def test_audio_and_image_files(qtbot, player, catalog, media_dir) -> None:
    from tests.media import make_audio, make_image

    song = make_audio(media_dir / "song.flac", tags={"title": "Nightcall", "artist": "Kavinsky"}, seconds=2.0)
    [song_id] = add_files(catalog, [song])
    assert player.open_media(song_id)
    qtbot.waitUntil(lambda: player._player.duration is not None, timeout=WAIT)
    assert (player.clip.kind, player.clip.title, player.clip.artist) == ("audio", "Nightcall", "Kavinsky")
    player.play()
    qtbot.waitUntil(lambda: player.playing, timeout=WAIT)
    player.pause()

    image = make_image(media_dir / "still.png", size=(320, 180), index=4242)
    [image_id] = add_files(catalog, [image])
    assert player.open_media(image_id)
    qtbot.waitUntil(lambda: _shown_index(player) == 4242, timeout=WAIT)
    assert not player.error


def test_missing_libmpv_is_explained(qtbot, catalog, media_dir, monkeypatch) -> None:
    from app.services import mpv_engine

    monkeypatch.setattr(mpv_engine, "_mpv_module", None)
    monkeypatch.setattr(mpv_engine, "_load_error", "libmpv could not be loaded (libmpv.so.2: cannot open shared "
                        "object file). Install it with: sudo apt-get install libmpv2")
    service = PlayerService(catalog)
    clip = make_clip(media_dir / "c.mov", rate="25", frames=5, audio=False)
    [media_id] = add_files(catalog, [clip])
    assert not service.open_media(media_id)
    assert "apt-get install libmpv2" in service.error
    assert "apt-get install libmpv2" in PlayerService.unavailable_reason()


def test_seek_right_after_open_waits_for_the_file(qtbot, player, catalog, media_dir) -> None:
    clip = make_clip(media_dir / "c.mov", rate="25", frames=50, audio=False)
    [media_id] = add_files(catalog, [clip])
    assert player.open_media(media_id)
    player.seek_frame(30)  # before mpv has loaded the file: must not raise, must land
    _settle(qtbot, player, 30)


def test_forward_steps_use_decoded_frames_and_play_drops_them(qtbot, qapp, catalog, media_dir) -> None:
    from app.jobs.runner import JobRunner

    runner = JobRunner({"scrub": 1})
    service = PlayerService(catalog, runner)
    try:
        clip = make_clip(media_dir / "fwd.mov", rate="25", frames=80, gop=25, bframes=2, audio=False)
        _open(qtbot, service, catalog, clip)
        service.seek_frame(20)
        _settle(qtbot, service, 20)
        qtbot.waitUntil(lambda: all(f in service._decoded for f in range(5, 36)), timeout=WAIT)
        service.step(1)
        assert service.override is not None and read_index(service.override[1]) == 21
        _settle(qtbot, service, 21)
        service.step(-3)
        assert service.override is not None and read_index(service.override[1]) == 18
        service.play()
        assert service.override is None  # playback shows mpv's frames, never a stale decoded one
        qtbot.waitUntil(lambda: service.playing, timeout=WAIT)
        service.pause()
    finally:
        service.shutdown()
        runner.shutdown()


def _with_two_audio_tracks(source, target):
    """Remux a clip adding a second audio stream (a dub), as multi-language deliveries have."""
    import av

    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        video_in, audio_in = src.streams.video[0], src.streams.audio[0]
        video_out = dst.add_stream_from_template(video_in)
        audio_outs = [dst.add_stream_from_template(audio_in) for _ in range(2)]
        audio_outs[1].metadata["language"] = "fra"
        for packet in src.demux(video_in, audio_in):
            if packet.dts is None:
                continue
            if packet.stream is video_in:
                packet.stream = video_out
                dst.mux(packet)
            else:
                for out in audio_outs:
                    packet.stream = out
                    dst.mux(packet)
    return target


def test_audio_and_subtitle_track_selection(qtbot, player, catalog, media_dir, tmp_path) -> None:
    clip = _with_two_audio_tracks(make_clip(tmp_path / "src.mov", rate="25", frames=50), media_dir / "dub.mkv")
    (media_dir / "dub.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nBonjour\n", encoding="utf-8")
    _open(qtbot, player, catalog, clip)
    qtbot.waitUntil(lambda: sum(t.get("type") == "audio" for t in player.tracks) == 2
                    and any(t.get("type") == "sub" for t in player.tracks), timeout=WAIT)
    player.set_track("audio", 2)
    qtbot.waitUntil(lambda: any(t.get("type") == "audio" and t.get("id") == 2 and t.get("selected")
                                for t in player.tracks), timeout=WAIT)
    sub = next(t["id"] for t in player.tracks if t.get("type") == "sub")
    player.set_track("sub", sub)
    qtbot.waitUntil(lambda: any(t.get("type") == "sub" and t.get("selected") for t in player.tracks), timeout=WAIT)
    player.set_track("sub", None)
    qtbot.waitUntil(lambda: not any(t.get("type") == "sub" and t.get("selected") for t in player.tracks),
                    timeout=WAIT)


@pytest.mark.parametrize(("slices", "threading"), [(1, {}), (4, {"thread_type": "slice"})])
def test_decoder_threading_follows_the_slices_and_seeks_stay_exact(qtbot, player, catalog, media_dir, slices,
                                                                   threading) -> None:
    """Multi-slice files decode with slice threads (no frame-thread refill after a seek); both stay exact."""
    clip = make_clip(media_dir / f"s{slices}.mp4", rate="24000/1001", frames=72, gop=24, bframes=3, slices=slices,
                     audio=False)
    _open(qtbot, player, catalog, clip)
    assert player.source.slices == slices
    assert player._player["vd-lavc-o"] == threading
    for target in (47, 23, 60, 24, 1):  # the last frame of a GOP, a keyframe, mid-GOP, back and forth
        player.seek_frame(target)
        _settle(qtbot, player, target)
    player.step(1)
    _settle(qtbot, player, 2)


def test_slices_of_files_cataloged_before_are_counted_on_open(qtbot, qapp, catalog, media_dir) -> None:
    """A catalog upgraded from version 4 has no slice counts: the player counts them in a worker for next time."""
    runner = JobRunner({"scrub": 1})
    service = PlayerService(catalog, runner)
    try:
        clip = make_clip(media_dir / "old.mp4", rate="25", frames=24, slices=3, audio=False)
        [media_id] = add_files(catalog, [clip])
        catalog.set_video_slices(media_id, None)
        assert service.open_media(media_id)
        assert service.source.slices is None  # unknown at this open: FFmpeg's default threading
        qtbot.waitUntil(lambda: catalog.info(media_id)["video_slices"] == 3, timeout=WAIT)
        assert service.open_media(media_id) and service.source.slices == 3
    finally:
        service.shutdown()
        runner.shutdown()
