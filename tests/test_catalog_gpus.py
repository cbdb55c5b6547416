"""The bundled GPU catalog: provenance, dense-figure sanity, FP4 only where the silicon has it, PCIe cards
without NVLink, and the new GPUs reachable through the CLI, the API and the price book."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from advisor import api
from advisor.cli import main
from advisor.physics.performance import peak_flops

NEW_GPUS = {"b300", "mi350x", "mi355x", "rtx-pro-6000", "a10", "a100-40gb", "rtx-4090", "rtx-5090"}

# Architectures with FP4 tensor cores: NVIDIA Blackwell (datacenter B200/B300, and the GB202 RTX cards) and
# AMD CDNA4 (MI350 series). Hopper, Ada, Ampere and CDNA3 have none.
FP4_CAPABLE = {"b200", "b300", "rtx-pro-6000", "rtx-5090", "mi350x", "mi355x"}
NO_FP4 = {"h100-sxm", "h100-pcie", "h200", "gh200", "a100-80gb", "a100-40gb", "a10", "l40s", "l4", "rtx-4090",
          "mi300x", "mi325x"}
PCIE_CARDS = {"h100-pcie", "l40s", "l4", "a10", "rtx-4090", "rtx-5090", "rtx-pro-6000"}

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_gpus_load_without_problems(cat):
    assert not [p for p in cat.problems if "gpus" in str(p)], cat.problems
    assert NEW_GPUS <= set(cat.gpus)


def test_every_gpu_names_a_public_source_and_a_date(cat):
    for g in cat.gpus.values():
        assert "http" in g.source or "AIC" in g.source, f"{g.id}: source names no public page"
        assert ISO_DATE.match(g.as_of), f"{g.id}: as_of {g.as_of!r} is not an ISO date"


def test_fp4_only_on_blackwell_and_mi350_series(cat):
    assert FP4_CAPABLE | NO_FP4 >= set(cat.gpus), "classify every catalog GPU as FP4-capable or not"
    for gid, g in cat.gpus.items():
        if gid in FP4_CAPABLE:
            assert g.fp4_tflops >= g.fp8_tflops > 0, f"{gid} has FP4 tensor cores: fp4_tflops must be set (>= fp8)"
        else:
            assert g.fp4_tflops == 0, f"{gid} has no FP4 tensor cores"


def test_fp4_weights_run_at_fp4_rate_only_where_supported(cat):
    # Blackwell: FP4 matmuls at the FP4 peak; Hopper: FP4 weights upcast to the FP8 rate; Ampere: BF16.
    assert peak_flops(cat.gpus["b300"], "fp4") == pytest.approx(cat.gpus["b300"].fp4_tflops * 1e12)
    assert peak_flops(cat.gpus["mi355x"], "fp4") == pytest.approx(cat.gpus["mi355x"].fp4_tflops * 1e12)
    assert peak_flops(cat.gpus["h100-sxm"], "fp4") == pytest.approx(cat.gpus["h100-sxm"].fp8_tflops * 1e12)
    assert peak_flops(cat.gpus["a10"], "fp4") == pytest.approx(cat.gpus["a10"].bf16_tflops * 1e12)


def test_figures_are_dense_not_sparsity_doubled(cat):
    for gid, g in cat.gpus.items():
        if g.fp8_tflops:
            # every part in the catalog runs FP8 at 2x its dense BF16 rate; a sparse figure would read 4x
            assert 1.9 <= g.fp8_tflops / g.bf16_tflops <= 2.1, gid
        if g.int8_tops:
            assert g.int8_tops <= 4.1 * g.bf16_tflops, gid
        assert 0.1 <= g.hbm_tbps <= 10.0, gid
        assert 16 <= g.memory_gib <= 300, gid


@pytest.mark.parametrize("gid, memory, bw", [("b300", 275040 / 1024, 8.0), ("mi355x", 288, 8.0), ("mi350x", 288, 8.0),
                                             ("rtx-pro-6000", 97887 / 1024, 1.792), ("a10", 23028 / 1024, 0.6), ("a100-40gb", 40, 1.555),
                                             ("rtx-4090", 24, 1.008), ("rtx-5090", 32, 1.792)])
def test_headline_memory_and_bandwidth(cat, gid, memory, bw):
    """The memory nvidia-smi reports where a cited source gives it (an A10 with ECC on, a B300's 275,040 MiB), else the
    headline GiB; the bandwidth as sold."""
    g = cat.gpus[gid]
    assert (g.memory_gib, g.hbm_tbps) == (memory, bw)


def test_pcie_cards_have_no_nvlink(cat):
    for gid in PCIE_CARDS:
        g = cat.gpus[gid]
        assert g.interconnect.startswith("PCIe"), gid
        assert g.interconnect_gbps <= 64.0, f"{gid}: PCIe Gen5 x16 moves at most 64 GB/s per direction"
    for gid in ("b300", "b200", "a100-40gb"):
        assert cat.gpus[gid].interconnect.startswith("NVLink")


def test_tensor_parallel_over_pcie_is_penalised_not_refused(cat):
    """The physics uses interconnect_gbps for the per-layer all-reduce: TP4 over PCIe still fits and runs, but
    spends more of each step communicating than the same card would over NVLink."""
    pcie = cat.gpus["rtx-pro-6000"]
    nvlink = replace(pcie, id="rtx-pro-6000-nvlink", interconnect="NVLink 5", interconnect_gbps=900.0)
    kw = dict(gpus=4, precision="fp8", input_tokens=2048, output_tokens=512, engine="vllm", layout="tp")
    slow, fast = api.estimate("llama-3.3-70b", pcie, **kw), api.estimate("llama-3.3-70b", nvlink, **kw)
    assert slow.fits and fast.fits
    assert slow.step.comm_s > 5 * fast.step.comm_s
    assert slow.output_tokens_per_s < fast.output_tokens_per_s
    single = api.estimate("llama-3.1-8b", pcie, gpus=1, precision="fp8", engine="vllm")
    assert single.step.comm_s == 0.0  # one card: no interconnect traffic at all


def test_cli_lists_the_new_gpus(capsys):
    code, out, _ = run(capsys, "list", "gpus", "--format", "json")
    assert code == 0
    ids = {row["id"] for row in json.loads(out)}
    assert NEW_GPUS <= ids
    assert NEW_GPUS <= {g.id for g in api.gpus()}


def test_prices_show_the_new_rows(capsys):
    code, out, _ = run(capsys, "prices")
    assert code == 0
    rows = [ln.split() for ln in out.splitlines()]
    seen = {(r[0], r[2]) for r in rows if len(r) > 3}
    for provider, gpu in [("lambda", "a10"), ("lambda", "a100-40gb"), ("runpod", "b300"),
                          ("runpod", "rtx-4090"), ("runpod", "rtx-5090"), ("runpod", "rtx-pro-6000")]:
        assert (provider, gpu) in seen, (provider, gpu)


def test_a10_and_a100_40gb_prices_are_priced_per_gpu(cat):
    # AWS g5 instances carry the A10G, a different part: none of their prices may be filed under the A10.
    a10 = [p for p in cat.gpu_prices if p.gpu == "a10"]
    assert a10 and all(p.provider != "aws" for p in a10)
    lam = [p for p in cat.gpu_prices if p.gpu == "a100-40gb" and p.provider == "lambda"]
    assert len(lam) == 1 and lam[0].gpus_per_instance == 1 and str(lam[0].usd_per_gpu_hour) == "1.99"
