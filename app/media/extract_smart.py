"""Smart extraction: frame-exact like a re-encode, but the whole GOPs inside the range are copied unchanged.

H.264 long-GOP in MOV/MP4: the head (first .. the first closed-GOP keyframe) and the tail (after the last
whole GOP .. last) are re-encoded with a matched encoder (smart_encode.py), the GOPs between are copied
packet for packet. The avcC record declares both the source's and the encoder's parameter sets (distinct
ids), and each segment's first packet repeats its own in-band, so every switch decodes. Intra-only codecs
(ProRes, DNxHD/HR, ...) are copied frame by frame, which is frame-exact by itself. Anything else, or a
source whose layout makes copying unsafe, is re-encoded whole with the fallback preset and a warning.

Timestamps: output frame k (source frame first + k) has pts k frames; the n-th packet in decode order has
dts n - D frames, D the largest reorder delay of the segments, so dts rise strictly and never pass a pts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import av

from app.core.extract_plan import ExtractError, ExtractPlan
from app.media.extract import ExtractOutput, ExtractPreset, check_written, extract_reencode, preset_for
from app.media.extract_audio import AudioTracks
from app.media.framegrab import Check, VideoSource, no_check
from app.media.h264_nal import AvcConfig, BitstreamError, join_lengths, parse_avcc, split_annexb
from app.media.partial import PartialFile
from app.media.probe import explain_error
from app.media.smart_encode import SegmentEncoder, encoder_spec
from app.media.smart_layout import CopySpan, SmartUnsafe, find_copy_span

FORMATS = {".mov": "mov", ".mp4": "mp4", ".m4v": "mp4"}
SEARCH_SECONDS = 10  # how far past the in point a keyframe to copy from is looked for
OnFrame = Callable[[], None] | None


def extract_smart(source: str | bytes, dest_dir: Path, plan: ExtractPlan, fallback: str | ExtractPreset = "prores_hq",
                  *, frame_count: int | None = None, check: Check = no_check,
                  on_frame: OnFrame = None, overwrite: bool = False) -> ExtractOutput:
    """Frames plan.first..plan.last to dest_dir/<name><source suffix>, copying what can be copied."""
    path = os.fsdecode(source)
    try:
        return _extract(path, Path(dest_dir), plan, frame_count, check, on_frame, overwrite)
    except SmartUnsafe as exc:
        reason = str(exc)
    except av.error.FFmpegError as exc:
        raise ExtractError(explain_error(exc)) from exc
    preset = preset_for(fallback) if isinstance(fallback, str) else fallback
    output = extract_reencode(path, dest_dir, plan, preset, frame_count=frame_count, check=check,
                              on_frame=on_frame, overwrite=overwrite)
    note = f"smart mode re-encoded the whole range to {preset.name}: {reason}"
    return dataclasses.replace(output, warnings=(*output.warnings, note),
                               message=f"smart mode fell back to re-encoding ({preset.name})")


def _extract(path: str, dest_dir: Path, plan: ExtractPlan, frame_count: int | None, check: Check,
             on_frame: OnFrame, overwrite: bool) -> ExtractOutput:
    suffix = Path(path).suffix.lower()
    with VideoSource(path, plan.rate, frame_count) as video:
        if suffix not in FORMATS or "mov" not in video.container.format.name:
            raise SmartUnsafe(f"smart mode copies from MOV and MP4 files, not {suffix or 'this file'}")
        codec = video.stream.codec_context.name
        with PartialFile(dest_dir / f"{plan.name}{suffix}", overwrite) as part:
            if av.Codec(codec, "r").intra_only:
                method, copied, encoded = "intra-copy", _copy_intra(video, part, FORMATS[suffix], plan, path,
                                                                    check, on_frame), 0
            elif codec == "h264":
                method = "smart"
                copied, encoded = _smart_h264(video, part, FORMATS[suffix], plan, path, check, on_frame)
            else:
                raise SmartUnsafe(f"smart mode copies H.264 and intra-only codecs, not {codec}")
            part.close()
            check_written(part.path, FORMATS[suffix], plan)
            dest = part.commit()
    message = f"smart: {copied} frame(s) copied, {encoded} re-encoded"
    if not copied:
        message += " (no keyframe inside the range starts a closed GOP that ends inside it)"
    return ExtractOutput(dest, plan.first, plan.last, plan.start_tc, True, message, plan.warnings, method,
                         copied, encoded)


class _Muxer:
    """The output: a video stream with the source's codec parameters (and the given avcC), and its audio."""

    def __init__(self, part: PartialFile, fmt: str, video: VideoSource, plan: ExtractPlan, path: str,
                 extradata: bytes | None = None, delay: int = 0) -> None:
        self.out = part.open(fmt)
        try:
            self.stream = self.out.add_stream_from_template(video.stream)
        except ValueError as exc:  # the container cannot hold this codec
            raise SmartUnsafe(str(exc)) from exc
        if extradata is not None:
            self.stream.codec_context.extradata = extradata
        self.stream.codec_context.framerate = plan.rate  # movenc needs a rate to write tmcd
        self.stream.metadata["timecode"] = plan.start_tc
        tick = 1 / plan.rate
        # Keep the source's time base when a frame is a whole number of its ticks (it always is in MOV/MP4).
        self.time_base = video.time_base if (tick / video.time_base).denominator == 1 else tick
        self.stream.time_base = self.time_base
        self.ticks = int(tick / self.time_base)
        self.audio = AudioTracks(path, plan.rate, plan.first, video.start * video.time_base)
        self.audio.add_stream(self.out)
        self.delay = delay
        self.count = 0

    def mux(self, data: bytes | av.Packet, index: int, keyframe: bool | None) -> None:
        """Write output frame `index`'s packet, the next in decode order, then the audio up to here."""
        packet = data if isinstance(data, av.Packet) else av.Packet(data)
        dts = self.count - self.delay
        if index < dts:
            raise SmartUnsafe(f"decode order runs more than {self.delay} frame(s) ahead of display order")
        packet.stream = self.stream
        packet.time_base = self.time_base
        packet.pts, packet.dts, packet.duration = index * self.ticks, dts * self.ticks, self.ticks
        if keyframe is not None:
            packet.is_keyframe = keyframe
        self.out.mux(packet)
        self.count += 1
        self.audio.write_until(self.count)


def _copy_intra(video: VideoSource, part: PartialFile, fmt: str, plan: ExtractPlan, path: str, check: Check,
                on_frame: OnFrame) -> int:
    """Every frame is a keyframe: copying exactly first..last is frame-exact."""
    muxer = _Muxer(part, fmt, video, plan, path)
    expected = plan.first
    for packet in video.packets_from(plan.first):
        check()
        index = video.index_of(packet.pts)
        if index < plan.first:
            continue
        if index > plan.last:
            break
        if index != expected or not packet.is_keyframe:
            raise SmartUnsafe(f"source frame {index} of this intra-only stream is not a keyframe in order")
        muxer.mux(packet, index - plan.first, True)
        expected += 1
        _tick(on_frame)
    if expected != plan.last + 1:
        raise ExtractError(f"source frame {expected} is missing (the file is damaged or cut short)")
    muxer.audio.finish(plan.frame_count)
    return plan.frame_count


def _smart_h264(video: VideoSource, part: PartialFile, fmt: str, plan: ExtractPlan, path: str, check: Check,
                on_frame: OnFrame) -> tuple[int, int]:
    """Head re-encoded, whole GOPs copied, tail re-encoded; returns (frames copied, frames re-encoded)."""
    try:
        config = parse_avcc(video.stream.codec_context.extradata)
    except BitstreamError as exc:
        raise SmartUnsafe(str(exc)) from exc
    span = find_copy_span(video, plan.first, plan.last, config.length_size,
                          max(round(plan.rate * SEARCH_SECONDS), 1))
    gop = video.keyframe_spacing()[0] or round(2 * plan.rate)
    pix_fmt = video.stream.codec_context.pix_fmt or _decoded_format(video, plan.first)
    spec = encoder_spec(video.stream, config, plan.rate, gop, pix_fmt)
    head = SegmentEncoder(spec)
    muxer = _Muxer(part, fmt, video, plan, path, config.with_parameter_sets(head.sps, head.pps).to_bytes(),
                   max(head.delay, span.delay if span else 0))
    ends = _Ends(video, muxer, config, plan, check, on_frame)
    if span is None:
        ends.encode(head, plan.first, plan.last)
    else:
        if span.start > plan.first:
            ends.encode(head, plan.first, span.start - 1)
        _copy_gops(video, muxer, span, config, plan, check, on_frame)
        if span.end < plan.last:
            tail = SegmentEncoder(spec)
            if tail.parameter_sets != head.parameter_sets:
                raise SmartUnsafe("the encoder's parameter sets differ between the two ends")
            ends.encode(tail, span.end + 1, plan.last)
    muxer.audio.finish(plan.frame_count)
    return (span.frames if span else 0), ends.encoded


class _Ends:
    """Re-encodes runs of source frames into the output, parameter sets in-band ahead of each run."""

    def __init__(self, video: VideoSource, muxer: _Muxer, config: AvcConfig, plan: ExtractPlan, check: Check,
                 on_frame: OnFrame) -> None:
        self.video, self.muxer, self.config, self.plan = video, muxer, config, plan
        self.check, self.on_frame = check, on_frame
        self.encoded = 0
        self._fresh = False  # the next packet starts a run: its parameter sets go in front

    def encode(self, encoder: SegmentEncoder, first: int, last: int) -> None:
        """Source frames first..last through this (fresh) encoder into the output."""
        tick = 1 / self.plan.rate
        self._fresh = True
        expected = first
        for index, frame in self.video.grab(range(first, last + 1), self.check):
            if index != expected:
                break
            if frame.interlaced_frame:
                raise SmartUnsafe("interlaced pictures: the re-encoded ends could not match their field coding")
            frame.pts = index - self.plan.first
            frame.time_base = tick
            frame.pict_type = av.video.frame.PictureType.NONE  # the source's frame types are no orders
            self._put(encoder, encoder.encode(frame))
            expected += 1
            _tick(self.on_frame)
        if expected != last + 1:
            raise ExtractError(f"source frame {expected} does not decode (the file is damaged or cut short)")
        self._put(encoder, encoder.encode(None))
        self.encoded += last - first + 1

    def _put(self, encoder: SegmentEncoder, packets: list[av.Packet]) -> None:
        for packet in packets:
            nals = split_annexb(bytes(packet))
            if self._fresh:
                nals, self._fresh = encoder.parameter_sets + nals, False
            self.muxer.mux(join_lengths(nals, self.config.length_size), packet.pts, packet.is_keyframe)


def _copy_gops(video: VideoSource, muxer: _Muxer, span: CopySpan, config: AvcConfig, plan: ExtractPlan,
               check: Check, on_frame: OnFrame) -> None:
    """The packets from keyframe span.start up to keyframe span.stop, unchanged (the first gets the source's
    parameter sets in front); they must hold exactly frames span.start..span.end."""
    seen: set[int] = set()
    for packet in video.packets_from(span.start):
        check()
        index = video.index_of(packet.pts)
        if packet.is_keyframe and index == span.stop:
            break
        if not seen:
            if not packet.is_keyframe or index != span.start:
                if index > span.start:
                    raise SmartUnsafe(f"the keyframe at frame {span.start} where the copy starts was not found")
                continue  # the seek landed on an earlier GOP
            data = join_lengths(config.parameter_sets(), config.length_size) + bytes(packet)
            muxer.mux(data, index - plan.first, True)
        elif span.start <= index <= span.end and index not in seen:
            muxer.mux(packet, index - plan.first, None)
        else:
            raise SmartUnsafe(f"source frame {index} lies outside the GOPs being copied")
        seen.add(index)
        _tick(on_frame)
    else:
        if span.stop is not None:
            raise SmartUnsafe(f"the keyframe at frame {span.stop} where the copy stops was not found")
    if len(seen) != span.frames:
        raise SmartUnsafe(f"the copied GOPs hold {len(seen)} frames instead of {span.frames}")


def _decoded_format(video: VideoSource, index: int) -> str:
    for _, frame in video.grab_keyframes([index]):
        return frame.format.name
    raise SmartUnsafe("no keyframe decodes to tell the pixel format")


def _tick(on_frame: OnFrame) -> None:
    if on_frame is not None:
        on_frame()

