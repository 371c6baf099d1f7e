"""The Performance panel: live plots of the machine and the running jobs (pyqtgraph)."""

import os

import PySide6  # noqa: F401 - imported before pyqtgraph, which then binds to the Qt already loaded

# pyqtgraph binds to the first Qt binding it finds; the app is PySide6 even when PyQt is installed too.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
