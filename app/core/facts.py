"""What a probe learns about one file: the value passed from media/ to catalog/ (neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class AudioStreamFacts:
    """One audio stream of a file (a boom or lav track, a language version...). None means unknown."""

    index: int  # 0-based among the file's audio streams (ffmpeg's 0:a:N)
    stream_index: int | None = None  # the stream's index in the container (all kinds counted)
    codec: str | None = None
    channels: int | None = None
    layout: str | None = None  # the layout's name when the file names one ("mono", "5.1"...)
    sample_rate: int | None = None
    bit_rate: int | None = None
    language: str | None = None  # ISO 639-2 as the file tags it; "und" (undetermined) is None
    title: str | None = None


@dataclass(frozen=True)
class MediaFacts:
    """Technical details and tags of one file. None means 'unknown / not applicable'."""

    kind: str  # video | audio | image
    container: str | None = None
    duration: float | None = None  # seconds; exact timing lives in frame_count at frame_rate
    video_codec: str | None = None
    profile: str | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None
    frame_count: int | None = None
    start_tc: str | None = None
    drop_frame: bool = False
    pix_fmt: str | None = None
    video_slices: int | None = None  # coded slices per frame (H.264/HEVC): picks the decoder's threading
    audio_codec: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    bit_rate: int | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track: int | None = None
    disc: int | None = None
    year: int | None = None
    genre: str | None = None
    has_cover: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # Every audio stream; audio_codec/channels/sample_rate above summarise the first. None: not read.
    audio_tracks: tuple[AudioStreamFacts, ...] | None = None

    def catalog_fields(self) -> dict[str, Any]:
        """Column values for media_file (frame rate split into an exact numerator/denominator)."""
        # Not dataclasses.asdict: it deep-copies every field, which was 30% of a scan's main-process time.
        values = {name: getattr(self, name) for name in _CATALOG_FIELDS}
        rate = self.frame_rate
        values["fps_num"] = rate.numerator if rate else None
        values["fps_den"] = rate.denominator if rate else None
        values["audio_track_count"] = len(self.audio_tracks) if self.audio_tracks is not None else None
        return values


_CATALOG_FIELDS = tuple(
    f.name for f in fields(MediaFacts) if f.name not in ("frame_rate", "warnings", "audio_tracks")
)


@dataclass(frozen=True)
class FileState:
    """A file seen on disk by discovery: where, how big, when changed."""

    raw_path: bytes
    size: int
    mtime: float
    error: str | None = None  # set when the entry cannot be used (broken link, unreadable…)


@dataclass(frozen=True)
class ProbeOutcome:
    """Result of probing one catalog row: facts, or an error message; plus the identity hash."""

    media_id: int
    identity_hash: str | None
    facts: MediaFacts | None
    error: str | None = None
