"""A farm extraction retried after its worker was killed between renaming the output into place and recording it
in the catalog: the retry recognises its own finished output (name, timecode, frame count, decoded pictures),
records it and makes no second file."""

from __future__ import annotations

from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.job import JobContext
from app.farm.tasks import extract_task
from app.ingest.add_files import add_files
from tests.media import decode_indexes, make_clip


def _request(media_id: int, dest: Path, in_frame: int, name: str | None = None) -> dict:
    return {"media_id": media_id, "in_frame": in_frame, "out_frame": in_frame + 8, "handles": 0, "mode": "reencode",
            "preset": "h264", "dest": str(dest), "name": name, "event": [7, "reel.edl"]}


def test_a_retry_after_the_rename_records_the_finished_output_instead_of_making_a_second(
        catalog: Catalog, media_dir: Path, tmp_path: Path) -> None:
    [source] = add_files(catalog, [make_clip(media_dir / "E001.mov", rate="25", frames=40, size=(160, 90),
                                             audio=False)])
    dest = tmp_path / "shared" / "selects"
    state, first, _ = extract_task(catalog, _request(source, dest, 10), JobContext())
    assert state == "done" and "up_to_date" not in first
    output = Path(first["path"])
    # The kill point: the file is in place, the catalog never heard of it (only its record goes).
    catalog.remove_media([catalog.id_for_path(str(output))])
    assert catalog.subclips_of(source) == []

    state, again, error = extract_task(catalog, _request(source, dest, 10), JobContext())

    assert (state, error) == ("done", None) and again == {"path": str(output), "up_to_date": True}
    assert sorted(dest.iterdir()) == [output]  # no _2
    assert decode_indexes(output) == list(range(10, 18))
    [link] = catalog.subclips_of(source)
    assert link["path"] == str(output) and (link["first_frame"], link["last_frame"]) == (10, 17)
    assert link["event_number"] == 7
    # A third delivery finds it cataloged as before.
    assert extract_task(catalog, _request(source, dest, 10), JobContext())[1] == again


def test_a_file_of_that_name_with_other_frames_is_not_taken_for_the_output(catalog: Catalog, media_dir: Path,
                                                                           tmp_path: Path) -> None:
    [source] = add_files(catalog, [make_clip(media_dir / "E002.mov", rate="25", frames=40, size=(160, 90),
                                             audio=False)])
    dest = tmp_path / "selects"
    _, other, _ = extract_task(catalog, _request(source, dest, 20, name="take"), JobContext())
    catalog.remove_media([catalog.id_for_path(other["path"])])  # frames 20..27, named as the next request's

    state, made, _ = extract_task(catalog, _request(source, dest, 10, name="take"), JobContext())

    assert state == "done" and Path(made["path"]).name == "take_2.mp4"
    assert decode_indexes(Path(made["path"])) == list(range(10, 18))
