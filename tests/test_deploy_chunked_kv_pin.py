"""A Llama 4 row costed on vLLM holds one chunk of KV on its chunked-attention layers, which vLLM keeps only from
0.14 (0.10.1-0.13 turn the hybrid KV cache manager off for such a model by default: full KV on every layer), so the
launch files pin at least 0.14 there and say why; a row costed with full KV (TensorRT-LLM's policy) or a model without
chunked layers keeps the recipe's series."""

from advisor import api
from advisor.deploy import support
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render


def _row(model: str, engine: str, gpu: str = "h200"):
    w = api.workload(models=[model], gpu_types=[gpu], engines=[engine], self_hosting="required", requests_per_day=30000,
                     input_tokens=20000, output_tokens=500, context_max_tokens=32768)
    rec = api.recommend(w)
    return rec.workload, rec.candidates[0]


def test_a_chunked_kv_row_on_vllm_pins_the_release_that_keeps_one_chunk():
    w, scout = _row("llama-4-scout", "vllm")
    cat = api.catalog()
    p = plan_for(scout, w, cat)
    assert p.chunked_kv
    assert support.vllm_minimum(p.model_id) < support.CHUNKED_KV_VLLM  # the recipe alone would pin 0.12
    pin = f"vllm=={support.version_text(support.CHUNKED_KV_VLLM)}.*"
    assert p.vllm_pin == pin
    assert f'pip install "{pin}"' in render(scout, w, cat, "skypilot")["service.yaml"]
    serve = render(scout, w, cat, "vllm")["serve.sh"]
    assert any("one chunk on llama-4-scout's chunked-attention layers" in ln and pin in ln for ln in serve.splitlines())
    header = next(ln for ln in serve.splitlines() if "flags documented since" in ln)
    assert header.startswith(f"# vLLM {support.version_text(support.CHUNKED_KV_VLLM)} ({pin})")


def test_full_kv_rows_and_models_without_chunked_layers_keep_the_recipe_series():
    cat = api.catalog()
    w, trt = _row("llama-4-scout", "trtllm")
    assert trt.engine == "trtllm" and not plan_for(trt, w, cat).chunked_kv  # costed with full KV: 0.12 keeps that too
    w, dense = _row("llama-3.3-70b", "vllm")
    p = plan_for(dense, w, cat)
    assert not p.chunked_kv and p.vllm_pin == f"vllm=={support.version_text(support.BASE_VLLM)}.*"


def test_the_amd_image_is_raised_too():
    w, scout = _row("llama-4-scout", "vllm", gpu="mi300x")
    tag = plan_for(scout, w, api.catalog()).vllm_image.rsplit(":v", 1)[1]
    assert tuple(int(x) for x in tag.split("."))[:2] >= support.CHUNKED_KV_VLLM
