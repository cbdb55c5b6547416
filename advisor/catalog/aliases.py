"""Other names a user or a benchmark table gives the catalog's models: their Hugging Face repos and published
checkpoints (the same weights), and releases with the same architecture but other weights (for sizing and throughput
only: their quality is not the catalog model's)."""

from __future__ import annotations

SAME_ARCHITECTURE = {"llama3170b": "llama-3.3-70b", "llama3170binstruct": "llama-3.3-70b",
                     "deepseekr10528": "deepseek-r1", "deepseekv30324": "deepseek-v3",
                     "qwen3235ba22binstruct2507": "qwen3-235b-a22b", "qwen3235ba22bthinking2507": "qwen3-235b-a22b",
                     "qwen330ba3binstruct2507": "qwen3-30b-a3b", "qwen330ba3bthinking2507": "qwen3-30b-a3b"}
"""Releases with the config.json shapes of a catalog model but other weights: Llama 3.1 70B has Llama 3.3 70B's
architecture (80 layers, hidden 8192, 64 heads / 8 KV heads, FFN 28672); DeepSeek-R1-0528 and V3-0324 are
re-trainings of R1 and V3; Qwen3's 2507 updates keep the A22B / A3B shapes. ``size`` and ``estimate`` take them (the
output names the id used); a ranking does not, since the catalog's quality scores are not theirs."""


def key(name: str) -> str:
    """A name's letters and digits, lower case: how every spelling of an id is compared."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def keys(name: str) -> list[str]:
    """The keys a name may be known by: as written, without its owner ("meta-llama/"), without "-Instruct"."""
    out = [key(name)]
    if "/" in name:
        out.append(key(name.rsplit("/", 1)[-1]))
    out += [k[:-len("instruct")] for k in out if k.endswith("instruct")]
    return [k for k in out if k]


def checkpoint_names(models: dict) -> dict[str, tuple[str, str]]:
    """key -> (model id, weight precision) for each model's Hugging Face repo (its native precision) and published
    checkpoints ("meta-llama/Llama-3.1-8B-Instruct", "Llama-4-Scout-17B-16E-Instruct-FP8", "nvidia/DeepSeek-R1-NVFP4")."""
    found: dict[str, tuple[str, str]] = {}
    for mid, spec in models.items():
        repos = [(spec.hf_repo or "", spec.native_precision)] + [(r, p) for p, r in (spec.checkpoints or {}).items()]
        for repo, precision in repos:
            for k in keys(repo) if repo else ():
                found.setdefault(k, (mid, precision))
    return found


def resolve(name: str, models: dict, architecture: bool = False) -> tuple[str, str] | None:
    """(model id, the precision the name implies or "") a name means: a catalog id in another spelling, a repo or
    checkpoint of its weights, or with ``architecture`` a release with its shapes (``SAME_ARCHITECTURE``); None when
    nothing matches."""
    if not isinstance(name, str):
        return None
    ids = {key(i): i for i in models}
    named = checkpoint_names(models)
    for k in keys(name):
        if k in ids:
            return ids[k], ""
        if k in named:
            return named[k]
        if architecture and SAME_ARCHITECTURE.get(k) in models:
            return SAME_ARCHITECTURE[k], ""
    return None
