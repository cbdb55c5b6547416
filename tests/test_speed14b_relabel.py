"""Re-rank speed without changing a row: the mode and quantization relabelling written once per run (``memo``), a
reasoning row's utilization table scaled once per backend table, and the guard's full check kept for plugins."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from advisor import cost
from advisor.catalog.load import load_catalog
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import preset
from advisor.ranking import guard, modes, rank
from advisor.ranking.context import Context
from advisor.ranking.rank import recommend_with


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(user=tmp_path_factory.mktemp("empty"))


def _rows(rec):
    return [(dataclasses.asdict(dataclasses.replace(c, reasons=())), tuple(c.reasons)) for c in rec.candidates]


@pytest.mark.parametrize("name", ["bursty-app", "heavy-fine-tuning"])
def test_relabelling_in_one_copy_with_the_run_memo_gives_the_rows_it_gives_without(catalog, name, monkeypatch):
    w = preset(name)
    with_memo = recommend_with(w, catalog)
    assert any(c.mode == "reasoning" and c.utilization_table for c in with_memo.candidates)  # the scaled tables are exercised
    assert any(c.quality_delta_source for c in with_memo.candidates)  # and the quantization relabelling
    real_mode, real_quant = modes.with_mode, modes.with_quantization
    # relabel in one copy with the run's memo == quantization after mode, each on its own without a memo
    monkeypatch.setattr(rank.modes, "relabel_rows", lambda rows, mq, w, mw, cat, memo, own=False: [
        real_quant(real_mode(c, mq, w, mw), cat, w) if isinstance(c, Candidate) else c for c in rows])
    monkeypatch.setattr(modes, "_TABLES", {})
    without = recommend_with(w, catalog)
    assert _rows(with_memo) == _rows(without)


def test_a_reasoning_rows_table_is_scaled_once_per_backend_table_and_point_by_point(catalog):
    w = preset("bursty-app")
    reasoning = [c for c in recommend_with(w, catalog).candidates if c.mode == "reasoning" and c.utilization_table]
    table = reasoning[0].utilization_table
    k = Decimal("2.5")
    scaled = modes._scaled_table(table, k)
    assert modes._scaled_table(table, k) is scaled
    assert [p.usd_per_mtok for p in scaled] == [cost.money(p.usd_per_mtok * k, cost.MICRO) for p in table]
    assert [p.utilization for p in scaled] == [p.utilization for p in table]
    assert modes._scaled_table(tuple(table), Decimal(3))[0].usd_per_mtok != scaled[0].usd_per_mtok


class _PluginBackend:
    name = "plugin-like"
    deployment = "api"

    def __init__(self, row):
        self.row = row

    def evaluate(self, ctx, model):
        return [self.row]


def test_a_plugin_backends_rows_are_still_checked_in_full(catalog):
    ctx = Context(workload=preset("bursty-app"), catalog=catalog, prices=rank.from_catalog(catalog), engine=catalog.engine)
    model = next(iter(catalog.models.values()))
    good = Candidate.make(model=model.id, model_name=model.name, architecture=model.architecture, deployment="api",
                          provider="x", gpu=None, gpus=0, replicas=0, precision=None, monthly_cost_usd=Decimal(10),
                          usd_per_mtok=Decimal(1), utilization=None, quality=None, quality_benchmark=None)
    notes: list[str] = []
    assert guard.evaluate(_PluginBackend(good), ctx, model, notes) == [good] and not notes
    bad = good.evolve(monthly_cost_usd=10.0)  # a float, not a Decimal
    assert guard.evaluate(_PluginBackend(bad), ctx, model, notes) == []
    assert "must be a Decimal" in notes[0]


def test_made_from_is_make_with_the_fixed_fields_and_the_same_errors(catalog):
    c = recommend_with(preset("steady-latency"), catalog).candidates[0]
    values = {k: v for k, v in dataclasses.asdict(dataclasses.replace(c, reasons=())).items() if k in c.__dict__}
    values["memory"] = c.memory  # asdict turned it into a dict
    values["utilization_table"] = c.utilization_table
    fixed_names = ("model", "model_name", "architecture", "deployment", "gpu", "gpus", "precision", "quality")
    fixed = Candidate.fixed(**{k: values[k] for k in fixed_names})
    rest = {k: v for k, v in values.items() if k not in fixed_names}
    made = Candidate.made_from(fixed, **rest)
    assert made == Candidate.make(**values) and list(made.__dict__) == list(Candidate.make(**values).__dict__)  # field order
    with pytest.raises(TypeError, match="no field 'nope'"):
        Candidate.made_from(fixed, nope=1, **rest)
    with pytest.raises(TypeError, match="missing 'monthly_cost_usd'"):
        Candidate.made_from(fixed, **{k: v for k, v in rest.items() if k != "monthly_cost_usd"})
    with pytest.raises(TypeError, match="no field 'nope'"):
        Candidate.fixed(nope=1)
    with pytest.raises(TypeError, match="no field 'nope'"):
        c.evolve(nope=1)


def test_kept_fields_are_made_again_when_the_object_they_came_from_is_not_the_same():
    from advisor.ranking import context

    made = []
    a, b = object(), object()
    one = context.kept_fields(("k",), a, lambda: made.append(1) or "first")
    assert context.kept_fields(("k",), a, lambda: made.append(2) or "second") == one == "first"
    assert context.kept_fields(("k",), b, lambda: made.append(3) or "third") == "third"
    assert made == [1, 3]
    context.clear_memos()
    assert context.kept_fields(("k",), b, lambda: "after clear") == "after clear"
