"""`moe-advisor report show|diff`: print a saved TOML report as the recommend table, or compare two."""

from __future__ import annotations

import argparse
import sys


def _header(rep) -> str:
    when = rep.created_at.isoformat(sep=" ")
    dates = sorted({p.as_of for p in rep.prices if p.as_of})
    asof = f", as of {dates[0]} to {dates[-1]}" if len(dates) > 1 else (f", as of {dates[0]}" if dates else "")
    return (f"Report {rep.path}: written {when} by moe-advisor {rep.tool_version} (schema {rep.schema_version}); "
            f"{len(rep.prices)} prices{asof}\n")


def cmd_show(args: argparse.Namespace) -> int:
    from advisor.cli.render import render
    from advisor.reports import load_report

    rep = load_report(args.path)
    rec = rep.recommendation
    if getattr(args, "format", "table") == "json":
        from advisor.common.serialize import dumps_json

        sys.stdout.write(dumps_json(rec) + "\n")
        return 0
    top = getattr(args, "top", 10)
    details = getattr(args, "details", 3)
    sys.stdout.write(_header(rep) + "\n" + render(rec, top=top, details=details))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from advisor.reports import diff_reports, load_report

    old = load_report(args.old)
    new = load_report(args.new)
    d = diff_reports(old, new)
    if getattr(args, "format", "table") == "json":
        from advisor.common.serialize import dumps_json

        sys.stdout.write(dumps_json(d) + "\n")
        return 0
    sys.stdout.write(d.text())
    return 0
