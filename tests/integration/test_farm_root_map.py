"""A farm worker on another machine (a render node mounting the editors' storage elsewhere) makes a proxy of a file
the editors cataloged: it maps the paths by its own settings, writes the proxy on the shared storage and records it in
the catalog's form, so the editors find it at their path. One job, one real `python -m app worker` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.core.root_map import ROOT_MAP_ENV, RootMap
from app.services.settings import SETTINGS_ENV
from tests.integration.test_farm import _wait
from tests.media import make_clip

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_a_render_node_maps_the_editors_paths(tmp_path: Path) -> None:
    raid = tmp_path / "raid"  # the editors' mount (machine A) ...
    (raid / "Show").mkdir(parents=True)
    make_clip(raid / "Show" / "A001C001.mov", rate="25", frames=25, start_tc="01:00:00:00")
    node = tmp_path / "node" / "raid"  # ... and the render node's (machine B): the same storage
    node.parent.mkdir()
    node.symlink_to(raid, target_is_directory=True)
    catalog = str(tmp_path / "catalog.sqlite")
    base = {k: v for k, v in os.environ.items() if k != ROOT_MAP_ENV}
    base.update({"REELKEEP_CATALOG": catalog, "QT_QPA_PLATFORM": "offscreen", "REELKEEP_FARM_LEASE": "3",
                 "REELKEEP_FARM_BEAT": "0.5"})
    editor = {**base, SETTINGS_ENV: str(tmp_path / "editor.ini")}
    render = {**base, SETTINGS_ENV: str(tmp_path / "node.ini")}

    def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=240)
        assert done.returncode == 0, done.stderr + done.stdout
        return done

    run(editor, "catalog", "map-root", "add", "/Volumes/RAID", str(raid))
    run(render, "catalog", "map-root", "add", "/Volumes/RAID", str(node))
    run(editor, "scan", str(raid / "Show"), "--quiet")

    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "app", "worker", "--lanes", "proxy"], cwd=ROOT, env=render,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait("the worker to start", lambda: b"Ctrl+C stops" in log_path.read_bytes(), timeout=60)
        assert f"paths mapped: /Volumes/RAID -> {node}".encode() in log_path.read_bytes()
        submitted = run(editor, "farm", "proxies", "--preset", "thumbnail", "--proxy-dir", str(raid / "proxies"),
                        str(raid / "Show"))
        assert "Farm: 1 done, 0 failed, 0 cancelled" in submitted.stdout
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)

    made = [p for p in (raid / "proxies").rglob("*") if p.is_file()]
    assert [p.name for p in made] == ["thumbnail.mp4"]
    stored = Catalog(catalog, RootMap())  # as the catalog keeps it
    editors = Catalog(catalog, RootMap([("/Volumes/RAID", str(raid))]))
    try:
        media_id = editors.id_for_path(raid / "Show" / "A001C001.mov")
        relative = made[0].relative_to(raid)
        assert stored.proxies(media_id)[0]["path"] == f"/Volumes/RAID/{relative}"
        assert editors.proxies(media_id)[0]["path"] == str(made[0])
    finally:
        editors.close()
        stored.close()
