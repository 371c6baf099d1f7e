"""Proxies from real generated media: frame-exact, same start TC and audio, atomic, cancellable, verified."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.core.progress import CancelToken
from app.ingest.add_files import add_files
from app.ingest.proxies import ProxyJob, plan_proxies, proxy_dir, verify_recorded
from app.media.partial import PARTIAL
from app.media.proxy import generate_proxy
from app.media.proxy_verify import verify_proxy
from tests.media import decode_indexes, make_clip, read_index, read_start_timecode

ROOT = Path(__file__).resolve().parents[2]
FRAMES = 36
SOURCES = {
    # name: make_clip arguments
    "h264_23976.mov": dict(rate="24000/1001", gop=12, bframes=2),
    "h264_25.mp4": dict(rate="25", gop=12, bframes=3),
    "h264_2997df.mp4": dict(rate="30000/1001", gop=15, bframes=2),
    "prores_2997df.mov": dict(rate="30000/1001", codec="prores"),
}
PRESETS = ("thumbnail", "preview", "editorial")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    return {name: make_clip(folder / name, frames=FRAMES, size=(160, 90), **args) for name, args in SOURCES.items()}


@pytest.fixture(scope="module")
def proxies(sources, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("proxies")
    made = {}
    for name, path in sources.items():
        for preset in PRESETS:
            output = generate_proxy(path, folder / name / f"{preset}.out", preset)
            assert output.frame_count == FRAMES and not output.warnings
            made[name, preset] = output.path
    return made


def _audio_samples(path: Path) -> tuple[int, int, str]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples, stream.codec_context.sample_rate, stream.codec_context.layout.name


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("name", SOURCES)
def test_proxy_is_frame_exact_with_start_tc_and_audio(sources, proxies, name: str, preset: str) -> None:
    source, proxy = sources[name], proxies[name, preset]
    assert decode_indexes(proxy) == list(range(FRAMES))  # frame N of the proxy is frame N of the source
    assert read_start_timecode(proxy) == read_start_timecode(source)
    assert read_start_timecode(proxy) == ("01:00:00;00" if "2997" in name else "01:00:00:00")
    with av.open(str(proxy)) as container:
        video = container.streams.video[0]
        assert video.frames == FRAMES
        assert video.average_rate == Fraction(SOURCES[name]["rate"])
        codec = video.codec_context.name
    assert codec == {"thumbnail": "h264", "preview": "h264", "editorial": "prores"}[preset]
    samples, rate, layout = _audio_samples(proxy)
    source_samples, source_rate, source_layout = _audio_samples(source)
    assert (rate, layout) == (source_rate, source_layout)
    assert abs(samples - source_samples) <= 1024  # within one AAC frame


def test_anamorphic_source_gets_display_aspect(tmp_path: Path) -> None:
    square = make_clip(tmp_path / "square.mp4", frames=12, size=(240, 180), audio=False)
    anamorphic = tmp_path / "anamorphic.mov"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(square), "-c", "copy", "-bsf:v",
                    "h264_metadata=sample_aspect_ratio=4/3", str(anamorphic)], check=True, timeout=60)
    with av.open(str(anamorphic)) as container:
        assert container.streams.video[0].sample_aspect_ratio == Fraction(4, 3)
    for preset in ("thumbnail", "editorial"):
        output = generate_proxy(anamorphic, tmp_path / f"{preset}.out", preset)
        with av.open(str(output.path)) as container:
            ctx = container.streams.video[0].codec_context
            assert (ctx.width, ctx.height) == (320, 180)
        assert decode_indexes(output.path) == list(range(12))


def test_variable_rate_source_is_normalised_with_a_warning(tmp_path: Path) -> None:
    intra = make_clip(tmp_path / "intra.mp4", rate="25", frames=20, size=(160, 90), gop=1, bframes=0, audio=False)
    gappy = tmp_path / "gappy.mkv"
    with av.open(str(intra)) as inp, av.open(str(gappy), "w", format="matroska") as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            index = round(packet.pts * packet.time_base * 25) if packet.pts is not None else None
            if packet.size and index not in (10, 11):  # two frames missing: a 120 ms gap
                packet.stream = stream
                out.mux(packet)
    output = generate_proxy(gappy, tmp_path / "preview.out", "preview", rate=Fraction(25))
    assert output.frame_count == 20 and output.duplicated == 2
    assert output.warnings and "variable frame rate" in output.warnings[0]
    assert decode_indexes(output.path) == [*range(10), 9, 9, *range(12, 20)]


@pytest.fixture
def cataloged(tmp_path: Path, catalog: Catalog) -> tuple[Catalog, int, Path]:
    (tmp_path / "media").mkdir()
    clip = make_clip(tmp_path / "media" / "A001.mov", rate="24000/1001", frames=48, size=(160, 90))
    (media_id,) = add_files(catalog, [str(clip)])
    return catalog, media_id, tmp_path / "proxies"


def test_job_records_skips_and_regenerates(cataloged) -> None:
    catalog, media_id, root = cataloged
    job = ProxyJob(catalog, [media_id], ["thumbnail", "editorial"], root=root)
    plan = job.plan()
    assert [(i.preset, i.dest.name, i.adopt) for i in plan.items] == [
        ("thumbnail", "thumbnail.mp4", False), ("editorial", "editorial.mov", False)]
    assert plan.total_frames == 96
    updates = []
    outcome = execute(job, JobContext(progress=updates.append))
    assert outcome.ok and outcome.value.made == 2 and not outcome.value.failures
    assert updates[-1].unit == "frames" and updates[-1].done == 96 and updates[-1].fraction == 1.0
    hash_ = catalog.info(media_id)["identity_hash"]
    recorded = catalog.info(media_id)["proxies"]
    assert [(p["preset"], p["codec"], p["width"], p["height"]) for p in recorded] == [
        ("editorial", "prores_ks", 160, 90), ("thumbnail", "libx264", 160, 90)]
    assert {Path(p["path"]) for p in recorded} == {proxy_dir(hash_, root) / "thumbnail.mp4",
                                                    proxy_dir(hash_, root) / "editorial.mov"}
    assert all(p["size"] == Path(p["path"]).stat().st_size and p["bit_rate"] > 0 for p in recorded)
    again = plan_proxies(catalog, [media_id], ["thumbnail", "editorial"], root=root)
    assert again.items == () and set(again.up_to_date) == {(media_id, "thumbnail"), (media_id, "editorial")}
    redo = plan_proxies(catalog, [media_id], ["thumbnail"], regenerate=True, root=root)
    assert [i.preset for i in redo.items] == ["thumbnail"]
    reports = verify_recorded(catalog, [media_id], index_reader=read_index)
    assert [(preset, report.ok) for _, preset, report in reports] == [("editorial", True), ("thumbnail", True)]
    catalog.remove_proxy(media_id, "thumbnail")
    assert [p["preset"] for p in catalog.proxies(media_id)] == ["editorial"]


class CancelAfter(CancelToken):
    """Cancels itself at its n-th check: mid-encode, at a point that does not depend on the machine's speed."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.left = checks

    def check(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.cancel()
        super().check()


def test_cancel_mid_encode_leaves_no_file_and_no_row(cataloged) -> None:
    catalog, media_id, root = cataloged
    frames = []
    outcome = execute(ProxyJob(catalog, [media_id], ["editorial"], root=root),
                      JobContext(progress=lambda u: frames.append(u.done), cancel=CancelAfter(20)))
    assert not outcome.ok and outcome.cancelled
    assert max(frames) < 48
    assert [p for p in root.rglob("*") if p.is_file()] == []
    assert catalog.proxies(media_id) == []


_CHILD = """
import sys, threading
from pathlib import Path
from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.core.progress import CancelToken
from app.ingest.proxies import ProxyJob

class StallingToken(CancelToken):
    calls = 0
    def check(self):
        self.calls += 1
        if self.calls == 12:
            print("encoding", flush=True)
            threading.Event().wait()  # hold mid-encode until the parent kills us

catalog = Catalog(sys.argv[1])
execute(ProxyJob(catalog, [int(sys.argv[2])], ["editorial"], root=Path(sys.argv[3])),
        JobContext(cancel=StallingToken()))
"""


def test_killed_process_leaves_only_a_partial_file_that_the_next_run_clears(cataloged) -> None:
    catalog, media_id, root = cataloged
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(catalog.path), str(media_id), str(root)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "encoding"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    left = [p for p in root.rglob("*") if p.is_file()]
    assert len(left) == 1 and left[0].name.endswith(PARTIAL) and left[0].stat().st_size > 0
    assert catalog.proxies(media_id) == []
    outcome = execute(ProxyJob(catalog, [media_id], ["editorial"], root=root), JobContext())
    assert outcome.ok and outcome.value.made == 1
    assert [p.name for p in root.rglob("*") if p.is_file()] == ["editorial.mov"]
    assert [p["preset"] for p in catalog.proxies(media_id)] == ["editorial"]


def _drop_frame(source: Path, target: Path, dropped: int, keep_count: bool) -> Path:
    """A proxy made by hand with one frame missing (and the last repeated when keep_count)."""
    with av.open(str(source)) as inp, av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(24000, 1001), options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        stream.metadata["timecode"] = "01:00:00:00"
        frames = [f.reformat(format="yuv420p") for f in inp.decode(inp.streams.video[0])]
        kept = frames[:dropped] + frames[dropped + 1:] + (frames[-1:] if keep_count else [])
        for index, frame in enumerate(kept):
            frame.pts, frame.time_base = index, Fraction(1001, 24000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return target


def test_verify_detects_a_dropped_frame(tmp_path: Path) -> None:
    rate = Fraction(24000, 1001)
    source = make_clip(tmp_path / "src.mov", rate=rate, frames=24, size=(160, 90), audio=False)
    good = generate_proxy(source, tmp_path / "good.out", "preview").path
    report = verify_proxy(source, good, rate, 24, "01:00:00:00", index_reader=read_index)
    assert report.ok, report.problems
    assert report.frame_count == 24 and report.start_tc == "01:00:00:00" and report.checked_frames[-1] == 23

    short = _drop_frame(source, tmp_path / "short.mp4", dropped=7, keep_count=False)
    report = verify_proxy(source, short, rate, 24, "01:00:00:00")
    assert not report.ok and any("23 frames" in p for p in report.problems)

    shifted = _drop_frame(source, tmp_path / "shifted.mp4", dropped=7, keep_count=True)
    report = verify_proxy(source, shifted, rate, 24, "01:00:00:00")  # same count: the pictures tell
    assert not report.ok and any("looks like original frame" in p for p in report.problems), report.problems
    with_reader = verify_proxy(source, shifted, rate, 24, "01:00:00:00", index_reader=read_index)
    assert any("shows the pattern of frame" in p for p in with_reader.problems)

    wrong_tc = verify_proxy(source, good, rate, 24, "02:00:00:00")
    assert any("timecode" in p for p in wrong_tc.problems)


def test_unreadable_source_fails_alone(cataloged, tmp_path: Path) -> None:
    catalog, media_id, root = cataloged
    broken = make_clip(tmp_path / "media" / "B001.mov", frames=12, size=(160, 90))
    (broken_id,) = add_files(catalog, [str(broken)])
    with open(broken, "r+b") as handle:  # keep the size (and header); garble the frames
        handle.seek(os.path.getsize(broken) // 3)
        handle.write(b"\0" * (os.path.getsize(broken) // 3))
    outcome = execute(ProxyJob(catalog, [broken_id, media_id], ["thumbnail"], root=root), JobContext())
    assert outcome.ok
    assert outcome.value.made + len(outcome.value.failures) == 2
    assert [p["preset"] for p in catalog.proxies(media_id)] == ["thumbnail"]
    assert not list(root.rglob(f"*{PARTIAL}"))
