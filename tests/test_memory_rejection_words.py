"""A memory rejection names its engine (the runtime reserve and KV layout are the engine's), says the shortfall in a
sensible unit ("just short" under 1% of the GPU), and where the engine's default GPU memory share leaves more unused
than is missing, the flag value that makes it fit."""

from __future__ import annotations

import re

from advisor import api


def _rejections():
    w = api.workload(requests_per_day=3000, input_tokens=200_000, output_tokens=800, latency="interactive", ttft_ms=20_000,
                     context_max_tokens=210_000, self_hosting="required")
    return [r for r in api.recommend(w).rejected if r.reasons and r.reasons[0].code == "does-not-fit" and r.shortfall_bytes > 0]


def test_every_memory_rejection_names_its_engine_and_rounds_the_shortfall():
    rej = _rejections()
    assert rej
    for r in rej:
        m, n = r.reasons[0].message, r.reasons[0].numbers
        assert f"in {r.precision} on {n['engine']}: needs" in m
        assert not re.search(r"short by [\d.,]+ [MK]B", m), m  # never a sub-GB figure to the megabyte
        gpu = api.catalog().gpus[r.gpu]
        assert ("just short" in m) == (r.shortfall_bytes < 0.01 * gpu.memory_bytes)


def test_a_vllm_rejection_inside_the_default_memory_share_says_the_flag_value_that_fits():
    hits = [r for r in _rejections() if r.reasons[0].numbers.get("engine") == "vllm"
            and "memory_fraction_to_fit" in r.reasons[0].numbers]
    assert hits
    for r in hits:
        need = r.reasons[0].numbers["memory_fraction_to_fit"]
        gpu = api.catalog().gpus[r.gpu]
        assert 0.9 < need <= 0.98 and need >= 0.9 + r.shortfall_bytes / gpu.memory_bytes - 1e-9
        assert f"--gpu-memory-utilization {need:.2f} would make it fit" in r.reasons[0].message


def test_llama_4_on_h200_at_200k_names_the_engine_that_keeps_the_full_kv():
    r = next(r for r in _rejections() if r.model == "llama-4-scout" and r.gpu == "h200" and r.gpus == 1)
    m = r.reasons[0].message
    assert r.reasons[0].numbers["engine"] == "trtllm" and " on trtllm: " in m
    assert "trtllm keeping the chunked-attention layers' KV for the whole context" in m


def test_a_cut_vllm_reason_in_the_rejected_screen_keeps_its_shortfall():
    """The flag suggestion after the shortfall is too long to be the kept last clause: the cut keeps the shortfall."""
    from advisor.tui.screens.rejected import form_names, short_reason

    hits = [r for r in _rejections() if "memory_fraction_to_fit" in r.reasons[0].numbers]
    assert hits
    for r in hits:
        m = form_names(r.reasons[0].message)
        figure = re.search(r"(short by|just short:) [\d.]+ GB per GPU", m).group()
        for width in (44, 60, 80):  # 44: the narrowest "why" column at 80 columns
            cut = short_reason(m, width)
            assert len(cut) <= width and figure in cut and cut.startswith(m.split()[0]), (width, cut)
