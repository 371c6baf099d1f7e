"""Sequence playback: the timeline's matched video events played in record order through the one player.

Each segment plays with PlayerService.play_range(), which pauses on the segment's last frame (its source
out is exclusive); then the next segment's file opens at its first frame and plays. So every cut shows
exactly the frames the EDL names — the last frame of the outgoing event, then the first of the incoming
one — with a short hold while the next file opens (not a real-time conform). Gaps and unmatched events are
skipped; transitions play as cuts at their start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from app.interchange.sequence import Segment, segment_at

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
        start = segment.file_frame(max(frame, segment.record_in))
        self._set_active(True)
        self._play_segment(segment, start)
        return True

    def stop(self, pause: bool = False) -> None:
        """Leave sequence playback (pausing the player when asked)."""
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

    def _play_segment(self, segment: Segment, frame: int) -> None:
        if not self.show(segment, frame):
            self._set_active(False)
            return
        self._driving = True
        try:
            self.player.play_range(frame, segment.file_out)
        finally:
            self._driving = False

    def _set_active(self, active: bool) -> None:
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
        segments = self.timeline.segments
        position = next((i for i, s in enumerate(segments) if s is self.segment), None)
        if position is None or position + 1 >= len(segments):
            self._set_active(False)  # the end of the sequence
            return
        following = segments[position + 1]
        self._play_segment(following, following.file_in)

    @Slot(int)
    def _on_frame(self, frame: int) -> None:
        segment, clip = self.segment, self.player.clip
        if segment is None or clip is None or clip.media_id != segment.media_id:
            return
        if segment.file_in <= frame < segment.file_out:
            self.timeline.set_playhead(segment.record_frame(frame))

    @Slot()
    def _on_clip(self) -> None:
        clip = self.player.clip
        if not self._driving and self.segment is not None and (clip is None or clip.media_id != self.segment.media_id):
            self.segment = None  # another file was opened: the playhead no longer follows the player
