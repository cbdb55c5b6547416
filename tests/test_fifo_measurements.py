"""A FIFO where the advisor reads a file at start-up (measurements.toml in the user catalog directory, the parsed-catalog
cache) must not hang a command: both are read before anything else, by every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOE_ADVISOR_CATALOG_DIR": str(tmp_path / "catalog"), "MOE_ADVISOR_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT), "CI": "true"}
    return subprocess.run([sys.executable, "-m", "advisor", *argv], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)


def test_a_fifo_measurements_file_does_not_hang_size_or_list(tmp_path):
    (tmp_path / "catalog").mkdir()
    os.mkfifo(tmp_path / "catalog" / "measurements.toml")
    for argv in (["size", "llama-3.1-8b"], ["list", "models"]):
        out = _run(tmp_path, *argv)
        assert out.returncode == 0 and "Traceback" not in out.stderr, (argv, out.stderr)


def test_a_fifo_in_place_of_the_parsed_catalog_cache_does_not_hang(tmp_path):
    from advisor.catalog import parse_cache

    (tmp_path / "cache").mkdir()
    os.mkfifo(tmp_path / "cache" / parse_cache.FILE_NAME)
    out = _run(tmp_path, "list", "models")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
