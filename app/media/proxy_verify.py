"""Check a proxy against its original: frame count, start timecode, duration and picture positions."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from app.core.errors import ReelkeepError
from app.media.framegrab import VideoSource
from app.media.probe import explain_error, stream_timecode

IndexReader = Callable[[av.VideoFrame], int | None]
# Luma compared at this width: enough detail to tell neighbouring frames of moving content apart.
_COMPARE_WIDTH = 96
# Mean absolute luma difference (0-255) above which a frame is not the same picture at all.
_MAX_DIFFERENCE = 24.0


@dataclass(frozen=True)
class VerifyReport:
    """What verify_proxy found; ok when problems is empty."""

    proxy_path: str
    problems: tuple[str, ...]
    frame_count: int | None
    start_tc: str | None
    duration: float | None
    checked_frames: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _luma(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    gray = frame.reformat(size[0], size[1], format="gray", interpolation="AREA")
    return gray.to_ndarray().astype(np.float32)


def _durations(path: str) -> tuple[int, str | None, float | None, list[float | None]]:
    """(video packets, start timecode, video seconds, seconds of each audio stream) of a file."""
    with av.open(path, metadata_errors="ignore") as container:
        video = container.streams.video[0]
        timecode = stream_timecode(container)
        packets = sum(1 for p in container.demux(video) if p.size)
        video_seconds = float(video.duration * video.time_base) if video.duration else None
        audio_seconds = [float(a.duration * a.time_base) if a.duration else None for a in container.streams.audio
                         if a.codec_context.sample_rate]
    return packets, timecode, video_seconds, audio_seconds


def _tracks(count: int) -> str:
    return "no audio track" if count == 0 else f"{count} audio track{'s' if count != 1 else ''}"


def sample_indexes(frame_count: int, samples: int) -> list[int]:
    """Evenly spread frame indexes, first and last included."""
    if frame_count <= samples:
        return list(range(frame_count))
    return sorted({round(k * (frame_count - 1) / (samples - 1)) for k in range(samples)})


def verify_proxy(original_path: str | bytes, proxy_path: str | bytes, rate: Fraction, frame_count: int,
                 start_tc: str | None, samples: int = 5, index_reader: IndexReader | None = None) -> VerifyReport:
    """Compare a proxy with its original. index_reader (for generated test media) also reads the
    frame-index pattern of each sampled proxy frame."""
    original, proxy = os.fsdecode(original_path), os.fsdecode(proxy_path)
    problems: list[str] = []
    try:
        count, timecode, seconds, audio_seconds = _durations(proxy)
        _, _, _, original_audio = _durations(original)
    except (OSError, av.error.FFmpegError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else explain_error(exc)
        return VerifyReport(proxy, (f"cannot read: {reason}",), None, None, None)
    if count != frame_count:
        problems.append(f"{count} frames, the original has {frame_count}")
    if (timecode or None) != (start_tc or None):
        problems.append(f"starts at timecode {timecode}, the original at {start_tc}")
    expected_seconds = float(Fraction(frame_count) / rate)
    if seconds is not None and abs(seconds - expected_seconds) > 0.5 / float(rate):
        problems.append(f"lasts {seconds:.3f} s, the original {expected_seconds:.3f} s")
    if len(audio_seconds) != len(original_audio):
        problems.append(f"has {_tracks(len(audio_seconds))}, the original has {len(original_audio)}")
    for number, (found, wanted) in enumerate(zip(audio_seconds, original_audio, strict=False), 1):
        if found is not None and wanted is not None and abs(found - wanted) > 1024 / 48000 + 1 / float(rate):
            problems.append(f"audio track {number} lasts {found:.3f} s, the original's {wanted:.3f} s")
    checked: list[int] = []
    if not problems or count == frame_count:
        try:
            checked = _compare_pictures(original, proxy, rate, frame_count, samples, index_reader, problems)
        except (ReelkeepError, av.error.FFmpegError) as exc:
            problems.append(f"pictures could not be compared: {exc}")
    return VerifyReport(proxy, tuple(problems), count, timecode, seconds, tuple(checked))


def _compare_pictures(original: str, proxy: str, rate: Fraction, frame_count: int, samples: int,
                      index_reader: IndexReader | None, problems: list[str]) -> list[int]:
    """Each sampled proxy frame N must look like original frame N more than like N-1 or N+1."""
    wanted = sample_indexes(frame_count, samples)
    with VideoSource(proxy, rate, frame_count) as source:
        proxy_frames = dict(source.grab(wanted))
        aspect = Fraction(source.width, source.height)
    size = (_COMPARE_WIDTH, max(2, round(_COMPARE_WIDTH / aspect)))
    around = {i + d for i in wanted for d in (-1, 0, 1) if 0 <= i + d < frame_count}
    with VideoSource(original, rate, frame_count) as source:
        originals = {i: _luma(f, size) for i, f in source.grab(around)}
    for index in wanted:
        frame = proxy_frames.get(index)
        if frame is None:
            problems.append(f"frame {index} does not decode")
            continue
        if index_reader is not None:
            read = index_reader(frame)
            if read != index:
                problems.append(f"frame {index} shows the pattern of frame {read}")
        luma = _luma(frame, size)
        diffs = {i: float(np.abs(luma - originals[i]).mean()) for i in (index - 1, index, index + 1) if i in originals}
        if index not in diffs:
            problems.append(f"frame {index} of the original does not decode")
            continue
        closest = min(diffs, key=lambda i: (diffs[i], i != index))
        if diffs[index] > _MAX_DIFFERENCE:
            problems.append(f"frame {index} does not match the original (luma difference {diffs[index]:.1f})")
        elif closest != index and diffs[closest] < diffs[index] - 0.5:
            problems.append(f"frame {index} looks like original frame {closest} (off by {closest - index})")
    return wanted
