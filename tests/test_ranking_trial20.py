"""User trial 19's first finding: batch-pipeline's #1 was deepseek-v4-flash on 1x mi350x, ranked on SGLang, and
`deploy` then warned that the ROCm image the files run (rocm/sgl-dev v0.5.13) carries an SGLang too old for it
(DeepseekV4ForCausalLM is registered at v0.5.20). The ranking took the pip pin (``sglang==0.5.*``, the newest 0.5) for
every GPU. On AMD the pinned release is the image's, so SGLang is not costed as launchable there: another engine is
ranked where one is allowed, else the row carries the release warning and ranks after the rows known to launch."""

from __future__ import annotations

import dataclasses

from advisor import api
from advisor.cli import main
from advisor.ranking.engine_support import release_note, too_old
from advisor.ranking.ties import launch_unsure


def _batch(**fields):
    return dataclasses.replace(api.preset("batch-pipeline"), models=("deepseek-v4-flash",), **fields)


def test_the_rocm_image_pins_one_sglang_release_and_it_is_too_old_for_deepseek_v4():
    assert too_old("deepseek-v4-flash", "sglang", "amd")
    assert not too_old("deepseek-v4-flash", "sglang", "nvidia")  # pip installs the newest 0.5, which has it
    assert not too_old("llama-3.3-70b", "sglang", "amd")  # nothing recorded: no claim either way
    line = release_note("deepseek-v4-flash", "sglang", "amd")
    assert "SGLang 0.5.13" in line and "rocm/sgl-dev" in line and "0.5.20 or later" in line, line
    assert "\n" not in line


def test_an_amd_gpu_is_not_ranked_on_sglang_for_deepseek_v4_where_vllm_is_allowed():
    rec = api.recommend(_batch(gpu_types=("mi350x", "mi355x")))
    assert rec.candidates
    assert {c.engine for c in rec.candidates} == {"vllm"}, {(c.gpu, c.engine) for c in rec.candidates}


def test_sglang_alone_on_an_amd_gpu_ranks_deepseek_v4_as_not_known_to_launch():
    rec = api.recommend(_batch(gpu_types=("mi350x",), engines=("sglang",)))
    assert rec.candidates and all(c.engine == "sglang" for c in rec.candidates)
    assert all(launch_unsure(c) for c in rec.candidates)
    assert any("SGLang 0.5.13" in r.message for r in rec.candidates[0].reasons)


def test_a_model_sglang_serves_is_still_ranked_on_sglang_on_amd():
    w = dataclasses.replace(api.preset("batch-pipeline"), models=("llama-3.3-70b",), gpu_types=("mi300x",),
                            engines=("sglang",), min_quality=0.0)
    rec = api.recommend(w)
    assert rec.candidates and not any(launch_unsure(c) for c in rec.candidates)


def test_deploy_on_sglang_for_amd_warns_once_that_the_image_is_too_old(tmp_path, capsys):
    report = tmp_path / "r.toml"
    wl = tmp_path / "w.toml"
    wl.write_text('[workload]\nrequests_per_day = 1000000\ninput_tokens = 1500\noutput_tokens = 500\n'
                  'traffic_shape = "steady"\nlatency = "batch"\ndeadline_hours = 24\nself_hosting = "required"\n'
                  'models = ["deepseek-v4-flash"]\ngpu_types = ["mi350x"]\nengines = ["sglang"]\n')
    assert main(["recommend", "--workload", str(wl), "-o", str(report)]) == 0
    out = tmp_path / "out"
    assert main(["deploy", str(report), "--target", "sglang", "--output-dir", str(out)]) == 0
    files = [f.read_text() for f in out.iterdir() if f.is_file()]
    assert capsys.readouterr().err.count("does not run on SGLang 0.5.13") == 1
    assert all(f.count("does not run on SGLang 0.5.13") <= 1 for f in files)
    assert any("does not run on SGLang 0.5.13" in f for f in files)
    assert not any("rocm7.14 carries SGLang" in f for f in files)  # the old second warning, now said by the note


def test_estimate_on_the_only_engine_left_warns_that_its_image_cannot_load_the_model(capsys):
    assert main(["estimate", "deepseek-v4-flash", "mi300x"]) == 0
    err = capsys.readouterr()
    text = err.out + err.err
    assert "does not run on SGLang 0.5.13" in text and "ranks it after the rows known to launch" in text
    assert main(["estimate", "deepseek-v4-flash", "h200", "--gpus", "2"]) == 0
    assert "does not run on SGLang" not in "".join(capsys.readouterr())


def test_a_workload_without_a_quality_floor_is_told_it_ranks_on_cost_alone_and_what_a_floor_buys():
    """Trial 19's second finding: a custom code-assistant workload with no floor put llama-3.1-8b (48.3) first and
    said nothing of it. The note names #1's score and the next steps up the cost/quality front with their bills."""
    w = api.workload(requests_per_day=50_000, input_tokens=3_000, output_tokens=400, latency="interactive")
    assert w.min_quality == 0
    rec = api.recommend(w)
    note = next(n for n in rec.notes if n.startswith("no quality floor is set"))
    top = rec.candidates[0]
    assert f"#1, {top.model}, scores {top.quality:.1f}" in note, note
    steps = [c for c in rec.candidates if c.pareto and c.rank > 1 and c.quality > top.quality]
    assert steps and f"{steps[0].model} {steps[0].quality:.1f}" in note and f"(#{steps[0].rank})" in note, note
    floored = api.recommend(dataclasses.replace(w, min_quality=70.0))
    assert not any(n.startswith("no quality floor") for n in floored.notes)


def test_the_table_marks_rows_a_rule_ranks_after_cheaper_ones(capsys):
    """Trial 19: rows demoted by a rule (here: not known to launch, mi300x refused by vLLM's recipe and SGLang's ROCm
    image too old) sat below dearer rows with no sign why in the table."""
    from advisor.cli.render import candidates_table
    from advisor.common.fmt import DEMOTED

    w = dataclasses.replace(api.preset("batch-pipeline"), models=("deepseek-v4-flash", "gpt-oss-120b"),
                            gpu_types=("mi300x", "mi325x"))
    rec = api.recommend(w)
    shown = list(rec.candidates[:20])
    table = candidates_table(shown, rec.workload)
    lines = {int(line.split()[0]): line for line in table.splitlines() if line.strip()[:1].isdigit()}
    unsure = {c.rank for c in shown if launch_unsure(c)}
    assert unsure and not launch_unsure(shown[0])
    assert {r for r, line in lines.items() if line.rstrip().endswith(DEMOTED)} == unsure
    assert f"{DEMOTED} = ranked after dearer rows" in table
    assert DEMOTED not in candidates_table(shown[:1], rec.workload)


def test_a_replica_of_several_engines_shows_its_weights_as_copies_not_one_sum():
    """Trial 19: DeepSeek-V4-Flash in FP8 on 8x mi300x (4 engines side by side) showed "weights 1.14 TB", read as the
    model's size; it is four copies of ~285 GB."""
    from advisor.cli.render import breakdown
    from advisor.common import fmt

    w = dataclasses.replace(api.preset("batch-pipeline"), models=("deepseek-v4-flash",), gpu_types=("mi300x",),
                            precisions=("fp8",))
    rec = api.recommend(w)
    c = next(c for c in rec.candidates if (c.engines_per_replica or 1) > 1)
    n, total = c.engines_per_replica, c.memory.weights_bytes
    text = breakdown(c, rec)
    assert f"weights {fmt.gb(total)} ({n} engines x {fmt.gb(total / n)})" in text
    assert fmt.weights(total, 1) == fmt.gb(total) == fmt.weights(total, None)


def test_a_row_on_a_gpu_its_vllm_recipe_does_not_list_says_so_in_recommend_not_only_in_deploy():
    """Trial 20: batch-pipeline's #1 (deepseek-v4-flash on mi350x, vLLM) is not among the GPUs the recipe verifies;
    only `deploy` said so."""
    rec = api.recommend(_batch(gpu_types=("mi350x", "mi355x")))
    def unlisted(c):
        return [r for r in c.reasons if r.code == "engine-unverified"]
    on_350 = next(c for c in rec.candidates if c.gpu == "mi350x" and c.engine == "vllm")
    on_355 = next(c for c in rec.candidates if c.gpu == "mi355x" and c.engine == "vllm")
    (r,) = unlisted(on_350)
    assert "not among the GPUs the vLLM recipe verifies" in r.message and r.severity == "warning"
    assert not unlisted(on_355) and not launch_unsure(on_350)  # a warning, not a demotion: the recipe does not refuse it
    plain = api.recommend(dataclasses.replace(api.preset("batch-pipeline"), models=("llama-3.1-8b",), min_quality=0.0))
    assert not any(unlisted(c) for c in plain.candidates[:5])  # a recipe without a GPU table: no claim either way


def test_a_single_replica_service_is_told_it_has_no_redundancy_and_min_replicas_two_buys_it():
    """Trial 20: an interactive service on one replica said nothing of availability. min_replicas was the floor of
    autoscaling only; it is now the floor of a fixed deployment too."""
    w = api.workload(requests_per_day=50_000, input_tokens=3_000, output_tokens=400, latency="interactive",
                     min_quality=70, self_hosting="required")
    top = api.recommend(w).candidates[0]
    assert top.replicas == 1
    (r,) = [r for r in top.reasons if r.code == "single-replica"]
    assert "no redundancy" in r.message and "--min-replicas 2" in r.message
    two = api.recommend(dataclasses.replace(w, min_replicas=2)).candidates
    assert all(min(c.replicas_min or c.replicas, c.replicas) >= 2 for c in two if c.deployment == "self-hosted")
    assert two[0].deployment == "self-hosted" and not any(r.code == "single-replica" for r in two[0].reasons)
    assert two[0].monthly_cost_usd > top.monthly_cost_usd
    batch = api.recommend(_batch()).candidates[0]
    assert not any(r.code == "single-replica" for r in batch.reasons)


def test_an_impossible_ttft_target_is_said_to_be_met_by_no_known_option():
    """Trial 20: with --ttft-ms 1 every row was an API whose TTFT is not measured; #1 pointed at "#45 … with a measured
    TTFT" whose own line read "TTFT not measured" (its speed was measured, not its TTFT)."""
    from advisor.ranking.api_wait import latency_verified

    w = dataclasses.replace(api.preset("bursty-app"), ttft_ms=1.0)
    rec = api.recommend(w)
    assert rec.candidates and all(c.deployment == "api" for c in rec.candidates)
    speed_only = [c for c in rec.candidates if any(r.code == "api-latency" and r.severity == "info"
                                                   and not r.numbers.get("ttft_ms") for r in c.reasons)]
    assert speed_only and not any(latency_verified(c) for c in speed_only)
    first = rec.candidates[0].reasons[0].message
    assert "no option is known to meet a 1 ms TTFT target" in first and "measured TTFT is #" not in first, first
    tight = api.recommend(dataclasses.replace(w, ttft_ms=150.0)).candidates[0].reasons[0].message
    assert "below what shared APIs measure at best" in tight, tight


def test_a_row_at_first_places_bill_says_the_same_not_zero_more():
    """Seen in the TUI's compare screen: steady-latency's #2 read "$0.000 more than #1"."""
    rec = api.recommend(api.preset("steady-latency"))
    top, second = rec.candidates[0], rec.candidates[1]
    assert second.monthly_total_usd == top.monthly_total_usd  # the precondition
    rank = next(r.message for r in second.reasons if r.code == "rank")
    assert "the same as #1" in rank and "$0.000" not in rank, rank
