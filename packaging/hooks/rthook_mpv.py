"""PyInstaller runtime hook: make python-mpv load the libmpv bundled with the frozen app.

Runs before any application code. python-mpv 1.0.8 loads libmpv at import time with
    sofile = ctypes.util.find_library('mpv'); backend = CDLL(sofile)          (Linux/macOS)
    dll = ctypes.util.find_library('mpv-2.dll') ... CDLL(dll, flags)           (Windows)
On Linux find_library() consults ldconfig/gcc/ld only, so it never sees the bundle and returns the bare
soname of a *system* libmpv (or None where libmpv is not installed). Wrapping find_library so that these
names resolve to the absolute path of the bundled copy makes CDLL() open exactly that file, with ctypes'
default RTLD_LOCAL mode: libmpv's FFmpeg symbols stay out of the global namespace, away from PyAV's own
FFmpeg. (Preloading with RTLD_GLOBAL would also work on glibc, which matches the later bare-soname dlopen
against the already loaded object, but it exports libmpv's symbols to everything loaded afterwards.)
libmpv's own dependencies are found in the bundle because the PyInstaller bootloader starts the app with
the bundle directory first on LD_LIBRARY_PATH.

REELKEEP_DEBUG_MPV=1 prints the path handed to python-mpv and, at exit, every libmpv file mapped into the
process (from /proc/self/maps), so one can check that the bundled copy, not a system one, was loaded.
"""

import ctypes.util
import os
import sys

# libmpv refuses to create a handle unless the numeric locale is "C" (it parses floats with strtod).
# Qt's QApplication calls setlocale(LC_ALL, "") from the environment, so fix the environment too.
os.environ["LC_NUMERIC"] = "C"

_DEBUG = os.environ.get("REELKEEP_DEBUG_MPV", "") not in ("", "0")
_BUNDLE = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))

if sys.platform.startswith("win"):
    _CANDIDATES = ("mpv-2.dll", "libmpv-2.dll", "mpv-1.dll")
    _NAMES = {"mpv", "mpv-1.dll", "mpv-2.dll", "libmpv-2.dll"}
elif sys.platform == "darwin":
    _CANDIDATES = ("libmpv.2.dylib", "libmpv.dylib")
    _NAMES = {"mpv", "libmpv"}
else:
    _CANDIDATES = ("libmpv.so.2", "libmpv.so.1", "libmpv.so")
    _NAMES = {"mpv", "libmpv"}


def _bundled_libmpv():
    for name in _CANDIDATES:
        path = os.path.join(_BUNDLE, name)
        if os.path.isfile(path):
            return path
    return None


def _debug(message):
    if _DEBUG:
        print(f"[reelkeep] {message}", file=sys.stderr, flush=True)


_LIBMPV = _bundled_libmpv()
_original_find_library = ctypes.util.find_library


def _find_library(name):
    if _LIBMPV is not None and name in _NAMES:
        _debug(f"find_library({name!r}) -> bundled {_LIBMPV}")
        return _LIBMPV
    result = _original_find_library(name)
    if name in _NAMES:
        _debug(f"find_library({name!r}) -> {result!r} (no bundled libmpv in {_BUNDLE})")
    return result


ctypes.util.find_library = _find_library

if _DEBUG:
    import atexit

    def _report_mapped_libmpv():
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                paths = sorted({line.split(None, 5)[-1].strip() for line in maps
                                if "libmpv" in line and "/" in line})
        except OSError:
            return
        for path in paths or ["(libmpv is not loaded in this process)"]:
            _debug(f"mapped at exit: {path}")

    atexit.register(_report_mapped_libmpv)
