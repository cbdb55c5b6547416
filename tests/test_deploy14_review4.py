"""deploy, review 4: SkyPilot accelerator names per cloud, TensorRT-LLM from NVIDIA's container, reasoning parsers, and a
header that names the release the files install.

The expected SkyPilot names are not copied from ``advisor.deploy.sky_names``: RunPod's and Lambda's are derived here by
the rules SkyPilot's own catalog fetchers apply (github.com/skypilot-org/skypilot, ``sky/catalog/data_fetchers/
fetch_runpod.py`` ``format_gpu_name`` + ``GPU_NAME_OVERRIDES``, ``fetch_lambda_cloud.py`` ``name_to_gpu_and_cnt``) to the
providers' own GPU names (RunPod's display names, https://docs.runpod.io/references/gpu-types; Lambda's instance types,
catalogs/prices/gpu_lambda.toml notes), and Nebius's and DigitalOcean's are rows of skypilot-catalog's CSVs
(catalogs/v9/nebius/vms.csv, catalogs/v6/do/vms.csv; read 2026-12-04)."""

from __future__ import annotations

import shlex

import pytest

from advisor import api
from advisor.deploy import VERSIONS, sky_names
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import launch_warnings, render


def runpod_name(display: str) -> str:
    """fetch_runpod.py's ``format_gpu_name`` on a RunPod display name."""
    base = display.replace("RTX PRO ", "RTXPRO").replace("RTX ", "RTX").replace(" ", "-")
    return {"A100-PCIe": "A100-80GB", "A100-SXM": "A100-80GB-SXM", "H100-PCIe": "H100"}.get(base, base)


def lambda_name(instance_type: str) -> str:
    """fetch_lambda_cloud.py's ``name_to_gpu_and_cnt`` (its one special case included)."""
    return "A100-80GB" if instance_type == "gpu_8x_a100_80gb_sxm4" else instance_type.split("_")[2].upper()


RUNPOD_DISPLAY = {"rtx-4090": "RTX 4090", "rtx-5090": "RTX 5090", "rtx-pro-6000": "RTX PRO 6000", "h100-sxm": "H100 SXM",
                  "h100-pcie": "H100 PCIe", "h200": "H200 SXM", "a100-80gb": "A100 SXM", "b200": "B200", "l40s": "L40S",
                  "l4": "L4"}
"""Catalog GPU -> RunPod's display name of the card the catalog prices (gpu_runpod.toml ``sku``)."""
LAMBDA_TYPES = {"h100-pcie": "gpu_1x_h100_pcie", "h100-sxm": "gpu_8x_h100_sxm5", "a100-40gb": "gpu_1x_a100_sxm4",
                "a100-80gb": "gpu_8x_a100_80gb_sxm4", "gh200": "gpu_1x_gh200", "a10": "gpu_1x_a10", "b200": "gpu_8x_b200_sxm6"}
RUNPOD_ROWS = {"h100-pcie": ("1x_H100_SECURE", "H100"), "b300": ("2x_B300_SECURE", "B300")}
"""Rows of catalogs/v8/runpod/vms.csv (InstanceType, AcceleratorName): 'H100 PCIe' and 'B300' in their GpuInfo."""
NEBIUS_ROWS = {"gpu-h100-sxm_8gpu-128vcpu-1600gb": "H100", "gpu-h200-sxm_8gpu-128vcpu-1600gb": "H200",
               "gpu-b200-sxm_8gpu-160vcpu-1792gb": "B200", "gpu-l40s-a_1gpu-8vcpu-32gb": "L40S"}


@pytest.mark.parametrize("gpu", list(RUNPOD_DISPLAY))
def test_runpod_names_follow_skypilots_runpod_catalog(gpu):
    assert sky_names.accelerator(gpu, "runpod") == runpod_name(RUNPOD_DISPLAY[gpu])


def test_runpod_catalog_rows():
    for gpu, (_, name) in RUNPOD_ROWS.items():
        assert sky_names.accelerator(gpu, "runpod") == name


@pytest.mark.parametrize("gpu", list(LAMBDA_TYPES))
def test_lambda_names_follow_skypilots_lambda_catalog(gpu):
    assert sky_names.accelerator(gpu, "lambda") == lambda_name(LAMBDA_TYPES[gpu])


def test_nebius_and_digitalocean_names_are_their_catalog_rows():
    for instance, name in NEBIUS_ROWS.items():
        gpu = instance.split("_")[0].removeprefix("gpu-").split("-sxm")[0].removesuffix("-a")
        assert sky_names.accelerator({"h100": "h100-sxm"}.get(gpu, gpu), "nebius") == name
    assert sky_names.accelerator("h100-sxm", "do") == "H100"  # gpu-h100x1-80gb, gpu-h100x8-640gb: DO's only GPU rows
    for gpu in ("h200", "mi300x", "mi325x", "mi350x", "b300", "l40s"):
        assert sky_names.accelerator(gpu, "do") is None


def test_h100_pcie_and_sxm_never_write_the_same_resources():
    for infra in ("runpod", "lambda"):
        assert sky_names.resource_lines("h100-pcie", infra, 1) != sky_names.resource_lines("h100-sxm", infra, 1)
    lam = sky_names.resource_lines("h100-sxm", "lambda", 8)
    assert "  instance_type: gpu_8x_h100_sxm5" in [ln.split("  #")[0] for ln in lam]  # the row's instance (gpu_lambda.toml)


def _top(**fields):
    w = api.workload(self_hosting="required", **fields)
    return w, api.recommend(w).candidates[0]


def test_reviewers_phi4_on_rtx4090_at_runpod_gets_runpods_name():
    w, c = _top(models=["phi-4"], gpu_types=["rtx-4090"], providers=["runpod"])
    text = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    assert f"  accelerators: RTX4090:{c.gpus}" in text.splitlines() and "RTX-4090" not in text


def test_a_gpu_skypilot_does_not_name_on_that_cloud_is_warned_not_guessed():
    w, c = _top(models=["gpt-oss-20b"], gpu_types=["h200"], providers=["digitalocean"])
    assert (c.provider, c.gpu) == ("digitalocean", "h200")
    lines = render(c, w, api.catalog(), "skypilot")["service.yaml"].splitlines()
    assert not any(ln.startswith("  accelerators:") for ln in lines) and "  infra: do" in lines
    assert any(ln.startswith("  # WARNING: SkyPilot's do catalog has no accelerator name for h200") for ln in lines)
    assert any("no accelerator name for h200" in x for x in launch_warnings(c, w, api.catalog(), "skypilot"))
    assert not any("accelerator name" in x for x in launch_warnings(c, w, api.catalog(), "vllm"))


def test_tensorrt_llm_service_runs_nvidias_release_container():
    w, c = _top(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"], engines=["trtllm"])
    text = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    image = next(ln for ln in text.splitlines() if ln.startswith("  image_id: "))
    tag = image.split("docker:nvcr.io/nvidia/tensorrt-llm/release:", 1)[1].split()[0]
    assert tag.startswith(VERSIONS["trtllm"].rsplit(" ", 1)[1] + ".")  # the 1.0 the options file is written for
    assert "pip install" not in text.split("setup: |", 1)[1].split("run: |", 1)[0]


def _argv(script: str, program: str) -> list[str]:
    body = "\n".join(ln for ln in script.splitlines() if not ln.lstrip().startswith("#")).replace("\\\n", " ")
    return shlex.split(next(ln for ln in body.splitlines() if program in ln))


@pytest.mark.parametrize(("engine", "program", "flag", "name"), [("vllm", "vllm serve", "--reasoning-parser", "deepseek_r1"),
                                                                   ("sglang", "sglang.launch_server", "--reasoning-parser", "deepseek-r1"),
                                                                   ("trtllm", "trtllm-serve", "--reasoning_parser", "deepseek-r1")])
def test_a_reasoning_row_separates_its_thinking_tokens(engine, program, flag, name):
    w, c = _top(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"])
    assert c.mode == "reasoning"
    argv = _argv(render(c, w, api.catalog(), engine)["serve.sh"], program)
    assert argv[argv.index(flag) + 1] == name


def test_qwen3_rows_get_the_qwen3_parser_and_a_model_without_modes_none():
    w, c = _top(models=["qwen3-30b-a3b"], gpu_types=["h100-sxm"])
    for engine, program in (("vllm", "vllm serve"), ("sglang", "sglang.launch_server")):
        argv = _argv(render(c, w, api.catalog(), engine)["serve.sh"], program)
        assert argv[argv.index("--reasoning-parser") + 1] == "qwen3"
    w, c = _top(models=["phi-4"], gpu_types=["h100-sxm"])
    assert "reasoning-parser" not in render(c, w, api.catalog(), "vllm")["serve.sh"]


def test_a_reasoning_row_without_a_known_parser_says_where_the_thinking_goes():
    w, c = _top(models=["deepseek-r1"], gpu_types=["h200"], precisions=["fp8"])
    p = plan_for(c, w, api.catalog())
    import dataclasses

    from advisor.deploy.engines import notes

    other = dataclasses.replace(p, model_id="deepseek-v4-flash")  # reasoning mode, no parser recorded
    assert any("thinking tokens arrive in content" in n for n in notes(other, "trtllm"))


@pytest.mark.parametrize(("fields", "pin"), [({"models": ["phi-4"], "gpu_types": ["rtx-4090"], "providers": ["runpod"]}, "0.16"),
                                             ({"models": ["deepseek-r1"], "gpu_types": ["h200"], "precisions": ["fp8"]}, "0.12")])
def test_the_header_names_the_vllm_the_service_installs(fields, pin):
    w, c = _top(engines=["vllm"], **fields)
    text = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    header = next(ln for ln in text.splitlines() if "SkyPilot 0.10 service" in ln)
    assert f'pip install "vllm=={pin}.*"' in text and f"vllm=={pin}.*" in header and f"vLLM {pin}" in header
    script = render(c, w, api.catalog(), "vllm")["serve.sh"]
    assert f"vllm=={pin}.*" in script.splitlines()[2]  # serve.sh says the same release
