"""CLI behaviour: JSON field names (a contract), one-line errors, import cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from advisor.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_size_json_has_the_contract_fields(capsys):
    code, out, _ = run(capsys, "size", "llama-3.3-70b", "--format", "json", "--context", "1000")
    data = json.loads(out)
    assert code == 0
    for key in ("total_params", "active_params", "weights_bytes", "kv_bytes_per_token", "kv_bytes_for_context"):
        assert key in data
    assert data["kv_bytes_per_token"] == 327_680
    assert data["kv_bytes_for_context"] == 327_680_000


def test_estimate_json_has_the_contract_fields(capsys):
    code, out, _ = run(capsys, "estimate", "mixtral-8x7b", "h100-sxm", "--gpus", "2", "--precision", "fp8", "--format", "json")
    data = json.loads(out)
    assert code == 0
    for key in ("fits", "max_concurrency", "output_tokens_per_s", "ttft_ms", "tpot_ms", "batch", "total_params", "active_params"):
        assert key in data
    assert data["fits"] is True and data["output_tokens_per_s"] > 0


def test_estimate_table_says_does_not_fit(capsys):
    code, out, _ = run(capsys, "estimate", "llama-4-maverick", "h100-sxm", "--gpus", "4", "--precision", "fp8")
    assert code == 3 and "DOES NOT FIT" in out and "GB per GPU" in out


def test_unknown_model_is_one_line_with_close_matches(capsys):
    code, out, err = run(capsys, "size", "mixtral-8x8b")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "mixtral-8x7b" in err and "Traceback" not in err


def test_validate_prints_summary(capsys):
    code, out, _ = run(capsys, "validate")
    assert code == 0 and "median |error|" in out and "90th percentile" in out


@pytest.mark.parametrize("module", [
    "advisor.api", "advisor.catalog", "advisor.physics.sizing", "advisor.physics.performance", "advisor.physics.calibration", "advisor.cli",
])
def test_headless_modules_never_import_textual_or_httpx(module):
    code = f"import sys, {module}; bad = [m for m in ('textual', 'httpx', 'rich') if m in sys.modules]; print(bad); sys.exit(bool(bad))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_help_does_not_import_textual():
    code = ("import sys\nfrom advisor.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "sys.exit(1 if 'textual' in sys.modules or 'httpx' in sys.modules else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and "moe-advisor" in proc.stdout


def test_size_and_estimate_default_to_the_published_checkpoint_precision(capsys):
    code, out, _ = run(capsys, "estimate", "gpt-oss-120b", "h100-sxm")  # the MXFP4 checkpoint fits one H100; bf16 does not
    assert code == 0 and "mxfp4-experts weights (the published checkpoint's" in out and "DOES NOT FIT" not in out
    code, out, _ = run(capsys, "size", "deepseek-v3", "--format", "json")
    assert code == 0 and json.loads(out)["precision"] == "fp8"
    code, out, _ = run(capsys, "estimate", "gpt-oss-120b", "h100-sxm", "--precision", "bf16")  # given, it is kept
    assert code == 3 and "bf16 weights," in out and "published checkpoint" not in out


def test_the_python_api_defaults_to_the_published_checkpoint_too():
    from advisor import api

    assert api.size("deepseek-v3").precision == "fp8" and api.size("llama-3.3-70b").precision == "bf16"
    e = api.estimate("gpt-oss-120b", "h100-sxm")
    assert e.precision == "mxfp4-experts" and e.fits
    assert not api.estimate("gpt-oss-120b", "h100-sxm", precision="bf16").fits  # given, it is kept
