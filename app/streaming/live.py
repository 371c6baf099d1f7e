"""Live transcoding for HLS: a video no browser decodes (ProRes, DNxHR, MPEG-2…) and that has no H.264 rendition yet
is served as a VOD playlist of MPEG-TS segments of a fixed number of frames, each made on demand and kept in the
stream cache (keyed by the file's identity hash and the preset), so the first picture comes after one segment's
encode instead of the whole file's, and a second client, a seek or a resume reads finished segments with ranges.

A `LiveSession` is one encoder run on its own thread: it seeks the source to the keyframe at or before its first
segment, decodes and drops up to the segment's first frame, and encodes segment after segment (H.264 with an IDR
picture on each segment's first frame, no B-frames or look-ahead, so a segment is complete the moment its last
frame is encoded; AAC audio kept continuous across the session's segments). It runs ahead of the furthest
segment a client asked for by a few segments, then waits; with no client asking for `idle_seconds` it stops, as it
does when it reaches a segment already made. A seek outside every running session starts a new one at that
segment, leaving the others running for their clients. `LiveTranscoder` owns the sessions (a bounded number) and is
what the server awaits.

Frame accuracy: segment k holds exactly frames [k·F, (k+1)·F) of the source (F = frames_per_segment), each stamped
with its frame number, so segments from different sessions form one timeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.video.reformatter import VideoReformatter

from app.core.errors import ReelkeepError
from app.core.proxy_presets import PREVIEW, ProxySpec, plan_proxy
from app.media.framegrab import open_media
from app.media.partial import PARTIAL, PartialFile, own_partial_pid, process_alive
from app.media.probe import explain_error
from app.media.proxy import source_facts, video_stream

log = logging.getLogger(__name__)
SEGMENT_SECONDS = 4
ELSEWHERE_POLL = 0.1  # seconds between looks for a segment another process is writing
CODECS = "avc1.640028"  # High profile, level 4.0: what the encoder is told to write
AAC_CODEC = "mp4a.40.2"
AUDIO_BITRATE = 160_000
_X264_OPTIONS = {"preset": "veryfast", "tune": "zerolatency", "profile": "high", "level": "4.0", "forced-idr": "1"}


class LiveError(ReelkeepError):
    """A live transcode failed; the message says why."""


class LiveBusy(LiveError):
    """Every live transcode slot is taken by a client that is watching."""


@dataclass(frozen=True)
class LivePlan:
    """How one source is cut and encoded; segment files live in `folder`."""

    source: str
    folder: Path
    spec: ProxySpec
    frame_count: int
    frames_per_segment: int
    has_audio: bool

    @property
    def segment_count(self) -> int:
        return max(1, math.ceil(self.frame_count / self.frames_per_segment))

    def first_frame(self, segment: int) -> int:
        return segment * self.frames_per_segment

    def end_frame(self, segment: int) -> int:
        return min(self.frame_count, (segment + 1) * self.frames_per_segment)

    def duration(self, segment: int) -> float:
        return float(Fraction(self.end_frame(segment) - self.first_frame(segment)) / self.spec.frame_rate)

    def segment_path(self, segment: int) -> Path:
        return self.folder / f"{segment:05d}.ts"

    @property
    def width(self) -> int:
        return self.spec.width

    @property
    def height(self) -> int:
        return self.spec.height

    @property
    def bandwidth(self) -> int:
        return self.spec.bitrate + (AUDIO_BITRATE if self.has_audio else 0)

    @property
    def codecs(self) -> str:
        return f"{CODECS},{AAC_CODEC}" if self.has_audio else CODECS


def plan_live(source: str, folder: Path, frame_count: int | None = None) -> LivePlan:
    """Read source's picture size, rate and length; the encode is the preview preset's size and bitrate."""
    try:
        with open_media(source) as inp:
            facts = source_facts(inp)
            video = video_stream(inp)
            if not frame_count:
                frame_count = video.frames or _frames_from_duration(inp, facts.frame_rate)
    except LiveError:
        raise
    except ReelkeepError as exc:
        raise LiveError(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - every demuxer error becomes a message
        raise LiveError(explain_error(exc)) from exc
    if not frame_count:
        raise LiveError("the length of this video is unknown, so it cannot be cut into segments")
    spec = plan_proxy(facts, PREVIEW)
    return LivePlan(source, folder, spec, frame_count, max(1, round(SEGMENT_SECONDS * facts.frame_rate)),
                    facts.has_audio)


def _frames_from_duration(inp: av.container.InputContainer, rate: Fraction) -> int:
    return int(round(Fraction(inp.duration or 0, av.time_base) * rate))


def media_playlist(plan: LivePlan, uri: str) -> str:
    """A VOD playlist of every segment of plan; uri has `{n}` for the segment number (and its query)."""
    target = max(1, max(math.ceil(plan.duration(k)) for k in range(plan.segment_count)))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-PLAYLIST-TYPE:VOD",
             "#EXT-X-MEDIA-SEQUENCE:0"]
    for segment in range(plan.segment_count):
        lines += [f"#EXTINF:{plan.duration(segment):.6f},", uri.format(n=segment)]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


@dataclass
class LiveSession:
    """One encoder run from segment `first` onwards (see the module's docstring)."""

    plan: LivePlan
    first: int
    ahead: int = 2
    idle_seconds: float = 30.0
    current: int = -1  # the segment being encoded
    wanted: int = -1  # the furthest segment a client asked for
    last_want: float = field(default_factory=time.monotonic)
    failure: str | None = None
    finished: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _listeners: list[Any] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.current = self.wanted = self.first
        self._thread = threading.Thread(target=self._run, name=f"reelkeep-live-{self.first}", daemon=True)
        self._thread.start()

    def want(self, segment: int) -> None:
        with self._cond:
            self.wanted = max(self.wanted, segment)
            self.last_want = time.monotonic()
            self._cond.notify_all()

    def covers(self, segment: int) -> bool:
        """The session will make segment soon (it is running and at most `ahead` segments away)."""
        return not self.finished and self.first <= segment <= self.current + self.ahead

    @property
    def waiting(self) -> bool:
        """Ahead of every client: stopping it costs nobody a picture."""
        return self.current > self.wanted + self.ahead

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def add_listener(self, wake: Any) -> None:
        """wake() is called (on the session's thread) after each segment and at the end."""
        self._listeners.append(wake)

    def _changed(self) -> None:
        for wake in list(self._listeners):
            wake()

    def _may_start(self, segment: int) -> bool:
        """Before encoding segment: it is not made yet, nor being made by another process, and a client wants it
        soon, else the session ends."""
        path = self.plan.segment_path(segment)
        if segment >= self.plan.segment_count or path.is_file() or written_elsewhere(path):
            return False
        with self._cond:
            self.current = segment
            while not self._stop.is_set() and segment > self.wanted + self.ahead:
                idle = self.idle_seconds - (time.monotonic() - self.last_want)
                if idle <= 0:
                    return False
                self._cond.wait(min(idle, 1.0))
        return not self._stop.is_set()

    def _run(self) -> None:
        try:
            _encode(self)
        except Exception as exc:  # noqa: BLE001 - told to every client waiting for a segment
            self.failure = exc.args[0] if isinstance(exc, ReelkeepError) and exc.args else explain_error(exc)
            log.warning("live transcode of %s stopped: %s", self.plan.source, self.failure)
        finally:
            self.finished = True
            self._changed()


class _Segment:
    """One segment file being written: an MPEG-TS muxer on a partial file, renamed into place when complete."""

    def __init__(self, plan: LivePlan, number: int, audio_rate: int | None, audio_layout: str | None) -> None:
        self.number = number
        self._stack = contextlib.ExitStack()
        self.part = self._stack.enter_context(PartialFile(plan.segment_path(number), overwrite=True))
        self.out = self.part.open("mpegts")
        spec = plan.spec
        # The streams only carry parameters: packets come from the session's encoders, which outlive a segment.
        self.video = self.out.add_stream("libx264", rate=spec.frame_rate, options={"preset": "ultrafast"})
        self.video.width, self.video.height, self.video.pix_fmt = spec.width, spec.height, "yuv420p"
        self.video.codec_context.thread_count = 1
        self.audio = None
        if audio_rate is not None:
            self.audio = self.out.add_stream("aac", rate=audio_rate)
            self.audio.layout = audio_layout

    def mux(self, packets: list[av.Packet], stream: Any) -> None:
        for packet in packets:
            packet.stream = stream
            self.out.mux(packet)

    def commit(self) -> None:
        self.out.close()
        self.part.commit()
        self._stack.close()

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self.out.close()
        self._stack.close()


def _video_encoder(spec: ProxySpec, gop: int) -> av.VideoCodecContext:
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = spec.width, spec.height, "yuv420p"
    ctx.time_base = 1 / spec.frame_rate
    ctx.framerate = spec.frame_rate
    ctx.bit_rate = spec.bitrate
    ctx.gop_size = gop
    ctx.thread_count = 0
    ctx.options = {**_X264_OPTIONS, "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0"}
    ctx.open()
    return ctx


def _audio_encoder(rate: int, layout: str) -> av.AudioCodecContext:
    ctx = av.CodecContext.create("aac", "w")
    ctx.sample_rate, ctx.layout, ctx.format = rate, layout, "fltp"
    ctx.time_base = Fraction(1, rate)
    ctx.bit_rate = AUDIO_BITRATE
    ctx.open()
    return ctx


def _encode(session: LiveSession) -> None:
    plan, frames = session.plan, session.plan.frames_per_segment
    spec = plan.spec
    with open_media(plan.source) as inp:
        video = video_stream(inp)
        video.thread_type = "AUTO"
        video.codec_context.thread_count = 0
        audio = next((s for s in inp.streams.audio if s.codec_context.sample_rate), None) if plan.has_audio else None
        time_base = video.time_base or Fraction(1, 90000)
        origin = video.start_time or 0
        first = plan.first_frame(session.first)
        if first:
            inp.seek(origin + int(Fraction(first) / spec.frame_rate / time_base), stream=video, backward=True)
        encoder = _video_encoder(spec, frames)
        scaler = VideoReformatter()
        audio_encoder = resampler = None
        layout = None
        if audio is not None:
            layout = "stereo" if (audio.codec_context.channels or 2) >= 2 else "mono"
            audio_encoder = _audio_encoder(audio.codec_context.sample_rate, layout)
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=audio.codec_context.sample_rate)
        start_seconds = Fraction(first) / spec.frame_rate
        origin_seconds = origin * time_base
        segment: _Segment | None = None
        next_index = first
        try:
            for packet in inp.demux(*[s for s in (video, audio) if s is not None]):
                if session._stop.is_set():  # noqa: SLF001 - the session's own flag
                    return
                for frame in _decoded(packet):
                    if packet.stream is not video:
                        if segment is not None and audio_encoder is not None and resampler is not None:
                            _put_audio(segment, frame, audio_encoder, resampler, origin_seconds, start_seconds)
                        continue
                    stamp = frame.pts if frame.pts is not None else frame.dts
                    index = next_index if stamp is None else round((stamp - origin) * time_base * spec.frame_rate)
                    if index < next_index or index >= plan.frame_count:
                        continue  # before the first segment (decoded from the keyframe), or a repeat
                    while next_index <= index:  # a frame the source lacks is the previous one again
                        number = next_index // frames
                        if segment is None or number != segment.number:
                            if segment is not None:
                                segment.commit()
                                session._changed()  # noqa: SLF001
                                segment = None
                            if not session._may_start(number):  # noqa: SLF001
                                return
                            segment = _Segment(plan, number, audio.codec_context.sample_rate if audio else None,
                                               layout)
                        scaled = scaler.reformat(frame, spec.width, spec.height, format="yuv420p",
                                                 interpolation="BICUBIC", threads=0)
                        scaled.pts = next_index
                        scaled.time_base = encoder.time_base
                        scaled.pict_type = av.video.frame.PictureType.I if next_index % frames == 0 \
                            else av.video.frame.PictureType.NONE
                        segment.mux(encoder.encode(scaled), segment.video)
                        next_index += 1
                    if next_index >= plan.frame_count:
                        break
                if next_index >= plan.frame_count:
                    break
            if segment is not None:
                segment.mux(encoder.encode(None), segment.video)
                if audio_encoder is not None and resampler is not None:
                    _flush_audio(segment, audio_encoder, resampler)
                segment.commit()
                segment = None
        finally:
            if segment is not None:
                segment.abandon()


def _put_audio(segment: _Segment, frame: av.AudioFrame, encoder: Any, resampler: Any, origin: Fraction,
               start: Fraction) -> None:
    if frame.pts is None or frame.time_base is None:
        return
    begins = frame.pts * frame.time_base - origin
    if begins + Fraction(frame.samples, frame.sample_rate) <= start:
        return  # wholly before the session's first frame
    for converted in resampler.resample(frame):
        converted.pts = round(begins * converted.sample_rate)
        converted.time_base = Fraction(1, converted.sample_rate)
        begins += Fraction(converted.samples, converted.sample_rate)
        segment.mux(encoder.encode(converted), segment.audio)


def _flush_audio(segment: _Segment, encoder: Any, resampler: Any) -> None:
    for converted in resampler.resample(None):
        segment.mux(encoder.encode(converted), segment.audio)
    segment.mux(encoder.encode(None), segment.audio)


def _decoded(packet: av.Packet) -> Iterator[Any]:
    try:
        yield from packet.decode()
    except av.error.InvalidDataError:
        return  # one damaged packet: the decoder picks up at the next keyframe


def written_elsewhere(path: Path) -> bool:
    """Another live process (a worker of `reelkeep serve --workers`, or the app beside it) is writing this segment
    now: its partial file is there. One encoder per segment across processes, as within one."""
    prefix, me = path.name + ".", os.getpid()
    try:
        names = os.listdir(path.parent)
    except OSError:
        return False
    for name in names:
        if name.startswith(prefix) and name.endswith(PARTIAL):
            pid = own_partial_pid(name)
            if pid is not None and pid != me and process_alive(pid):
                return True
    return False


class LiveTranscoder:
    """The running sessions of one server: at most `max_sessions` encoders at once."""

    def __init__(self, max_sessions: int | None = None, idle_seconds: float = 30.0, ahead: int = 2) -> None:
        self.max_sessions = max_sessions or max(2, os.cpu_count() or 2)
        self.idle_seconds = idle_seconds
        self.ahead = ahead
        self._sessions: list[LiveSession] = []
        self._closed = False
        self.started = 0  # sessions started since the server began

    @property
    def running(self) -> int:
        """Encoder threads alive now (what the leak tests count)."""
        self._sessions = [s for s in self._sessions if s.alive]
        return len(self._sessions)

    async def segment(self, plan: LivePlan, number: int) -> Path:
        """The finished segment file, made by a running session or a new one (waits for it)."""
        if not 0 <= number < plan.segment_count:
            raise LiveError(f"no segment {number}: this video has {plan.segment_count}")
        path = plan.segment_path(number)
        loop = asyncio.get_running_loop()
        while not path.is_file():
            if self._closed:
                raise LiveError("the server is stopping")
            session = next((s for s in self._sessions if s.plan.folder == plan.folder and s.covers(number)), None)
            if session is None and written_elsewhere(path):
                await asyncio.sleep(ELSEWHERE_POLL)  # another server process encodes it: its file will do
                continue
            if session is None:
                session = self._start(plan, number)
            session.want(number)
            woken = loop.create_future()

            def wake(future: asyncio.Future[None] = woken) -> None:
                loop.call_soon_threadsafe(lambda: future.done() or future.set_result(None))

            session.add_listener(wake)
            try:
                if not path.is_file() and not session.finished:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(woken, 1.0)
            finally:
                session._listeners.remove(wake)  # noqa: SLF001 - the session's own list
            if session.finished and session.failure and not path.is_file():
                raise LiveError(session.failure)
        for session in self._sessions:
            if session.plan.folder == plan.folder and session.first <= number <= session.current:
                session.want(number)
        return path

    def _start(self, plan: LivePlan, number: int) -> LiveSession:
        if self.running >= self.max_sessions:
            spare = sorted((s for s in self._sessions if s.waiting), key=lambda s: s.last_want)
            if not spare:
                raise LiveBusy(f"{self.running} live transcodes are running, the most this machine runs at once; "
                               "try again when one ends")
            spare[0].stop()
            self._sessions.remove(spare[0])
        session = LiveSession(plan, number, self.ahead, self.idle_seconds)
        session.start()
        self.started += 1
        self._sessions.append(session)
        return session

    def close(self, timeout: float = 10.0) -> None:
        """Stop every session and wait for their threads (partial segments are removed)."""
        self._closed = True
        for session in self._sessions:
            session.stop()
        for session in self._sessions:
            session.join(timeout)
        self._sessions.clear()
