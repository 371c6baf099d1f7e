"""ThumbnailService: thumbnails follow scans by themselves, visible files go first, failures are not retried."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.services.thumbnails import BATCH_SIZE, ThumbnailBatchJob, ThumbnailService
from tests.media import make_audio, make_clip, make_image


def ids_by_name(app_context) -> dict[str, int]:
    catalog = app_context.catalog
    return {row["name"]: row["id"] for row in catalog.rows(catalog.query_ids())}


def scan(qtbot, app_context, folder: Path, count: int) -> dict[str, int]:
    app_context.library.add_paths([str(folder)])
    catalog = app_context.catalog
    qtbot.waitUntil(lambda: catalog.count() == count and not app_context.library.scanning
                    and not catalog.status_counts().get("pending"), timeout=20000)
    return ids_by_name(app_context)


def watch_thumbnail_jobs(app_context) -> list:
    """Every thumbnail job submitted from now on (the runner keeps no history of housekeeping jobs)."""
    runner = app_context.runner
    seen: list = []

    def added(job_id: int) -> None:
        record = runner.record(job_id)
        if record.lane == "thumbs":
            seen.append(record)  # the record object keeps being updated after the runner forgets it

    runner.job_added.connect(added)
    return seen


def corrupt_clip(path: Path) -> Path:
    """A clip whose header is intact (it probes fine) but whose pictures are zeros: nothing decodes."""
    make_clip(path, rate="25", frames=24, size=(160, 90), audio=False, container_options={"movflags": "+faststart"})
    data = bytearray(path.read_bytes())
    start = data.find(b"mdat") + 4
    data[start:] = bytes(len(data) - start)
    path.write_bytes(bytes(data))
    return path


def test_a_scan_is_followed_by_thumbnails(qtbot, app_context, media_dir) -> None:
    make_clip(media_dir / "harbour.mov", rate="25", frames=50, size=(160, 90))
    shutil.copy(media_dir / "harbour.mov", media_dir / "harbour copy.mov")  # same content: made once
    make_clip(media_dir / "night.mp4", rate="24000/1001", frames=48, size=(160, 90))
    make_audio(media_dir / "tide.mp3", tags={"title": "Tide", "artist": "Nina Vale"}, seconds=0.5, cover=True)
    make_audio(media_dir / "plain.flac", seconds=0.5)  # no cover art: done, with nothing to show
    make_image(media_dir / "still.png", size=(96, 64))
    thumbs = app_context.thumbnails
    ready: list[int] = []
    thumbs.thumbnails_ready.connect(ready.extend)
    states: list[int] = []
    thumbs.state_changed.connect(lambda: states.append(thumbs.pending_count))
    jobs = watch_thumbnail_jobs(app_context)

    ids = scan(qtbot, app_context, media_dir, 6)
    qtbot.waitUntil(lambda: set(ready) == set(ids.values()) and thumbs.pending_count == 0, timeout=30000)

    for clip in ("harbour.mov", "night.mp4"):
        paths = thumbs.paths(ids[clip])
        assert paths["poster"].is_file() and paths["sprite"].is_file() and paths["preview"].is_file()
        assert paths["sprite_info"]["count"] >= 10
        assert thumbs.sprite_for(ids[clip]) == (str(paths["sprite"]), paths["sprite_info"])
    assert thumbs.paths(ids["harbour copy.mov"]) == thumbs.paths(ids["harbour.mov"])
    song = thumbs.paths(ids["tide.mp3"])
    assert song["poster"].is_file() and song["sprite"] is None and song["preview"] is None
    assert thumbs.poster_for(ids["plain.flac"]) is None
    assert thumbs.poster_for(ids["still.png"]) is not None
    assert max(states) > 0 and states[-1] == 0 and thumbs.status_text() == ""
    qtbot.waitUntil(lambda: all(job.finished for job in jobs), timeout=5000)
    (run,) = [job for job in jobs if job.visible]  # the batches show in the Jobs dock as one run
    batches = [job for job in jobs if job is not run]
    assert batches and run.title == "Making thumbnails" and run.state == "done"
    assert run.progress.done == run.progress.total == 6
    (scan_job,) = [r for r in app_context.runner.records() if r.lane == "scan"]
    assert min(job.started_at for job in jobs) >= scan_job.finished_at  # queued once the scan was over

    # Rating a file whose thumbnails are done queues nothing.
    app_context.library.set_rating([ids["harbour.mov"]], 4)
    assert thumbs.pending_count == 0


def test_prioritised_ids_jump_the_queue(qtbot, app_context, media_dir) -> None:
    app_context.thumbnails.shutdown()  # this test drives its own service, started after the scan
    for number in range(20):
        # Lengths differ so that contents do: identical files share their thumbnails and would be made at once.
        make_clip(media_dir / f"clip_{number:02d}.mp4", rate="25", frames=10 + number, size=(64, 36), audio=False)
    ids = [media_id for _, media_id in sorted(scan(qtbot, app_context, media_dir, 20).items())]
    plan = ThumbnailBatchJob(app_context.catalog, [*ids, 999_999]).plan()  # what one batch would do
    assert [item.media_id for item in plan.thumbs.items] == ids[:BATCH_SIZE]
    assert plan.deferred == tuple(ids[BATCH_SIZE:]) and plan.skipped == (999_999,)
    service = ThumbnailService(app_context.library)
    batches: list[list[int]] = []

    def on_ready(ready: list[int]) -> None:
        batches.append(ready)
        if len(batches) == 1:
            service.prioritise([ids[15]])  # scrolled while the first batch was made

    service.thumbnails_ready.connect(on_ready)
    service.request(ids)
    service.prioritise([ids[-1]])
    assert service.pending_count == 20
    qtbot.waitUntil(lambda: service.pending_count == 0, timeout=30000)

    assert ids[-1] in batches[0] and ids[0] in batches[0]
    assert all(len(batch) <= BATCH_SIZE for batch in batches)
    assert ids[15] in batches[1] and ids[8] in batches[1]
    assert sorted(i for batch in batches for i in batch) == sorted(ids)
    assert all(service.paths(media_id)["sprite"] is not None for media_id in ids)
    service.shutdown()


def test_failures_are_not_retried(qtbot, app_context, media_dir) -> None:
    corrupt_clip(media_dir / "zeros.mp4")  # probes fine, so a scan queues it
    (media_dir / "broken.mp4").write_bytes(b"this is not a video")  # cannot be read: never queued by a scan
    make_clip(media_dir / "good.mov", rate="25", frames=24, size=(64, 36))
    thumbs = app_context.thumbnails
    ready: list[int] = []
    thumbs.thumbnails_ready.connect(ready.extend)
    submitted = watch_thumbnail_jobs(app_context)
    ids = scan(qtbot, app_context, media_dir, 3)
    assert app_context.catalog.info(ids["zeros.mp4"])["status"] == "ok"
    qtbot.waitUntil(lambda: ids["zeros.mp4"] in thumbs.failed_ids and ids["good.mov"] in ready
                    and thumbs.pending_count == 0, timeout=20000)
    assert ids["broken.mp4"] not in thumbs.failed_ids  # unreadable files are not tried after a scan

    thumbs.prioritise([ids["broken.mp4"], ids["zeros.mp4"]])  # a view shows them: the unreadable one is tried once
    qtbot.waitUntil(lambda: ids["broken.mp4"] in thumbs.failed_ids and thumbs.pending_count == 0, timeout=20000)
    jobs = len(submitted)

    for _ in range(3):  # scrolling past them again, asking again, the files changing: no new attempt
        thumbs.prioritise([ids["broken.mp4"], ids["zeros.mp4"]])
        thumbs.request([ids["zeros.mp4"]], visible_first=False)
        app_context.library.notify_changed([ids["zeros.mp4"], ids["broken.mp4"]])
        assert thumbs.pending_count == 0
        QApplication.processEvents()
    assert len(submitted) == jobs
    assert thumbs.paths(ids["zeros.mp4"])["poster"] is None
    assert set(ready) == {ids["good.mov"]}
