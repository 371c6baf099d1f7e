"""The one media probe: what a file is, at exact rates, with its start timecode and tags."""

from __future__ import annotations

import errno
import os
import stat
from fractions import Fraction

import av

from app.core.errors import ProbeError
from app.core.facts import AudioStreamFacts, MediaFacts
from app.core.job import JobContext
from app.core.kinds import kind_for_name
from app.core.regular_file import special_file_message, stat_error_message
from app.core.timecode import is_drop_frame
from app.media import evidence, tags
from app.media.bitstream import slices_per_frame

# Rates cameras really use; a measured average within 0.05% of one of these is that rate exactly.
_STANDARD_RATES = [
    Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
    Fraction(48000, 1001), Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60),
    Fraction(120000, 1001), Fraction(120), Fraction(15), Fraction(12), Fraction(100),
]


def snap_rate(rate: Fraction) -> Fraction:
    for standard in _STANDARD_RATES:
        if abs(rate - standard) / standard < Fraction(5, 10000):
            return standard
    return rate


def explain_error(exc: BaseException) -> str:
    # FFmpeg's demuxers report some garbage as EPERM ("Operation not permitted"): not a permission problem.
    garbage = isinstance(exc, av.error.FFmpegError) and exc.errno == errno.EPERM
    if not garbage and (isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES):
        return "permission denied: Reelkeep cannot read this file (check its permissions)"
    if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
        return "the file disappeared while it was being read"
    if isinstance(exc, IsADirectoryError):
        return "a folder, not a media file"
    if garbage or isinstance(exc, av.error.InvalidDataError):
        return "not readable as media: the file is corrupt, truncated or not a media file"
    if isinstance(exc, av.error.FFmpegError):
        return f"not readable as media: {exc.strerror or exc}"
    return f"cannot read the file: {exc}"


def probe(path: str | bytes) -> MediaFacts:
    """Probe one file. Raises ProbeError with a message a user can act on."""
    path = os.fsdecode(path)
    size = _regular_size(path)
    if size == 0:
        raise ProbeError("empty file (0 bytes): nothing to play; it may still be copying or was cut short")
    kind = kind_for_name(path)
    if kind == "audio":
        try:
            details = tags.read_audio(path)
        except OSError as exc:
            raise ProbeError(explain_error(exc)) from exc
        except Exception:  # noqa: BLE001 - mutagen raises many kinds on corrupt input; PyAV gets a second try
            details = None
        if details is not None:
            evidence.check_audio_file(path, details["duration"], details["bit_rate"], details["container"],
                                      details.pop("suspect", False))
            return MediaFacts(kind="audio", audio_tracks=(_mutagen_track(details),), **details)
    return probe_url(path, kind)


def probe_url(url: str, kind: str | None = None) -> MediaFacts:
    """Probe with PyAV alone: how probe() ends for a file, and all there is for what FFmpeg opens by URL (a ZIP
    member's subfile URL), since mutagen and the size checks need a file of their own."""
    try:
        return _probe_with_av(url, kind)
    except ProbeError:
        raise
    except Exception as exc:  # noqa: BLE001 - every decoder error becomes a message, never a crash
        raise ProbeError(explain_error(exc)) from exc


def _regular_size(path: str) -> int:
    """The size of a regular file; a link loop, dangling link, FIFO or device is named for what it is."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ProbeError(stat_error_message(path, exc) or explain_error(exc)) from exc
    if not stat.S_ISDIR(st.st_mode) and (special := special_file_message(path, st.st_mode)):
        raise ProbeError(special)
    return st.st_size


def _timecode_tag(metadata: dict[str, str]) -> str | None:
    # MOV/MP4 expose a tmcd track as lowercase "timecode"; Matroska tags are uppercase "TIMECODE".
    for key, value in metadata.items():
        if key.lower() == "timecode" and value:
            return value.strip()
    return None


def stream_timecode(container: av.container.InputContainer) -> str | None:
    for stream in container.streams:
        timecode = _timecode_tag(stream.metadata)
        if timecode:
            return timecode
    return _timecode_tag(container.metadata)


def _probe_with_av(path: str, kind_by_name: str | None) -> MediaFacts:
    with av.open(path, metadata_errors="ignore") as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise ProbeError("no audio or video stream in this file")
        warnings: list[str] = []
        container_name = container.format.name.split(",")[0]
        duration = container.duration / av.time_base if container.duration else None
        audio_fields = {}
        if audio is not None:
            ctx = audio.codec_context
            audio_fields = {
                "audio_codec": ctx.name, "channels": ctx.channels, "sample_rate": ctx.sample_rate,
            }
        if video is None:
            evidence.check_audio_stream(container, duration)
            return MediaFacts(kind="audio", container=container_name, duration=duration,
                              bit_rate=container.bit_rate or None, audio_tracks=audio_streams(container),
                              **audio_fields)
        ctx = video.codec_context
        is_image = kind_by_name == "image" or container.format.name in ("image2", "png_pipe", "jpeg_pipe") or (
            video.frames <= 1 and duration is None and audio is None
        )
        if kind_by_name == "audio" and audio is None:
            raise ProbeError(f"{evidence.NOT_AUDIO}; it reads as {container_name} video")
        if is_image:
            evidence.require_picture(ctx.width, ctx.height)
            return MediaFacts(kind="image", container=container_name, video_codec=ctx.name,
                              width=ctx.width, height=ctx.height, pix_fmt=ctx.format.name if ctx.format else None,
                              audio_tracks=())
        rate = _exact_rate(video, warnings)
        slices = _first_keyframe_slices(container, video)
        frame_count = video.frames or None
        if frame_count is None and rate:
            seconds = float(video.duration * video.time_base) if video.duration else duration
            frame_count = round(seconds * rate) if seconds else None
        if frame_count and rate:
            duration = float(frame_count / rate)
        if container.format.name.startswith("mov") and frame_count and not _last_sample_readable(container, video):
            raise ProbeError(
                "truncated: the file ends before its last frames (an interrupted copy or recording?); "
                "copy it again from the source"
            )
        timecode = stream_timecode(container)
        return MediaFacts(
            kind="video", container=container_name, duration=duration, video_codec=ctx.name,
            profile=ctx.profile or None, width=ctx.width, height=ctx.height, frame_rate=rate,
            frame_count=frame_count, start_tc=timecode, drop_frame=bool(timecode and is_drop_frame(timecode)),
            pix_fmt=ctx.format.name if ctx.format else None, bit_rate=container.bit_rate or None, video_slices=slices,
            warnings=tuple(warnings), audio_tracks=audio_streams(container), **audio_fields,
        )


def audio_streams(container: av.container.InputContainer) -> tuple[AudioStreamFacts, ...]:
    """Every audio stream with its codec, channels, layout, rate and language/title tags."""
    tracks = []
    for position, stream in enumerate(container.streams.audio):
        ctx = stream.codec_context
        layout = ctx.layout.name if ctx.channels else None
        tags = {key.lower(): value.strip() for key, value in stream.metadata.items() if value and value.strip()}
        language = tags.get("language")
        tracks.append(AudioStreamFacts(
            index=position, stream_index=stream.index, codec=ctx.name or None, channels=ctx.channels or None,
            # A bare count ("2 channels": PCM in Matroska) names no layout.
            layout=None if not layout or layout.endswith("channels") else layout,
            sample_rate=ctx.sample_rate or None, bit_rate=ctx.bit_rate or stream.bit_rate or None,
            language=None if language in (None, "und") else language,
            # Matroska tags a track "title"; MOV/MP4 keep it in the track's udta "name" atom.
            title=tags.get("title") or tags.get("name"),
        ))
    return tuple(tracks)


def probe_audio_streams(path: str | bytes) -> tuple[AudioStreamFacts, ...]:
    """Every audio stream of a file, for files cataloged before the probe read them all.
    Raises ProbeError when the file cannot be read."""
    try:
        with av.open(os.fsdecode(path), metadata_errors="ignore") as container:
            return audio_streams(container)
    except (OSError, av.error.FFmpegError) as exc:
        raise ProbeError(explain_error(exc)) from exc


def _mutagen_track(details: dict) -> AudioStreamFacts:
    """The stream mutagen describes: the first (music files hold one); its container index is not known."""
    return AudioStreamFacts(index=0, codec=details.get("audio_codec"),
                            channels=details.get("channels"), sample_rate=details.get("sample_rate"),
                            bit_rate=details.get("bit_rate"))


def probe_slices(path: str | bytes) -> int | None:
    """Slices per frame of a file's video (H.264/HEVC), or None; for files cataloged before the probe
    counted them. Raises ProbeError when the file cannot be read."""
    try:
        with av.open(os.fsdecode(path), metadata_errors="ignore") as container:
            if not container.streams.video:
                return None
            return _first_keyframe_slices(container, container.streams.video[0])
    except (OSError, av.error.FFmpegError) as exc:
        raise ProbeError(explain_error(exc)) from exc


class SliceCountJob:
    """Count a cataloged file's slices per frame (lane 'scrub'; not shown in the Jobs dock)."""

    lane = "scrub"
    title = "Read decoding details"
    visible = False

    def __init__(self, path: str) -> None:
        self.path = path

    def plan(self) -> str:
        return self.path

    def run(self, plan: str, ctx: JobContext) -> int | None:
        return probe_slices(plan)


def _first_keyframe_slices(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> int | None:
    """Slices per frame, read from the first keyframe's packet (the first few packets only: cheap)."""
    codec = video.codec_context.name
    if codec not in ("h264", "hevc"):
        return None
    try:
        for _, packet in zip(range(8), container.demux(video), strict=False):
            if packet.is_keyframe and packet.size:
                return slices_per_frame(codec, bytes(packet), video.codec_context.extradata)
    except av.error.FFmpegError:
        return None
    return None


def _last_sample_readable(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> bool:
    """MOV/MP4 index every sample up front, so a cut file still parses: check the last sample's data exists."""
    if not video.duration:
        return True
    try:
        container.seek(max(video.duration - 1, 0), stream=video, backward=True, any_frame=True)
        return any(packet.size > 0 for _, packet in zip(range(4), container.demux(video), strict=False))
    except av.error.FFmpegError:
        return False


def _exact_rate(video: av.video.stream.VideoStream, warnings: list[str]) -> Fraction | None:
    nominal = video.base_rate or video.guessed_rate
    average = video.average_rate
    if not nominal and not average:
        warnings.append("frame rate unknown")
        return None
    nominal = snap_rate(Fraction(nominal or average))
    if average and abs(Fraction(average) - nominal) / nominal > Fraction(1, 100):
        warnings.append(f"variable frame rate (average {float(average):.3f} fps, nominal {float(nominal):.3f})")
    return nominal
