"""User trial 26 and the leftovers of trial 24/25 fixed in session 25."""

from __future__ import annotations

import pytest

from advisor import api


async def test_a_preset_opened_with_flags_that_change_it_says_edited():
    """`moe-advisor --preset bursty-app --requests-per-day 5000` opened on a Preset field reading plain 'bursty-app'
    beside answers that are not the preset's. It now reads 'bursty-app (edited)' with 'edited from bursty-app' under
    it; stepping away and back keeps the flags' answers, and typing the preset's own answer back is the preset."""
    pytest.importorskip("textual")
    import argparse

    from advisor.cli import build_parser
    from advisor.cli.recommend import build_workload
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle, type_into

    args = build_parser("tui").parse_args(["tui", "--preset", "bursty-app", "--requests-per-day", "5000"])
    w = build_workload(argparse.Namespace(**{"from_report": None, "workload": None, **vars(args)}))
    preset = api.preset("bursty-app")
    assert w.name == "bursty-app" and w.requests_per_day == 5000 != preset.requests_per_day
    app = AdvisorApp(cursor_blink=False, workload=w)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "bursty-app (edited)"
        assert "edited from bursty-app" in str(app.screen.query_one("#hint-preset").render())
        assert app.screen.query_one("#requests_per_day").value == "5000"
        assert app.recommendation.workload.requests_per_day == 5000
        assert app.recommendation.workload.name == "custom" and app.sub_title == "custom, edited from bursty-app"
        await type_into(pilot, "requests_per_day", "6000")  # still edited, not the preset
        await settle(pilot)
        assert choice.value == "bursty-app (edited)" and app.recommendation.workload.requests_per_day == 6000
        await type_into(pilot, "requests_per_day", f"{preset.requests_per_day:g}")
        await settle(pilot)
        assert choice.value == "bursty-app"


async def test_a_preset_opened_as_it_is_reads_plain():
    pytest.importorskip("textual")
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle

    app = AdvisorApp(cursor_blink=False, workload=api.preset("long-context"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "long-context" and "long-context (edited)" not in choice.options


def test_a_write_through_a_symbolic_link_keeps_the_link(tmp_path):
    """Leftover of trial 24: an atomic write renamed its temporary file over a symbolic link, turning a user's link
    (reports/latest.toml -> reports/2026-12-06.toml) into a plain file and leaving the file it pointed to unchanged."""
    from advisor.common.files import atomic_write

    real = tmp_path / "store" / "real.toml"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "latest.toml"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new" and link.read_bytes() == b"new"
    assert not list(tmp_path.glob(".*.tmp")) and not list(real.parent.glob(".*.tmp"))
    dangling = tmp_path / "next.toml"
    dangling.symlink_to(tmp_path / "store" / "made.toml")
    atomic_write(dangling, b"made")  # a link to a file not written yet: the file is made where it points
    assert dangling.is_symlink() and (tmp_path / "store" / "made.toml").read_bytes() == b"made"
    with pytest.raises(FileExistsError):  # without overwrite a link is a file that exists, as before
        atomic_write(link, b"x", overwrite=False)
    assert real.read_bytes() == b"new"


def test_a_report_exported_over_a_link_with_force_writes_the_linked_file(tmp_path):
    from advisor.reports import load_report
    from advisor.reports.export import write_report

    rec = api.recommend(api.preset("steady-latency"))
    real = tmp_path / "r.toml"
    real.write_text("old")
    link = tmp_path / "latest.toml"
    link.symlink_to(real)
    write_report(rec, link, force=True)
    assert link.is_symlink() and load_report(real).workload.name == "steady-latency"


def _without_int4_checkpoints(*ids):
    import dataclasses

    cat = api.catalog()
    models = dict(cat.models)
    for m in ids:
        models[m] = dataclasses.replace(models[m], checkpoints={k: v for k, v in models[m].checkpoints.items() if k != "int4"})
    return dataclasses.replace(cat, models=models)


def test_first_above_a_cheaper_row_ranked_late_says_so_without_a_negative_saving():
    """Trial 26: #1 read "beats #2 …: $-1,963.70/month cheaper" where #2 cost $1,963.70 less and was ranked after it (no
    published checkpoint), and "no option is both cheaper and better" beside that cheaper, better #2. Both now say what
    the numbers are: #1 is dearer and ranks above #2 by the rule named; the front is claimed of the rows it counts."""
    from advisor.prices.book import from_catalog
    from advisor.ranking.rank import recommend_with

    cat = _without_int4_checkpoints("llama-4-maverick", "llama-3.3-70b")
    w = api.workload(requests_per_day=200_000, input_tokens=2000, output_tokens=400, self_hosting="required",
                     precisions=["int4"], models=["llama-4-maverick", "qwen3-235b-a22b", "llama-3.3-70b"],
                     gpu_types=["h100-sxm"], min_quality=60)
    rec = recommend_with(w, cat, from_catalog(cat))
    first, second = rec.candidates[:2]
    assert second.monthly_cost_usd < first.monthly_cost_usd and second.quality > first.quality
    rank = first.reasons[0].message
    assert "$-" not in rank and "cheaper\n" not in rank
    gap = second.monthly_cost_usd - first.monthly_cost_usd
    assert f"ranks above #2, {second.label}: ${-gap:,.2f}/month dearer, but #2 ranks after every option known to launch" in rank
    front = [r.message for r in first.reasons if r.code == "pareto"]
    assert first.pareto and front and "no option is both cheaper and better" not in front[0]
    assert f"#2 {second.label}, cheaper and higher-scoring, is not one of them (a rule ranks it later" in front[0]
    # With the checkpoints the catalog cites, the cheaper rows launch and lead: no rule, no such wording.
    rec = api.recommend(w)
    assert "ranks above" not in rec.candidates[0].reasons[0].message
    assert rec.candidates[0].monthly_cost_usd <= rec.candidates[1].monthly_cost_usd


def test_the_sequences_in_flight_multiply_out_to_the_kv_bytes_beside_them(capsys):
    """Trial 26: "KV cache for the 1 sequence in flight at peak x 1,550 tokens" beside 232.1 MB, where one sequence holds
    317 MB: the count (a Little's-law mean, 0.73) was rounded up, the bytes were not. The count is now said to one decimal
    where it is not whole, to two digits (CLI memory line, TUI memory bar and breakdown, reasons), so it multiplies out."""
    import re

    from advisor.cli import main
    from advisor.common.fmt import mean_count

    assert mean_count(0.73, "sequence") == "0.73 sequences" and mean_count(1.0, "sequence") == "1 sequence"
    assert mean_count(13.4, "sequence") == "13.4 sequences" and mean_count(23.4, "sequence") == "23.4 sequences" and mean_count(1234.4, "sequence") == "1,234 sequences"
    assert mean_count(9.7, "sequence") == "9.7 sequences" and mean_count(14.02, "sequence") == "14 sequences"
    # review 26: a tiny mean is not "0 sequences", and 1.01 is not "1 sequences"
    assert mean_count(0.003, "sequence") == "<0.01 sequences" and mean_count(1.03, "sequence") == "1.03 sequences"
    assert mean_count(1.004, "sequence") == "1 sequence" and mean_count(0.0, "sequence") == "0 sequences"
    rec = api.recommend(api.workload(preset="steady-latency", requests_per_day=3000))
    c = rec.candidates[0]
    assert c.deployment == "self-hosted" and c.memory.concurrency < 1
    main(["recommend", "--preset", "steady-latency", "--requests-per-day", "3000", "--details", "1"])
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    gb, count = re.search(r"KV cache \([^)]*\) ([\d.]+) (?:GB|MB) \(([\d.,]+) sequences? in flight at peak", out).groups()
    assert count == f"{c.memory.concurrency:.2f}".rstrip("0")
    unit = 1e9 if re.search(rf"KV cache \([^)]*\) {re.escape(gb)} GB", out) else 1e6
    per_seq = c.memory.kv_cache_bytes / c.memory.concurrency
    assert abs(float(gb) * unit - float(count) * per_seq) <= 0.005 * per_seq + 0.05 * unit  # both said rounded


def test_the_rocm_checkpoint_note_is_a_whole_sentence(tmp_path, capsys):
    """Trial 26: an AMD row's serve.sh and SkyPilot file ended a comment "...and SGLang's ROCm build is not known to"."""
    from advisor.cli import main

    report = tmp_path / "r.toml"
    assert main(["recommend", "--self-hosting", "required", "--models", "llama-4-scout", "--gpu-types", "mi300x",
                 "--precisions", "fp8", "--top", "1", "-o", str(report)]) == 0
    assert main(["deploy", str(report), "--output-dir", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    written = {f.name: f.read_text() for f in (tmp_path / "out").iterdir()}
    notes = [line for text in written.values() for line in text.splitlines() if "ModelOpt checkpoint" in line]
    assert notes and all(line.rstrip().endswith("these files serve meta-llama/Llama-4-Scout-17B-16E-Instruct") for line in notes)
    assert not any(line.rstrip().endswith(("not known to", " to")) for text in written.values() for line in text.splitlines())


def test_a_small_utilization_is_under_one_percent_not_zero(capsys):
    """Trial 26: GPUs busy 0.5% of the month read "0%" in the util column, the TUI's plot and the low-utilization
    warning ("! 0% average utilization"), as if they did nothing."""
    import re

    from advisor.cli import main
    from advisor.common import fmt

    assert fmt.pct(0.004) == "<1%" and fmt.pct(0.0) == "0%" and fmt.pct(0.57) == "57%"
    assert fmt.pct(0.005) == "<1%" and fmt.pct(-0.2) == "-20%" and fmt.pct(0.0004, 1) == "<0.1%" and fmt.pct(0.0006, 1) == "0.1%" and fmt.pct(0.006) == "1%"
    w = api.workload(preset="steady-latency", requests_per_day=300, self_hosting="required")
    rec = api.recommend(w)
    c = rec.candidates[0]
    assert 0 < c.utilization < 0.005
    low = [r.message for r in c.reasons if r.code in ("low-utilization", "moe-idle-experts")]
    assert low and all(m.startswith(("<1% average", "MoE at <1%")) for m in low)
    main(["recommend", "--preset", "steady-latency", "--requests-per-day", "300", "--self-hosting", "required", "--top", "3"])
    rows = [line for line in capsys.readouterr().out.splitlines() if re.match(r"\d+\s", line)]
    assert rows and all(" 0% " not in line for line in rows) and "<1%" in rows[0]


def test_rows_whose_training_no_gpu_holds_say_so_and_the_runs_are_counted():
    """Trial 26: under heavy fine-tuning, deepseek/kimi rows ranked with a bill that leaves the training out, said only
    in the run notes; and the fine-tuning line gave the month's sum without the number of runs it adds up."""
    rec = api.recommend(api.preset("heavy-fine-tuning"))
    w = rec.workload
    untrained = [c for c in rec.candidates if c.deployment == "self-hosted" and c.fine_tuning_monthly_usd is None]
    assert untrained and any("training is not billed" in n for n in rec.notes)
    for c in untrained:
        [warn] = [r for r in c.reasons if r.code == "fine-tuning-unbilled"]
        assert warn.severity == "warning" and f"fine-tuning run of {c.model}" in warn.message
        assert f"leaves out the {w.fine_tunes_per_month:g} runs a month" in warn.message
    trained = next(c for c in rec.candidates if c.fine_tuning_monthly_usd)
    assert not [r for r in trained.reasons if r.code == "fine-tuning-unbilled"]
    [line] = [r.message for r in trained.reasons if r.code == "fine-tuning"]
    runs = f"{w.fine_tunes_per_month:g} runs a month x $"
    assert runs in line and f"= ${trained.fine_tuning_monthly_usd:,.2f}/month" in line
    per_run = float(line.split(runs)[1].split(" ")[0].replace(",", ""))
    assert abs(per_run * w.fine_tunes_per_month - float(trained.fine_tuning_monthly_usd)) <= 0.005


def test_the_per_user_speed_says_it_is_the_full_batch_one():
    """Trial 26: "per user 25.1 tok/s ≥ 25" was read as the speed at the traffic's own load (about one sequence in
    flight); it is the TPOT at the full batch the limit allows, the slowest a stream gets, and now says so."""
    from advisor.tui.services import target_checks

    rec = api.recommend(api.preset("steady-latency"))
    c = next(x for x in rec.candidates if x.deployment == "self-hosted" and (x.batch or 0) > 1)
    check = {t.metric: t for t in target_checks(c, rec.workload)}["per user"]
    assert check.estimate == f"{1000.0 / c.tpot_ms:,.1f} tok/s, batch {c.batch}"


def test_gated_weights_ask_for_an_hf_token(tmp_path, capsys):
    """Trial 26: the files for meta-llama weights never said they are gated, so the SkyPilot service would fail to
    download them. They now say so, and the service declares HF_TOKEN as a secret SkyPilot asks for at launch."""
    from advisor.cli import main
    from advisor.deploy.support import gated

    assert gated("meta-llama/Llama-3.3-70B-Instruct") and gated("google/gemma-3-27b-it")
    assert not gated("Qwen/Qwen3-30B-A3B-FP8") and not gated("RedHatAI/Llama-3.3-70B-Instruct-quantized.w4a16")
    for models, want in (("llama-4-scout", True), ("qwen3-30b-a3b", False)):
        report = tmp_path / f"{models}.toml"
        assert main(["recommend", "--self-hosting", "required", "--models", models, "--gpu-types", "mi300x",
                     "--precisions", "fp8", "--top", "1", "-o", str(report)]) == 0
        for target in ("vllm", "skypilot"):
            out = tmp_path / f"{models}-{target}"
            assert main(["deploy", str(report), "--target", target, "--output-dir", str(out)]) == 0
            text = "\n".join(f.read_text() for f in out.iterdir())
            assert ("is a gated Hugging Face repository" in text and "HF_TOKEN" in text) is want
            if target == "skypilot":
                assert ("\nsecrets:\n  HF_TOKEN: null" in text) is want
    capsys.readouterr()


def test_token_counts_refuse_zero_at_once_and_a_missing_argument_file_is_not_called_a_workload(capsys):
    """Trial 26: `estimate --input-tokens nan` said "a whole number of 0 or more", and 0 was then refused as "at least
    1"; `deploy nosuch.toml` called the missing file a workload, where the argument may be a saved report."""
    from advisor.cli import main

    for value in ("nan", "0", "-1", "1.5"):
        try:
            code = main(["estimate", "llama-3.3-70b", "h100-sxm", "--input-tokens", value])
        except SystemExit as exc:
            code = exc.code
        err = capsys.readouterr().err
        assert code == 2 and f"must be a whole number of 1 or more, got '{value}'" in err and err.count("\n") == 1
    assert main(["estimate", "llama-3.1-8b", "h100-sxm", "--input-tokens", "1,024"]) == 0
    capsys.readouterr()
    for command in ("deploy", "recommend"):
        assert main([command, "nosuch.toml"]) == 2
        assert capsys.readouterr().err == ("moe-advisor: error: nosuch.toml: file not found (the argument is a workload "
                                           "file or a saved report)\n")


def test_files_for_another_engine_cap_the_batch_that_engine_cannot_hold():
    """Trial 27: Llama 4 Scout at a 131k context, costed on vLLM (one chunk of KV on its chunked-attention layers, 8
    sequences on one H200): the SGLang and TensorRT-LLM files kept the batch of 8 "and its memory", where SGLang holds
    3 and TensorRT-LLM 5 (each keeps the whole context there). They now cap the batch at what that engine holds and
    say why in a WARNING; the files for the row's own engine are unchanged."""
    import re

    from advisor.deploy.skypilot import launch_warnings, render
    from advisor.physics.engines import engine_profile
    from advisor.physics.performance import estimate_for

    w = api.workload(preset="long-context", context_max_tokens=131_072, models=["llama-4-scout"], gpu_types=["h200"],
                     engines=["vllm"], self_hosting="required")
    rec = api.recommend(w)
    cat = api.catalog()
    c = next(x for x in rec.candidates if x.deployment == "self-hosted" and x.engine == "vllm" and x.gpus == 1)
    own = render(c, rec.workload, cat, "vllm")["serve.sh"]
    assert f"--max-num-seqs {c.batch} " in own + " " and "holds at most" not in own
    m, g = cat.models[c.model], cat.gpus[c.gpu]
    for engine, flag in (("sglang", r"--max-running-requests (\d+)"), ("trtllm", r"max_batch_size: (\d+)")):
        files = "\n".join(render(c, rec.workload, cat, engine).values())
        e = estimate_for(m, g, 1, c.precision, rec.workload.input_tokens, rec.workload.output_tokens,
                         kv_precision=c.kv_precision, engine=engine_profile(cat, g, engine), layout=c.layout,
                         concurrency=c.batch)  # that engine's own batch, the row's pinned as the most
        assert e.batch < c.batch
        assert int(re.search(flag, files).group(1)) == e.batch
        assert f"# WARNING: {engine} holds at most {e.batch} sequence" in files
        need, room = (float(x) for x in re.search(r"KV cache: the workload needs ([\d.]+) GB of the ([\d.]+) GB", files).groups())
        assert 0 < need <= room  # the capped batch's KV, within the room that engine has
        assert "chunked-attention layers, where vllm keeps one chunk" in files and "the batch is capped" in files
        assert any(f"{engine} holds at most" in x for x in launch_warnings(c, rec.workload, cat, engine))


async def test_the_palette_opens_the_highlighted_rows_launch_files():
    """Trial 27: the help says ctrl+p holds every action, and typing "deploy" found nothing."""
    pytest.importorskip("textual")
    from textual.command import CommandPalette

    from advisor.tui.app import AdvisorApp
    from advisor.tui.screens.deploy import DeployScreen
    from test_tui import settle, until

    app = AdvisorApp(cursor_blink=False, workload=api.preset("steady-latency"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.table.current
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"deploy")
        for _ in range(50):
            await pilot.pause(0.02)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        assert isinstance(app.screen, DeployScreen) and app.screen.candidate == first


def test_serve_sh_is_executable_and_a_per_rank_batch_says_where_it_comes_from(tmp_path, capsys):
    """Trial 27: docs/deploy.md says `./serve.sh`, and the file came without its execute bit; a DEP row's files said
    "batch 315 per engine" beside --max-num-seqs 79 without saying 79 is 315 over four ranks."""
    import os
    import re
    import stat

    from advisor.cli import main

    report = tmp_path / "r.toml"
    assert main(["recommend", "--requests-per-day", "2000000", "--input-tokens", "2000", "--output-tokens", "800",
                 "--models", "qwen3-235b-a22b", "--self-hosting", "required", "--gpu-types", "h200", "--engines", "vllm",
                 "--top", "1", "-o", str(report)]) == 0
    assert main(["deploy", str(report), "--target", "vllm", "--output-dir", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    serve = tmp_path / "out" / "serve.sh"
    mode = serve.stat().st_mode
    assert mode & stat.S_IXUSR and os.access(serve, os.X_OK) and not mode & stat.S_IWOTH
    text = serve.read_text()
    dp = re.search(r"--data-parallel-size (\d+)", text)
    assert dp and int(dp.group(1)) > 1  # Qwen3-235B at this volume runs attention data parallel (DEP)
    per_rank = re.search(r"--max-num-seqs (\d+)", text).group(1)
    assert f"{per_rank} per attention data-parallel rank" in text


def test_gpt_oss_on_tensorrt_llm_is_not_told_its_thinking_lands_in_content():
    """Trial 27: trtllm-serve parses gpt-oss's Harmony channels (its harmony adapter) and returns the analysis channel
    as reasoning; the files said the thinking arrives in content and must be stripped."""
    from advisor.deploy.skypilot import render

    w = api.workload(preset="batch-pipeline", models=["gpt-oss-120b"], gpu_types=["h100-sxm"], self_hosting="required")
    rec = api.recommend(w)
    c = next(x for x in rec.candidates if x.deployment == "self-hosted" and x.mode == "reasoning")
    files = "\n".join(render(c, rec.workload, api.catalog(), "trtllm").values())
    assert "harmony adapter" in files and "its thinking tokens arrive in content" not in files


def test_a_memory_rejection_on_vllm_says_its_reserve_holds_the_unused_share():
    """Trial 27: "needs 86.1 GB per GPU ... but a GPU has 85.9 GB ... 0.91 would make it fit" read as a contradiction:
    the need holds the 10% of the GPU vLLM leaves unused at its default --gpu-memory-utilization, now said."""
    rec = api.recommend(api.workload(models=["llama-3.3-70b"], gpu_types=["h100-sxm"], self_hosting="required",
                                     precisions=["bf16"], engines=["vllm"]))
    msgs = [r.reasons[0].message for r in rec.rejected if r.reasons[0].code == "does-not-fit"]
    assert msgs and all("its --gpu-memory-utilization 0.9 leaves unused" in m for m in msgs)


def test_files_for_another_engine_keep_a_batch_it_holds_and_never_cap_at_nothing():
    """Review 26: the cap was the sequences that fit at the whole request, where vLLM and SGLang admit at input + half the
    output (Qwen3-235B's SGLang batch was cut for vLLM, which runs more on its own); where the engine's estimate did not
    fit at its default memory share the files said "cap the batch at 1" and "needs 0.0 GB" beside "will not start". Now a
    batch the engine holds is kept, and such a target keeps the row's plan, its memory setting saying what it takes."""
    from advisor.deploy.skypilot import render

    cat = api.catalog()
    w = api.workload(preset="batch-pipeline", models=["qwen3-235b-a22b"], gpu_types=["h100-sxm"], self_hosting="required",
                     engines=["sglang"])
    rec = api.recommend(w)
    c = next(x for x in rec.candidates if x.deployment == "self-hosted" and x.engine == "sglang" and x.layout == "dep")
    files = "\n".join(render(c, rec.workload, cat, "vllm").values())
    assert "holds at most" not in files and f"batch {c.batch} per engine" in files
    w = api.workload(preset="batch-pipeline", models=["deepseek-v3"], gpu_types=["b200"], precisions=["bf16"],
                     self_hosting="required", engines=["vllm"])
    rec = api.recommend(w)
    c = next(x for x in rec.candidates if x.deployment == "self-hosted")
    files = "\n".join(render(c, rec.workload, cat, "sglang").values())  # no "cap at 0": its memory setting decides
    assert "holds at most" not in files and "batch 0" not in files and f"batch {c.batch} per engine" in files


def test_the_late_launch_note_names_a_checkpoint_its_engine_cannot_load():
    """Review 26: a row ranked late because TensorRT-LLM does not load the published GPTQ checkpoint read "no one
    publishes its weights in its precision", beside the warning naming that checkpoint."""
    from advisor.ranking.ties import _unsure_note

    rec = api.recommend(api.workload(models=["llama-3.3-70b"], precisions=["int4"], gpu_types=["h100-sxm"],
                                     engines=["trtllm"], self_hosting="required"))
    c = rec.candidates[0]
    assert any("RedHatAI/Llama-3.3-70B-Instruct-quantized.w4a16 is GPTQ/AWQ" in r.message for r in c.reasons)
    note = _unsure_note(c)
    assert "no published checkpoint in its precision that its engine loads" in note and "no one publishes" not in note


async def test_a_preset_opened_with_a_flag_the_form_has_no_field_for_says_edited():
    """Review 26: `--min-replicas 2` (no form field) left the Preset field on plain 'bursty-app' beside a title
    'edited from bursty-app'; typing the preset's own form answers back keeps it edited (the replicas still differ)."""
    pytest.importorskip("textual")
    import dataclasses

    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle, type_into

    preset = api.preset("bursty-app")
    w = dataclasses.replace(preset, min_replicas=2)
    app = AdvisorApp(cursor_blink=False, workload=w)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "bursty-app (edited)" and app.sub_title == "custom, edited from bursty-app"
        await type_into(pilot, "requests_per_day", "7000")
        await settle(pilot)
        await type_into(pilot, "requests_per_day", f"{preset.requests_per_day:g}")
        await settle(pilot)
        assert choice.value == "bursty-app (edited)" and app.recommendation.workload.min_replicas == 2
        assert app.recommendation.workload.name == "custom"


def test_first_says_why_the_one_cheaper_row_ranked_late_is_not_known_to_launch():
    """Tried as a new user (session 25): #1 of steady-latency said a cheaper row was "an engine unverified ..., or weights
    no one publishes" where one cause held; it now names that cause, as the row's own rank reason does."""
    from advisor.ranking.ties import launch_causes, launch_unsure

    rec = api.recommend(api.preset("steady-latency"))
    first, rank = rec.candidates[0], rec.candidates[0].reasons[0].message
    late = [x for x in rec.candidates if launch_unsure(x) and x.monthly_total_usd < first.monthly_total_usd]
    if len(late) == 1:
        assert f"is not known to launch as costed because {' and '.join(launch_causes(late[0]))}" in rank
    else:
        assert not late or "(vLLM's recipe refuses the GPU for the model, or the engine's pinned release cannot load it, or weights" in rank
    assert "weights no one publishes" not in rank
