"""`reelkeep stats`: the Performance panel's system figures without the GUI, one line per sample (docs/monitor.md)."""

from __future__ import annotations

import argparse
import csv
import signal
import sys
import threading
import time
from datetime import datetime
from typing import TextIO

from app.monitor.history import csv_columns, csv_row
from app.monitor.sampler import Sample, Sampler

EXIT_OK, EXIT_USAGE = 0, 2
MB, GB = 1e6, 1e9


def add_parser(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("stats", help="print CPU, memory, disk and network figures every second (Ctrl+C stops)",
                           description="The Performance panel's system figures, headless: CPU per core, memory, "
                                       "swap, read and write rates per physical disk, network rates. One line per "
                                       "sample; Ctrl+C ends cleanly. See docs/monitor.md.")
    stats.add_argument("--interval", type=float, default=1.0, metavar="S",
                       help="seconds between samples (default 1)")
    stats.add_argument("--count", type=int, default=0, metavar="N", help="stop after N samples (default: until Ctrl+C)")
    stats.add_argument("--csv", metavar="FILE", help="also write the samples to FILE as CSV (header row first)")


def sample_line(sample: Sample) -> str:
    """'07:45:01  cpu 35% [20 50]  mem 3.1/25.3 GB  swap 0.0/0.0 GB  vda r 0.0 w 1.2 MB/s  net rx 0.10 tx 0.00 MB/s'."""
    cores = " ".join(f"{p:.0f}" for p in sample.cpu)
    parts = [datetime.fromtimestamp(sample.time).strftime("%H:%M:%S"),
             f"cpu {sample.cpu_average:3.0f}% [{cores}]",
             f"mem {sample.memory_used / GB:.1f}/{sample.memory_total / GB:.1f} GB",
             f"swap {sample.swap_used / GB:.1f}/{sample.swap_total / GB:.1f} GB"]
    parts += [f"{d.name} r {d.read / MB:.1f} w {d.write / MB:.1f} MB/s" for d in sample.disks]
    parts.append(f"net rx {sample.net_rx / MB:.2f} tx {sample.net_tx / MB:.2f} MB/s")
    return "  ".join(parts)


def command_stats(args: argparse.Namespace, out: TextIO) -> int:
    if args.interval <= 0 or args.count < 0:
        print("reelkeep: --interval must be above 0 and --count 0 or more", file=sys.stderr)
        return EXIT_USAGE
    stream = open(args.csv, "w", newline="", encoding="utf-8") if args.csv else None  # noqa: SIM115 - closed below
    writer = csv.writer(stream) if stream is not None else None
    columns = None
    sampler = Sampler()
    taken = 0
    start = time.monotonic()
    # Ctrl+C sets a flag that the wait between samples sees, rather than raising KeyboardInterrupt wherever the
    # loop is: a row is never cut in half, and the CSV ends with whole rows.
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not args.count or taken < args.count:
            # Wait for the next tick of a fixed schedule, so slow prints do not stretch the interval.
            if stop.wait(max(start + (taken + 1) * args.interval - time.monotonic(), 0.0)):
                break
            sample = sampler.sample()
            taken += 1
            out.write(sample_line(sample) + "\n")
            out.flush()
            if writer is not None and stream is not None:
                if columns is None:  # a disk plugged in later gets no column: the header is already written
                    columns = csv_columns([sample])
                    writer.writerow([name for name, _ in columns])
                writer.writerow(csv_row(sample, columns))
                stream.flush()  # each row on disk as it comes: Ctrl+C or a kill loses nothing written
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if stream is not None:
            stream.close()
    return EXIT_OK
