"""`reelkeep sanitize`: preview (exit 3, nothing renamed), apply (records kept), list, undo (exact), errors."""

from __future__ import annotations

import io
from pathlib import Path

from pathvalidate import validate_filename

from app.catalog.catalog import Catalog
from app.cli import main
from tests.integration.sanitize_library import decorate, ids_by_path, make_messy, records, tree


def _run(catalog_path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--catalog", str(catalog_path), *args], out)
    return code, out.getvalue()


def test_preview_apply_list_and_undo(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    make_messy(folder)
    catalog_path = tmp_path / "catalog.sqlite"
    assert _run(catalog_path, "scan", "-q", str(folder))[0] == 0
    catalog = Catalog(catalog_path)
    try:
        before, before_ids, before_tree = decorate(catalog), ids_by_path(catalog), tree(folder)
    finally:
        catalog.close()

    code, text = _run(catalog_path, "sanitize", str(folder))
    assert code == 3, text
    assert text.startswith("9 to rename, 1 already clean")
    assert "CON_.mov" in text and "reserved name on Windows (CON)" in text
    assert '/"readme. "' in text and "Day_1/" in text and "x__2.mov" in text
    assert tree(folder) == before_tree

    code, text = _run(catalog_path, "sanitize", "--apply", "-q", str(folder))
    assert code == 0, text
    assert "Sanitize: 9 renamed" in text and "Undo with: reelkeep sanitize --undo " in text
    for rel in tree(folder):
        validate_filename(rel.rsplit(b"/", 1)[-1].decode(), platform="universal")
    assert _run(catalog_path, "sanitize", str(folder)) == (0, "0 to rename, 10 already clean "
                                                              "(cross-OS legal, NFC, at most 255 bytes)\n")
    catalog = Catalog(catalog_path)
    try:
        assert records(catalog) == before
    finally:
        catalog.close()

    code, text = _run(catalog_path, "sanitize", "--list-journals")
    assert code == 0 and "applied   9/9 renamed" in text and "journals/sanitize-" in text

    code, text = _run(catalog_path, "sanitize", "--undo", "last", "-q")
    assert code == 0 and text.startswith("Undo: 9 restored"), text
    assert tree(folder) == before_tree
    catalog = Catalog(catalog_path)
    try:
        assert ids_by_path(catalog) == before_ids and records(catalog) == before
    finally:
        catalog.close()
    assert _run(catalog_path, "sanitize", "--undo", "last")[1].startswith("Nothing to undo")

    capsys.readouterr()
    assert _run(catalog_path, "sanitize", "--rule", "s/(/x/", str(folder))[0] == 1
    assert "--rule 's/(/x/'" in capsys.readouterr().err
    assert _run(catalog_path, "sanitize", str(tmp_path / "nowhere"))[0] == 1
    assert _run(catalog_path, "sanitize")[0] == 1


def test_pattern_rules_from_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "20240101_My Clip.MOV").write_bytes(b"x")
    code, text = _run(tmp_path / "c.sqlite", "sanitize", "--rule", "spaces", "--rule", "lowercase-ext",
                      "--rule", r"s/^\d{8}_//", "--apply", "-q", str(folder))
    assert code == 0, text
    assert [p.name for p in folder.iterdir()] == ["My_Clip.mov"]


def test_bad_limits_and_replacements_are_refused(tmp_path: Path, capsys) -> None:
    assert _run(tmp_path / "c.sqlite", "sanitize", "--max-bytes", "20", str(tmp_path))[0] == 1
    assert "--max-bytes: 32 to 255" in capsys.readouterr().err
    assert _run(tmp_path / "c.sqlite", "sanitize", "--replacement", "?", str(tmp_path))[0] == 1
    assert "not itself legal" in capsys.readouterr().err
