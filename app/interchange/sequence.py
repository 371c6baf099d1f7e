"""The record sequence of a conformed timeline: which file frames play at which record frames.

Event times are frames at the timeline's rate counted on its timecode clock; a file counts its own frames
from its start timecode. Both meet on the timecode clock (as conform compares them), so a 24 fps EDL plays
23.976 media frame for frame and a drop-frame EDL finds the same wall-clock frames in 29.97 DF media.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.catalog.catalog import Catalog
from app.core.errors import TimecodeError
from app.core.paths import os_path
from app.core.proxy_presets import EDITORIAL
from app.core.timecode import supports_drop_frame, timecode_rate, to_frames
from app.interchange.conform import MATCHED, EventMatch
from app.interchange.edl_model import EdlDocument, EdlEvent


@dataclass(frozen=True)
class MediaRef:
    """What the timeline needs to know of a cataloged file an event plays."""

    media_id: int
    name: str
    rate: Fraction
    start_frame: int  # the file's start timecode as a frame number at its rate
    drop_frame: bool
    frame_count: int | None
    path: str = ""  # what the os module opens (surrogate-escaped where the name is not UTF-8)
    # an all-intra proxy with the same frames (the editorial preset: ProRes/DNxHR), when there is one: a motion
    # effect plays frame by frame from it, as each of its frames decodes on its own (long GOPs do not)
    intra_path: str = ""


@dataclass(frozen=True)
class Segment:
    """One matched video event on the record side: record frames [record_in, record_out) show file frames
    [file_in, file_out) of media_id, one for one; or, for an M2 motion effect, file frame
    anchor_file + floor((r - anchor_record) * speed) at record frame r."""

    index: int  # the event's position in the document's events
    media_id: int
    record_in: int
    record_out: int
    file_in: int  # the lowest file frame shown
    file_out: int  # exclusive: one past the highest
    speed: Fraction = Fraction(1)  # file frames per record frame; negative plays backwards, 0 holds a frame
    anchor: tuple[int, int] | None = None  # M2 only: (record frame, file frame) of the event's source in

    @property
    def one_for_one(self) -> bool:
        """True when each record frame shows the next file frame (no motion effect)."""
        return self.anchor is None

    def file_frame(self, record_frame: int) -> int:
        """The file frame on show at a record frame inside this segment."""
        if self.anchor is None:
            return self.file_in + record_frame - self.record_in
        record0, file0 = self.anchor
        return file0 + math.floor((record_frame - record0) * self.speed)

    def file_frames(self) -> list[int]:
        """The file frame of each record frame of the segment, in record order."""
        return [self.file_frame(r) for r in range(self.record_in, self.record_out)]

    def record_frame(self, file_frame: int) -> int:
        """The (first) record frame a file frame of this segment plays at, kept inside the segment."""
        if self.anchor is None:
            return self.record_in + file_frame - self.file_in
        record0, file0 = self.anchor
        offset = file_frame - file0
        if self.speed > 0:  # the first r with floor((r - record0) * speed) >= offset
            record = record0 + math.ceil(offset / self.speed)
        elif self.speed < 0:  # the first r with floor((r - record0) * speed) <= offset
            record = record0 + math.floor((offset + 1) / self.speed) + 1
        else:
            record = self.record_in
        return min(max(record, self.record_in), self.record_out - 1)

    def clipped(self, record_in: int, record_out: int) -> Segment:
        """The part of this segment between two record frames (the file range follows)."""
        if self.anchor is None:
            return Segment(self.index, self.media_id, record_in, record_out, self.file_in + record_in - self.record_in,
                           self.file_in + record_out - self.record_in)
        frames = [self.file_frame(r) for r in range(record_in, record_out)]
        return Segment(self.index, self.media_id, record_in, record_out, min(frames), max(frames) + 1, self.speed,
                       self.anchor)


def is_video_track(track: str) -> bool:
    """True for "V" and the "V2", "V3"… of multi-track timelines."""
    return track.startswith("V")


def has_video(event: EdlEvent) -> bool:
    """True when the event fills a video track."""
    return any(is_video_track(t) for t in event.tracks)


def media_ref(info: dict[str, Any], path: str | None = None) -> MediaRef | None:
    """A MediaRef from a catalog record (Catalog.info) and the file's os path (else the record's display path);
    None for a file without a known frame rate."""
    if not info.get("frame_rate"):
        return None
    num, den = (int(x) for x in info["frame_rate"].split("/"))
    rate = Fraction(num, den)
    start = 0
    drop = bool(info.get("drop_frame")) and supports_drop_frame(rate)
    if info.get("start_timecode"):
        try:
            start = to_frames(info["start_timecode"], rate)
        except TimecodeError:
            start = 0
    if path is None:
        path = info.get("path") or ""
    return MediaRef(info["id"], info["name"], rate, start, drop, info.get("frame_count"), path)


def media_refs(catalog: Catalog, ids: Iterable[int]) -> dict[int, MediaRef]:
    """MediaRefs of the given cataloged files (files without a frame rate are left out)."""
    refs = {}
    wanted = list(dict.fromkeys(ids))
    raw = catalog.raw_paths(wanted)  # the exact bytes: a display path is not a file for a non-UTF-8 name
    for media_id in wanted:
        ref = media_ref(catalog.info(media_id), os_path(raw[media_id]) if media_id in raw else None)
        if ref is not None:
            intra = next((p["path"] for p in catalog.proxies(media_id) if p["preset"] == EDITORIAL
                          and (not ref.frame_count or p["frame_count"] in (None, ref.frame_count))
                          and os.path.isfile(p["path"])), "")
            refs[media_id] = dataclasses.replace(ref, intra_path=intra)
    return refs


def _clock_rate(rate: Fraction, drop: bool) -> Fraction:
    # Non-drop timecode counts whole frames per second (24 at 23.976); drop-frame timecode tracks real time.
    return rate if drop and supports_drop_frame(rate) else Fraction(timecode_rate(rate))


def to_file_frame(frame: int, doc: EdlDocument, ref: MediaRef, drop: bool | None = None) -> int:
    """The file frame (0 = the file's first) a timeline source frame names."""
    doc_drop = doc.drop_frame if drop is None else drop
    doc_clock, file_clock = _clock_rate(doc.rate, doc_drop), _clock_rate(ref.rate, ref.drop_frame)
    if doc_clock == file_clock:
        return frame - ref.start_frame
    return round(Fraction(frame) / doc_clock * file_clock) - ref.start_frame


def file_range(event: EdlEvent, doc: EdlDocument, ref: MediaRef) -> tuple[int, int]:
    """The event's source range [in, out) in file frames (not clamped to the file)."""
    drop = event.drop_frame or doc.drop_frame
    return to_file_frame(event.source_in, doc, ref, drop), to_file_frame(event.source_out, doc, ref, drop)


def inside_file(event: EdlEvent, doc: EdlDocument, ref: MediaRef) -> bool:
    """True when the event's whole source range lies inside the file (or the file's length is unknown)."""
    first, end = file_range(event, doc, ref)
    return first >= 0 and (ref.frame_count is None or end <= ref.frame_count)


def motion_speed(event: EdlEvent, doc: EdlDocument, ref: MediaRef) -> Fraction | None:
    """File frames per record frame of an event's M2 motion effect; None without one (or at exactly 1).

    The M2 speed is source frames per second of timecode (48.0 is twice speed at 24 and at 23.976, whose
    timecode counts 24 frames a second too), so it is divided by the timeline's timecode rate."""
    if event.speed is None:
        return None
    drop = event.drop_frame or doc.drop_frame
    speed = _m2_ratio(event.speed, doc.rate)
    # file frames per timeline frame: 1 when both count on the same clock (the usual case)
    speed *= _clock_rate(ref.rate, ref.drop_frame) / _clock_rate(doc.rate, drop)
    return None if speed == 1 else speed


def _m2_ratio(speed: float, rate: Fraction) -> Fraction:
    return Fraction(str(speed)) / timecode_rate(rate)


def shown_source_range(event: EdlEvent, rate: Fraction) -> tuple[int, int]:
    """The source frames [first, end) an event shows, on the EDL's clock: its source range widened to every
    frame its M2 effect reaches (twice speed runs past a source out written as in + record duration)."""
    if event.speed is None or event.record_frames <= 0:
        return event.source_in, event.source_out
    ratio = _m2_ratio(event.speed, rate)
    ends = (event.source_in, event.source_in + math.floor((event.record_frames - 1) * ratio))  # it is monotonic
    return min(event.source_in, *ends), max(event.source_out, max(ends) + 1)


def _event_segment(index: int, event: EdlEvent, doc: EdlDocument, ref: MediaRef) -> Segment | None:
    first, end = file_range(event, doc, ref)
    speed = motion_speed(event, doc, ref)
    if speed is not None:
        # An M2 event shows file frame first + floor(i * speed) at its record frame i (its source out says
        # nothing more); the record frames whose file frame lies outside the file are left out.
        whole = Segment(index, ref.media_id, event.record_in, event.record_out, first, first + 1, speed,
                        (event.record_in, first))
        inside = [r for r in range(event.record_in, event.record_out)
                  if whole.file_frame(r) >= 0 and (ref.frame_count is None or whole.file_frame(r) < ref.frame_count)]
        return whole.clipped(inside[0], inside[-1] + 1) if inside else None
    length = min(end - first, event.record_frames)
    if ref.frame_count is not None:
        length = min(length, ref.frame_count - first)
    skip = max(-first, 0)  # a source in before the file's first frame: start where the file does
    if length - skip <= 0:
        return None
    return Segment(index, ref.media_id, event.record_in + skip, event.record_in + length, first + skip, first + length)


def build_sequence(doc: EdlDocument, matches: list[EventMatch], refs: dict[int, MediaRef]) -> list[Segment]:
    """Matched video events in record order; where two overlap on the record side (or on two video tracks)
    the one that starts later wins."""
    segments: list[Segment] = []
    for index, (event, match) in enumerate(zip(doc.events, matches, strict=True)):
        ref = refs.get(match.media_id) if match.media_id is not None else None
        if not has_video(event) or match.status != MATCHED or ref is None:
            continue
        segment = _event_segment(index, event, doc, ref)
        if segment is not None:
            segments.append(segment)
    segments.sort(key=lambda s: (s.record_in, s.index))
    trimmed: list[Segment] = []
    for segment in segments:
        if trimmed and trimmed[-1].record_out > segment.record_in:
            last = trimmed.pop()
            if segment.record_in > last.record_in:
                trimmed.append(last.clipped(last.record_in, segment.record_in))
        trimmed.append(segment)
    return trimmed


def segment_at(segments: list[Segment], record_frame: int) -> Segment | None:
    """The segment showing a record frame, or None in a gap."""
    return next((s for s in segments if s.record_in <= record_frame < s.record_out), None)


def record_span(doc: EdlDocument) -> tuple[int, int]:
    """First and end (exclusive) record frames of all events; (0, 0) for an empty timeline."""
    if not doc.events:
        return 0, 0
    return min(e.record_in for e in doc.events), max(e.record_out for e in doc.events)
