"""CLI figures as a reader takes them: the traffic peak to 2 decimals, and an estimate for a model that does not fit
says so (and by how much) instead of an equation whose KV term is 0 and whose sides differ by a terabyte."""

from __future__ import annotations

import re

from advisor import api
from advisor.cli import main


def _traffic(tmp_path, peak_hour_requests: int):
    lines = ["timestamp,requests,input_tokens,output_tokens"]
    for h in range(24):
        req = peak_hour_requests if h == 14 else 1
        lines.append(f"2026-11-01T{h:02d}:00:00Z,{req},{req * 1000},{req * 200}")
    p = tmp_path / "traffic.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_traffic_peak_is_printed_to_two_decimals(tmp_path, capsys):
    csv = _traffic(tmp_path, 3)  # peak 3 over a mean of 26/24: 2.769230...x
    assert main(["recommend", "--preset", "bursty-app", "--traffic", str(csv), "--models", "llama-3.1-8b", "--top", "1"]) in (0, 4)
    out = capsys.readouterr().out
    peak = re.search(r"hourly\s+profile \(peak ([0-9.]+)x\)", out)
    assert peak and peak[1] == f"{3 / (26 / 24):.2f}", out[:400]


def test_estimate_of_a_model_that_does_not_fit_says_by_how_much(capsys):
    e = api.estimate("kimi-k2", "h100-sxm")
    assert not e.fits
    assert main(["estimate", "kimi-k2", "h100-sxm"]) == 3
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "memory per GPU" in ln)
    assert "capacity" in line and "KV 0.0" not in line and "= weights" not in line
    f = e.fit
    over = (f.weights_bytes_per_gpu + f.reserve.total - f.capacity_bytes_per_gpu) / 1e9
    assert re.search(r"over the capacity of [0-9.]+ GB by ([0-9.,]+) (GB|TB)", line)
    assert f"{over:,.1f} GB" in line


def test_estimate_that_fits_keeps_the_equation(capsys):
    assert main(["estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "2"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "memory per GPU" in ln)
    assert re.search(r"capacity [0-9.]+ GB = weights [0-9.]+ GB \+ reserve [0-9.]+ GB \+ KV cache \(bf16\) [0-9.]+ GB", line)
