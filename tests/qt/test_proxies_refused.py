"""Make Proxies in the main window on a file the scan found truncated: refused with the scan's reason, shown
to the user, and no proxy made (it would only fail verification later)."""

from __future__ import annotations

from pathlib import Path

from app.ingest.add_files import add_files
from app.ingest.proxies import PROXY_ENV
from app.jobs.runner import JobRunner
from app.services.library import LibraryService
from tests.media import make_clip
from tests.media.corpus import cut_in_half


def test_make_proxies_of_a_truncated_file_says_why_not(qtbot, qapp, catalog, media_dir: Path, tmp_path: Path,
                                                        monkeypatch) -> None:
    monkeypatch.setenv(PROXY_ENV, str(tmp_path / "proxies"))
    whole = make_clip(tmp_path / "whole.mp4", rate="25", frames=48, size=(160, 90),
                      container_options={"movflags": "+faststart"})
    [media_id] = add_files(catalog, [cut_in_half(whole, media_dir / "cut.mp4")])
    reason = catalog.info(media_id)["status_message"]
    assert reason.startswith("truncated: ")
    jobs = JobRunner()
    try:
        library = LibraryService(catalog, jobs)
        with qtbot.waitSignal(library.error_raised, timeout=30000) as raised:
            library.make_proxies([media_id], ["thumbnail"])
        assert raised.args[0] == (f"No proxy of {media_dir / 'cut.mp4'}: not made: the scan found this file "
                                  f"unusable ({reason}); rescan it once it is whole")
        assert catalog.proxies(media_id) == []
        assert not list((tmp_path / "proxies").rglob("*.mp4"))
    finally:
        jobs.shutdown()
