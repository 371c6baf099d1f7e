"""Where smart extraction may copy: whole GOPs of a long-GOP source, from a keyframe that starts a closed GOP
up to (not including) a later keyframe, in decode order.

The copy may start only at an IDR picture with no leading frames: a keyframe followed in decode order by
frames shown before it (an open GOP) has those frames refer to the GOP before it, which is not copied. It
may stop before any keyframe; the frames that keyframe leads (shown before it, decoded after it) are then
not in the copy, so the copy covers frames start .. stop - leading - 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import av

from app.media.framegrab import VideoSource
from app.media.h264_nal import BitstreamError, is_idr, split_lengths

# Packets after a keyframe searched for its leading frames: H.264 reorders by at most 16 frames.
_LOOKAHEAD = 32


class SmartUnsafe(Exception):
    """Smart extraction cannot keep its promise for this source (the message says why): re-encode instead."""


@dataclass(frozen=True)
class CopySpan:
    """Source frames start..end (inclusive) come from copied packets: decode order from the keyframe `start`
    up to the keyframe `stop` (None: to the end of the stream)."""

    start: int
    end: int
    stop: int | None
    delay: int  # the source's decode delay at `start` in frames (pts - dts)

    @property
    def frames(self) -> int:
        return self.end - self.start + 1


def find_copy_span(video: VideoSource, first: int, last: int, length_size: int, search: int) -> CopySpan | None:
    """The longest run of whole GOPs inside first..last that can be copied; None when there is none.

    The start is searched among the keyframes up to `search` frames past `first` (further in, re-encoding
    the head would cost more than it saves).
    """
    found = _copy_start(video, first, min(last, first + search), length_size)
    if found is None:
        return None
    start, delay = found
    if last >= video.frame_count - 1:
        return CopySpan(start, last, None, delay)
    stop = _copy_stop(video, last + 1)
    if stop is None:
        return None
    end = stop[0] - stop[1] - 1
    return CopySpan(start, end, stop[0], delay) if end >= start and stop[0] > start else None


def _copy_start(video: VideoSource, first: int, limit: int, length_size: int) -> tuple[int, int] | None:
    """(index, decode delay) of the first IDR keyframe in first..limit without leading frames."""
    candidate: tuple[int, int] | None = None
    after = 0
    for packet in video.packets_from(first):
        index = video.index_of(packet.pts)
        if packet.is_keyframe:
            if candidate is not None:
                return candidate  # its whole GOP was read: no leading frame
            if index > limit:
                return None
            if index >= first and _idr(packet, length_size):
                candidate, after = (index, _delay(video, packet)), 0
            continue
        if candidate is None:
            continue
        if index < candidate[0]:
            candidate = None  # a leading frame: this GOP is open
        else:
            after += 1
            if after >= _LOOKAHEAD:
                return candidate
    return candidate


def _copy_stop(video: VideoSource, target: int) -> tuple[int, int] | None:
    """(index, leading frames) of the keyframe at or before `target`."""
    packets = video.packets_from(target)
    key = next(packets, None)
    if key is None or not key.is_keyframe:
        return None
    stop = video.index_of(key.pts)
    leading = 0
    for count, packet in enumerate(packets):
        if packet.is_keyframe or count >= _LOOKAHEAD:
            break
        if video.index_of(packet.pts) < stop:
            leading += 1
    return stop, leading


def _idr(packet: av.Packet, length_size: int) -> bool:
    try:
        return is_idr(split_lengths(bytes(packet), length_size))
    except BitstreamError as exc:
        raise SmartUnsafe(f"a keyframe's NAL units do not parse ({exc})") from exc


def _delay(video: VideoSource, packet: av.Packet) -> int:
    if packet.dts is None:
        return 0
    return max(video.index_of(packet.pts) - video.index_of(packet.dts), 0)
