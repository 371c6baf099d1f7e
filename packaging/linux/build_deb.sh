#!/usr/bin/env bash
# Packs the PyInstaller bundle into dist/reelkeep_<version>_<arch>.deb:
#   /opt/reelkeep/                     the one-folder bundle (reelkeep + _internal/)
#   /usr/bin/reelkeep                  -> /opt/reelkeep/reelkeep
#   /usr/share/applications/reelkeep.desktop, /usr/share/metainfo/org.reelkeep.Reelkeep.metainfo.xml
#   /usr/share/icons/hicolor/{scalable,48x48,128x128,256x256}/apps/reelkeep.{svg,png}
# Depends is computed by dpkg-shlibdeps from the libraries the bundle needs but does not carry (glibc,
# libstdc++, the GL/EGL/GBM/DRM driver stack, libxcb, libwayland); see packaging/README.md.
# Usage: packaging/linux/build_deb.sh [BUNDLE_DIR] [VERSION]   (PY: a Python with PySide6, for the PNG icons)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUNDLE=$(realpath "${1:-dist/reelkeep}")
PY=${PY:-${VENV:-.venv}/bin/python}
VERSION=${2:-$("$PY" -c 'import app; print(app.__version__)')}
ARCH=$(dpkg --print-architecture)
RES=$ROOT/resources/linux
STAGE_PARENT=$ROOT/build/deb
STAGE=$STAGE_PARENT/reelkeep_${VERSION}_${ARCH}
OUT=$ROOT/dist/reelkeep_${VERSION}_${ARCH}.deb

die() { printf 'build_deb: FAILED: %s\n' "$*" >&2; exit 1; }
[ -x "$BUNDLE/reelkeep" ] || die "no bundle at $BUNDLE (run packaging/build.sh first)"
for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev)"
done

echo "build_deb: staging $STAGE"
umask 022
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/metainfo" "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/reelkeep"
cp -a "$BUNDLE" "$STAGE/opt/reelkeep"
ln -s /opt/reelkeep/reelkeep "$STAGE/usr/bin/reelkeep"
install -m 644 "$RES/reelkeep.desktop" "$STAGE/usr/share/applications/reelkeep.desktop"
install -m 644 "$RES/org.reelkeep.Reelkeep.metainfo.xml" "$STAGE/usr/share/metainfo/"
install -m 644 "$RES/reelkeep.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/reelkeep.svg"
for size in 48 128 256; do  # PNGs for menus/docks that do not render SVG, drawn from the SVG with Qt
  mkdir -p "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
done
QT_QPA_PLATFORM=offscreen "$PY" - "$RES/reelkeep.svg" "$STAGE/usr/share/icons/hicolor" <<'EOF' \
  || die "could not render the PNG icons (PySide6 QtSvg)"
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(sys.argv[:1])
renderer = QSvgRenderer(sys.argv[1])
assert renderer.isValid(), sys.argv[1]
for size in (48, 128, 256):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert image.save(f"{sys.argv[2]}/{size}x{size}/apps/reelkeep.png"), size
EOF
cat > "$STAGE/usr/share/doc/reelkeep/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: reelkeep
Comment: /opt/reelkeep/_internal bundles third-party components (CPython, Qt/PySide6 under LGPLv3,
 FFmpeg via PyAV, libmpv and its libraries from Debian, OpenTimelineIO, NumPy, ...) under their own licenses.

Files: *
License: proprietary
EOF
chmod -R u+rwX,go+rX,go-w "$STAGE"

# --- Depends: what the bundle links against but does not contain -----------------------------------------
# 1. Resolve every bundled ELF file's DT_NEEDED libraries the way the frozen app runs (the bootloader puts
#    _internal/ first on LD_LIBRARY_PATH; deeper directories are reached through $ORIGIN rpaths) and keep
#    what resolves outside the bundle: glibc, libstdc++/libgcc_s, the GL/EGL/GBM/DRM stack, libxcb, libwayland.
# 2. dpkg-shlibdeps computes versioned dependencies, but it also credits bundled libraries to the system
#    packages that carry the same soname, so keep only its relations on the packages found in step 1.
echo "build_deb: computing Depends"
SHLIB=$(mktemp -d)
trap 'rm -rf "$SHLIB"' EXIT
INTERNAL=$STAGE/opt/reelkeep/_internal
mapfile -t elfs < <(find "$STAGE/opt/reelkeep" -type f -print0 \
  | xargs -0 file -N --mime-type | sed -n 's/: *application\/x-\(sharedlib\|executable\|pie-executable\)$//p')
[ "${#elfs[@]}" -gt 10 ] || die "found only ${#elfs[@]} ELF files in the bundle"
for elf in "${elfs[@]}"; do
  LD_LIBRARY_PATH=$INTERNAL ldd "$elf" 2>/dev/null | sed "s|^|$elf |" || true
done > "$SHLIB/ldd.txt"
awk '$3 == "=>" && $4 ~ /^\// {print $4}' "$SHLIB/ldd.txt" | { grep -v "^$STAGE/" || true; } | sort -u \
  > "$SHLIB/external.txt"
if awk '$3 == "=>" && $4 == "not"' "$SHLIB/ldd.txt" | grep -q .; then
  echo "build_deb: libraries found neither in the bundle nor on this machine (these files could not load):" >&2
  awk '$3 == "=>" && $4 == "not" {print "  " $2 " needed by " $1}' "$SHLIB/ldd.txt" | sed "s|$STAGE||" | sort -u >&2
  die "install them on the build machine (scripts/setup.sh lists Qt's xcb libraries) and rebuild"
fi
: > "$SHLIB/packages.txt"
while read -r lib; do
  pkg=""
  for candidate in "$lib" "$(realpath "$lib")" "${lib#/usr}" "/usr$lib"; do
    pkg=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$pkg" ] && break
  done
  [ -n "$pkg" ] || die "$lib (needed by the bundle) belongs to no Debian package"
  echo "$pkg" >> "$SHLIB/packages.txt"
  echo "build_deb:   from the system: $lib ($pkg)"
done < "$SHLIB/external.txt"
mapfile -t external_packages < <(sort -u "$SHLIB/packages.txt")
[ "${#external_packages[@]}" -gt 0 ] || die "found no system library the bundle needs (ldd failed?)"

mkdir -p "$SHLIB/debian"
printf 'Source: reelkeep\n\nPackage: reelkeep\nArchitecture: any\n' > "$SHLIB/debian/control"
mapfile -t libdirs < <(printf '%s\n' "${elfs[@]}" | xargs -n1 dirname | sort -u)
(cd "$SHLIB" && dpkg-shlibdeps -O --ignore-missing-info --warnings=0 "${libdirs[@]/#/-l}" "${elfs[@]}") \
  > "$SHLIB/substvars" || die "dpkg-shlibdeps failed"
depends=$("$PY" packaging/linux/filter_depends.py "$SHLIB/substvars" "${external_packages[@]}") \
  || die "could not compute Depends"
# Qt's xcb/wayland platforms also dlopen() libEGL/libGL; name them even if no bundled file links them.
for extra in libgl1 libegl1; do
  [[ ", $depends," == *", $extra"[\ ,]* ]] || depends="$depends, $extra"
done
recommends="libgl1-mesa-dri, fontconfig, fonts-dejavu-core"

installed_kb=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<EOF
Package: reelkeep
Version: $VERSION
Architecture: $ARCH
Maintainer: Reelkeep developers <dev@reelkeep.invalid>
Installed-Size: $installed_kb
Depends: $depends
Recommends: $recommends
Section: video
Priority: optional
Description: desktop media manager for film/video productions and collectors
 Reelkeep catalogs video and audio files (technical metadata, timecode, tags,
 ratings), searches them and plays them with libmpv.
 .
 This package is self-contained: Python, Qt (PySide6), FFmpeg (PyAV), libmpv
 and their libraries are bundled under /opt/reelkeep.
EOF
echo "build_deb: Depends: $depends"

mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
dpkg-deb --build --root-owner-group -Zxz "$STAGE" "$OUT" || die "dpkg-deb failed"
rm -rf "$STAGE_PARENT"
echo "build_deb: wrote $OUT ($(du -h "$OUT" | cut -f1))"
