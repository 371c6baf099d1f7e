"""The web client in a real browser (headless Chromium from Debian, driven by Selenium): opened with the token,
it lists the library, searches, plays a clip (time advances, enough data to play), seeks, switches quality and
rates the clip, which the catalog then holds."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.streaming.server import StreamingServer
from tests.integration.test_streaming_server import TOKEN, start

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--mute-audio",
                     "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_browse_search_play_seek_switch_and_rate(browser, library, tmp_path: Path) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # the page follows others' edits about once a second; here its edit must meet a change it has not seen
    server: StreamingServer = start(library[0], changes_poll_seconds=3600)
    wait = WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,))  # the page redraws
    try:
        browser.get(f"http://127.0.0.1:{server.port}/?token={TOKEN}")
        wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".card")) == 3)
        assert browser.current_url.endswith("/")  # the token left the address bar (a cookie carries it)
        names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".card .name")]
        assert set(names) == {"A001C001.mov", "B002 night.mp4", "Teardrop"}
        search = browser.find_element(By.ID, "search")
        search.send_keys("night")
        wait.until(lambda b: [e.text for e in b.find_elements(By.CSS_SELECTOR, ".card .name")] == ["B002 night.mp4"])

        browser.find_element(By.CSS_SELECTOR, ".card").click()
        wait.until(lambda b: b.execute_script("return document.getElementById('player').open"))
        video = "document.querySelector('#media video')"
        wait.until(lambda b: b.execute_script(f"return {video} && {video}.readyState >= 3"))
        wait.until(lambda b: b.execute_script(f"return {video}.currentTime > 0.3"))  # it plays
        assert "/play?screen=" in browser.execute_script(f"return {video}.src")  # the server fits the rendition
        browser.execute_script(f"{video}.pause(); {video}.currentTime = 1.5")
        wait.until(lambda b: b.execute_script(f"return !{video}.seeking && Math.abs({video}.currentTime - 1.5) < 0.05"))

        options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#rendition option")]
        assert options == ["auto", "original"]
        browser.execute_script("const s = document.getElementById('rendition'); s.value = 'original';"
                               "s.dispatchEvent(new Event('change'))")
        wait.until(lambda b: b.execute_script(f"return {video}.src.endsWith('rendition=original')"
                                              f" && {video}.readyState >= 3 && {video}.currentTime >= 1.4"))

        browser.find_elements(By.CSS_SELECTOR, "#stars button")[3].click()  # four stars
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#stars button")[3].text == "★")
        catalog = Catalog(library[0])
        try:
            assert catalog.info(library[1]["B002 night.mp4"])["rating"] == 4
            catalog.set_rating([library[1]["B002 night.mp4"]], 2)  # another program rates it meanwhile
        finally:
            catalog.close()
        browser.find_elements(By.CSS_SELECTOR, "#stars button")[4].click()  # five stars, over a stale four
        wait.until(lambda b: not b.find_element(By.ID, "player-error").get_attribute("hidden"))
        assert "Someone else changed this" in browser.find_element(By.ID, "player-error").text
        assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#stars button")] == ["★", "★", "☆", "☆", "☆"]
        catalog = Catalog(library[0])
        try:
            assert catalog.info(library[1]["B002 night.mp4"])["rating"] == 2  # theirs stays
        finally:
            catalog.close()
        # posters and previews not made yet answer 404 and the page shows its placeholder, the refused edit 409;
        # nothing else may fail
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
                  and "/poster " not in e["message"] and "/preview " not in e["message"]
                  and "409 (Conflict)" not in e["message"]]
        assert not errors, errors
    finally:
        server.stop()


def test_the_page_shows_edits_made_elsewhere_without_being_asked(browser, library) -> None:
    """Another program rates a clip and tags it while the page is open: the grid and the open player show it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server: StreamingServer = start(library[0])
    wait = WebDriverWait(browser, 20)
    clip = library[1]["A001C001.mov"]
    card = f".card[data-id='{clip}'] .sub"
    try:
        browser.get(f"http://127.0.0.1:{server.port}/?token={TOKEN}")
        wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".card")) == 3)
        catalog = Catalog(library[0], as_other_program=True)  # as another process would
        try:
            catalog.set_rating([clip], 3)
        finally:
            catalog.close()
        wait.until(lambda b: b.execute_script(f"return document.querySelector(\"{card}\").textContent")
                   .endswith("★★★"))
        browser.execute_script(f"document.querySelector(\".card[data-id='{clip}']\").click()")
        wait.until(lambda b: b.execute_script("return document.getElementById('player').open"))
        catalog = Catalog(library[0], as_other_program=True)  # as another process would
        try:
            catalog.add_tags([clip], ["client picks"])
            catalog.set_favourite([clip], True)
        finally:
            catalog.close()
        wait.until(lambda b: [e.text for e in b.find_elements(By.CSS_SELECTOR, "#tags .tag")] == ["client picks"]
                   and b.find_element(By.ID, "favourite").text == "♥")
    finally:
        server.stop()


def test_without_the_token_the_page_says_what_to_do(browser, library) -> None:
    server = start(library[0])
    try:
        browser.get(f"http://127.0.0.1:{server.port}/")
        assert "valid token is required" in browser.page_source
    finally:
        server.stop()


def test_a_prores_clip_plays_live_and_seeks_ahead_of_the_encoder(browser, prores) -> None:
    """Chromium has HLS of its own: a video that needs a transcode plays from the live HLS after one segment, and a
    seek far ahead plays from there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    catalog_path, media_id = prores
    server: StreamingServer = start(catalog_path)  # encoders wait 30 s for their client, as in use
    wait = WebDriverWait(browser, 60)
    video = "document.querySelector('#media video')"
    try:
        browser.get(f"http://127.0.0.1:{server.port}/?token={TOKEN}")
        card = f".card[data-id='{media_id}']"
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, card))
        browser.find_element(By.CSS_SELECTOR, card).click()
        wait.until(lambda b: b.execute_script(f"return {video} && {video}.readyState >= 3"))
        assert browser.execute_script(f"return {video}.src").endswith(f"/media/{media_id}/hls/master.m3u8")
        assert abs(browser.execute_script(f"return {video}.duration") - 36.0) < 0.1  # the whole clip is listed
        wait.until(lambda b: b.execute_script(f"return {video}.currentTime > 0.5"))  # it plays
        assert server.live is not None and server.live.started == 1

        browser.execute_script(f"{video}.currentTime = 30.2")  # segment 7, not made yet
        wait.until(lambda b: b.execute_script(f"return !{video}.seeking && {video}.readyState >= 3"
                                              f" && {video}.currentTime > 30.4"))
        # (whether a second encoder started depends on how far the browser had read ahead: the seek rule itself
        # is tested in test_streaming_live.py)
        assert server.live.started in (1, 2)
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
                  and "/poster " not in e["message"] and "/preview " not in e["message"]]
        assert not errors, errors
    finally:
        server.stop()
    assert server.live.running == 0
