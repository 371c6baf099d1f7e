#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for Reelkeep: system libraries (libmpv, Xvfb, the xcb
# libraries Qt's xcb platform needs, the venv module Debian ships apart from Python) and a .venv with the
# project and its test tools.
#   scripts/setup.sh            install what is missing
#   scripts/setup.sh --dry-run  only print what would be installed or remade
#   scripts/setup.sh --tests    also what only the tests need (`make test`): PostgreSQL's server programs, Firefox
set -euo pipefail
cd "$(dirname "$0")/.."

DRY_RUN=0
WITH_TESTS=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --tests) WITH_TESTS=1 ;;
  esac
done

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
APT_PACKAGES=(
  libmpv2 xvfb xauth ffmpeg ffmpegthumbnailer imagemagick
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxcb-shape0
  libxkbcommon-x11-0 libegl1 libgl1 libgl1-mesa-dri libfontconfig1 libdbus-1-3
  xfsprogs  # the tests prove archive checkouts are copy-on-write clones on a real XFS image
  chromium chromium-driver fonts-liberation  # the web client is tested in a real browser (headless, driven by Selenium)
  fonts-dejavu-core  # PDF reports embed DejaVu Sans: Greek and Cyrillic file names too (reportlab's own fonts are Latin-1)
)
# Only for `make test` (`make run` stays lean: the app itself needs only psycopg's own client library).
TEST_APT_PACKAGES=(
  postgresql  # the catalog tests run on a real PostgreSQL too: each test process starts a private cluster (initdb)
  firefox-esr  # the web client's own HLS loader is tested in Firefox, which has no HLS (Ubuntu: firefox)
)

say() { echo "reelkeep setup: $*"; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  say "no $PYTHON on this machine; install Python 3.11 or newer (apt-get install -y python3)." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
PY_VERSION=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

# Debian and Ubuntu ship ensurepip (which `python3 -m venv` needs) in python3.X-venv, not with Python itself.
python_lacks_venv() { ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; }

venv_package() {
  if apt-cache show "python$PY_VERSION-venv" >/dev/null 2>&1; then
    echo "python$PY_VERSION-venv"
  else
    echo "python3-venv"
  fi
}

missing_apt_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$pkg"
  done
}

if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1; then
  wanted=("${APT_PACKAGES[@]}")
  [ "$WITH_TESTS" = 1 ] && wanted+=("${TEST_APT_PACKAGES[@]}")
  python_lacks_venv && wanted+=("$(venv_package)")
  missing=$(missing_apt_packages "${wanted[@]}")
  if [ "$DRY_RUN" = 1 ]; then
    say "system packages needed: ${wanted[*]}"
    say "would install: ${missing:-nothing}"
  elif [ -n "$missing" ]; then
    say "installing system packages: $missing"
    if [ "$(id -u)" = "0" ]; then
      SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo"
    else
      say "these system packages are missing and I cannot install them without root." >&2
      echo "Run this, then run the same make command again:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The tests start their own throwaway clusters: no system-wide server (and its port) from the package.
    # (createcluster.d, not the package's own conffile createcluster.conf, which dpkg would ask about.)
    if [[ " $missing " == *" postgresql "* ]]; then
      $SUDO mkdir -p /etc/postgresql-common/createcluster.d
      echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/reelkeep.conf >/dev/null
    fi
    $SUDO apt-get update -qq
    # The package lists were empty before the update on a fresh machine: name the venv package again now.
    python_lacks_venv && missing="${missing/python3-venv/$(venv_package)}"
    # Debian ships Firefox as firefox-esr, Ubuntu as firefox.
    if [[ " $missing " == *" firefox-esr "* ]] && ! apt-cache show firefox-esr >/dev/null 2>&1; then
      missing="${missing/firefox-esr/firefox}"
    fi
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
  fi
fi

# A venv counts only when its Python runs and has pip: an earlier `python3 -m venv` that failed half way
# (no ensurepip) leaves bin/python without pip, and every later run would fail on it.
venv_is_whole() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; }

if ! venv_is_whole; then
  if [ "$DRY_RUN" = 1 ]; then
    if [ -e "$VENV" ]; then
      say "would remove the half-made virtual environment $VENV (it has no working pip) and make it again"
    else
      say "would make the virtual environment $VENV"
    fi
  else
    [ -e "$VENV" ] && say "removing the half-made virtual environment $VENV (it has no working pip)"
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV"; then
      rm -rf "$VENV"
      if python_lacks_venv; then
        say "$PYTHON -m venv failed: this Python has no ensurepip; install python$PY_VERSION-venv" \
          "(apt-get install -y python$PY_VERSION-venv) or use a Python that has it (PYTHON=/path/to/python3)." >&2
      else
        say "$PYTHON -m venv $VENV failed (see above)." >&2
      fi
      exit 1
    fi
  fi
fi
[ "$DRY_RUN" = 1 ] && exit 0

# Reinstall only when the declared dependencies changed, so `make run` stays quick. The stamp is written last,
# so an install cut short is redone next time.
stamp="$VENV/.reelkeep-stamp"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
