"""The farm as it runs: real worker processes (`python -m app worker`), a submitting process (`reelkeep farm
proxies`), the queue in farm.sqlite or in the catalog's PostgreSQL database; one worker killed mid-proxy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.catalog.catalog import Catalog
from app.farm.farm import Farm
from app.ingest.proxies import verify_recorded
from app.media.partial import HOST, PARTIAL
from tests.integration.test_cli import ROOT, reelkeep
from tests.media import decode_indexes, make_clip, read_index

CLIPS = 4
FRAMES = 750  # long enough that a kill at under half way lands mid-proxy on a loaded machine


def _env(catalog: str, proxies: Path) -> dict[str, str]:
    # Short leases so the test sees a dead worker's job reclaimed within seconds.
    return {**os.environ, "REELKEEP_CATALOG": catalog, "REELKEEP_PROXY_DIR": str(proxies),
            "REELKEEP_FARM_LEASE": "3", "REELKEEP_FARM_BEAT": "0.5", "QT_QPA_PLATFORM": "offscreen"}


def _wait(what: str, condition: Callable[[], Any], timeout: float = 120.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Starts `python -m app worker` processes; whatever is still running at teardown is killed and reaped."""
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen:
        log = open(tmp_path / f"worker{len(started) + 1}.log", "wb")  # noqa: SIM115 - the process owns it
        process = subprocess.Popen([sys.executable, "-m", "app", "worker", *args], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _library(tmp_path: Path, catalog: str) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    for i in range(CLIPS):  # distinct content: proxies are kept per content hash
        make_clip(media / f"A00{i}.mov", rate="25", frames=FRAMES + i, size=(320, 180),
                  start_tc=f"0{i + 1}:00:00:00")
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    return media


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_worker_killed_mid_proxy_loses_nothing_and_every_job_ends_once(tmp_path: Path, backend: str, request,
                                                                          workers) -> None:
    if backend == "postgresql":
        catalog = request.getfixturevalue("postgres_server").create_catalog_database()
    else:
        catalog = str(tmp_path / "catalog.sqlite")
    proxies = tmp_path / "proxies"
    media = _library(tmp_path, catalog)
    env = _env(catalog, proxies)
    first, second = workers(env, "--lanes", "proxy"), workers(env, "--lanes", "proxy")
    # one job per clip makes both presets (one worker per proxy folder at a time)
    submitter = subprocess.Popen([sys.executable, "-m", "app", "farm", "proxies", "--preset", "preview", "--preset",
                                  "thumbnail", str(media)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    farm = Farm(catalog)
    try:
        pids = {first.pid: first, second.pid: second}

        def victim() -> tuple[dict[str, Any], subprocess.Popen, Path] | None:
            for job in farm.ledger.jobs(states=["running"]):
                pid = int(job["worker"].rsplit(":", 1)[1])
                partials = list(proxies.rglob(f"*.{HOST}-{pid}{PARTIAL}"))
                # under half way by its last beat (at most half a second old): the kill lands mid-proxy
                if pid in pids and partials and job["total"] and 0 < job["done"] < job["total"] // 2:
                    return job, pids[pid], partials[0]
            return None

        job, killed, partial = _wait("a worker mid-proxy", victim)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert partial.exists()  # killed mid-write: its partial is all it left

        out, err = submitter.communicate(timeout=300)
        assert submitter.returncode == 0, err + out
        assert f"Farm: {CLIPS} done, 0 failed, 0 cancelled" in out
        assert "2 attempts" in next(line for line in out.splitlines() if job["title"] in line)

        jobs = farm.ledger.jobs()
        assert len(jobs) == CLIPS and {j["state"] for j in jobs} == {"done"}
        retried = next(j for j in jobs if j["id"] == job["id"])
        assert retried["attempts"] == 2 and retried["worker"] != job["worker"]
        assert all(j["attempts"] == 1 for j in jobs if j["id"] != job["id"]), jobs
    finally:
        farm.close()
        if submitter.poll() is None:
            submitter.kill()
            submitter.communicate(timeout=30)

    assert not list(proxies.rglob(f"*{PARTIAL}"))
    folders = {p.parent for p in proxies.rglob("*") if p.is_file()}
    assert len(folders) == CLIPS and all(sorted(os.listdir(f)) == ["preview.mp4", "thumbnail.mp4"] for f in folders)
    cat = Catalog(catalog)
    try:
        ids = cat.ids_under(str(media))
        assert [len(cat.proxies(i)) for i in ids] == [2] * CLIPS
        reports = verify_recorded(cat, ids, index_reader=read_index)
    finally:
        cat.close()
    assert len(reports) == 2 * CLIPS and all(report.ok for _, _, report in reports), reports

    survivor = second if killed is first else first
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(timeout=60) == 0


@pytest.mark.timeout(300)
def test_a_stopped_worker_removes_its_partial_and_hands_the_job_back(tmp_path: Path, workers) -> None:
    catalog = str(tmp_path / "catalog.sqlite")
    proxies = tmp_path / "proxies"
    media = tmp_path / "media"
    media.mkdir()
    make_clip(media / "B001.mov", rate="25", frames=FRAMES, size=(320, 180))
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    env = _env(catalog, proxies)
    worker = workers(env, "--lanes", "proxy")
    queued = subprocess.run([sys.executable, "-m", "app", "farm", "proxies", "--no-wait", str(media)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert queued.returncode == 0, queued.stderr
    farm = Farm(catalog)
    try:
        partial = _wait("the proxy under way", lambda: next(iter(proxies.rglob(f"*.{HOST}-{worker.pid}{PARTIAL}")), None))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert not partial.exists()
        (job,) = farm.ledger.jobs()
        assert job["state"] == "queued" and job["attempts"] == 0 and job["worker"] is None

        # Cancel from the submitting side, while no worker runs: the queued job ends at once, and a worker
        # started later takes nothing.
        cancelled = subprocess.run([sys.executable, "-m", "app", "farm", "cancel", str(job["id"])], cwd=ROOT,
                                   env=env, capture_output=True, text=True, timeout=120)
        assert "Cancel asked for 1 job(s)" in cancelled.stdout
        assert farm.ledger.jobs()[0]["state"] == "cancelled"
    finally:
        farm.close()
    assert not list(proxies.rglob("*.mp4*"))


@pytest.mark.timeout(300)
def test_thumbnails_on_the_farm_fill_the_shared_cache(tmp_path: Path, workers) -> None:
    from app.ingest.thumbs import CACHE_ENV, thumbnail_paths

    catalog = str(tmp_path / "catalog.sqlite")
    media = tmp_path / "media"
    media.mkdir()
    for i in range(3):
        make_clip(media / f"D00{i}.mov", rate="25", frames=50 + i, size=(320, 180), start_tc=f"0{i + 1}:00:00:00")
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    env = {**_env(catalog, tmp_path / "proxies"), CACHE_ENV: str(tmp_path / "shared cache")}
    worker = workers(env, "--lanes", "thumbs")
    done = subprocess.run([sys.executable, "-m", "app", "farm", "thumbs", str(media)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "done: thumbnails of D000.mov and 2 more on" in done.stdout and "Farm: 1 done" in done.stdout
    cat = Catalog(catalog)
    try:
        hashes = [cat.info(i)["identity_hash"] for i in cat.ids_under(str(media))]
    finally:
        cat.close()
    root = tmp_path / "shared cache" / "thumbs"
    assert len(hashes) == 3 and all(thumbnail_paths(h, root)["poster"] for h in hashes)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0


@pytest.mark.timeout(300)
def test_an_extraction_on_the_farm_is_frame_exact_and_not_made_twice(tmp_path: Path, workers) -> None:
    catalog = str(tmp_path / "catalog.sqlite")
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "E001.mov", rate="25", frames=100, size=(320, 180), start_tc="01:00:00:00")
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    env = _env(catalog, tmp_path / "proxies")
    worker = workers(env, "--lanes", "extract")
    dest = tmp_path / "shared" / "selects"
    command = [sys.executable, "-m", "app", "farm", "extract", str(clip), "--in", "01:00:01:00", "--out",
               "01:00:02:00", "--dest", str(dest), "--mode", "reencode", "--preset", "h264"]
    for _ in range(2):  # the second run finds the cataloged output and ends at once
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr + done.stdout
        assert "done: extract E001.mov 01:00:01:00–01:00:02:00 on" in done.stdout
    (output,) = [p for p in dest.iterdir()]
    assert decode_indexes(output) == list(range(25, 50))
    farm = Farm(catalog)
    try:
        results = [job["result"] for job in farm.ledger.jobs()]
    finally:
        farm.close()
    assert results[0] == {"path": str(output), "up_to_date": True}  # newest first
    assert results[1]["path"] == str(output) and results[1]["exact"]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0


@pytest.mark.timeout(300)
def test_a_running_job_held_then_cancelled_by_the_submitter_keeps_its_lease_then_leaves_nothing(tmp_path: Path, workers) -> None:
    catalog = str(tmp_path / "catalog.sqlite")
    proxies = tmp_path / "proxies"
    media = tmp_path / "media"
    media.mkdir()
    make_clip(media / "C001.mov", rate="25", frames=FRAMES, size=(320, 180))
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    env = _env(catalog, proxies)
    worker = workers(env, "--lanes", "proxy")
    submitter = subprocess.Popen([sys.executable, "-m", "app", "farm", "proxies", str(media)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    farm = Farm(catalog)
    try:
        partial = _wait("the proxy under way", lambda: next(iter(proxies.rglob(f"*.{HOST}-{worker.pid}{PARTIAL}")), None))
        (job,) = farm.ledger.jobs()
        farm_cli = [sys.executable, "-m", "app", "farm"]
        paused = subprocess.run([*farm_cli, "pause", str(job["id"])], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert "Pause asked for 1 job(s)" in paused.stdout

        def held() -> int | None:  # progress that stands still across a few beats
            before = farm.ledger.jobs()[0]["done"]
            time.sleep(1.5)
            after = farm.ledger.jobs()[0]
            return after["done"] if after["done"] == before and after["done"] < FRAMES else None

        frames = _wait("the job held", held, timeout=60)
        time.sleep(4)  # longer than the 3 s lease: the keeper renews it while the job is held
        (still,) = farm.ledger.jobs()
        assert still["state"] == "running" and still["lease_until"] > still["now"] and still["attempts"] == 1
        assert partial.exists() and still["done"] == frames

        # cancelled while held: the cancel wakes it, it stops and removes its partial
        cancelled = subprocess.run([sys.executable, "-m", "app", "farm", "cancel", "--batch", job["batch"]], cwd=ROOT,
                                   env=env, capture_output=True, text=True, timeout=120)
        assert "Cancel asked for 1 job(s)" in cancelled.stdout
        out, _ = submitter.communicate(timeout=120)
        assert submitter.returncode == 1
        assert "cancelled: preview proxy of C001.mov" in out and "Farm: 0 done, 0 failed, 1 cancelled" in out
        assert not partial.exists() and not list(proxies.rglob("*.mp4*"))
        assert farm.ledger.jobs()[0]["state"] == "cancelled"
        assert worker.poll() is None  # the worker goes on serving
    finally:
        farm.close()
        if submitter.poll() is None:
            submitter.kill()
            submitter.communicate(timeout=30)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
