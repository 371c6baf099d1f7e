"""Checks of the frozen bundle that the app's --self-test does not cover (REELKEEP_BUNDLE_CHECK=1 reelkeep).

- python-mpv loads the libmpv *inside the bundle* (read back from /proc/self/maps) and a null-output player
  can be created;
- OpenTimelineIO's adapter manifest is found: the otio_json adapter round-trips a timeline, and the
  cmx_3600 (EDL) adapter works when an OTIO plugin package providing it was bundled;
- what the app imports only when a feature is first used: the Performance panel's pyqtgraph (a plot drawn
  offscreen), the offload report's PDF (reportlab and its fonts), the farm's task queue (huey) and the
  PostgreSQL driver (psycopg with its binary part);
- Share Library's web client: the server answers its page and scripts (data files, not modules).
Prints one line per check and returns 0 when all pass.
"""

import os
import sys

EDL = """TITLE: reelkeep bundle check
FCM: NON-DROP FRAME

001  clip_a   V     C        01:00:00:00 01:00:01:00 00:00:00:00 00:00:01:00
* FROM CLIP NAME: clip_a.mov
"""


def _check_mpv(results):
    import mpv

    bundle = os.path.realpath(getattr(sys, "_MEIPASS", ""))
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        mapped = sorted({line.split(None, 5)[-1].strip() for line in maps if "libmpv" in line and "/" in line})
    outside = [path for path in mapped if not os.path.realpath(path).startswith(bundle + os.sep)]
    results.append((f"libmpv mapped from {', '.join(mapped) or 'nowhere'}", bool(mapped) and not outside))
    player = mpv.MPV(vo="null", ao="null", video=False, audio=False)
    try:
        version = player.mpv_version
    finally:
        player.terminate()
    results.append((f"mpv.MPV() created ({version})", bool(version)))
    # Where libmpv's own libraries come from: everything but the GPU/C runtime should be in the bundle.
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        libs = {line.split(None, 5)[-1].strip() for line in maps if ".so" in line and "/" in line}
    outside = sorted(path for path in libs if not os.path.realpath(path).startswith(bundle + os.sep))
    print("bundle-check: shared libraries loaded from outside the bundle:", file=sys.stderr)
    for path in outside:
        print(f"  {path}", file=sys.stderr)


def _check_otio(results):
    import opentimelineio as otio

    adapters = sorted(otio.adapters.available_adapter_names())
    results.append((f"OTIO adapters: {', '.join(adapters)}", "otio_json" in adapters))
    timeline = otio.schema.Timeline(name="bundle check")
    text = otio.adapters.write_to_string(timeline, "otio_json")
    results.append(("OTIO otio_json round trip", otio.adapters.read_from_string(text, "otio_json").name == "bundle check"))
    if "cmx_3600" in adapters:
        edl = otio.adapters.read_from_string(EDL, "cmx_3600", rate=25)
        results.append(("OTIO cmx_3600 reads an EDL", len(edl.tracks[0]) == 1))
    else:
        print("bundle-check: no cmx_3600 adapter installed (OTIO >= 0.17 ships it as the separate "
              "otio-cmx3600-adapter package); skipped", file=sys.stderr)


def _check_lazy_imports(results):
    import tempfile
    from pathlib import Path

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph

    plot = pyqtgraph.PlotWidget()
    plot.plot([0, 1, 2], [1, 3, 2])
    results.append((f"pyqtgraph {pyqtgraph.__version__} plots", not plot.grab().isNull()))
    plot.deleteLater()
    app.processEvents()
    from app.core.report import Report, Table, write_pdf

    with tempfile.TemporaryDirectory() as folder:
        pdf = write_pdf(Report("bundle check", tables=[Table("t", ("a", "b"), [("é", 1)])]), Path(folder) / "r.pdf")
        results.append(("report PDF written (reportlab)", pdf.stat().st_size > 500))
    import huey
    import psycopg

    results.append((f"huey {huey.__version__}, psycopg {psycopg.__version__} ({psycopg.pq.__impl__})", True))


def _check_web_client(results):
    import tempfile
    import urllib.request
    from pathlib import Path

    from app.streaming.server import ServerConfig, StreamingServer
    from app.streaming.web_client import FILES

    with tempfile.TemporaryDirectory() as folder:
        server = StreamingServer(Path(folder) / "catalog.sqlite", ServerConfig(port=0, token="bundle-check"))
        server.start()
        try:
            for name in FILES:
                path = "/?token=bundle-check" if name == "index.html" else f"/web/{name}?token=bundle-check"
                with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10) as answer:
                    body = answer.read()
                results.append((f"web client {name} served ({len(body)} bytes)", answer.status == 200 and len(body) > 0))
        finally:
            server.stop()


def main() -> int:
    results = []
    for check in (_check_mpv, _check_otio, _check_lazy_imports, _check_web_client):
        try:
            check(results)
        except Exception as exc:  # report every failure, not just the first
            results.append((f"{check.__name__}: {type(exc).__name__}: {exc}", False))
    for name, ok in results:
        print(f"bundle-check: {name}: {'ok' if ok else 'FAILED'}")
    return 0 if all(ok for _, ok in results) else 1
