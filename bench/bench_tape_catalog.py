"""The offline tape catalog at scale: an LTFS index of N files (default 1,000,000, in folders of 1,000, as a
camera-card archive would be) written as index XML, imported into a fresh catalog (parse + rows + full-text
index), then searched. Peer: SQLite itself — the same rows loaded by a bare executemany with no index or FTS, so
the ratio is what the catalog's indexes cost on top of storing the rows.

Run: `.venv/bin/python bench/bench_tape_catalog.py [--files 1000000] [--dir bench/out/tape-catalog]`.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import time
from dataclasses import astuple, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.catalog.catalog import Catalog  # noqa: E402
from app.catalog.tapes import TapeFileRow  # noqa: E402
from app.tape.ltfs_index import iter_index_entries  # noqa: E402
from app.tape.offline import entry_rows, import_index_file  # noqa: E402


def write_synthetic_index(path: Path, files: int) -> None:
    """An index as Reelkeep writes it, streamed to the file (building a million-entry tree would take GBs)."""
    now = "2026-12-04T05:00:00.000000000Z"
    times = "".join(f"<{t}>{now}</{t}>" for t in ("creationtime", "changetime", "modifytime", "accesstime",
                                                    "backuptime"))
    uid, block = 1, 10
    with open(path, "w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<ltfsindex version="2.4.0"><creator>Reelkeep bench'
                  f'</creator><volumeuuid>0b6c7a55-3d1f-4c9e-9a7e-5d2f6b0c1e11</volumeuuid><generationnumber>2'
                  f'</generationnumber><updatetime>{now}</updatetime><location><partition>a</partition>'
                  f'<startblock>6</startblock></location><allowpolicyupdate>true</allowpolicyupdate>'
                  f'<highestfileuid>{files + files // 1000 + 2}</highestfileuid><volumelockstate>unlocked'
                  f'</volumelockstate><directory><name>RK0001L9</name><readonly>false</readonly>{times}'
                  f'<fileuid>1</fileuid><contents>')
        for folder_number in range(files // 1000 + (1 if files % 1000 else 0)):
            uid += 1
            out.write(f"<directory><name>A{folder_number:04d}_C{folder_number % 97:03d}</name><readonly>false"
                      f"</readonly>{times}<fileuid>{uid}</fileuid><contents>")
            for clip in range(min(1000, files - folder_number * 1000)):
                uid += 1
                length = 40_000_000 + clip
                out.write(f"<file><name>A{folder_number:04d}C{clip:03d}_2612043F.mxf</name><length>{length}</length>"
                          f"<readonly>false</readonly>{times}<fileuid>{uid}</fileuid><extendedattributes>"
                          f"<xattr><key>ltfs.hash.xxh128sum</key><value>{uid:032x}</value></xattr>"
                          f"<xattr><key>ltfs.hash.sha1sum</key><value>{uid:040x}</value></xattr>"
                          f"</extendedattributes><extentinfo><extent><fileoffset>0</fileoffset><partition>b"
                          f"</partition><startblock>{block}</startblock><byteoffset>0</byteoffset><bytecount>"
                          f"{length}</bytecount></extent></extentinfo></file>")
                block += length // (512 << 10) + 1
            out.write("</contents></directory>")
        out.write("</contents></directory></ltfsindex>\n")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "tape-catalog")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    xml = args.dir / f"index-{args.files}.xml"
    if not xml.exists():
        write_synthetic_index(xml, args.files)
    print(f"index XML: {xml.stat().st_size / 1e6:.0f} MB, {args.files:,} files; peak RSS so far {peak_mb():.0f} MB")

    for old in args.dir.glob("catalog*.sqlite*"):
        old.unlink()
    catalog = Catalog(args.dir / "catalog.sqlite")
    start = time.perf_counter()
    outcome = import_index_file(catalog, xml, "RK0001L9")
    imported = time.perf_counter() - start
    print(f"import: {imported:.1f} s ({outcome.files / imported:,.0f} files/s), peak RSS {peak_mb():.0f} MB")

    start = time.perf_counter()
    query = f"A{args.files // 2000:04d}C042"
    found = catalog.tapes.find_files(query)
    first = time.perf_counter() - start
    start = time.perf_counter()
    tape_id = catalog.tapes.by_barcode("RK0001L9")["id"]
    page = catalog.tapes.files(tape_id, limit=200, offset=args.files // 2)
    paged = time.perf_counter() - start
    print(f"find {query!r}: {len(found)} hits in {first * 1000:.1f} ms; {len(page)} rows from the middle of the "
          f"tape: {paged * 1000:.1f} ms")
    catalog.close()

    # The peer: the same rows into a bare table, one executemany, no indexes, no FTS.
    start = time.perf_counter()
    columns = len(fields(TapeFileRow))
    bare = sqlite3.connect(args.dir / "catalog-bare.sqlite")
    bare.execute(f"CREATE TABLE f ({', '.join(f'c{i}' for i in range(columns))})")
    with open(xml, "rb") as source, bare:
        bare.executemany(f"INSERT INTO f VALUES ({','.join('?' * columns)})",
                         (astuple(r) for r in entry_rows(iter_index_entries(source))))
    bare.close()
    peer = time.perf_counter() - start
    print(f"peer (streamed parse + bare SQLite insert): {peer:.1f} s; catalog import / peer = {imported / peer:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
