"""Review 3, findings 1, 6 and 10: what a workload's filters leave out is on the summary line, the "assumes" line, in
the report and first among the rejections; models with prices but no score are named with the way to rank them; the
rejected list starts with the nearest misses whatever their kind and ends with the models that have no score."""

from __future__ import annotations

import json
import tomllib

from advisor import api, runtime
from advisor.cli import main
from advisor.domain.recommendation import NO_SCORE, Reason, Rejection, near_misses_first
from advisor.domain.constraints import constraint_origin, constraint_text, constraints


def _run(capsys, *argv) -> str:
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code in (0, 4), out
    return " ".join(out.split())  # the text as read, without the terminal's wrapping


def test_a_presets_gpu_types_are_on_the_summary_line_and_first_among_the_rejections(capsys, tmp_path):
    out = _run(capsys, "recommend", "--preset", "steady-latency", "--top", "1", "--details", "0", "-o", str(tmp_path / "r.toml"))
    head, _, rest = out.partition("#")
    assert "only GPU types h100-sxm, h200" in head
    rejected = rest.split("near misses first):", 1)[1]
    first = rejected.split(" x ")[1]  # the first rejection line
    assert "h100-pcie" in first and "mi300x" in first and "not in the allowed GPU types (preset steady-latency)" in first
    assert not {"h100-sxm", "h200"} & set(first.split(":")[0].split(", "))
    assert "GPU price kinds on-demand, serverless" in out.split("assumes:")[1]  # the defaults that still leave some out
    # report show prints the same lines from the file; the file states the filters in words
    shown = _run(capsys, "report", "show", str(tmp_path / "r.toml"))
    assert "only GPU types h100-sxm, h200" in shown and "not in the allowed GPU types (preset steady-latency)" in shown
    with (tmp_path / "r.toml").open("rb") as fh:
        assert tomllib.load(fh)["assumptions"]["workload_filters"] == ["GPU types h100-sxm, h200"]


def test_flags_name_the_field_and_json_states_the_filters(capsys):
    main(["recommend", "--models", "llama-4-scout", "--gpu-types", "mi300x,mi325x", "--providers", "runpod",
          "--max-gpus", "4", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    filters = data["assumptions"]["workload_filters"]
    assert filters == ["models llama-4-scout", "GPU types mi300x, mi325x", "at most 4 GPUs a replica", "providers runpod"]
    [gpus, providers] = [r for r in data["rejected"] if r["deployment"] == "filtered"]
    assert gpus["reasons"][0]["message"] == "not in the allowed GPU types (the workload's gpu_types)"
    left_out = gpus["reasons"][0]["numbers"]["left_out"]
    assert "h100-sxm" in left_out and "mi300x" not in left_out and not gpus.get("gpu")
    assert providers["reasons"][0]["message"] == "not in the allowed providers (the workload's providers)"
    # the API providers that sell llama-4-scout, and the GPU clouds that sell an MI300X or MI325X, other than runpod
    assert {"openrouter", "digitalocean"} <= set(providers["reasons"][0]["numbers"]["left_out"])
    assert "runpod" not in providers["reasons"][0]["numbers"]["left_out"]


def test_no_filter_no_line():
    rec = api.recommend(api.workload(requests_per_day=2000, models=[], self_hosting="not-wanted"))
    assert not constraints(rec.workload) and constraint_text(rec.workload) == ""
    assert not [r for r in rec.rejected if r.deployment == "filtered"]


def test_the_tuis_header_reads_the_same_phrase():
    w = api.preset("steady-latency")
    assert constraint_text(w) == "only GPU types h100-sxm, h200"
    assert constraint_origin(w, "gpu_types") == "preset steady-latency"
    assert constraint_origin(api.workload(gpu_types=["h200"]), "gpu_types") == "the workload's gpu_types"
    # a precision list other than the default is a filter; API-only work has no GPU filter to show
    assert constraints(api.workload(precisions=["fp8"], gpu_types=["h200"])) == ["GPU types h200", "precisions fp8"]
    assert constraints(api.workload(gpu_types=["h200"], self_hosting="not-wanted")) == []


FLOOR_86 = ("recommend", "--requests-per-day", "2000", "--min-quality", "86", "--self-hosting", "allowed", "--top", "3",
            "--details", "0")


def test_priced_models_without_a_score_are_named_with_how_to_rank_them(capsys, isolated_user_dirs):
    out = _run(capsys, *FLOOR_86)
    note = next(x for x in out.split("note: ")[1:] if "have API prices but no MMLU-Pro score" in x)
    assert "gpt-5.5" in note and "claude-opus-4.7" in note and "quality.toml" in note and "[quality.<model id>]" in note
    # the way the note gives works: a user catalog score ranks gpt-5.5 and takes it out of the note
    folder = isolated_user_dirs / "catalogs"
    folder.mkdir(exist_ok=True)
    (folder / "quality.toml").write_text('catalog = "quality"\nschema_version = 1\n\n[quality."gpt-5.5"]\nbenchmark = "MMLU-Pro"\n'
                                         'score = 90.0\nsource = "https://example.com/our-eval"\nas_of = "2026-12-01"\n')
    runtime.reset_cache()
    main(list(FLOOR_86) + ["--top", "30", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert any(c["model"] == "gpt-5.5" and c["quality"] == 90.0 for c in data["candidates"])
    assert not any("gpt-5.5" in n for n in data["notes"] if "no MMLU-Pro score" in n)


def _reject(code: str, numbers: dict, shortfall: int = 0, deployment: str = "self-hosted", model: str = "m") -> Rejection:
    return Rejection(model=model, deployment=deployment, gpu="g" if deployment == "self-hosted" else None, gpus=1,
                     shortfall_bytes=shortfall, reasons=(Reason(code, code, "decisive", numbers),))


def test_near_misses_by_margin_whatever_the_kind_and_no_score_last():
    w = api.workload(ttft_ms=1000, min_quality=70)
    memory = _reject("does-not-fit", {"gpu_capacity_bytes": 103.1e9}, shortfall=int(173.8e6))  # 0.17% short
    quality = _reject("quality-floor", {"score": 67.5, "floor": 70}, deployment="any", model="gemma")  # 3.6% under
    ttft = _reject("ttft", {"ttft_ms": 1020.0})  # 2% over the target
    far = _reject("does-not-fit", {"gpu_capacity_bytes": 80e9}, shortfall=int(40e9))  # 50% short
    unscored = _reject("quality-unknown", {}, deployment="any", model="claude")
    api_miss = _reject("api-rate-limits", {}, deployment="api")
    filtered = Rejection(model="*", deployment="filtered", reasons=(Reason("filtered-gpu-types", "x", "decisive",
                                                                          {"left_out": ["h100-pcie", "mi300x"]}),))
    order = near_misses_first([unscored, far, api_miss, quality, ttft, memory, filtered], w)
    assert order == [filtered, memory, ttft, quality, far, api_miss, unscored]
    assert unscored.reasons[0].code in NO_SCORE and filtered.label == "h100-pcie, mi300x"
    # without the workload a latency miss has no target: it goes after the misses measured by a number
    assert near_misses_first([ttft, far])[0] is far


def test_the_floor_86_run_lists_the_nearest_miss_first(capsys):
    main(list(FLOOR_86) + ["--format", "json"])
    data = json.loads(capsys.readouterr().out)
    rec = api.recommend(api.workload(requests_per_day=2000, min_quality=86, self_hosting="allowed"))
    ordered = near_misses_first(rec.rejected, rec.workload)
    measured = [r.margin(rec.workload) for r in rec.rejected if r.margin(rec.workload) is not None]
    assert ordered[0].margin(rec.workload) == min(measured)
    assert ordered[-1].reasons[0].code in NO_SCORE
    text = _run(capsys, *FLOOR_86)
    shown = text.split("near misses first):", 1)[1].split(" x ")[1]
    assert shown.startswith(ordered[0].label)
    assert data["rejected"]  # the JSON keeps every rejection
