#!/usr/bin/env bash
# Builds the Linux release of Reelkeep (`make package`):
#   1. dist/reelkeep/       PyInstaller one-folder bundle (packaging/reelkeep.spec)
#   2. checks the bundle:   --version, --self-test (offscreen), a scan that uses the spawn process pool, and
#                           REELKEEP_BUNDLE_CHECK=1 (bundled libmpv really loaded, OTIO adapters)
#   3. dist/reelkeep_<version>_<arch>.deb   (packaging/linux/build_deb.sh)
# Any failure stops the build with a non-zero exit code.
# Environment: VENV (default .venv) is the project venv; SKIP_DEB=1 skips step 3; PYI_CLEAN=1 rebuilds from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-.venv}
PY=$VENV/bin/python
DIST=$ROOT/dist
BUNDLE=$DIST/reelkeep
WORK=$ROOT/build/pyinstaller

say() { printf '\n== reelkeep package: %s\n' "$*"; }
die() { printf '\nreelkeep package: FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || die "no Python at $PY (run 'make setup' or set VENV=/path/to/venv)"
[ "$(uname -s)" = "Linux" ] || die "this script builds the Linux package; see packaging/README.md for macOS/Windows"

if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
  say "installing PyInstaller into $VENV"
  "$PY" -m pip install -q 'pyinstaller>=6.6'
fi
"$PY" -c 'import app, mpv, av, PySide6, opentimelineio' \
  || die "the venv lacks the app or its dependencies (make setup), or libmpv is missing (apt-get install libmpv2)"

say "PyInstaller $("$PY" -m PyInstaller --version) -> $BUNDLE"
clean=()
[ "${PYI_CLEAN:-0}" = "1" ] && clean=(--clean)
# PYTHONPATH: the spec's collect_submodules("app") runs in helper processes that must find the source tree.
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m PyInstaller --noconfirm "${clean[@]}" \
  --distpath "$DIST" --workpath "$WORK" packaging/reelkeep.spec \
  || die "PyInstaller failed"
[ -x "$BUNDLE/reelkeep" ] || die "PyInstaller did not produce $BUNDLE/reelkeep"

# --- smoke tests of the frozen app, run outside the source tree with a clean environment -----------------
CHECK_DIR=$(mktemp -d /tmp/reelkeep-bundle-check.XXXXXX)
trap 'rm -rf "$CHECK_DIR"' EXIT
run_bundle() {  # run the bundle in CHECK_DIR with a minimal, reproducible environment
  (cd "$CHECK_DIR" && env -i PATH=/usr/bin:/bin HOME="$CHECK_DIR/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
     XDG_RUNTIME_DIR="$CHECK_DIR/run" timeout 300 "$@")
}
mkdir -p "$CHECK_DIR/home" "$CHECK_DIR/run" && chmod 700 "$CHECK_DIR/run"

say "bundle: --version"
version_out=$(run_bundle "$BUNDLE/reelkeep" --version) || die "'reelkeep --version' failed"
echo "$version_out"
want_version=$("$PY" -c 'import app; print(app.__version__)')
[ "$version_out" = "reelkeep $want_version" ] || die "--version printed '$version_out', expected 'reelkeep $want_version'"

say "bundle: --self-test"
run_bundle "$BUNDLE/reelkeep" --self-test || die "'reelkeep --self-test' failed in the bundle (exit $?)"

say "bundle: scan with the spawn process pool (70 files, 2 workers)"
"$PY" - "$CHECK_DIR/media" <<'EOF'
import os, struct, sys, wave
os.makedirs(sys.argv[1])
for i in range(70):  # more than app.ingest.probing.POOL_THRESHOLD, so the scan uses the process pool
    with wave.open(os.path.join(sys.argv[1], f"tone{i:03d}.wav"), "wb") as out:
        out.setnchannels(1); out.setsampwidth(2); out.setframerate(8000)
        out.writeframes(struct.pack("<h", i) * (800 + i))
EOF
run_bundle "$BUNDLE/reelkeep" --catalog "$CHECK_DIR/catalog.sqlite" scan "$CHECK_DIR/media" --workers 2 -q \
  || die "frozen 'reelkeep scan' (process pool) failed"
probed=$(run_bundle "$BUNDLE/reelkeep" --catalog "$CHECK_DIR/catalog.sqlite" list --json \
  | "$PY" -c 'import json, sys; print(sum(r["status"] == "ok" and r["sample_rate"] == 8000 for r in json.load(sys.stdin)))') \
  || die "frozen 'reelkeep list --json' failed"
[ "$probed" = 70 ] || die "the frozen scan probed $probed of 70 files"
echo "70 of 70 files probed by the frozen process pool"

say "bundle: libmpv and OpenTimelineIO (REELKEEP_BUNDLE_CHECK=1)"
run_bundle env REELKEEP_BUNDLE_CHECK=1 REELKEEP_DEBUG_MPV=1 "$BUNDLE/reelkeep" \
  || die "bundle check failed (libmpv not loaded from the bundle, or OTIO adapters missing)"

say "bundle: $(du -sh "$BUNDLE" | cut -f1) in $(find "$BUNDLE" -type f | wc -l) files"

if [ "${SKIP_DEB:-0}" = "1" ]; then
  say "SKIP_DEB=1: not building the .deb"
else
  PY="$PY" bash packaging/linux/build_deb.sh "$BUNDLE" "$want_version"
fi
say "done"
