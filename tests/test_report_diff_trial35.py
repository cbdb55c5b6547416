"""Trial 35, `report diff`: a row a cheaper provider only replaced is said to have moved, not to have become infeasible;
a rejection is quoted only for the same configuration (never another GPU count's); the JSON names its monthly figures
as `recommend --format json` does; one engine change is one assumption line, and a reordering none."""

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from advisor import api
from advisor import reports as rp
from advisor.cli import main

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
BASE = dict(requests_per_day=2_000_000, input_tokens=1200, output_tokens=350, latency="interactive", ttft_ms=800,
            output_tokens_per_s_per_user=30, min_quality=70, models=["phi-4", "gpt-oss-120b", "deepseek-v4-flash"])


def _report(rec):
    return rp.loads_report(rp.dumps_report(rec, T0))


# --------------------------------------------------------------------------- 2. the JSON's monthly figures

@pytest.fixture(scope="module")
def fine_tuned():
    """Two reports of a workload with fine-tuning runs, the second at twice the traffic (rows move and change cost)."""
    w = api.workload(preset="heavy-fine-tuning", models=["phi-4", "gpt-oss-120b", "deepseek-v4-flash"])
    a = api.recommend(w)
    b = api.recommend(dataclasses.replace(w, requests_per_day=w.requests_per_day * 4))
    assert any(c.fine_tuning_monthly_usd for c in a.candidates), "the preset's fine-tuning is billed"
    return a, b


def test_diff_json_names_serving_and_total_as_recommend_does(fine_tuned, tmp_path, capsys):
    a, b = fine_tuned
    pa = rp.write_report(a, tmp_path / "a.toml", created_at=T0)
    pb = rp.write_report(b, tmp_path / "b.toml", created_at=T0)
    assert main(["report", "diff", str(pa), str(pb), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    old_by, new_by = {c.label: c for c in a.candidates}, {c.label: c for c in b.candidates}
    rows = [r for r in out["rank_changes"] if new_by[r["label"]].fine_tuning_monthly_usd]
    assert rows, "some row with fine-tuning changed rank or cost"
    for r in rows:
        was, now = old_by[r["label"]], new_by[r["label"]]
        assert Decimal(r["new_serving_monthly_cost_usd"]) == now.monthly_cost_usd  # recommend's monthly_cost_usd
        assert Decimal(r["new_total_monthly_usd"]) == now.total_monthly_usd  # recommend's total_monthly_usd
        assert Decimal(r["old_serving_monthly_cost_usd"]) == was.monthly_cost_usd
        assert Decimal(r["old_total_monthly_usd"]) == was.total_monthly_usd
        assert now.total_monthly_usd > now.monthly_cost_usd
        assert Decimal(r["new_monthly_cost_usd"]) == now.total_monthly_usd  # the old name keeps its old meaning: the total
    one_sided = out["appeared"] + out["disappeared"] + out["became_infeasible"] + out["resized"]
    assert one_sided, "the fourfold traffic changes which rows are ranked"
    for r in one_sided:
        c = new_by.get(r["label"]) if r in out["appeared"] else old_by.get(r["label"])
        assert Decimal(r["serving_monthly_cost_usd"]) == c.monthly_cost_usd
        assert Decimal(r["total_monthly_usd"]) == c.monthly_total_usd == Decimal(r["monthly_cost_usd"])


def test_diff_text_says_its_monthly_figures_are_totals_with_fine_tuning(fine_tuned):
    a, b = fine_tuned
    text = rp.diff_reports(_report(a), _report(b)).text()
    assert "Monthly figures: totals (serving plus the fine-tuning runs" in text
