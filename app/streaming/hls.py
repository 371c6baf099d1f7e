"""HLS for standard players: a master playlist whose variants are an item's H.264 renditions (its MP4 proxies, and
the original when browsers decode it), each a VOD media playlist of byte ranges into one fragmented MP4 (fMP4,
`EXT-X-MAP` + `EXT-X-BYTERANGE`, HLS version 7). The fMP4 is the rendition's packets copied with a fragment at every
keyframe — no re-encode — and cached beside the remuxes; a segment is one or more whole fragments, 2 s at least.
Players (Safari, FFmpeg, the web client's own loader) switch variants by their measured throughput.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av

from app.media.partial import PartialFile, write_file

MIN_SEGMENT_SECONDS = 2.0


@dataclass(frozen=True)
class Segment:
    offset: int
    length: int
    duration: float


@dataclass(frozen=True)
class HlsIndex:
    init_length: int  # ftyp + moov at offset 0
    segments: tuple[Segment, ...]
    codecs: str  # RFC 6381, as EXT-X-STREAM-INF wants it
    width: int
    height: int
    bandwidth: int  # peak bits per second over the segments

    @classmethod
    def load(cls, path: Path) -> HlsIndex:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["init_length"], tuple(Segment(**s) for s in data["segments"]), data["codecs"],
                   data["width"], data["height"], data["bandwidth"])


def index_path(fmp4: Path) -> Path:
    return fmp4.with_suffix(".json")


def fragment_for_hls(source: str, dest: Path) -> HlsIndex:
    """Copy the first video (and audio) stream of source into a fragmented MP4 cut at every video keyframe, and
    write its index (dest with .json) — the index last, so an index on disk means a complete pair."""
    keyframes: list[Fraction] = []
    end = Fraction(0)
    with av.open(source) as inp, PartialFile(dest, overwrite=True) as part:
        video = inp.streams.video[0]
        audio = inp.streams.audio[:1]
        # negative_cts_offsets: the first picture is presented at 0 without an edit list (which players fed through
        # MSE ignore: a proxy with B-frame delay showed each picture 2 frames late in Firefox)
        with av.open(str(part.path), "w", format="mp4",
                     options={"movflags": "frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets"}) as out:
            mapping = {s.index: out.add_stream_from_template(s) for s in (video, *audio)}
            for packet in inp.demux([video, *audio]):
                if packet.dts is None:
                    continue
                if packet.stream.index == video.index and packet.pts is not None:
                    time = packet.pts * video.time_base
                    if packet.is_keyframe:
                        keyframes.append(time)
                    end = max(end, time + (packet.duration or 0) * video.time_base)
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
        codecs = _codecs(video, audio[0] if audio else None)
        width, height = video.codec_context.width, video.codec_context.height
        made = part.commit()
    boxes = _top_level_boxes(made)
    init_length = next(offset for offset, _size, kind in boxes if kind == b"moof")
    pairs = [(offset, size) for offset, size, kind in boxes if kind in (b"moof", b"mdat")]
    fragments = [(pairs[i][0], pairs[i][1] + pairs[i + 1][1]) for i in range(0, len(pairs) - 1, 2)]
    starts = [k - keyframes[0] for k in keyframes] if keyframes else []
    if len(fragments) != len(starts):
        raise ValueError(f"{source}: {len(fragments)} fragments for {len(starts)} keyframes; cannot index it for HLS")
    total = end - keyframes[0] if keyframes else Fraction(0)
    durations = [float(b - a) for a, b in zip(starts, [*starts[1:], total], strict=True)]
    segments = _segments(fragments, durations)
    bandwidth = max((int(s.length * 8 / s.duration) for s in segments if s.duration > 0), default=0)
    index = HlsIndex(init_length, segments, codecs, width, height, bandwidth)
    write_file(index_path(made), json.dumps(asdict(index)).encode(), overwrite=True)
    return index


def _segments(fragments: Sequence[tuple[int, int]], durations: Sequence[float]) -> tuple[Segment, ...]:
    """Segments of whole fragments (each starts at a keyframe), at least MIN_SEGMENT_SECONDS long but the last:
    an all-intra proxy has a fragment per frame, and players fetching 40 ms segments spend their time on
    requests and measure nothing about the link."""
    segments: list[Segment] = []
    for (offset, length), duration in zip(fragments, durations, strict=True):
        if segments and segments[-1].duration < MIN_SEGMENT_SECONDS:
            last = segments[-1]  # fragments are back to back in the file: the segment's range grows over it
            segments[-1] = Segment(last.offset, offset + length - last.offset, last.duration + duration)
        else:
            segments.append(Segment(offset, length, duration))
    return tuple(segments)


def _codecs(video: Any, audio: Any) -> str:
    extradata = bytes(video.codec_context.extradata or b"")
    if video.codec_context.name == "h264" and len(extradata) >= 4 and extradata[0] == 1:
        names = [f"avc1.{extradata[1]:02x}{extradata[2]:02x}{extradata[3]:02x}"]  # avcC: profile, flags, level
    else:
        names = ["avc1.640028"]
    if audio is not None:
        names.append("mp4a.40.2" if audio.codec_context.name == "aac" else "mp4a.40.34")
    return ",".join(names)


def _top_level_boxes(path: Path) -> list[tuple[int, int, bytes]]:
    boxes = []
    with open(path, "rb") as handle:
        offset = 0
        while header := handle.read(8):
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0]
            elif size == 0:
                size = path.stat().st_size - offset
            boxes.append((offset, size, kind))
            offset += size
            handle.seek(offset)
    return boxes


def media_playlist(index: HlsIndex, uri: str) -> str:
    """A VOD playlist of index's segments, all in the one file at uri (with its query, e.g. the token)."""
    target = max((math.ceil(s.duration) for s in index.segments), default=1)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{max(target, 1)}", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-INDEPENDENT-SEGMENTS", f'#EXT-X-MAP:URI="{uri}",BYTERANGE="{index.init_length}@0"']
    for segment in index.segments:
        lines += [f"#EXTINF:{segment.duration:.6f},", f"#EXT-X-BYTERANGE:{segment.length}@{segment.offset}", uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


class Variant(Protocol):
    """What a master playlist says of a variant (an HlsIndex, or a live transcode's plan)."""

    @property
    def bandwidth(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def codecs(self) -> str: ...


def master_playlist(variants: Sequence[tuple[Variant, str]]) -> str:
    """Variants (index, playlist uri), lowest bandwidth first as players expect to start low."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for index, uri in sorted(variants, key=lambda v: v[0].bandwidth):
        lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={max(index.bandwidth, 1)},RESOLUTION={index.width}x{index.height},'
                  f'CODECS="{index.codecs}"', uri]
    return "\n".join(lines) + "\n"
