"""report diff names the reason of the same configuration: an option that came in (or dropped out) is explained by
the rejection of its own GPU count, not by the first rejection of its model, GPU type and precision."""

from __future__ import annotations

import re

import advisor.reports as rp
from advisor.cli import main

RAG = """[workload]
name = "rag-128k"
requests_per_day = {rpd}
input_tokens = 100000
output_tokens = 600
cached_input_fraction = {cached}
traffic_shape = "diurnal"
latency = "interactive"
ttft_ms = 8000
output_tokens_per_s_per_user = 25
context_typical_tokens = 100600
context_max_tokens = 131072
models = ["llama-4-scout"]
gpu_types = ["l40s"]
precisions = ["bf16", "fp8"]
"""


def test_report_diff_gives_the_old_reason_of_the_same_gpu_count(tmp_path, capsys):
    """The reviewer's case: at 20,000 requests/day llama-4-scout on 8x l40s (bf16) missed the TTFT target while
    4x l40s (bf16) did not fit; more cached input brings 8x in, and the diff said "before: does not fit on 4x"."""
    paths = []
    for i, (rpd, cached) in enumerate(((20000, 0.0), (60000, 0.5))):
        wl, rep = tmp_path / f"w{i}.toml", tmp_path / f"rep{i}.toml"
        wl.write_text(RAG.format(rpd=rpd, cached=cached))
        assert main(["recommend", "--workload", str(wl), "-o", str(rep)]) == 0
        paths.append(rep)
    capsys.readouterr()
    old, new = rp.load_report(paths[0]), rp.load_report(paths[1])
    d = rp.diff_reports(old, new)
    checked = 0
    for came in d.appeared:
        row = next(c for c in new.recommendation.candidates if c.label == came.label)
        own = [r for r in old.recommendation.rejected if r.deployment == "self-hosted" and (r.model, r.gpu, r.precision, r.gpus)
               == (row.model, row.gpu, row.precision, row.gpus)]
        if own and own[0].reasons:
            assert came.reason == own[0].reasons[0].message, came.label
            assert f"on {row.gpus}x {row.gpu}" in came.reason
            checked += 1
    assert checked, [c.label for c in d.appeared]  # the scenario still has an option whose own size was rejected before
    assert main(["report", "diff", str(paths[0]), str(paths[1])]) == 0
    out = capsys.readouterr().out
    for line in out.splitlines():
        m = re.search(r"on (\d+)x (\S+) \((\w+)[,)].*; before: .* on (\d+)x (\S+) (?:\(|in )(\w+)", line)
        if m:
            assert (m[1], m[2], m[3]) == (m[4], m[5], m[6]), line
