"""The record sequence of a conformed timeline: which file frames play at which record frames.

Event times are frames at the timeline's rate counted on its timecode clock; a file counts its own frames
from its start timecode. Both meet on the timecode clock (as conform compares them), so a 24 fps EDL plays
23.976 media frame for frame and a drop-frame EDL finds the same wall-clock frames in 29.97 DF media.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.catalog.catalog import Catalog
from app.core.errors import TimecodeError
from app.core.paths import os_path
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


@dataclass(frozen=True)
class Segment:
    """One matched video event on the record side: record frames [record_in, record_out) show file frames
    [file_in, file_out) of media_id, one for one."""

    index: int  # the event's position in the document's events
    media_id: int
    record_in: int
    record_out: int
    file_in: int
    file_out: int  # exclusive

    def file_frame(self, record_frame: int) -> int:
        """The file frame on show at a record frame inside this segment."""
        return self.file_in + record_frame - self.record_in

    def record_frame(self, file_frame: int) -> int:
        """The record frame a file frame of this segment plays at."""
        return self.record_in + file_frame - self.file_in


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
            refs[media_id] = ref
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


def build_sequence(doc: EdlDocument, matches: list[EventMatch], refs: dict[int, MediaRef]) -> list[Segment]:
    """Matched video events in record order; where two overlap on the record side (or on two video tracks)
    the one that starts later wins."""
    segments: list[Segment] = []
    for index, (event, match) in enumerate(zip(doc.events, matches, strict=True)):
        ref = refs.get(match.media_id) if match.media_id is not None else None
        if not has_video(event) or match.status != MATCHED or ref is None:
            continue
        first, end = file_range(event, doc, ref)
        # A speed change (M2) plays its source at normal speed here: the segment is as long as both sides allow.
        length = min(end - first, event.record_frames)
        if ref.frame_count is not None:
            length = min(length, ref.frame_count - first)
        skip = max(-first, 0)  # a source in before the file's first frame: start where the file does
        if length - skip <= 0:
            continue
        segments.append(Segment(index, ref.media_id, event.record_in + skip, event.record_in + length,
                                first + skip, first + length))
    segments.sort(key=lambda s: (s.record_in, s.index))
    trimmed: list[Segment] = []
    for segment in segments:
        if trimmed and trimmed[-1].record_out > segment.record_in:
            last = trimmed.pop()
            cut = segment.record_in - last.record_in
            if cut > 0:
                trimmed.append(Segment(last.index, last.media_id, last.record_in, segment.record_in,
                                       last.file_in, last.file_in + cut))
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
