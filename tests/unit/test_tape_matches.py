"""Which files of a cataloged tape the library holds: a page of tape files matched to library files by content hash
(xxh128) in one query, with each library file's proxies — exact only, never by name."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.proxies import ProxyJob
from app.ingest.scan import ScanJob
from app.media.hashing import content_hash
from app.tape.offline import import_volume
from app.tape.profiles import LTO9
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume
from app.tape.write_files import write_folder
from tests.media.clips import make_clip

pytestmark = pytest.mark.both_backends

RECORD = 64 << 10


def _run(job):  # noqa: ANN001, ANN202 - any job; its value
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome.message
    return outcome.value


def _hash_library(catalog: Catalog) -> dict[str, int]:
    """The full content hash of every library file, recorded as an offload's read-back records it (a scan does
    not hash whole files); ids by path."""
    rows = catalog.rows(catalog.query_ids())
    hashed = [(r["path"], os.stat(r["path"]).st_size, os.stat(r["path"]).st_mtime, content_hash(r["path"]))
              for r in rows]
    assert len(catalog.record_content_hashes(hashed)) == len(rows)
    return {r["path"]: r["id"] for r in rows}


@pytest.fixture
def shelf(tmp_path: Path, catalog: Catalog) -> dict[str, object]:
    """A card written to a simulated tape; the library holds two copies of one clip (one with a proxy), a clip of
    the same name as the second tape file but other bytes, and nothing of the third."""
    card = tmp_path / "card" / "Day 01"
    card.mkdir(parents=True)
    shot = make_clip(card / "A001C001.mov", rate="25", frames=12, size=(160, 90), audio=False)
    other = make_clip(card / "A001C002.mov", rate="25", frames=10, size=(160, 90), audio=False)
    (card / "notes.txt").write_bytes(os.urandom(300))
    library = tmp_path / "library"
    (library / "copy").mkdir(parents=True)
    shutil.copy(shot, library / "A001C001.mov")
    shutil.copy(shot, library / "copy" / "A001C001.mov")
    make_clip(library / "A001C002.mov", rate="25", frames=11, size=(160, 90), audio=False)  # same name only
    _run(ScanJob(catalog, [catalog.add_root(library)], workers=1))
    ids = _hash_library(catalog)
    with_proxy = ids[str(library / "copy" / "A001C001.mov")]
    _run(ProxyJob(catalog, [with_proxy], ["thumbnail"], root=tmp_path / "proxies"))

    tape = SimulatedTape.create(tmp_path / "RK0001L9", LTO9)
    format_volume(tape, "RK0001L9", block_size=RECORD)
    write_folder(tape, card.parent)
    import_volume(catalog, SimulatedTape.open(tmp_path / "RK0001L9"))
    return {"with_proxy": with_proxy, "shot": shot, "other": other}


def test_a_page_is_matched_to_library_files_by_content_hash_in_one_query(catalog: Catalog, shelf: dict) -> None:
    tape = catalog.tapes.by_barcode("RK0001L9")
    page = {row["path"]: row for row in catalog.tapes.files(tape["id"], limit=1000)}
    shot, other, notes = (page[f"card/Day 01/{name}"] for name in ("A001C001.mov", "A001C002.mov", "notes.txt"))
    digests = [row["xxh128"] for row in page.values()]
    digests += [f"{n:032x}" for n in range(1500)]  # a page of a big tape: many digests, still one statement

    statements: list[str] = []
    hook = lambda event: statements.append(event.sql)  # noqa: E731  (peewee's query hook: both backends)
    catalog.db.query_hooks.append(hook)
    try:
        found = catalog.tapes.library_matches(digests)
    finally:
        catalog.db.query_hooks.remove(hook)
    assert len([s for s in statements if "media_file" in s]) == 1

    assert set(found) == {shot["xxh128"]}  # A001C002.mov: same name, other bytes; notes.txt: not in the library
    match = found[shot["xxh128"]]
    assert match.media_id == shelf["with_proxy"]  # of two copies, the one with a proxy plays offline too
    assert match.copies == 2 and match.online and match.kind == "video"
    [proxy] = match.proxies
    assert proxy.preset == "thumbnail" and os.path.isfile(proxy.path) and match.best_proxy == proxy
    assert proxy.path == catalog.proxies(match.media_id)[0]["path"]
    assert other["xxh128"] not in found and notes["xxh128"] not in found
    assert catalog.tapes.library_matches([]) == {} and catalog.tapes.library_matches([None]) == {}


def test_a_proxy_with_other_frames_than_its_original_is_not_offered(catalog: Catalog, shelf: dict) -> None:
    catalog.db.execute_sql("UPDATE proxy SET frame_count = 99 WHERE media_id = ?", (shelf["with_proxy"],))
    digest = content_hash(shelf["shot"])
    match = catalog.tapes.library_matches([digest.upper()])[digest]  # digests compare in either case
    assert match.copies == 2 and match.best_proxy is None  # neither copy has a proxy the player would play
    assert match.media_id != shelf["with_proxy"]  # so the proxy's copy is no better than the other
