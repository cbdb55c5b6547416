"""Fine-tuning runs are costed on the GPU types the workload allows, and where none can hold a run, the notes say
so and the rows bill serving only."""

from __future__ import annotations

import dataclasses
import re

from advisor import api


def _training_gpu(c) -> str | None:
    r = next((r for r in c.reasons if r.code == "fine-tuning"), None)
    return None if r is None else re.search(r" on \d+x ([\w.-]+)", r.message).group(1)


def test_lora_runs_of_the_steady_latency_preset_stay_on_its_gpu_types():
    w = api.preset("steady-latency")
    assert w.gpu_types == ("h100-sxm", "h200")
    rec = api.recommend(w)
    allowed = {g for c in rec.candidates if c.gpu for g in [c.gpu]}
    assert allowed and all(g.startswith(("h100", "h200")) for g in allowed)
    trained = {_training_gpu(c) for c in rec.candidates if c.fine_tuning_monthly_usd}
    assert trained and None not in trained
    assert all(g.startswith(("h100", "h200")) for g in trained), trained  # not an RTX 4090 outside the filter
    unfiltered = {_training_gpu(c) for c in api.recommend(dataclasses.replace(w, gpu_types=())).candidates
                  if c.fine_tuning_monthly_usd}
    assert not all(g.startswith(("h100", "h200")) for g in unfiltered)  # the filter is what moved the runs


def test_no_allowed_gpu_that_can_train_is_said_and_nothing_is_billed_for_training():
    w = api.workload(requests_per_day=20_000, input_tokens=1000, output_tokens=300, models=("llama-3.3-70b",),
                     fine_tuning="heavy", fine_tune_tokens=200_000_000, fine_tunes_per_month=1, gpu_types=("l4",),
                     self_hosting="required", precisions=("fp8", "int4", "bf16"))
    rec = api.recommend(w)
    assert rec.candidates and not any(c.fine_tuning_monthly_usd for c in rec.candidates)
    note = next(n for n in rec.notes if n.startswith("no GPU offer allowed by gpu_types l4"))
    assert "full fine-tuning run of llama-3.3-70b" in note and "not billed" in note
