"""Timelines read through OpenTimelineIO adapters (FCP 7 XML, AAF, .otio) into the EdlDocument model.

One event per clip on each track, numbered track by track (V, V2.., then A1, A2..) so the numbers stay the
same every time a file is read (saved relinks are keyed by them). Times become integer frames at the
timeline's rate; record times count from the timeline's global start time. A transition becomes a CMX-style
dissolve or wipe on the incoming clip, which starts where the transition starts.
"""

from __future__ import annotations

import dataclasses
import os
import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from app.core.errors import ReelkeepError, TimecodeError
from app.core.regular_file import NotARegularFile, check_regular
from app.core.timecode import parse_rate, supports_drop_frame
from app.interchange.edl_model import EdlClipRange, EdlDocument, EdlEvent, EdlLocator

# suffix -> (OTIO adapter name, format name for messages, the package that provides the adapter)
ADAPTERS = {
    ".otio": ("otio_json", "OpenTimelineIO", "opentimelineio"),
    ".xml": ("fcp_xml", "Final Cut Pro 7 XML", "otio-fcp-adapter"),
    ".aaf": ("AAF", "AAF", "otio-aaf-adapter"),
}
DEFAULT_RATE = Fraction(24)
# The largest timeline file read: a feature's EDL or XML is a few MB; this stops a mislabelled disk image.
MAX_TIMELINE_BYTES = 64 << 20
_BLACK_GENERATORS = {"slug", "black", "blackvideo", "solidcolor"}


class UnsupportedTimeline(ReelkeepError):
    """A file whose format Reelkeep cannot read as a timeline, or a damaged one; the message names the file."""


def read_otio_file(path: Path) -> EdlDocument:
    """Read an .otio, FCP 7 .xml or .aaf file through its OTIO adapter; any failure is an UnsupportedTimeline."""
    suffix = path.suffix.lower()
    if suffix not in ADAPTERS:
        raise UnsupportedTimeline(f"{path.name}: no OpenTimelineIO adapter for {suffix or 'files without a suffix'}")
    adapter, fmt, package = ADAPTERS[suffix]
    try:
        otio.adapters.from_name(adapter)
    except otio.exceptions.NotSupportedError as exc:
        raise UnsupportedTimeline(f"{path.name}: reading {fmt} needs the {package} package") from exc
    try:
        check_regular(path, MAX_TIMELINE_BYTES)  # the adapters would block on a FIFO or read /dev/zero forever
    except NotARegularFile as exc:
        raise UnsupportedTimeline(f"cannot read {path}: {exc}") from exc
    if suffix == ".xml":
        _check_fcp_xml(path)
    try:
        result = otio.adapters.read_from_file(str(path), adapter_name=adapter)
    except OSError as exc:
        raise UnsupportedTimeline(f"cannot read {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - adapters raise anything (KeyError, ValueError, struct.error...) on bad input
        raise UnsupportedTimeline(f"{path.name}: not a readable {fmt} file ({type(exc).__name__}: {exc})") from exc
    warnings: list[str] = []
    timeline = _first_timeline(result, path, fmt, warnings)
    return timeline_to_document(timeline, warnings)


def _check_fcp_xml(path: Path) -> None:
    # Camera cards and other tools leave .xml files everywhere: say what this one is before an adapter guesses.
    try:
        root = None
        for _, element in ElementTree.iterparse(path, events=("start",)):
            if root is None:
                root = element.tag
                if root != "xmeml":
                    raise UnsupportedTimeline(f"{path.name}: an XML file but not a Final Cut Pro 7 XML timeline (its "
                                              f"root is <{root}>, not <xmeml>)")
    except ElementTree.ParseError as exc:
        raise UnsupportedTimeline(f"{path.name}: not well-formed XML ({exc})") from exc
    except OSError as exc:
        raise UnsupportedTimeline(f"cannot read {path}: {exc.strerror or exc}") from exc


def _first_timeline(result: Any, path: Path, fmt: str, warnings: list[str]) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    timelines = list(result.find_children(descended_from_type=otio.schema.Timeline)) if isinstance(
        result, otio.schema.SerializableCollection) else []
    if not timelines:
        raise UnsupportedTimeline(f"{path.name}: the {fmt} file holds no timeline")
    if len(timelines) > 1:
        warnings.append(f"{len(timelines)} timelines in the file; read the first ({timelines[0].name})")
    return timelines[0]


def timeline_to_document(timeline: otio.schema.Timeline, warnings: list[str] | None = None) -> EdlDocument:
    """An OTIO timeline as an EdlDocument: one event per clip on each track, in frames at the timeline rate."""
    warnings = list(warnings or [])
    rate = _timeline_rate(timeline, warnings)
    start = _frames(timeline.global_start_time, rate) if timeline.global_start_time is not None else 0
    drop = _drop_frame(timeline, rate)
    read: list[tuple[EdlEvent, Any]] = []
    for name, track in _named_tracks(timeline, warnings):
        if not track.enabled:
            warnings.append(f"track {name} is disabled: its clips were not read")
            continue
        read.extend(_TrackReader(track, name, rate, start, drop, warnings, len(read)).events())
    return EdlDocument(timeline.name or None, rate, drop, _numbered(read), [], warnings)


def _numbered(read: list[tuple[EdlEvent, Any]]) -> list[EdlEvent]:
    """Events numbered as the EDL they were exported from (Reelkeep's .otio) when every clip says its number."""
    if read and all(isinstance(n, int) and not isinstance(n, bool) for _, n in read):
        return [dataclasses.replace(event, number=n) for event, n in read]
    return [event for event, _ in read]


def _named_tracks(timeline: otio.schema.Timeline, warnings: list[str]) -> list[tuple[str, otio.schema.Track]]:
    named = [("V" if i == 1 else f"V{i}", t) for i, t in enumerate(timeline.video_tracks(), 1)]
    named += [(f"A{i}", t) for i, t in enumerate(timeline.audio_tracks(), 1)]
    kept = {id(t) for _, t in named}
    for child in timeline.tracks:
        if id(child) not in kept:
            kind = child.kind if isinstance(child, otio.schema.Track) else type(child).__name__
            warnings.append(f"a {kind} track '{child.name}' is neither video nor audio: not read")
    return named


def _timeline_rate(timeline: otio.schema.Timeline, warnings: list[str]) -> Fraction:
    exact = timeline.metadata.get("reelkeep", {}).get("rate") if _is_dict(timeline.metadata.get("reelkeep")) else None
    candidates = [exact, timeline.global_start_time.rate if timeline.global_start_time is not None else None]
    candidates += [c.source_range.start_time.rate for c in timeline.find_clips() if c.source_range is not None][:1]
    for value in candidates:
        if value:
            try:
                return parse_rate(value if not isinstance(value, str) else value.strip())
            except TimecodeError:
                continue
    warnings.append(f"no frame rate in the timeline: assumed {DEFAULT_RATE} fps")
    return DEFAULT_RATE


def _drop_frame(timeline: otio.schema.Timeline, rate: Fraction) -> bool:
    if not supports_drop_frame(rate):
        return False
    ours = timeline.metadata.get("reelkeep")
    if _is_dict(ours) and "drop_frame" in ours:
        return bool(ours["drop_frame"])
    fcp = _dig(timeline.metadata, "fcp_xml", "timecode", "displayformat")
    return fcp != "NDF"  # OTIO itself counts 29.97 and 59.94 as drop-frame unless told otherwise


def _frames(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    return round(time.rescaled_to(float(rate)).value)


def _is_dict(value: Any) -> bool:
    return hasattr(value, "get") and hasattr(value, "keys")


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not _is_dict(data):
            return None
        data = data.get(key)
    return data


class _TrackReader:
    """The events of one track; transitions trim their neighbours the way a CMX dissolve is written."""

    def __init__(self, track: otio.schema.Track, name: str, rate: Fraction, start: int, drop: bool,
                 warnings: list[str], numbered: int) -> None:
        self.track, self.name, self.rate, self.start, self.drop = track, name, rate, start, drop
        self.warnings, self.numbered = warnings, numbered

    def events(self) -> list[tuple[EdlEvent, Any]]:
        """(event, the event number Reelkeep's .otio export recorded on the clip, if any), in track order."""
        items = list(self.track)
        events: list[tuple[EdlEvent, Any]] = []
        previous: EdlEvent | None = None
        for index, item in enumerate(items):
            if isinstance(item, (otio.schema.Gap, otio.schema.Transition)):
                if isinstance(item, otio.schema.Gap):
                    previous = None
                continue
            if not isinstance(item, otio.schema.Clip):
                self.warnings.append(f"track {self.name}: a nested {type(item).__name__} '{item.name}' was not read "
                                     "(flatten it in the editor)")
                previous = None
                continue
            if not item.enabled:
                self.warnings.append(f"track {self.name}: clip '{item.name}' is disabled: not read")
                previous = None
                continue
            event = self._event(item, index, items, previous, self.numbered + len(events) + 1)
            if event is not None:
                events.append((event, _dig(item.metadata, "reelkeep", "event")))
            previous = event
        return events

    def _event(self, clip: otio.schema.Clip, index: int, items: list, previous: EdlEvent | None,
               number: int) -> EdlEvent | None:
        try:
            placed = self.track.range_of_child_at_index(index)
            source = clip.source_range if clip.source_range is not None else clip.trimmed_range()
        except otio.exceptions.OTIOError as exc:
            self.warnings.append(f"track {self.name}: clip '{clip.name}' has no usable range ({exc}): not read")
            return None
        record_in = self.start + _frames(placed.start_time, self.rate)
        record_out = record_in + _frames(placed.duration, self.rate)
        scalar, speed = self._speed(clip)
        source_in = _frames(source.start_time, self.rate)
        source_out = source_in + max(round((record_out - record_in) * scalar), 1)
        before = items[index - 1] if index > 0 and isinstance(items[index - 1], otio.schema.Transition) else None
        after = items[index + 1] if index + 1 < len(items) and isinstance(items[index + 1], otio.schema.Transition) \
            else None
        if after is not None:
            cut = _frames(after.in_offset, self.rate)  # the transition starts before the cut: this clip ends there
            record_out, source_out = record_out - cut, source_out - cut
        transition, code, frames, outgoing = "cut", "C", 0, None
        if before is not None:
            lead = _frames(before.in_offset, self.rate)
            frames = lead + _frames(before.out_offset, self.rate)
            record_in, source_in = record_in - lead, source_in - lead
            transition, code = self._transition_kind(before)
            if previous is not None:
                outgoing = EdlClipRange(previous.reel, previous.source_out, previous.source_out, record_in, record_in)
            else:
                outgoing = EdlClipRange("BL", 0, 0, record_in, record_in)
        source_file = _source_file(clip.media_reference)
        name = clip.name or (os.path.basename(source_file) if source_file else None)
        comments: tuple[str, ...] = ()
        if isinstance(clip.media_reference, otio.schema.GeneratorReference):
            # Bars, mattes, slugs, titles: no media to find, so no name to look one up by (BL or bare AX).
            comments, name = (f"generator {clip.media_reference.generator_kind}: {clip.name}",), None
        # As in a CMX two-line transition: FROM CLIP NAME is the outgoing clip, TO CLIP NAME the incoming one.
        from_name, to_name = (previous.name if previous else None, name) if outgoing is not None else (name, None)
        return EdlEvent(
            number=number, reel=_reel(clip, source_file), track=self.name, transition=transition,
            transition_frames=frames, source_in=source_in, source_out=source_out, record_in=record_in,
            record_out=record_out, clip_name=from_name, to_clip_name=to_name, source_file=source_file, speed=speed,
            locators=self._locators(clip), comments=comments, transition_code=code, drop_frame=self.drop,
            outgoing=outgoing,
        )

    def _speed(self, clip: otio.schema.Clip) -> tuple[float, float | None]:
        warps = [e for e in clip.effects if isinstance(e, otio.schema.LinearTimeWarp)]
        if not warps:
            return 1.0, None
        scalar = 1.0
        for warp in warps:
            scalar *= warp.time_scalar
        return scalar, round(scalar * float(self.rate), 3)  # CMX M2 speed: source frames per second

    def _transition_kind(self, transition: otio.schema.Transition) -> tuple[str, str]:
        kind = str(transition.transition_type or "")
        if "wipe" in kind.lower() or "wipe" in (transition.name or "").lower():
            return "wipe", "W001"
        if kind != otio.schema.TransitionTypes.SMPTE_Dissolve:
            self.warnings.append(f"track {self.name}: transition '{transition.name or kind}' read as a dissolve")
        return "dissolve", "D"

    def _locators(self, clip: otio.schema.Clip) -> tuple[EdlLocator, ...]:
        return tuple(EdlLocator(_frames(m.marked_range.start_time, self.rate), str(m.color or "RED"), m.name or "")
                     for m in clip.markers)


def _source_file(reference: otio.core.MediaReference) -> str | None:
    url = getattr(reference, "target_url", None)
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return url
    path = unquote(parsed.path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":  # file:///C:/... -> C:/...
        path = path[1:]
    return f"//{parsed.netloc}{path}" if parsed.netloc and parsed.netloc != "localhost" else path


def _reel(clip: otio.schema.Clip, source_file: str | None) -> str:
    """The reel: as the CMX adapter or Reelkeep recorded it, FCP's reel name, else the file or clip name."""
    reference = clip.media_reference
    if isinstance(reference, otio.schema.GeneratorReference):
        return "BL" if (reference.generator_kind or "").lower() in _BLACK_GENERATORS else "AX"
    for value in (_dig(clip.metadata, "cmx_3600", "reel"), _dig(clip.metadata, "reelkeep", "reel"),
                  _dig(reference.metadata, "fcp_xml", "timecode", "reel", "name"),
                  _dig(clip.metadata, "fcp_xml", "file", "timecode", "reel", "name")):
        if isinstance(value, str) and value.strip():
            return "_".join(value.split())
    if source_file:
        base = source_file.replace("\\", "/").rsplit("/", 1)[-1]
        return "_".join(os.path.splitext(base)[0].split()) or "AX"
    return "_".join((clip.name or "").split()) or "AX"
