"""The one-way dependency rule of STYLE.md, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
DOMAIN = {"core", "catalog", "media", "interchange", "ingest", "archive", "versioning", "streaming", "tape", "monitor",
          "farm"}
# What each layer may import from app.* (besides itself); Qt bindings allowed per layer below.
ALLOWED = {
    "core": {"core"},
    **{layer: DOMAIN for layer in DOMAIN - {"core"}},
    "jobs": DOMAIN | {"jobs"},
    "services": DOMAIN | {"jobs", "services"},
    "ui": DOMAIN | {"jobs", "services", "ui"},
}
QT_ALLOWED = {"jobs": {"QtCore"}, "services": {"QtCore"}, "ui": {"QtCore", "QtGui", "QtWidgets", "QtOpenGLWidgets", "QtOpenGL"}}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names if node.module == "PySide6")
    return names


def _violations(app_dir: Path = APP) -> list[str]:
    found = []
    for path in sorted(app_dir.rglob("*.py")):
        parts = path.relative_to(app_dir).parts
        layer = parts[0] if len(parts) > 1 else None
        if layer not in ALLOWED:
            continue  # top-level modules (bootstrap, cli, __main__, selftest) wire everything
        for name in _imports(path):
            if name.startswith("app."):
                target = name.split(".")[1]
                if target not in ALLOWED[layer]:
                    found.append(f"{path.relative_to(app_dir.parent)}: {layer} imports app.{target}")
            elif name.startswith(("PySide6", "shiboken6", "mpv")):
                module = name.split(".")[1] if name.count(".") else ""
                qt_ok = QT_ALLOWED.get(layer, set())
                if name.startswith("mpv") and layer not in ("services", "ui"):
                    found.append(f"{path.relative_to(app_dir.parent)}: {layer} imports mpv")
                elif name.startswith("PySide6") and module and module not in qt_ok:
                    found.append(f"{path.relative_to(app_dir.parent)}: {layer} imports {name}")
    return found


def test_layers_import_only_downwards() -> None:
    assert _violations() == []


def test_the_rule_catches_a_wrong_import(tmp_path) -> None:
    fake = tmp_path / "app"
    (fake / "core").mkdir(parents=True)
    (fake / "services").mkdir()
    (fake / "core" / "bad.py").write_text("from PySide6.QtWidgets import QWidget\nimport app.ui.main_window\n")
    (fake / "services" / "ok.py").write_text("from PySide6.QtCore import QObject\nfrom app.catalog import db\n")
    problems = _violations(fake)
    assert any("core imports PySide6.QtWidgets" in p for p in problems)
    assert any("core imports app.ui" in p for p in problems)
    assert not any("services" in p for p in problems)
