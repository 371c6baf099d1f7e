"""The bad-input corpus of TESTING.md, and special files (FIFOs, device links) with a limited runner for them."""

from __future__ import annotations

import os
import pathlib
import resource
import shutil
import subprocess

import numpy as np

from tests.media.clips import make_clip

StrPath = str | os.PathLike[str]

BAD_CORPUS_KEYS = (
    "zero_byte",
    "truncated",
    "garbage_header",
    "wrong_extension",
    "unreadable",
    "broken_symlink",
    "symlink_loop",
    "non_utf8_name",
    "long_name",
    "unicode_name",
    "dir_named_like_media",
)


def _long_name(total_bytes: int = 255, suffix: str = ".mp4") -> str:
    """A file name of exactly ``total_bytes`` UTF-8 bytes with multi-byte characters."""
    head = "long_名前_"
    unit = "日本🎬é"  # 3 + 3 + 4 + 2 bytes
    body = head
    while len((body + unit + suffix).encode()) <= total_bytes:
        body += unit
    while len((body + suffix).encode()) < total_bytes:
        body += "x"
    name = body + suffix
    assert len(name.encode()) == total_bytes
    return name


def _fresh(path: StrPath | bytes) -> None:
    """Remove whatever a previous corpus left at ``path`` (file, link or empty dir)."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def make_bad_corpus(directory: StrPath) -> dict[str, pathlib.Path]:
    """Create the bad-input corpus of TESTING.md inside ``directory``.

    Keys (stable) and what they hold:

    * ``zero_byte`` -- an empty ``zero_byte.mp4``.
    * ``truncated`` -- a real H.264 ``.mp4`` (moov first, ``+faststart``) cut in the
      middle of its media data: the header parses, decoding runs out of data.
    * ``garbage_header`` -- a real ``.mov`` whose first 4 KiB are overwritten with
      random bytes (seeded, so the corpus is reproducible).
    * ``wrong_extension`` -- a text file named ``.mkv``.
    * ``unreadable`` -- a real ``.mp4`` with mode ``000``.  When the tests run as root
      (CAP_DAC_OVERRIDE) the file can still be opened: check the mode bits, not the
      failure, in that case.
    * ``broken_symlink`` -- ``broken_symlink.mp4`` pointing to a missing file.
    * ``symlink_loop`` -- ``loop/parent``, a directory symlink to ``..`` (the corpus
      directory), so a walker that follows links goes round forever.
    * ``non_utf8_name`` -- a real clip whose name contains byte ``0xff`` (made with
      bytes paths); the value is ``Path(os.fsdecode(...))`` (a surrogate escape).
    * ``long_name`` -- a real clip whose name is exactly 255 UTF-8 bytes, with
      multi-byte characters.
    * ``unicode_name`` -- a real clip named ``Ünïcødé 日本語 🎬.mov``.
    * ``dir_named_like_media`` -- an empty directory named ``folder.mp4``.

    Calling it again on the same directory recreates the entries.

    "A file removed while being read" cannot be pre-generated: tests that need it
    delete a corpus file (or a fresh :func:`make_clip`) from inside the reader.
    """
    root = pathlib.Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    work = root / ".corpus-work"
    work.mkdir(exist_ok=True)
    out: dict[str, pathlib.Path] = {}
    try:
        small_mp4 = make_clip(work / "small.mp4", frames=12, size=(160, 90), audio=False, gop=6)
        small_mov = make_clip(work / "small.mov", frames=24, size=(160, 90), audio=False)

        zero = root / "zero_byte.mp4"
        _fresh(zero)
        zero.write_bytes(b"")
        out["zero_byte"] = zero

        full = make_clip(
            work / "full_faststart.mp4",
            size=(160, 90),
            container_options={"movflags": "+faststart"},
        )
        data = full.read_bytes()
        truncated = root / "truncated.mp4"
        _fresh(truncated)
        truncated.write_bytes(data[: len(data) // 2])
        out["truncated"] = truncated

        rng = np.random.default_rng(4096)
        garbage = root / "garbage_header.mov"
        _fresh(garbage)
        mov = bytearray(small_mov.read_bytes())
        mov[:4096] = rng.integers(0, 256, size=4096, dtype=np.uint8).tobytes()
        garbage.write_bytes(bytes(mov))
        out["garbage_header"] = garbage

        wrong = root / "wrong_extension.mkv"
        _fresh(wrong)
        wrong.write_text("This is a text file, not a Matroska video.\n" * 20, encoding="utf-8")
        out["wrong_extension"] = wrong

        unreadable = root / "unreadable.mp4"
        _fresh(unreadable)
        shutil.copyfile(small_mp4, unreadable)
        unreadable.chmod(0)
        out["unreadable"] = unreadable

        broken = root / "broken_symlink.mp4"
        _fresh(broken)
        broken.symlink_to("missing_target.mp4")
        out["broken_symlink"] = broken

        loop_dir = root / "loop"
        _fresh(loop_dir)
        loop_dir.mkdir()
        loop = loop_dir / "parent"
        loop.symlink_to("..", target_is_directory=True)
        out["symlink_loop"] = loop

        raw = os.path.join(os.fsencode(root), b"non_utf8_\xff_name.mp4")
        _fresh(raw)
        shutil.copyfile(os.fsencode(small_mp4), raw)
        out["non_utf8_name"] = pathlib.Path(os.fsdecode(raw))

        long_path = root / _long_name()
        _fresh(long_path)
        shutil.copyfile(small_mp4, long_path)
        out["long_name"] = long_path

        uni = root / "Ünïcødé 日本語 🎬.mov"
        _fresh(uni)
        shutil.copyfile(small_mov, uni)
        out["unicode_name"] = uni

        folder = root / "folder.mp4"
        _fresh(folder)
        folder.mkdir()
        out["dir_named_like_media"] = folder
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


SPECIAL_KEYS = ("fifo", "dev_zero", "dev_urandom", "link_loop", "folder")


def make_special_files(directory: StrPath, suffix: str) -> dict[str, pathlib.Path]:
    """Paths named like ``suffix`` files that are not regular files, in ``directory``.

    * ``fifo`` -- a named pipe (``os.mkfifo``): a reader that opens it blocks until a writer comes.
    * ``dev_zero`` / ``dev_urandom`` -- symbolic links to those devices: reads never end.
    * ``link_loop`` -- a symbolic link to itself (stat fails with ELOOP).
    * ``folder`` -- an empty directory.

    Only ever hand these to code under test in a subprocess with a timeout and a memory limit
    (:func:`run_limited`): a regression hangs or eats memory instead of failing.
    """
    root = pathlib.Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    out = {key: root / f"{key}{suffix}" for key in SPECIAL_KEYS}
    for path in out.values():
        _fresh(path)
    os.mkfifo(out["fifo"])
    out["dev_zero"].symlink_to("/dev/zero")
    out["dev_urandom"].symlink_to("/dev/urandom")
    out["link_loop"].symlink_to(out["link_loop"].name)
    out["folder"].mkdir()
    return out


def make_noise(path: StrPath, size: int = 64 * 1024, seed: int = 7) -> pathlib.Path:
    """``size`` seeded random bytes at ``path`` (named like media: ``noise.mp3``, ``noise.jpg``...)."""
    out = pathlib.Path(path)
    out.write_bytes(np.random.default_rng(seed).integers(0, 256, size=size, dtype=np.uint8).tobytes())
    return out


def cut_in_half(source: StrPath, path: StrPath) -> pathlib.Path:
    """The first half of ``source``'s bytes at ``path``: a copy interrupted midway."""
    data = pathlib.Path(source).read_bytes()
    out = pathlib.Path(path)
    out.write_bytes(data[: len(data) // 2])
    return out


def run_limited(args: list[str], *, env: dict[str, str] | None = None, cwd: StrPath | None = None,
                timeout: float = 60, memory: int = 2 << 30) -> subprocess.CompletedProcess:
    """Run a command with a timeout and an address-space limit, so that reading a FIFO or /dev/zero by
    mistake fails the test (TimeoutExpired, MemoryError) instead of hanging the suite or the machine."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit)  # noqa: PLW1509 - no threads are started before the fork here
