"""Seen in session 21: two rows of one workload showed different tokens per sequence in their memory lines (1,550 and
1,375 for 1,200 in / 350 out) with nothing to say why: the second engine (vLLM) admits a sequence at its input + half
its output, TensorRT-LLM at the whole request."""

from __future__ import annotations

import re

import pytest

from advisor import api
from advisor.cli import main
from advisor.common import fmt


def test_a_memory_line_says_why_a_sequence_holds_fewer_tokens_than_its_request(capsys):
    w = api.preset("steady-latency")
    assert main(["recommend", "--preset", "steady-latency", "--details", "4"]) == 0
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    half = int(w.input_tokens + w.output_tokens / 2)
    seen = re.findall(r"engine (\w+), layout .*? in flight at peak x ([\d,]+) tokens(: input \+ half the output, as (\w+) admits them)?\)", out)
    assert {int(t.replace(",", "")) for _, t, _, _ in seen} == {half, w.input_tokens + w.output_tokens}, seen
    for engine, tokens, why, named in seen:
        assert bool(why) == (int(tokens.replace(",", "")) == half), (engine, tokens)
        assert not why or named == engine


def test_admitted_is_said_only_for_the_mean_context():
    assert fmt.admitted(1375, 1200, 350, "vllm") == ": input + half the output, as vllm admits them"
    assert fmt.admitted(1550, 1200, 350, "trtllm") == ""
    assert fmt.admitted(None, 1200, 350, "vllm") == "" and fmt.admitted(1375, 1200, 350, None) == ""


# --------------------------------------------------------------------------- user trial 21 (a helper's, on big MoE)

def _dep_workload():
    return api.workload(requests_per_day=2e6, input_tokens=16_000, output_tokens=600, traffic_shape="diurnal", ttft_ms=3000,
                        output_tokens_per_s_per_user=20, context_typical_tokens=17_000, context_max_tokens=65_536,
                        self_hosting="required", models=["deepseek-v3"], gpu_types=["b200"])


def test_a_dep_replica_counts_the_weights_copied_on_every_gpu():
    """Maverick DEP8 showed 'weights 402.9 GB' (the checkpoint) where its GPUs hold 8 x 64.6 GB: 114 GB read as free."""
    rec = api.recommend(_dep_workload())
    [c] = [c for c in rec.candidates[:1] if c.layout == "dep"]
    n = c.gpus // c.engines_per_replica
    e = api.estimate("deepseek-v3", "b200", n, c.precision, input_tokens=16_000, output_tokens=600, layout="dep")
    assert c.memory.weights_bytes == e.fit.weights_bytes_per_gpu * n * c.engines_per_replica > e.weights_bytes * c.engines_per_replica
    m = c.memory
    assert m.capacity_bytes == m.weights_bytes + m.kv_cache_bytes + m.reserve_bytes + m.free_bytes


def test_an_moe_model_with_no_vllm_recipe_is_warned_of_in_the_ranking_as_deploy_does():
    w = api.workload(requests_per_day=1e6, input_tokens=2000, output_tokens=400, ttft_ms=2000, output_tokens_per_s_per_user=20,
                     models=["llama-4-maverick"], gpu_types=["mi300x"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    assert c.engine == "vllm"
    [r] = [r for r in c.reasons if r.code == "engine-unverified"]
    assert "no vLLM recipe for llama-4-maverick" in r.message and r.severity == "warning"
    # A dense model vLLM has long run gets none (phi-4 has no recipe either).
    d = api.recommend(api.workload(requests_per_day=1e5, input_tokens=1000, output_tokens=300, ttft_ms=2000, models=["phi-4"],
                                   gpu_types=["mi300x"], self_hosting="required")).candidates[0]
    assert d.engine == "vllm" and not any(r.code == "engine-unverified" for r in d.reasons)


def test_under_dep_the_stall_line_says_how_long_any_rank_holds_a_stream():
    """It said a stream sees 104 prefills of 314 ms each, 'which the mean TPOT averages away', in a 25 s life."""
    c = api.recommend(_dep_workload()).candidates[0]
    [s] = [r for r in c.reasons if r.code == "inter-token-stall"]
    ranks = c.gpus // c.engines_per_replica
    assert s.numbers["ranks"] == ranks > 1 and "averages away" not in s.message
    [h] = [r for r in c.reasons if r.code == "headroom"]
    rho = h.numbers["prefill_utilization"]  # one rank's prefill share at the peak
    assert s.numbers["stalled_share"] == pytest.approx(1 - (1 - rho) ** ranks, rel=0.02)
    assert f"{s.numbers['stalled_share']:.0%} of the time" in s.message


def test_the_estimate_says_what_its_tpot_holds_besides_the_decode_step(capsys):
    assert main(["estimate", "deepseek-r1", "h200", "--gpus", "8", "--input-tokens", "32000"]) == 0
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert "prompts' prefills, shared over a stream's 256 tokens" in out and "no --tpot-limit-ms" in out, out
    assert main(["estimate", "deepseek-r1", "h200", "--gpus", "8", "--input-tokens", "32000", "--tpot-limit-ms", "60"]) == 0
    assert "no --tpot-limit-ms" not in capsys.readouterr().out


def test_a_smaller_engine_with_the_same_gpus_at_the_peak_says_where_its_bill_differs():
    """It read 'needs 136 GPUs at the peak ($113,747/month) against 136 here ($111,226/month)' with no reason."""
    w = api.workload(requests_per_day=1e6, input_tokens=2000, output_tokens=500, ttft_ms=3000, output_tokens_per_s_per_user=20,
                     self_hosting="required", models=["llama-4-scout"], gpu_types=["mi300x"], traffic_shape="diurnal",
                     context_max_tokens=131_072, context_typical_tokens=2500)
    said = [r.message for c in api.recommend(w).candidates[:3] for r in c.reasons if r.code == "gpu-count"]
    same = [m for m in said if "the same at the peak" in m]
    assert same, said
    for m in same:
        peak = re.search(r"needs (\d+) GPUs at the peak .* against (\d+) here", m)
        hours = re.search(r"but ([\d,]+) GPU-hours a month against ([\d,]+)$", m)
        assert peak and peak[1] == peak[2] and hours and hours[1] != hours[2], m


def test_a_mode_is_named_in_the_same_words_in_the_table_the_labels_and_the_reasons(capsys):
    """The table said '(no thinking)' and the reasons '[non-reasoning]' for the same row."""
    assert main(["recommend", "--preset", "bursty-app", "--details", "5", "--top", "30"]) == 0
    out = capsys.readouterr().out
    assert "(no thinking)" in out
    assert "[non-reasoning]" not in out and "[reasoning]" not in out and "non-reasoning" not in out, out
    rec = api.recommend(api.preset("bursty-app"))
    moded = [c for c in rec.candidates if c.mode]
    assert moded and all(f"({'thinking' if c.mode == 'reasoning' else 'no thinking'})" in c.label for c in moded)
