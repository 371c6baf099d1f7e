"""PlayerService: one embedded libmpv player, its state in exact frames, and the marks on the clip.

mpv reports on its own thread; every observer only posts into this object (queued signal), which
updates its state and emits what changed. Frame numbers are derived from the rational PTS, never
from mpv's estimated-frame-number (which reads one low at 29.97).
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.catalog.catalog import Catalog
from app.core.errors import TimecodeError
from app.core.job import Outcome
from app.core.paths import os_path
from app.core.proxy_presets import SourceChoice
from app.core.timecode import from_frames, parse_entry
from app.jobs.runner import JobRunner
from app.media.probe import SliceCountJob
from app.services.mpv_engine import SoftwareFrameRenderer, load_error, load_mpv, mpv_options
from app.services.player_clip import SEQUENCE_KIND, ClipInfo, Marks, clip_info_from_catalog
from app.services.player_decoded import DecodedFramesMixin
from app.services.player_marks import MarksMixin
from app.services.player_range import PlayRangeMixin
from app.services.player_source import AUTO, ProxySourceMixin

SHUTTLE_SPEEDS = (1.0, 2.0, 4.0, 8.0)
RESIZE_DEBOUNCE_MS = 300  # re-choose the source once a window drag has settled, not on every step of it
_OBSERVED = ("time-pos", "pause", "seeking", "duration", "speed", "volume", "mute", "track-list", "eof-reached")


class PlayerService(PlayRangeMixin, ProxySourceMixin, MarksMixin, DecodedFramesMixin, QObject):
    frame_changed = Signal(int)
    playing_changed = Signal(bool)
    clip_changed = Signal()
    marks_changed = Signal()
    markers_changed = Signal()
    audio_changed = Signal()  # volume, mute, speed and direction, tracks
    error_changed = Signal(str)
    video_updated = Signal()  # a new frame is ready: views call render()
    source_changed = Signal()  # the file mpv plays (original or a proxy) or the source mode changed
    range_ended = Signal(bool)  # play_range() stopped: True on its last frame, False when dropped
    _mpv_property = Signal(str, object)
    _mpv_ended = Signal(int, int)
    _mpv_frame_ready = Signal()

    def __init__(self, catalog: Catalog, runner: JobRunner | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.runner = runner
        # frames around the playhead, decoded once so steps are instant (see media/reverse_frames.py)
        self._decoded: dict[int, np.ndarray] = {}
        self._decode_job = False
        self.override: tuple[int, np.ndarray] | None = None  # a cached frame shown while mpv seeks to it
        self._player: Any = None
        self._renderer: SoftwareFrameRenderer | None = None
        self.clip: ClipInfo | None = None
        self.marks = Marks()
        self.frame = 0
        self.playing = False
        self.seeking = False
        self.speed = 1.0  # what mpv plays at now (a shuttle speed while shuttling)
        self.play_speed = 1.0  # the speed chosen in the menu: play resumes at it, a pause ends a shuttle's
        self.reverse = False
        self.volume = 100.0
        self.muted = False
        self.loop = False
        self.tracks: list[dict] = []
        self.error = ""
        self._target: int | None = None  # a requested frame not on screen yet
        self.stop_frame: int | None = None  # play_range(): playback pauses before this frame
        self._position: float | None = None  # mpv's last reported time-pos
        self._pending_seek: int | None = None
        self._seek_retries = 0
        self._played_once = False
        # What plays: the original or one of its proxies (same frames, rate and start TC, so frame numbers,
        # marks and markers are shared). Auto mode picks by display size and the storage's read speed.
        self.source_mode = AUTO
        self.source: SourceChoice | None = None
        self._original: SourceChoice | None = None
        self._proxies: list[SourceChoice] = []
        self._given_proxies: list[SourceChoice] = []  # of a clip opened with open_clip (not from the catalog)
        self._display = (0, 0)  # device pixels of the view
        self._bandwidth: float | None = None  # bytes/s of the original's volume; None until measured
        self._resume_after_switch = False
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(RESIZE_DEBOUNCE_MS)
        self._resize_timer.timeout.connect(self._apply_source)
        self._mpv_property.connect(self._on_property)
        self._mpv_ended.connect(self._on_end_file)
        self._mpv_frame_ready.connect(self.video_updated)

    # ---- availability and lifetime
    @staticmethod
    def unavailable_reason() -> str | None:
        return load_error()

    def _ensure_player(self) -> Any:
        if self._player is not None:
            return self._player
        mpv = load_mpv()
        if mpv is None:
            raise RuntimeError(load_error())
        self._player = mpv.MPV(**mpv_options())
        for name in _OBSERVED:
            self._player.observe_property(name, self._post_property)
        self._player.register_event_callback(self._post_event)
        self._renderer = SoftwareFrameRenderer(self._player, self._mpv_frame_ready.emit)
        return self._player

    def _post_property(self, name: str, value: Any) -> None:
        self._mpv_property.emit(name, value)  # mpv's thread -> ours

    def _post_event(self, event: Any) -> None:
        mpv = load_mpv()
        if event.event_id.value == mpv.MpvEventID.END_FILE:
            data = event.data
            self._mpv_ended.emit(int(data.reason), int(data.error))

    def shutdown(self) -> None:
        """Store the resume position; free the renderer and terminate mpv before Qt destroys any window."""
        self._store_resume()
        if self._player is None:
            return
        for name in _OBSERVED:
            with contextlib.suppress(ValueError, KeyError):
                self._player.unobserve_property(name, self._post_property)
        if self._renderer is not None:
            self._renderer.free()
            self._renderer = None
        self._player.terminate()
        self._player = None

    # ---- opening
    def open_media(self, media_id: int, frame: int | None = None) -> bool:
        """Open a cataloged file paused at `frame`, else at its resume point (or frame 0); False with error set
        on failure."""
        info = self.catalog.info(media_id)
        if info["status"] == "missing":
            return self._fail(f"{info['name']} is missing: it is not at {info['path']} any more.")
        # the record's path is for display (undecodable bytes shown as \xNN); the raw bytes open the file
        raw = self.catalog.raw_paths([media_id]).get(media_id)
        clip = clip_info_from_catalog(info, None if raw is None else os_path(raw))
        return self._open(clip, info.get("resume_seconds"), frame)

    def open_sequence(self, spec: str, name: str, rate: Fraction, frame_count: int, frame: int = 0,
                      start_frame: int = 0, drop_frame: bool = False,
                      timecode_starts: tuple[tuple[int, int], ...] = ()) -> bool:
        """Open a virtual clip (an mpv `edl://` timeline of file segments, see services/sequence_spec.py) paused
        at `frame`; it has no catalog entry, proxies, resume point or scrubber. timecode_starts: see ClipInfo."""
        clip = ClipInfo(None, spec, name, SEQUENCE_KIND, rate, start_frame, drop_frame, frame_count,
                        timecode_starts=timecode_starts)
        return self._open(clip, None, frame)

    def open_clip(self, clip: ClipInfo, proxies: list[SourceChoice] | None = None, frame: int | None = None) -> bool:
        """Open a file the catalog does not hold (an archive's file, a ZIP member's slice:// URL) paused at
        `frame`, with the proxies that come with it (e.g. an archive's embedded ones): same frames and TC."""
        return self._open(clip, None, frame, proxies)

    def _open(self, clip: ClipInfo, resume_seconds: float | None, frame: int | None = None,
              proxies: list[SourceChoice] | None = None) -> bool:
        self._store_resume()
        self._drop_range()
        try:
            player = self._ensure_player()
        except RuntimeError as exc:
            return self._fail(str(exc))
        self.clip = clip
        self._decoded, self.override = {}, None
        self.marks = Marks()
        self.frame, self._target, self._played_once, self._position = 0, None, False, None
        self._pending_seek = None
        self._resume_after_switch = False
        self.error = ""
        self.error_changed.emit("")
        self._original = SourceChoice(clip.path, clip.width or 0, clip.height or 0, clip.bit_rate or 0,
                                      slices=clip.video_slices)
        self._given_proxies = list(proxies or [])
        self._proxies = self._proxy_sources(clip)
        self._bandwidth = None
        self.source = self._choose()
        self._measure_bandwidth(clip)
        self._count_slices(clip)
        start = 0.0
        if resume_seconds and clip.kind != "image":
            start = resume_seconds
        if frame is not None:
            frame = self._clamp(frame)
            self.frame, self._target = frame, frame  # mpv starts with an exact seek there
            start = float(Fraction(frame) / clip.rate)
        player.pause = True
        player.speed = 1.0
        player["play-dir"] = "+"
        self.speed, self.play_speed, self.reverse = 1.0, 1.0, False
        self._load(self.source, start)
        self.clip_changed.emit()
        self.source_changed.emit()
        self.marks_changed.emit()
        self.markers_changed.emit()
        self.frame_changed.emit(self.frame)
        return True

    def _count_slices(self, clip: ClipInfo) -> None:
        """Files cataloged before slices were counted (catalog version < 5): count them now for the next open,
        when the decoder threading can follow them."""
        if self.runner is None or clip.media_id is None or clip.kind != "video" or clip.video_slices is not None:
            return
        media_id = clip.media_id
        self.runner.submit(SliceCountJob(clip.pyav_path),
                           lambda outcome: self._on_slices_counted(media_id, outcome))

    def _on_slices_counted(self, media_id: int, outcome: Outcome) -> None:
        if outcome.ok and outcome.value is not None:
            self.catalog.set_video_slices(media_id, outcome.value)

    def _fail(self, message: str) -> bool:
        self.error = message
        self.error_changed.emit(message)
        return False

    # ---- transport
    def play(self) -> None:
        if self._player is None or self.clip is None:
            return
        if self.reverse:
            self._set_direction(False)
        self.override = None  # playing: mpv's own frames from now on
        self._player.pause = False
        if not self._played_once and self.clip.media_id is not None:
            self._played_once = True
            self.catalog.record_play(self.clip.media_id)

    def pause(self) -> None:
        self._drop_range()
        if self._player is not None:
            self._player.pause = True
            self._player.speed = self.play_speed  # a shuttle's speed ends with it

    def toggle_play(self) -> None:
        (self.pause if self.playing else self.play)()

    def shuttle(self, forward: bool) -> None:
        """JKL: L (or J) again doubles the speed up to 8x; the other direction starts at 1x."""
        if self._player is None or self.clip is None:
            return
        self._drop_range()
        if self.playing and self.reverse == (not forward):
            # the next shuttle speed above the current one (from a menu speed of 0.5x or 1.5x too)
            speed = next((s for s in SHUTTLE_SPEEDS if s > self.speed), SHUTTLE_SPEEDS[-1])
        else:
            speed = 1.0
        self._set_direction(not forward)
        self.override = None
        self._player.speed = speed
        self._player.pause = False

    def stop_shuttle(self) -> None:
        self.pause()
        if self.reverse:
            self._set_direction(False)

    def _set_direction(self, reverse: bool) -> None:
        if reverse != self.reverse and self._player is not None:
            self._player["play-dir"] = "-" if reverse else "+"
            self.reverse = reverse
            self.audio_changed.emit()  # the speed shown carries the direction

    def seek_frame(self, frame: int, exact: bool = True) -> None:
        """Show frame (0-based in the file); exact seeks decode to it, fast ones stop at a keyframe."""
        if self._player is None or self.clip is None:
            return
        self._drop_range()
        frame = self._clamp(frame)
        self._target = frame
        if self.override is not None and self.override[0] != frame:
            self.override = None  # a decoded frame on show is not the one asked for now
        # mpv's exact seek shows the first frame whose pts is at or after the target (5 ms tolerance).
        seconds = float(Fraction(frame) / self.clip.rate)
        if self._player.duration is None:
            self._pending_seek = frame  # mpv refuses seeks until the file is loaded; done on "duration"
            return self._show_target(frame)
        # This seek supersedes one still waiting: mpv can answer `duration` before its "duration" report reaches
        # us, and that report would then replay the older seek over this one.
        self._pending_seek = None
        try:
            self._player.command("seek", f"{seconds:.6f}", "absolute+exact" if exact else "absolute+keyframes")
        except SystemError:
            # mpv refuses a seek while it is between states (e.g. just restarting playback): try again shortly
            self._seek_retries += 1
            if self._seek_retries <= 20:
                self._pending_seek = frame
                QTimer.singleShot(30, self._retry_seek)
            else:
                self._target = None
                self._fail(f"mpv refused to seek in {self.clip.name}; reopen the file to continue.")
            return self._show_target(frame)
        self._seek_retries = 0
        self._show_target(frame)

    def _retry_seek(self) -> None:
        if self._pending_seek is not None and self._player is not None and self._player.duration is not None:
            frame, self._pending_seek = self._pending_seek, None
            self.seek_frame(frame)

    def _show_target(self, frame: int) -> None:
        if self.frame != frame:
            self.frame = frame
            self.frame_changed.emit(frame)

    def step(self, frames: int) -> None:
        """Frame-step by frames (negative: backwards); pauses playback. Repeated presses accumulate."""
        if self._player is None or self.clip is None:
            return
        self._drop_range()
        self._player.pause = True
        self._player.speed = self.play_speed  # a step ends a shuttle, as K does
        base = self._target if self._target is not None else self.frame
        target = self._clamp(base + frames)
        if target in self._decoded:
            self.override = (target, self._decoded[target])
            self.video_updated.emit()
            self._prefetch_around(target)
        if frames == 1 and not self.seeking and self._target is None:
            self._target = target
            try:
                self._player.command("frame-step")
            except SystemError:
                return self.seek_frame(target)
            self.frame = target
            self.frame_changed.emit(target)
        else:
            self.seek_frame(target)

    def jump_seconds(self, seconds: float) -> None:
        if self.clip is not None:
            self.step(round(seconds * self.clip.rate))

    def go_to_start(self) -> None:
        self.seek_frame(0)

    def go_to_end(self) -> None:
        self.seek_frame(self.last_frame())

    def go_to_timecode(self, text: str) -> None:
        """Seek to what an editor types (a timecode, right-aligned digits, +/- an offset: core.timecode.parse_entry);
        raises TimecodeError for text that is not one or lies outside the clip."""
        if self.clip is None:
            return
        # A virtual clip's clock is the timeline's record timecode, which jumps over its gaps.
        here = self.clip.timecode_frame(self._target if self._target is not None else self.frame)
        wanted = parse_entry(text, self.clip.rate, self.clip.drop_frame, here)
        frame = self.clip.clip_frame(wanted)
        if frame < 0 or frame > self.last_frame():
            meant = f" ({from_frames(wanted, self.clip.rate, self.clip.drop_frame)})" if wanted >= 0 else ""
            raise TimecodeError(f"{text.strip()}{meant} is outside this clip ({self.timecode(0)} – "
                                f"{self.timecode(self.last_frame())})")
        self.seek_frame(frame)

    def last_frame(self) -> int:
        if self.clip is None or not self.clip.frame_count:
            return 0
        return self.clip.frame_count - 1

    def _clamp(self, frame: int) -> int:
        return max(0, min(frame, self.last_frame()))

    # ---- audio, speed, tracks
    def set_volume(self, volume: float) -> None:
        if self._player is not None:
            self._player.volume = max(0.0, min(volume, 130.0))

    def set_muted(self, muted: bool) -> None:
        if self._player is not None:
            self._player.mute = muted

    def set_speed(self, speed: float) -> None:
        """The menu's speed: playback goes on at it (in the direction it goes) and resumes at it after a pause."""
        self.play_speed = speed
        if self._player is not None:
            self._player.speed = speed

    def set_track(self, kind: str, track_id: int | None) -> None:
        """kind 'audio' or 'sub'; None switches the track off."""
        if self._player is not None:
            self._player["aid" if kind == "audio" else "sid"] = "no" if track_id is None else track_id

    # ---- display
    def timecode(self, frame: int | None = None) -> str:
        if self.clip is None:
            return "--:--:--:--"
        frame = self.frame if frame is None else frame
        return from_frames(self.clip.timecode_frame(frame), self.clip.rate, self.clip.drop_frame)

    def render(self, width: int, height: int) -> np.ndarray | None:
        """The frame on screen as RGBX pixels scaled into width x height (GUI thread)."""
        if self._renderer is None or self.clip is None:
            return None
        self._renderer.has_new_frame()
        return self._renderer.render(width, height)

    # ---- mpv -> state
    @Slot(str, object)
    def _on_property(self, name: str, value: Any) -> None:
        if name == "time-pos" and value is not None and self.clip is not None:
            self._position = value
            frame = self._clamp(math.floor(value * self.clip.rate + Fraction(1, 2)))
            if self._target is not None and not self.seeking and frame == self._target:
                self._target = None
            if self._target is None and frame != self.frame:
                self.frame = frame
                self.frame_changed.emit(frame)
            if self._target is None and self._resume_after_switch and self._player is not None:
                self._resume_after_switch = False  # the other source is on the frame: play on from it
                self._player.pause = False
            if self._target is None and not self.playing:
                if self.override is not None and self.override[0] == frame:
                    self.override = None
                self._prefetch_around(frame)
        elif name == "pause":
            playing = not value
            if playing != self.playing:
                self.playing = playing
                self.playing_changed.emit(playing)
        elif name == "seeking":
            self.seeking = bool(value)
            if not value:
                if self._target is not None and self._position is not None:
                    self._on_property("time-pos", self._position)  # landed where the last report says?
                # mpv reports time-pos only when it changes, and reports of the frames shown just before a
                # pause can arrive after the seek; once things are quiet, take mpv's own position as truth
                # (this also settles a seek that landed elsewhere: past the end, a variable-rate file).
                QTimer.singleShot(250, self._reconcile)
        elif name == "duration" and value is not None and self._pending_seek is not None:
            frame, self._pending_seek = self._pending_seek, None
            self.seek_frame(frame)
        elif name == "speed":
            self.speed = float(value or 1.0)
            self.audio_changed.emit()
        elif name == "volume":
            self.volume = float(value or 0)
            self.audio_changed.emit()
        elif name == "mute":
            self.muted = bool(value)
            self.audio_changed.emit()
        elif name == "track-list":
            self.tracks = list(value or [])
            self.audio_changed.emit()
        elif name == "eof-reached":
            self._on_eof(bool(value))

    def _reconcile(self) -> None:
        if self.seeking or self.playing or self._player is None or self.clip is None:
            return
        position = self._player.time_pos
        if position is not None:
            self._target = None
            self._on_property("time-pos", position)

    @Slot(int, int)
    def _on_end_file(self, reason: int, error: int) -> None:
        mpv = load_mpv()
        if reason == mpv.MpvEventEndFile.ERROR and self.clip is not None:
            self._fail(f"Cannot play {self.clip.name}: libmpv could not open or decode it (error {error}). "
                       "The file may be corrupt or in a format this build cannot decode.")

    def _store_resume(self) -> None:
        if self.clip is None or self.clip.media_id is None or self._player is None:
            return
        seconds = float(Fraction(self.frame) / self.clip.rate)
        near_end = self.clip.frame_count and self.frame >= self.clip.frame_count - round(self.clip.rate) * 5
        self.catalog.set_resume(self.clip.media_id, None if near_end or seconds < 5 else seconds)
