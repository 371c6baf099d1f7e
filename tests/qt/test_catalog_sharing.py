"""The GUI's jobs and a `reelkeep scan` process writing one catalog at the same time."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.test_catalog_concurrency import finished, scan_process
from tests.media.library import make_library


def test_gui_scan_job_and_cli_scan_at_once(qtbot, app_context, tmp_path: Path) -> None:
    gui_root, cli_root = tmp_path / "gui", tmp_path / "cli"
    make_library(gui_root, 600, prefix="gui")
    make_library(cli_root, 600, prefix="cli")
    errors: list[str] = []
    app_context.library.error_raised.connect(errors.append)
    cli = scan_process(Path(app_context.catalog.path), str(cli_root), "--workers", "1")
    app_context.library.add_paths([str(gui_root)])  # the real JobRunner's scan lane
    qtbot.waitUntil(lambda: not app_context.library.scanning, timeout=120_000)
    # and the watcher's catalog-lane job, while the CLI may still be writing
    shutil.copytree(gui_root / "gui-000", gui_root / "copied in")
    code, out, err = finished(cli)
    assert code == 0, err
    assert "600 new" in out and "0 with errors" in out, out
    qtbot.waitUntil(lambda: app_context.catalog.count() == 1300 and app_context.watch.idle(), timeout=60_000)
    assert errors == []
    assert app_context.library.last_scan.new == 600 and app_context.library.last_scan.errors == 0
    assert app_context.catalog.status_counts() == {"ok": 1300}
