"""Hostile and careless files (issue 15): every TOML a user supplies goes through one bounded reader;
a bad file or entry is one line naming it, and the rest of the catalog still loads and ranks."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

import pytest

from advisor import api, runtime
from advisor.catalog.load import load_catalog
from advisor.cli import main
from advisor.common import tomlio
from advisor.domain.workload_file import load_workload
from advisor.errors import InputError
from advisor.reports import ReportError, load_report

NESTED = "x = " + "[" * 500 + "]" * 500 + "\n"
HEADER = 'catalog = "models"\nschema_version = 1\n'


@pytest.fixture
def user_dir(isolated_user_dirs):
    d = isolated_user_dirs / "catalogs"
    d.mkdir(parents=True, exist_ok=True)
    runtime.reset_cache()
    yield d
    runtime.reset_cache()


def _one_line_naming(err: str, name: str) -> None:
    lines = [line for line in err.splitlines() if name in line]
    assert lines, err
    assert all("Traceback" not in line and "internal error" not in line for line in err.splitlines()), err


# --------------------------------------------------------------------------- H1: non-UTF-8 catalog file

def test_h1_non_utf8_user_catalog_names_the_file_and_the_rest_ranks(user_dir, capsys):
    (user_dir / "mine.toml").write_bytes(HEADER.encode() + b"# caf\xe9\n")
    assert main(["list", "models"]) == 0
    out, err = capsys.readouterr()
    _one_line_naming(err, "mine.toml")
    assert "not a UTF-8 text file" in err and "line 3" in err and "llama-3.3-70b" in out
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates and [n for n in rec.notes if "mine.toml" in n and "UTF-8" in n]


# --------------------------------------------------------------------------- M1: nesting

def test_m1_deeply_nested_catalog_is_one_problem_not_a_recursion_error(user_dir, capsys):
    (user_dir / "nest.toml").write_text(HEADER + NESTED)
    cat = runtime.default_catalog()
    [p] = [p for p in cat.problems if "nest.toml" in str(p)]
    assert "nested deeper" in str(p) and cat.models
    assert main(["list", "models"]) == 0
    _one_line_naming(capsys.readouterr().err, "nest.toml")


def test_m1_deeply_nested_workload_and_report_name_the_file(tmp_path):
    w = tmp_path / "w.toml"
    w.write_text("[workload]\n" + NESTED)
    with pytest.raises(InputError, match="w.toml.*nested deeper"):
        load_workload(w)
    r = tmp_path / "r.toml"
    r.write_text(NESTED)
    with pytest.raises(ReportError, match="r.toml.*nested deeper"):
        load_report(r)
    inline = "x = " + "{a = " * 300 + "1" + "}" * 300
    with pytest.raises(tomlio.TomlFileError, match="nested deeper"):
        tomlio.loads(inline, "inline.toml")


# --------------------------------------------------------------------------- Low: reads without a limit

def test_reads_refuse_fifos_devices_and_oversized_files(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    done = []
    t = threading.Thread(target=lambda: done.append(pytest.raises(tomlio.TomlFileError, tomlio.load, fifo)), daemon=True)
    t.start()
    t.join(5)
    assert done, "reading a FIFO blocked"
    with pytest.raises(InputError, match="not a regular file"):
        load_workload(fifo)
    if Path("/dev/zero").exists():
        with pytest.raises(ReportError, match="not a regular file"):
            load_report("/dev/zero")
    monkeypatch.setenv(tomlio.MAX_BYTES_ENV, "1000")
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 2000 + "\n")
    with pytest.raises(InputError, match="too large"):
        load_workload(big)


def test_fifo_in_the_user_catalog_dir_is_skipped_not_hung(user_dir):
    os.mkfifo(user_dir / "pipe.toml")
    cat = load_catalog(user=user_dir)  # rglob(*.toml) + is_file(): never opened
    assert cat.models


# --------------------------------------------------------------------------- Low: BOM, workload shape

def test_utf8_bom_workload_is_accepted(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf[workload]\nrequests_per_day = 1234\n")
    assert load_workload(p).requests_per_day == 1234


def test_tokens_per_day_together_with_requests_per_day_is_an_error(tmp_path):
    p = tmp_path / "w.toml"
    p.write_text("requests_per_day = 1000\ntokens_per_day = 5000000\n")
    with pytest.raises(InputError, match="tokens_per_day.*requests_per_day"):
        load_workload(p)
    p.write_text("tokens_per_day = 5000000\n")
    assert load_workload(p).requests_per_day > 0


def test_top_level_keys_beside_a_workload_table_are_an_error(tmp_path):
    p = tmp_path / "w.toml"
    p.write_text("requests_per_day = 99\n[workload]\ninput_tokens = 100\n")
    with pytest.raises(InputError, match="requests_per_day.*outside the \\[workload\\] table"):
        load_workload(p)


# --------------------------------------------------------------------------- M6 and validator gaps

PRICE = '''catalog = "gpu_prices"
schema_version = 1
provider = "me"
[[prices]]
gpu = "h100-sxm"
usd_per_gpu_hour = "{usd}"
pricing = "{pricing}"
source = "x"
as_of = "{as_of}"
'''


@pytest.mark.parametrize("usd,pricing,as_of,expect", [
    ("1e999999999", "on-demand", "2026-11-01", "usd_per_gpu_hour': out of range"),
    ("1e-999999", "on-demand", "2026-11-01", "usd_per_gpu_hour': out of range"),
    ("2.00", "free-lunch", "2026-11-01", "pricing': must be one of"),
    ("2.00", "on-demand", "yesterday", "as_of': must be an ISO date"),
    ("2.00", "on-demand", "3000-01-01", "as_of': is in the future"),
])
def test_m6_and_price_validator_gaps_name_the_entry_and_the_rest_ranks(user_dir, usd, pricing, as_of, expect):
    (user_dir / "gpu_mine.toml").write_text(PRICE.format(usd=usd, pricing=pricing, as_of=as_of))
    cat = runtime.default_catalog()
    msgs = [str(p) for p in cat.problems if "gpu_mine.toml" in str(p)]
    assert len(msgs) == 1 and expect in msgs[0] and "prices[0]" in msgs[0], msgs
    rec = api.recommend(api.preset("steady-latency"))
    assert rec.candidates and any(c.gpu == "h100-sxm" for c in rec.candidates)


@pytest.mark.parametrize("kind,body,expect", [
    ("quality", '[quality.mixtral-8x7b]\nbenchmark = "MMLU-Pro"\nscore = -5\nsource = "x"\nas_of = "2026-01-01"\n', "must not be negative"),
    ("quality", '[quality.mixtral-8x7b]\nbenchmark = "MMLU-Pro"\nscore = 1e308\nsource = "x"\nas_of = "2026-01-01"\n', "out of range"),
    ("gpus", '[gpus.big]\nname = "x"\nvendor = "nvidia"\nmemory_gib = 1e300\nhbm_tbps = 3.0\nbf16_tflops = 900.0\n'
             'interconnect = "x"\ninterconnect_gbps = 400.0\nsource = "x"\nas_of = "2026-01-01"\n', "out of range"),
])
def test_out_of_range_catalog_numbers_are_refused(user_dir, kind, body, expect):
    (user_dir / "mine.toml").write_text(f'catalog = "{kind}"\nschema_version = 1\n{body}')
    msgs = [str(p) for p in load_catalog(user=user_dir).problems if "mine.toml" in str(p)]
    assert len(msgs) == 1 and expect in msgs[0], msgs


def test_duplicate_id_across_user_files_is_reported(user_dir):
    q = '[quality.mixtral-8x7b]\nbenchmark = "MMLU-Pro"\nscore = {s}\nsource = "x"\nas_of = "2026-01-01"\n'
    (user_dir / "a.toml").write_text('catalog = "quality"\nschema_version = 1\n' + q.format(s=10))
    (user_dir / "b.toml").write_text('catalog = "quality"\nschema_version = 1\n' + q.format(s=20))
    cat = load_catalog(user=user_dir)
    [msg] = [str(p) for p in cat.problems if "also defined" in str(p)]
    assert "a.toml" in msg and "b.toml" in msg and "mixtral-8x7b" in msg
    assert cat.quality["mixtral-8x7b"].score == 20


# --------------------------------------------------------------------------- M5: engine overrides

@pytest.mark.parametrize("body", [
    "[factors]\neff_bw = 0", "[engines.trtllm.factors]\nengine_speed = 0", '[factors]\neff_bw = "abc"',
    "[memory]\nfixed_overhead_gib = 1e300", "factors = 5", "[factors]\nstep_overhead_us = -1e6", "[factors]\neff_bw = nan",
    "[factors]\nstep_overhead_us = 1e300", "[engines.trtllm.factors]\nengine_speed = 1e300", "[per_gpu.h100-sxm]\neff_decode = 1e300",
])
def test_m5_bad_engine_override_is_one_line_and_the_bundled_profile_is_used(user_dir, capsys, body):
    (user_dir / "engine.toml").write_text(f'catalog = "engine"\nschema_version = 1\n{body}\n')
    assert main(["estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "2", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    [line] = [line for line in err.splitlines() if "engine.toml" in line]
    assert "bundled engine profile is used" in line
    import json

    e = json.loads(out)
    assert 0 < e["output_tokens_per_s"] < 1e6 and 0 < e["ttft_ms"] < 1e7 and e["tpot_ms"] > 0


# --------------------------------------------------------------------------- bounded fuzz

def test_fuzz_mutated_catalog_files_never_crash_the_loader(user_dir, tmp_path):
    """200 random byte mutations of a real catalog file: the loader reports, never raises."""
    catalogs = Path(__file__).resolve().parents[1] / "catalogs"
    seed = (catalogs / "gpus.toml").read_bytes()[:3000]
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    for name in ("engine.toml", "gpus.toml"):
        (bundled / name).write_bytes((catalogs / name).read_bytes())
    rng = random.Random(15)
    for i in range(200):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 8)):
            op = rng.random()
            pos = rng.randrange(len(data))
            if op < 0.4:
                data[pos] = rng.randrange(256)
            elif op < 0.7:
                data[pos:pos] = rng.choice([b"[", b"{", b"\xff", b"\x00", b"1e999", b'"', b"\n[x]\n", b"nan"]) * rng.randint(1, 300)
            else:
                del data[pos:pos + rng.randint(1, 50)]
        (user_dir / "fuzz.toml").write_bytes(bytes(data))
        cat = load_catalog(bundled=bundled, user=user_dir)
        assert cat.gpus, i
