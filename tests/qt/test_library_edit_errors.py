"""Edits made in the window on a catalog that cannot be written: told to the user, no exception in a slot."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import build_context
from app.core.facts import FileState
from tests.conftest import fill_disk


def test_edits_on_a_full_catalog_disk_raise_an_error_message_not_an_exception(qapp, small_disk: Path,
                                                                               tmp_path: Path) -> None:
    ctx = build_context(small_disk / "catalog.sqlite", str(tmp_path / "settings.ini"), watch=False)
    try:
        catalog, library = ctx.catalog, ctx.library
        ids = catalog.add_discovered(None, [FileState(f"/L/s{i}.mp3".encode(), 10, 1.0) for i in range(50)])
        errors: list[str] = []
        changed: list[list[int]] = []
        library.error_raised.connect(errors.append)
        library.media_changed.connect(changed.append)
        filler = fill_disk(small_disk)

        assert library.add_tags(ids, ["kept"]) is False
        assert len(errors) == 1 and "disk full: the catalog at" in errors[0]
        assert changed == [] and catalog.tag_counts() == []  # nothing half written, no view told otherwise

        filler.unlink()
        assert library.add_tags(ids, ["kept"]) is True
        assert catalog.tag_counts() == [("kept", 50)]
    finally:
        ctx.shutdown()
