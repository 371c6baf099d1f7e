"""Subclip extraction, frame-exact (re-encode to a preset): source frames [first, last] and exactly their audio.

Output frame k is source frame first + k (pts k at 1/rate), the tmcd track starts at the TC of `first`, and
the audio is the source's samples from first/rate to (last+1)/rate. Written to a partial file and renamed
into place only when complete; a cancel removes it. Stream copy (keyframe-aligned) is in extract_copy.py,
smart mode (copied GOPs, re-encoded ends) in extract_smart.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
from av.video.reformatter import VideoReformatter

from app.core.extract_plan import EDL_PATTERN, SINGLE_PATTERN, ExtractError, ExtractPlan, plan_extract
from app.media.extract_audio import AudioTracks
from app.media.framegrab import Check, VideoSource, no_check
from app.media.partial import PartialFile
from app.media.probe import explain_error, stream_timecode

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
    min_size: tuple[int, int] = (1, 1)  # the smallest picture the encoder takes


PRESETS = {
    "prores_hq": ExtractPreset("prores_hq", "prores_ks", "mov", ".mov", "yuv422p10le", {"profile": "3"}),
    "h264": ExtractPreset("h264", "libx264", "mp4", ".mp4", "yuv420p", {"crf": "18", "preset": "fast"}, "aac"),
    "h264_mov": ExtractPreset("h264_mov", "libx264", "mov", ".mov", "yuv420p", {"crf": "18", "preset": "fast"},
                              "aac"),
    # DNxHR HQ: 8-bit 4:2:2 at any size (the DNxHD profiles only take a fixed list of sizes and rates).
    "dnxhr_hq": ExtractPreset("dnxhr_hq", "dnxhd", "mov", ".mov", "yuv422p", {"profile": "dnxhr_hq"},
                              min_size=(256, 120)),
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
    method: str = "reencode"  # how it was made: reencode, copy, smart (copied middle), intra-copy
    copied: int = 0  # frames whose packets were copied unchanged from the source
    encoded: int = 0  # frames decoded and encoded again


def preset_for(name: str) -> ExtractPreset:
    if name not in PRESETS:
        raise ExtractError(f"unknown extract preset {name!r}; one of {', '.join(PRESETS)}")
    return PRESETS[name]


def extract_reencode(source: str | bytes, dest_dir: Path, plan: ExtractPlan, preset: str | ExtractPreset, *,
                     frame_count: int | None = None, check: Check = no_check,
                     on_frame: Callable[[], None] | None = None, overwrite: bool = False) -> ExtractOutput:
    """Decode exactly frames plan.first..plan.last and encode them with their audio to dest_dir/<name><ext>
    (a free name `_2`, `_3`… when that exists, unless overwrite)."""
    preset = preset_for(preset) if isinstance(preset, str) else preset
    path = os.fsdecode(source)
    try:
        with VideoSource(path, plan.rate, frame_count) as video, \
                PartialFile(Path(dest_dir) / f"{plan.name}{preset.extension}", overwrite) as part:
            if video.width < preset.min_size[0] or video.height < preset.min_size[1]:
                raise ExtractError(f"{preset.name} needs a picture of at least {preset.min_size[0]}×"
                                   f"{preset.min_size[1]}; this one is {video.width}×{video.height}")
            out = part.open(preset.container)
            vstream = _video_stream(out, preset, plan, video.width, video.height)
            audio = AudioTracks(path, plan.rate, plan.first, video.start * video.time_base)
            audio.add_stream(out, preset.audio_codec)
            _write(out, vstream, video, audio, plan, preset, check, on_frame)
            part.close()
            check_written(part.path, preset.container, plan)
            dest = part.commit()
    except av.error.FFmpegError as exc:
        raise ExtractError(explain_error(exc)) from exc
    return ExtractOutput(dest, plan.first, plan.last, plan.start_tc, True, warnings=plan.warnings,
                         encoded=plan.frame_count)


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
    try:
        ctx.open()  # now, so that a refusal is reported as the encoder's, not as an unreadable file
    except av.error.FFmpegError as exc:
        raise ExtractError(f"cannot encode {preset.name} ({preset.codec}) at {width}×{height}: {exc}") from exc
    return stream


def _write(out: av.container.OutputContainer, vstream: av.video.stream.VideoStream, video: VideoSource,
           audio: AudioTracks, plan: ExtractPlan, preset: ExtractPreset, check: Check,
           on_frame: Callable[[], None] | None) -> None:
    """Frames in order, interleaved with the audio up to each frame's end (keeps the muxer's queue short)."""
    reformatter = VideoReformatter()
    tick = 1 / plan.rate
    expected = plan.first
    for index, frame in video.grab(range(plan.first, plan.last + 1), check):
        if index != expected:
            raise ExtractError(f"source frame {expected} does not decode (the file is damaged or cut short)")
        picture = reformatter.reformat(frame, vstream.width, vstream.height, format=preset.pix_fmt)
        picture.pts = index - plan.first
        picture.time_base = tick
        picture.pict_type = av.video.frame.PictureType.NONE  # the source's frame types are no orders
        out.mux(vstream.encode(picture))
        expected += 1
        if on_frame is not None:
            on_frame()
        audio.write_until(expected - plan.first)
    if expected != plan.last + 1:
        raise ExtractError(f"source frame {expected} does not decode (the file is damaged or cut short)")
    out.mux(vstream.encode(None))
    audio.finish(plan.frame_count)


def check_written(path: Path, container: str, plan: ExtractPlan) -> None:
    """Read the header back: frame count and timecode must be what was written."""
    with av.open(str(path), format=container) as written:
        found = written.streams.video[0].frames
        timecode = stream_timecode(written)
    if found and found != plan.frame_count:
        raise ExtractError(f"the written file holds {found} frames instead of {plan.frame_count}")
    if timecode != plan.start_tc:
        raise ExtractError(f"the written file starts at {timecode} instead of {plan.start_tc}")
