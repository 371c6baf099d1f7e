"""`reelkeep --self-test`: proves a build works end to end (catalog, PyAV, probe, Qt widgets) and exits 0."""

from __future__ import annotations

import os
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def _write_clip(path: Path) -> None:
    with av.open(str(path), "w") as container:
        container.metadata["timecode"] = "01:00:00:00"
        stream = container.add_stream("mpeg4", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(10):
            image = np.full((48, 64, 3), index * 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _mpv_plays(clip: Path) -> bool:
    """libmpv loads (from the bundle when frozen) and opens the clip."""
    import time

    from app.services.mpv_engine import load_error, load_mpv

    mpv = load_mpv()
    if mpv is None:
        print(f"self-test: {load_error()}")
        return False
    player = mpv.MPV(vo="null", ao="null", pause=True)
    try:
        player.play(str(clip))
        deadline = time.monotonic() + 10
        while player.duration is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return player.duration is not None and abs(player.duration - 0.4) < 0.05
    finally:
        player.terminate()


def run_self_test(catalog_path: str | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.bootstrap import build_context
    from app.media.probe import probe
    from app.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="reelkeep-selftest-") as tmp:
        clip = Path(tmp) / "selftest.mov"
        _write_clip(clip)
        facts = probe(clip)
        checks = [
            ("probe frame rate", facts.frame_rate == Fraction(25)),
            ("probe frame count", facts.frame_count == 10),
            ("probe timecode", facts.start_tc == "01:00:00:00"),
        ]
        checks.append(("libmpv plays the clip", _mpv_plays(clip)))
        app = QApplication.instance() or QApplication(sys.argv[:1])
        ctx = build_context(catalog_path or Path(tmp) / "catalog.sqlite", str(Path(tmp) / "settings.ini"), watch=False)
        try:
            window = MainWindow(ctx)
            window.show()
            app.processEvents()
            checks.append(("main window", window.isVisible()))
            window.close()
        finally:
            ctx.shutdown()
    failed = [name for name, ok in checks if not ok]
    for name, ok in checks:
        print(f"self-test: {name}: {'ok' if ok else 'FAILED'}")
    return 1 if failed else 0
