"""Sequence playback: the timeline's matched video events played in record order through the one player.

The segments play as one mpv `edl://` virtual clip (services/sequence_spec.py): no pause at cuts, and every
cut shows exactly the frames the EDL names — the last frame of the outgoing event, then the first of the
incoming one. Where the files cannot make one virtual clip (different rates), each
segment plays with PlayerService.play_range(), which pauses on its last frame, and the next file opens at
its first frame (a short hold at each cut). Gaps and unmatched events are skipped; transitions play as cuts
at their start.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from app.core.timecode import timecode_rate
from app.interchange.sequence import Segment, segment_at
from app.services.player_clip import SEQUENCE_KIND
from app.services.sequence_spec import SequenceSpec, sequence_spec

if TYPE_CHECKING:
    from app.services.timeline import TimelineService


class SequencePlayback(QObject):
    """Drives the player for TimelineService: record-frame seeks and steps, and sequence playback."""

    def __init__(self, timeline: TimelineService) -> None:
        super().__init__(timeline)
        self.timeline = timeline
        self.player = timeline.player
        self.active = False
        self.segment: Segment | None = None  # the segment the player shows, when it shows one
        self._driving = False  # our own calls into the player: their range_ended(False) is not the user's
        self._spec: SequenceSpec | None = None  # the virtual clip the player has open, when it has one
        self._hold = QTimer(self)  # segment by segment: how long a reverse or freeze M2 event holds its frame
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._after_hold)
        self._sped = False  # we set the player's speed for an M2 event (segment by segment): put it back after
        self.player.range_ended.connect(self._on_range_ended)
        self.player.frame_changed.connect(self._on_frame)
        self.player.clip_changed.connect(self._on_clip)

    # ---- commands
    def seek(self, frame: int) -> bool:
        segment = segment_at(self.timeline.segments, frame)
        self.timeline.set_playhead(frame)
        if segment is None:
            self.stop()
            return False
        if self.active:
            return self.play(frame)
        self.show(segment, segment.file_frame(frame))
        return True

    def step(self, frames: int) -> bool:
        segments = self.timeline.segments
        if not segments:
            return False
        target = self.timeline.playhead + frames
        if segment_at(segments, target) is None:
            # in a gap (or past an end): the nearest frame of a segment in the direction of travel
            if frames > 0:
                after = [s for s in segments if s.record_in > target]
                target = after[0].record_in if after else segments[-1].record_out - 1
            else:
                before = [s for s in segments if s.record_out <= target]
                target = before[-1].record_out - 1 if before else segments[0].record_in
        self.stop()
        return self.seek(target)

    def play(self, frame: int) -> bool:
        segments = self.timeline.segments
        segment = segment_at(segments, frame) or next((s for s in segments if s.record_in > frame), None)
        if segment is None:
            self.stop()
            self.timeline.message.emit("Nothing to play: no matched video event from here on.")
            return False
        start = max(frame, segment.record_in)
        spec = self._virtual_clip()
        self._set_active(True)
        if spec is None:
            self._play_segment(segment, start)
        else:
            self._play_virtual(spec, segments.index(segment), start)
        return True

    def _virtual_clip(self) -> SequenceSpec | None:
        spec = sequence_spec(self.timeline.segments, self.timeline.media)
        if spec is not None and self._spec is not None and spec.url == self._spec.url:
            return self._spec
        return spec

    def _play_virtual(self, spec: SequenceSpec, position: int, record_frame: int) -> None:
        segment = self.timeline.segments[position]
        virtual = spec.starts[position] + record_frame - segment.record_in
        self.segment = segment
        self.timeline.set_current(segment.index)
        player = self.player
        self._driving = True
        try:
            if not self._showing_virtual(spec):
                doc = self.timeline.doc
                # the player's clock reads record timecode, also past a skipped gap, when both count alike
                starts: tuple[tuple[int, int], ...] = ()
                if doc is not None and timecode_rate(doc.rate) == timecode_rate(spec.rate):
                    starts = tuple((v, s.record_in) for v, s in zip(spec.starts, self.timeline.segments, strict=True))
                name = self.timeline.path.name if self.timeline.path is not None else "sequence"
                if not player.open_sequence(spec.url, f"Sequence: {name}", spec.rate, spec.frame_count, virtual,
                                            starts[0][1] if starts else 0, bool(doc and doc.drop_frame), starts):
                    self._set_active(False)
                    self.timeline.error_raised.emit(player.error)
                    return
                self._spec = spec
            player.play_range(virtual, spec.frame_count)
        finally:
            self._driving = False

    def _showing_virtual(self, spec: SequenceSpec | None = None) -> bool:
        clip, spec = self.player.clip, spec or self._spec
        return (clip is not None and spec is not None and clip.kind == SEQUENCE_KIND and clip.path == spec.url
                and not self.player.error)

    def stop(self, pause: bool = False) -> None:
        """Leave sequence playback (pausing the player when asked)."""
        self._hold.stop()
        if not self.active:
            return
        self._set_active(False)
        if pause:
            self._driving = True
            self.player.pause()
            self._driving = False

    # ---- the player
    def show(self, segment: Segment, frame: int) -> bool:
        """Put a segment's file frame on screen (paused), with marks on the segment."""
        self.segment = segment
        self.timeline.set_current(segment.index)
        self._driving = True
        try:
            return self.timeline.show_source(segment.media_id, frame, segment.file_in, segment.file_out)
        finally:
            self._driving = False

    def _play_segment(self, segment: Segment, record_frame: int) -> None:
        if not self.show(segment, segment.file_frame(record_frame)):
            self._set_active(False)
            return
        if segment.speed <= 0:
            # Segment by segment, mpv plays a file forwards only: a reverse or freeze motion effect holds the
            # frame on show for the event's record duration (the virtual clip plays it frame by frame).
            rate = self.timeline.doc.rate if self.timeline.doc is not None else Fraction(24)
            held = Fraction(segment.record_out - record_frame) / rate
            self._hold.start(max(round(held * 1000), 1))
            return
        self._driving = True
        try:
            if segment.speed != 1 or self._sped:
                self.player.set_speed(float(segment.speed))  # an M2 effect plays its file at its speed
                self._sped = segment.speed != 1
            last = segment.file_frame(segment.record_out - 1)
            self.player.play_range(segment.file_frame(record_frame), last + 1)
        finally:
            self._driving = False

    def _set_active(self, active: bool) -> None:
        if not active and self._sped:
            self._sped = False
            self.player.set_speed(1.0)
        if active != self.active:
            self.active = active
            self.timeline.sequence_changed.emit(active)

    @Slot(bool)
    def _on_range_ended(self, reached: bool) -> None:
        if not self.active or self._driving:
            return
        if not reached:
            self._set_active(False)  # the user took over (paused, stepped, seeked, opened another file)
            return
        if self._showing_virtual():
            self._set_active(False)
            # the end: show the last event's own file on its last frame (marks, timecode, proxies as usual);
            # after this signal, not inside the player's own call
            QTimer.singleShot(0, self._show_last_source)
            return
        self._play_next()

    def _after_hold(self) -> None:
        segment, player = self.segment, self.player
        held = segment is not None and player.clip is not None and player.clip.media_id == segment.media_id
        if self.active and held and not player.playing:
            self._play_next()
        else:
            self._set_active(False)  # the user took over during the hold

    def _play_next(self) -> None:
        segments = self.timeline.segments
        position = next((i for i, s in enumerate(segments) if s is self.segment), None)
        if position is None or position + 1 >= len(segments):
            self._set_active(False)  # the end of the sequence
            return
        following = segments[position + 1]
        self._play_segment(following, following.record_in)

    def _show_last_source(self) -> None:
        segment, spec, segments = self.segment, self._spec, self.timeline.segments
        if self.active or segment is None or spec is None or segment not in segments:
            return
        if not self._showing_virtual():
            return
        position = segments.index(segment)
        record = segment.record_in + self.player.frame - spec.starts[position]
        self.show(segment, segment.file_frame(min(max(record, segment.record_in), segment.record_out - 1)))

    @Slot(int)
    def _on_frame(self, frame: int) -> None:
        if self._showing_virtual():
            return self._on_virtual_frame(frame)
        segment, clip = self.segment, self.player.clip
        if segment is None or clip is None or clip.media_id != segment.media_id:
            return
        if segment.file_in <= frame < segment.file_out and segment.file_frame(self.timeline.playhead) != frame:
            # a frame an M2 effect holds plays at several record frames: the playhead stays where it was put
            self.timeline.set_playhead(segment.record_frame(frame))

    def _on_virtual_frame(self, frame: int) -> None:
        assert self._spec is not None
        segments = self.timeline.segments
        position = self._spec.locate(frame)
        if position >= len(segments):
            return
        segment = segments[position]
        if segment is not self.segment:
            self.segment = segment
            self.timeline.set_current(segment.index)
        self.timeline.set_playhead(segment.record_in + frame - self._spec.starts[position])

    @Slot()
    def _on_clip(self) -> None:
        clip = self.player.clip
        if not self._driving and self.segment is not None and (clip is None or clip.media_id != self.segment.media_id):
            self.segment = None  # another file was opened: the playhead no longer follows the player
