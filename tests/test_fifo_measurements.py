"""A FIFO named measurements.toml in the user catalog directory (or any non-regular file) must not hang a command:
every command reads it for the memo store's fingerprint before anything else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_measurements_file_does_not_hang_size_or_list(tmp_path):
    cat = tmp_path / "catalog"
    cat.mkdir()
    os.mkfifo(cat / "measurements.toml")
    env = {**os.environ, "MOE_ADVISOR_CATALOG_DIR": str(cat), "MOE_ADVISOR_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT), "CI": "true"}
    for argv in (["size", "llama-3.1-8b"], ["list", "models"]):
        out = subprocess.run([sys.executable, "-m", "advisor", *argv], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, (argv, out.stderr)
        assert "Traceback" not in out.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_in_place_of_the_parsed_catalog_cache_does_not_hang(tmp_path):
    from advisor.catalog import parse_cache

    cache = tmp_path / "cache"
    cache.mkdir()
    os.mkfifo(cache / parse_cache.FILE_NAME)
    env = {**os.environ, "MOE_ADVISOR_CATALOG_DIR": str(tmp_path / "catalog"), "MOE_ADVISOR_CACHE_DIR": str(cache),
           "PYTHONPATH": str(ROOT), "CI": "true"}
    out = subprocess.run([sys.executable, "-m", "advisor", "list", "models"], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
