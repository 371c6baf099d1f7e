"""scripts/setup.sh on a fresh Debian: the venv module Debian ships apart from Python, and half-made venvs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "scripts" / "setup.sh"
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin") or sys.executable


def _dry_run(tmp_path: Path, **env: str) -> str:
    full_env = {**os.environ, "PYTHON": SYSTEM_PYTHON, "VENV": str(tmp_path / "venv"), **env}
    result = subprocess.run(["bash", str(SETUP), "--dry-run"], env=full_env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _needed(output: str) -> list[str]:
    line = next(x for x in output.splitlines() if "system packages needed:" in x)
    return line.split(":", 1)[1].split()


def test_a_python_without_ensurepip_gets_the_venv_package(tmp_path: Path) -> None:
    # Debian's python3 without python3.X-venv: `import ensurepip` fails, so `python3 -m venv` cannot work.
    hidden = tmp_path / "hide"
    (hidden / "ensurepip").mkdir(parents=True)
    (hidden / "ensurepip" / "__init__.py").write_text("raise ImportError('not installed')\n")
    needed = _needed(_dry_run(tmp_path, PYTHONPATH=str(hidden)))
    version = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert {f"python{version}-venv", "python3-venv"} & set(needed)
    assert "libmpv2" in needed


def test_a_python_with_ensurepip_needs_no_venv_package(tmp_path: Path) -> None:
    needed = _needed(_dry_run(tmp_path))
    assert not [p for p in needed if p.endswith("-venv")]


def test_a_half_made_venv_is_remade(tmp_path: Path) -> None:
    # What a failed `python3 -m venv` leaves behind: bin/python without pip.
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True, timeout=60)
    out = _dry_run(tmp_path)
    assert "would remove the half-made virtual environment" in out


def test_the_test_server_is_installed_for_make_test_only(tmp_path: Path) -> None:
    # `make run` stays lean: PostgreSQL's server programs are for the tests' throwaway clusters
    assert "postgresql" not in _needed(_dry_run(tmp_path))
    full_env = {**os.environ, "PYTHON": SYSTEM_PYTHON, "VENV": str(tmp_path / "venv")}
    result = subprocess.run(["bash", str(SETUP), "--dry-run", "--tests"], env=full_env, capture_output=True,
                            text=True, timeout=60, check=True)
    assert "postgresql" in _needed(result.stdout)
    makefile = (ROOT / "Makefile").read_text()
    assert "test: setup-tests" in makefile and "setup.sh --tests" in makefile
