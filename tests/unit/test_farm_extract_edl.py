"""`reelkeep farm extract --edl`: the timeline conformed as `reelkeep extract --edl` does, one farm job per matched
video event (--events picks some), the events left out listed; the jobs, run by the worker's own code in this
process, make the events' frames."""

from __future__ import annotations

import io
from pathlib import Path

from app.catalog.catalog import Catalog
from app.cli import main
from app.farm.farm import Farm
from app.farm.tasks import run_farm_job
from app.ingest.add_files import add_files
from tests.media import decode_indexes, make_clip

EDL = """TITLE: FARM
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:00:10 01:00:00:18 10:00:00:00 10:00:00:08
* FROM CLIP NAME: CAMA.mov
002  CAMB     V     C        02:00:00:04 02:00:00:10 10:00:00:08 10:00:00:14
003  CAMA     A     C        01:00:00:10 01:00:00:18 10:00:00:00 10:00:00:08
004  NOPE     V     C        01:00:00:00 01:00:00:05 10:00:00:14 10:00:00:19
005  CAMA     V     C        01:00:00:20 01:00:00:24 10:00:00:19 10:00:00:23
"""


def test_farm_extract_edl_queues_one_job_per_matched_event_and_lists_the_rest(tmp_path: Path,
                                                                             media_dir: Path) -> None:
    catalog_path = tmp_path / "catalog.sqlite"
    catalog = Catalog(catalog_path)
    try:
        add_files(catalog, [make_clip(media_dir / "CAMA.mov", rate="25", frames=30, start_tc="01:00:00:00",
                                      size=(160, 90), audio=False),
                            make_clip(media_dir / "CAMB.mov", rate="25", frames=20, start_tc="02:00:00:00",
                                      size=(160, 90), audio=False)])
    finally:
        catalog.close()
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")
    dest = tmp_path / "shared" / "selects"
    out = io.StringIO()
    code = main(["--catalog", str(catalog_path), "farm", "extract", "--edl", str(edl), "--events", "1,2,3,4",
                 "--dest", str(dest), "--mode", "reencode", "--preset", "h264", "--no-wait"], out)
    printed = out.getvalue()
    assert code == 0, printed
    assert "not queued: event 3: audio only" in printed and "not queued: event 4: offline" in printed
    assert "event 005" not in printed and "Queued 2 job(s)" in printed

    farm = Farm(catalog_path)
    try:
        jobs = sorted(farm.ledger.jobs(), key=lambda j: j["id"])
        assert [j["args"]["event"] for j in jobs] == [[1, "cut.edl"], [2, "cut.edl"]]
        for job in jobs:
            run_farm_job(farm, job["id"], final=True)  # the worker's own code, in this process
        ended = sorted(farm.ledger.jobs(), key=lambda j: j["id"])
    finally:
        farm.close()
    assert [j["state"] for j in ended] == ["done", "done"], [j["error"] for j in ended]
    first, second = (Path(j["result"]["path"]) for j in ended)
    assert first.parent == dest and first.name.startswith("001_CAMA")
    assert decode_indexes(first) == list(range(10, 18))
    assert decode_indexes(second) == list(range(4, 10))


def test_farm_extract_needs_a_file_and_range_or_an_edl(tmp_path: Path) -> None:
    Catalog(tmp_path / "catalog.sqlite").close()
    code = main(["--catalog", str(tmp_path / "catalog.sqlite"), "farm", "extract", "--dest", str(tmp_path)],
                io.StringIO())
    assert code == 2
