"""Command line: ``moe-advisor [command]``. Each command imports what it needs only when it runs, so
``--help`` stays fast and never imports Textual or httpx."""

from __future__ import annotations

import argparse
import os
import sys

from advisor import __version__


def _count(text: str) -> int:
    """A whole number of tokens, 1 or more, written as ``1024``, ``1,024``, ``1_024`` or ``1e9`` (as ``recommend`` takes them):
    commas only between groups of three digits (``1,,024`` is a typo, not 1024); digits read exactly, not through
    a float (a 35-digit count is not rounded)."""
    from advisor.common.checks import ungrouped

    grouped = ungrouped(str(text))
    if grouped is None:
        raise argparse.ArgumentTypeError(f"must be a whole number (commas between groups of three digits), got {text!r}")
    plain = grouped.replace("_", "")
    if plain.isdigit() and int(plain) >= 1:  # token counts: 0 is refused here, not one step later as "at least 1"
        return int(plain)
    try:
        value = float(plain)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}") from None
    if not value.is_integer() or value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return int(value)


def _name(text: str) -> str:
    """An id given on the command line (a precision, a preset): an empty one is a mistake, not the default."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave the option out for the default)")
    return text.strip()


def _gpu_count(text: str) -> int:
    """``--gpus``: a whole number; a GPU id given there (``--gpu h200`` abbreviates ``--gpus``) is told where it goes."""
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of GPUs, got {text!r} (the GPU type is the second "
                                         "argument: moe-advisor estimate MODEL GPU --gpus N)") from None


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")


COMMANDS: dict[str, str] = {
    "size": "parameters, weight bytes and KV cache of a model",
    "estimate": "fit, throughput and latency of a model on N GPUs",
    "validate": "compare the throughput estimate with published measurements",
    "list": "list catalog entries",
    "recommend": "rank every way to serve a workload, with the reasons",
    "prices": "list prices with source and age; `prices refresh` fetches live ones",
    "plugins": "list loaded plugins with version, hooks and status",
    "report": "show or compare saved TOML reports",
    "deploy": "launch files for a ranked candidate: vllm, sglang, trtllm or a skypilot service",
    "calibrate": "compare a benchmark result with the estimate and store the correction",
    "paths": "where user catalogs, caches and reports live",
    "summary": "print a summary of the bundled catalogs (what `moe-advisor` shows without a terminal)",
    "tui": "open the interactive advisor on a workload file, preset or saved report (needs a terminal)",
}
"""Every command and its one-line help, in the order ``--help`` lists them."""


def _size(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="catalog model id, e.g. llama-3.3-70b")
    p.add_argument("--precision", type=_name, default=None, help="weight precision: bf16, fp8, int8, int4, fp4, mxfp4-experts "
                   "(default: the published checkpoint's, e.g. fp8 for DeepSeek-V3, mxfp4-experts for gpt-oss)")
    p.add_argument("--context", type=_count, default=8192, help="context tokens per sequence (default 8192)")
    p.add_argument("--kv-precision", type=_name, default="bf16", help="KV cache precision: bf16 or fp8")
    _add_format(p)


def _estimate(p: argparse.ArgumentParser) -> None:
    from advisor.common.checks import finite_arg

    p.add_argument("model", help="catalog model id, e.g. llama-4-maverick")
    p.add_argument("gpu", help="catalog GPU id, e.g. h100-sxm")
    p.add_argument("--gpus", type=_gpu_count, default=1, help="GPUs in the tensor/expert-parallel group (default 1, at most 32 nodes of the GPU)")
    p.add_argument("--precision", type=_name, default=None, help="weight precision (default: the published checkpoint's)")
    # --input-tokens / --output-tokens as in `recommend` (where --output names a report file); the short
    # forms stay as aliases.
    p.add_argument("--input-tokens", "--input", type=_count, default=1024, dest="input_tokens",
                   help="input tokens per request (default 1024; 1e3 and 1,024 are accepted)")
    p.add_argument("--output-tokens", "--output", type=_count, default=256, dest="output_tokens",
                   help="output tokens per request (default 256)")
    p.add_argument("--kv-precision", type=_name, default=None, help="KV cache precision (default: fp8 with 8-bit or narrower weights on FP8 GPUs, else bf16)")
    p.add_argument("--cached-input-fraction", type=finite_arg, default=0.0,
                   help="share of each prompt found in the prefix cache, not prefilled (as recommend's; default 0)")
    p.add_argument("--tpot-limit-ms", type=finite_arg, default=None, help="time-per-output-token limit: pick the best batch within it")
    p.add_argument("--ttft-limit-ms", type=finite_arg, default=None,
                   help="time-to-first-token target: prefer the layouts whose unloaded TTFT meets it")
    p.add_argument("--engine", default=None, choices=("trtllm", "vllm", "sglang"),
                   help="serving engine (default: trtllm on NVIDIA GPUs, vllm on AMD)")
    p.add_argument("--layout", default=None, choices=("tp", "tp_ep", "dep", "pp"),
                   help="parallel layout: tp, tp_ep (attention TP + expert parallel), dep (attention DP + expert parallel), "
                        "pp (pipeline); default: the best the engine supports")
    _add_format(p)


def _validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rows", action="store_true", help="print every row, not only the summary per family")
    _add_format(p)
    from advisor.cli.calibrate import add_validate_mine

    add_validate_mine(p)


def _list(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("models", "gpus", "precisions", "presets", "prices"), help="what to list")
    _add_format(p)


def _recommend(p: argparse.ArgumentParser) -> None:
    from advisor.cli.recommend import add_arguments

    add_arguments(p)


def _prices(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=("list", "refresh"), default="list")
    p.add_argument("--source", action="append", default=None, help="list or refresh only this source (repeatable; a provider or source name)")
    p.add_argument("--stale", action="store_true", help="list rows to re-check: older than 120 days or with a guessed date")
    _add_format(p)


def _tui(p: argparse.ArgumentParser) -> None:
    from advisor.cli.recommend import add_workload_source

    add_workload_source(p)


def _report(p: argparse.ArgumentParser) -> None:
    rsub = p.add_subparsers(dest="report_command", metavar="action", required=True)
    rp = rsub.add_parser("show", help="print a report as the recommend table")
    rp.add_argument("path")
    rp.add_argument("--top", type=int, default=10, help="rows in the ranked table (default 10); --format json lists every candidate the report holds")
    rp.add_argument("--details", type=int, default=3, help="candidates shown with their full breakdown (default 3)")
    rp.add_argument("--format", choices=("table", "json"), default="table")
    rp = rsub.add_parser("diff", help="what changed between two reports")
    rp.add_argument("old")
    rp.add_argument("new")
    rp.add_argument("--format", choices=("table", "json"), default="table")


def _deploy(p: argparse.ArgumentParser) -> None:
    from advisor.cli.deploy import add_arguments

    add_arguments(p)


def _calibrate(p: argparse.ArgumentParser) -> None:
    from advisor.cli.calibrate import add_arguments

    add_arguments(p)


_ARGUMENTS = {"size": _size, "estimate": _estimate, "validate": _validate, "list": _list, "recommend": _recommend,
              "prices": _prices, "plugins": _add_format, "report": _report, "deploy": _deploy, "calibrate": _calibrate,
              "paths": _add_format, "summary": _add_format, "tui": _tui}


class _Parser(argparse.ArgumentParser):
    """argparse's parser whose error is one line naming the command, the problem and where the options are listed (its
    own prints the command's whole usage first: 29 lines for ``recommend``, the error last)."""

    routed = False
    """Set on ``tui``'s parser when the user typed no command (``moe-advisor --bogus``): its errors then say that the
    options were read as the interactive advisor's, not a ``tui`` the user never typed."""

    def error(self, message: str):
        if self.routed:
            self.exit(2, f"moe-advisor: error: {message} (with no command, the options are the interactive advisor's: "
                         f"`moe-advisor tui --help` lists them, `moe-advisor --help` the commands)\n")
        self.exit(2, f"{self.prog}: error: {message} (`{self.prog} --help` lists the options)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or given a ``command`` (one of ``COMMANDS``) that command's parser alone: a run
    does not build the other eleven (argparse builds a parser in about a millisecond)."""
    parser = _Parser(
        prog="moe-advisor",
        description="How to serve an LLM (MoE or dense, self-hosted or per-token API), with the numbers behind the advice. "
        "With no command, opens the interactive advisor (on a preset, workload file or saved report: `moe-advisor --preset bursty-app`, `moe-advisor FILE.toml`).",
    )
    parser.add_argument("--version", action="version", version=f"moe-advisor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name in COMMANDS if command is None else (command,):
        _ARGUMENTS[name](sub.add_parser(name, help=COMMANDS[name]))
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option (the top-level options take no value),
    or None when there is none or it is not a command (then every command's parser is built)."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def tui_options(argv: list[str]) -> bool:
    """Whether ``argv`` names no command but starts with what ``tui`` takes (an option other than the top level's, or
    a ``.toml`` file): what a user types to open the advisor on a preset, a workload file or a saved report."""
    if not argv or any(a in COMMANDS for a in argv) or argv[0] in ("-h", "--help", "--version"):
        return False
    return argv[0].startswith("--") or argv[0].endswith(".toml")


def _not_a_command(argv: list[str]) -> str | None:
    """For a first word that is no command: what the user likely meant (a preset given without ``--preset``, a
    mistyped command), in one line; None where argparse's own message is as good (nothing close)."""
    if not argv or argv[0].startswith("-") or argv[0] in COMMANDS:
        return None
    word = argv[0]
    from advisor.common.text import nearest
    from advisor.domain.workload import PRESETS

    if word in PRESETS:
        return (f"'{word}' is a preset, not a command: `moe-advisor --preset {word}` opens the advisor on it, "
                f"`moe-advisor recommend --preset {word}` prints its ranking")
    close = nearest(word, COMMANDS)
    if close is None:
        return None
    return f"'{word}' is not a command; did you mean '{close}'? (commands: {', '.join(COMMANDS)})"


def _run(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "validate" and getattr(args, "mine", False):
        from advisor.cli.calibrate import cmd_validate_mine

        return cmd_validate_mine(args)
    if cmd in ("deploy", "calibrate"):
        from advisor.cli import calibrate, deploy

        return deploy.cmd_deploy(args) if cmd == "deploy" else calibrate.cmd_calibrate(args)
    if cmd in ("size", "estimate", "validate", "list", "paths", "summary"):
        from advisor.cli import core

        return getattr(core, f"cmd_{cmd}")(args)
    if cmd == "recommend":
        from advisor.cli.recommend import cmd_recommend

        return cmd_recommend(args)
    if cmd in ("prices", "plugins"):
        from advisor.cli import prices

        return getattr(prices, f"cmd_{cmd}")(args)
    if cmd == "report":
        from advisor.cli import report

        return getattr(report, f"cmd_{args.report_command}")(args)
    if cmd == "tui":  # in a terminal, advisor.__main__ opens the interactive advisor before this
        from advisor.errors import AdvisorError

        raise AdvisorError("tui: the interactive advisor needs a terminal (stdin and stdout); use `moe-advisor recommend` "
                           "with the same options for text or --format json")
    if cmd is None:  # in a terminal, advisor.__main__ opens the interactive advisor before this
        from advisor.cli import core

        return core.cmd_summary(args)
    raise AssertionError(cmd)


def _subparser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the subcommand (and sub-subcommand) that was given, else the top-level one."""
    current = parser
    for dest in ("command", "report_command"):
        action = next((a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, dest, None)
        if action is None or name not in action.choices:
            break
        current = action.choices[name]
    return current


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    routed = tui_options(argv)
    if routed:
        argv = ["tui", *argv]  # `moe-advisor --preset X` or `moe-advisor FILE.toml`: the interactive advisor on it
    elif (hint := _not_a_command(argv)) is not None:
        print(f"moe-advisor: error: {hint}", file=sys.stderr)
        return 2
    parser = build_parser(_command_of(argv))
    if routed:
        _subparser(parser, argparse.Namespace(command="tui")).routed = True
    args, extra = parser.parse_known_args(argv)
    command = _subparser(parser, args)
    if extra:  # reported with the subcommand's usage, not the top-level one
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    for flag in ("top", "details"):  # row counts: --details -2 was taken as 0, --top -1 refused
        if (getattr(args, flag, 0) or 0) < 0:
            command.error(f"--{flag} must be 0 or more, got {getattr(args, flag)}")
    from advisor.common import dataclass_code

    dataclass_code.install()  # before the command imports its ~66 dataclasses: their methods compiled once, kept
    from advisor.common.text import SafeStream

    # Everything printed passes through one filter: escape sequences from a file stripped, secrets redacted.
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(saved[0]), SafeStream(saved[1])
    try:
        return _main(args)
    finally:
        sys.stdout, sys.stderr = saved


def _main(args: argparse.Namespace) -> int:
    from advisor.errors import AdvisorError

    try:
        return _run(args)
    except AdvisorError as exc:
        print(f"moe-advisor: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("moe-advisor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for the user; MOE_ADVISOR_DEBUG=1 shows it
        if os.environ.get("MOE_ADVISOR_DEBUG"):
            raise
        print(f"moe-advisor: internal error: {type(exc).__name__}: {exc} (set MOE_ADVISOR_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
