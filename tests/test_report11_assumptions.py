"""The report's ``[assumptions] engine`` names the engines the ranked rows run on (it said "TensorRT-LLM", the
engine profile's name, for a report whose #1 runs vLLM on MI300X); the profile stays as ``reference_engine``."""

from __future__ import annotations

import datetime
import tomllib

import advisor.reports as rp
from advisor import api

T0 = datetime.datetime(2026, 12, 4, 12, 0, 0, tzinfo=datetime.UTC)


def _rec():
    w = api.workload(requests_per_day=20000, input_tokens=100000, output_tokens=600, ttft_ms=8000,
                     output_tokens_per_s_per_user=25, context_typical_tokens=100600, context_max_tokens=131072,
                     models=["llama-4-scout", "llama-3.3-70b"], precisions=["bf16", "fp8"])
    return api.recommend(w)


def test_engine_names_what_the_ranked_rows_run_on():
    rec = _rec()
    names = {eid: p.engine for eid, p in api.catalog().engines.items()}
    used = list(dict.fromkeys(c.engine for c in rec.candidates if c.deployment == "self-hosted" and c.engine))
    assert used and used[0] != rec.assumptions["engine_id"]  # the reviewer's case: #1 runs another engine than the profile's
    a = tomllib.loads(rp.dumps_report(rec, T0))["assumptions"]
    assert a["engine"] == ", ".join(names[e] for e in used)
    assert a["engine_id"] == ", ".join(used)
    # the profile the efficiency factors belong to is kept, under its own name
    assert (a["reference_engine"], a["reference_engine_id"]) == (rec.assumptions["engine"], rec.assumptions["engine_id"])


def test_a_loaded_report_reexports_the_same_text():
    text = rp.dumps_report(_rec(), T0)
    loaded = rp.loads_report(text, "r.toml")
    assert rp.dumps_report(loaded.recommendation, loaded.created_at) == text


def test_recommend_json_states_the_same_engines(capsys):
    import json

    from advisor.cli import main

    rec = _rec()
    assert main(["recommend", "--models", "llama-4-scout,llama-3.3-70b", "--precisions", "bf16,fp8", "--requests-per-day",
                 "20000", "--input-tokens", "100000", "--output-tokens", "600", "--ttft-ms", "8000",
                 "--tokens-per-s-per-user", "25", "--context-typical", "100600", "--context-max", "131072",
                 "--format", "json"]) == 0
    a = json.loads(capsys.readouterr().out)["assumptions"]
    assert a["engine"] == tomllib.loads(rp.dumps_report(rec, T0))["assumptions"]["engine"] != rec.assumptions["engine"]
