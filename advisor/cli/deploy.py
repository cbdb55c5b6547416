"""`moe-advisor deploy --target vllm|sglang|trtllm|skypilot`: the launch files of a ranked candidate."""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from advisor.cli.recommend import FLAGS
    from advisor.deploy import TARGETS

    p.add_argument("--target", choices=TARGETS, help="what to write: an engine's launch files or a SkyPilot service (default: the "
                   "files of the engine the row was ranked on)")
    p.add_argument("--rank", type=int, default=1, help="the candidate's rank, as `recommend` prints it (default 1)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("workload_file", nargs="?", metavar="FILE.toml", help="workload file, as --workload; a saved report, as --from")
    src.add_argument("--workload", metavar="FILE.toml", help="workload file")
    src.add_argument("--preset", help="named workload (see `moe-advisor list presets`)")
    src.add_argument("--from", dest="from_report", metavar="REPORT.toml", help="the workload of a saved report")
    p.add_argument("--traffic", metavar="FILE.csv", help="observed traffic CSV (as `recommend --traffic`)")
    group = p.add_argument_group("workload fields (override the file or preset)")
    for field, (flag, _typ, help_) in FLAGS.items():
        group.add_argument(flag, dest=field, type=str, default=None, help=help_)
    p.add_argument("--output-dir", "-o", metavar="DIR", help="also write the files into DIR")
    p.add_argument("--force", action="store_true", help="overwrite files in --output-dir")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="output format: the files as text (default), or one JSON object with the row, the files and the warnings")


def default_target(c) -> str:
    """The files ``deploy`` writes with no ``--target``: those of the engine the row was ranked on (an API row's client
    snippet is the same for every target)."""
    from advisor.deploy import TARGETS

    return c.engine if c.engine in TARGETS else "skypilot"


def cmd_deploy(args: argparse.Namespace) -> int:
    from advisor import api
    from advisor.cli.recommend import build_workload
    from advisor.deploy import TARGETS
    from advisor.deploy.skypilot import launch_warnings, render
    from advisor.errors import InputError

    w = build_workload(args)
    if args.output_dir and os.path.exists(args.output_dir) and not os.path.isdir(args.output_dir):
        raise InputError("--output-dir", f"{args.output_dir} exists and is not a directory")  # before the ranking
    rec = api.recommend(w)
    if not rec.candidates:
        raise InputError("rank", "no candidate serves this workload (see `moe-advisor recommend` for the reasons)")
    if not 1 <= args.rank <= len(rec.candidates):
        raise InputError("rank", f"must be between 1 and {len(rec.candidates)}, got {args.rank}")
    c = rec.candidates[args.rank - 1]
    _said_if_ranked_otherwise(args, c)
    provider_model = None
    if c.deployment == "api":
        for p in api.catalog().api_prices:
            if p.provider == c.provider and p.model == c.model and p.provider_model:
                provider_model = p.provider_model
    moot = ""
    if args.target and c.deployment == "api":  # a per-token API runs no engine: its client snippet, whatever the target
        hosted = next((x.rank for x in rec.candidates if x.deployment == "self-hosted"), None)
        moot = (f"moe-advisor: note: #{args.rank} is a per-token API, which runs no engine: --target {args.target} does not apply, "
                f"its client snippet is written" + (f" (#{hosted} is the first self-hosted row: --rank {hosted})" if hosted else ""))
    target = args.target or default_target(c)
    if args.target is None and c.deployment != "api":
        others = ", ".join(t for t in TARGETS if t != target)
        print(f"moe-advisor: note: no --target: {target}'s files, the engine #{args.rank} was ranked on (--target {others} "
              "for the others)", file=sys.stderr)
    args.target = target
    files = render(c, w, api.catalog(), args.target, rank=args.rank, provider_model=provider_model)
    if args.output_dir:
        from pathlib import Path

        from advisor.common.files import atomic_write

        out = Path(args.output_dir)
        for name, text in files.items():
            try:
                out.mkdir(parents=True, exist_ok=True)
                atomic_write(out / name, text.encode("utf-8"), overwrite=args.force, executable=name.endswith(".sh"))
            except FileExistsError:
                raise InputError("--output-dir", f"{out / name} exists (pass --force to overwrite)") from None
            except OSError as exc:  # /proc/self, a read-only folder, a full disk
                raise InputError("--output-dir", f"cannot write {out / name}: {exc.strerror or exc}") from None
            print(f"moe-advisor: wrote {out / name}", file=sys.stderr)
    if moot:  # (after the files are written: a failed write is the one line said)
        print(moot, file=sys.stderr)
    said = launch_warnings(c, w, api.catalog(), args.target)
    for line in said:
        print(f"moe-advisor: warning: {line}", file=sys.stderr)
    if getattr(args, "format", "table") == "json":  # for scripts: the files by name, and what the row is
        import json

        sys.stdout.write(json.dumps({"rank": args.rank, "label": c.label, "deployment": c.deployment, "engine": c.engine,
                                     "layout": c.layout, "target": args.target, "files": files, "warnings": said,
                                     "output_dir": args.output_dir}, indent=2) + "\n")
        return 0
    many = len(files) > 1
    for name, text in files.items():
        if many:
            sys.stdout.write(f"# ---- {name}\n")
        sys.stdout.write(text)
    return 0


def _said_if_ranked_otherwise(args: argparse.Namespace, c) -> None:
    """A saved report's workload is ranked again with today's prices and catalog: where the row at ``--rank`` is not the
    one the report ranked there, say so before writing its files (an SRE deploying a reviewed plan would otherwise get
    another provider and bill without a word)."""
    from advisor.cli.recommend import is_report

    path = args.from_report or (args.workload_file if args.workload_file and is_report(args.workload_file) else None)
    if not path:
        return
    from advisor.reports import load_report

    was = load_report(path).recommendation.candidates
    then = was[args.rank - 1].label if args.rank <= len(was) else None
    if then != c.label:
        print(f"moe-advisor: warning: {path} ranked {then or 'no row'} #{args.rank}; ranked again with today's prices and "
              f"catalog, #{args.rank} is {c.label}: these are its files (`moe-advisor report diff` or `recommend --from "
              f"{path}` shows what changed)", file=sys.stderr)
