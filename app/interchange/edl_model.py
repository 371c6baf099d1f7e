"""The values an EDL reads into: frozen dataclasses with every time in integer frames at the EDL's rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

# Track field forms -> the timeline tracks they occupy ("B" is CMX for video plus audio 1).
_TRACK_PARTS = {"V": ("V",), "A": ("A1",), "AA": ("A1", "A2"), "B": ("V", "A1"), "NONE": ()}


@dataclass(frozen=True)
class LineError:
    """A line that could not be read (1-based line number, the raw text, and why)."""

    line_number: int
    text: str
    message: str


@dataclass(frozen=True)
class EdlLocator:
    """A `* LOC:` marker; `frame` is the timecode as a frame number at the EDL's rate."""

    frame: int
    color: str
    name: str


@dataclass(frozen=True)
class EdlCdl:
    """ASC CDL values from `* ASC_SOP` and `* ASC_SAT` comments."""

    slope: tuple[float, float, float] | None = None
    offset: tuple[float, float, float] | None = None
    power: tuple[float, float, float] | None = None
    saturation: float | None = None


@dataclass(frozen=True)
class EdlClipRange:
    """The outgoing side of a two-line dissolve or wipe (the `C` line of the pair)."""

    reel: str
    source_in: int
    source_out: int
    record_in: int
    record_out: int


@dataclass(frozen=True)
class EdlEvent:
    """One EDL event; outs are exclusive as in CMX, so duration = out - in.

    For a two-line transition the fields describe the incoming clip, `outgoing` the clip it leaves,
    `clip_name` the FROM CLIP NAME (the outgoing clip) and `to_clip_name` the incoming one.
    """

    number: int
    reel: str
    track: str
    transition: str  # "cut" | "dissolve" | "wipe" | "key" | "unknown"
    transition_frames: int
    source_in: int
    source_out: int
    record_in: int
    record_out: int
    clip_name: str | None = None
    to_clip_name: str | None = None
    source_file: str | None = None
    speed: float | None = None
    locators: tuple[EdlLocator, ...] = ()
    comments: tuple[str, ...] = ()
    line_number: int = 0
    status: str = "ok"  # "ok" | "error" (an unknown transition code; see the document's errors)
    transition_code: str = "C"  # as written: "C", "D", "W001", "K", "KB"...
    drop_frame: bool = False
    outgoing: EdlClipRange | None = None
    cdl: EdlCdl | None = None

    @property
    def source_frames(self) -> int:
        """Source duration in frames."""
        return self.source_out - self.source_in

    @property
    def record_frames(self) -> int:
        """Record duration in frames."""
        return self.record_out - self.record_in

    @property
    def name(self) -> str | None:
        """The name of the clip this event puts on the record side (TO name of a transition first)."""
        return self.to_clip_name if self.outgoing is not None and self.to_clip_name else self.clip_name

    @property
    def tracks(self) -> tuple[str, ...]:
        """The timeline tracks this event fills: "V", "A1", "A2"..."""
        return track_parts(self.track)

    @property
    def has_video(self) -> bool:
        """True when the event fills a video track ("V", or "V2"... read from a multi-track timeline)."""
        return any(t.startswith("V") for t in self.tracks)


@dataclass(frozen=True)
class EdlDocument:
    """A whole EDL: the events that loaded plus per-line errors and warnings."""

    title: str | None
    rate: Fraction
    drop_frame: bool
    events: list[EdlEvent] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    header_comments: list[str] = field(default_factory=list)


def track_parts(track: str) -> tuple[str, ...]:
    """Tracks named by a track field: 'AA/V' -> ('V', 'A1', 'A2'), 'A3' -> ('A3',), 'V2' -> ('V2',).

    CMX 3600 has one video track; "V2".. come only from multi-track timelines (FCP XML, AAF, .otio).
    """
    parts: list[str] = []
    for piece in track.upper().split("/"):
        expanded = _TRACK_PARTS.get(piece)
        if expanded is None:
            numbered = piece[:1] in ("A", "V") and piece[1:].isdigit()
            expanded = ("V",) if piece == "V1" else (piece,) if numbered else ()
        parts.extend(p for p in expanded if p not in parts)
    return tuple(sorted(parts, key=track_order))


def track_order(name: str) -> tuple[int, int]:
    """Sort key of a track name: V, V2, V3.. before A1, A2.."""
    return (0 if name.startswith("V") else 1, int(name[1:] or (0 if name == "V" else 1)))


def is_track_field(token: str) -> bool:
    """True for V, A, A2, AA, B, NONE and slash combinations like AA/V."""
    pieces = token.upper().split("/")
    return all(p in _TRACK_PARTS or (p.startswith("A") and p[1:].isdigit()) for p in pieces) and bool(token)
