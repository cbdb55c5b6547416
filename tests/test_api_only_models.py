"""API-only (closed-weights) models: catalog entries without an architecture, ranked through their per-token
offers, rejected once for self-hosting, refused by ``size`` and ``estimate`` with one line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from advisor import api
from advisor.catalog.load import load_catalog
from advisor.catalog.schema import build_entry
from advisor.cli import main
from advisor.errors import CatalogError

CLOSED = ("gpt-5.5", "claude-opus-4.7")

ENTRY = """
[models.closed-x]
api_only = true
name = "Closed X"
vendor = "examplelab"
release = "2026-05"
max_position_embeddings = 200000
source = "https://example.com/closed-x"
as_of = "2026-05-01"
"""
HEADER = 'catalog = "models"\nschema_version = 1\n'


def _load(tmp_path: Path, text: str):
    user = tmp_path / "user"
    user.mkdir(exist_ok=True)
    (user / "extra.toml").write_text(HEADER + text)
    return load_catalog(user=user)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- catalog


def test_the_bundled_closed_models_load_as_api_only(cat):
    for mid in CLOSED:
        m = cat.model(mid)
        assert m.api_only and m.architecture == "closed" and not m.is_moe
        assert m.vendor and m.max_position_embeddings >= 200_000
        assert m.source.startswith("https://") and m.as_of
        assert (m.num_hidden_layers, m.hidden_size, m.n_routed_experts, m.hf_repo, m.published_total_params) == (0, 0, 0, "", 0)
    assert {m.id for m in cat.models.values() if m.api_only} == set(CLOSED)


def test_every_bundled_closed_model_has_a_priced_api_offer(cat):
    from advisor.prices import resolve

    book = resolve.price_book(cat)
    offers = {p.model: p for p in book.api_prices}
    assert offers["gpt-5.5"].provider == "openai"
    assert offers["claude-opus-4.7"].provider == "anthropic"
    for mid in CLOSED:
        p = offers[mid]
        assert p.input_usd_per_mtok > 0 and p.output_usd_per_mtok > p.input_usd_per_mtok
        assert p.source.strip() and p.as_of


def test_a_user_api_only_entry_loads(tmp_path):
    c = _load(tmp_path, ENTRY)
    assert not c.problems, c.problems
    m = c.model("closed-x")
    assert m.api_only and m.vendor == "examplelab" and m.max_position_embeddings == 200_000


@pytest.mark.parametrize(("edit", "field", "words"), [
    (lambda t: t + "num_hidden_layers = 80\n", "num_hidden_layers", "publishes no weights or architecture"),
    (lambda t: t + 'hf_repo = "x/y"\n', "hf_repo", "publishes no weights or architecture"),
    (lambda t: t + "published_total_params = 1e12\n", "published_total_params", "publishes no weights or architecture"),
    (lambda t: t.replace('vendor = "examplelab"\n', ""), "vendor", "missing required field"),
    (lambda t: t.replace("max_position_embeddings = 200000\n", ""), "max_position_embeddings", "missing required field"),
    (lambda t: t.replace('vendor = "examplelab"', 'vendor = "  "'), "vendor", "must not be empty"),
    (lambda t: t.replace("max_position_embeddings = 200000", "max_position_embeddings = 0"), "max_position_embeddings",
     "greater than zero"),
    (lambda t: t + "colour = 3\n", "colour", "unknown field"),
])
def test_a_bad_api_only_entry_is_one_line_naming_its_field(tmp_path, edit, field, words):
    c = _load(tmp_path, edit(ENTRY))
    assert "closed-x" not in c.models
    problems = [str(p) for p in c.problems]
    assert len(problems) == 1 and "\n" not in problems[0], problems
    assert f"entry 'closed-x', field '{field}'" in problems[0] and words in problems[0], problems[0]


def test_api_only_false_still_needs_the_architecture(tmp_path):
    c = _load(tmp_path, ENTRY.replace("api_only = true", "api_only = false"))
    assert "closed-x" not in c.models
    assert any("missing required field" in str(p) and "closed-x" in str(p) for p in c.problems), c.problems


def test_a_plugin_entry_goes_through_the_same_rules():
    raw = {"api_only": True, "name": "P", "vendor": "v", "release": "2026-01", "max_position_embeddings": 8192,
           "source": "https://example.com", "as_of": "2026-01-01"}
    assert build_entry("models", "p", raw, "plugin x").architecture == "closed"
    with pytest.raises(CatalogError, match="field 'hidden_size'"):
        build_entry("models", "p", {**raw, "hidden_size": 4096}, "plugin x")


# --------------------------------------------------------------------------- ranking


def test_the_api_rows_rank_and_self_hosting_is_one_rejection_per_model():
    w = api.workload(preset="bursty-app", models=list(CLOSED) + ["llama-3.3-70b"], min_quality=0)
    rec = api.recommend(w)
    closed = [c for c in rec.candidates if c.model in CLOSED]
    assert {c.model for c in closed} == set(CLOSED)
    assert all(c.deployment == "api" and c.architecture == "closed" and c.gpu is None for c in closed)
    assert any(c.model == "llama-3.3-70b" and c.deployment == "self-hosted" for c in rec.candidates)
    for mid in CLOSED:
        out = [r for r in rec.rejected if r.model == mid and r.deployment == "self-hosted"]
        assert len(out) == 1, out
        assert out[0].gpu is None and out[0].reasons[0].code == "weights-not-published"
    ranks = [c.rank for c in rec.candidates]
    assert ranks == sorted(ranks)


def test_self_hosting_required_leaves_only_the_rejection():
    w = api.workload(preset="bursty-app", models=["gpt-5.5"], min_quality=0, self_hosting="required")
    rec = api.recommend(w)
    assert not rec.candidates
    assert [(r.model, r.reasons[0].code) for r in rec.rejected] == [("gpt-5.5", "weights-not-published")]


def test_a_fine_tuning_plan_rejects_them_and_says_vendor_tuning_is_not_priced():
    w = api.workload(preset="bursty-app", models=["claude-opus-4.7"], min_quality=0, fine_tuning="heavy",
                     fine_tune_tokens=10_000_000, fine_tunes_per_month=1)
    rec = api.recommend(w)
    assert not rec.candidates
    by = {r.deployment: r.reasons[0] for r in rec.rejected}
    assert by["self-hosted"].code == "weights-not-published" and "fine-tune" in by["self-hosted"].message
    assert by["api"].code == "api-fine-tuning" and "not priced" in by["api"].message


def test_a_training_run_of_a_closed_model_is_never_affordable(cat):
    from advisor.physics.training import NOT_TRAINABLE_GPUS, training_memory, training_run, trainable

    m, g = cat.model("gpt-5.5"), cat.gpu("h100-sxm")
    assert not trainable(m) and trainable(cat.model("llama-3.3-70b"))
    run = training_run(m, g, "lora", 1e7)
    assert run.gpus == NOT_TRAINABLE_GPUS and run.hours == 0 and "API-only" in run.notes[0]
    with pytest.raises(ValueError, match="API-only"):
        training_memory(m, "full")


def test_a_quality_floor_rejects_them_as_unknown_not_silently():
    w = api.workload(preset="bursty-app", models=["gpt-5.5"], min_quality=60)
    rec = api.recommend(w)
    assert not rec.candidates and rec.rejected[0].reasons[0].code == "quality-unknown"


# --------------------------------------------------------------------------- CLI


def test_list_models_marks_them_api_only(capsys):
    code, out, _ = run(capsys, "list", "models")
    assert code == 0
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.strip()}
    for mid in CLOSED:
        assert "API-only" in lines[mid] and "closed weights" in lines[mid]
    assert "API-only" not in lines["llama-3.3-70b"]
    code, out, _ = run(capsys, "list", "models", "--format", "json")
    items = {i["id"]: i for i in json.loads(out)}
    assert items["gpt-5.5"]["api_only"] is True and items["gpt-5.5"]["architecture"] == "closed"
    assert items["gpt-5.5"]["vendor"] == "openai" and items["mixtral-8x7b"]["api_only"] is False


@pytest.mark.parametrize("argv", [("size", "gpt-5.5"), ("size", "claude-opus-4.7", "--format", "json"),
                                  ("estimate", "gpt-5.5", "h100-sxm"), ("estimate", "claude-opus-4.7", "h200", "--gpus", "8")])
def test_size_and_estimate_refuse_them_in_one_line(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("moe-advisor: error: ") and argv[1] in lines[0] and "API-only" in lines[0]


def test_prices_lists_their_rows(capsys):
    code, out, _ = run(capsys, "prices", "--format", "json")
    assert code == 0
    rows = [r for r in json.loads(out)["prices"] if r["kind"] == "api"]
    mine = {r["item"]: r for r in rows if r["item"] in CLOSED}
    assert set(mine) == set(CLOSED) and all(r["api_only"] for r in mine.values())
    assert not any(r["api_only"] for r in rows if r["item"] not in CLOSED)
    code, out, _ = run(capsys, "prices", "--source", "anthropic")
    assert code == 0 and "claude-opus-4.7 (API-only)" in out


def test_summary_counts_them_apart(capsys):
    code, out, _ = run(capsys, "summary", "--format", "json")
    data = json.loads(out)
    assert data["api_only_models"] == len(CLOSED)
    assert data["moe_models"] + data["dense_models"] + data["api_only_models"] == data["models"]


# --------------------------------------------------------------------------- API


@pytest.mark.parametrize("mid", CLOSED)
def test_api_size_and_estimate_refuse_them_naming_the_model_and_why(mid):
    from advisor.errors import InputError

    m = api.catalog().model(mid)
    calls = [lambda: api.size(mid), lambda: api.size(m, "fp8", context_tokens=4096),
             lambda: api.estimate(mid, "h100-sxm"), lambda: api.estimate(m, "h200", gpus=8)]
    for call in calls:
        with pytest.raises(InputError) as err:
            call()
        msg = str(err.value)
        assert mid in msg and "API-only" in msg and "not published its weights" in msg and m.vendor in msg
        assert "\n" not in msg and err.value.field == "model"


def test_api_size_and_estimate_still_work_for_an_open_model():
    s = api.size("llama-3.3-70b")
    assert s.architecture == "dense" and s.total_params > 60e9 and s.kv_bytes_per_token > 0
    e = api.estimate("llama-3.3-70b", "h100-sxm", gpus=8)
    assert e.fits and e.output_tokens_per_s > 0 and e.parallelism.kv_replication >= 1


def test_the_kv_split_of_a_model_without_kv_heads_is_an_error_not_a_division_by_zero(cat):
    from advisor.physics.layouts import kv_replication, layouts_for

    m, g = cat.model("gpt-5.5"), cat.gpu("h100-sxm")
    assert kv_replication(m, 1) == 1.0  # one GPU: nothing is split
    for tp in (2, 8):
        with pytest.raises(ValueError, match=r"gpt-5\.5 has no KV heads.*API-only"):
            kv_replication(m, tp)
    with pytest.raises(ValueError, match="API-only"):
        layouts_for(m, g, 8)
    assert kv_replication(cat.model("llama-3.3-70b"), 8) == 1.0  # 8 KV heads over TP8: one copy each


def test_a_fine_tuning_plan_is_never_costed_for_them(cat):
    from advisor.prices import resolve
    from advisor.ranking.context import Context
    from advisor.ranking.rank import _fine_tuning

    w = api.workload(preset="bursty-app", min_quality=0, fine_tuning="light", fine_tune_tokens=10_000_000,
                     fine_tunes_per_month=2)
    ctx = Context(workload=w, catalog=cat, prices=resolve.price_book(cat), engine=cat.engine)
    memo: dict = {}
    assert _fine_tuning(ctx, cat.model("llama-3.3-70b"), memo) is not None  # an open model's run is costed
    for mid in CLOSED:
        assert _fine_tuning(ctx, cat.model(mid), memo) is None
        assert mid not in memo  # skipped before any GPU is searched


# --------------------------------------------------------------------------- rate limits


def test_vendor_rate_limits_are_named_as_usage_tiers_with_their_page():
    w = api.workload(preset="bursty-app", models=list(CLOSED) + ["llama-3.3-70b"], min_quality=0)
    rec = api.recommend(w)
    pages = {"openai": "https://platform.openai.com/docs/guides/rate-limits",
             "anthropic": "https://docs.anthropic.com/en/api/rate-limits"}
    seen = set()
    for c in rec.candidates:
        if c.deployment != "api":
            continue
        limits = [r for r in c.reasons if r.code == "api-rate-limits"]
        assert len(limits) == 1, c.label
        msg = limits[0].message
        assert "publishes no rate limits" not in msg
        if c.provider in pages:
            seen.add(c.provider)
            assert "usage tier" in msg and pages[c.provider] in msg and "not modelled" in msg, msg
    assert seen == set(pages)


def test_a_provider_without_a_rate_limit_page_is_not_said_to_publish_none(cat):
    from decimal import Decimal

    from advisor.domain.prices import ApiPrice
    from advisor.ranking.api_backend import _rate_limit

    w = api.workload(preset="bursty-app", min_quality=0)
    bare = ApiPrice(provider="examplehost", model="x", input_usd_per_mtok=Decimal(1), output_usd_per_mtok=Decimal(2),
                    source="https://example.com", as_of="2026-01-01")
    reason, rejected = _rate_limit(bare, w)
    assert not rejected and reason.severity == "warning"
    assert "examplehost's rate limits for this model are not in the catalog" in reason.message
    paged = dataclasses.replace(bare, rate_limits_source="https://example.com/limits")
    reason, _ = _rate_limit(paged, w)
    assert "usage tier" in reason.message and "https://example.com/limits" in reason.message


# --------------------------------------------------------------------------- labels


def test_recommend_text_json_and_toml_label_them_closed(capsys, tmp_path):
    import tomllib

    argv = ["recommend", "--preset", "steady-latency", "--min-quality", "0", "--self-hosting", "allowed",
            "--fine-tuning", "none", "--models", ",".join(CLOSED), "--details", "2"]
    out_file = tmp_path / "r.toml"
    code, out, _ = run(capsys, *argv, "-o", str(out_file))
    assert code == 0
    rows = {ln.split()[1]: ln.split() for ln in out.splitlines() if ln[:1].isdigit() and ln.split()[1] in CLOSED}
    assert set(rows) == set(CLOSED) and all(r[2] == "closed" and r[3] == "api" for r in rows.values())
    assert "arch closed: API-only (closed weights)" in out
    assert "R replicas" not in out  # no self-hosted row: no replica legend
    assert "— API: openai · API-only (closed weights)" in out and "— API: anthropic · API-only (closed weights)" in out
    report = tomllib.loads(out_file.read_text())
    assert {c["model"]: c["architecture"] for c in report["candidates"]} == {m: "closed" for m in CLOSED}
    code, out, _ = run(capsys, *argv, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {c["model"]: (c["architecture"], c["deployment"]) for c in data["candidates"]} == \
        {m: ("closed", "api") for m in CLOSED}


def test_the_tui_arch_label():
    pytest.importorskip("textual")
    from advisor.tui.widgets.ranking_table import arch_label

    assert [arch_label(a) for a in ("moe", "dense", "closed")] == ["MoE", "dense", "closed"]
    assert arch_label("closed", long=True) == "API-only (closed weights)"
    assert arch_label("moe", long=True) == "MoE"


async def test_the_tui_shows_them_as_closed_in_the_table_the_breakdown_and_the_comparison():
    pytest.importorskip("textual")
    from textual.widgets import Static

    from advisor.tui.screens.breakdown import BreakdownScreen, CompareScreen
    from advisor.tui.widgets.ranking_table import RankingTable
    from test_tui import make_app, plain, settle, until

    w = api.workload(preset="bursty-app", models=list(CLOSED) + ["llama-3.3-70b"], min_quality=0)
    app = make_app(workload=w)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        cands = app.recommendation.candidates
        closed = next(c for c in cands if c.architecture == "closed")
        dense = next(c for c in cands if c.architecture == "dense")
        table = app.screen.query_one(RankingTable)
        arch = {c.rank: str(table.get_cell(str(c.rank), "arch")) for c in (closed, dense)}
        assert arch == {closed.rank: "closed", dense.rank: "dense"}
        app.open_breakdown(closed)
        await until(pilot, lambda: isinstance(app.screen, BreakdownScreen))
        await pilot.pause()
        title = plain(app.screen.query_one("#bd-title", Static))
        assert "API-only (closed weights)" in title and "dense" not in title
        app.pop_screen()
        await pilot.pause()
        app.open_compare(closed, dense)
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        row = next(ln for ln in plain(app.screen.query_one("#cmp-table", Static), width=160).splitlines()
                   if ln.strip().startswith("architecture"))
        assert "API-only (closed weights)" in row and "dense" in row
