"""SkyPilot's accelerator name for a catalog GPU on a cloud: the ``AcceleratorName`` column of SkyPilot's catalog for that
cloud, which differs between clouds (RunPod's H100 SXM is ``H100-SXM`` and its H100 PCIe ``H100``; Lambda calls both
``H100``). A name SkyPilot's catalog lacks for a cloud matches no instance and the launch fails, so such a file says so
instead of guessing (``accelerator``).

Sources (github.com/skypilot-org, read 2026-12-04):

- RunPod: ``sky/catalog/data_fetchers/fetch_runpod.py`` (skypilot commit 06f47324759f839ce5b880fc23be7a44f9b345d4), which
  writes the catalog: the name is RunPod's display name with ``RTX PRO `` -> ``RTXPRO``, ``RTX `` -> ``RTX`` and spaces ->
  ``-``, then ``GPU_NAME_OVERRIDES`` (``A100-PCIe`` -> ``A100-80GB``, ``A100-SXM`` -> ``A100-80GB-SXM``, ``H100-PCIe``
  -> ``H100``); its ``DEFAULT_GPU_INFO`` lists ``H100``, ``H100-SXM``, ``H100-NVL``, ``H200-SXM``, ``B200``, ``L4``,
  ``L40S``, ``MI300X``, ``RTX4090``, ``RTX5090``, ``RTXPRO6000`` (and its ``-MaxQ``/``-WK`` workstation variants).
  skypilot-catalog ``catalogs/v8/runpod/vms.csv`` (commit 01acdfd419ce5afae1289ff14825b893ced0c196) rows read:
  ``1x_A100-80GB_SECURE,A100-80GB`` for RunPod's 'A100 PCIe', ``1x_H100_SECURE,H100`` for its 'H100 PCIe',
  ``2x_B300_SECURE,B300`` for its B300.
- Lambda: ``sky/catalog/data_fetchers/fetch_lambda_cloud.py`` (commit 115eca47b7399a0eb0006da29149c0ef4f32e2bc): the
  name is the instance type's third field upper-cased (``gpu_1x_h100_pcie`` and ``gpu_8x_h100_sxm5`` -> ``H100``,
  ``gpu_1x_a100_sxm4`` -> ``A100``, ``gpu_1x_gh200`` -> ``GH200``), ``gpu_8x_a100_80gb_sxm4`` -> ``A100-80GB``; its
  ``GPU_TO_MEMORY`` names A100, A100-80GB, A10, H100, GH200, B200. H100 PCIe and SXM share the name, so the file pins
  the instance type (``LAMBDA_INSTANCE``).
- Nebius: skypilot-catalog ``catalogs/v9/nebius/vms.csv`` (commit d9bf3aa4d21f5c1e1f3d8fde27adf0204c46fbc8):
  ``gpu-h100-sxm_*`` -> ``H100``, ``gpu-h200-sxm_*`` -> ``H200``, ``gpu-b200-sxm*`` -> ``B200``, ``gpu-l40s-*`` -> ``L40S``.
- DigitalOcean: ``catalogs/v6/do/vms.csv`` (commit 1fbe7331dd1f13d70ac4f249bb7ee7a659fc6b6a, the newest DO catalog
  there): ``gpu-h100x1-80gb`` and ``gpu-h100x8-640gb`` -> ``H100``, no other GPU.
- AWS: ``sky/catalog/data_fetchers/fetch_aws.py`` (commit 005261080a6b8102f3d95ff2147a855250f40272) takes the name
  from EC2's own ``GpuInfo`` (p5 ``H100``, p4d ``A100``, g6 ``L4``, g6e ``L40S``, p5e ``H200``, p6-b200 ``B200``) and
  overrides ``p4de.24xlarge`` -> ``A100-80GB`` and ``p5en.48xlarge`` -> ``H200``.
- GCP: ``fetch_gcp.py`` maps ``nvidia-h100-80gb`` -> ``H100`` (``nvidia-h100-mega-80gb`` -> ``H100-MEGA``, the same
  SXM card on a3-mega), a2-ultragpu -> ``A100-80GB`` and a2-highgpu -> ``A100``; ``sky/clouds/gcp.py`` turns ``A100-80GB``,
  ``L4``, ``B200``, ``H100``, ``H200`` back into GCP accelerator types.
- Azure: ND H100 v5 -> ``H100``, ND A100 v4 -> ``A100``/``A100-80GB`` (``sky show-gpus --infra azure``).

AWS, GCP and Azure sell one H100 form factor (SXM), so ``H100`` names the card the row was costed on there."""

from __future__ import annotations

NAMES: dict[str, dict[str, str]] = {
    "runpod": {"h100-sxm": "H100-SXM", "h100-pcie": "H100", "h200": "H200-SXM", "b200": "B200", "b300": "B300",
               "a100-80gb": "A100-80GB-SXM", "l40s": "L40S", "l4": "L4", "mi300x": "MI300X", "rtx-4090": "RTX4090",
               "rtx-5090": "RTX5090", "rtx-pro-6000": "RTXPRO6000"},
    "lambda": {"h100-sxm": "H100", "h100-pcie": "H100", "a100-80gb": "A100-80GB", "a100-40gb": "A100", "a10": "A10",
               "gh200": "GH200", "b200": "B200"},
    "nebius": {"h100-sxm": "H100", "h200": "H200", "b200": "B200", "l40s": "L40S"},
    "do": {"h100-sxm": "H100"},
    "aws": {"h100-sxm": "H100", "a100-80gb": "A100-80GB", "a100-40gb": "A100", "h200": "H200", "b200": "B200", "l4": "L4",
            "l40s": "L40S"},
    "gcp": {"h100-sxm": "H100", "a100-80gb": "A100-80GB", "a100-40gb": "A100", "l4": "L4", "h200": "H200", "b200": "B200"},
    "azure": {"h100-sxm": "H100", "a100-80gb": "A100-80GB", "a100-40gb": "A100"},
}
"""SkyPilot infra -> catalog GPU id -> SkyPilot's ``AcceleratorName`` there (module docstring). RunPod's catalog
a100-80gb is its 'A100 SXM 80GB' (prices/gpu_runpod.toml ``sku``), hence ``A100-80GB-SXM``."""

GENERIC = {"h100-sxm": "H100", "h100-pcie": "H100", "h200": "H200", "b200": "B200", "a100-80gb": "A100-80GB",
           "a100-40gb": "A100", "l40s": "L40S", "l4": "L4", "a10": "A10", "gh200": "GH200", "mi300x": "MI300X",
           "mi325x": "MI325X", "b300": "B300"}
"""The name most SkyPilot clouds use, for a provider SkyPilot has no cloud for (the user sets ``infra`` themselves,
e.g. Kubernetes, whose GPU names come from the cluster's node labels, matched against SkyPilot's canonical names:
``CANONICAL_GPU_NAMES`` in sky/utils/gpu_names.py, which lists B300, B200, GH200, H200, H100, A100-80GB, A100, A10,
L40S, L4)."""

LAMBDA_INSTANCE = {"h100-pcie": "gpu_{n}x_h100_pcie", "h100-sxm": "gpu_{n}x_h100_sxm5"}
"""Lambda instance types where one SkyPilot name covers two cards (``H100``): the instance type says which."""


def accelerator(gpu: str, infra: str | None) -> str | None:
    """SkyPilot's name for ``gpu`` on ``infra`` (``GENERIC`` where infra is None), None where its catalog has none."""
    return (NAMES.get(infra, {}) if infra else GENERIC).get(gpu)


def missing(gpu: str, infra: str | None) -> str:
    """Why the file names no accelerator ("" when it does)."""
    if accelerator(gpu, infra):
        return ""
    where = f"SkyPilot's {infra} catalog" if infra else "SkyPilot"
    look = f"sky show-gpus --infra {infra}" if infra else "sky show-gpus"
    return (f"{where} has no accelerator name for {gpu} (advisor.deploy.sky_names lists its sources), so a name here "
            f"would match no instance: set resources.accelerators yourself from `{look}` if it lists the card, "
            "or rank without this provider")


def resource_lines(gpu: str, infra: str | None, count: int) -> list[str]:
    """The ``resources:`` lines that name the GPU: ``accelerators`` (commented out with a WARNING where SkyPilot has no
    name for it there) and, on Lambda, the ``instance_type`` that tells H100 PCIe from SXM."""
    name = accelerator(gpu, infra)
    if name is None:
        return [f"  # WARNING: {missing(gpu, infra)}", f"  # accelerators: <name>:{count}"]
    lines = [f"  accelerators: {name}:{count}"]
    if infra == "lambda" and gpu in LAMBDA_INSTANCE:
        lines.append(f"  instance_type: {LAMBDA_INSTANCE[gpu].format(n=count)}  # Lambda calls H100 PCIe and SXM both H100")
    return lines
