"""Trial 35, `report diff`: a row a cheaper provider only replaced is said to have moved, not to have become infeasible;
a rejection is quoted only for the same configuration (never another GPU count's); the JSON names its monthly figures
as `recommend --format json` does; one engine change is one assumption line, and a reordering none."""

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from advisor import api
from advisor import reports as rp
from advisor.cli import main
from advisor.common import fmt

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
BASE = dict(requests_per_day=2_000_000, input_tokens=1200, output_tokens=350, latency="interactive", ttft_ms=800,
            output_tokens_per_s_per_user=30, min_quality=70, models=["phi-4", "gpt-oss-120b", "deepseek-v4-flash"])


def _report(rec):
    return rp.loads_report(rp.dumps_report(rec, T0))


# --------------------------------------------------------------------------- 2. the JSON's monthly figures

@pytest.fixture(scope="module")
def fine_tuned():
    """Two reports of a workload with fine-tuning runs, the second at twice the traffic (rows move and change cost)."""
    w = api.workload(preset="heavy-fine-tuning", models=["phi-4", "gpt-oss-120b", "deepseek-v4-flash"])
    a = api.recommend(w)
    b = api.recommend(dataclasses.replace(w, requests_per_day=w.requests_per_day * 4))
    assert any(c.fine_tuning_monthly_usd for c in a.candidates), "the preset's fine-tuning is billed"
    return a, b


def test_diff_json_names_serving_and_total_as_recommend_does(fine_tuned, tmp_path, capsys):
    a, b = fine_tuned
    pa = rp.write_report(a, tmp_path / "a.toml", created_at=T0)
    pb = rp.write_report(b, tmp_path / "b.toml", created_at=T0)
    assert main(["report", "diff", str(pa), str(pb), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    old_by, new_by = {c.label: c for c in a.candidates}, {c.label: c for c in b.candidates}
    rows = [r for r in out["rank_changes"] if new_by[r["label"]].fine_tuning_monthly_usd]
    assert rows, "some row with fine-tuning changed rank or cost"
    for r in rows:
        was, now = old_by[r["label"]], new_by[r["label"]]
        assert Decimal(r["new_serving_monthly_cost_usd"]) == now.monthly_cost_usd  # recommend's monthly_cost_usd
        assert Decimal(r["new_total_monthly_usd"]) == now.total_monthly_usd  # recommend's total_monthly_usd
        assert Decimal(r["old_serving_monthly_cost_usd"]) == was.monthly_cost_usd
        assert Decimal(r["old_total_monthly_usd"]) == was.total_monthly_usd
        assert now.total_monthly_usd > now.monthly_cost_usd
        assert Decimal(r["new_monthly_cost_usd"]) == now.total_monthly_usd  # the old name keeps its old meaning: the total
    one_sided = out["appeared"] + out["disappeared"] + out["became_infeasible"] + out["resized"]
    assert one_sided, "the fourfold traffic changes which rows are ranked"
    for r in one_sided:
        c = new_by.get(r["label"]) if r in out["appeared"] else old_by.get(r["label"])
        assert Decimal(r["serving_monthly_cost_usd"]) == c.monthly_cost_usd
        assert Decimal(r["total_monthly_usd"]) == c.monthly_total_usd == Decimal(r["monthly_cost_usd"])


def test_diff_text_says_its_monthly_figures_are_totals_with_fine_tuning(fine_tuned):
    a, b = fine_tuned
    text = rp.diff_reports(_report(a), _report(b)).text()
    assert "Monthly figures: totals (serving plus the fine-tuning runs" in text


# --------------------------------------------------------------------------- 1. a cheaper provider, and whose reason

@pytest.fixture(scope="module")
def cheaper_provider():
    """The trial's steps without network: the same workload ranked again with a provider "internalcloud" that sells
    H200 and H100 at 64% of RunPod's prices (what the trial's price plugin added)."""
    from advisor.prices import resolve
    from advisor.ranking.rank import recommend_with

    w, cat = api.workload(**BASE), api.catalog()
    book = resolve.price_book(cat)
    extra = tuple(dataclasses.replace(p, provider="internalcloud", usd_per_gpu_hour=(p.usd_per_gpu_hour * Decimal("0.64")).quantize(Decimal("0.01")))
                  for p in book.gpu_prices if p.provider == "runpod" and p.gpu in ("h200", "h100-sxm"))
    assert extra
    a = recommend_with(w, cat, book)
    b = recommend_with(w, cat, dataclasses.replace(book, gpu_prices=book.gpu_prices + extra))
    return a, b


def _config(c):
    return (c.model, c.mode, c.gpu, c.gpus, c.precision, c.engine)


def test_a_row_a_cheaper_provider_replaced_is_said_to_have_moved_not_become_infeasible(cheaper_provider):
    a, b = cheaper_provider
    d = rp.diff_reports(_report(a), _report(b))
    now = {_config(c): c for c in b.candidates if c.provider == "internalcloud"}
    replaced = [c for c in a.candidates if c.provider == "runpod" and _config(c) in now
                and not any(x.label == c.label for x in b.candidates)]
    assert len(replaced) >= 10, "the cheaper offer displaces RunPod's H200/H100 rows"
    assert any(c.gpus > 1 and c.gpu == "h200" for c in replaced)
    moved = {c.label: c for c in d.moved}
    for c in replaced:
        m = moved[c.label]
        assert m.new_label == now[_config(c)].label and m.new_rank == now[_config(c)].rank
        assert m.new_total_monthly_usd == now[_config(c)].monthly_total_usd < c.monthly_total_usd
        assert "provider runpod -> internalcloud" in m.details
    others = {c.label for c in (*d.became_infeasible, *d.disappeared, *d.filtered_out, *d.resized)}
    assert not others & {c.label for c in replaced}
    assert not {c.label for c in d.appeared} & {m.new_label for m in d.moved}  # the new row is not "new" as well
    text = d.text()
    assert "Became infeasible" not in text and "No longer ranked" not in text
    row = next(c for c in replaced if c.gpus > 1 and c.gpu == "h200")
    n = now[_config(row)]
    assert (f"{row.label} (was #{row.rank}): now at internalcloud, #{n.rank}: {fmt.usd(row.monthly_total_usd)} -> "
            f"{fmt.usd(n.monthly_total_usd)}/month") in text
    assert "Moved to a cheaper offer (" in text


def _without(rec, row, *rejections):
    kept = [c for c in rec.candidates if c is not row]
    return dataclasses.replace(rec, candidates=tuple(c.evolve(rank=i + 1) for i, c in enumerate(kept)),
                               rejected=tuple(rejections) + rec.rejected)


def _does_not_fit(row, gpus, provider, message):
    from advisor.domain.recommendation import Reason, Rejection

    return Rejection(model=row.model, deployment="self-hosted", provider=provider, gpu=row.gpu, gpus=gpus,
                     precision=row.precision, reasons=(Reason("does-not-fit", message, "decisive", {}),))


def test_became_infeasible_quotes_only_a_rejection_of_the_same_gpu_count_and_provider(cheaper_provider):
    rec = cheaper_provider[0]
    row = next(c for c in rec.candidates if c.deployment == "self-hosted" and c.gpus >= 2)
    smaller = _does_not_fit(row, row.gpus // 2, row.provider, f"does not fit on {row.gpus // 2}x {row.gpu}")
    elsewhere = _does_not_fit(row, row.gpus, "othercloud", "othercloud sells no such instance")
    d = rp.diff_reports(_report(rec), _report(_without(rec, row, smaller, elsewhere)))
    assert row.label in {c.label for c in d.disappeared}
    assert row.label not in {c.label for c in d.became_infeasible}
    assert f"does not fit on {row.gpus // 2}x" not in d.text() and "othercloud" not in d.text()
    same = _does_not_fit(row, row.gpus, row.provider, f"misses the TTFT target on {row.gpus}x {row.gpu}")
    d = rp.diff_reports(_report(rec), _report(_without(rec, row, smaller, same)))
    assert {c.label: c.reason for c in d.became_infeasible} == {row.label: f"misses the TTFT target on {row.gpus}x {row.gpu}"}
    # and backwards: a row that appears is not said to have been out for another count's reason
    d = rp.diff_reports(_report(_without(rec, row, smaller)), _report(rec))
    assert {c.label: c.reason for c in d.appeared} == {row.label: None}


# --------------------------------------------------------------------------- 3. assumptions, once each

@pytest.fixture(scope="module")
def by_engines():
    return {engines: _report(api.recommend(api.workload(**BASE, engines=list(engines)))) for engines in ((), ("vllm",), ("sglang", "vllm"), ("vllm", "sglang"))}


def test_one_engine_change_is_one_assumption_line(by_engines):
    d = rp.diff_reports(by_engines[()], by_engines[("vllm",)])
    assert [(c.key, c.old, c.new) for c in d.assumption_changes] == [("engine", "vLLM, TensorRT-LLM, SGLang", "vLLM")]
    assert "Assumptions changed (1):\n  engine: vLLM, TensorRT-LLM, SGLang -> vLLM\n" in d.text()
    assert [c.key for c in d.workload_changes] == ["engines"]  # the workload's own line says the filter


def test_engines_in_another_order_are_no_assumption_change(by_engines):
    d = rp.diff_reports(by_engines[("sglang", "vllm")], by_engines[("vllm", "sglang")])
    assert d.assumption_changes == ()
    old = by_engines[()]
    used = old.recommendation.assumptions["engines_used"]
    assert len(used) > 1
    shuffled = dict(old.recommendation.assumptions, engines_used=used[::-1], engine=", ".join(reversed(old.recommendation.assumptions["engine"].split(", "))))
    new = dataclasses.replace(old, recommendation=dataclasses.replace(old.recommendation, assumptions=shuffled))
    d = rp.diff_reports(old, new)
    assert d.assumption_changes == () and "Assumptions changed" not in d.text()
    same_engines_other_use = dict(old.recommendation.assumptions, engines_used=used[:1])
    new = dataclasses.replace(old, recommendation=dataclasses.replace(old.recommendation, assumptions=same_engines_other_use))
    assert [c.key for c in rp.diff_reports(old, new).assumption_changes] == ["engines_used"]  # a real change still said
