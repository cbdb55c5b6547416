"""The ranking's fit check counts an MLA latent cache once per copy on both sides: what the sequences in flight hold
and what the replica can hold (each tensor-parallel rank keeps the whole latent)."""

from __future__ import annotations

from advisor import api

AGENTIC = {"requests_per_day": 200_000, "input_tokens": 40_000, "output_tokens": 800, "cached_input_fraction": 0.85,
           "traffic_shape": "diurnal", "ttft_ms": 3000, "output_tokens_per_s_per_user": 50,
           "context_typical_tokens": 60_000, "context_max_tokens": 131_072}


def test_deepseek_v3_on_8_h200_fits_as_estimate_says():
    w = api.workload(models=["deepseek-v3"], gpu_types=["h200"], precisions=["fp8"], **AGENTIC)
    rec = api.recommend(w)
    hosted = [c for c in rec.candidates if c.deployment == "self-hosted" and c.gpus == 8]
    assert hosted, [r.reasons[0].message for r in rec.rejected if r.gpus == 8][:3]
    c = hosted[0]
    e = api.estimate("deepseek-v3", "h200", gpus=8, precision="fp8", input_tokens=40_000, output_tokens=800,
                     engine=c.engine, layout=c.layout, cached_input_tokens=34_000)
    copies = e.parallelism.kv_replication
    assert copies == 8  # the latent on every TP rank
    m = c.memory
    assert m.kv_cache_bytes <= m.kv_capacity_bytes and m.free_bytes >= 0
    # the capacity is on the cache's basis: everything left after weights and reserve, per engine
    engines = c.engines_per_replica or 1
    assert abs(m.kv_capacity_bytes - engines * e.fit.kv_capacity_bytes * copies) <= engines * 8


def test_no_kv_rejection_where_the_unique_cache_fits():
    w = api.workload(models=["deepseek-v3"], gpu_types=["h200"], precisions=["fp8"], **AGENTIC)
    rec = api.recommend(w)
    for r in rec.rejected:
        if r.gpus == 8 and r.reasons[0].code == "kv-does-not-fit":
            raise AssertionError(r.reasons[0].message)
