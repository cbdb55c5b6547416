"""Review 3, findings 11 and 12: figures as a reader checks them: a peak rate rounded up, never down to
"1 requests/min"; billions written as billions; an engine without dense calibration rows called uncalibrated, not
"reach 0 concurrent requests"; `report diff` names the prices that came and went and keeps another provider's
deployment apart."""

from __future__ import annotations

import json

from advisor import api
from advisor.cli import main
from advisor.common import fmt


def _json(capsys, *argv) -> dict:
    main(list(argv))
    return json.loads(capsys.readouterr().out)


def _messages(data: dict, code: str) -> list[str]:
    """The reasons ``code`` of the rows without a reasoning mode (whose tokens a request are the workload's)."""
    return [r["message"] for c in data["candidates"] if not c.get("mode") for r in c["reasons"] if r["code"] == code]


def test_rates_are_rounded_up_with_their_grammar():
    assert fmt.rate(2000 / 1440, "request") == "1.39 requests/min"  # 1.3889: up, never down to 1
    assert fmt.rate(1.0, "request") == "1 request/min"
    assert fmt.rate(1.0000000001, "request") == "1 request/min"  # float noise is not a rate above 1
    assert fmt.rate(1805.6, "token") == "1,806 tokens/min"
    assert fmt.rate(0.02314, "request") == "0.0232 requests/min"


def test_a_2000_requests_a_day_api_row_checks_the_real_peak_rate(capsys):
    data = _json(capsys, "recommend", "--requests-per-day", "2000", "--input-tokens", "1000", "--output-tokens", "300",
                 "--self-hosting", "not-wanted", "--top", "3", "--format", "json")
    limits = _messages(data, "api-rate-limits")
    assert limits and all("1.39 requests/min" in m and "1,806 tokens/min" in m for m in limits), limits
    assert not any("1 requests/min" in m for m in limits)


def test_billions_of_tokens_a_day_read_as_billions(capsys):
    data = _json(capsys, "recommend", "--requests-per-day", "2e7", "--input-tokens", "800", "--output-tokens", "300",
                 "--models", "phi-4", "--gpu-types", "h100-sxm", "--self-hosting", "allowed", "--top", "3", "--format", "json")
    even = _messages(data, "break-even")
    assert any("this workload is 22.0B tokens/day" in m for m in even), even
    assert not any(",000.0M" in m for m in even)


def test_an_engine_without_dense_calibration_rows_says_uncalibrated():
    e = api.estimate("llama-3.3-70b", "h100-sxm", 2, "fp8", engine="vllm")
    assert "vllm has no scored dense calibration row: this estimate is uncalibrated for vllm" in e.warnings
    assert not any("reach 0 concurrent" in w for w in e.warnings)
    moe = api.estimate("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts", 215, 195, engine="vllm")
    assert any("calibration rows reach 4 concurrent requests" in w for w in moe.warnings)


def test_tiny_dollar_amounts_keep_their_magnitude():
    assert fmt.usd(0.0001, 3) == "<$0.001" and fmt.usd(0.00004) == "<$0.001"
    assert fmt.usd(0.0006, 3) == "$0.001" and fmt.usd(0.073, 3) == "$0.073" and fmt.usd(0, 3) == "$0.000"


def test_report_diff_names_prices_and_keeps_another_providers_deployment_apart(tmp_path, capsys):
    paths = []
    for provider in ("runpod", "lambda"):
        path = tmp_path / f"{provider}.toml"
        assert main(["recommend", "--models", "phi-4", "--gpu-types", "h100-sxm", "--self-hosting", "required",
                     "--providers", provider, "--top", "2", "-o", str(path)]) == 0
        paths.append(path)
    capsys.readouterr()
    assert main(["report", "diff", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    gone = out.split("Prices no longer used", 1)[1].split("\n\n", 1)[0]
    came = out.split("Prices newly used", 1)[1].split("\n\n", 1)[0]
    assert "runpod h100-sxm: $" in gone and "lambda" not in gone
    assert "lambda h100-sxm: $" in came and "runpod" not in came
    assert "provider runpod -> lambda" not in out  # not one row that moved
    left = out.split("Left out by the workload's filters", 1)[1].split("\n\n", 1)[0]  # lambda only now: a filter
    assert "runpod) (was #" in left and "not in the allowed providers" in left
    assert "lambda)" in out.split("New options", 1)[1].split("\n\n", 1)[0]
