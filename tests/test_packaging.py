"""Packaging: the source tree is the installed package, and the wheel holds only ``advisor``.

``advisor/plugins`` and ``advisor/catalogs`` are links to the top-level ``plugins/`` and ``catalogs/``
folders, so running from the repository root (which puts the source ``advisor`` first on sys.path)
finds the same catalogs and built-in plugins an installed wheel has.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _setuptools():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_plugins_and_catalogs_are_links_to_the_top_level_folders():
    for name in ("plugins", "catalogs"):
        link = ROOT / "advisor" / name
        assert link.is_symlink(), f"advisor/{name} must link to the top-level {name}/"
        assert link.resolve() == (ROOT / name).resolve()


def test_every_source_folder_is_a_package():
    """A folder of modules without ``__init__.py`` would be missing from the wheel (find includes only
    packages)."""
    for dirpath, dirnames, filenames in os.walk(ROOT / "advisor", followlinks=True):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        if any(f.endswith(".py") for f in filenames):
            assert "__init__.py" in filenames, f"{dirpath} has modules but no __init__.py"


def test_nothing_generic_is_declared():
    st = _setuptools()
    assert st["packages"]["find"]["include"] == ["advisor", "advisor.*"]
    assert "package-dir" not in st
    data = st["package-data"]["advisor"]
    assert {"catalogs/*.toml", "catalogs/*.csv", "catalogs/prices/*.toml"} <= set(data)


def test_the_source_tree_finds_its_catalogs_and_plugins_from_the_repository_root():
    code = ("from advisor import api; from advisor.prices import resolve\n"
            "print(api.size('llama-3.3-70b', 'bf16').kv_bytes_per_token)\n"
            "print(len(resolve.price_book().gpu_prices) > 0)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["327680", "True"]


def test_the_wheel_holds_only_advisor_with_its_data(tmp_path):
    """Build the real wheel (setuptools from the test extras, no network) and read its file list."""
    pytest.importorskip("setuptools")
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
                          str(ROOT)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    [wheel] = tmp_path.glob("moe_advisor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"advisor"}
    for needed in ("advisor/catalogs/models.toml", "advisor/catalogs/engine.toml", "advisor/catalogs/calibration.csv",
                   "advisor/catalogs/prices/gpu_aws.toml", "advisor/plugins/aws.py", "advisor/plugins/backends.py",
                   "advisor/tui/app.tcss", "advisor/prices/resolve.py"):
        assert needed in names, f"{needed} is missing from the wheel"
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "aws = advisor.plugins.aws" in entry_points
