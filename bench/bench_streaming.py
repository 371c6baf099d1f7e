"""Range reads of a large file under load: Reelkeep's server (`reelkeep serve`, a process of its own) against nginx
and `python -m http.server` serving the same file, in one run, with wrk on loopback (N connections, each asking
for random 1 MiB ranges). Then the app's case: the server on its thread inside a Qt application, 50 clients
streaming, while a 10 ms timer on the GUI thread measures how late the event loop runs.

Reelkeep is measured three ways: as it runs (uvloop's event loop), on asyncio's loop (REELKEEP_EVENT_LOOP=asyncio,
what uvloop gains) and with `--workers` one per core (Linux). `python -m http.server` ignores Range (it sends the
whole file every time), so its figure is whole-file reads. With `--rounds R` every server is measured R times in
turn and each ratio is against nginx's figure of the same round: on a shared machine the load drifts by more
than the differences measured.

Needs wrk and nginx (Debian: `apt install wrk nginx-light`).
Run: `.venv/bin/python bench/bench_streaming.py [--dir bench/out/streaming] [--size-mb 1024] [--seconds 10]
[--rounds 1] [--no-app]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av  # noqa: E402

from app.catalog.catalog import Catalog  # noqa: E402
from app.core.job import JobContext, execute  # noqa: E402
from app.ingest.scan import ScanJob  # noqa: E402
from tests.media import make_clip  # noqa: E402

TOKEN = "b" * 43
ASYNCIO = "reelkeep serve (asyncio loop)"
CHUNK = 1 << 20
RANGE_SCRIPT = """
local size = tonumber(os.getenv("BENCH_SIZE"))
local chunk = tonumber(os.getenv("BENCH_CHUNK"))
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local first = math.random(0, size - chunk)
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. first .. "-" .. (first + chunk - 1)})
end
"""
NGINX_CONF = """
daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  types {{ video/mp2t ts; }}
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def make_media(folder: Path, size_mb: int) -> Path:
    """A real MPEG-TS video of about size_mb: one encoded clip repeated (TS streams concatenate)."""
    big = folder / "media" / "feature.ts"
    if big.is_file() and big.stat().st_size >= size_mb << 20:
        return big
    big.parent.mkdir(parents=True, exist_ok=True)
    clip = make_clip(folder / "piece.mp4", rate="25", frames=250, size=(1920, 1080), crf=0, gop=25)
    piece = folder / "piece.ts"
    with av.open(str(clip)) as inp, av.open(str(piece), "w", format="mpegts") as out:
        copied = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is not None:
                packet.stream = copied[packet.stream.index]
                out.mux(packet)
    data = piece.read_bytes()
    with open(big, "wb") as out:
        while out.tell() < size_mb << 20:
            out.write(data)
    return big


def catalog_of(folder: Path, media: Path) -> tuple[Path, int]:
    path = folder / "catalog.sqlite"
    catalog = Catalog(path)
    try:
        if not catalog.query_ids():
            execute(ScanJob(catalog, [catalog.add_root(media.parent)]), JobContext())
        return path, catalog.query_ids()[0]
    finally:
        catalog.close()


def wrk(url: str, connections: int, seconds: int, size: int, script: Path | None) -> tuple[float, float]:
    """(requests/s, MB/s) from wrk's summary."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    env = {**os.environ, "BENCH_SIZE": str(size), "BENCH_CHUNK": str(CHUNK)}
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    amount, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out).groups()
    scale = {"B": 1e-6, "KB": 1024 / 1e6, "MB": (1 << 20) / 1e6, "GB": (1 << 30) / 1e6}[unit]
    return requests, float(amount) * scale


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a server's processes (nginx's workers, reelkeep's --workers) so far."""
    import psutil

    total = 0.0
    root = psutil.Process(pid)
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def gui_lateness(catalog_path: Path, media_id: int, connections: int, seconds: int, size: int,
                 script: Path) -> list[float]:
    """The server inside a Qt application (as File → Share Library runs it) under wrk; lateness of a 10 ms timer
    on the GUI thread, in ms."""
    from PySide6.QtCore import QCoreApplication, QTimer

    from app.streaming.server import ServerConfig, StreamingServer

    app = QCoreApplication.instance() or QCoreApplication([])
    server = StreamingServer(catalog_path, ServerConfig(port=0, token=TOKEN))
    server.start()
    late: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    env = {**os.environ, "BENCH_SIZE": str(size), "BENCH_CHUNK": str(CHUNK)}
    url = f"http://127.0.0.1:{server.port}/media/{media_id}?token={TOKEN}"
    load = subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                            stdout=subprocess.PIPE, text=True, env=env)
    timer.start()
    while load.poll() is None:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    output = load.stdout.read() if load.stdout else ""
    server.stop()
    print(f"  wrk in the app process: {re.search(r'Transfer/sec:.*', output).group(0)}")
    return late[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "streaming")
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every server this many times, in turn: on a shared machine the load drifts, "
                             "so each ratio is against nginx in the same round and the median is reported")
    parser.add_argument("--no-app", action="store_true", help="skip the GUI lateness run")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is needed: apt install wrk nginx-light")
    folder = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    media = make_media(folder, args.size_mb)
    size = media.stat().st_size
    catalog_path, media_id = catalog_of(folder, media)
    script = folder / "range.lua"
    script.write_text(RANGE_SCRIPT)
    with open(media, "rb") as handle:  # warm: every server reads from the page cache
        while handle.read(8 << 20):
            pass
    print(f"file: {size / 1e6:.0f} MB ({media}); {os.cpu_count()} cores; ranges of {CHUNK >> 10} KiB; "
          f"{args.seconds} s per run")

    servers: dict[str, tuple[list[str], str, Path | None]] = {}
    nginx_port, python_port, reelkeep_port = free_port(), free_port(), free_port()
    (folder / "nginx").mkdir(exist_ok=True)
    conf = folder / "nginx" / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder / "nginx", port=nginx_port, root=media.parent))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    servers["nginx"] = ([nginx, "-c", str(conf), "-p", str(folder / "nginx")],
                        f"http://127.0.0.1:{nginx_port}/{media.name}", script)
    token_file = folder / "token"
    token_file.write_text(TOKEN)
    servers["reelkeep serve"] = ([sys.executable, "-m", "app", "--catalog", str(catalog_path), "serve", "--port",
                                  str(reelkeep_port), "--token-file", str(token_file)],
                                 f"http://127.0.0.1:{reelkeep_port}/media/{media_id}?token={TOKEN}", script)
    servers[ASYNCIO] = servers["reelkeep serve"]  # the same, on asyncio's loop instead of uvloop's (see below)
    workers = os.cpu_count() or 1
    if workers > 1 and sys.platform.startswith("linux"):  # one process per core, as nginx's worker_processes auto
        workers_port = free_port()
        servers[f"reelkeep serve --workers {workers}"] = (
            [*servers["reelkeep serve"][0][:-4], "--port", str(workers_port), "--token-file", str(token_file),
             "--workers", str(workers)],
            f"http://127.0.0.1:{workers_port}/media/{media_id}?token={TOKEN}", script)
    servers["python -m http.server"] = ([sys.executable, "-m", "http.server", str(python_port), "--bind",
                                         "127.0.0.1", "--directory", str(media.parent)],
                                        f"http://127.0.0.1:{python_port}/{media.name}", script)
    results: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for _round in range(args.rounds):
        for name, (command, url, lua) in servers.items():
            env = {**os.environ, "REELKEEP_EVENT_LOOP": "asyncio"} if name == ASYNCIO else None
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            try:
                wait_for_port(int(url.split(":")[2].split("/")[0]))
                time.sleep(2.0 if "--workers" in command else 0)  # the spawned workers import before they accept
                for connections in (8, 50):
                    before = cpu_seconds(process.pid)
                    requests, rate = wrk(url, connections, args.seconds, size, lua)
                    used = (cpu_seconds(process.pid) - before) / max(requests * args.seconds, 1) * 1e6
                    results.setdefault((name, connections), []).append((requests, rate, used))
            finally:
                process.terminate()
                process.wait(30)
    print(f"\n{'server':34} {'conns':>5} {'req/s':>9} {'MB/s':>9} {'CPU µs/req':>10} {'vs nginx':>9}  (median of "
          f"{args.rounds} rounds; ratios: each round's against that round's nginx, lowest to highest)")
    for (name, connections), runs in results.items():
        nginx_runs = results["nginx", connections]
        ratios = sorted(run[1] / peer[1] for run, peer in zip(runs, nginx_runs, strict=True))
        requests, rate, used = (statistics.median(run[i] for run in runs) for i in (0, 1, 2))
        spread = " ".join(f"{r:.2f}" for r in ratios) if len(ratios) > 1 else ""
        print(f"{name:34} {connections:>5} {requests:>9.1f} {rate:>9.0f} {used:>10.0f} "
              f"{statistics.median(ratios):>8.2f}x  {spread}")
    if args.no_app:
        return 0

    print("\nthe app: 50 clients on the server inside a Qt application")
    late = sorted(gui_lateness(catalog_path, media_id, 50, args.seconds, size, script))
    print(f"  GUI timer lateness over {len(late)} ticks: median {statistics.median(late):.1f} ms, "
          f"p99 {late[int(len(late) * 0.99)]:.1f} ms, max {late[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
