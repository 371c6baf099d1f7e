"""A rating edit made from what the window shows is refused, told and re-read when another program changed that
file meanwhile; quick edits of this window's own do not trip over each other. On a catalog file and on a server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.bootstrap import build_context
from app.core.facts import FileState

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_server").create_catalog_database()
    return str(tmp_path / "catalog.sqlite")


def _other_program(target: str, code: str) -> None:
    script = f"from app.catalog.catalog import Catalog\ncatalog = Catalog({target!r})\n{code}\ncatalog.close()\n"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)


def test_an_edit_of_a_file_another_program_changed_is_refused_and_re_read(qtbot, target: str,
                                                                         tmp_path: Path) -> None:
    ctx = build_context(target, str(tmp_path / "settings.ini"), watch=False)
    try:
        library = ctx.library
        [clip] = ctx.catalog.add_discovered(None, [FileState(b"/shoot/A001C001.mov", 10, 1.0)])
        errors: list[str] = []
        resets: list[bool] = []
        library.error_raised.connect(errors.append)
        library.library_reset.connect(lambda: resets.append(True))

        _other_program(target, f"catalog.set_rating([{clip}], 3)")  # the window still shows 0
        library.set_rating([clip], 5, seen={clip: 0})
        qtbot.waitUntil(lambda: bool(errors) and bool(resets), timeout=20_000)
        assert "someone else changed the rating" in errors[0]
        assert ctx.catalog.info(clip)["rating"] == 3

        errors.clear()
        changed: list[list[int]] = []
        library.media_changed.connect(changed.append)
        # two quick edits before the view shows the first: the second expects the first's value, not the screen's
        library.set_rating([clip], 1, seen={clip: 3})
        library.set_rating([clip], 2, seen={clip: 3})
        library.set_favourite([clip], True, seen={clip: False})
        qtbot.waitUntil(lambda: len(changed) == 3, timeout=20_000)
        assert errors == []
        assert ctx.catalog.info(clip)["rating"] == 2 and ctx.catalog.info(clip)["favourite"] is True
    finally:
        ctx.shutdown()
