"""The change feed (app/catalog/changes.py): a program learns that another changed the catalog, on both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.catalog.changes import ALL, written_table
from app.catalog.dialect import is_postgres
from app.core.facts import FileState

pytestmark = pytest.mark.both_backends

ROOT = Path(__file__).resolve().parents[2]
WAIT = 10.0  # an upper bound for a notification to arrive, not a measured time


def _collect(listener, expected: set[str], include_own: bool = False) -> set[str]:
    """Poll until every expected table was announced (or nothing more arrives)."""
    changed: set[str] = set()
    while not expected <= changed:
        new = listener.poll(timeout=WAIT, include_own=include_own)
        if not new:
            break
        changed |= new
    return changed


def _other_program(catalog: Catalog, code: str) -> None:
    """Run code (with `catalog` open on the same catalog) in a separate Python process."""
    script = f"from app.catalog.catalog import Catalog\ncatalog = Catalog({str(catalog.path)!r})\n{code}\ncatalog.close()\n"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)


def test_another_program_s_edits_are_announced(catalog: Catalog) -> None:
    [media_id] = catalog.add_discovered(None, [FileState(b"/shoot/A001C001.mov", 10, 1.0)])
    listener = catalog.listen()
    try:
        assert listener.poll() == frozenset()
        _other_program(catalog, f"catalog.set_rating([{media_id}], 4)\ncatalog.add_tags([{media_id}], ['selects'])")
        if is_postgres(catalog.db):
            expected = {"media_file", "tag", "media_tag", "media_fts"}
            assert expected <= _collect(listener, expected)
        else:
            assert listener.poll() == {ALL}
        assert listener.poll() == frozenset()  # told once
        assert catalog.info(media_id)["tags"] == ["selects"]
    finally:
        listener.close()


def test_a_rolled_back_transaction_is_not_announced(postgres_url: str) -> None:
    catalog = Catalog(postgres_url)
    listener = catalog.listen()
    other = Catalog(postgres_url)
    try:
        with pytest.raises(RuntimeError), other.db.atomic():
            other.add_marker(other.add_discovered(None, [FileState(b"/a.mov", 1, 1.0)])[0], 1)
            raise RuntimeError("the step failed")
        other.add_root("/")  # a committed write after it
        assert _collect(listener, {"library_root"}, include_own=True) == {"library_root"}
        assert other.count() == 0
    finally:
        other.close()
        listener.close()
        catalog.close()


def test_own_writes_are_left_out_unless_asked(postgres_url: str) -> None:
    """PostgreSQL, by the NOTIFY payload (a catalog file: tests/qt/test_catalog_follow.py)."""
    catalog = Catalog(postgres_url)
    listener = catalog.listen()
    try:
        catalog.add_discovered(None, [FileState(b"/a.mov", 1, 1.0)])
        catalog.add_root("/")
        assert "library_root" in _collect(listener, {"library_root"}, include_own=True)
        catalog.add_root("/tmp")
        assert listener.poll(timeout=0.5) == frozenset()
    finally:
        listener.close()
        catalog.close()


def test_write_statements_name_their_table() -> None:
    assert written_table("INSERT INTO media_tag (media_id, tag_id) VALUES (?, ?)") == "media_tag"
    assert written_table('UPDATE "media_file" SET "rating" = %s') == "media_file"
    assert written_table(" DELETE FROM media_fts WHERE rowid IN (?)") == "media_fts"
    assert written_table("SELECT id FROM media_file") is None
    assert written_table("CREATE TABLE x (id BIGINT)") is None
