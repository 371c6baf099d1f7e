"""Subclip extraction by stream copy: whole GOPs, from the keyframe at or before `first` to the end of the GOP
holding `last`. Fast and lossless, but keyframe-aligned, not frame-exact: the result says what it holds.
Video only for now (the audio of a copy is left for later).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import av

from app.core.extract_plan import ExtractError, ExtractPlan, frame_tc
from app.media.extract import ExtractOutput, _abort
from app.media.framegrab import Check, VideoSource, no_check
from app.media.probe import _explain
from app.media.proxy import partial_path

_FORMATS = {".mov": "mov", ".mp4": "mp4", ".m4v": "mp4", ".mkv": "matroska"}


def extract_copy(source: str | bytes, dest_dir: Path, plan: ExtractPlan, source_start_tc: str | None, *,
                 frame_count: int | None = None, check: Check = no_check,
                 on_frame: Callable[[], None] | None = None) -> ExtractOutput:
    """Remux the GOPs covering plan.first..plan.last to dest_dir/<name><source suffix>."""
    path = os.fsdecode(source)
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        suffix = ".mov"
    dest = Path(dest_dir) / f"{plan.name}{suffix}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(dest)
    out = None
    copied: set[int] = set()
    first = None
    try:
        with VideoSource(path, plan.rate, frame_count) as video:
            offset = 0
            vstream = None
            for packet in video.packets_from(plan.first):
                check()
                index = video.index_of(packet.pts)
                if first is None:
                    first, offset = index, packet.pts
                    out = av.open(str(partial), "w", format=_FORMATS[suffix])
                    vstream = out.add_stream_from_template(video.stream)
                    vstream.codec_context.framerate = plan.rate  # movenc needs a rate to write tmcd
                    vstream.metadata["timecode"] = frame_tc(first, plan.rate, source_start_tc)
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
        if out is None or first is None or not copied:
            raise ExtractError(f"no keyframe at or before frame {plan.first}: nothing to copy")
        out.close()
        out = None
        os.replace(partial, dest)
    except av.error.FFmpegError as exc:
        _abort(out, partial)
        raise ExtractError(_explain(exc)) from exc
    except BaseException:
        _abort(out, partial)
        raise
    last = max(copied)
    return ExtractOutput(dest, first, last, frame_tc(first, plan.rate, source_start_tc), False,
                         f"copy mode is keyframe-aligned: frames {first}–{last}", plan.warnings)


def _covers(copied: set[int], first: int, last: int) -> bool:
    return all(i in copied for i in range(first, last + 1))
