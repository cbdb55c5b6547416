"""TOML reports: round trip, re-run, diff, validation of bad files, atomic writes, no secrets."""

from __future__ import annotations

import dataclasses
import datetime
import os
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
import tomli_w

from advisor import api
import advisor.reports as rp
from advisor.ranking.rank import recommend_with
from advisor.errors import AdvisorError
from advisor.prices import resolve

T0 = datetime.datetime(2026, 1, 31, 12, 0, 0, tzinfo=datetime.timezone.utc)
SMALL_MODELS = ("gemma-3-27b", "qwen3-30b-a3b", "llama-3.3-70b")


@pytest.fixture
def small_workload():
    """A quick workload: three models, every deployment, so a report has API and self-hosted rows and rejections."""
    return dataclasses.replace(api.preset("bursty-app"), models=SMALL_MODELS)


@pytest.fixture
def small_rec(small_workload):
    return api.recommend(small_workload)


@pytest.fixture
def small_text(small_rec):
    return rp.dumps_report(small_rec, T0)


def _key_order(text: str) -> list[str]:
    heads = []
    for line in text.splitlines():
        if line.startswith("[") and "." not in line.strip("[]"):
            name = line.strip("[]")
            if not heads or heads[-1] != name:
                heads.append(name)
    return heads


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("preset", ["bursty-app", "batch-pipeline", "steady-latency"])
def test_export_load_reexport_is_identical(preset):
    rec = api.recommend(api.preset(preset))
    text = rp.dumps_report(rec, T0)
    loaded = rp.loads_report(text, "r.toml")
    assert rp.dumps_report(loaded.recommendation, loaded.created_at) == text
    # The rebuilt recommendation is the same data, not only the same text.
    assert loaded.recommendation.candidates == rec.candidates
    assert loaded.recommendation.rejected == rec.rejected
    assert loaded.workload == rec.workload
    assert loaded.created_at == T0


def test_write_load_write_gives_identical_files(tmp_path, small_rec):
    a = rp.write_report(small_rec, tmp_path / "a.toml", created_at=T0)
    loaded = rp.load_report(a)
    b = rp.write_report(loaded.recommendation, tmp_path / "b.toml", created_at=loaded.created_at)
    assert a.read_bytes() == b.read_bytes()


def test_same_rec_and_time_give_the_same_text(small_rec):
    assert rp.dumps_report(small_rec, T0) == rp.dumps_report(small_rec, T0)


def test_report_is_self_contained_and_readable(small_rec, small_text):
    data = tomllib.loads(small_text)
    meta = data["report"]
    assert meta["schema_version"] == rp.SCHEMA_VERSION == 1
    assert meta["tool"] == "moe-advisor" and meta["tool_version"]
    assert meta["created_at"] == T0
    assert _key_order(small_text) == ["report", "workload", "assumptions", "catalog_versions", "prices", "candidates",
                                      "rejected", "totals"]
    assert data["workload"]["name"] == "bursty-app" and data["workload"]["models"] == list(SMALL_MODELS)
    assumptions = data["assumptions"]
    assert "efficiency_factors" in assumptions and "memory" in assumptions and "utilization_model" in assumptions
    assert data["catalog_versions"] == small_rec.catalog_versions
    assert data["totals"] == {"prices": len(data["prices"]), "candidates": len(small_rec.candidates),
                              "rejected": len(small_rec.rejected)}
    kinds = {p["kind"] for p in data["prices"]}
    assert kinds == {"gpu", "api"}
    for p in data["prices"]:
        assert p["provider"] and p["item"] and p["source"] and p["as_of"]
        assert p["unit"] == ("usd_per_gpu_hour" if p["kind"] == "gpu" else "usd_per_mtok")
    hosted = next(c for c in data["candidates"] if c["deployment"] == "self-hosted")
    for table in ("cost", "memory", "performance"):
        assert table in hosted
    assert hosted["reasons"] and all({"code", "severity", "message"} <= set(r) for r in hosted["reasons"])
    assert data["rejected"] and all(r["reasons"] for r in data["rejected"])


def test_money_stays_exact(small_rec, small_text):
    data = tomllib.loads(small_text)
    for raw, cand in zip(data["candidates"], small_rec.candidates):
        assert isinstance(raw["monthly_cost_usd"], str)
        assert raw["monthly_cost_usd"] == str(cand.monthly_cost_usd)
        assert raw["usd_per_mtok"] == str(cand.usd_per_mtok)
    loaded = rp.loads_report(small_text)
    for a, b in zip(loaded.recommendation.candidates, small_rec.candidates):
        assert a.monthly_cost_usd == b.monthly_cost_usd and str(a.monthly_cost_usd) == str(b.monthly_cost_usd)
        assert a.hourly_usd == b.hourly_usd


@pytest.mark.parametrize("providers", [(), ("aws",)])
def test_gpu_prices_match_the_catalog(cat, small_workload, providers):
    """Unit prices are the catalog's, exactly; AWS sells 8-GPU instances (paid whole) and has an 8-decimal
    A100 price, which the report can only give rounded, and says so."""
    rec = api.recommend(dataclasses.replace(small_workload, providers=providers))
    loaded = rp.loads_report(rp.dumps_report(rec, T0))
    by_key: dict[tuple[str, str], set[Decimal]] = {}  # a provider may sell a GPU on demand in several SKUs
    for p in cat.gpu_prices:
        if p.pricing == "on-demand":
            by_key.setdefault((p.provider, p.gpu), set()).add(p.usd_per_gpu_hour)
    gpu_prices = [p for p in loaded.prices if p.kind == "gpu"]
    assert gpu_prices
    for p in gpu_prices:
        exact = by_key[(p.provider, p.item)]
        if p.note:
            assert "rounded" in p.note and any(abs(p.usd_per_gpu_hour - e) < Decimal("0.0001") for e in exact)
        else:
            assert p.usd_per_gpu_hour in exact
    assert all(not p.note for p in gpu_prices if max(exact_places(e) for e in by_key[(p.provider, p.item)]) <= 4)


def exact_places(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)


def test_api_prices_match_the_catalog_exactly(small_text):
    """Against the resolved price book (hand rows, replaced where a later source such as genai-prices
    prices the same provider and model): the prices the ranking used."""
    loaded = rp.loads_report(small_text)
    by_model = {(p.provider, p.model): p for p in resolve.price_book().api_prices}
    for p in (p for p in loaded.prices if p.kind == "api"):
        assert p.input_usd_per_mtok == by_model[(p.provider, p.item)].input_usd_per_mtok
        assert p.output_usd_per_mtok == by_model[(p.provider, p.item)].output_usd_per_mtok


def test_rerun_from_a_report_reproduces_the_ranking(tmp_path):
    rec = api.recommend(api.preset("steady-latency"))
    path = rp.write_report(rec, tmp_path / "r.toml", created_at=T0)
    again = api.recommend(rp.load_report(path).workload)
    assert [c.label for c in again.candidates] == [c.label for c in rec.candidates]
    assert again.candidates == rec.candidates and again.rejected == rec.rejected


# --------------------------------------------------------------------------- diff


def _planted_price_change(cat, rec):
    """The same workload, with the best API option's input price raised by 0.05 $/M."""
    best = rec.best
    assert best.deployment == "api"
    prices = resolve.price_book(cat)  # the book the ranking used, not only the hand rows
    bumped = tuple(dataclasses.replace(p, input_usd_per_mtok=p.input_usd_per_mtok + Decimal("0.05"), as_of="2026-02-01")
                   if (p.provider, p.model) == (best.provider, best.model) else p for p in prices.api_prices)
    return best, recommend_with(rec.workload, cat, dataclasses.replace(prices, api_prices=bumped))


def test_diff_finds_a_planted_price_change(cat, small_rec):
    best, new_rec = _planted_price_change(cat, small_rec)
    old = rp.loads_report(rp.dumps_report(small_rec, T0), "old.toml")
    new = rp.loads_report(rp.dumps_report(new_rec, T0), "new.toml")
    d = rp.diff_reports(old, new)
    assert d.changed
    assert len(d.price_changes) == 1
    ch = d.price_changes[0]
    assert (ch.kind, ch.provider, ch.item, ch.field) == ("api", best.provider, best.model, "input_usd_per_mtok")
    assert ch.new - ch.old == Decimal("0.05") and ch.new_as_of == "2026-02-01"
    moved = {c.label: c for c in d.rank_changes}
    assert best.label in moved and moved[best.label].new_monthly_cost_usd > moved[best.label].old_monthly_cost_usd
    assert not d.workload_changes and not d.became_infeasible and not d.disappeared and not d.appeared
    text = d.text()
    assert f"{best.provider} {best.model} input: ${ch.old} -> ${ch.new}/M tokens" in text
    if new_rec.best.label != best.label:
        assert f"Best option changed: {best.label} -> {new_rec.best.label}" in text


def test_diff_reports_a_candidate_that_became_infeasible(small_rec):
    stricter = api.recommend(dataclasses.replace(small_rec.workload, min_quality=68.0))
    d = rp.diff_reports(rp.loads_report(rp.dumps_report(small_rec, T0)), rp.loads_report(rp.dumps_report(stricter, T0)))
    assert [c.key for c in d.workload_changes] == ["min_quality"]
    gone = {c.label: c for c in d.became_infeasible}
    gemma = [c for c in small_rec.candidates if c.model == "gemma-3-27b"]
    assert gemma and {c.label for c in gemma} <= set(gone)
    assert all("below the floor" in gone[c.label].reason for c in gemma)
    assert not d.disappeared
    assert "Became infeasible" in d.text()


def test_diff_of_a_report_with_itself_is_empty(small_text):
    a = rp.loads_report(small_text, "a.toml")
    d = rp.diff_reports(a, a)
    assert not d.changed and "No changes" in d.text()


# --------------------------------------------------------------------------- bad reports


def _edit(text: str, fn) -> str:
    data = tomllib.loads(text)
    fn(data)
    return tomli_w.dumps(data)


def _load_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "report.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rp.ReportError) as info:
        rp.load_report(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{path}: ")
    return msg[len(f"{path}: "):]


def test_truncated_report_is_refused_at_every_cut(tmp_path, small_text):
    body = small_text.rstrip()
    lines = [i for i, ch in enumerate(body) if ch == "\n"]
    cuts = sorted(set(lines[:: max(1, len(lines) // 30)] + [len(body) - 1, len(body) - 5] + list(range(1, len(body), len(body) // 20))))
    for cut in cuts:
        with pytest.raises(rp.ReportError) as info:
            rp.loads_report(body[:cut], "r.toml")
        assert "\n" not in str(info.value), cut
    assert "totals" in _load_error(tmp_path, small_text[: small_text.index("[totals]")])


def test_truncated_report_mid_list_names_the_section(tmp_path, small_text):
    # Drop the last [[rejected]] entry cleanly: the TOML is valid, the totals say it is incomplete.
    cut = small_text.rindex("[[rejected]]")
    tail = small_text[small_text.index("[totals]"):]
    msg = _load_error(tmp_path, small_text[:cut] + tail)
    assert msg.startswith("rejected: the report says") and "incomplete" in msg


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["candidates"][0].__setitem__("gpus", "two"), "candidates[0].gpus: must be a whole number, got 'two'"),
    (lambda d: d["candidates"][1].__setitem__("monthly_cost_usd", "-5"),
     "candidates[1].monthly_cost_usd: must be a non-negative amount, got '-5'"),
    (lambda d: d["candidates"][1].__setitem__("monthly_cost_usd", "lots"),
     "candidates[1].monthly_cost_usd: must be a non-negative amount, got 'lots'"),
    (lambda d: d["candidates"][0].__setitem__("pareto", "yes"), "candidates[0].pareto: must be true or false, got 'yes'"),
    (lambda d: d["prices"][0].__setitem__("usd_per_gpu_hour", "-5"), "prices[0].usd_per_gpu_hour: must be a non-negative amount, got '-5'"),
    (lambda d: d["prices"][-1].__setitem__("input_usd_per_mtok", -0.5),
     "input_usd_per_mtok: must be a non-negative amount, got -0.5"),
    (lambda d: d["prices"][0].__setitem__("unit", "usd_per_month"), "prices[0].unit: must be 'usd_per_gpu_hour'"),
    (lambda d: d["report"].__setitem__("schema_version", 2), "report.schema_version: version 2 is newer than this moe-advisor reads (1)"),
    (lambda d: d["report"].__setitem__("schema_version", 0), "report.schema_version: unknown schema version 0"),
    (lambda d: d["report"].__setitem__("schema_version", "1"), "report.schema_version: must be a whole number, got '1'"),
    (lambda d: d["report"].pop("schema_version"), "report.schema_version: must be a whole number, got nothing"),
    (lambda d: d["report"].__setitem__("created_at", "yesterday"), "report.created_at: must be a date and time"),
    (lambda d: d["workload"].__setitem__("requests_per_day", -1), "workload.requests_per_day: must be at least one request a month"),
    (lambda d: d["workload"].__setitem__("requets_per_day", 1), "workload.requets_per_day: unknown workload field (did you mean requests_per_day?)"),
    (lambda d: d["workload"].__setitem__("precisions", ["fp7"]), "workload.precisions: unknown precision 'fp7'"),
    (lambda d: d["candidates"][0].__setitem__("montly_cost_usd", "1"), "candidates[0].montly_cost_usd: unknown key (did you mean monthly_cost_usd?)"),
    (lambda d: d["candidates"][0].pop("usd_per_mtok"), "candidates[0].usd_per_mtok: missing"),
    (lambda d: d["candidates"][1].__setitem__("rank", 7), "candidates[1].rank: expected 2 (candidates are listed best first), got 7"),
    (lambda d: d["candidates"][0]["reasons"][0].__setitem__("message", 3), "candidates[0].reasons[0].message: must be text, got 3"),
    (lambda d: d["rejected"][0].__setitem__("reasons", []), "rejected[0].reasons: missing: a rejection needs at least one reason"),
    (lambda d: d.__setitem__("candidates", {"a": 1}), "candidates: must be an array of tables, got a table"),
    (lambda d: d.pop("report"), "report: missing table: not a moe-advisor report"),
    (lambda d: d["report"].__setitem__("format", "something else"), "report.format: must be 'moe-advisor recommendation report'"),
])
def test_bad_report_gets_one_line_naming_the_key(tmp_path, small_text, edit, expected):
    assert expected in _load_error(tmp_path, _edit(small_text, edit))


def test_a_workload_file_is_not_mistaken_for_a_report(tmp_path):
    msg = _load_error(tmp_path, 'requests_per_day = 1000\ninput_tokens = 100\n')
    assert msg.startswith("report: missing table: not a moe-advisor report") and "--workload" in msg


def test_unreadable_reports(tmp_path):
    with pytest.raises(rp.ReportError, match="file not found"):
        rp.load_report(tmp_path / "nope.toml")
    with pytest.raises(rp.ReportError, match="is a directory"):
        rp.load_report(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(rp.ReportError, match="not a UTF-8 text file"):
        rp.load_report(tmp_path / "bin.toml")
    assert "malformed TOML" in _load_error(tmp_path, "[report\nx = ")


def test_hand_edited_money_as_a_number_is_read_exactly(small_text):
    text = _edit(small_text, lambda d: d["candidates"][0].__setitem__("monthly_cost_usd", 12.5))
    assert rp.loads_report(text).recommendation.candidates[0].monthly_cost_usd == Decimal("12.5")


# --------------------------------------------------------------------------- writing safely


def test_no_overwrite_without_force(tmp_path, small_rec):
    path = tmp_path / "r.toml"
    path.write_text("previous", encoding="utf-8")
    with pytest.raises(rp.ReportExistsError) as info:
        rp.write_report(small_rec, path)
    assert isinstance(info.value, AdvisorError) and info.value.path == path
    assert "already exists" in str(info.value) and "--force" in str(info.value)
    assert path.read_text(encoding="utf-8") == "previous"
    rp.write_report(small_rec, path, force=True, created_at=T0)
    assert path.read_text(encoding="utf-8") == rp.dumps_report(small_rec, T0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.toml"]


def test_a_file_that_appears_during_the_write_is_not_clobbered(tmp_path, small_rec, monkeypatch):
    path = tmp_path / "r.toml"
    real_open = os.open

    def open_then_race(p, flags, mode=0o777, *a, **k):
        fd = real_open(p, flags, mode, *a, **k)
        if str(p).endswith(".tmp") and not path.exists():
            path.write_text("someone else's", encoding="utf-8")
        return fd

    monkeypatch.setattr(os, "open", open_then_race)
    with pytest.raises(rp.ReportExistsError):
        rp.write_report(small_rec, path)
    assert path.read_text(encoding="utf-8") == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.toml"]


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_interrupted_write_leaves_the_previous_report_intact(tmp_path, small_rec, monkeypatch, where):
    path = tmp_path / "r.toml"
    rp.write_report(small_rec, path, created_at=T0)
    before = path.read_bytes()
    newer = dataclasses.replace(small_rec, notes=("a newer run",))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process is interrupted half-way through the write

    monkeypatch.setattr(os, where, crash)
    with pytest.raises(KeyboardInterrupt):
        rp.write_report(newer, path, force=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.toml"]
    assert rp.load_report(path).recommendation.notes == small_rec.notes


def test_failed_rename_is_a_clear_error_and_cleans_up(tmp_path, small_rec, monkeypatch):
    path = tmp_path / "r.toml"
    path.write_text("previous", encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(rp.ReportError, match="No space left on device"):
        rp.write_report(small_rec, path, force=True)
    assert path.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.toml"]


def test_unwritable_paths_are_clear_errors(tmp_path, small_rec):
    with pytest.raises(rp.ReportError, match="does not exist") as info:
        rp.write_report(small_rec, tmp_path / "missing" / "r.toml")
    assert str(tmp_path / "missing") in str(info.value)
    with pytest.raises(rp.ReportError, match="is a directory"):
        rp.write_report(small_rec, tmp_path)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(rp.ReportError):
        rp.write_report(small_rec, tmp_path / "afile" / "r.toml")


def test_permission_denied_is_a_clear_error(tmp_path, small_rec, monkeypatch):
    real_open = os.open

    def deny(p, flags, *a, **k):
        if str(p).endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_open(p, flags, *a, **k)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(rp.ReportError) as info:
        rp.write_report(small_rec, tmp_path / "r.toml")
    assert str(info.value) == f"{tmp_path / 'r.toml'}: cannot write the report in {tmp_path}: Permission denied"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_is_a_clear_error(tmp_path, small_rec):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(rp.ReportError) as info:
            rp.write_report(small_rec, ro / "r.toml")
        assert str(ro / "r.toml") in str(info.value) and "ermission denied" in str(info.value)
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_report_gets_ordinary_file_permissions(tmp_path, small_rec):
    umask = os.umask(0o022)
    try:
        path = rp.write_report(small_rec, tmp_path / "r.toml")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------- secrets


def test_no_secret_is_ever_written(monkeypatch, small_rec):
    secret = "sk-or-v1-0123456789abcdef"
    monkeypatch.setenv("OPENROUTER_API_KEY", secret)
    monkeypatch.setenv("SOME_PLUGIN_TOKEN", "tok-live-998877665544")
    leaky = dataclasses.replace(
        small_rec,
        notes=small_rec.notes + (f"price plugin 'x' failed: 401 for https://api.example.com/v1/prices?api_key={secret}&page=2 "
                                 f"(Authorization: Bearer {secret}); token tok-live-998877665544",),
        candidates=(dataclasses.replace(small_rec.candidates[0], price_source="https://prices.example.com/list?token=abcdef123456"),)
        + small_rec.candidates[1:],
    )
    text = rp.dumps_report(leaky, T0)
    for s in (secret, "sk-or-v1", "tok-live-998877665544", "abcdef123456"):
        assert s not in text
    assert "api_key=[redacted]&page=2" in text and "token=[redacted]" in text
    for name, value in os.environ.items():
        if any(w in name.upper() for w in ("KEY", "TOKEN", "SECRET", "PASSWORD")) and len(value) >= 8:
            assert value not in text
    rp.loads_report(text)  # still a valid report


def test_plain_text_is_not_mangled_by_the_redaction():
    for s in ("deepseek-v3 via deepseek", "https://www.runpod.io/pricing?tab=secure", "task-specific 8x h100-sxm", "risk-adjusted"):
        assert rp.redact(s) == s


def test_report_module_is_headless():
    import subprocess
    import sys

    code = ("import sys, advisor.reports; bad = [m for m in ('textual', 'httpx', 'rich', 'tomli_w') if m in sys.modules]; "
            "print(bad); sys.exit(bool(bad))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
