"""Subclip extraction, frame-exact (re-encode to a preset): source frames [first, last] and exactly their audio.

Output frame k is source frame first + k (pts k at 1/rate), the tmcd track starts at the TC of `first`, and
the audio is the source's samples from first/rate to (last+1)/rate. Written to a partial file and renamed
into place only when complete; a cancel removes it. Stream copy (keyframe-aligned) is in extract_copy.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from app.core.extract_plan import EDL_PATTERN, SINGLE_PATTERN, ExtractError, ExtractPlan, plan_extract
from app.media.framegrab import Check, VideoSource, no_check
from app.media.probe import _explain, _stream_timecode
from app.media.proxy import partial_path

log = logging.getLogger(__name__)

__all__ = ["EDL_PATTERN", "SINGLE_PATTERN", "ExtractError", "ExtractOutput", "ExtractPlan", "ExtractPreset",
           "PRESETS", "extract_reencode", "plan_extract"]


@dataclass(frozen=True)
class ExtractPreset:
    name: str
    codec: str
    container: str
    extension: str
    pix_fmt: str
    options: dict[str, str] = field(default_factory=dict)
    audio_codec: str = "pcm_s16le"


PRESETS = {
    "prores_hq": ExtractPreset("prores_hq", "prores_ks", "mov", ".mov", "yuv422p10le", {"profile": "3"}),
    "h264": ExtractPreset("h264", "libx264", "mp4", ".mp4", "yuv420p", {"crf": "18", "preset": "fast"}, "aac"),
    "h264_mov": ExtractPreset("h264_mov", "libx264", "mov", ".mov", "yuv420p", {"crf": "18", "preset": "fast"},
                              "aac"),
}


@dataclass(frozen=True)
class ExtractOutput:
    """A finished extraction: which source frames it holds (first..last inclusive) and where it starts."""

    path: Path
    first: int
    last: int
    start_tc: str
    exact: bool
    message: str = ""
    warnings: tuple[str, ...] = ()


def preset_for(name: str) -> ExtractPreset:
    if name not in PRESETS:
        raise ExtractError(f"unknown extract preset {name!r}; one of {', '.join(PRESETS)}")
    return PRESETS[name]


def extract_reencode(source: str | bytes, dest_dir: Path, plan: ExtractPlan, preset: str | ExtractPreset, *,
                     frame_count: int | None = None, check: Check = no_check,
                     on_frame: Callable[[], None] | None = None) -> ExtractOutput:
    """Decode exactly frames plan.first..plan.last and encode them with their audio to dest_dir/<name><ext>."""
    preset = preset_for(preset) if isinstance(preset, str) else preset
    path = os.fsdecode(source)
    dest = Path(dest_dir) / f"{plan.name}{preset.extension}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(dest)
    out = None
    try:
        with VideoSource(path, plan.rate, frame_count) as video:
            out = av.open(str(partial), "w", format=preset.container)
            vstream = _video_stream(out, preset, plan, video.width, video.height)
            audio = _AudioTrim(path, plan, video.start * video.time_base)
            astream = None
            if audio.present:
                astream = out.add_stream(preset.audio_codec, rate=audio.sample_rate)
                astream.layout = audio.layout
            _write(out, vstream, astream, video, audio, plan, preset, check, on_frame)
        out.close()
        out = None
        _check_written(partial, preset, plan)
        os.replace(partial, dest)
    except av.error.FFmpegError as exc:
        _abort(out, partial)
        raise ExtractError(_explain(exc)) from exc
    except BaseException:
        _abort(out, partial)
        raise
    return ExtractOutput(dest, plan.first, plan.last, plan.start_tc, True, warnings=plan.warnings)


def _abort(out: av.container.OutputContainer | None, partial: Path) -> None:
    if out is not None:
        try:
            out.close()
        except Exception:  # noqa: BLE001 - closing a half-written file may fail; it is deleted next
            log.debug("closing a cancelled extraction failed", exc_info=True)
    partial.unlink(missing_ok=True)


def _video_stream(out: av.container.OutputContainer, preset: ExtractPreset, plan: ExtractPlan,
                  width: int, height: int) -> av.video.stream.VideoStream:
    stream = out.add_stream(preset.codec, rate=plan.rate, options=dict(preset.options))
    stream.width, stream.height, stream.pix_fmt = width, height, preset.pix_fmt
    tick = 1 / plan.rate
    stream.time_base = tick
    ctx = stream.codec_context
    ctx.time_base = tick
    ctx.framerate = plan.rate
    ctx.thread_count = 0
    ctx.thread_type = "AUTO"
    stream.metadata["timecode"] = plan.start_tc  # before the header: MOV/MP4 get a tmcd track
    return stream


def _write(out: av.container.OutputContainer, vstream: av.video.stream.VideoStream,
           astream: av.audio.stream.AudioStream | None, video: VideoSource, audio: _AudioTrim, plan: ExtractPlan,
           preset: ExtractPreset, check: Check, on_frame: Callable[[], None] | None) -> None:
    """Frames in order, interleaved with the audio up to each frame's end (keeps the muxer's queue short)."""
    reformatter = VideoReformatter()
    tick = 1 / plan.rate
    chunks = audio.chunks() if astream is not None else iter(())
    samples = 0
    expected = plan.first
    for index, frame in video.grab(range(plan.first, plan.last + 1), check):
        if index != expected:
            raise ExtractError(f"source frame {expected} does not decode (the file is damaged or cut short)")
        picture = reformatter.reformat(frame, vstream.width, vstream.height, format=preset.pix_fmt)
        picture.pts = index - plan.first
        picture.time_base = tick
        out.mux(vstream.encode(picture))
        expected += 1
        if on_frame is not None:
            on_frame()
        if astream is not None:
            until = round(Fraction(expected - plan.first) / plan.rate * audio.sample_rate)
            while samples < until:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                samples = _write_audio(out, astream, chunk, samples, audio.sample_rate)
    if expected != plan.last + 1:
        raise ExtractError(f"source frame {expected} does not decode (the file is damaged or cut short)")
    out.mux(vstream.encode(None))
    if astream is not None:
        for chunk in chunks:
            samples = _write_audio(out, astream, chunk, samples, audio.sample_rate)
        out.mux(astream.encode(None))


def _write_audio(out: av.container.OutputContainer, stream: av.audio.stream.AudioStream, frame: av.AudioFrame,
                 samples: int, rate: int) -> int:
    # The encoder resamples to its own sample format and re-chunks to its frame size (AAC: 1024).
    frame.pts = samples
    frame.time_base = Fraction(1, rate)
    out.mux(stream.encode(frame))
    return samples + frame.samples


class _AudioTrim:
    """The source's first audio stream cut sample-exactly to the plan's frames, by the frames' own pts."""

    def __init__(self, path: str, plan: ExtractPlan, video_start: Fraction) -> None:
        self.path = path
        with av.open(path, metadata_errors="ignore") as container:
            stream = container.streams.audio[0] if container.streams.audio else None
            self.present = stream is not None and bool(stream.codec_context.sample_rate)
            self.sample_rate = stream.codec_context.sample_rate if self.present else 0
            self.layout = stream.codec_context.layout.name if self.present else ""
        # Sample positions count from the video's frame 0, so the cut keeps A/V sync.
        self.origin = video_start
        self.begin = round(Fraction(plan.first) / plan.rate * self.sample_rate)
        self.end = round(Fraction(plan.last + 1) / plan.rate * self.sample_rate)

    def chunks(self) -> Iterator[av.AudioFrame]:
        with av.open(self.path, metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            yield from self._trimmed(container, stream, seek=True)

    def _trimmed(self, container: av.container.InputContainer, stream: av.audio.stream.AudioStream,
                 seek: bool) -> Iterator[av.AudioFrame]:
        time_base = stream.time_base or Fraction(1, self.sample_rate)
        if seek and self.begin > self.sample_rate:
            target = self.origin + Fraction(self.begin - self.sample_rate, self.sample_rate)  # a second early
            container.seek(int(target / time_base), stream=stream, backward=True)
        else:
            seek = False
        position = None
        for frame in container.decode(stream):
            if frame.pts is not None:
                position = round((frame.pts * time_base - self.origin) * self.sample_rate)
            elif position is None:
                position = 0
            if seek and position > self.begin:  # the seek overshot: read from the start instead
                container.seek(0)
                yield from self._trimmed(container, stream, seek=False)
                return
            seek = False
            n = frame.samples
            lo, hi = max(self.begin - position, 0), min(self.end - position, n)
            position += n
            if hi <= lo:
                if position - n >= self.end:
                    return
                continue
            yield frame if (lo, hi) == (0, n) else _slice(frame, lo, hi)


def _slice(frame: av.AudioFrame, lo: int, hi: int) -> av.AudioFrame:
    data = frame.to_ndarray()
    if frame.format.is_planar:
        part = data[:, lo:hi]
    else:
        channels = len(frame.layout.channels)
        part = data[:, lo * channels:hi * channels]
    out = av.AudioFrame.from_ndarray(np.ascontiguousarray(part), format=frame.format.name, layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out


def _check_written(path: Path, preset: ExtractPreset, plan: ExtractPlan) -> None:
    """Read the header back: frame count and timecode must be what was encoded."""
    with av.open(str(path), format=preset.container) as written:
        found = written.streams.video[0].frames
        timecode = _stream_timecode(written)
    if found and found != plan.frame_count:
        raise ExtractError(f"the written file holds {found} frames instead of {plan.frame_count}")
    if timecode != plan.start_tc:
        raise ExtractError(f"the written file starts at {timecode} instead of {plan.start_tc}")
