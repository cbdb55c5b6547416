"""User trial 31 (an ML platform lead: a long-context RAG assistant and a fine-tuned code-review bot): a reasoning API
ranked first gave its thinking wait at one assumed speed, not the speed the target needs; a one-chunk prompt's stall
was called an 8,192-token chunk; an edited preset kept the preset's name; a diff called filtered rows "no longer
offered"; a third-party quality score showed a bare URL; a bare GPU name was taken silently; a sharded fine-tune over
PCIe stated NVLink's MFU without a word."""

from __future__ import annotations

import math

from advisor import api
from advisor.cli import main
from advisor.physics.training import training_run

RAG = dict(requests_per_day=200_000, input_tokens=30_000, output_tokens=400, traffic_shape="diurnal", peak_to_mean=3,
           ttft_ms=3000, output_tokens_per_s_per_user=20, context_max_tokens=65_536, self_hosting="allowed")


def _reason(c, code):
    return next((r for r in c.reasons if r.code == code), None)


def test_a_thinking_api_row_says_the_speed_its_target_needs():
    # 6 s: at 3 s the thinking fits only above half the fastest measured speed, and the rows rank as likely late
    # (tests/test_api_likely_late.py)
    rec = api.recommend(api.workload(**{**RAG, "ttft_ms": 6000}, models=["gpt-oss-120b", "deepseek-v4-flash"]))
    rows = [c for c in rec.candidates if c.deployment == "api" and c.mode == "reasoning" and _reason(c, "reasoning-wait")]
    assert rows
    for c in rows:
        r = _reason(c, "reasoning-wait")
        need = r.numbers["reasoning_tokens"] * 1000.0 / 6000
        assert math.isclose(r.numbers["needed_tokens_per_s"], need)
        assert f"only if the provider generates faster than {need:,.0f} tokens/s, its TTFT not counted" in r.message
    top = rec.candidates[0]
    assert top in rows  # #1's own rank reason names it where the TTFT target is tight for the prompt
    r = _reason(top, "reasoning-wait")
    assert f"within the target only if {top.provider} generates faster than {r.numbers['needed_tokens_per_s']:,.0f} tokens/s" in top.reasons[0].message


def test_a_prompt_that_fits_one_chunk_is_not_called_a_chunk_of_the_budget():
    w = api.workload(requests_per_day=20_000, input_tokens=6000, output_tokens=600, traffic_shape="diurnal", ttft_ms=2000,
                     output_tokens_per_s_per_user=20, context_max_tokens=16_384, models=["phi-4", "llama-3.3-70b"])
    stalls = [r for c in api.recommend(w).candidates if c.deployment == "self-hosted" for r in c.reasons if r.code == "inter-token-stall"]
    assert stalls
    for r in stalls:
        if r.numbers["chunks_per_prompt"] == 1:
            assert "6,000-token prompt fits one" in r.message and f"each {r.numbers['chunk_tokens']:,}-token prefill chunk" not in r.message
        else:
            assert f"each {r.numbers['chunk_tokens']:,}-token prefill chunk" in r.message


def test_an_edited_preset_is_named_custom_and_the_preset_itself_keeps_its_name(capsys, tmp_path):
    f = tmp_path / "rag.toml"
    f.write_text('[workload]\npreset = "long-context"\nrequests_per_day = 200000\ninput_tokens = 30000\n', encoding="utf-8")
    assert main(["recommend", str(f), "--top", "1", "--details", "0"]) == 0
    assert capsys.readouterr().out.startswith("Workload 'custom' (edited from long-context): 200,000 requests/day")
    assert main(["recommend", "--preset", "long-context", "--top", "1", "--details", "0"]) == 0
    assert capsys.readouterr().out.startswith("Workload 'long-context': ")
    assert main(["recommend", "--preset", "steady-latency", "--requests-per-day", "7", "--top", "1", "--details", "0"]) == 0
    assert capsys.readouterr().out.startswith("Workload 'custom' (edited from steady-latency): 7 requests/day")


def test_a_diff_names_the_filter_that_left_rows_out(capsys, tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    common = ["--models", "phi-4", "--requests-per-day", "50000", "--top", "1", "--details", "0"]
    assert main(["recommend", *common, "-o", str(a)]) == 0
    assert main(["recommend", *common, "--self-hosting", "required", "-o", str(b)]) == 0
    capsys.readouterr()
    assert main(["report", "diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "No longer offered" not in out
    left = out.split("Left out by the workload's filters", 1)[1].split("\n\n", 1)[0]
    assert "via " in left and "left out by the new workload's self_hosting (required: per-token APIs are not ranked)" in left
    gone = out.split("No longer ranked", 1)[1].split("\n\n", 1)[0] if "No longer ranked" in out else ""
    assert " via " not in gone


def test_a_third_party_score_says_so_wherever_it_is_quoted():
    cat = api.catalog()
    for m in ("gpt-oss-120b", "gpt-oss-20b"):
        assert "third-party score" in cat.quality[m].source
        assert all("third-party score" in q.source for q in cat.quality_modes.get(m, {}).values() if "Qwen3.5" in q.source)


def test_a_bare_gpu_name_is_said_as_taken(capsys):
    assert main(["estimate", "llama-3.1-8b", "h100"]) == 0
    err = capsys.readouterr().err
    assert "note: h100 taken as h100-sxm (the catalog also has h100-pcie: name it for that board)" in err
    assert main(["estimate", "llama-3.1-8b", "H100-SXM"]) == 0  # only the spelling differs: nothing to say
    assert "taken as" not in capsys.readouterr().err


def test_a_sharded_fine_tune_over_pcie_says_the_mfu_is_of_nvlink_runs():
    cat = api.catalog()
    m = cat.models["phi-4"]
    run = training_run(m, cat.gpus["l40s"], "full", 5e7)
    assert run.gpus > 1 and any("PCIe Gen4" in n and "may take longer" in n for n in run.notes)
    one = training_run(m, cat.gpus["h100-sxm"], "full", 5e7)
    assert not any("PCIe" in n for n in one.notes)
    pcie_single = training_run(cat.models["llama-3.1-8b"], cat.gpus["h100-pcie"], "lora", 5e7)
    assert pcie_single.gpus == 1 and not any("PCIe" in n for n in pcie_single.notes)


def test_a_prompt_that_hits_the_prefix_cache_is_said_as_its_uncached_tokens():
    w = api.workload(requests_per_day=20_000, input_tokens=30_000, output_tokens=600, traffic_shape="diurnal", ttft_ms=5000,
                     output_tokens_per_s_per_user=20, context_max_tokens=65_536, models=["llama-3.3-70b"], cached_input_fraction=0.8)
    stalls = [r for c in api.recommend(w).candidates for r in c.reasons if r.code == "inter-token-stall" and r.numbers["chunks_per_prompt"] == 1]
    assert stalls
    for r in stalls:
        assert f"prompt's {r.numbers['prompt_tokens']:,} uncached tokens fit one" in r.message and "30,000" not in r.message
        assert r.numbers["prompt_tokens"] < 30_000
