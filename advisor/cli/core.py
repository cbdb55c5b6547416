"""Core commands: size, estimate, validate, list, paths, summary."""

from __future__ import annotations

import argparse
import sys

from advisor import api
from advisor.common import fmt
from advisor.cli.notes import warn_catalog_problems, warn_measurements
from advisor.common.serialize import dumps_json
from advisor.errors import InputError


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _sizable(model_id: str, args: argparse.Namespace | None = None) -> None:
    """An API-only model has no published architecture: say so in one line instead of sizing zeros. With ``args``,
    a ``--precision`` left out becomes the model's published checkpoint precision (``native_precision``)."""
    from advisor.catalog import aliases
    from advisor.errors import AdvisorError

    m, named = api.catalog().named_model(model_id, architecture=True)
    if model_id not in api.catalog().models and aliases.resolve(model_id, api.catalog().models) is None:
        print(f"moe-advisor: note: {model_id} has the architecture of {m.id} (the same config.json shapes) and is sized as "
              f"{m.id}", file=sys.stderr)
    if args is not None and getattr(args, "precision", None) is None:
        args.precision = named or m.native_precision
        args.precision_note = (f" (the checkpoint {model_id} holds; --precision to change)" if named and named != m.native_precision
                               else " (the published checkpoint's; --precision to change)")
    if m.api_only:
        raise AdvisorError(f"{m.id} ({m.name}) is API-only: {m.vendor or 'its vendor'} has not published its weights or "
                           f"architecture, so there is nothing to size or estimate; `moe-advisor prices --source {m.vendor or 'genai-prices'}` "
                           f"lists its per-token offers and `moe-advisor recommend --models {m.id}` ranks them")


def cmd_size(args: argparse.Namespace) -> int:
    from advisor.domain.workload import MAX_TOKENS

    if not 1 <= args.context <= MAX_TOKENS:  # as a workload's longest context
        raise InputError("--context", f"must be from 1 to {MAX_TOKENS:,} tokens, got {args.context:,}")
    warn_catalog_problems()
    _sizable(args.model, args)
    s = api.size(args.model, args.precision, context_tokens=args.context, kv_precision=args.kv_precision)
    limit = api.catalog().models[s.model].max_position_embeddings
    if limit and args.context > limit:
        print(f"moe-advisor: warning: --context {args.context:,} is past {s.model}'s limit of {limit:,} tokens; "
              "the KV figures are for a sequence the model cannot take", file=sys.stderr)
    if args.format == "json":
        data = {
            "model": s.model, "architecture": s.architecture, "precision": s.precision, "kv_precision": s.kv_precision,
            "context_tokens": s.context_tokens, "total_params": s.total_params, "active_params": s.active_params,
            "active_compute_params": s.active_compute_params, "weights_bytes": s.weights_bytes,
            "kv_bytes_per_token": s.kv_bytes_per_token, "kv_bytes_for_context": s.kv_bytes_for_context,
            "params": s.params, "weights": s.weights, "kv_formula": s.kv_layout.formula,
        }
        _out(dumps_json(data))
        return 0
    m = api.catalog().models[s.model]
    p = s.params
    rows = [
        ["embedding", fmt.params(p.embedding)], ["lm head", fmt.params(p.lm_head)], ["attention", fmt.params(p.attention)],
        ["dense FFN", fmt.params(p.dense_ffn)], ["routed experts", fmt.params(p.routed_experts)],
        ["shared experts", fmt.params(p.shared_experts)], ["routers", fmt.params(p.router)], ["norms", fmt.params(p.norms)],
    ]
    lines = [
        f"{m.name} ({s.model}, {s.architecture}) in {s.precision}{getattr(args, 'precision_note', '')}",
        f"  total params      {fmt.params(s.total_params)}   (published {fmt.params(m.published_total_params) if m.published_total_params else '-'})",
        f"  active params     {fmt.params(s.active_params)}   (published {fmt.params(m.published_active_params) if m.published_active_params else '-'}; "
        f"{'with' if m.published_active_counts_embedding else 'without'} the input embedding)",
        f"  weights           {fmt.gb(s.weights_bytes)}   (routed experts {fmt.gb(s.weights.routed_experts)}, rest {fmt.gb(s.weights.non_expert)})",
        f"  KV per token      {s.kv_bytes_per_token:,} bytes over full-attention layers ({s.kv_precision})",
        f"  KV at {s.context_tokens:,} tokens  {fmt.gb(s.kv_bytes_for_context)} per sequence",
        f"  KV formula        {s.kv_layout.formula}",
        "",
        fmt.table(["component", "params"], rows),
        "",
        f"source: {m.source} (as of {m.as_of})",
    ]
    _out("\n".join(lines))
    return 0


def estimate_dict(e: api.Estimate) -> dict:
    keys = ("model", "gpu", "gpus", "precision", "kv_precision", "input_tokens", "output_tokens", "total_params",
            "active_params", "weights_bytes", "kv_bytes_per_token", "kv_bytes_for_context", "fits", "shortfall_bytes",
            "max_concurrency", "batch", "output_tokens_per_s", "ttft_ms", "tpot_ms", "tpot_limit_ms", "meets_tpot_limit",
            "bound", "warnings", "engine", "layout")
    d = {k: getattr(e, k) for k in keys}
    d["memory"] = {
        "capacity_bytes_per_gpu": e.fit.capacity_bytes_per_gpu, "weights_bytes_per_gpu": e.fit.weights_bytes_per_gpu,
        "reserve_bytes_per_gpu": e.fit.reserve.total, "kv_capacity_bytes": e.fit.kv_capacity_bytes,
    }
    d["parallelism"] = e.parallelism
    d["step"] = e.step
    d["factors"] = e.factors
    return d


MAX_NODES = 32
"""Nodes one `estimate` replica may span: ``--gpus`` at most 32 x the GPU's ``gpus_per_node`` (256 for 8-GPU nodes, 32
for one-GPU GH200 nodes). The largest single serving instance published, DeepSeek-V3/R1's decode unit, spans 18 nodes
of 8 GPUs (EP144; the inference-system overview in github deepseek-ai/open-infra-index, 2025-03); a count far past
it (``--gpus 1000``) is no layout a serving engine runs, and the estimate's parallelism would be fiction."""


def cmd_estimate(args: argparse.Namespace) -> int:
    from advisor.domain.workload import MAX_GPUS, MAX_TOKENS

    if not 1 <= args.gpus <= MAX_GPUS:  # the cap a workload's max_gpus has
        raise InputError("--gpus", f"must be from 1 to {MAX_GPUS:,}, got {args.gpus:,}")
    if args.tpot_limit_ms is not None and not args.tpot_limit_ms > 0:  # 0 and -1 get the same answer
        raise InputError("--tpot-limit-ms", f"must be greater than 0, got {args.tpot_limit_ms:g}")
    for flag, n in (("--input-tokens", args.input_tokens), ("--output-tokens", args.output_tokens)):
        if n > MAX_TOKENS:  # the cap `recommend` has: past it the sizes are 30-digit fiction
            shown = f"{n:,}" if n < 10**15 else f"{float(n):.3g}"  # 1e30 read through a float: not its 31 digits
            raise InputError(flag, f"{shown} tokens is beyond any model's context (max {MAX_TOKENS:,})")
    share = getattr(args, "cached_input_fraction", 0.0)
    if not 0 <= share <= 1:
        raise InputError("--cached-input-fraction", f"must be between 0 and 1, got {share:g}")
    ttft = getattr(args, "ttft_limit_ms", None)
    if ttft is not None and not ttft > 0:
        raise InputError("--ttft-limit-ms", f"must be greater than 0, got {ttft:g}")
    warn_catalog_problems()
    warn_measurements()
    _sizable(args.model, args)
    g = api.catalog().gpu(args.gpu)
    from advisor.catalog.aliases import key

    if key(g.id) != key(args.gpu):  # a bare "h100" is one board here, while recommend's --gpu-types h100 allows the family (trial 31)
        kin = sorted(x for x in api.catalog().gpus if x != g.id and key(x).startswith(key(args.gpu)))
        print(f"moe-advisor: note: {args.gpu} taken as {g.id}" + (f" (the catalog also has {' and '.join(kin)}: name "
              f"{'it' if len(kin) == 1 else 'one'} for that board)" if kin else ""), file=sys.stderr)
    most = g.gpus_per_node * MAX_NODES
    if args.gpus > most:  # the estimate models one replica; past a few nodes it is no serving layout an engine runs
        raise InputError("--gpus", f"must be at most {most:,} for {g.id} ({MAX_NODES} nodes of {g.gpus_per_node}: one replica "
                         f"across more nodes is no layout a serving engine runs), got {args.gpus:,}")
    e = api.estimate(args.model, args.gpu, gpus=args.gpus, precision=args.precision, input_tokens=args.input_tokens,
                     output_tokens=args.output_tokens, kv_precision=args.kv_precision, tpot_limit_ms=args.tpot_limit_ms,
                     engine=getattr(args, "engine", None), layout=getattr(args, "layout", None), ttft_limit_ms=ttft,
                     cached_input_tokens=round(args.input_tokens * share))
    limit = api.catalog().models[e.model].max_position_embeddings
    if limit and e.input_tokens + e.output_tokens > limit:
        print(f"moe-advisor: warning: --input + --output = {e.input_tokens + e.output_tokens:,} tokens is past {e.model}'s "
              f"limit of {limit:,} tokens; the figures are for a sequence the model cannot take", file=sys.stderr)
    from advisor.cli.engine_note import engine_lines

    choice, engine_warnings = engine_lines(api.catalog(), api.catalog().models[e.model], g, e.precision, e.engine,
                                           named=getattr(args, "engine", None) is not None)
    if args.format == "json":
        _out(dumps_json({**estimate_dict(e), "engine_choice": choice, "warnings": [*e.warnings, *engine_warnings]}))
        return 0 if e.fits else 3
    f = e.fit
    head = (f"{e.model} on {e.gpus}x {g.name}, {e.precision} weights{getattr(args, 'precision_note', '')}, {e.kv_precision} KV, "
            f"{e.input_tokens:,} in / {e.output_tokens:,} out")
    lines = [head, ""]
    need = f.weights_bytes_per_gpu + f.reserve.total
    if need < f.capacity_bytes_per_gpu:
        lines.append(f"  memory per GPU   capacity {fmt.gb(f.capacity_bytes_per_gpu)} = weights {fmt.gb(f.weights_bytes_per_gpu)} "
                     f"+ reserve {fmt.gb(f.reserve.total)} + KV cache ({e.kv_precision}) {fmt.gb(f.capacity_bytes_per_gpu - need)}")
    else:  # no equation: weights and reserve alone are past the capacity
        lines.append(f"  memory per GPU   weights {fmt.gb(f.weights_bytes_per_gpu)} + reserve {fmt.gb(f.reserve.total)} = "
                     f"{fmt.gb(need)}, over the capacity of {fmt.gb(f.capacity_bytes_per_gpu)} by {fmt.gb(need - f.capacity_bytes_per_gpu)} "
                     "before any KV cache")
    if not e.fits:
        lines.append(f"  DOES NOT FIT: short by {fmt.gb(e.shortfall_bytes)} per GPU (weights {fmt.gb(e.weights_bytes)} in all; "
                     f"KV for one {f.context_tokens:,}-token sequence {fmt.gb(f.kv_bytes_per_sequence)})")
        _out("\n".join(lines))
        return 3
    lines += [
        f"  {f'KV cache ({e.kv_precision})':<16} {fmt.gb(f.kv_capacity_bytes)} in all: room for {e.max_concurrency:,} sequence{'' if e.max_concurrency == 1 else 's'} at their full "
        f"{e.input_tokens + e.output_tokens:,} tokens" + (f" ({e.kv_policy})" if e.kv_policy else ""),
        f"  engine, layout   {e.engine}, {e.layout} ({e.parallelism.note})"
        + (" -- searched: " + ", ".join(f"{name} {fmt.num(t)} tok/s" for name, t in e.layouts_tried) if e.layouts_tried else ""),
        f"  engine choice    {choice}",
        f"  batch            {e.batch:,} concurrent sequence{'' if e.batch == 1 else 's'}" + (f" (largest within TPOT {e.tpot_limit_ms:g} ms)" if e.tpot_limit_ms else " (throughput-optimal)")
        + (f"; more than the {e.max_concurrency:,} above because sequences are admitted at their mean length, "
           "not their full one" if e.batch > e.max_concurrency else ""),
        f"  throughput       {fmt.num(e.output_tokens_per_s)} output tokens/s for the deployment",
        f"  TTFT             {fmt.num(e.ttft_ms, 1)} ms",
        f"  TPOT             {fmt.num(e.tpot_ms, 1)} ms ({fmt.num(1000 / e.tpot_ms, 1)} tokens/s per stream)"
        + (f": the decode step plus the other {e.batch - 1:,} prompts' prefills, shared over a stream's {e.output_tokens:,} tokens"
           if e.batch > 1 and e.tpot_ms > 1.2 * e.step.total_s * 1e3 else "")
        + ("; no --tpot-limit-ms: the batch is the throughput-optimal one, not what an interactive service runs"
           if not e.tpot_limit_ms and e.tpot_ms > 200 else ""),
        f"  decode step      {fmt.num(e.step.total_s * 1e3, 2)} ms, {e.bound}-bound; each operation at its own roofline: "
        f"memory-bound ones {e.step.memory_s * 1e3:.2f} ms, compute-bound ones {e.step.compute_s * 1e3:.2f} ms, "
        f"interconnect {e.step.comm_s * 1e3:.2f} ms, overhead {e.step.overhead_s * 1e3:.2f} ms "
        f"({e.step.bytes_per_gpu / 1e9:,.1f} GB read and {e.step.flops_per_gpu / 1e12:,.2f} TFLOP per GPU)",
    ]
    if e.step.experts_touched:
        m = api.catalog().model(e.model)
        lines.append(f"  experts read     {e.step.experts_touched:.1f} of {m.n_routed_experts} per MoE layer per step at batch {e.batch}")
    for w in (*e.warnings, *engine_warnings):
        lines.append(f"  warning: {w}")
    lines.append(f"  assumes {e.engine} (global factors fitted on TensorRT-LLM measurements, engine speed from published comparisons; "
                 "`moe-advisor validate` shows the error)")
    _out("\n".join(lines))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:

    from advisor.physics import calibration

    cat = api.catalog()
    s = calibration.validate(cat)
    if args.format == "json":
        _out(dumps_json({
            "rows": [{"id": r.row.id, "model": r.row.model, "gpu": r.row.gpu, "gpus": r.row.gpus, "precision": r.row.precision,
                      "input_tokens": r.row.input_tokens, "output_tokens": r.row.output_tokens,
                      "measured_tokens_per_s": r.row.measured_tokens_per_s, "estimated_tokens_per_s": r.estimated_tokens_per_s,
                      "error": r.error, "source": r.row.source} for r in s.results],
            "median_abs_error": s.median_abs_error, "p90_abs_error": s.p90_abs_error, "median_signed_error": s.median_signed_error,
            "skipped": list(s.skipped),
        }))
        return 0
    if args.rows:
        rows = [[r.row.id, r.row.model, f"{r.row.gpus}x {r.row.gpu}", r.row.precision, f"{r.row.input_tokens}/{r.row.output_tokens}",
                 fmt.num(r.row.measured_tokens_per_s), fmt.num(r.estimated_tokens_per_s), f"{r.error:+.1%}"] for r in s.results]
        _out(fmt.table(["row", "model", "gpus", "prec", "in/out", "measured tok/s", "estimated tok/s", "error"], rows, "llllrrrr"))
    else:
        rows = []
        for (model, gpu, engine), fam in sorted(s.families().items()):
            errs = fam.abs_errors
            kind = "MoE" if model in s.moe_models else "dense"
            rows.append([model, gpu, engine, kind, str(len(fam.results)), f"{fam.median_signed_error:+.1%}",
                         f"{fam.median_abs_error:.1%}", f"{errs[-1]:.1%}"])
        _out(fmt.table(["model", "gpu", "engine", "kind", "rows", "median error", "median |error|", "worst |error|"], rows, "llllrrrr"))
    eng = cat.engine
    _out("")
    _out(f"{len(s.results)} rows scored: median |error| {s.median_abs_error:.1%}, 90th percentile {s.p90_abs_error:.1%}, "
         f"median signed {s.median_signed_error:+.1%}")
    for label, sub in (("MoE", s.subset(moe=True)), ("dense", s.subset(moe=False))):
        if sub.results:
            _out(f"  {label:<6} {len(sub.results)} rows: median |error| {sub.median_abs_error:.1%}, 90th percentile {sub.p90_abs_error:.1%}")
    _out(f"measurements: {eng.source}")
    reasons = _skip_reasons(s.skipped)
    _out(f"{len(s.skipped)} rows kept for reference, not scored{':' if reasons else ''}")
    for reason, n in reasons:
        _out(f"  {n:4d}  {reason}")
    _out("--rows prints every scored row; catalogs/calibration.csv gives each row's reason in full")
    return 0


def _skip_reasons(skipped: tuple[str, ...] | list[str]) -> list[tuple[str, int]]:
    """Why rows were not scored, most frequent first: each entry's reason (the text after its "(scenario): ",
    less the "not scored" prefix), up to its first sentence or clause."""
    import re
    from collections import Counter

    counts: Counter[str] = Counter()
    for entry in skipped:
        reason = entry.split("): ", 1)[1] if "): " in entry else entry.split(": ", 1)[-1]
        reason = re.sub(r"^(not scored( yet)?|not in the headline error):\s*", "", reason)
        reason = re.split(r"[;(]| \(|\. ", reason, maxsplit=1)[0].strip().rstrip(".:")
        counts[reason[:90] + ("..." if len(reason) > 90 else "")] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def cmd_list(args: argparse.Namespace) -> int:
    cat = api.catalog()
    warn_catalog_problems()
    if args.what == "models":
        items = [{"id": m.id, "name": m.name, "architecture": m.architecture, "api_only": m.api_only, "vendor": m.vendor,
                  "total_params": m.published_total_params, "active_params": m.published_active_params,
                  "max_context": m.max_position_embeddings,
                  "quality": cat.quality[m.id].score if m.id in cat.quality else None} for m in cat.models.values()]
        if args.format == "json":
            _out(dumps_json(items))
            return 0
        rows = [[i["id"], "API-only" if i["api_only"] else i["architecture"],
                 fmt.params(i["total_params"]) if i["total_params"] else "-",
                 fmt.params(i["active_params"]) if i["active_params"] else "-", f"{i['max_context']:,}",
                 fmt.num(i["quality"], 1) if i["quality"] is not None else "-",
                 cat.models[i["id"]].name + (f" (closed weights, {i['vendor']} API)" if i["api_only"] else "")] for i in items]
        _out(fmt.table(["id", "arch", "total", "active", "max context", "quality", "name"], rows, "llrrrrl"))
        if any(i["api_only"] for i in items):
            _out("\nAPI-only: closed weights, sold per token only; ranked through their API offers, never self-hosted")
    elif args.what == "gpus":
        if args.format == "json":
            _out(dumps_json(list(cat.gpus.values())))
            return 0
        rows = [[g.id, fmt.gb(g.memory_gib * 2**30), f"{g.hbm_tbps:g} TB/s", f"{g.bf16_tflops:g}", f"{g.fp8_tflops:g}" if g.fp8_tflops else "-",
                 f"{g.interconnect} {g.interconnect_gbps:g} GB/s", g.name] for g in cat.gpus.values()]
        _out(fmt.table(["id", "memory", "HBM", "bf16 TFLOPS", "fp8 TFLOPS", "interconnect", "name"], rows, "lrrrrll"))
        _out(f"\nmemory in {fmt.GB_LEGEND}, as everywhere in moe-advisor (an \"80GB\" H100 holds 80 × 2³⁰ bytes = 85.9 GB)")
    elif args.what == "precisions":
        from advisor.domain.precision import PRECISIONS

        if args.format == "json":
            _out(dumps_json(list(PRECISIONS.values())))
            return 0
        rows = [[p.name, f"{p.linear.bytes_per_param:.4g}", f"{p.experts.bytes_per_param:.4g}", p.description] for p in PRECISIONS.values()]
        _out(fmt.table(["precision", "bytes/param (linear)", "bytes/param (experts)", "what"], rows, "lrrl"))
    elif args.what == "presets":
        from advisor.domain.workload import PRESETS

        if args.format == "json":
            _out(dumps_json({k: v for k, v in PRESETS.items()}))
            return 0
        _out(fmt.table(["preset", "what"], [[k, v.description] for k, v in PRESETS.items()], "ll"))
    elif args.what == "prices":
        from advisor.cli.prices import print_prices

        return print_prices(args)
    return 0


def cmd_paths(args: argparse.Namespace) -> int:
    from advisor.common import paths

    if getattr(args, "format", "table") == "json":
        _out(dumps_json({"bundled_catalogs": str(paths.bundled_catalog_dir()), "user_catalogs": str(paths.user_catalog_dir()),
                         "user_catalogs_env": paths.CATALOG_ENV, "cache": str(paths.user_cache_dir()),
                         "cache_env": paths.CACHE_ENV}))
        return 0
    _out(f"bundled catalogs   {paths.bundled_catalog_dir()}")
    _out(f"user catalogs      {paths.user_catalog_dir()}   (override with ${paths.CATALOG_ENV})")
    _out(f"cache              {paths.user_cache_dir()}   (override with ${paths.CACHE_ENV})")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    cat = api.catalog()
    warn_catalog_problems()
    moe = [m for m in cat.models.values() if m.architecture == "moe"]
    dense = [m for m in cat.models.values() if m.architecture == "dense"]
    closed = [m for m in cat.models.values() if m.api_only]
    if getattr(args, "format", "table") == "json":
        _out(dumps_json({"models": len(cat.models), "moe_models": len(moe), "dense_models": len(dense),
                         "api_only_models": len(closed), "gpus": len(cat.gpus),
                         "gpu_prices": len(cat.gpu_prices), "api_prices": len(cat.api_prices),
                         "problems": [str(p) for p in cat.problems]}))
        return 0
    lines = [
        f"moe-advisor: {len(cat.models)} models ({len(moe)} MoE, {len(dense)} dense"
        + (f", {len(closed)} API-only" if closed else "") + f"), {len(cat.gpus)} GPU types, "
        f"{len(cat.gpu_prices)} GPU prices, {len(cat.api_prices)} API prices",
        "",
        "Try:",
        "  moe-advisor recommend --preset steady-latency    rank deployments for a workload",
        "  moe-advisor size llama-4-maverick --precision fp8  memory of a model",
        "  moe-advisor estimate llama-3.3-70b h100-sxm --precision fp8   throughput on a GPU",
        "  moe-advisor validate                             estimate vs published measurements",
        "  moe-advisor list models|gpus|presets|prices",
        "  moe-advisor --help",
    ]
    _out("\n".join(lines))
    return 0
