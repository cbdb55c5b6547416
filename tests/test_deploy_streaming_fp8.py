"""A row quantized to FP8 at load time whose bf16 weights per GPU outgrow the GPU: vLLM before the streaming load
(pull request 31914) runs out of memory reading them, so deploy pins a vLLM that streams, the ranking says so without
a warning on vLLM rows, and an SGLang launch of it is warned about."""

from advisor import api
from advisor.deploy import support
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render


def _phi4_on_a_4090():
    w = api.workload(models=["phi-4"], gpu_types=["rtx-4090", "h100-sxm"], precisions=["fp8"], self_hosting="required",
                     requests_per_day=30000)
    rec = api.recommend(w)
    small = next(c for c in rec.candidates if (c.gpu, c.gpus, c.engine) == ("rtx-4090", 1, "vllm"))
    big = next(c for c in rec.candidates if c.gpu == "h100-sxm")
    return rec.workload, small, big


def test_the_plan_holds_the_bf16_bytes_per_gpu_only_where_they_overflow():
    w, small, big = _phi4_on_a_4090()
    cat = api.catalog()
    p = plan_for(small, w, cat)
    assert p.quantize_online and p.streaming_fp8
    assert 24e9 < p.load_peak_bytes < 32e9  # phi-4: 14.7B parameters in bf16 on one 24 GB card
    assert plan_for(big, w, cat).load_peak_bytes == 0


def test_deploy_pins_a_streaming_vllm_on_nvidia_and_amd():
    w, small, big = _phi4_on_a_4090()
    cat = api.catalog()
    setup = render(small, w, cat, "skypilot")["service.yaml"]
    floor = support.version_text(support.STREAMING_FP8_VLLM)
    assert f'pip install "vllm=={floor}.*"' in setup
    assert f'pip install "vllm=={support.version_text(support.BASE_VLLM)}.*"' in render(big, w, cat, "skypilot")["service.yaml"]
    rec = api.recommend(api.preset("long-context"))
    scout = next(c for c in rec.candidates if (c.model, c.gpu, c.gpus, c.precision, c.engine) == ("llama-4-scout", "mi300x", 1, "fp8", "vllm"))
    files = render(scout, rec.workload, cat, "skypilot")["service.yaml"]
    image = next(ln for ln in files.splitlines() if "image_id:" in ln)
    tag = tuple(int(x) for x in image.split("rocm:v")[1].split()[0].split("."))
    assert tag[:2] >= support.STREAMING_FP8_VLLM


def test_vllm_rows_say_it_and_sglang_launches_are_warned():
    w, small, big = _phi4_on_a_4090()
    lines = [r for r in small.reasons if r.code == "checkpoint" and "load_peak_bytes_per_gpu" in r.numbers]
    assert lines and lines[0].severity == "info" and "31914" in lines[0].message
    assert not [r for r in big.reasons if "load_peak_bytes_per_gpu" in r.numbers]
    sglang = render(small, w, api.catalog(), "sglang")["serve.sh"]
    assert any(ln.startswith("# WARNING: SGLang quantizes to fp8 after loading every bf16 weight") for ln in sglang.splitlines())
    vllm = render(small, w, api.catalog(), "vllm")["serve.sh"]
    assert "WARNING: SGLang" not in vllm
