"""Outputs as a user meets them through the CLI: never overwritten, never litter, errors that name the
destination, no tracebacks. Real processes, real files, a real full disk (tmpfs) and a real read-only mount."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from tests.media import make_clip

ROOT = Path(__file__).resolve().parents[2]
IN, OUT = "01:00:00:05", "01:00:00:20"


def reelkeep(*args: str, catalog: Path, env: dict[str, str] | None = None,
             **popen: object) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "REELKEEP_CATALOG": str(catalog), "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    options = {"capture_output": True} if "stdout" not in popen else {"stderr": subprocess.PIPE}
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=full_env, text=True, timeout=120,
                            **options, **popen)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system with 20 KiB left (a 300 KiB tmpfs, mostly filled)."""
    where = tmp_path / "full"
    _mount_tmpfs(where, "300k")
    try:
        (where / "filler").write_bytes(b"\0" * 280 * 1024)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "ro"
    _mount_tmpfs(where, "1m")
    try:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    (tmp_path / "media").mkdir()
    return make_clip(tmp_path / "media" / "A001C002.mov", rate="24", frames=48, size=(160, 90))


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_extract_never_overwrites_unless_asked(tmp_path: Path, clip: Path) -> None:
    dest, catalog = tmp_path / "out", tmp_path / "catalog.sqlite"
    dest.mkdir()
    mine = dest / "A001C002_01-00-00-05.mov"
    mine.write_bytes(b"a user's own file of the same name")
    second = reelkeep("extract", str(clip), "--in", IN, "--out", OUT, "--dest", str(dest), "-q", catalog=catalog)
    assert second.returncode == 0, second.stderr
    assert mine.read_bytes() == b"a user's own file of the same name"
    assert second.stdout.startswith(f"{dest / 'A001C002_01-00-00-05_2.mov'}\t")
    assert f"warning: {mine} already exists and was left alone: written as A001C002_01-00-00-05_2.mov " \
           "(--overwrite replaces)" in second.stdout
    third = reelkeep("extract", str(clip), "--in", IN, "--out", OUT, "--dest", str(dest), "-q", catalog=catalog)
    assert "A001C002_01-00-00-05_3.mov" in third.stdout
    forced = reelkeep("extract", str(clip), "--in", IN, "--out", OUT, "--dest", str(dest), "-q", "--overwrite",
                      catalog=catalog)
    assert forced.returncode == 0 and "warning" not in forced.stdout
    assert mine.stat().st_size > 1000  # replaced by the subclip
    assert _files(dest) == ["A001C002_01-00-00-05.mov", "A001C002_01-00-00-05_2.mov", "A001C002_01-00-00-05_3.mov"]


def test_usage_errors_exit_2(tmp_path: Path, clip: Path) -> None:
    catalog, dest = tmp_path / "catalog.sqlite", str(tmp_path / "out")
    cases = [
        (("extract", str(clip), "--in", "1:2", "--out", OUT, "--dest", dest), "'1:2' is not a timecode"),
        (("extract", str(clip), "--in", "01:00:00:30", "--out", OUT, "--dest", dest), "frame field 30"),
        (("extract", str(clip), "--in", "25:00:00:00", "--out", OUT, "--dest", dest), "hours must be below 24"),
        (("extract", str(clip), "--in", IN, "--out", OUT, "--dest", dest, "--handles", "-1"), "--handles"),
        (("extract", "--edl", "cut.edl", "--rate", "abc", "--dest", dest), "not a frame rate: 'abc'"),
        (("edl", "cut.edl", "--rate", "abc"), "not a frame rate: 'abc'"),
    ]
    for args, message in cases:
        result = reelkeep(*args, catalog=catalog)
        assert (result.returncode, message in result.stderr) == (2, True), (args, result.stderr)
    assert not Path(dest).exists()


def _assert_failed_naming(result: subprocess.CompletedProcess, place: str, cause: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert place in text and cause in text, text
    assert "not readable as media" not in text and "permission denied: Reelkeep cannot read" not in text


def test_extract_errors_name_the_destination(tmp_path: Path, clip: Path, full_disk: Path, read_only: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    a_file = tmp_path / "a_file"
    a_file.write_bytes(b"")

    def extract(dest: Path, *more: str) -> subprocess.CompletedProcess:
        return reelkeep("extract", str(clip), "--in", IN, "--out", "01:00:01:20", "--dest", str(dest), "-q", *more,
                        catalog=catalog)

    for mode in ("smart", "reencode", "copy"):
        result = extract(full_disk, "--mode", mode)
        _assert_failed_naming(result, f"cannot write {full_disk}/A001C002_01-00-00-05.mov", "No space left on device")
        assert "the disk is full" in result.stdout
        assert _files(full_disk) == ["filler"]  # no partial left, nothing looking complete
    _assert_failed_naming(extract(read_only), f"cannot write {read_only}/A001C002_01-00-00-05.mov",
                          "Read-only file system")
    _assert_failed_naming(extract(read_only / "sub"), f"cannot create the folder {read_only}/sub",
                          "Read-only file system")
    _assert_failed_naming(extract(a_file / "sub"), f"cannot create the folder {a_file}/sub", "Not a directory")
    _assert_failed_naming(extract(Path("/proc/nope")), "cannot create the folder /proc/nope", "No such file")


def test_proxy_and_thumbnail_folders_name_themselves(tmp_path: Path, clip: Path, full_disk: Path,
                                                     read_only: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    assert reelkeep("scan", str(clip.parent), "-q", catalog=catalog).returncode == 0
    proxies = reelkeep("proxies", str(clip), "-q", catalog=catalog, env={"REELKEEP_PROXY_DIR": str(read_only / "p")})
    _assert_failed_naming(proxies, f"cannot create the folder {read_only}/p", "Read-only file system")
    assert "set REELKEEP_PROXY_DIR" in proxies.stdout
    editorial = reelkeep("proxies", str(clip), "--preset", "editorial", "-q", catalog=catalog,
                         env={"REELKEEP_PROXY_DIR": str(full_disk)})
    _assert_failed_naming(editorial, "editorial.mov: No space left on device", str(full_disk))
    thumbs = reelkeep("thumbs", str(clip), "-q", catalog=catalog, env={"REELKEEP_CACHE_DIR": str(full_disk)})
    _assert_failed_naming(thumbs, f"cannot write {full_disk}/thumbs/", "No space left on device")
    assert "set REELKEEP_CACHE_DIR" in thumbs.stdout
    leftovers = [p for p in full_disk.rglob("*") if p.is_file() and p.name != "filler"]
    assert leftovers == []


def test_an_output_name_over_255_bytes_is_shortened(tmp_path: Path, clip: Path) -> None:
    catalog, dest = tmp_path / "catalog.sqlite", tmp_path / "out"
    name = "Ω" * 150  # 300 bytes
    for _ in range(2):
        result = reelkeep("extract", str(clip), "--in", IN, "--out", OUT, "--dest", str(dest), "--name", name, "-q",
                          catalog=catalog)
        assert result.returncode == 0, result.stdout
        assert "is longer than 255 bytes" in result.stdout or "already exists" in result.stdout
    names = _files(dest)
    assert len(names) == 2 and all(len(os.fsencode(n)) <= 255 and n.endswith(".mov") for n in names)
    assert names[0].startswith("ΩΩΩ") and names[0].removesuffix(".mov").endswith("_2")


def _sizeless_h264(path: Path) -> Path:
    """MPEG-TS H.264 without its sequence parameter sets: the container reports 0x0, nothing decodes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=24, options={"bframes": "0", "g": "12"})
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"

        def mux(packets: list[av.Packet]) -> None:
            for packet in packets:
                nals = re.split(b"(?=\x00\x00\x01)", bytes(packet))
                kept = av.Packet(b"".join(n for n in nals if not (n.startswith(b"\x00\x00\x01") and n[3] & 0x1F == 7)))
                kept.pts, kept.dts, kept.time_base, kept.stream = packet.pts, packet.dts, packet.time_base, stream
                out.mux(kept)

        for index in range(48):
            frame = av.VideoFrame.from_ndarray(np.full((90, 160, 3), index * 5, np.uint8), format="rgb24")
            frame.pts = index
            mux(stream.encode(frame))
        mux(stream.encode(None))
    with av.open(str(path)) as check:
        assert (check.streams.video[0].codec_context.width, check.streams.video[0].codec_context.height) == (0, 0)
    return path


def test_a_video_reporting_0x0_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    video = _sizeless_h264(tmp_path / "media" / "sizeless.ts")
    assert reelkeep("scan", str(video.parent), "-q", catalog=catalog).returncode == 0
    proxies = reelkeep("proxies", str(video), "-q", catalog=catalog, env={"REELKEEP_PROXY_DIR": str(tmp_path / "p")})
    assert proxies.returncode == 1 and "reports no picture size (0x0)" in proxies.stdout
    thumbs = reelkeep("thumbs", str(video), "-q", catalog=catalog, env={"REELKEEP_CACHE_DIR": str(tmp_path / "c")})
    assert thumbs.returncode == 1 and "no picture size" in thumbs.stdout
    extract = reelkeep("extract", str(video), "--in", "00:00:00:05", "--out", "00:00:00:20", "--dest",
                       str(tmp_path / "out"), "-q", catalog=catalog)
    assert extract.returncode == 1 and "no picture size" in extract.stdout
    assert _files(tmp_path / "out") == []


def test_a_reader_that_goes_away_ends_the_listing_quietly(tmp_path: Path, clip: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    assert reelkeep("scan", str(clip.parent), "-q", catalog=catalog).returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` that has already exited: every write gets EPIPE
    try:
        result = reelkeep("list", catalog=catalog, stdout=write_end)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (141, "")


def test_a_batch_into_a_read_only_folder_reports_every_event_and_the_conformed_edl(tmp_path: Path, clip: Path,
                                                                                  read_only: Path) -> None:
    catalog = tmp_path / "catalog.sqlite"
    assert reelkeep("scan", str(clip.parent), "-q", catalog=catalog).returncode == 0
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: CUT\nFCM: NON-DROP FRAME\n\n"
                   "001  A001C002 V     C        01:00:00:05 01:00:00:20 10:00:00:00 10:00:00:15\n"
                   "002  A001C002 V     C        01:00:01:00 01:00:01:10 10:00:00:15 10:00:01:01\n", encoding="utf-8")
    result = reelkeep("extract", "--edl", str(edl), "--dest", str(read_only), "-q", catalog=catalog)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":", 2)[1] for line in lines if line.startswith("error: event")] == [" event 1", " event 2"]
    assert all(f"cannot write {read_only}/00" in line and "Read-only file system" in line
               for line in lines if line.startswith("error: event"))
    assert f"error: conformed EDL: cannot write {read_only}/cut_conformed.edl: Read-only file system" in result.stdout
    assert lines[-1].startswith("Extract: 0 extracted, 2 failed, 0 skipped; conformed EDL: not written (cannot write")
