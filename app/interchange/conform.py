"""Conform: find the cataloged video file behind each EDL event by name and source timecode."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.core.errors import TimecodeError
from app.core.timecode import from_frames, supports_drop_frame, timecode_rate, to_frames
from app.interchange.cmx3600 import parse_edl
from app.interchange.edl_model import EdlDocument, EdlEvent

MATCHED, AMBIGUOUS, OFFLINE, NOT_MEDIA = "matched", "ambiguous", "offline", "not media"
STATUSES = (MATCHED, AMBIGUOUS, OFFLINE, NOT_MEDIA)
# Reels that name no recorded media: black and the aux source (CMX "BL", "AX"; some systems spell them out).
_BLACK_REELS = frozenset({"BL", "BLK", "BLACK"})
_AUX_REELS = frozenset({"AX", "AUX"})
# Characters that may follow a reel name inside a longer camera file name (A001C003 -> A001C003_220101_R1AB).
_NAME_BOUNDARY = "_-. "


@dataclass(frozen=True)
class EventMatch:
    """How one EDL event conformed: the chosen file, or why none was chosen."""

    event_number: int
    status: str  # "matched" | "ambiguous" | "offline" | "not media" (black, aux: nothing to find)
    media_id: int | None
    candidates: list[int] = field(default_factory=list)
    reason: str = ""


@dataclass(frozen=True)
class _Clip:
    media_id: int
    name: str
    stem: str
    rate: Fraction | None
    start: int
    frame_count: int | None
    drop_frame: bool
    path: str = ""


def conform(doc: EdlDocument, catalog: Catalog, within: Collection[int] | None = None) -> list[EventMatch]:
    """One EventMatch per event, in event order, against the catalog's ok video files (only those whose ids are
    `within`, when given: e.g. the files of one archive version)."""
    clips = _video_clips(catalog, within)
    counted: dict[int, _Clip] = {}

    def with_count(clip: _Clip) -> _Clip:
        # frame_count is not a display-row column; read full records only for files a name points at.
        if clip.media_id not in counted:
            counted[clip.media_id] = _with_frame_count(clip, catalog.info(clip.media_id))
        return counted[clip.media_id]

    matches = []
    for event in doc.events:
        reason = not_media_reason(event)
        if reason is not None:
            matches.append(EventMatch(event.number, NOT_MEDIA, None, [], reason))
            continue
        named = [with_count(c) for c in clips if _name_matches(c.stem, _event_names(event))]
        matches.append(_match_event(event, doc, named, catalog))
    return matches


def not_media_reason(event: EdlEvent) -> str | None:
    """Why an event names no media (black; an aux source with no clip name or file), or None."""
    reel = event.reel.upper()
    if reel in _BLACK_REELS:
        return f"black ({event.reel})"
    if reel in _AUX_REELS and not event.name and not event.source_file:
        # Premiere writes AX for every file-based clip, with the file in FROM CLIP NAME: those are media.
        return f"aux source ({event.reel}) with no clip name or source file"
    return None


def relink(matches: list[EventMatch], event_number: int, media_id: int,
           reason: str = "relinked by hand") -> list[EventMatch]:
    """The matches with every event numbered `event_number` linked by hand to `media_id`."""
    return [
        dataclasses.replace(m, status=MATCHED, media_id=media_id, reason=reason)
        if m.event_number == event_number else m
        for m in matches
    ]


def common_rate(matches: list[EventMatch], catalog: Catalog) -> Fraction | None:
    """The frame rate every matched file shares, or None when there are none or they differ."""
    ids = [m.media_id for m in matches if m.status == MATCHED and m.media_id is not None]
    rates = {Fraction(r["fps_num"], r["fps_den"]) for r in catalog.rows(ids) if r["fps_num"] and r["fps_den"]}
    return rates.pop() if len(rates) == 1 else None


def _video_clips(catalog: Catalog, within: Collection[int] | None = None) -> list[_Clip]:
    ids = catalog.query_ids(LibraryFilter(kinds=frozenset({"video"}), status="ok", sort="path"))
    if within is not None:
        ids = [i for i in ids if i in within]
    clips = []
    for row in catalog.rows(ids):
        rate = Fraction(row["fps_num"], row["fps_den"]) if row["fps_num"] and row["fps_den"] else None
        start_tc = row["start_tc"] or ""
        try:
            start = to_frames(start_tc, rate) if start_tc and rate else 0
        except TimecodeError:
            start = 0
        stem = os.path.splitext(row["name"])[0].lower()
        clips.append(_Clip(row["id"], row["name"], stem, rate, start, None, ";" in start_tc or "," in start_tc,
                           row["path"]))
    return clips


def _event_names(event: EdlEvent) -> list[str]:
    reel = "" if event.reel.upper() in _AUX_REELS | _BLACK_REELS else event.reel
    names = [reel, event.name or "", _basename(event.source_file or "")]
    stems = [os.path.splitext(n)[0].lower() if "." in n else n.lower() for n in names]
    return [s for i, s in enumerate(stems) if s and s not in stems[:i]]


def _basename(path: str) -> str:
    # SOURCE FILE paths come from any OS: split on both separators.
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _name_matches(stem: str, names: list[str]) -> bool:
    return any(stem == n or (stem.startswith(n) and stem[len(n)] in _NAME_BOUNDARY) for n in names)


def _match_event(event: EdlEvent, doc: EdlDocument, named: list[_Clip], catalog: Catalog) -> EventMatch:
    if not named:
        what = f"reel {event.reel}" if event.reel.upper() not in _AUX_REELS else f"clip {event.name or event.source_file}"
        return EventMatch(event.number, OFFLINE, None, [], f"no file named like {what}")
    drop = event.drop_frame or doc.drop_frame
    inside = [c for c in named if _covers(c, event, doc.rate, drop)]
    if len(inside) > 1:
        inside = _prefer_named(event, inside, catalog)
    if len(inside) == 1:
        return EventMatch(event.number, MATCHED, inside[0].media_id, [inside[0].media_id],
                          f"reel {event.reel} = {inside[0].name}")
    if inside:
        ids = [c.media_id for c in inside]
        return EventMatch(event.number, AMBIGUOUS, None, ids,
                          f"{len(ids)} files match reel {event.reel}: " + ", ".join(c.name for c in inside))
    src = f"{_tc(event.source_in, doc.rate, drop)}–{_tc(event.source_out, doc.rate, drop)}"
    outside = "; ".join(f"{c.name} ({_clip_range(c)})" for c in named)
    return EventMatch(event.number, OFFLINE, None, [], f"source TC {src} outside {outside}")


def _prefer_named(event: EdlEvent, inside: list[_Clip], catalog: Catalog) -> list[_Clip]:
    """Of several files that fit an event: the one its SOURCE FILE path names; else a subclip (an extract)
    loses to its source, unless the event's clip name or source file names the subclip and not the source
    (a reel the subclip's name starts with, or equals, is its source's reel)."""
    if event.source_file:
        exact = [c for c in inside if c.path and c.path == event.source_file]
        if len(exact) == 1:
            return exact
    names = {os.path.splitext(n)[0].lower() for n in (event.name or "", _basename(event.source_file or "")) if n}
    by_id = {c.media_id: c for c in inside}
    dropped: set[int] = set()
    for clip in inside:
        link = catalog.subclip_source(clip.media_id)
        source = by_id.get(link["source_id"]) if link is not None else None
        if source is None:
            continue
        dropped.add(source.media_id if clip.stem in names and source.stem not in names else clip.media_id)
    return [c for c in inside if c.media_id not in dropped] or inside


def _covers(clip: _Clip, event: EdlEvent, rate: Fraction, drop: bool) -> bool:
    if clip.rate is None or clip.frame_count is None:
        return True  # nothing to check the range against; the name match stands
    if clip.rate == rate:
        return clip.start <= event.source_in and event.source_out <= clip.start + clip.frame_count
    lo, hi = _clock(clip.start, clip.rate, clip.drop_frame), _clock(clip.start + clip.frame_count, clip.rate,
                                                                      clip.drop_frame)
    return lo <= _clock(event.source_in, rate, drop) and _clock(event.source_out, rate, drop) <= hi


def _clock(frames: int, rate: Fraction, drop: bool) -> Fraction:
    """Seconds on the timecode clock: non-drop timecode counts whole frames per second (24 at 23.976),
    so 01:00:00:00 reads as 3600 s at every rate; drop-frame timecode tracks real time."""
    return Fraction(frames) / (rate if drop and supports_drop_frame(rate) else timecode_rate(rate))


def _tc(frames: int, rate: Fraction, drop: bool) -> str:
    return from_frames(max(frames, 0), rate, drop and supports_drop_frame(rate))


def _clip_range(clip: _Clip) -> str:
    if clip.rate is None or clip.frame_count is None:
        return "range unknown"
    return f"{_tc(clip.start, clip.rate, clip.drop_frame)}–{_tc(clip.start + clip.frame_count, clip.rate, clip.drop_frame)}"


def _with_frame_count(clip: _Clip, record: dict[str, Any]) -> _Clip:
    count = record.get("frame_count")
    if count is None and record.get("duration") and clip.rate:
        count = round(Fraction(record["duration"]) * clip.rate)
    return dataclasses.replace(clip, frame_count=count)


def load_and_conform(data: bytes | str, catalog: Catalog, rate: Fraction | None = None,
                     within: Collection[int] | None = None) -> tuple[EdlDocument, list[EventMatch]]:
    """Parse and conform; without a given rate, re-parse at the matched media's rate when they all agree
    (an EDL's FCM line says drop or non-drop, never the rate)."""
    doc = parse_edl(data, rate)
    matches = conform(doc, catalog, within)
    if rate is None:
        media_rate = common_rate(matches, catalog)
        if media_rate is not None and media_rate != doc.rate:
            doc = parse_edl(data, media_rate)
            matches = conform(doc, catalog, within)
    return doc, matches
