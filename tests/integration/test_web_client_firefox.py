"""The web client in Firefox, which has no HLS of its own (headless Firefox ESR from Debian, over WebDriver BiDi):
a video that needs a transcode plays through the page's own HLS loader on Media Source Extensions — a live
ProRes transcode that starts after one segment and seeks far ahead of the encoder to the exact frame, and a clip's
H.264 proxies as variants that the loader switches between by the throughput it measures."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.scan import ScanJob
from app.streaming.server import StreamingServer
from tests.firefox_bidi import Firefox
from tests.integration.test_streaming_server import TOKEN, start
from tests.media import make_clip
from tests.media.pattern import read_index

VIDEO = "document.querySelector('#media video')"
# The picture the <video> shows now, as RGBA bytes (a canvas copy: what the browser decoded, not a file)
GRAB = f"""(() => {{
  const v = {VIDEO}, c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let s = ''; for (let i = 0; i < d.length; i += 32768) s += String.fromCharCode.apply(null, d.subarray(i, i + 32768));
  return [c.width, c.height, btoa(s)];
}})()"""


@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firefox]:
    browser = Firefox(tmp_path_factory.mktemp("firefox-profile"))
    yield browser
    browser.close()


def shown_frame(browser: Firefox) -> int | None:
    width, height, data = browser.run(GRAB)
    pixels = np.frombuffer(base64.b64decode(data), np.uint8).reshape(int(height), int(width), 4)
    return read_index(np.ascontiguousarray(pixels[:, :, :3]))


def open_item(browser: Firefox, server: StreamingServer, media_id: int) -> None:
    browser.events.clear()
    browser.navigate(f"http://127.0.0.1:{server.port}/?token={TOKEN}")
    card = f".card[data-id='{media_id}']"
    browser.wait_until(f"document.querySelector(\"{card}\") !== null", what="the library grid")
    browser.run(f"document.querySelector(\"{card}\").click()")
    browser.wait_until(f"{VIDEO} !== null && {VIDEO}.readyState >= 3", 60, "the video to be ready to play")


def page_errors(browser: Firefox) -> list[str]:
    # posters and previews not made yet answer 404 and the page shows its placeholder; nothing else may fail
    return browser.console_errors(lambda text: "/poster" not in text and "/preview" not in text)


def test_firefox_plays_a_live_transcode_through_mse_and_seeks_to_the_exact_frame(firefox, prores,
                                                                                    tmp_path: Path) -> None:
    catalog_path, media_id = prores
    server: StreamingServer = start(catalog_path)
    try:
        open_item(firefox, server, media_id)
        assert firefox.run(f"{VIDEO}.dataset.hls") == "mse"  # Firefox has no HLS: the page's loader plays it
        assert firefox.run(f"{VIDEO}.src").startswith("blob:")
        assert abs(firefox.run(f"{VIDEO}.duration") - 36.0) < 0.1  # the whole clip is listed
        firefox.wait_until(f"{VIDEO}.currentTime > 0.5", 30, "playback to advance")
        assert firefox.run(f"{VIDEO}.dataset.hlsLevel") == "live"
        assert server.live is not None and server.live.started == 1

        # Seek 30 s ahead, to segment 7 that no encoder has made: the picture shown is frame 755 exactly
        firefox.run(f"{VIDEO}.pause(); {VIDEO}.currentTime = 30.22")
        firefox.wait_until(f"!{VIDEO}.seeking && {VIDEO}.readyState >= 2", 60, "the seek to finish")
        assert shown_frame(firefox) == 755
        firefox.run(f"{VIDEO}.play()")
        firefox.wait_until(f"{VIDEO}.currentTime > 30.7", 30, "playback after the seek")
        assert firefox.run("document.getElementById('player-error').hidden")
        firefox.screenshot(tmp_path / "firefox-live.png")
        assert not page_errors(firefox), page_errors(firefox)
        firefox.run("document.getElementById('close').click()")  # the loader lets go of the stream
    finally:
        server.stop()
    assert server.live.running == 0


def test_firefox_switches_between_proxy_variants_by_measured_throughput(firefox, library, tmp_path: Path,
                                                                        monkeypatch) -> None:
    from app.ingest.proxies import ProxyJob

    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    clip = make_clip(tmp_path / "media" / "C003 wide.mov", rate="25", frames=250, size=(640, 360), codec="prores",
                     start_tc="02:00:00:00")
    catalog = Catalog(library[0])
    try:
        assert execute(ScanJob(catalog), JobContext()).ok
        media_id = catalog.id_for_path(clip)
        assert execute(ProxyJob(catalog, [media_id], ["thumbnail", "preview"]), JobContext()).ok
    finally:
        catalog.close()
    server: StreamingServer = start(library[0])
    try:
        open_item(firefox, server, media_id)
        assert firefox.run(f"{VIDEO}.dataset.hls") == "mse"
        # It starts on the lightest variant, measures its download, then moves up (loopback is fast)
        firefox.wait_until(f"{VIDEO}.dataset.hlsLevel === 'preview'", 30, "the switch to the preview variant")
        assert int(firefox.run(f"{VIDEO}.dataset.hlsSwitches")) >= 1
        assert firefox.run("document.querySelector('#rendition option').text") == "Auto (preview)"
        firefox.wait_until(f"{VIDEO}.currentTime > 1.2", 30, "playback to advance")
        firefox.run(f"{VIDEO}.pause(); {VIDEO}.currentTime = 6.5")  # the picture is exact after the switch too
        firefox.wait_until(f"!{VIDEO}.seeking && {VIDEO}.readyState >= 2", 30, "the seek to finish")
        assert shown_frame(firefox) == 162
        assert not page_errors(firefox), page_errors(firefox)
        firefox.run("document.getElementById('close').click()")
    finally:
        server.stop()

