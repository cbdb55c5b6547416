"""Robustness review 12, item 8: ``measurements.toml`` entries are checked when read. A bad entry is one line
naming the file and the entry; ``estimate`` warns with that line and estimates without the corrections,
``validate --mine`` stops on it; ``calibrate`` never stores a correction the next read would refuse."""

from __future__ import annotations

import json

import pytest

from advisor import runtime
from advisor.cli import main
from advisor.measure import store

GOOD = {"model": '"mixtral-8x7b"', "gpu": '"h100-sxm"', "gpus": "2", "precision": '"bf16"', "engine": '"trtllm"',
        "layout": '"tp"', "input_tokens": "1024", "output_tokens": "256", "concurrency": "64",
        "measured_tokens_per_s": "1000.0", "estimated_tokens_per_s": "1000.0", "ratio": "1.5", "source": '"bench.json"'}
ESTIMATE = ["estimate", "mixtral-8x7b", "h100-sxm", "--gpus", "2", "--precision", "bf16", "--engine", "trtllm",
            "--layout", "tp", "--format", "json"]


@pytest.fixture
def user_dir(isolated_user_dirs):
    d = isolated_user_dirs / "catalogs"
    d.mkdir(parents=True, exist_ok=True)
    store.forget()
    runtime.reset_cache()
    yield d
    store.forget()
    runtime.reset_cache()


def _write(d, text):
    (d / store.FILE_NAME).write_text(text, encoding="utf-8")
    store.forget()
    runtime.reset_cache()


def _entry(**changes):
    fields = {**GOOD, **changes}
    return "[[correction]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)


def _throughput(capsys):
    assert main(ESTIMATE) == 0
    out, err = capsys.readouterr()
    return json.loads(out)["output_tokens_per_s"], err


BAD = [
    (_entry(ratio='"abc"'), "ratio"),
    (_entry(ratio="1e300"), "ratio"),
    (_entry(ratio="-5"), "ratio"),
    (_entry(ratio="nan"), "ratio"),
    (_entry(ratio="0"), "ratio"),
    (_entry(gpus="1.5"), "gpus"),
    (_entry(gpus="true"), "gpus"),
    (_entry(measured_tokens_per_s="inf"), "measured_tokens_per_s"),
    (_entry(model="5"), "model"),
    (_entry(ratio=None), "ratio"),
    ("correction = 5\n", "correction"),
    ('correction = [1, 2]\n', "correction 1"),
    ('catalog = "models"\n' + _entry(), "catalog"),
]


@pytest.mark.parametrize("text, field", BAD, ids=[f"{i}-{field}" for i, (_, field) in enumerate(BAD)])
def test_a_bad_correction_is_one_line_in_validate_mine_and_a_warning_in_estimate(user_dir, capsys, text, field):
    plain, _ = _throughput(capsys)  # no measurements file yet
    _write(user_dir, _entry() + "\n" + text if text.startswith("[[") else text)
    assert main(["validate", "--mine"]) == 2
    err = capsys.readouterr().err
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line and "internal error" not in line, err
    assert str(user_dir / store.FILE_NAME) in line and field in line, line
    tput, warn = _throughput(capsys)
    assert line.removeprefix("moe-advisor: error: ") in warn  # the same problem, named the same way
    assert tput == pytest.approx(plain)  # the whole file is set aside, the good entry too


def test_a_good_correction_still_applies(user_dir, capsys):
    plain, _ = _throughput(capsys)
    _write(user_dir, _entry())
    tput, err = _throughput(capsys)
    assert "warning" not in err and tput == pytest.approx(plain * 1.5)
    assert main(["validate", "--mine"]) == 0
    assert "x1.500" in capsys.readouterr().out


def test_calibrate_refuses_to_store_a_correction_the_read_would_refuse(user_dir, capsys, monkeypatch):
    from advisor.measure import calibrate as cal_mod

    real = cal_mod.calibrate

    def absurd(*a, **k):
        import dataclasses

        c = real(*a, **k)
        return dataclasses.replace(c, correction=dataclasses.replace(c.correction, ratio=1e300))
    monkeypatch.setattr(cal_mod, "calibrate", absurd)
    result = user_dir.parent / "bench.json"
    result.write_text(json.dumps({"backend": "vllm", "model_id": "mixtral-8x7b", "date": "20261101-120000",
                                  "total_input_tokens": 1024 * 64, "total_output_tokens": 256 * 64, "completed": 64,
                                  "duration": 10.0, "output_throughput": 1638.4, "max_concurrency": 64,
                                  "mean_ttft_ms": 100.0, "mean_tpot_ms": 20.0}), encoding="utf-8")
    code = main(["calibrate", str(result), "--gpu", "h100-sxm", "--gpus", "2", "--precision", "bf16", "--engine", "trtllm", "--layout", "tp"])
    err = capsys.readouterr().err
    assert code == 2 and "ratio" in err and "bench.json" in err, err
    assert not (user_dir / store.FILE_NAME).exists()
