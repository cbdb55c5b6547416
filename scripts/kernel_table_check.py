"""Compare the estimate's decode step, operation by operation, with one composed from measured TensorRT-LLM kernel tables.

    python -m venv /tmp/aic && /tmp/aic/bin/pip install aiconfigurator-core==0.12.0
    PYTHONPATH=. python scripts/kernel_table_check.py --aic-python /tmp/aic/bin/python [--out F.json] [--only qwen3-30b]

Why: the calibration set has no Qwen3-30B-A3B row, no Qwen3 FP8/FP4 row on TensorRT-LLM and no scored Llama 4 Scout
row, so nothing end to end checks the MoE terms for those families. NVIDIA's aiconfigurator-core (pip, Apache-2.0;
https://github.com/ai-dynamo/aiconfigurator) ships kernel latencies measured on H100/H200/B200 with TensorRT-LLM
1.3.0rc20 (GEMMs, the fused MoE op by tokens and expert-parallel split, context/generation attention, the custom
all-reduce) and composes a step from them per operation (``decode_step_per_op``). This script asks it for the decode step
at the batch and layout the estimate chooses and lays it beside the estimate's own terms (``_Model._stage``):

    dense GEMMs   QKV, output projection, router, LM head, shared-expert and dense-FFN GEMMs
    attention     the generation attention kernel (KV reads, QK/AV)
    experts       the fused MoE op (routing, permute, grouped GEMMs, activation, finalize)
    comm          all-reduces, MoE dispatch/combine, pipeline sends
    other         norms, embedding, residual adds (the tables' empirical terms) beside the estimate's fixed
                  overheads (kernel floor x kernels, per-layer and per-MoE-layer overheads, per-step overhead)

The package is read only when this script runs (in a separate environment: ``--aic-python`` runs the table side in a
subprocess); it is never a dependency of the advisor. The tables are one engine's kernels at one version measured in
isolation (no overlap, no scheduler): they test the estimate's *terms*; end-to-end accuracy stays with the calibration
set. The routing distribution of the MoE tables is ``balanced`` unless ``--power-law`` (the tables' own assumption).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

AIC_VERSION = "0.12.0"
CASES = [
    # (model id, aiconfigurator model path, gpu, gpus, precision, layout, input, output)
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "h100-sxm", 1, "fp8", "tp", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "h200", 1, "fp8", "tp", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "h200", 1, "fp8", "tp", 1024, 2048),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "b200", 1, "fp8", "tp", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "b200", 1, "nvfp4", "tp", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "h200", 2, "fp8", "tp", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "h200", 2, "fp8", "tp_ep", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "h100-sxm", 4, "fp8", "dep", 1024, 1024),
    ("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "b200", 4, "nvfp4", "tp_ep", 1024, 1024),
    ("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "h200", 4, "fp8", "tp_ep", 1024, 1024),
    ("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "h200", 8, "fp8", "dep", 1024, 1024),
    ("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "h100-sxm", 8, "fp8", "tp_ep", 1024, 1024),
    ("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "b200", 4, "nvfp4", "dep", 1024, 1024),
    ("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "b200", 8, "nvfp4", "dep", 1024, 2048),
    ("qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "b200", 8, "fp8", "tp_ep", 1024, 1024),
    ("llama-4-scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "h100-sxm", 2, "fp8", "tp", 1024, 1024),
    ("llama-4-scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "h200", 1, "fp8", "tp", 1024, 1024),
    ("llama-4-scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "h200", 4, "fp8", "tp", 1024, 2048),
    ("llama-4-scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "b200", 1, "nvfp4", "tp", 1024, 1024),
    ("llama-4-scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "b200", 4, "fp8", "tp_ep", 1024, 1024),
    ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h200", 8, "fp8", "tp", 1024, 1024),
    ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h200", 8, "fp8", "tp_ep", 1024, 2048),
    ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h100-sxm", 8, "fp8", "tp_ep", 1024, 1024),
    ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "b200", 4, "nvfp4", "tp_ep", 1024, 1024),
    ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "b200", 8, "nvfp4", "dep", 1024, 2048),
]
ANCHORS = [
    # calibrated families (scored TensorRT-LLM 0.20 rows, end-to-end error within a few percent): the tables' level
    # against the estimate on them says how far isolated kernels run ahead of a serving engine
    ("mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1", "h200", 1, "fp8", "tp", 1000, 1000),
    ("mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1", "h100-sxm", 2, "fp8", "tp", 1000, 1000),
    ("mixtral-8x22b", "mistralai/Mixtral-8x22B-v0.1", "h200", 4, "fp8", "tp", 1000, 1000),
    ("llama-3.1-8b", "meta-llama/Meta-Llama-3.1-8B", "h200", 1, "fp8", "tp", 1000, 1000),
    ("llama-3.3-70b", "meta-llama/Meta-Llama-3.1-70B", "h200", 2, "fp8", "tp", 1000, 1000),
    ("llama-3.3-70b", "meta-llama/Meta-Llama-3.1-70B", "b200", 1, "nvfp4", "tp", 1000, 1000),
    ("llama-3.3-70b", "meta-llama/Meta-Llama-3.1-70B", "b200", 2, "nvfp4", "tp", 1000, 1000),
    ("llama-3.1-8b", "meta-llama/Meta-Llama-3.1-8B", "b200", 1, "nvfp4", "tp", 1000, 1000),
]
MEASURED = {
    # cases with a scored calibration row (TensorRT-LLM 0.20 perf overview): does the tables' verdict relative to the
    # anchors point the way the measured error does? (row id -> case)
    "trtllm020-llama-4-maverick-h200-tp8-1024-2048":
        ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h200", 8, "fp8", "tp", 1024, 2048),
    "trtllm020-llama-4-maverick-h200-tp8-2048-128":
        ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h200", 8, "fp8", "tp", 2048, 128),
    "trtllm020-llama-4-maverick-h100-sxm-tp8-1024-2048":
        ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h100-sxm", 8, "fp8", "tp", 1024, 2048),
    "trtllm020-llama-4-maverick-h100-sxm-tp8-128-4096":
        ("llama-4-maverick", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "h100-sxm", 8, "fp8", "tp", 128, 4096),
}
SYSTEMS = {"h100-sxm": "h100_sxm", "h200": "h200_sxm", "b200": "b200_sxm"}
PARTS = ("dense GEMMs", "attention", "experts", "comm", "other")

# The table side, run by the aiconfigurator-core environment: reads one JSON job per line on stdin, prints per-op ms.
_TABLE_SIDE = r'''
import json, sys
from aiconfigurator_core.sdk import perf_database
from aiconfigurator_core.sdk.config_builders import build_model_config
from aiconfigurator_core.sdk.engine import EngineHandle, build_engine_spec_json, _literal_backend_version
from aiconfigurator_core.sdk.models import get_model
from aiconfigurator_core.sdk.common import DefaultHFModels
import aiconfigurator_core, importlib.resources, os, shutil, tempfile
def local(path):  # a packaged config.json the package does not list as a default model: load it as a local model dir
    if path in DefaultHFModels:
        return path
    d = tempfile.mkdtemp()
    shutil.copy(importlib.resources.files("aiconfigurator_core") / "model_configs" / (path.replace("/", "--") + "_config.json"),
                os.path.join(d, "config.json"))
    return d
for line in sys.stdin:
    j = json.loads(line)
    j["path"] = local(j["path"])
    cfg = build_model_config(tp_size=j["tp"], pp_size=1, attention_dp_size=j["dp"], moe_tp_size=j["moe_tp"],
                             moe_ep_size=j["moe_ep"], gemm_quant_mode=j["gemm"], kvcache_quant_mode=j["kv"],
                             fmha_quant_mode=j["fmha"], moe_quant_mode=j["moe"], comm_quant_mode=None,
                             forward_model=None, attention_backend=None)
    cfg.workload_distribution = j["distribution"]
    model = get_model(j["path"], cfg, "trtllm")
    version = _literal_backend_version(j["system"], "trtllm", None, None, None)
    db = perf_database.get_database(j["system"], "trtllm", version)
    spec = build_engine_spec_json(model, model_path=j["path"], system=j["system"], backend="trtllm", backend_version=version,
                                  kv_block_size=None, systems_path=None, nextn=0, database=db)
    h = EngineHandle(bytes(aiconfigurator_core.engine_spec_bincode_from_json(spec)))
    ops = h._engine.decode_step_per_op(int(j["tokens"]), int(j["isl"]), int(j["osl"]))
    ctx = h.evaluate_context_ops(list(range(len(model.context_ops))), batch_size=max(1, j["prefill_tokens"] // j["isl"]),
                                 s=int(j["isl"]))
    erratic = []
    if j["experts"]:  # the fused-MoE table of this shape and split: does its time fall by > 30% as tokens double?
        import pandas as pd
        t = pd.read_parquet(importlib.resources.files("aiconfigurator_core") / "systems" / "data" / j["system"] / "moe"
                            / "trtllm" / version / "moe_perf.parquet")
        h_, n_, e_, k_ = j["experts"]
        t = t[(t.hidden_size == h_) & (t.inter_size == n_) & (t.num_experts == e_) & (t.topk == k_) & (t.moe_dtype == j["moe"])
              & (t.moe_tp_size == j["moe_tp"]) & (t.moe_ep_size == j["moe_ep"]) & (t.distribution == j["distribution"].replace("power_law", "power_law_1.01"))
              & (t.kernel_source == "moe_torch_flow_cutlass") & (t.num_tokens >= 16)].sort_values("num_tokens")
        lat, few = t.latency.tolist(), 4 * e_ / j["moe_ep"]  # at most ~4 tokens per local expert: memory-bound
        erratic = [int(a) for a, x, y in zip(t.num_tokens, lat, lat[1:]) if y < 0.7 * x]
        erratic += [int(a) for a, x in zip(t.num_tokens, lat) if a <= few and x > 3 * j["min_moe_ms"] + 0.1]
    print(json.dumps({"version": version, "ops": [[o[0], o[1], o[3]] for o in ops], "erratic": erratic,
                      "prefill_ops": [[o[0], o[1], o[3]] for o in ctx]}), flush=True)
'''


def _category(op: str) -> str:
    """The estimate's part an aiconfigurator op name belongs to."""
    name = op.removeprefix("generation_").removeprefix("context_")
    if "dispatch" in name or re.search(r"(^|_)ar(_\d+)?$", name) or "all_reduce" in name or name == "p2p":
        return "comm"
    if "gemm" in name:
        return "dense GEMMs"
    if name.endswith("_moe") or name == "moe" or "expert" in name:
        return "experts"
    if name.endswith("attention"):
        return "attention"
    return "other"


def _split(mod, tokens: float, prefill: bool) -> tuple[dict, float]:
    """One pass of ``tokens`` (decode step, or prefill chunk) of a pipeline-free ``_Model`` split into PARTS (ms), term
    by term as ``_Model._stage`` adds them; raises when the parts stop adding up to the pass (the split drifted)."""
    lin, att = (mod.lin_pre, mod.att_pre) if prefill else (mod.lin_dec, mod.att_dec)
    att_flops = mod.att_flops_pre if prefill else mod.att_flops_dec
    mem, cmp, comm, _, _, _ = mod._stage(tokens, prefill)
    t_att = tokens / mod.D
    parts = dict.fromkeys(PARTS, 0.0)
    parts["dense GEMMs"] = max(mod.ne_bytes / mod.bw, t_att * mod.ne_flops / lin)
    parts["attention"] = max(0.0 if prefill else t_att * mod.kv_read / mod.kv_bw, t_att * att_flops / att)
    parts["experts"] = mem + cmp - parts["dense GEMMs"] - parts["attention"]
    parts["comm"] = comm
    parts["other"] = mod.stage_overhead + mod.step_overhead
    parts = {k: v / mod.speed * 1e3 for k, v in parts.items()}
    total = (mod._pass_s(tokens) if prefill else mod.step_s(tokens)) * 1e3
    if mod.P != 1 or abs(sum(parts.values()) - total) > 1e-3 * total:
        raise SystemExit(f"parts {sum(parts.values()):.4f} ms != pass {total:.4f} ms: the split drifted from _stage")
    return parts, total


def estimate_parts(model_id: str, gpu: str, gpus: int, precision: str, layout: str, inp: int, out: int,
                   batch: int | None = None) -> dict:
    """The estimate at its throughput-optimal batch (or ``batch``): its decode step, and one full prefill chunk, split
    into PARTS (ms) by ``_split``."""
    from advisor import api
    from advisor.physics import performance as perf
    from advisor.physics.engines import engine_profile
    from advisor.physics.layouts import make_layout

    est = api.estimate(model_id, gpu, gpus, precision, inp, out, engine="trtllm", layout=layout)
    cat = api.catalog()
    m, g = cat.models[model_id], cat.gpus[gpu]
    profile = engine_profile(cat, g, "trtllm").for_vendor(g.vendor)
    lay = make_layout(m, g, gpus, layout)
    mod = perf._Model(m, g, perf.resolve_precision(precision, g.vendor), est.kv_precision, profile, lay, inp, out)
    b = batch or est.batch
    # one MoE layer's local expert weights read once at the HBM datasheet rate: a memory-bound fused-MoE table entry
    # more than 3x (+ 0.1 ms) above it is not a kernel the estimate should be compared with
    min_moe_ms = mod.expert_bytes / max(mod.moe_layers, 1e-9) * m.n_routed_experts / mod.EP / mod.MT / (g.hbm_tbps * 1e9)
    parts, total = _split(mod, b, prefill=False)
    chunk = mod.chunk * mod.D  # one full prefill pass: max_num_tokens per scheduler (TensorRT-LLM: 8,192)
    prefill_parts, prefill_total = _split(mod, chunk, prefill=True)
    return {"batch": b, "layout": est.layout, "kv": est.kv_precision, "tput": est.output_tokens_per_s, "dp": mod.D,
            "tp": lay.tensor_parallel, "ep": lay.expert_parallel, "parts": parts, "step_ms": total,
            "moe_tp": lay.moe_tensor_parallel, "min_moe_ms": min_moe_ms, "prefill_parts": prefill_parts,
            "prefill_ms": prefill_total, "prefill_tokens_per_rank": int(mod.chunk),
            "experts": [m.hidden_size, m.moe_intermediate_size, m.n_routed_experts, m.num_experts_per_tok] if m.is_moe else None}


def table_job(case: tuple, ours: dict, distribution: str) -> dict:
    """The aiconfigurator-core job for one case at the estimate's batch and layout (tokens per attention-DP rank)."""
    _, path, gpu, _, precision, _, inp, out = case
    fp4 = precision in ("nvfp4", "fp4")
    q = "nvfp4" if fp4 else precision if precision in ("fp8", "bfloat16") else "bfloat16"
    kv = "fp8" if ours["kv"] == "fp8" else "bfloat16"
    return {"path": path, "system": SYSTEMS[gpu], "tp": ours["tp"], "dp": ours["dp"], "moe_tp": ours["moe_tp"],
            "moe_ep": ours["ep"], "gemm": q, "moe": q, "kv": kv, "fmha": "fp8" if kv == "fp8" else "bfloat16",
            "distribution": distribution, "tokens": max(1, round(ours["batch"] / ours["dp"])), "isl": inp, "osl": out,
            "experts": ours["experts"], "min_moe_ms": ours["min_moe_ms"], "prefill_tokens": ours["prefill_tokens_per_rank"]}


def run_tables(python: str, jobs: list[dict]) -> list[dict]:
    proc = subprocess.run([python, "-c", _TABLE_SIDE], input="\n".join(json.dumps(j) for j in jobs) + "\n",
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def _ratio(r: dict, part: str) -> float | None:
    if part == "step":
        return r["tables_step_ms"] / r["estimate_step_ms"]
    e, t = r["estimate_ms"][part], r["tables_ms"][part]
    return t / e if e > 1e-6 and t > 1e-6 else None


def print_relative(rows: list[dict], what: str = "decode step") -> None:
    """tables / estimate per part, and that over the same ratio on the calibrated anchors of the same GPU generation
    (Hopper or Blackwell; experts: the Mixtral anchors). The estimate of an anchor is within a few percent of its
    measured throughput, so 'vs anchors' > 1 says the tables find the part slower, relative to a calibrated family,
    than the estimate does (the estimate too fast there), < 1 faster."""
    import statistics

    def gen(r):
        return "blackwell" if r["gpu"].startswith("b") else "hopper"

    anchor = {}
    for part in ("step", "dense GEMMs", "attention", "experts", "comm"):
        for g in ("hopper", "blackwell"):
            vals = [_ratio(r, part) for r in rows if r["anchor"] and gen(r) == g and (part != "experts" or "mixtral" in r["case"])]
            vals = [v for v in vals if v is not None]
            if not vals and part == "experts":  # no Blackwell MoE anchor: the Hopper one
                vals = [_ratio(r, part) for r in rows if r["anchor"] and "mixtral" in r["case"]]
            anchor[part, g] = statistics.median(vals) if vals else None
    print(f"\n{what}: tables / estimate (vs the calibrated anchors of the same GPU generation)")
    print(f"{'case':46} " + "  ".join(f"{p[:11]:>15}" for p in ("step", "dense GEMMs", "attention", "experts", "comm")))
    for r in rows:
        cells = []
        for part in ("step", "dense GEMMs", "attention", "experts", "comm"):
            v, a = _ratio(r, part), anchor[part, gen(r)]
            cells.append("-".rjust(15) if v is None else f"{v:5.2f} ({v / a:4.2f})".rjust(15) if a else f"{v:5.2f}".rjust(15))
        print(f"{r['case']:46} " + "  ".join(cells))
    print("anchors: " + ", ".join(f"{p} {g} {v:.2f}" for (p, g), v in anchor.items() if v))


def print_measured(rows: list[dict], cases: list[tuple]) -> None:
    """For the MEASURED cases: the estimate's error against the calibration row beside the tables' decode-step ratio
    over the anchors' (> 1: the tables find the estimate too fast, which a positive error confirms)."""
    import csv
    import statistics
    from pathlib import Path

    by_id = {r["id"]: r for r in csv.DictReader((Path(__file__).resolve().parents[1] / "catalogs" / "calibration.csv").open())}
    anchor = {g: statistics.median(r["tables_step_ms"] / r["estimate_step_ms"] for r in rows
                                   if r["anchor"] and r["gpu"].startswith("b") == (g == "blackwell"))
              for g in ("hopper", "blackwell")}
    lines = []
    for row_id, case in MEASURED.items():
        if case not in cases:
            continue
        r = rows[cases.index(case)]
        measured = float(by_id[row_id]["output_tokens_per_s"])
        rel = r["tables_step_ms"] / r["estimate_step_ms"] / anchor["blackwell" if r["gpu"].startswith("b") else "hopper"]
        lines.append(f"{row_id:52} estimate {r['estimate_tokens_per_s'] / measured - 1:+6.1%}   tables vs anchors {rel:5.2f}")
    if lines:
        print("\nmeasured rows: the estimate's error beside the tables' verdict (decode step vs anchors)")
        print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aic-python", default="/tmp/aic/bin/python", help="python of an environment with aiconfigurator-core")
    ap.add_argument("--only", default="", help="cases whose model id contains this (the anchors always run)")
    ap.add_argument("--power-law", action="store_true", help="the tables' power-law routing instead of balanced")
    ap.add_argument("--out", help="write every case's per-op figures as JSON")
    a = ap.parse_args(argv)
    cases = [c for c in CASES + list(MEASURED.values()) if a.only in c[0]] + ANCHORS  # anchors always: the ratios need them
    ours = [estimate_parts(c[0], c[2], c[3], c[4], c[5], c[6], c[7]) for c in cases]
    dist = "power_law" if a.power_law else "balanced"
    tables = run_tables(a.aic_python, [table_job(c, o, dist) for c, o in zip(cases, ours)])
    rows = []
    head = f"{'case':46} {'batch':>6}  " + "  ".join(f"{p[:9]:>17}" for p in PARTS) + f"  {'step ms':>15}"
    print(f"aiconfigurator-core {AIC_VERSION}, TensorRT-LLM tables {tables[0]['version'] if tables else '?'}, "
          f"{dist} routing; each part: estimate / tables (ms per decode step); * = fused-MoE table erratic")
    print(head)
    for c, o, t in zip(cases, ours, tables):
        tp = dict.fromkeys(PARTS, 0.0)
        for name, ms, _src in t["ops"]:
            tp[_category(name)] += ms
        label = f"{c[0]} {c[3]}x{c[2]} {c[4]} {o['layout']} {c[6]}/{c[7]}" + ("*" if t["erratic"] else "")
        cells = "  ".join(f"{o['parts'][p]:7.2f}/{tp[p]:<7.2f}"[:17].rjust(17) for p in PARTS)
        print(f"{label:46} {o['batch']:6d}  {cells}  {o['step_ms']:7.2f}/{sum(tp.values()):<7.2f}")
        pp = dict.fromkeys(PARTS, 0.0)
        for name, ms, _src in t["prefill_ops"]:
            pp[_category(name)] += ms
        rows.append({"case": label, "anchor": c in ANCHORS, "gpu": c[2], "batch": o["batch"], "estimate_ms": o["parts"],
                     "tables_ms": tp, "estimate_step_ms": o["step_ms"], "tables_step_ms": sum(tp.values()),
                     "tables_ops": t["ops"], "erratic_moe_table_at_tokens": t["erratic"],
                     "estimate_tokens_per_s": o["tput"], "prefill_tokens_per_rank": o["prefill_tokens_per_rank"],
                     "prefill": {"estimate_ms": o["prefill_parts"], "tables_ms": pp, "estimate_step_ms": o["prefill_ms"],
                                 "tables_step_ms": sum(pp.values()), "tables_ops": t["prefill_ops"]}})
    print_relative(rows)
    print_relative([{**r, **r["prefill"]} for r in rows], "prefill chunk (8,192 tokens per rank)")
    print_measured(rows, cases)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump({"aiconfigurator_core": AIC_VERSION, "routing": dist, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
