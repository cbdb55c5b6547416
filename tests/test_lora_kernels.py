"""The adapters' own kernels (two per adapted linear layer, five per adapted MoE layer) are charged per step, so a LoRA
row's TPOT is longer than the base model's by at least their count x the minimum kernel time at one sequence."""

from advisor import api
from advisor.physics import lora
from advisor.physics.engines import engine_profile
from advisor.physics.performance import estimate_for


def test_kernel_count_from_the_architecture():
    cat = api.catalog()
    llama = cat.models["llama-3.3-70b"]
    attention = lora.LoraPlan(adapters=1, rank=16, targets="attention")
    every = lora.LoraPlan(adapters=1, rank=16, targets="all")
    assert lora.kernels_per_step(llama, attention) == 2 * 2 * 80  # qkv and o, a shrink and an expand each
    assert lora.kernels_per_step(llama, every) == 4 * 2 * 80  # + gate_up and down
    ds = cat.models["deepseek-r1"]  # 3 dense layers, 58 MoE layers with one shared expert each
    assert lora.kernels_per_step(ds, every) == 2 * 2 * 61 + 2 * 2 * (3 + 58) + 5 * 58


def test_a_lone_stream_pays_the_kernels():
    cat = api.catalog()
    m, g = cat.models["llama-3.3-70b"], cat.gpus["h100-sxm"]
    plan = lora.LoraPlan(adapters=1, rank=16, targets="all")
    base = engine_profile(cat, g, "vllm")
    with_lora = lora.profile_for(base, m, 2, plan, 0.001)
    plain = estimate_for(m, g, 2, "fp8", 1000, 200, "fp8", engine=base, concurrency=1)
    adapted = estimate_for(m, g, 2, "fp8", 1000, 200, "fp8", engine=with_lora, concurrency=1)
    kernel_ms = lora.kernels_per_step(m, plan) * base.efficiency.kernel_floor_us / 1000
    assert adapted.tpot_ms - plain.tpot_ms >= 0.95 * kernel_ms
    assert adapted.tpot_ms - plain.tpot_ms <= kernel_ms + 0.01 * plain.tpot_ms + 0.05
