"""The watcher's batch on a real catalog: a file event for a file the catalog already has as it is (a rename the
catalog followed, a touch that changed nothing) costs no probe; a file that did change is probed again."""

from __future__ import annotations

import os
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.job import JobContext
from app.ingest.add_files import add_files
from app.ingest.watch import PendingChanges, apply_changes
from tests.media.clips import make_clip


def test_an_event_for_an_unchanged_file_is_not_probed_again_a_changed_one_is(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    clip = make_clip(tmp_path / "A001C001.mov", rate="25", frames=10)
    [media_id] = add_files(catalog, [str(clip)], JobContext())
    assert catalog.info(media_id)["status"] == "ok"
    raw = os.fsencode(clip)
    info = clip.stat()
    settled = PendingChanges(touched={raw: (info.st_size, info.st_mtime)})  # its size held since the last check
    assert apply_changes(catalog, settled).changed_ids == []
    assert catalog.info(media_id)["status"] == "ok"

    with open(clip, "ab") as handle:  # the file really changed
        handle.write(b"\0" * 100)
    info = clip.stat()
    changed = PendingChanges(touched={raw: (info.st_size, info.st_mtime)})
    assert apply_changes(catalog, changed).changed_ids == [media_id]
    assert catalog.info(media_id)["size"] == info.st_size
    catalog.close()
