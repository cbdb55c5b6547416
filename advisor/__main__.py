"""``moe-advisor`` and ``python -m advisor``: the interactive advisor in a terminal, the CLI otherwise.

The one place that knows both front ends: the CLI and the TUI import the core, never each other.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    if terminal and args and args[0] != "tui":
        from advisor.cli import tui_options

        if tui_options(args):  # `moe-advisor --preset P` or `moe-advisor FILE.toml`: `tui` left out
            args = ["tui", *args]
    if terminal and (not args or args[0] == "tui"):
        workload = None
        if args:  # `moe-advisor tui --workload F | --preset P | --from REPORT [field flags]`
            workload = _tui_workload(args[1:])
            if isinstance(workload, int):
                return workload
        from advisor.common import dataclass_code

        dataclass_code.install()  # before Textual's and the core's dataclasses: their methods compiled once, kept
        from advisor.tui import run  # imports Textual only here

        try:
            return run(workload)
        except KeyboardInterrupt:
            return 130
    from advisor.common import process

    # This process's entry point: it ends without the interpreter's teardown once the command is done.
    quick = argv is None and process.end_quickly()
    from advisor.cli import main as cli_main

    try:
        code = cli_main(args)
    except SystemExit as exc:
        if quick:
            process.ending(exc.code)
        raise
    if quick:
        process.ending(code)
    return code


def _tui_workload(argv: list[str]):
    """The workload ``moe-advisor tui`` opens on (None: the default preset), or the exit status of a refusal: the
    CLI's own parser and workload reader, its one-line errors."""
    from advisor.cli import build_parser
    from advisor.cli.recommend import build_workload
    from advisor.errors import AdvisorError

    parser = build_parser("tui")
    args = parser.parse_args(["tui", *argv])
    try:
        return build_workload(args) if any(getattr(args, k, None) for k in vars(args) if k != "command") else None
    except AdvisorError as exc:
        print(f"moe-advisor: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
