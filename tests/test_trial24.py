"""User trial 24: what a serving engineer tripped on (the heavy fine-tuning premium is in ``test_engine.py``)."""

from __future__ import annotations

import re

from advisor import api
from advisor.common.fmt import mean_count


def test_the_best_option_line_of_a_diff_carries_its_bill_and_replicas(tmp_path):
    """'Best option unchanged' stood at the top while #1's bill nearly tripled, said only 40 lines down."""
    from advisor.reports.diff import diff_reports
    from advisor.reports.export import write_report
    from advisor.reports.load import load_report

    base = dict(requests_per_day=30_000, models=["llama-3.3-70b"], gpu_types=["h100-sxm"], self_hosting="required")
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    old, new = api.recommend(api.workload(**base)), api.recommend(api.workload(**{**base, "requests_per_day": 600_000}))
    assert old.best.label == new.best.label and old.best.replicas != new.best.replicas
    write_report(old, a)
    write_report(new, b)
    head = diff_reports(load_report(a), load_report(b)).text().splitlines()[2]
    assert head.startswith(f"Best option unchanged: {new.best.label}, ")
    assert re.search(r"\$[\d,.]+ -> \$[\d,.]+/month", head)
    assert f"replicas {old.best.replicas} -> {new.best.replicas}" in head
    same = diff_reports(load_report(a), load_report(a)).text()
    assert "No changes" in same


def test_the_sequences_the_kv_cache_holds_are_counted_alike_everywhere():
    """'KV cache at 1,375 tokens x 162 concurrent sequences' beside 'the KV cache holds the 163 sequences in flight':
    the reason rounded where the breakdown rounds up."""
    from advisor.tui.screens.breakdown import operating_point

    w = api.workload(preset="heavy-fine-tuning", requests_per_day=2_000_000, ttft_ms=300, ttft_percentile=95,
                     models=["phi-4"])
    rec = api.recommend(w)
    seen = 0
    for c in rec.candidates[:30]:
        kv = next((r for r in c.reasons if r.code == "kv-dominates"), None)
        n = c.memory.concurrency / (c.engines_per_replica or 1)
        held = operating_point(c, rec.workload)
        if kv is None or c.engines_per_replica != 1:
            continue
        seen += 1
        assert f"x {mean_count(c.memory.concurrency, 'concurrent sequence')} " in kv.message
        assert mean_count(n, "sequence") in held
    assert seen


def test_gddr_cards_and_the_b300_hold_the_memory_nvidia_smi_reports():
    """A 48 GB L40S reports 46,068 MiB with ECC on (as clouds run it), a 24 GB L4 23,034 MiB and an A10 23,028 MiB; a B300's
    288 is GB (275,040 MiB), not GiB."""
    mib = {g.id: g.memory_bytes / 2**20 for g in api.gpus()}
    assert round(mib["l40s"]) == 46068 and round(mib["l4"]) == 23034 and round(mib["a10"]) == 23028
    assert round(mib["b300"]) == 275040 and round(mib["rtx-pro-6000"]) == 97887
    assert mib["h100-sxm"] == 80 * 1024  # HBM cards keep the headline figure: within 0.5% of what they report


def test_errors_write_values_as_a_workload_file_does_and_say_which_end_is_open():
    """'requests_per_day = true' answered 'got True' (Python's spelling); a deadline of 0 'must be between 0 and 744'."""
    import pytest

    from advisor.domain.workload import from_mapping
    from advisor.errors import InputError

    with pytest.raises(InputError, match="got true$"):
        from_mapping({"requests_per_day": True})
    with pytest.raises(InputError, match="must be above 0 and at most 744"):
        api.recommend(api.workload(latency="batch", deadline_hours=0))


def test_a_first_choice_whose_speed_no_calibration_row_backs_says_so_beside_the_pick():
    """A 70B chat bot's #1 on MI300X with vLLM won by 21% against the 14% p90 error, and only the last lines of its
    reasons said that neither the GPU nor vLLM with a dense model is calibrated."""
    from advisor.physics.coverage import calibrated_max_concurrency

    w = api.workload(models=["llama-3.3-70b"], requests_per_day=2e6, ttft_ms=800, ttft_percentile=95, input_tokens=800,
                     output_tokens=300, traffic_shape="diurnal", gpu_types=["mi300x", "h100-sxm"])
    rec = api.recommend(w)
    top = rec.candidates[0]
    rank = next(r for r in top.reasons if r.code == "rank").message
    eng = api.catalog().engines[top.engine]
    off_gpu = eng.calibrated_models is not None and top.gpu not in eng.calibrated_gpus
    off_engine = calibrated_max_concurrency(top.engine, top.architecture == "moe") <= 0
    assert off_gpu or off_engine, "the precondition: #1 runs where no calibration row reaches"
    assert "its speed is extrapolated" in rank and "benchmark it before signing" in rank
    assert (f"{top.gpu} is not in the calibration set" in rank) == off_gpu
    calibrated = [c for c in rec.candidates if c.deployment == "self-hosted" and c.gpu == "h100-sxm" and c.engine == "trtllm"]
    assert calibrated, "a row on a calibrated GPU and engine"
    only = api.recommend(api.workload(**{**{k: getattr(w, k) for k in ("requests_per_day", "ttft_ms", "ttft_percentile",
                                                                       "input_tokens", "output_tokens", "traffic_shape")},
                                         "models": ["llama-3.3-70b"], "gpu_types": ["h100-sxm"], "engines": ["trtllm"]}))
    assert "extrapolated" not in next(r for r in only.candidates[0].reasons if r.code == "rank").message


def test_a_longest_context_raised_to_hold_the_request_is_said(capsys, tmp_path):
    """`--input-tokens 200000` on steady-latency raised its 16,384-token context to 262,144 with no word but the summary."""
    from advisor.cli import main

    assert main(["recommend", "--preset", "steady-latency", "--input-tokens", "30000", "--top", "1", "--details", "0"]) == 0
    err = capsys.readouterr().err
    assert "context_max_tokens raised from 16,384 to 32,768" in err and "--context-max sets it" in err
    path = tmp_path / "long.toml"
    path.write_text("requests_per_day = 1000\ninput_tokens = 50000\n")
    assert main(["recommend", str(path), "--top", "1", "--details", "0"]) == 0
    assert "raised from 8,192 to 65,536" in capsys.readouterr().err
    path.write_text("requests_per_day = 1000\ninput_tokens = 50000\ncontext_max_tokens = 131072\n")
    assert main(["recommend", str(path), "--top", "1", "--details", "0"]) == 0
    assert "raised" not in capsys.readouterr().err
    assert main(["recommend", "--preset", "steady-latency", "--top", "1", "--details", "0"]) == 0
    assert "raised" not in capsys.readouterr().err


async def test_the_preset_field_says_edited_at_an_edit_and_the_preset_again_when_edited_back():
    """Trial 24: after an edit the Preset field still read 'steady-latency' under a title 'custom, edited from
    steady-latency'. Review 24: typing the preset's own value back must not leave '(edited)' beside its title."""
    import pytest

    pytest.importorskip("textual")
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle, type_into

    app = AdvisorApp(cursor_blink=False, workload=api.preset("steady-latency"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#preset", Choice)
        assert choice.value == "steady-latency"
        await type_into(pilot, "requests_per_day", "50000")
        await settle(pilot)
        assert choice.value == "steady-latency (edited)" and app.recommendation.workload.name == "custom"
        assert "(edited) ▸" in str(choice.render())  # cut before the name, not in what it says
        await type_into(pilot, "requests_per_day", "40000")  # the preset's own answer
        await settle(pilot)
        assert choice.value == "steady-latency" and "steady-latency (edited)" not in choice.options
        assert app.recommendation.workload.name == "steady-latency"
