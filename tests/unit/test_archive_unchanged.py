"""A commit of a tree unchanged since the branch's last commit of it ends without reading the archive
(app/archive/unchanged.py), and any change — a file, the branch head, the proxies, the catalog's facts — takes
the full path."""

from __future__ import annotations

import os
from pathlib import Path

from app.archive.jobs import CommitJob
from app.archive.layout import INVENTORY
from app.archive.store import Archive
from app.core.job import JobContext, execute
from tests.archive_oracles import create_archive
from tests.media import make_clip


def commit_tree(archive: Path, tree: Path, **options):  # noqa: ANN201 - the job's WriteResult
    outcome = execute(CommitJob(archive, [tree], contents_of_folders=True, **options), JobContext())
    assert outcome.ok, outcome.message
    return outcome.value


def without_inventory(archive: Path):  # noqa: ANN201 - a context manager
    """The root inventory out of the way. A commit that opens the archive puts it back (the recovery of a writer
    killed before its root copy), so one that leaves it missing did not open the archive."""
    class Hidden:
        def __enter__(self) -> None:
            (archive / INVENTORY).rename(archive / "inventory.hidden")

        def __exit__(self, *_exc: object) -> None:
            os.replace(archive / "inventory.hidden", archive / INVENTORY)

    return Hidden()


def opened(archive: Path) -> bool:
    return (archive / INVENTORY).exists()


def test_an_unchanged_tree_is_known_at_once_and_any_change_is_seen(tmp_path: Path) -> None:
    tree = tmp_path / "project"
    (tree / "notes").mkdir(parents=True)
    (tree / "notes" / "a.txt").write_text("first")
    make_clip(tree / "A001.mov", frames=12)
    archive = tmp_path / "archive"
    facts = {"rating": 3}

    def catalog_facts(_path: Path) -> dict:
        return dict(facts)

    create_archive(tree, archive)
    with without_inventory(archive):  # create recorded what it was given; rated 3 is not what create saw
        assert commit_tree(archive, tree).version is None and not opened(archive)
    version = commit_tree(archive, tree, catalog_facts=catalog_facts).version  # the rating is new: v2 records it
    assert version is not None and version.name == "v2"
    with without_inventory(archive):
        assert commit_tree(archive, tree, catalog_facts=catalog_facts).version is None and not opened(archive)

    facts["rating"] = 5  # changed in the catalog: a new version records it
    assert commit_tree(archive, tree, catalog_facts=catalog_facts).version.name == "v3"
    (tree / "notes" / "a.txt").write_text("second")  # a file changed
    assert commit_tree(archive, tree, catalog_facts=catalog_facts).version.name == "v4"
    assert Archive.open(archive).file("notes/a.txt").content_path.read_text() == "second"
    with without_inventory(archive):
        assert commit_tree(archive, tree, catalog_facts=catalog_facts).version is None and not opened(archive)

    other = tmp_path / "other.txt"  # the branch moved on (another commit): the full check runs, finds nothing new
    other.write_text("x")
    assert execute(CommitJob(archive, [other]), JobContext()).value.version.name == "v5"
    assert commit_tree(archive, tree, catalog_facts=catalog_facts).version is None
    assert Archive.open(archive).head == "v5"

    stat = (tree / "notes" / "a.txt").stat()  # the same bytes with another mtime: checked in full, nothing new
    os.utime(tree / "notes" / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert commit_tree(archive, tree, catalog_facts=catalog_facts).version is None
    with without_inventory(archive):
        assert commit_tree(archive, tree, catalog_facts=catalog_facts).version is None and not opened(archive)
        again = commit_tree(archive, tree, catalog_facts=catalog_facts, rehash=True)  # --rehash: always in full
        assert again.version is None and opened(archive)
