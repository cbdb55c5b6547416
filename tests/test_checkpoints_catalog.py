"""The bundled model catalog's published checkpoints: each names a precision the model can be costed in, an
``owner/repo`` on Hugging Face, and a cited source read on a stated date (a comment block above the line), and each
changes what the ranking does: a recorded FP8 checkpoint keeps the row on TensorRT-LLM, a recorded 4-bit one clears the
"quantize first" warning."""

from __future__ import annotations

import re
from pathlib import Path

from advisor import api
from advisor.domain.precision import PRECISIONS

CATALOG = Path(__file__).resolve().parents[1] / "catalogs" / "models.toml"


def _blocks() -> list[tuple[str, str, list[str]]]:
    """(model id, the ``checkpoints =`` line, the comment lines right above it) for each model that has one."""
    model, comments, out = "", [], []
    for line in CATALOG.read_text(encoding="utf-8").splitlines():
        m = re.match(r'^\[models\."?([^"\]]+)"?\]', line)
        if m:
            model, comments = m.group(1), []
        elif line.startswith("#"):
            comments.append(line)
        elif line.startswith("checkpoints"):
            out.append((model, line, comments))
            comments = []
        else:
            comments = []
    return out


def test_every_checkpoint_names_a_costable_precision_and_a_repo():
    cat = api.catalog()
    seen = 0
    for model in cat.models.values():
        for prec, repo in model.checkpoints.items():
            seen += 1
            assert prec in PRECISIONS and prec != "fp4", (model.id, prec)  # fp4 is an alias: record nvfp4 or mxfp4
            assert prec != model.native_precision, (model.id, prec)  # the native weights are hf_repo
            assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo), (model.id, repo)
            assert model.checkpoint(prec) == repo
    assert seen >= 10


def test_every_checkpoints_line_cites_its_source_and_date():
    blocks = _blocks()
    assert len(blocks) >= 10
    for model, line, comments in blocks:
        text = " ".join(comments)
        assert comments and comments[0].startswith("# checkpoints:"), (model, "no '# checkpoints:' comment above", line)
        assert "https://" in text, (model, "no public page cited")
        assert re.search(r"Read 20\d\d-\d\d-\d\d", text), (model, "no date read")
        for repo in re.findall(r'"([\w.-]+/[\w.-]+)"', line):
            assert repo in text, (model, repo, "the comment does not name the repository it records")


def _engines(model: str, precision: str) -> set[str]:
    rec = api.recommend(api.workload(requests_per_day=100_000, input_tokens=1000, output_tokens=300, models=[model],
                                     precisions=[precision], gpu_types=["h100-sxm"], self_hosting="required"))
    return {c.engine for c in rec.candidates if c.precision == precision}


def test_a_recorded_fp8_checkpoint_is_costed_on_tensorrt_llm():
    """Llama 3.3 70B's FP8 is NVIDIA's ModelOpt checkpoint: TensorRT-LLM (the NVIDIA default) loads it, so the row
    needs no online quantization and carries no checkpoint warning."""
    assert api.catalog().models["llama-3.3-70b"].checkpoint("fp8") == "nvidia/Llama-3.3-70B-Instruct-FP8"
    rec = api.recommend(api.workload(requests_per_day=100_000, input_tokens=1000, output_tokens=300, models=["llama-3.3-70b"],
                                     precisions=["fp8"], gpu_types=["h100-sxm"], self_hosting="required"))
    rows = [c for c in rec.candidates if c.precision == "fp8"]
    assert rows and all(c.engine == "trtllm" for c in rows)
    assert not any(r.code == "checkpoint" for c in rows for r in c.reasons)
