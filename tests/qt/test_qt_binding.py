"""Guards the Qt binding itself: PySide6 6.12.0's wheel leaks references to None/True on CPython 3.11
(each void call and each Signal.emit drops one) and aborts a running app with 'none_dealloc'.
pyproject.toml excludes it; this test fails if a dependency update brings such a build back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(bool)


def test_void_calls_and_emits_keep_singleton_refcounts(qapp) -> None:
    emitter = _Emitter()
    emitter.fired.connect(lambda _value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        emitter.setObjectName("probe")
        emitter.fired.emit(True)
        qapp.processEvents()
    # other threads may move the counts a little; a leak moves them by 500 or more
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100
