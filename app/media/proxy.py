"""Proxy generation with PyAV: decode, scale, encode at the source's exact rate, frame count and start TC.

The output is written as `<name>.<pid>.partial` beside its final name and renamed only when complete
and its frame count read back from the written file matches; a cancel removes the partial file, and a
crash leaves one that never looks like a proxy (the next write into that folder removes it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.video.reformatter import VideoReformatter

from app.core.errors import ReelkeepError
from app.core.proxy_presets import ProxyPreset, ProxySpec, SourceFacts, plan_proxy
from app.media.extract_audio import named_layout, track_tags
from app.media.framegrab import Check, no_check, open_media
from app.media.partial import PartialFile
from app.media.probe import explain_error, snap_rate, stream_timecode


class ProxyError(ReelkeepError):
    """A proxy could not be made or did not verify; the message says why."""


@dataclass(frozen=True)
class ProxyOutput:
    """A finished proxy file and what it holds."""

    path: Path
    spec: ProxySpec
    frame_count: int
    size: int
    bit_rate: int  # measured over the whole file, bits per second
    start_tc: str | None
    duplicated: int = 0  # frames repeated to fill gaps of a variable-rate source
    dropped: int = 0  # frames dropped because they fell on an already filled slot
    warnings: tuple[str, ...] = ()


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not streams:
        raise ProxyError("no video stream in this file")
    return streams[0]


def source_facts(container: av.container.InputContainer, rate: Fraction | None = None) -> SourceFacts:
    """What plan_proxy needs, read from an open file."""
    video = video_stream(container)
    ctx = video.codec_context
    if ctx.width <= 0 or ctx.height <= 0:
        # e.g. H.264 whose parameter sets are missing: the container says 0x0 and nothing decodes
        raise ProxyError(f"the video stream reports no picture size ({ctx.width}x{ctx.height}): its header is "
                         "damaged or its decoder setup is missing, so no frame can be read")
    if rate is None:
        guess = video.base_rate or video.average_rate or video.guessed_rate
        rate = snap_rate(Fraction(guess)) if guess else Fraction(25)
    sar = video.sample_aspect_ratio or ctx.sample_aspect_ratio
    audio = container.streams.audio[0] if container.streams.audio else None
    return SourceFacts(ctx.width, ctx.height, Fraction(rate), Fraction(sar) if sar else None,
                       audio is not None, audio.codec_context.channels if audio else None)


class _Writer:
    """The output container and its encoders; frames go in at exact output indexes."""

    def __init__(self, part: PartialFile, spec: ProxySpec, start_tc: str | None,
                 audio: list[av.audio.stream.AudioStream]) -> None:
        self.spec = spec
        self.part = part
        self.container = part.open(spec.container)
        stream = self.container.add_stream(spec.codec, rate=spec.frame_rate, options=dict(spec.options))
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, spec.pix_fmt
        # The muxer may change the stream's time base when it writes the header (MOV: 1/12800...); the
        # encoder's stays one tick per frame, which is what x264's rate control counts frames by.
        self.tick = 1 / spec.frame_rate
        stream.time_base = self.tick
        ctx = stream.codec_context
        ctx.time_base = self.tick
        ctx.framerate = spec.frame_rate
        ctx.gop_size = spec.gop
        ctx.thread_count = 0  # every core (libx264 and prores_ks both thread)
        ctx.thread_type = "AUTO"
        if spec.codec == "libx264":
            ctx.bit_rate = spec.bitrate
        if start_tc:
            stream.metadata["timecode"] = start_tc  # before the header: MOV/MP4 get a tmcd track
        self.video = stream
        # Every source audio stream -> its own output stream (same order, layout, language, title), each
        # with its own sample clock.
        self.audio: dict[int, tuple[av.audio.stream.AudioStream, int]] = {}
        self.samples: dict[int, int] = {}
        for source in audio if spec.audio_codec else []:
            actx = source.codec_context
            out = self.container.add_stream(spec.audio_codec, rate=actx.sample_rate)
            out.layout = named_layout(actx)
            for key, value in track_tags(source).items():
                out.metadata[key] = value
            if spec.audio_bitrate:
                out.codec_context.bit_rate = spec.audio_bitrate
            self.audio[source.index] = (out, actx.sample_rate)
            self.samples[source.index] = 0

    def write_video(self, frame: av.VideoFrame, index: int) -> None:
        frame.pts = index
        frame.time_base = self.tick
        self.container.mux(self.video.encode(frame))

    def write_audio(self, source_index: int, frame: av.AudioFrame) -> None:
        """A decoded frame of the source's audio stream with this container index."""
        if source_index not in self.audio:
            return
        out, rate = self.audio[source_index]
        # Contiguous sample clock: same number of samples as the source, whatever its timestamps did.
        frame.pts = self.samples[source_index]
        frame.time_base = Fraction(1, rate)
        self.samples[source_index] += frame.samples
        self.container.mux(out.encode(frame))

    def finish(self) -> None:
        self.container.mux(self.video.encode(None))
        for out, _ in self.audio.values():
            self.container.mux(out.encode(None))
        self.part.close()


def generate_proxy(source: str | bytes, dest: Path, preset: str | ProxyPreset, *, rate: Fraction | None = None,
                   frame_count: int | None = None, start_tc: str | None = None, check: Check = no_check,
                   on_frame: Callable[[], None] | None = None) -> ProxyOutput:
    """Transcode source into dest (renamed into place only when complete and its frame count checks)."""
    source_path = os.fsdecode(source)
    dest = Path(dest)
    inp = open_media(source_path)
    try:
        with PartialFile(dest, overwrite=True) as part:  # Reelkeep's own file: planned to be replaced
            facts = source_facts(inp, rate)
            spec = plan_proxy(facts, preset)
            video = video_stream(inp)
            video.thread_type = "AUTO"
            video.codec_context.thread_count = 0
            audio = [s for s in inp.streams.audio if s.codec_context.sample_rate]
            start_tc = start_tc or stream_timecode(inp)
            try:
                writer = _Writer(part, spec, start_tc, audio)
            except av.error.FFmpegError as exc:
                raise ProxyError(f"cannot encode {spec.codec} at {spec.width}x{spec.height}: {exc}") from exc
            counts = _transcode(inp, video, audio, writer, spec, check, on_frame)
            writer.finish()
            written, duplicated, dropped = counts
            warnings = _check_counts(written, duplicated, dropped, frame_count, spec)
            _check_written(part.path, spec, written, start_tc)
            part.commit()
    finally:
        inp.close()
    size = dest.stat().st_size
    seconds = Fraction(written) / spec.frame_rate
    return ProxyOutput(dest, spec, written, size, int(size * 8 / seconds) if seconds else 0, start_tc,
                       duplicated, dropped, warnings)


def _transcode(inp: av.container.InputContainer, video: av.video.stream.VideoStream,
               audio: list[av.audio.stream.AudioStream], writer: _Writer, spec: ProxySpec, check: Check,
               on_frame: Callable[[], None] | None) -> tuple[int, int, int]:
    """Decode (output order is presentation order, B-frames resolved by the decoder), place every frame
    on the nominal grid by its own timestamp, fill gaps by repeating the previous frame, drop frames that
    land on a filled slot. Returns (frames written, duplicated, dropped)."""
    scaler = VideoReformatter()
    time_base = video.time_base or Fraction(1, 90000)
    start = video.start_time
    written = duplicated = dropped = 0
    previous: av.VideoFrame | None = None
    streams = [video] + [stream for stream in audio if stream.index in writer.audio]
    try:
        for packet in inp.demux(*streams):
            check()
            for frame in _decode(packet):
                if packet.stream is not video:
                    writer.write_audio(packet.stream.index, frame)
                    continue
                stamp = frame.pts if frame.pts is not None else frame.dts
                if stamp is None:  # no timestamp at all: trust the decoder's order
                    index = written
                else:
                    if written == 0 and dropped == 0 and (start is None or stamp < start):
                        start = stamp  # the first frame shown is frame 0
                    index = round((stamp - start) * time_base * spec.frame_rate)
                if index < written:
                    dropped += 1
                    continue
                scaled = scaler.reformat(frame, spec.width, spec.height, format=spec.pix_fmt,
                                         interpolation="BICUBIC", threads=0)
                while written < index:  # a gap (variable rate, or a frame the source lacks)
                    writer.write_video(previous if previous is not None else scaled, written)
                    written += 1
                    duplicated += 1
                    _tick(on_frame)
                writer.write_video(scaled, written)
                written += 1
                previous = scaled
                _tick(on_frame)
    except av.error.FFmpegError as exc:
        raise ProxyError(explain_error(exc)) from exc
    return written, duplicated, dropped


def _tick(on_frame: Callable[[], None] | None) -> None:
    if on_frame is not None:
        on_frame()


def _decode(packet: av.Packet) -> list:
    try:
        return packet.decode()
    except av.error.InvalidDataError:
        return []  # one damaged packet: the decoder resynchronises at the next keyframe


def _check_counts(written: int, duplicated: int, dropped: int, expected: int | None,
                  spec: ProxySpec) -> tuple[str, ...]:
    if written == 0:
        raise ProxyError("no video frame could be decoded")
    if duplicated or dropped:
        rate = f"{spec.frame_rate.numerator}/{spec.frame_rate.denominator}"
        return (f"variable frame rate: normalised to {rate} fps ({duplicated} frames repeated, "
                f"{dropped} dropped)",)
    if expected is not None and written != expected:
        raise ProxyError(f"decoded {written} frames where the source has {expected}: the source is damaged "
                         "or cut short")
    return ()


def _check_written(path: Path, spec: ProxySpec, frames: int, start_tc: str | None) -> None:
    """Read the written file's header back: frame count, size and timecode must be what was encoded."""
    try:
        with av.open(str(path), format=spec.container) as written:
            stream = written.streams.video[0]
            found = stream.frames
            size = (stream.codec_context.width, stream.codec_context.height)
            timecode = stream_timecode(written)
    except av.error.FFmpegError as exc:
        raise ProxyError(f"the written proxy does not read back: {explain_error(exc)}") from exc
    if found != frames:
        raise ProxyError(f"the written proxy holds {found} frames instead of {frames}")
    if size != (spec.width, spec.height):
        raise ProxyError(f"the written proxy is {size[0]}x{size[1]} instead of {spec.width}x{spec.height}")
    if start_tc and timecode != start_tc:
        raise ProxyError(f"the written proxy starts at {timecode} instead of {start_tc}")
