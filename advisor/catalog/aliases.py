"""Other names a user or a benchmark table gives the catalog's models."""

from __future__ import annotations

MODEL_ALIASES = {"llama3170b": "llama-3.3-70b", "llama3170binstruct": "llama-3.3-70b",
                 "deepseekr10528": "deepseek-r1", "deepseekv30324": "deepseek-v3",
                 "qwen3235ba22binstruct2507": "qwen3-235b-a22b", "qwen3235ba22bthinking2507": "qwen3-235b-a22b",
                 "qwen330ba3binstruct2507": "qwen3-30b-a3b", "qwen330ba3bthinking2507": "qwen3-30b-a3b"}
"""Names of checkpoints with the architecture of a catalog model (the same config.json shapes): Llama 3.1 70B is
Llama 3.3 70B's architecture (80 layers, hidden 8192, 64 heads / 8 KV heads, FFN 28672); DeepSeek-R1-0528 and
V3-0324 are re-trainings of R1 and V3; Qwen3's 2507 updates keep the A22B / A3B shapes. Quality figures stay the
catalog model's: the output names the id it used."""


def model_aliases(models: dict) -> dict[str, str]:
    """Other names of the catalog's models, keyed by letters and digits only: ``MODEL_ALIASES``, and each model's
    Hugging Face repo and published checkpoints, with or without the owner and an "-Instruct" suffix
    ("meta-llama/Llama-3.1-8B-Instruct", "Llama-4-Scout-17B-16E-Instruct-FP8", "nvidia/DeepSeek-R1-NVFP4")."""
    def key(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    found: dict[str, str] = {}
    for mid, spec in models.items():
        repos = [getattr(spec, "hf_repo", "") or ""] + list((getattr(spec, "checkpoints", None) or {}).values())
        for repo in filter(None, repos):
            for name in (repo, repo.rsplit("/", 1)[-1]):
                found.setdefault(key(name), mid)
                if key(name).endswith("instruct"):
                    found.setdefault(key(name)[:-len("instruct")], mid)
    found.update({k: v for k, v in MODEL_ALIASES.items() if v in models})
    return found
