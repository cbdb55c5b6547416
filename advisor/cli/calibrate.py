"""`moe-advisor calibrate RESULT.json`: a benchmark result -> estimate vs measurement -> a stored correction;
`moe-advisor validate --mine` lists the stored corrections."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("result", metavar="RESULT.json", help="`vllm bench serve --save-result` JSON (or sglang bench_serving output)")
    p.add_argument("--model", help="catalog model id (default: from the file's model_id)")
    p.add_argument("--gpu", help="catalog GPU id, e.g. h200 (default: the file's --metadata gpu=...)")
    p.add_argument("--gpus", type=int, help="GPUs of the measured engine")
    p.add_argument("--engine", choices=("trtllm", "vllm", "sglang"), help="serving engine (default: the file's metadata, else vllm for a vLLM file)")
    p.add_argument("--layout", choices=("tp", "tp_ep", "dep", "pp"), help="parallel layout the engine ran")
    p.add_argument("--precision", help="weight precision, e.g. fp8")
    p.add_argument("--kv-precision", help="KV cache precision (default: the estimate's default)")
    p.add_argument("--concurrency", type=int, help="concurrent requests (default: the file's max_concurrency)")
    p.add_argument("--dry-run", action="store_true", help="compare only; store nothing")
    p.add_argument("--format", choices=("table", "json"), default="table")


def add_validate_mine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mine", action="store_true", help="list the corrections stored by `moe-advisor calibrate`")


def cmd_calibrate(args: argparse.Namespace) -> int:
    from advisor import api
    from advisor.common.serialize import dumps_json
    from advisor.measure import store
    from advisor.measure.calibrate import calibrate
    from advisor.measure.results import read_result

    r = read_result(args.result)
    engine = args.engine or r.metadata.get("engine") or ("vllm" if r.format == "vllm" else "sglang")
    cal = calibrate(r, api.catalog(), model=args.model, gpu=args.gpu, gpus=args.gpus, engine=engine, layout=args.layout,
                    precision=args.precision, kv_precision=args.kv_precision, concurrency=args.concurrency)
    c = cal.correction
    if not args.dry_run:  # never store a correction the next read would refuse
        from dataclasses import asdict

        from advisor.measure.checks import check_measurements

        check_measurements({"correction": [asdict(c)]}, r.source)
    where = None if args.dry_run else store.save(c)
    if args.format == "json":
        sys.stdout.write(dumps_json({"correction": c, "stored_in": str(where) if where else None, "notes": list(cal.notes)}) + "\n")
        return 0
    out = [f"{r.source}: {r.format} benchmark{' of ' + r.date if r.date else ''}",
           f"deployment   {c.model} on {c.gpus}x {c.gpu} ({c.precision}, KV {c.kv_precision}), {c.engine} {c.layout}",
           f"requests     {c.input_tokens:,} in / {c.output_tokens:,} out tokens, concurrency {c.concurrency}",
           f"{'':12} {'estimate':>12} {'measured':>12}",
           f"{'output tok/s':12} {c.estimated_tokens_per_s:>12,.1f} {c.measured_tokens_per_s:>12,.1f}   x{c.ratio:.3f}"]
    if r.mean_ttft_ms is not None:
        out.append(f"{'TTFT ms':12} {cal.estimated_ttft_ms:>12,.1f} {r.mean_ttft_ms:>12,.1f}")
    if r.mean_tpot_ms is not None:
        out.append(f"{'TPOT ms':12} {cal.estimated_tpot_ms:>12,.1f} {r.mean_tpot_ms:>12,.1f}")
    out += [f"note: {n}" for n in cal.notes]
    out.append(f"correction x{c.ratio:.3f} stored in {where}" if where else "dry run: nothing stored")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_validate_mine(args: argparse.Namespace) -> int:
    from advisor.common.serialize import dumps_json
    from advisor.measure import store

    rows = store.load()
    if getattr(args, "format", "table") == "json":
        sys.stdout.write(dumps_json({"file": str(store.path()), "corrections": list(rows)}) + "\n")
        return 0
    if not rows:
        sys.stdout.write(f"no corrections stored ({store.path()} does not exist); add one with `moe-advisor calibrate RESULT.json`\n")
        return 0
    from advisor.common import fmt

    table = [[c.model, f"{c.gpus}x {c.gpu}", c.precision, f"{c.engine} {c.layout}", f"{c.input_tokens}/{c.output_tokens}",
              str(c.concurrency), f"{c.estimated_tokens_per_s:,.0f}", f"{c.measured_tokens_per_s:,.0f}", f"x{c.ratio:.3f}",
              c.measured_on or c.recorded_on, c.source] for c in rows]
    sys.stdout.write(fmt.table(["model", "gpus", "prec", "engine", "in/out", "conc", "estimated tok/s", "measured tok/s",
                                "correction", "date", "source"], table, "lllllrrrrll") + "\n")
    sys.stdout.write(f"{len(rows)} correction(s) in {store.path()}\n")
    return 0
