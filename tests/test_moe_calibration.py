"""MoE-specific physics checked against what the sources say: MLA attention cost, chunked-attention KV kept
in full by some engines, and the DeepSeek-R1 calibration rows' provenance."""

from __future__ import annotations

import csv

import pytest

from advisor.errors import InputError
from advisor.physics.calibration import calibration_path, load_rows
from advisor.physics.performance import _attention_flops_per_token, attention_flops_rate, estimate_for
from advisor.runtime import default_catalog


@pytest.fixture(scope="module")
def cat():
    return default_catalog()


def test_mla_prefill_uses_plain_heads_and_decode_the_absorbed_latent(cat):
    m = cat.models["deepseek-r1"]
    dec = _attention_flops_per_token(m, 1000.0)
    pre = _attention_flops_per_token(m, 1000.0, prefill=True)
    # decode: (576 + 512) per head per cached token; prefill: (192 + 128)
    assert dec / pre == pytest.approx((576 + 512) / (192 + 128), rel=1e-6)
    gqa = cat.models["llama-3.3-70b"]
    assert _attention_flops_per_token(gqa, 1000.0, prefill=True) == _attention_flops_per_token(gqa, 1000.0)


def test_mla_decode_computes_in_bf16_on_hopper_and_fp8_on_blackwell(cat):
    h200, b200 = cat.gpus["h200"], cat.gpus["b200"]
    assert attention_flops_rate(h200, "fp8", "mla") == attention_flops_rate(h200, "bf16", "mla")
    assert attention_flops_rate(h200, "fp8", "gqa") > attention_flops_rate(h200, "bf16", "gqa")
    assert attention_flops_rate(b200, "fp8", "mla") > attention_flops_rate(b200, "bf16", "mla")


def test_chunked_kv_kept_in_full_costs_throughput_only_past_the_chunk(cat):
    m, g, eng = cat.models["llama-4-maverick"], cat.gpus["h200"], cat.engines["trtllm"]

    def run(inp, out, ck):
        return estimate_for(m, g, 8, "fp8", inp, out, kv_precision="bf16", engine=eng, layout="tp", chunked_kv=ck)

    long_c, long_f = run(20000, 2000, "chunked"), run(20000, 2000, "full")
    ctx, chunk, layers, chunked = 22000, m.attention_chunk_size, m.num_hidden_layers, m.chunked_layers
    ratio = layers * ctx / ((layers - chunked) * ctx + chunked * chunk)
    assert long_f.kv_bytes_for_context / long_c.kv_bytes_for_context == pytest.approx(ratio, rel=1e-3)
    assert long_f.max_concurrency < long_c.max_concurrency
    assert long_f.output_tokens_per_s < 0.8 * long_c.output_tokens_per_s
    short_c, short_f = run(2048, 128, "chunked"), run(2048, 128, "full")
    assert short_f.output_tokens_per_s == pytest.approx(short_c.output_tokens_per_s)
    with pytest.raises(InputError):
        run(2048, 128, "sometimes")


def test_trtllm_maverick_rows_carry_the_full_chunked_kv_flag():
    rows, _ = load_rows()
    mav = [r for r in rows if r.model == "llama-4-maverick" and r.engine == "trtllm"]
    assert mav and all(r.chunked_kv == "full" for r in mav)
    assert all(r.chunked_kv is None for r in rows if r.model != "llama-4-maverick")


def test_dstack_deepseek_rows_are_output_only_and_sourced():
    with calibration_path().open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["id"].startswith("dstack-dsr1-")]
    raw = [r for r in rows if "raw_data" in r["source_url"]]
    assert len(raw) >= 80
    for r in raw:
        assert r["source_url"].startswith("https://github.com/dstackai/benchmarks/")
        assert r["as_of"] and r["engine_version"] and r["layout"] in ("tp", "tp_ep", "dep")
        assert int(r["input_tokens"]) == 3200 and r["concurrency"].isdigit()
        # output tokens/s of 8 GPUs can never exceed concurrency x 1000 / (a 5 ms step)
        assert float(r["output_tokens_per_s"]) < int(r["concurrency"]) * 200
    # the blog's headline 6311 tok/s counts input + output: it must no longer be scored as output
    head = next(r for r in rows if r["id"] == "dstack-dsr1-h200-sglang-offline")
    assert head["scored"] == "no"
    same = next(r for r in raw if r["id"] == "dstack-dsr1-h200-sglang-offline-800-n512")
    assert float(same["output_tokens_per_s"]) == pytest.approx(6311.04 * 800 / 4000, rel=1e-3)
