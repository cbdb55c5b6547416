"""Attention data parallelism (``dep``) and a lone prompt: its sequence lives on one attention rank, which runs the
prompt's attention and dense layers alone and sends all its tokens to the experts. The unloaded TTFT was the prompt
spread over the D ranks (up to D times low); the prefill queue was one queue per engine, where each rank queues the
prompts it holds; and the layout search kept ``dep`` for its throughput when its TTFT missed a target another layout
meets."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cli import main
from advisor.cost import queueing
from advisor.physics.engines import engine_profile
from advisor.physics.layouts import make_layout
from advisor.physics.performance import _Model
from test_headroom import _check_headroom, _lindley_mean_wait
from test_phys10_queueing import _interactive


def _model(model: str, gpu: str, gpus: int, layout: str, inp: int = 32_000) -> _Model:
    cat = api.catalog()
    m, g = cat.models[model], cat.gpus[gpu]
    return _Model(m, g, "fp8", "fp8", engine_profile(cat, g, "trtllm"), make_layout(m, g, gpus, layout), inp, 500)


def test_a_lone_prompt_runs_its_attention_and_dense_layers_on_one_rank_and_sends_all_its_tokens():
    x = _model("deepseek-r1", "h200", 8, "dep")
    assert x.D == 8
    c = x.chunk
    mem, cmp, comm, moe, by, fl = x._stage(c, True)
    mem1, cmp1, comm1, moe1, by1, fl1 = x._stage(c, True, lone=True)
    # Hand check: the one rank does the D-1 other ranks' shares of the dense and attention FLOPs as well.
    assert fl1 - fl == pytest.approx((c - c / 8) * (x.ne_flops + x.att_flops_pre))
    assert moe1 == moe  # the experts see the same tokens, split EP ways, either way
    fixed = x.n_coll * x.lat + x.pp_hop  # the collectives' latency: per step, not per byte
    assert comm1 - fixed == pytest.approx(8 * (comm - fixed))
    # A layout without attention data parallelism is not changed by it.
    t = _model("deepseek-r1", "h200", 8, "tp_ep")
    assert t._stage(c, True, lone=True) == t._stage(c, True)
    assert t.lone_prefill_s() == t.prefill_s(1)


def test_dep_prefills_a_long_prompt_slower_than_tensor_parallel_attention():
    """Before: DEP's 32k-token TTFT was 1,285 ms against TEP's 1,520 ms, the prompt's attention spread over 8 ranks."""
    dep = api.estimate("deepseek-r1", "h200", 8, "fp8", input_tokens=32_000, output_tokens=500, layout="dep")
    tep = api.estimate("deepseek-r1", "h200", 8, "fp8", input_tokens=32_000, output_tokens=500, layout="tp_ep")
    assert dep.ttft_ms > 3 * tep.ttft_ms
    # The one rank's prefill is at least the dense and attention work of the whole prompt at the GPU's peak rate.
    x = _model("deepseek-r1", "h200", 8, "dep")
    work = x.new * x.ne_flops / x.lin_pre + x.new * x.att_flops_pre / x.att_pre
    assert dep.ttft_ms / 1e3 > work / x.speed


def test_the_layout_search_keeps_a_layout_that_meets_the_ttft_target_and_says_what_it_passed_over():
    kw = dict(input_tokens=32_000, output_tokens=500)
    free = api.estimate("deepseek-r1", "h200", 8, "fp8", **kw)
    assert free.layout == "dep"  # the most throughput, with no TTFT target
    assert api.estimate("deepseek-r1", "h200", 8, "fp8", ttft_limit_ms=20_000, **kw).layout == "dep"
    held = api.estimate("deepseek-r1", "h200", 8, "fp8", ttft_limit_ms=3000, **kw)
    assert held.layout != "dep" and held.ttft_ms < 3000 < free.ttft_ms
    assert held.output_tokens_per_s < free.output_tokens_per_s
    [said] = [x for x in held.warnings if x.startswith("dep would carry")]
    assert f"{free.output_tokens_per_s:,.0f} output tokens/s" in said and f"{free.ttft_ms:,.0f} ms" in said and held.layout in said
    # No layout meets it: the fastest is kept, and nothing is said about passing one over.
    none = api.estimate("deepseek-r1", "h200", 8, "fp8", ttft_limit_ms=10, **kw)
    assert none.layout == "dep" and not any("would carry" in x for x in none.warnings)


def test_each_attention_rank_queues_its_own_prompts():
    w = _interactive(ttft_ms=20_000, output_tokens=1000)
    service_ms, engines, ranks = 4000.0, 2, 4
    rate = 0.6 / service_ms * 1000 * engines * ranks  # 60% of each rank's time prefilling
    h = queueing.at_peak(1000.0, 5000.0, engines, w, peak_to_mean=rate / w.mean_requests_per_s, prefill=service_ms,
                         queues=ranks)
    assert h.prefill_utilization == pytest.approx(0.6)
    # A rank's queue: Poisson at the peak rate over every rank, its own prompts prefilled one after another.
    assert h.wait_ms / 1000 == pytest.approx(_lindley_mean_wait(rate / (engines * ranks), service_ms / 1000), rel=0.05)
    one = queueing.at_peak(1000.0, 5000.0, engines, w, peak_to_mean=rate / w.mean_requests_per_s, prefill=service_ms)
    assert one.wait_ms > 10 * h.wait_ms  # one queue per engine would be past 100% busy here
    assert queueing.planned_output_rate(1000.0, 5000.0, w, service_ms, ranks) == \
        pytest.approx(ranks * queueing.planned_output_rate(250.0, 5000.0, w, service_ms))


def test_a_ranking_of_large_moe_with_long_prompts_sizes_dep_rows_on_their_ranks_queues():
    w = api.workload(requests_per_day=2e6, input_tokens=16_000, output_tokens=600, traffic_shape="diurnal", ttft_ms=3000,
                     output_tokens_per_s_per_user=20, context_typical_tokens=17_000, context_max_tokens=65_536,
                     self_hosting="required", models=["deepseek-v3", "qwen3-235b-a22b", "kimi-k2"],
                     gpu_types=["h200", "b200", "h100-sxm"])
    rec = api.recommend(w)
    dep = [c for c in rec.candidates if c.layout == "dep"]
    assert dep, "no dep row to check"
    for c in dep:
        assert c.ttft_ms < w.ttft_ms, c.label
        [h] = [r for r in c.reasons if r.code == "headroom"]
        assert h.numbers["queues_per_engine"] == c.gpus // c.engines_per_replica > 1, c.label
        assert "attention ranks" in h.message and "each rank is busy" in h.message, h.message
    assert _check_headroom(rec, w) == sum(c.deployment == "self-hosted" for c in rec.candidates)


def test_the_estimate_command_takes_a_ttft_target(capsys):
    assert main(["estimate", "deepseek-r1", "h200", "--gpus", "8", "--input-tokens", "32000", "--output-tokens", "500",
                 "--ttft-limit-ms", "3000"]) == 0
    out = capsys.readouterr().out
    assert "dep would carry" in out and "layout   trtllm, dep" not in out, out
    assert main(["estimate", "deepseek-r1", "h200", "--gpus", "8", "--ttft-limit-ms", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--ttft-limit-ms" in err, err
