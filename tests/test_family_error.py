"""The estimate says where its own family's published measurements (model x GPU x engine, at the estimate's band of
concurrency) sit further from it than the error every speed-risk line quotes (issue 10: "say where the estimate is weak,
with its error"; trial 33: a single stream's small error said nothing of a batch of hundreds)."""

from __future__ import annotations

from types import SimpleNamespace

from advisor import api
from advisor.physics import calibration, coverage, family_error
from advisor.physics.performance import estimate_for


def _script():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("family_errors", Path(__file__).resolve().parent.parent / "scripts" / "family_errors.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_the_stored_table_is_a_fresh_validation_banded_by_concurrency(cat):
    measured = _script().measured
    fresh = {}
    for (model, gpu, engine), v in calibration.validate(cat).families().items():
        for layout in {r.row.layout or "unknown" for r in v.results}:
            for band in ("low", "mid", "high"):
                rows = [r for r in v.results if coverage.concurrency_band(r.row.concurrency or 10**9) == band
                        and (r.row.layout or "unknown") == layout]
                if rows:
                    part = calibration.ValidationSummary(results=tuple(rows), skipped=())
                    fresh[(model, gpu, engine, layout, band)] = (len(rows), round(part.median_signed_error, 4), measured(part))
    assert family_error.FAMILIES == fresh, "stale: run python scripts/family_errors.py"
    # the trial's case: DeepSeek-R1 on 8x B200 with SGLang is close at one request and 16-64, and far at 100
    low, mid, high = (family_error.FAMILIES[("deepseek-r1", "b200", "sglang", "tp", b)] for b in ("low", "mid", "high"))
    assert abs(low[1]) < 0.1 and abs(mid[1]) < 0.1 and high[1] > 0.3 and high[2] == "fp8 on 8 GPUs at 100 concurrent requests"


def test_the_bands():
    assert [coverage.concurrency_band(b) for b in (1, 8, 9, 64, 65, 1024)] == ["low", "low", "mid", "mid", "high", "high"]


def test_an_estimate_at_a_large_batch_says_its_familys_large_batch_error(cat):
    prof = calibration.profiles_with(cat, None)["sglang"]
    m, g = cat.models["deepseek-r1"], cat.gpus["b200"]
    big = estimate_for(m, g, 8, "fp8", 500, 504, engine=prof, layout="tp", kv_precision="bf16", tpot_limit_ms=40.1)
    n, err, ran = family_error.FAMILIES[("deepseek-r1", "b200", "sglang", "tp", "high")]
    assert big.batch > 64
    [said] = [x for x in big.warnings if "published measurement" in x]
    assert said.startswith("the one published measurement of deepseek-r1 on b200 with sglang at over 64 concurrent requests "
                           f"or at the engine's own batch in the tp layout ran {1 - 1 / (1 + err):.0%} below the estimate for its run ({ran}; the estimate {err:+.0%})")
    assert f"past the {cat.engine.fit.p90_abs_error:.0%} p90 error over all rows" in said and "optimistic" in said
    lone = estimate_for(m, g, 8, "fp8", 2000, 500, engine=prof, layout="tp", concurrency=1)
    assert lone.batch == 1 and not any("published measurement" in x for x in lone.warnings)  # +4% at one request


def test_a_batch_no_row_of_the_family_measured_gets_no_family_word(cat):
    """DeepSeek-R1 on H200 with vLLM: one run, at 4 requests (+48%). An estimate at hundreds is beyond the calibration's
    reach (its own warning), not that run's error."""
    prof = calibration.profiles_with(cat, None)["vllm"]
    m, g = cat.models["deepseek-r1"], cat.gpus["h200"]
    big = estimate_for(m, g, 8, "fp8", 1024, 256, engine=prof, layout="tp")
    assert big.batch > 64 and not any("published measurement" in x for x in big.warnings)
    assert any("calibration rows reach 4 concurrent requests" in x for x in big.warnings)
    four = estimate_for(m, g, 8, "fp8", 1024, 256, engine=prof, layout="tp", concurrency=4)
    [said] = [x for x in four.warnings if "published measurement" in x]
    assert "at most 8 concurrent requests in the tp layout ran 32% below the estimate for its run (fp8 on 8 GPUs at 4 concurrent requests; the estimate +48%)" in said


def test_no_word_within_the_error_or_without_a_measured_family(cat):
    assert abs(family_error.FAMILIES[("llama-3.3-70b", "h100-sxm", "trtllm", "tp", "high")][1]) <= cat.engine.fit.p90_abs_error
    assert coverage.known_error_warning("llama-3.3-70b", "h100-sxm", cat.engine, "tp", 512) is None
    assert not any(k[0] == "qwen3-30b-a3b" for k in family_error.FAMILIES)
    assert coverage.known_error_warning("qwen3-30b-a3b", "h100-sxm", cat.engine, "tp", 512) is None
    # Llama 4 Maverick on H200 with TensorRT-LLM: its +19% was measured in tensor parallelism, not in the dep layout
    assert coverage.known_error_warning("llama-4-maverick", "h200", cat.engine, "tp", 512) is not None
    assert coverage.known_error_warning("llama-4-maverick", "h200", cat.engine, "dep", 512) is None


def _engine(eid, p90):
    return SimpleNamespace(id=eid, fit=SimpleNamespace(p90_abs_error=p90))


def test_an_estimate_low_against_its_family_is_called_conservative(monkeypatch):
    monkeypatch.setitem(family_error.FAMILIES, ("m", "g", "e", "tp", "high"), (3, -0.25, "bf16 on 2 GPUs in max-throughput runs"))
    text = coverage.known_error_warning("m", "g", _engine("e", 0.14), "tp", 300)
    assert text is not None and "the 3 published measurements of m on g with e at over 64 concurrent requests or at the engine's own batch in the tp layout ran 33% above the estimate" in text
    assert "(bf16 on 2 GPUs in max-throughput runs; median, the estimate -25%)" in text and "conservative" in text and "optimistic" not in text
    assert coverage.known_error_warning("m", "g", _engine("e", 0.30), "tp", 300) is None  # within a wider error: nothing to add
    assert coverage.known_error_warning("m", "g", _engine("e", 0.14), "tp", 4) is None  # another band: not measured there
    assert coverage.known_error_warning("m", "g", _engine("e", 0.14), "tp_ep", 300) is None  # another layout


def test_a_ranked_row_carries_its_layouts_word_and_not_another_layouts_family_error():
    rec = api.recommend(api.workload(models=["llama-4-maverick"], gpu_types=["h200"], engines=["trtllm"], requests_per_day=2_000_000,
                                     input_tokens=1000, output_tokens=1000, latency="batch"))
    rows = [c for c in rec.candidates if c.deployment == "self-hosted" and c.layout in ("dep", "tp_ep")]
    assert rows
    for c in rows:
        said = [r for r in c.reasons if r.code == "estimate" and r.message.startswith(coverage.layout_head(c.layout))]
        assert len(said) == 1 and said[0].severity == "warning"
        assert not any("published measurements of llama-4-maverick" in r.message for r in c.reasons)  # measured in tp


def test_a_users_own_measurement_replaces_the_family_word(cat, monkeypatch):
    from advisor.physics import performance

    prof = calibration.profiles_with(cat, None)["vllm"]
    m, g = cat.models["deepseek-r1"], cat.gpus["h200"]
    base = estimate_for(m, g, 8, "fp8", 1024, 256, engine=prof, layout="tp", concurrency=4)
    assert any("published measurement" in x for x in base.warnings)
    monkeypatch.setattr(performance, "load_corrections", lambda: {"x": 1})
    monkeypatch.setattr(performance, "correction_for", lambda *a, **k: 0.7)
    mine = estimate_for(m, g, 8, "fp8", 1024, 256, engine=prof, layout="tp", concurrency=4)
    assert any("from your own measurement" in x for x in mine.warnings)
    assert not any("published measurement" in x for x in mine.warnings)


def test_a_layout_no_scored_row_ran_says_so(cat):
    """Trial 33: the attention-DP + expert-parallel layout won at 1.7-2.1x tensor parallelism's throughput, and every
    scored calibration row is tensor-parallel."""
    prof = calibration.profiles_with(cat, None)["trtllm"]
    m, g = cat.models["llama-4-maverick"], cat.gpus["h200"]
    for layout in ("dep", "tp_ep"):
        e = estimate_for(m, g, 8, "fp8", 2000, 500, engine=prof, layout=layout, tpot_limit_ms=33.3)
        assert e.layout == layout
        assert sum(x.startswith(coverage.layout_head(layout)) for x in e.warnings) == 1
    tp = estimate_for(m, g, 8, "fp8", 2000, 500, engine=prof, layout="tp", tpot_limit_ms=33.3)
    assert not any("no scored calibration row ran the" in x for x in tp.warnings)
