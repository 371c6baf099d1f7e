"""Retake docs/screenshot*.png: a generated library in the real main window on a 1600×1000 screen.

Run headless from the repository root:  xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py
Media are generated with the test helpers (frame-index pattern), into a temporary folder that is removed after.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LC_NUMERIC", "C")
os.environ.setdefault("REELKEEP_NO_AUDIO", "1")

from PySide6.QtWidgets import QApplication  # noqa: E402

CLIPS = {  # name: (rate, start TC, frames, size)
    "A001_C001_1121K7.mov": ("24000/1001", "14:23:10:00", 240, (640, 360)),
    "A001_C002_1121L7.mov": ("24000/1001", "14:31:02:12", 240, (640, 360)),
    "A001_C003_1121M7.mov": ("25", "09:12:44:00", 250, (640, 360)),
    "Aurora timelapse.mp4": ("30000/1001", None, 150, (480, 270)),
    "City lights B-roll.mp4": ("24000/1001", None, 144, (480, 270)),
    "Harbour at dusk.mov": ("25", None, 150, (480, 270)),
    "Neon tunnel.mov": ("30000/1001", None, 150, (480, 270)),
}
SONGS = {
    "Nina Vale/Harbour Lights/01 morning_tide.mp3": {"title": "Morning Tide", "artist": "Nina Vale",
                                                     "album": "Harbour Lights", "tracknumber": 1},
    "Nina Vale/Harbour Lights/02 low_water.flac": {"title": "Low Water", "artist": "Nina Vale",
                                                   "album": "Harbour Lights", "tracknumber": 2},
    "The Quiet Rooms/Rooms/04 static.mp3": {"title": "Static", "artist": "The Quiet Rooms", "album": "Rooms",
                                            "tracknumber": 4},
}
EDL = """TITLE: HARBOUR DOC REEL 1
FCM: NON-DROP FRAME

001  A001C001 V     C        14:23:11:00 14:23:13:00 01:00:00:00 01:00:02:00
* FROM CLIP NAME: A001_C001_1121K7.mov
002  A001C002 V     C        14:31:04:12 14:31:06:00 01:00:02:00 01:00:03:12
* FROM CLIP NAME: A001_C002_1121L7.mov
003  A001C009 V     C        10:00:00:00 10:00:01:00 01:00:03:12 01:00:04:12
004  A001C003 V     C        09:12:45:00 09:12:47:00 01:00:04:12 01:00:06:12
* FROM CLIP NAME: A001_C003_1121M7.mov
"""


def wait(app: QApplication, done: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    wait(app, lambda: time.monotonic() > end)


def make_media(folder: Path) -> None:
    from tests.media import make_audio, make_clip, make_image

    shoot = folder / "Harbour Documentary" / "Camera A" / "Day 01"
    shoot.mkdir(parents=True)
    for name, (rate, tc, frames, size) in CLIPS.items():
        target = shoot if name.startswith("A001") else folder / "Stock"
        target.mkdir(parents=True, exist_ok=True)
        make_clip(target / name, rate=rate, frames=frames, size=size, **({"start_tc": tc} if tc else {}))
    for name, tags in SONGS.items():
        (folder / "Music" / name).parent.mkdir(parents=True, exist_ok=True)
        make_audio(folder / "Music" / name, tags=tags, seconds=4, cover=True)
    make_image(folder / "Stock" / "location_scout.png", size=(400, 400))
    (folder / "Stock" / "card_dump_0042.mp4").write_bytes(b"not a video: a card reader gave up here")


def make_archive(work: Path) -> None:
    """The shoot archived with embedded thumbnail proxies, a day 2 commit on main and a grading branch."""
    from app.archive.jobs import CommitJob, CreateArchiveJob
    from app.core.job import JobContext, execute
    from app.versioning.branches import create_branch
    from tests.media import make_clip

    archive = work / "Harbour Documentary archive"
    shoot = work / "media" / "Harbour Documentary"
    for job in (CreateArchiveJob(shoot, archive, ("thumbnail",), "Day 01 camera originals"),):
        assert execute(job, JobContext()).ok
    day2 = work / "day2"
    day2.mkdir()
    make_clip(day2 / "A002_C001_1122A1.mov", rate="24000/1001", frames=96, size=(640, 360), start_tc="10:02:00:00")
    assert execute(CommitJob(archive, [day2 / "A002_C001_1122A1.mov"], "Camera A/Day 02", message="Day 02 card A002",
                             proxies=("thumbnail",)), JobContext()).ok
    create_branch(archive, "color-grade-v2", start="v1", description="second grading pass for the festival cut")
    grade = work / "grade"
    grade.mkdir()
    make_clip(grade / "A001_C002_1121L7_grade.mov", rate="24000/1001", frames=120, size=(640, 360),
              start_tc="14:31:02:12")
    assert execute(CommitJob(archive, [grade / "A001_C002_1121L7_grade.mov"], "Grade", "color-grade-v2",
                             message="graded A001_C002", proxies=("thumbnail",)), JobContext()).ok


def main() -> int:
    out = ROOT / "docs"
    with tempfile.TemporaryDirectory(prefix="reelkeep-shots-") as tmp:
        work = Path(tmp)
        os.environ["REELKEEP_CACHE_DIR"] = str(work / "cache")
        os.environ["REELKEEP_PROXY_DIR"] = str(work / "proxies")
        make_media(work / "media")
        app = QApplication(sys.argv[:1])
        from app.bootstrap import build_context
        from app.ui.main_window import MainWindow

        ctx = build_context(work / "catalog.sqlite", str(work / "settings.ini"), watch=True)
        window = MainWindow(ctx)
        window.setGeometry(window.screen().availableGeometry())
        window.show()
        ctx.library.add_paths([str(work / "media")])
        catalog = ctx.catalog
        wait(app, lambda: catalog.count() == len(CLIPS) + len(SONGS) + 2 and not ctx.library.scanning
             and not catalog.status_counts().get("pending"))
        wait(app, lambda: ctx.thumbnails.pending_count == 0)
        ids = {row["name"]: row["id"] for row in catalog.rows(catalog.query_ids())}
        ctx.library.set_rating([ids["A001_C001_1121K7.mov"]], 4)
        ctx.library.set_rating([ids["A001_C002_1121L7.mov"]], 5)
        ctx.library.set_favourite([ids["A001_C002_1121L7.mov"]], True)
        ctx.library.add_tags([ids["A001_C001_1121K7.mov"], ids["A001_C002_1121L7.mov"]], ["selects"])
        ctx.library.add_tags([ids["Harbour at dusk.mov"], ids["City lights B-roll.mp4"]], ["b-roll"])

        chosen = ids["A001_C002_1121L7.mov"]
        window.library_panel.select_ids([chosen])
        window.open_media(chosen)
        wait(app, lambda: ctx.player.clip is not None and ctx.player.clip.media_id == chosen)
        ctx.player.seek_frame(60)
        wait(app, lambda: ctx.player.frame == 60)
        ctx.player.mark_in()
        ctx.player.seek_frame(125)
        wait(app, lambda: ctx.player.frame == 125)
        ctx.player.mark_out(192)
        window.status.showMessage("Scan finished: 12 new files; thumbnails made", 60000)
        settle(app, 1.5)
        window.grab().save(str(out / "screenshot.png"))

        window.library_panel.view_switch.set_mode("grid")
        window.library_panel.grid.scrollToTop()
        settle(app, 2.5)
        window.grab().save(str(out / "screenshot-grid.png"))
        window.library_panel.view_switch.set_mode("table")

        edl = work / "harbour_reel1.edl"
        edl.write_text(EDL, encoding="utf-8")
        window.open_timeline(str(edl))
        wait(app, lambda: ctx.timeline.doc is not None and not ctx.timeline.loading)
        window.timeline_panel.select_events([1])
        window.timeline_panel.show_event(1)
        wait(app, lambda: ctx.player.clip is not None and ctx.player.clip.media_id == chosen)
        settle(app, 1.5)
        window.grab().save(str(out / "screenshot-timeline.png"))

        make_archive(work)
        window.open_archive(str(work / "Harbour Documentary archive"))
        panel = window.archive_panel
        wait(app, lambda: panel.snapshot is not None)
        panel.select_branch("color-grade-v2")
        wait(app, lambda: panel.model.rowCount() > 3 and len(panel.model.posters) >= 3)
        panel.files.selectRow(1)
        panel.play_selected()
        wait(app, lambda: ctx.player.clip is not None and ctx.player.clip.media_id is None)
        ctx.player.seek_frame(40)
        wait(app, lambda: ctx.player.frame == 40)
        window.status.showMessage("Opened Harbour Documentary archive: 3 versions, 2 branches", 60000)
        settle(app, 1.5)
        window.grab().save(str(out / "screenshot-archive.png"))

        ctx.player.shutdown()
        window.close()
        ctx.shutdown()
        shoot_web_client(work / "catalog.sqlite", out)
    return 0


def shoot_web_client(catalog: Path, out: Path) -> None:
    """The web client in headless Chromium: the library grid, then a clip playing."""
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from app.streaming.server import ServerConfig, StreamingServer

    server = StreamingServer(catalog, ServerConfig(port=0, token="screenshot-token-" + "x" * 30))
    server.start()
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                     "--window-size=1400,900", "--hide-scrollbars"):
        options.add_argument(argument)
    browser = webdriver.Chrome(options=options)
    try:
        wait = WebDriverWait(browser, 60)
        browser.get(f"{server.url}?token={server.config.token}")
        wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".card")) >= 10)
        time.sleep(2)  # posters
        browser.save_screenshot(str(out / "screenshot-web.png"))
        cards = browser.find_elements(By.CSS_SELECTOR, ".card")
        next(c for c in cards if "A001_C002" in c.text).click()
        video = "document.querySelector('#media video')"
        wait.until(lambda b: b.execute_script(f"return {video} && {video}.readyState >= 3"))
        browser.execute_script(f"{video}.pause(); {video}.currentTime = 2.5")
        time.sleep(1.5)
        browser.save_screenshot(str(out / "screenshot-web-player.png"))
    finally:
        browser.quit()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
