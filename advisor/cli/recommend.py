"""`moe-advisor recommend`: a workload (file, preset or flags) -> ranked, explained deployments."""

from __future__ import annotations

import argparse
import os
import sys

# CLI flag -> Workload field
FLAGS: dict[str, tuple[str, type, str]] = {
    "requests_per_day": ("--requests-per-day", float, "mean requests per day"),
    "tokens_per_day": ("--tokens-per-day", float, "mean tokens per day (input + output), instead of requests"),
    "input_tokens": ("--input-tokens", int, "mean input tokens per request"),
    "output_tokens": ("--output-tokens", int, "mean output tokens per request"),
    "traffic_shape": ("--shape", str, "steady, diurnal or bursty"),
    "peak_to_mean": ("--peak-to-mean", float, "peak request rate over the day's mean (with an hourly_profile, its busiest "
                     "hour counts toward it: the rest is a burst within that hour)"),
    "latency": ("--latency", str, "interactive or batch"),
    "ttft_ms": ("--ttft-ms", float, "time-to-first-token target at the peak (interactive): the mean, unless --ttft-percentile"),
    "ttft_percentile": ("--ttft-percentile", float, "what --ttft-ms bounds: 0 the mean (default), 50-99.9 that percentile (95: p95)"),
    "output_tokens_per_s_per_user": ("--tokens-per-s-per-user", float, "per-user generation speed target (interactive)"),
    "deadline_hours": ("--deadline-hours", float, "batch: hours to process a day's volume"),
    "fine_tuning": ("--fine-tuning", str, "none, light (LoRA) or heavy (full fine-tunes)"),
    "context_typical_tokens": ("--context-typical", int, "typical tokens per sequence"),
    "context_max_tokens": ("--context-max", int, "longest sequence to accept"),
    "min_quality": ("--min-quality", float, "quality floor (MMLU-Pro)"),
    "self_hosting": ("--self-hosting", str, "required, allowed or not-wanted"),
    "precisions": ("--precisions", str, "comma-separated weight precisions allowed, e.g. bf16,fp8,int4"),
    "providers": ("--providers", str, "comma-separated providers allowed"),
    "gpu_types": ("--gpu-types", str, "comma-separated GPU ids allowed"),
    "models": ("--models", str, "comma-separated model ids to consider"),
    "max_gpus": ("--max-gpus", int, "most GPUs in one replica"),
    "cached_input_fraction": ("--cached-input-fraction", float, "share of input tokens billed at cached-input prices"),
    "engines": ("--engines", str, "comma-separated serving engines allowed: trtllm, vllm, sglang (default all)"),
    "pricing": ("--pricing", str, "comma-separated GPU price kinds allowed: on-demand, spot, reserved, serverless (default on-demand and serverless; batch adds spot)"),
    "scaling": ("--scaling", str, "comma-separated scaling policies allowed: fixed, autoscale, scale-to-zero, per-request (serverless workers that follow the requests; default all)"),
    "min_replicas": ("--min-replicas", int, "interactive: replicas always running, fixed or autoscaling (default 1; 2: redundancy off-peak; 0: none in the hours an hourly_profile gives no traffic)"),
    "spare_replicas": ("--spare-replicas", int, "interactive: replicas beyond each hour's need while it has traffic (default 0; 1: N+1, one lost at the peak leaves the rest within their load cap)"),
    "days_per_week": ("--days-per-week", float, "days a week with traffic (default 7; 5: weekdays, the others carry none and run only --min-replicas)"),
    "utc_offset_hours": ("--utc-offset-hours", float, "the day's hours as hours from UTC (CET: 1, India: 5.5; default 0): where a per-token price has time-of-day windows"),
    "max_utilization": ("--max-utilization", float, "interactive: most of the capacity planned in use at the peak, "
                        "the rest is queueing headroom (default 0.8)"),
    "hourly_profile": ("--hourly-profile", str, "24 comma-separated relative request rates, midnight first"),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_workload_source(p)
    p.add_argument("--top", type=int, default=10, help="rows in the ranked table (default 10); --format json lists every ranked candidate")
    p.add_argument("--details", type=int, default=3, help="candidates shown with their full breakdown (default 3)")
    p.add_argument("--output", "-o", metavar="REPORT.toml", help="also write the recommendation as a TOML report")
    p.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    p.add_argument("--format", choices=("table", "json"), default="table")


def _preset_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave it out for the default workload; `moe-advisor list presets`)")
    return text.strip()


def add_workload_source(p: argparse.ArgumentParser) -> None:
    """Where a workload comes from (a file, a preset or a saved report, with traffic and field flags over it): the
    options ``build_workload`` reads, shared by ``recommend`` and ``tui``."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("workload_file", nargs="?", metavar="FILE.toml", help="workload file, as --workload; a saved report, as --from")
    src.add_argument("--workload", metavar="FILE.toml", help="workload file (fields at top level or under [workload])")
    src.add_argument("--preset", type=_preset_name, help="named workload: bursty-app, steady-latency, batch-pipeline, heavy-fine-tuning, long-context")
    src.add_argument("--from", dest="from_report", metavar="REPORT.toml", help="re-run the workload of a saved report with today's catalogs and prices")
    p.add_argument("--traffic", metavar="FILE.csv", help="observed traffic (timestamp, requests, input tokens, output tokens; hourly "
                   "or finer): sets hourly_profile, peak_to_mean, token means and requests_per_day (flags still win)")
    group = p.add_argument_group("workload fields (override the file or preset)")
    for field, (flag, typ, help_) in FLAGS.items():
        group.add_argument(flag, dest=field, type=str, default=None, help=help_)


def build_workload(args: argparse.Namespace):
    from advisor import api
    from advisor.domain.workload import from_mapping

    overrides = {f: getattr(args, f) for f in FLAGS if getattr(args, f, None) is not None}
    written, label = {}, ""  # a workload file's own fields, and its name
    if getattr(args, "traffic", None):
        from advisor.domain.traffic import read_traffic_csv

        observed = read_traffic_csv(args.traffic).workload_fields()
        if "tokens_per_day" in overrides:
            observed.pop("requests_per_day")
        overrides = {**observed, **overrides}
    if args.from_report:
        from advisor.reports import load_report

        base = load_report(args.from_report).workload
        where = args.from_report
    elif args.workload or getattr(args, "workload_file", None):
        where = args.workload or args.workload_file
        if not args.workload and not os.path.lexists(where):  # the argument alone: a workload file or a report
            from advisor.errors import AdvisorError

            raise AdvisorError(f"{where}: file not found (the argument is a workload file or a saved report)")
        if is_report(where):  # a saved report where a workload file goes: its workload, as --from reads it
            if args.workload:
                from advisor.errors import InputError

                raise InputError("workload", f"{where} is a saved report, not a workload file: pass it as --from {where}, "
                                             "or as the argument alone")
            from advisor.reports import load_report

            base = load_report(where).workload
        else:
            from advisor.domain.workload_file import read_workload

            written, label = read_workload(where)  # the fields as the file has them: those its latency mode never reads are said
            base = from_mapping(written, where)
    elif args.preset:
        base = api.preset(args.preset)
        where = f"preset {args.preset}"
    else:
        base = None
        where = "flags"
    if overrides:
        where = where if base is None else f"{where} + flags"
    from advisor.errors import InputError

    try:
        w = from_mapping(overrides, where, base=base) if overrides or base is None else base
    except InputError as exc:  # a value the user typed as a flag: named as the flag, not the workload field
        if exc.field not in FLAGS or exc.field not in overrides or getattr(args, exc.field, None) is None:
            raise
        raise InputError(FLAGS[exc.field][0], exc.message, None if where == "flags" else where) from None
    _check_ids(w, where)
    was = _default_context() if base is None or (written and "context_max_tokens" not in written) else base.context_max_tokens
    if "context_max_tokens" not in overrides and w.context_max_tokens > was:  # raised to hold a longer request: said
        print(f"moe-advisor: note: context_max_tokens raised from {was:,} to {w.context_max_tokens:,}, the next power of two "
              f"above a {w.input_tokens + w.output_tokens:,}-token request ({'context_max_tokens in the file' if written else '--context-max'} "
              f"sets it)", file=sys.stderr)
    from advisor.domain.workload_file import unused_fields

    for source, fields in ((label, written), (None, overrides)):
        for key, why in unused_fields(fields, w.latency):  # a flag named as typed, a file's field with its file
            print(f"moe-advisor: warning: {FLAGS[key][0] if source is None else f'{source}: {key}'} is not used: {why}", file=sys.stderr)
    return w


def _named(w):
    """``w`` under a preset's name keeps it only where it is that preset (as the TUI names a form edited from one): a file
    or flags that change its fields make it "custom", edited from it (trial 31: ten fields over long-context printed
    "Workload 'long-context'"). For ``recommend`` only: the TUI's form takes the preset's name to say "(edited)"."""
    import dataclasses

    from advisor.domain.workload import PRESETS

    ref = PRESETS.get(w.name)
    if ref is None or dataclasses.replace(w, name=ref.name, description=ref.description) == ref:
        return w
    return dataclasses.replace(w, name="custom", description=f"edited from {ref.name}")


def _default_context() -> int:
    from advisor.domain.workload import Workload

    return Workload.__dataclass_fields__["context_max_tokens"].default


def is_report(path: str) -> bool:
    """Whether ``path`` is a report ``recommend -o`` wrote: a regular file whose ``[report]`` table, near its start,
    names the format. Only that table is read (a report runs to megabytes); False for anything else, a file that
    cannot be read included (reading it as a workload then says what is wrong; a FIFO is never opened here)."""
    import os
    import tomllib

    from advisor.reports.fields import FORMAT

    if not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as f:
            lines = f.read(1 << 16).decode("utf-8", "replace").splitlines()
    except OSError:
        return False
    start = next((i for i, line in enumerate(lines) if line.strip() == "[report]"), None)
    if start is None:
        return False
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    try:
        table = tomllib.loads("\n".join(lines[start + 1:end]))
    except ValueError:
        return False
    return table.get("format") == FORMAT


def _check_ids(w, where: str) -> None:
    """The workload's model, GPU and provider ids against the catalogs, up front: an unknown one names where it came
    from (the workload file, preset or flags), not just the id."""
    from advisor import api
    from advisor.errors import UnknownIdError

    cat = api.catalog()
    known = {q.benchmark for q in cat.quality.values()} | {q.benchmark for by in cat.quality_modes.values() for q in by.values()}
    if w.quality_benchmark not in known:  # else every model is rejected with its own "not comparable" reason
        raise UnknownIdError("quality benchmark", w.quality_benchmark, sorted(known)).with_where(where, "quality_benchmark")
    for field, ids, look in (("models", w.models, cat.model), ("gpu_types", w.gpu_types, cat.gpu)):
        for i in ids:
            try:
                look(i)
            except UnknownIdError as exc:
                raise exc.with_where(where, field) from None
    if w.providers:  # as the ranking checks them (a mistyped one is an error with close matches), named with the file
        from advisor.prices import resolve

        prices = resolve.price_book(cat)
        known = prices.providers()
        for name in w.providers:
            if known and not prices.knows_provider(name):
                raise resolve.unknown_provider(name, known).with_where(where, "providers")


def cmd_recommend(args: argparse.Namespace) -> int:
    from advisor import api
    from advisor.cli.notes import warn_measurements
    from advisor.cli.render import render

    w = _named(build_workload(args))
    warn_measurements()
    rec = api.recommend(w)
    if args.output:
        from advisor.reports import write_report

        rec = api.with_price_sources(rec)  # (the JSON too)
        path = write_report(rec, args.output, force=args.force)
        print(f"moe-advisor: report written to {path}", file=sys.stderr)
    if args.format == "json":
        import dataclasses

        from advisor.common.serialize import dumps_json
        from advisor.reports.export import stated_assumptions

        sys.stdout.write(dumps_json(dataclasses.replace(rec, assumptions=stated_assumptions(rec))) + "\n")
    else:
        sys.stdout.write(render(rec, top=args.top, details=args.details))
    return 0 if rec.candidates else 4
