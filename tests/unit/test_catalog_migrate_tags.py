"""migrate-to and tag names that differ only in the case of non-ASCII letters: distinct in a catalog file (SQLite's
NOCASE folds ASCII only), one tag on the server (citext folds every letter). They are merged on the way, reported,
and the copy is still verified by counts and checksums."""

from __future__ import annotations

import io
from pathlib import Path

from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.cli import main
from app.core.facts import FileState


def test_tags_the_server_holds_as_one_are_merged_and_reported(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "catalog.sqlite"
    file = Catalog(source)
    try:
        a, b, c, d, e = file.add_discovered(None, [FileState(f"/shoot/{n}.mov".encode(), 1, 1.0) for n in "abcde"])
        file.add_tags([a, b, e], ["Été"])
        file.add_tags([a, c], ["été"])  # a carries both spellings
        file.add_tags([d], ["ÉTÉ"])
        file.add_tags([a, b], ["Selects"])
        file.add_tags([c], ["selects"])  # ASCII case: the same tag in the file already
        # the file today: three tags for what the server holds as one; "selects" is "Selects"
        assert dict(file.tag_counts()) == {"Selects": 3, "Été": 3, "été": 2, "ÉTÉ": 1}
    finally:
        file.close()

    out = io.StringIO()
    code = main(["--catalog", str(source), "catalog", "migrate-to", postgres_url], out)
    said = out.getvalue()
    assert code == 0, said
    assert ("tags merged (the server compares tag names without regard to case, the file only for ASCII letters): "
            "'été' (2 files), 'ÉTÉ' (1 file) into 'Été' (3 files): now 5 files") in said
    assert "  tag: 2 rows (2 of the file's merged, as above), sha256 " in said
    assert "  media_tag: 8 rows (1 of the file's merged, as above), sha256 " in said
    assert "counts and checksums equal (after merging 1 group(s) of tags the server holds as one)" in said

    file = Catalog(source)
    try:
        assert dict(file.tag_counts()) == {"Selects": 3, "Été": 3, "été": 2, "ÉTÉ": 1}  # the file is left as it was
        in_file = file.query_ids(LibraryFilter(text="ete"))
    finally:
        file.close()
    server = Catalog(postgres_url)  # opened last: peewee's models are bound to the catalog opened last
    try:
        assert server.tag_counts() == [("Selects", 3), ("Été", 5)]
        assert sorted(server.query_ids(LibraryFilter(tag="ÉTÉ"))) == [a, b, c, d, e]
        assert server.info(a)["tags"] == ["Selects", "Été"]
        assert server.query_ids(LibraryFilter(text="ete")) == in_file  # search ignores case and accents on both
        server.add_tags([b], ["été"])  # the server's one tag, whatever the spelling
        assert server.tag_counts() == [("Selects", 3), ("Été", 5)]
    finally:
        server.close()
