"""LoRA adapters on the GPUs are the ones a batch can name at once (min(adapters, sequences in flight)), the rest
wait in host memory; the adapters are their own memory term, never hidden in the runtime reserve; the default count
is said; deploy sizes the engine's GPU slots and host cache the same way."""

from __future__ import annotations

import math
import re

import pytest

from advisor import api
from advisor.common import fmt
from advisor.deploy.skypilot import render
from advisor.physics import lora
from test_deploy10_fixes import _argv, _flag

# The review's team: 3,000 requests a day, 10 adapters, a 1.5 s TTFT and 30 tokens/s a user.
TEAM = {"requests_per_day": 3000, "input_tokens": 1200, "output_tokens": 350, "traffic_shape": "diurnal", "ttft_ms": 1500,
        "output_tokens_per_s_per_user": 30, "fine_tuning": "light", "fine_tuning_method": "lora", "fine_tune_tokens": 20e6,
        "fine_tunes_per_month": 4, "lora_adapters": 10, "lora_rank": 16, "context_typical_tokens": 2000,
        "context_max_tokens": 16384}


def test_the_gpu_slots_cover_the_sequences_in_flight_at_the_peak_99_percent_of_the_time():
    w = api.workload(**TEAM)
    flight = w.mean_requests_per_s * w.peak_to_mean * (1.5 + 350 / 30)  # Little's law within the targets
    assert lora.sequences_in_flight(w) == pytest.approx(flight)
    plan = lora.plan_for(w)
    # Poisson(flight): the smallest k with P(N <= k) >= 0.99
    k, term, total = 0, math.exp(-flight), math.exp(-flight)
    while total < 0.99:
        k += 1
        term *= flight / k
        total += term
    assert plan.adapters == 10 and plan.on_gpu == max(1, min(10, k)) < 10 and plan.on_gpu > -(-flight // 1)
    assert lora.poisson_quantile(1.7) == 5  # 3 or more in flight 24% of the time at a mean of 1.7
    busy = api.workload(**{**TEAM, "requests_per_day": 300_000})  # ~115 in flight: every adapter can be named at once
    assert lora.plan_for(busy).on_gpu == 10
    batch = api.workload(**{**TEAM, "latency": "batch", "deadline_hours": 24})  # full batches: all resident
    assert lora.plan_for(batch).on_gpu == 10


def test_only_the_slots_take_gpu_memory_and_are_read_each_step():
    m = api.catalog().model("qwen3-30b-a3b")
    plan = lora.plan_for(api.workload(**TEAM))
    every = lora.LoraPlan(adapters=10, rank=16, targets="all")
    assert lora.bytes_per_gpu(m, plan, 1) * 10 == pytest.approx(lora.bytes_per_gpu(m, every, 1) * plan.on_gpu, abs=10)
    assert lora.overhead(m, plan, 61_000_000_000)[0] <= lora.overhead(m, every, 61_000_000_000)[0]
    assert lora.swap_ms(m, plan, 1) == pytest.approx(lora.adapter_size(m, 16).bytes / (lora.HOST_TO_GPU_GBPS * 1e9) * 1e3, rel=1e-3)


def test_qwen3_30b_fits_one_h100_in_bf16_for_the_team():
    """Before: 'does not fit on 1x h100-sxm in bf16: needs 90.9 GB per GPU (weights 61.1 GB, runtime reserve 28.2 GB ...)',
    10 expert adapters held on the GPU for one request in flight."""
    rec = api.recommend(api.workload(**TEAM, models=["qwen3-30b-a3b"], gpu_types=["h100-sxm"], precisions=["bf16"]))
    c = next(c for c in rec.candidates if c.deployment == "self-hosted")
    assert c.gpus == 1
    r = next(r for r in c.reasons if r.code == "multi-lora")
    assert r.numbers["lora_adapters"] == 10 and r.numbers["lora_adapters_on_gpu"] < 10
    assert r.numbers["adapter_swap_ms"] > 0 and "host memory" in r.message


def _reserve(message: str) -> str:
    return re.search(r"runtime reserve ([\d.,]+ [GM]B)", message).group(1)


def test_adapters_are_their_own_memory_term_not_part_of_the_runtime_reserve():
    base = {**TEAM, "models": ["qwen3-30b-a3b"], "gpu_types": ["l40s"], "precisions": ["bf16"], "engines": ["vllm"]}
    with_adapters = api.recommend(api.workload(**base))
    plain = {k: v for k, v in base.items() if not k.startswith(("fine_tun", "lora_"))}
    without = api.recommend(api.workload(**plain))
    assert lora.plan_for(without.workload) is None

    def one_gpu(rec):
        return next(r for r in rec.rejected if r.gpu == "l40s" and r.gpus == 1 and r.reasons[0].code == "does-not-fit").reasons[0]

    a, b = one_gpu(with_adapters), one_gpu(without)
    assert _reserve(a.message) == _reserve(b.message)  # the engine's reserve is the engine's, adapters or not
    m = api.catalog().model("qwen3-30b-a3b")
    adapters = lora.bytes_per_gpu(m, lora.plan_for(with_adapters.workload), 1)
    assert a.numbers["lora_adapter_bytes_per_gpu"] == adapters and f"LoRA adapters {fmt.gb(adapters)}" in a.message
    assert "LoRA" not in b.message


def test_the_default_adapter_count_is_said():
    """steady-latency sets no lora_adapters: 4 (one per fine-tune a month) were taken silently."""
    rec = api.recommend(api.preset("steady-latency"))
    top = next(c for c in rec.candidates if any(r.code == "multi-lora" for r in c.reasons))
    r = next(r for r in top.reasons if r.code == "multi-lora")
    assert r.numbers["lora_adapters"] == 4 and "4 adapters of rank 16 (the default count: one per fine-tune a month; set lora_adapters)" in r.message
    rej = [r for r in rec.rejected if r.model == "gpt-oss-120b" and r.gpu == "h100-sxm" and r.gpus == 1
           and r.reasons[0].code == "does-not-fit"]
    assert all("the default count" in r.reasons[0].message for r in rej)
    set_ = api.recommend(api.workload(preset="steady-latency", lora_adapters=4)).candidates[0]
    assert "the default count" not in next(r for r in set_.reasons if r.code == "multi-lora").message


def test_a_traffic_change_resizes_the_slots_in_a_warm_ranking():
    """The ranking keeps per-shape lookups across volumes: the slots depend on the volume, so they must not stick."""
    low = api.workload(**TEAM, models=["llama-3.1-8b"])
    high = api.workload(**{**TEAM, "requests_per_day": 300_000}, models=["llama-3.1-8b"])

    def slots(rec):
        return next(r for r in rec.candidates[0].reasons if r.code == "multi-lora").numbers["lora_adapters_on_gpu"]

    assert slots(api.recommend(low)) == lora.plan_for(low).on_gpu < 10
    assert slots(api.recommend(high)) == 10  # the same shape, warm: the slots follow the volume
    assert slots(api.recommend(low)) == lora.plan_for(low).on_gpu


def test_deploy_sizes_the_gpu_slots_and_the_host_cache():
    rec = api.recommend(api.workload(**TEAM, models=["llama-3.1-8b"], gpu_types=["l40s"]))
    w, c = rec.workload, next(c for c in rec.candidates if c.deployment == "self-hosted")
    plan = lora.plan_for(w)
    cat = api.catalog()
    v = _argv(render(c, w, cat, "vllm")["serve.sh"])
    assert int(_flag(v, "--max-loras")) == plan.on_gpu < int(_flag(v, "--max-cpu-loras")) == 10
    s = _argv(render(c, w, cat, "sglang")["serve.sh"])
    assert int(_flag(s, "--max-loras-per-batch")) == plan.on_gpu and int(_flag(s, "--max-loaded-loras")) == 10
    opts = render(c, w, cat, "trtllm")["trtllm-options.yaml"]
    assert f"  max_loras: {plan.on_gpu}" in opts and "  max_cpu_loras: 10" in opts


def test_no_fine_tuning_means_no_lora_plan_whatever_method_is_left_in_the_file():
    from advisor.physics.training import method_for

    assert method_for("none", "lora") is None and method_for("light", "qlora") == "qlora" and method_for("heavy") == "full"
    rec = api.recommend(api.workload(fine_tuning="none", fine_tuning_method="lora", lora_adapters=10, requests_per_day=3000,
                                     self_hosting="required", models=["qwen3-30b-a3b"]))
    assert rec.candidates
    assert not any("adapter" in r.message for c in rec.candidates[:5] for r in c.reasons)


def test_deploy_sizes_a_reasoning_rows_slots_for_the_tokens_it_generates():
    """A reasoning row is costed for its visible answer plus its thinking: a request stays in flight for all of it,
    so the slots the ranking costed (its multi-LoRA reason) are the slots the launch command asks for."""
    rec = api.recommend(api.workload(**TEAM, min_quality=0))
    row = next(c for c in rec.candidates if c.deployment == "self-hosted" and c.mode == "reasoning"
               and (c.output_multiplier or 1) > 2)
    costed = next(r.numbers["lora_adapters_on_gpu"] for r in row.reasons if "lora_adapters_on_gpu" in r.numbers)
    assert costed > lora.plan_for(rec.workload).on_gpu  # thinking keeps more requests, so more adapters, in flight
    v = _argv(render(row, rec.workload, api.catalog(), "vllm")["serve.sh"])
    assert int(_flag(v, "--max-loras")) == costed
