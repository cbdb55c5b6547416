"""``moe-advisor`` and ``python -m advisor``: the interactive advisor in a terminal, the CLI otherwise.

The one place that knows both front ends: the CLI and the TUI import the core, never each other.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args and sys.stdin.isatty() and sys.stdout.isatty():
        from advisor.tui import run  # imports Textual only here

        try:
            return run()
        except KeyboardInterrupt:
            return 130
    from advisor.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
