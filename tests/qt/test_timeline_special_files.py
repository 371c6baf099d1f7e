"""Opening a timeline that is a FIFO in the main window (a drop, as Open Timeline does) reports what it is at
once, instead of a job blocked forever on the pipe."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from app.ui.main_window import MainWindow
from tests.media.corpus import make_special_files
from tests.qt.test_ui_library import drop_paths


def test_dropping_a_fifo_named_edl_reports_it(qtbot, window: MainWindow, tmp_path: Path) -> None:
    fifo = make_special_files(tmp_path, ".edl")["fifo"]
    try:
        with qtbot.waitSignal(window.ctx.timeline.error_raised, timeout=10000) as raised:
            drop_paths(window, [fifo])
        assert raised.args[0] == (f"Open fifo.edl: cannot read {fifo}: not a regular file (a named pipe); "
                                  "Reelkeep reads only regular files")
        assert window.ctx.timeline.doc is None
    finally:
        # A regression leaves the job blocked in open(): a writer that comes and goes releases it (EOF).
        # Without a reader waiting the open fails (ENXIO): nothing to release.
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
