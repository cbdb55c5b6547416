"""`report diff` names the cause of a row that left the ranking: a new workload filter, the same deployment at another
GPU count, or a rejection of that row (a mode's rejection only for that mode's rows), and prints JSON on request."""

import dataclasses
import datetime as dt
import json
import re

from advisor import api
from advisor import reports as rp
from advisor.cli import main
from advisor.domain.recommendation import Reason, Rejection

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
BASE = dict(requests_per_day=2_000_000, input_tokens=1200, output_tokens=350, latency="interactive", ttft_ms=800,
            output_tokens_per_s_per_user=30, min_quality=70, models=["phi-4", "gpt-oss-120b", "deepseek-v4-flash"])


def _report(rec):
    return rp.loads_report(rp.dumps_report(rec, T0))


def test_rows_a_gpu_filter_removes_are_said_to_be_filtered_not_infeasible():
    a = api.recommend(api.workload(**BASE))
    b = api.recommend(api.workload(**BASE, gpu_types=["h100-sxm", "h200"]))
    d = rp.diff_reports(_report(a), _report(b))
    outside = [c for c in a.candidates if c.deployment == "self-hosted" and c.gpu not in ("h100-sxm", "h200")]
    assert outside
    filtered = {c.label: c.reason for c in d.filtered_out}
    assert {c.label for c in outside} <= set(filtered)
    assert all("allowed GPU types" in why for why in filtered.values())
    assert not {c.label for c in outside} & {c.label for c in d.became_infeasible}
    assert "Left out by the workload's filters" in d.text()


def test_a_row_whose_cheapest_count_moved_is_listed_once_with_its_new_count():
    a = api.recommend(api.workload(**BASE))
    b = api.recommend(api.workload(**{**BASE, "requests_per_day": 20_000_000}))
    d = rp.diff_reports(_report(a), _report(b))
    same = lambda c: (c.deployment, c.model, c.mode, c.provider, c.gpu, c.precision)  # noqa: E731
    new_by = {same(c): c for c in b.candidates}
    moved = [c for c in a.candidates if same(c) in new_by and new_by[same(c)].gpus != c.gpus]
    assert moved, "the tenfold volume moves some deployment to another GPU count"
    resized = {c.label: c.reason for c in d.resized}
    for c in moved:
        n = new_by[same(c)].gpus
        assert resized[c.label].startswith(f"{n} GPU{'s' if n > 1 else ''} a replica: #{new_by[same(c)].rank},")
    labels = {c.label for c in d.became_infeasible} | {c.label for c in d.appeared} | {c.label for c in d.disappeared}
    assert not labels & ({c.label for c in moved} | {new_by[same(c)].label for c in moved})


def test_a_row_that_shrank_to_one_gpu_says_1_gpu_not_1_gpus():
    a = api.recommend(api.workload(**{**BASE, "requests_per_day": 20_000_000}))
    b = api.recommend(api.workload(**BASE))
    text = rp.diff_reports(_report(a), _report(b)).text()
    assert "-> 1 GPU a replica: #" in text
    assert not re.search(r"\b1 GPUs\b", text)


def test_a_mode_rejection_explains_only_that_modes_rows():
    rec = api.recommend(api.workload(**BASE))
    row = next(c for c in rec.candidates if c.mode == "non-reasoning")
    think = Rejection(model=row.model, deployment="any", reasons=(Reason(
        "reasoning-tokens-unmeasured", "[reasoning] cannot be costed", "decisive", {"mode": "reasoning"}),))
    kept = [c for c in rec.candidates if c is not row]
    after = dataclasses.replace(rec, candidates=tuple(c.evolve(rank=i + 1) for i, c in enumerate(kept)),
                                rejected=(think,) + rec.rejected)
    d = rp.diff_reports(_report(rec), _report(after))
    assert row.label in {c.label for c in d.disappeared}  # no rejection of its own: not blamed on the other mode's
    assert "[reasoning] cannot be costed" not in d.text()


def test_diff_prints_json(tmp_path, capsys):
    a = rp.write_report(api.recommend(api.workload(**BASE)), tmp_path / "a.toml", created_at=T0)
    b = rp.write_report(api.recommend(api.workload(**BASE, gpu_types=["h200"])), tmp_path / "b.toml", created_at=T0)
    assert main(["report", "diff", str(a), str(b), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["workload_changes"] == [{"key": "gpu_types", "old": [], "new": ["h200"]}]
    assert out["filtered_out"] and all("allowed GPU types" in c["reason"] for c in out["filtered_out"])
