"""Self-hosted multi-LoRA serving: adapter bytes from the architecture, taken from the KV room, an overhead on
every step, and engines that cannot serve the adapters on a model refused with the reason."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from advisor import api
from advisor.catalog.load import load_catalog
from advisor.catalog.schema import build_engine_profiles
from advisor.common import tomlio
from advisor.common.paths import bundled_catalog_dir
from advisor.errors import CatalogError, InputError
from advisor.physics import lora
from advisor.physics.sizing import fit
from advisor.physics.training import adapter_params
from advisor.ranking.self_hosted import _estimate


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(user=tmp_path_factory.mktemp("empty"))


def test_llama_70b_adapter_bytes_are_rank_times_d_in_plus_d_out_per_projection(catalog):
    m = catalog.model("llama-3.3-70b")
    # The published config the formula reads (meta-llama/Llama-3.3-70B-Instruct config.json).
    assert (m.hidden_size, m.num_attention_heads, m.head_dim, m.num_key_value_heads, m.intermediate_size, m.num_hidden_layers) \
        == (8192, 64, 128, 8, 28672, 80)
    rank, layers = 16, 80
    q_proj, k_proj, v_proj, o_proj = 8192 + 8192, 8192 + 1024, 8192 + 1024, 8192 + 8192
    gate, up, down = 8192 + 28672, 8192 + 28672, 28672 + 8192
    attention = rank * (q_proj + k_proj + v_proj + o_proj) * layers * 2
    assert lora.adapter_size(m, 16, "attention").bytes == attention == 131_072_000
    everything = rank * (q_proj + k_proj + v_proj + o_proj + gate + up + down) * layers * 2
    assert lora.adapter_size(m, 16, "all").bytes == everything
    assert lora.adapter_size(m, 64, "all").bytes == 4 * everything  # linear in the rank
    assert lora.adapter_size(m, 16, "all").params == adapter_params(m, 16)  # the adapter training is costed for


def test_expert_adapters_of_an_moe_dwarf_its_attention_adapters(catalog):
    m = catalog.model("qwen3-235b-a22b")
    s = lora.adapter_size(m, 16, "all")
    assert s.experts > 50 * s.attention  # one gate/up/down per routed expert per MoE layer
    assert s.active < s.params  # a token passes through its top-k experts only
    attn = lora.adapter_size(m, 16, "attention")
    assert attn.experts == 0 and attn.params == s.attention


def test_resident_adapters_take_their_bytes_from_the_kv_room(catalog):
    m, gpu = catalog.model("llama-3.3-70b"), catalog.gpu("h200")
    plan = lora.LoraPlan(adapters=8, rank=64, targets="all")
    one = lora.adapter_size(m, 64, "all").bytes
    assert lora.bytes_per_gpu(m, plan, 1) == 8 * one
    assert 8 * one / 2 < lora.bytes_per_gpu(m, plan, 4) < 8 * one  # half of each A/B pair is replicated over TP
    eng = catalog.engines["vllm"].for_vendor(gpu.vendor)
    for n in (1, 2):
        base = fit(m, gpu, n, "fp8", 8192, "fp8", eng.memory)
        with_adapters = fit(m, gpu, n, "fp8", 8192, "fp8", lora.profile_for(eng, m, n, plan).memory)
        lost = base.kv_capacity_bytes - with_adapters.kv_capacity_bytes
        assert lost == pytest.approx(lora.bytes_per_gpu(m, plan, n) * n, rel=1e-3)


def test_an_estimate_with_adapters_admits_less_and_runs_slower(catalog):
    m, gpu = catalog.model("llama-3.3-70b"), catalog.gpu("h200")
    eng = catalog.engines["vllm"].for_vendor(gpu.vendor)
    plan = lora.LoraPlan(adapters=16, rank=64, targets="all")
    plain = _estimate(m, gpu, 2, "fp8", 2000, 500, "fp8", None, eng, None)
    tuned = _estimate(m, gpu, 2, "fp8", 2000, 500, "fp8", None, eng, plan)
    assert tuned.fit.kv_capacity_bytes < plain.fit.kv_capacity_bytes
    assert tuned.output_tokens_per_s < plain.output_tokens_per_s
    ratio, basis = lora.overhead(m, plan, tuned.weights_bytes)
    assert 0 < ratio < 0.5 and ("FLOPs" in basis or "bytes" in basis)


def test_the_winner_states_its_adapters_and_the_engine_flags():
    rec = api.recommend(api.workload(preset="steady-latency", models=["llama-3.3-70b"], min_quality=0, lora_adapters=6,
                                     lora_rank=32))
    top = rec.candidates[0]
    r = next(r for r in top.reasons if r.code == "multi-lora")
    m = api.catalog().model("llama-3.3-70b")
    assert r.numbers["adapter_bytes"] == lora.adapter_size(m, 32, "all").bytes
    assert r.numbers["lora_adapters"] == 6 and r.numbers["lora_overhead"] > 0
    assert "uncalibrated" in r.message and "6" in r.message and "32" in r.message
    # The plan's defaults: one adapter per fine-tune of the month, rank 16.
    default = api.recommend(api.workload(preset="steady-latency", models=["llama-3.3-70b"], min_quality=0)).candidates[0]
    d = next(r for r in default.reasons if r.code == "multi-lora")
    assert d.numbers["lora_adapters"] == 4 and d.numbers["lora_rank"] == 16
    # No adapters without a LoRA plan (full fine-tunes serve merged weights).
    none = api.recommend(api.workload(preset="steady-latency", models=["llama-3.3-70b"], min_quality=0,
                                     fine_tuning="heavy"))
    assert not any(r.code == "multi-lora" for c in none.candidates for r in c.reasons)


def test_an_engine_without_expert_lora_refuses_an_moe_unless_adapters_stay_off_the_experts():
    w = dict(preset="steady-latency", models=["llama-4-scout"], engines=["trtllm"])
    rec = api.recommend(api.workload(**w))
    assert not rec.candidates
    rej = [r for r in rec.rejected if r.reasons[0].code == "no-lora-support"]
    assert len(rej) == 1 and "trtllm" in rej[0].reasons[0].message and "https://" in rej[0].reasons[0].message
    attention = api.recommend(api.workload(**w, lora_targets="attention"))
    assert attention.candidates and all(c.engine == "trtllm" for c in attention.candidates)
    # With every engine allowed, an engine that serves expert adapters is picked instead.
    anyone = api.recommend(api.workload(preset="steady-latency", models=["llama-4-scout"]))
    assert anyone.candidates and {c.engine for c in anyone.candidates} <= {"vllm", "sglang"}
    assert not any(r.reasons[0].code == "no-lora-support" for r in anyone.rejected)


def test_engine_lora_support_is_sourced_and_validated(catalog):
    for eid, p in catalog.engines.items():
        assert p.lora is not None and p.lora.source.startswith("https://") and p.lora.as_of, eid
        assert "{adapters}" in p.lora.flags and "{rank}" in p.lora.flags
    raw = tomlio.load(bundled_catalog_dir() / "engine.toml", "engine.toml")
    for field, value in (("moe", "some"), ("source", "../shared/x"), ("flags", "--max-loras {n}")):
        bad = copy.deepcopy(raw)
        bad["engines"]["vllm"]["lora"][field] = value
        with pytest.raises(CatalogError) as exc:
            build_engine_profiles(bad, "engine.toml")
        assert field in str(exc.value)


def test_workload_lora_fields_are_validated():
    with pytest.raises(InputError) as exc:
        api.workload(preset="steady-latency", lora_targets="experts")
    assert "lora_targets" in str(exc.value)
    with pytest.raises(InputError):
        api.workload(preset="steady-latency", lora_rank=-1)
    w = api.workload(preset="steady-latency", lora_adapters=3)
    assert lora.plan_for(w) == lora.LoraPlan(adapters=3, rank=16, targets="all")
    assert lora.plan_for(dataclasses.replace(w, fine_tuning="none")) is None
