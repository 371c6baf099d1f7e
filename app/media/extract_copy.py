"""Subclip extraction by stream copy: whole GOPs, from the keyframe at or before `first` to the end of the GOP
holding `last`. Fast and lossless, but keyframe-aligned, not frame-exact: the result says what it holds.
The audio is the source's samples for exactly the copied frames (cut sample-exactly, so it stays in sync).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import av

from app.core.extract_plan import ExtractError, ExtractPlan, frame_tc
from app.media.extract import ExtractOutput
from app.media.extract_audio import AudioTracks
from app.media.framegrab import Check, VideoSource, no_check
from app.media.partial import PartialFile
from app.media.probe import explain_error

FORMATS = {".mov": "mov", ".mp4": "mp4", ".m4v": "mp4", ".mkv": "matroska"}


def extract_copy(source: str | bytes, dest_dir: Path, plan: ExtractPlan, source_start_tc: str | None, *,
                 frame_count: int | None = None, check: Check = no_check,
                 on_frame: Callable[[], None] | None = None, overwrite: bool = False) -> ExtractOutput:
    """Remux the GOPs covering plan.first..plan.last, with their audio, to dest_dir/<name><source suffix>."""
    path = os.fsdecode(source)
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        suffix = ".mov"
    copied: set[int] = set()
    try:
        with VideoSource(path, plan.rate, frame_count) as video, \
                PartialFile(Path(dest_dir) / f"{plan.name}{suffix}", overwrite) as part:
            packets = video.packets_from(plan.first)
            keyframe = next(packets, None)
            if keyframe is None or not keyframe.is_keyframe:
                raise ExtractError(f"no keyframe at or before frame {plan.first}: nothing to copy")
            first, offset = video.index_of(keyframe.pts), keyframe.pts
            out = part.open(FORMATS[suffix])
            vstream = out.add_stream_from_template(video.stream)
            vstream.codec_context.framerate = plan.rate  # movenc needs a rate to write tmcd
            vstream.metadata["timecode"] = frame_tc(first, plan.rate, source_start_tc)
            audio = AudioTracks(path, plan.rate, first, video.start * video.time_base)
            audio.add_stream(out)
            for packet in itertools.chain([keyframe], packets):
                check()
                index = video.index_of(packet.pts)
                if index < first:
                    continue  # open GOP: a leading frame that refers to the GOP before the copy
                if packet.is_keyframe and index > plan.last and _covers(copied, first, plan.last):
                    break
                packet.pts -= offset
                if packet.dts is not None:
                    packet.dts -= offset
                packet.stream = vstream
                out.mux(packet)
                copied.add(index)
                if on_frame is not None:
                    on_frame()
                audio.write_until(len(copied))
            last = max(copied)
            audio.finish(last - first + 1)
            dest = part.commit()
    except av.error.FFmpegError as exc:
        raise ExtractError(explain_error(exc)) from exc
    return ExtractOutput(dest, first, last, frame_tc(first, plan.rate, source_start_tc), False,
                         f"copy mode is keyframe-aligned: frames {first}–{last}", plan.warnings, "copy",
                         copied=len(copied))


def _covers(copied: set[int], first: int, last: int) -> bool:
    return all(i in copied for i in range(first, last + 1))
