#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for Reelkeep: system libraries (libmpv, Xvfb, the xcb
# libraries Qt's xcb platform needs) and a .venv with the project and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
APT_PACKAGES=(
  libmpv2 xvfb xauth ffmpeg ffmpegthumbnailer imagemagick
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxcb-shape0
  libxkbcommon-x11-0 libegl1 libgl1 libgl1-mesa-dri libfontconfig1 libdbus-1-3
)

missing_apt_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$pkg"
  done
}

if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1; then
  missing=$(missing_apt_packages)
  if [ -n "$missing" ]; then
    echo "reelkeep setup: installing system packages: $missing"
    if [ "$(id -u)" = "0" ]; then
      SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo"
    else
      echo "reelkeep setup: these system packages are missing and I cannot install them without root." >&2
      echo "Run this, then run the same make command again:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
  fi
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "reelkeep setup: Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    echo "reelkeep setup: python3 -m venv failed; install python3-venv (apt-get install -y python3-venv)." >&2
    exit 1
  fi
fi
# Reinstall only when the declared dependencies changed, so `make run` stays quick.
stamp="$VENV/.reelkeep-stamp"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
