"""Launch configs for a ranked candidate: ``plan`` (the engine-level layout a candidate implies), ``engines``
(vLLM, SGLang, TensorRT-LLM command lines and options files), ``skypilot`` (a SkyPilot service YAML; the
OpenAI-compatible snippet for an API candidate). ``render(candidate, workload, catalog, target)`` is the entry."""

VERSIONS = {
    "vllm": "vLLM 0.12",
    "sglang": "SGLang 0.5",
    "trtllm": "TensorRT-LLM 1.0",
    "skypilot": "SkyPilot 0.10",
}
"""The versions whose documented flags the configs use (docs/deploy.md lists the sources)."""


def release(engine: str) -> tuple[str, str]:
    """(the engine's name, the release series the files pin) of ``VERSIONS``: ("TensorRT-LLM", "1.0")."""
    name, series = VERSIONS[engine].rsplit(" ", 1)
    return name, series
TARGETS = tuple(VERSIONS)


def targets_for(c, cat) -> tuple[str, ...]:
    """The targets that can serve candidate ``c``: every one for an API row (its client file) and SkyPilot, and the
    engines the catalog runs on the row's GPU vendor (``physics.engines.engines_for``: not TensorRT-LLM on AMD)."""
    gpu = cat.gpus.get(c.gpu or "") if c.deployment != "api" else None
    if gpu is None:
        return TARGETS
    from advisor.physics.engines import engines_for

    runs = {p.id for p in engines_for(cat, gpu)}
    m = cat.models.get(c.model)
    repo = dict(m.checkpoints).get("int4", "") if m is not None and c.precision == "int4" else ""
    if repo:  # a published INT4 checkpoint SGLang's build cannot serve (``render`` refuses its files)
        from advisor.deploy.int4_formats import sglang_refusal

        if sglang_refusal(m.id, m.is_moe, repo, gpu.vendor):
            runs.discard("sglang")
        runs.discard("trtllm")  # it loads ModelOpt checkpoints only (``ranking.engine_support.TRTLLM_LOADS``)
    return tuple(t for t in TARGETS if t == "skypilot" or t in runs)
