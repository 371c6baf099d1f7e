"""Frames by exact index for thumbnails: seek to a keyframe, decode forward only what the target needs."""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from app.core.errors import ReelkeepError
from app.core.regular_file import special_file_message, stat_error_message
from app.media.probe import explain_error, snap_rate

Check = Callable[[], None]

# H.264 allows at most 16 frames of reordering: once the packets have run this far past a target
# without it, the target is not in the file (a dropped frame, a variable-rate stream).
_REORDER_SLACK = 32
_MAX_SEEK_RETRIES = 8


class ThumbnailError(ReelkeepError):
    """No poster, sprite sheet or preview could be made from a file; the message says why."""


def no_check() -> None:
    return None


def os_error_message(path: str | bytes, exc: OSError) -> str:
    return stat_error_message(path, exc) or explain_error(exc)


def require_content(path: str) -> None:
    """Fail early, with the probe's wording, on files that are gone, unreadable, folders, FIFOs, devices or empty."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ThumbnailError(explain_error(IsADirectoryError()))
        if special := special_file_message(path, st.st_mode):
            raise ThumbnailError(special)  # before open(): a FIFO would block it
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError as exc:
        raise ThumbnailError(os_error_message(path, exc)) from exc
    size = st.st_size
    if size == 0:
        raise ThumbnailError("empty file (0 bytes): nothing to show; it may still be copying or was cut short")


def open_media(path: str, skip_frames: bool = False) -> av.container.InputContainer:
    """Open for reading. skip_frames: do not let avformat_find_stream_info decode a frame to learn the
    pixel format (with H.264 that is a whole intra frame, as much as a poster costs); sizes still come
    from the headers, and the decoders made here learn the format from the first frame."""
    require_content(path)
    try:
        if skip_frames:
            return av.open(path, metadata_errors="ignore", options={"skip_frame": "all"})
        return av.open(path, metadata_errors="ignore")
    except Exception as exc:  # noqa: BLE001 - every demuxer error becomes a message
        raise ThumbnailError(explain_error(exc)) from exc


def even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def fit_width(width: int, height: int, target: int, aspect: Fraction | None = None) -> tuple[int, int]:
    """Even (width, height) at most `target` wide (never upscaled) keeping the display aspect ratio."""
    display_width = width * aspect if aspect else Fraction(width)
    out_width = even(min(target, display_width))
    return out_width, even(out_width * height / display_width)


class Scaler:
    """Scale and convert in one swscale pass, reusing one swscale context for a run of same-size frames
    (area averaging: sharp, no aliasing when shrinking a lot)."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self._reformatter = VideoReformatter()

    def __call__(self, frame: av.VideoFrame, format: str = "rgb24") -> av.VideoFrame:
        return self._reformatter.reformat(frame, self.size[0], self.size[1], format=format,
                                          interpolation="AREA", threads=1)

    def rgb(self, frame: av.VideoFrame) -> np.ndarray:
        return self(frame).to_ndarray()


class VideoSource:
    """One video stream opened for access by frame index (0 = first frame) at an exact rate."""

    def __init__(self, path: str | bytes, rate: Fraction | None = None, frame_count: int | None = None) -> None:
        self.path = os.fsdecode(path)
        self._spacing: tuple[int | None, bool] | None = None
        self.container = open_media(self.path, skip_frames=True)
        if not any(s.codec_context.width for s in self.container.streams.video):
            self.container.close()  # a format whose headers lack the size: let the probe decode after all
            self.container = open_media(self.path)
        try:
            streams = [s for s in self.container.streams.video
                       if not s.disposition & av.stream.Disposition.attached_pic]
            if not streams:
                raise ThumbnailError("no video stream in this file")
            self.stream = streams[0]
            self.time_base = self.stream.time_base or Fraction(1, 90000)
            self.rate = rate or _stream_rate(self.stream)
            self.start = self._first_pts()
            self.frame_count = frame_count or self._count_frames()
            ctx = self.stream.codec_context
            self.width, self.height = ctx.width, ctx.height
            self.aspect = Fraction(self.stream.sample_aspect_ratio) if self.stream.sample_aspect_ratio else None
            if not self.frame_count or not self.width:
                raise ThumbnailError("the video stream has no frames or no picture size")
        except BaseException:
            self.container.close()
            raise

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.container.close()

    def _first_pts(self) -> int:
        """Presentation time of frame 0: the earliest among the first packets (with B-frames the first
        packet is not the earliest; AVI and MPEG-TS do not always start at the stream's start_time)."""
        stamps = [p.pts for p in itertools.islice(self._packets(), 16) if not p.is_discard]
        return min(stamps) if stamps else self.stream.start_time or 0

    def _count_frames(self) -> int:
        if self.stream.frames:
            return self.stream.frames
        if self.stream.duration:
            seconds = self.stream.duration * self.time_base
        elif self.container.duration:
            seconds = Fraction(self.container.duration, av.time_base)
        else:
            return 0
        return round(seconds * self.rate)

    def index_of(self, pts: int) -> int:
        return round((pts - self.start) * self.time_base * self.rate)

    def pts_of(self, index: int) -> int:
        return self.start + round(Fraction(index) / self.rate / self.time_base)

    def keyframe_spacing(self) -> tuple[int | None, bool]:
        """(the longest run of frames between keyframes, whether every run is that long)."""
        if self._spacing is None:
            self._spacing = self._measure_spacing()
        return self._spacing

    def _measure_spacing(self) -> tuple[int | None, bool]:
        stamps = [e.timestamp for e in self.stream.index_entries if e.is_keyframe]
        if len(stamps) < 2:
            stamps = self._first_keyframes()
        if len(stamps) < 2:
            return None, False
        # Index timestamps may be decode times (MOV); a fixed reorder delay cancels out in the gaps.
        gaps = {round((b - a) * self.time_base * self.rate) for a, b in itertools.pairwise(stamps)}
        return (max(gaps), len(gaps) == 1) if min(gaps) > 0 else (None, False)

    def _first_keyframes(self, wanted: int = 3, budget: int = 2000) -> list[int]:
        stamps: list[int] = []
        if not self._seek_to(self.start):
            return stamps
        for packet in itertools.islice(self._packets(), budget):
            if packet.is_keyframe:
                stamps.append(packet.pts)
                if len(stamps) == wanted:
                    break
        return stamps

    def _seek_to(self, stamp: int) -> bool:
        try:
            self.container.seek(stamp, backward=True, stream=self.stream)
        except av.error.FFmpegError:
            return False
        return True

    def _packets(self) -> Iterator[av.Packet]:
        try:
            for packet in self.container.demux(self.stream):
                if packet.pts is None:  # some AVI and raw streams carry decode times only
                    packet.pts = packet.dts
                if packet.pts is not None and packet.size:
                    yield packet
        except av.error.EOFError:
            return
        except av.error.FFmpegError as exc:
            raise ThumbnailError(explain_error(exc)) from exc

    def _seek(self, index: int) -> Iterator[av.Packet]:
        """Packets from a keyframe at or before `index`.

        Where a seek lands depends on the format: MOV indexes keyframes by decode time, which runs ahead of
        presentation time with B-frames, so it can land on the keyframe just after the target (then step
        back one keyframe); MPEG-TS has no index and lands on any packet (then read on to a keyframe, or
        step back further and further when there is none before the target).
        """
        stamp = self.pts_of(index)
        step = max(self.pts_of(max(round(self.rate), 1)) - self.start, 1)  # one second
        for _ in range(_MAX_SEEK_RETRIES):
            if not self._seek_to(stamp):
                break
            packets = self._packets()
            landed = next(packets, None)
            if landed is None:
                return iter(())
            keyframe = landed
            while not keyframe.is_keyframe and self.index_of(keyframe.pts) <= index:
                keyframe = next(packets, None)
                if keyframe is None:
                    break
            if keyframe is not None and keyframe.is_keyframe and self.index_of(keyframe.pts) <= index:
                return itertools.chain([keyframe], packets)
            if landed.is_keyframe:
                stamp = min(stamp, landed.dts if landed.dts is not None else landed.pts) - 1
            else:
                stamp, step = stamp - step, step * 2
        if not self._seek_to(self.start - 10 * step):
            return iter(())
        return itertools.dropwhile(lambda packet: not packet.is_keyframe, self._packets())

    def packets_from(self, index: int) -> Iterator[av.Packet]:
        """Video packets in decode order from the keyframe at or before `index` (stream copy)."""
        return self._seek(index)

    def _decoder(self, deblock: bool) -> av.codec.context.CodecContext:
        """A decoder of our own: container.seek() flushes the stream's context (losing frames still in
        the frame-thread pipeline), ours keeps them, so seeks do not stall the threads."""
        source = self.stream.codec_context
        ctx = av.CodecContext.create(source.name, "r")
        if source.extradata:
            ctx.extradata = source.extradata
        ctx.width, ctx.height = source.width, source.height
        if not deblock:
            # Frames shrunk 6-12x to a thumbnail: the deblocking filter's work would not show (and the
            # drift it causes in later inter frames of a GOP stays below a pixel of the thumbnail).
            ctx.options = {"skip_loop_filter": "all"}
        ctx.thread_type = "AUTO"
        return ctx

    def grab(self, targets: Iterable[int], check: Check = no_check,
             deblock: bool = True) -> Iterator[tuple[int, av.VideoFrame]]:
        """Yield (index, frame) for every target index that decodes, ascending.

        Each target is reached from its keyframe decoding only reference frames on the way (non-reference
        B-frames other than targets are skipped); targets close together share one pass.
        """
        wanted = sorted({t for t in targets if 0 <= t < self.frame_count})
        if not wanted:
            return
        # Measured before the pass: measuring may read the file itself (_first_keyframes), which would move
        # the demuxer under a pass already reading packets and end it early (targets after the first lost).
        self.keyframe_spacing()
        decoder = self._decoder(deblock)
        pending = set(wanted)
        sent: set[int] = set()
        packets: Iterator[av.Packet] | None = None
        furthest = -1  # the highest index sent to the decoder
        for target in wanted:
            check()
            if target in sent:
                continue
            if packets is None or self._worth_seeking(target, furthest):
                packets = self._seek(target)
            for packet in packets:
                index = self.index_of(packet.pts)
                decoder.skip_frame = "DEFAULT" if index in pending else "NONREF"
                sent.add(index)
                furthest = max(furthest, index)
                yield from self._take(decoder, packet, pending)
                if index == target or index > target + _REORDER_SLACK:
                    break
        yield from self._take(decoder, None, pending)

    def _worth_seeking(self, target: int, furthest: int) -> bool:
        """Seek when the target's keyframe lies past what was decoded; else read on (cheaper than
        decoding from a keyframe again)."""
        gap, regular = self.keyframe_spacing()
        if gap is None:
            return target > furthest + max(round(self.rate), 1)
        if regular:
            return target - target % gap > furthest
        return target > furthest + gap  # irregular (scene-cut keyframes): only past the longest GOP

    def grab_keyframes(self, targets: Iterable[int]) -> Iterator[tuple[int, av.VideoFrame]]:
        """Approximate and fast: for each target, the keyframe at or before it, as (its index, frame)."""
        decoder = self._decoder(deblock=False)
        seen: set[int] = set()
        for target in targets:
            packet = next((p for p in self._seek(target) if p.is_keyframe), None)
            if packet is None or packet.pts in seen:
                continue
            seen.add(packet.pts)
            frames = _decode(decoder, packet) + _decode(decoder, None)
            decoder.flush_buffers()
            if frames:
                yield self.index_of(packet.pts), frames[0]

    def _take(self, decoder: av.codec.context.CodecContext, packet: av.Packet | None,
              pending: set[int]) -> Iterator[tuple[int, av.VideoFrame]]:
        for frame in _decode(decoder, packet):
            stamp = frame.pts if frame.pts is not None else frame.dts
            if stamp is None:
                continue
            index = self.index_of(stamp)
            if index in pending:
                pending.discard(index)
                yield index, frame


def _decode(decoder: av.codec.context.CodecContext, packet: av.Packet | None) -> list[av.VideoFrame]:
    try:
        return decoder.decode(packet)
    except av.error.InvalidDataError:
        return []  # one damaged packet: the decoder resynchronises at the next keyframe
    except av.error.EOFError:
        return []
    except av.error.FFmpegError as exc:
        raise ThumbnailError(explain_error(exc)) from exc


def _stream_rate(stream: av.video.stream.VideoStream) -> Fraction:
    rate = stream.base_rate or stream.average_rate or stream.guessed_rate
    return snap_rate(Fraction(rate)) if rate else Fraction(25)
