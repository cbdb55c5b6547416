"""Honest advice (part A): a model's own 4-bit checkpoint precision is always ranked, upcasts say what they are; the
"KV sets the GPU count" claim only where smaller counts ran out of memory; a quota/capacity warning on large
fleets; the KV context stated is the one the KV cache was sized at."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from advisor import api
from advisor.cost import billing
from advisor.domain.precision import is_upcast, ranked_precisions
from advisor.domain.prices import GpuPrice
from advisor.domain.workload import PRESETS, Workload, validate
from advisor.errors import InputError
from advisor.domain.recommendation import Rejection
from advisor.physics.engines import engines_for
from advisor.ranking.context import Context
from advisor.prices.book import from_catalog
from advisor.ranking import self_hosted
from advisor.ranking.modes import upcast_line
from advisor.ranking.rank import recommend_with


@pytest.fixture(scope="module")
def cat():
    return api.catalog()


def _rank(cat, **fields):
    return recommend_with(api.workload(**fields), cat, from_catalog(cat))


def _codes(c) -> list[str]:
    return [r.code for r in c.reasons]


# 1. native checkpoint precision ------------------------------------------------------------------------------------

def test_precisions_ranked_for_a_model_add_its_native_checkpoint():
    assert ranked_precisions(("bf16", "fp8"), "mxfp4-experts") == ("bf16", "fp8", "mxfp4-experts")
    assert ranked_precisions(("bf16", "fp8"), "fp8") == ("bf16", "fp8")
    assert ranked_precisions(("int4",), "bf16") == ("int4",)  # a bf16/fp8 checkpoint only where the workload allows it
    assert ranked_precisions(("fp8",), "mxfp4-experts") == ("fp8", "mxfp4-experts")
    assert is_upcast("fp8", "mxfp4-experts") and is_upcast("bf16", "mxfp4-experts")
    assert not is_upcast("nvfp4", "mxfp4-experts") and not is_upcast("int4", "mxfp4-experts")
    assert is_upcast("bf16", "fp8") and not is_upcast("fp8", "bf16") and not is_upcast("int8", "fp8")  # FP8 dequantizes to BF16


def test_gpt_oss_120b_is_ranked_in_its_mxfp4_checkpoint_on_one_80gb_gpu(cat):
    rec = _rank(cat, requests_per_day=20_000, input_tokens=1000, output_tokens=300, self_hosting="required",
                models=["gpt-oss-120b"], gpu_types=["h100-sxm"])
    native = [c for c in rec.candidates if c.precision == "mxfp4-experts"]
    assert native, "the published MXFP4 checkpoint is ranked although the workload lists bf16 and fp8 only"
    assert min(c.gpus for c in native) == 1  # OpenAI ships it to run on one 80 GB GPU
    assert all(c.quality_delta == 0.0 for c in native)
    assert all(c.quality == cat.quality_modes["gpt-oss-120b"][c.mode].score if c.mode else True for c in native)
    # fp8 is wider than the 4-bit checkpoint: an upcast, same quality, more memory; never "unmeasured"
    fp8 = [c for c in rec.candidates if c.precision == "fp8"]
    assert fp8
    for c in fp8:
        assert c.quality_delta == 0.0 and c.quality_delta_source == upcast_line("mxfp4-experts")
        assert c.quality_delta_source == "upcast from the native mxfp4-experts checkpoint: same quality, more memory"
        assert any(r.code == "quantization-quality" and "upcast" in r.message for r in c.reasons)
        twin = next((n for n in native if n.mode == c.mode and n.gpus == c.gpus), None)
        if twin is not None:
            assert c.memory.weights_bytes > twin.memory.weights_bytes  # more memory for the same model


def test_fp8_only_means_fp8_rows_for_a_bf16_model_and_adds_a_4bit_native_checkpoint(cat):
    dense = _rank(cat, requests_per_day=20_000, self_hosting="required", models=["llama-3.3-70b"], gpu_types=["h100-sxm"],
                  precisions=["fp8"])
    assert {c.precision for c in dense.candidates} == {"fp8"}  # the user's list governs a bf16 checkpoint
    # its fp8 rows are a real quantization of a bf16 checkpoint: not an upcast
    assert all(c.quality_delta_source != upcast_line("bf16") for c in dense.candidates)
    oss = _rank(cat, requests_per_day=20_000, self_hosting="required", models=["gpt-oss-120b"], gpu_types=["h100-sxm"],
                precisions=["fp8"])
    assert {c.precision for c in oss.candidates} == {"fp8", "mxfp4-experts"}  # its published 4-bit checkpoint joins


# 2. the kv-gpu-count claim --------------------------------------------------------------------------------------------

LONG_PROMPT = dict(requests_per_day=3000, input_tokens=120_000, output_tokens=800, context_max_tokens=131_072, ttft_ms=15_000,
                   output_tokens_per_s_per_user=25, self_hosting="required", models=["llama-3.3-70b"], gpu_types=["h100-sxm", "h200"])


def test_kv_is_not_said_to_set_the_gpu_count_when_fewer_gpus_fit(cat):
    rec = _rank(cat, **LONG_PROMPT)
    h100 = next(c for c in rec.candidates if c.gpu == "h100-sxm" and c.precision == "fp8")
    assert h100.gpus == 4
    # 2x H100 hold 70B fp8 weights and a 131K sequence: the KV cache does not set the count of 4
    assert "kv-gpu-count" not in _codes(h100)
    why = next(r for r in h100.reasons if r.code == "gpu-count")
    assert why.numbers["gpus_possible"] == 2 and "2x h100-sxm would hold the 131,072-token context" in why.message
    # the row's own bill beside the smaller engines' (2 replicas since a request's wait for one of 3 batch slots counts)
    assert f"against {h100.gpus * h100.replicas} here (${h100.monthly_cost_usd:,.0f}/month)" in why.message, why.message


def test_kv_gpu_count_is_claimed_only_when_every_smaller_count_ran_out_of_memory(cat):
    book = from_catalog(cat)
    rec = recommend_with(PRESETS["long-context"], cat, book)
    w = rec.workload
    claimed = [c for c in rec.candidates if "kv-gpu-count" in _codes(c) and (c.output_multiplier or 1.0) == 1.0]
    assert claimed
    backend, checked, longest = self_hosted.SelfHostedBackend(), 0, 0
    for c in claimed:
        r = next(r for r in c.reasons if r.code == "kv-gpu-count")
        n, short = r.numbers["gpus"], r.numbers["gpus_at_8k"]
        model, gpu = cat.models[c.model], cat.gpus[c.gpu]
        eng = next(p for p in engines_for(cat, gpu, ()) if p.id == c.engine)
        fitting = self_hosted._sizing("self-hosted", model, gpu, c.precision, eng, w.context_max_tokens, w.max_gpus, c.provider)[1]
        for smaller in (k for k in self_hosted.GPU_COUNTS if short <= k < n):
            if fitting is not None and smaller < fitting:
                longest += 1
                continue  # out for memory: one longest-context sequence does not fit on it
            # else out for memory at this workload's request and concurrency
            ctx = Context(workload=w, catalog=cat, prices=book, engine=cat.engine)
            price = book.cheapest_gpu(gpu.id, w.providers, w.pricing_kinds)
            k = backend._cost(ctx, model, gpu, smaller, c.precision, c.kv_precision, price, eng, why=True)
            assert isinstance(k, Rejection) and k.reasons[0].code in ("does-not-fit", "kv-does-not-fit"), (c.label, smaller)
            checked += 1
    # In this preset every claim rests on the longest-context sequence; the other kind (out for memory at the
    # sequences in flight) was met only while MLA latent caches were counted once per tensor-parallel copy on one side
    # of the fit check and once on the other (tests/test_mla_kv_fit.py), and is checked above whenever it occurs.
    assert longest


# 3. quota and capacity at scale ----------------------------------------------------------------------------------------

def _price(notes: str = "", pricing: str = "on-demand") -> GpuPrice:
    return GpuPrice(provider="acme", gpu="h100-sxm", usd_per_gpu_hour=Decimal("2"), pricing=pricing, source="https://example.com/p",
                    as_of="2026-01-01", gpus_per_instance=8, notes=notes)


def _plan(price: GpuPrice, replicas: int) -> billing.Plan:
    return billing.Plan(price=price, policy="fixed", instance_gpus=8, instances_per_replica=1, replicas_per_instance=1,
                        replicas_peak=replicas, replicas_min=replicas, billed_gpu_hours_per_month=0.0, monthly_usd=Decimal(0),
                        replica_hours_per_month=0.0, cold_start_s=0.0)


def test_fleet_reason_names_the_count_the_quota_note_and_the_price_kind():
    assert billing.fleet_reason(_plan(_price(), 8), "h100-sxm") is None  # 64 GPUs: not flagged
    r = billing.fleet_reason(_plan(_price(), 100), "h100-sxm")
    assert r.severity == "warning" and r.numbers["gpus_at_peak"] == 800
    assert r.message.startswith("needs 800 h100-sxm at acme at the peak: check your quota")
    assert "one region" in r.message and "not on-demand" in r.message and "quota request" not in r.message
    q = billing.fleet_reason(_plan(_price("NVIDIA sizes need a quota request on a new account."), 9), "h100-sxm")
    assert "quota request" in q.message and "\n" not in q.message
    assert "usually reserved" not in billing.fleet_reason(_plan(_price(pricing="reserved-1y"), 9), "h100-sxm").message


def test_large_fleets_warn_and_small_ones_do_not(cat):
    rec = _rank(cat, requests_per_day=100_000_000, self_hosting="required", models=["llama-3.1-8b", "qwen3-30b-a3b"])
    hosted = [c for c in rec.candidates if c.deployment == "self-hosted"]
    big = small = 0
    for c in hosted:
        peak_gpus = round(c.hourly_usd / c.usd_per_gpu_hour)  # billed at the peak
        fleet = [r for r in c.reasons if r.code == "fleet-size"]
        if peak_gpus > billing.FLEET_GPUS:
            big += 1
            assert len(fleet) == 1 and fleet[0].severity == "warning", c.label
            assert f"needs {peak_gpus:,} {c.gpu} at {c.provider} at the peak" in fleet[0].message
        else:
            small += 1
            assert not fleet, c.label
    assert big and small


# 4. the KV context ---------------------------------------------------------------------------------------------------

def test_typical_context_left_at_its_default_follows_the_request():
    assert validate(Workload(input_tokens=30_000, output_tokens=1_000, context_max_tokens=131_072)).context_typical_tokens == 31_000
    assert validate(Workload(input_tokens=30_000, output_tokens=1_000, context_max_tokens=131_072,
                             context_typical_tokens=5_000)).context_typical_tokens == 5_000  # set by the user: kept
    assert validate(Workload(input_tokens=1_000, output_tokens=300)).context_typical_tokens == 2_000
    assert api.workload(input_tokens=20_000, output_tokens=500, context_max_tokens=32_768).context_typical_tokens == 20_500
    with pytest.raises(InputError) as err:  # a request longer than the max context is still that error
        validate(Workload(input_tokens=9_000, output_tokens=300, context_max_tokens=8_192))
    assert err.value.field == "context_max_tokens"


def test_kv_lines_state_the_context_the_kv_cache_was_sized_at(cat):
    w = dataclasses.replace(PRESETS["long-context"], context_typical_tokens=5_000)
    rec = recommend_with(w, cat, from_catalog(cat))
    dominated = [c for c in rec.candidates if "kv-dominates" in _codes(c)]
    assert dominated
    for c in dominated:
        r = next(r for r in c.reasons if r.code == "kv-dominates")
        assert c.memory.kv_context_tokens and c.memory.kv_context_tokens > 5_000
        assert f"KV cache at {c.memory.kv_context_tokens:,} tokens" in r.message and "5,000" not in r.message


def test_a_native_4bit_row_says_no_quality_change_not_plus_zero_points(capsys):
    from advisor.cli import main

    assert main(["recommend", "--requests-per-day", "20000", "--input-tokens", "1000", "--output-tokens", "300",
                 "--self-hosting", "required", "--models", "gpt-oss-120b", "--gpu-types", "h100-sxm", "--top", "1",
                 "--details", "1"]) == 0
    out = capsys.readouterr().out
    assert "mxfp4-experts: no quality change (" in out and "+0.0 points" not in out
