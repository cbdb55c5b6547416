"""A fresh instance's start, in time (see ``advisor.cost.billing``'s docstring: the four steps a scale-up or a
scale-to-zero job's daily start pays, and what a fine-tuning run adds), and durations as a reason writes them."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.domain.prices import GpuPrice

INSTANCE_BOOT_S = 180.0
"""Provisioning and boot of a GPU instance. Assumption: the middle of "1-5 minutes from zero" for a cloud VM
(Union.ai, https://web.union.ai/blog-post/we-cut-container-cold-boot-from-minutes-to-seconds-heres-how, read
2026-12-03); no provider in the catalog publishes a figure."""
IMAGE_PULL_S = 240.0
"""Pulling and unpacking the serving engine's image (vLLM, SGLang and TensorRT-LLM images exceed 10 GB) on a fresh
instance. The low end of the public figures for a 10 GB image: "4-5 minutes" (Union.ai, above) and "7-10
minutes" with overlayfs (Tensorfuse, https://tensorfuse.io/docs/blogs/snapshotter_graphs, read 2026-12-03)."""
DOWNLOAD_GBPS = 0.5
"""Weight download rate (GB/s) when the price row states no ``storage_gbps``: about the ceiling of the plain Python
Hugging Face client, which hf_transfer exists to "go beyond ~500MB/s" on very fast networks
(https://pypi.org/project/hf-transfer/, read 2026-12-03). An assumption for object storage too."""
ENGINE_START_S = 90.0
"""Engine start besides the download (loading local weights into the GPUs, torch.compile, CUDA graphs, warm-up).
Assumption; Tensorfuse measured 54 s of CUDA-graph capture alone for vLLM at its defaults
(https://tensorfuse.io/docs/blogs/reducing_gpu_cold_start, 2025-09-01)."""
BILLS_STOPPED = {
    "digitalocean": "https://docs.digitalocean.com/reference/doctl/reference/compute/droplet-action/power-off",
}
"""Providers that bill a powered-off machine ("Droplets that are powered off are still billable. To stop incurring
charges on a Droplet, destroy it."): scaling down destroys it, and every start is a fresh one."""

SERVERLESS_SKIPS = "the platform keeps the machine up and the worker's image cached on its hosts"
"""Why a ``serverless`` worker's cold start has no instance boot and no image pull, only the weights and the engine's
start: RunPod, "Your workers' Docker images are cached on our RunPod's host servers, ensuring faster scalability"
(https://docs.runpod.io/serverless/workers/overview, read 2026-12-06). Public worker starts range from 7 s (a FlashBoot
snapshot) to 7 min (a fresh host): https://sergeyshmakov.github.io/mineru-runpod/blog/tags/gpu/; RunPod gives "10-60
seconds total" for a cold start (https://docs.runpod.io/flash/execution-model) and, with FlashBoot on a Whisper endpoint,
"95% of our cold-starts are less than 2.3 seconds" (https://blog.runpod.io/introducing-flashboot-1-second-serverless-cold-start/).
An LLM engine's start (weights into GPU memory, CUDA graphs) is kept here, so the figure is a fresh worker's, the
cautious end: a snapshot restore is faster."""


@dataclass(frozen=True)
class ColdStart:
    """The steps of a fresh start, in seconds (see ``advisor.cost.billing``'s docstring)."""

    boot_s: float
    image_s: float
    weights_s: float
    engine_s: float
    weights_bytes: float
    gbps: float

    @property
    def total_s(self) -> float:
        return self.boot_s + self.image_s + self.weights_s + self.engine_s

    def text(self) -> str:
        if not self.boot_s and not self.image_s:  # a serverless worker's
            return (f"weights {self.weights_bytes / 1e9:,.1f} GB at {self.gbps:g} GB/s {duration(self.weights_s)} + engine start "
                    f"{duration(self.engine_s)}; no boot or image pull: {SERVERLESS_SKIPS}")
        return (f"instance boot {duration(self.boot_s)} + image pull {duration(self.image_s)} + weights "
                f"{self.weights_bytes / 1e9:,.1f} GB at {self.gbps:g} GB/s {duration(self.weights_s)} + engine start "
                f"{duration(self.engine_s)}")


def download_gbps(price: GpuPrice | None) -> float:
    return (price.storage_gbps if price is not None else 0.0) or DOWNLOAD_GBPS


def cold_start(weights_bytes: float, price: GpuPrice | None) -> ColdStart:
    """A fresh instance's start with ``weights_bytes`` of checkpoint to download (one copy per instance: the
    engines packed into it load the same files); a ``serverless`` worker's without the boot and the image pull
    (``SERVERLESS_SKIPS``)."""
    rate = download_gbps(price)
    boot, image = _machine_s(price)
    return ColdStart(boot, image, weights_bytes / (rate * 1e9), ENGINE_START_S, weights_bytes, rate)


def _machine_s(price: GpuPrice | None) -> tuple[float, float]:
    return (0.0, 0.0) if price is not None and price.pricing == "serverless" else (INSTANCE_BOOT_S, IMAGE_PULL_S)


def cold_start_s(weights_bytes: float, price: GpuPrice | None) -> float:
    boot, image = _machine_s(price)
    return boot + image + weights_bytes / (download_gbps(price) * 1e9) + ENGINE_START_S


def training_start_s(weights_bytes: float, price: GpuPrice | None, saves_weights: bool) -> float:
    """The seconds a fine-tuning run is billed besides its compute: a fresh instance's start as a serving replica's
    (``cold_start_s``: boot, image, the base weights downloaded, the framework started in ``ENGINE_START_S``), and for
    a full fine-tune the trained weights written out at the same link rate (an adapter's few MB: nothing)."""
    save = weights_bytes / (download_gbps(price) * 1e9) if saves_weights else 0.0
    return cold_start_s(weights_bytes, price) + save


def duration(seconds: float) -> str:
    """``45 s``, ``9 min 32 s``, ``1 h 5 min``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, r = divmod(s, 60)
        return f"{m} min {r} s" if r else f"{m} min"
    h, r = divmod(s, 3600)
    return f"{h} h {r // 60} min" if r // 60 else f"{h} h"
