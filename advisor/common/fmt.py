"""Human formatting of bytes, parameter counts, money and plain-text tables (no UI dependency)."""

from __future__ import annotations

import math
from decimal import Decimal


def gb(n: float) -> str:
    """Bytes as decimal GB (1e9)."""
    if n is None or (isinstance(n, float) and not math.isfinite(n)):
        return "-"
    if abs(n) >= 1e12:
        return f"{n / 1e12:.2f} TB"
    if abs(n) >= 1e9:
        return f"{n / 1e9:.1f} GB"
    if abs(n) >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.1f} kB"


def params(n: float) -> str:
    if n >= 1e12:
        return f"{n / 1e12:.2f}T"
    if n >= 1e9:
        return f"{n / 1e9:.1f}B"
    return f"{n / 1e6:.0f}M"


def usd(x: Decimal | float | None, places: int = 2) -> str:
    """``$1,969.93``, ``$0.073`` (under $1 with 3 decimals), ``$12,345`` (from $10,000 without cents); an amount that
    the decimals shown would round to zero keeps its magnitude: ``<$0.001`` (a $0.0001/GPU-h price's $/M), never
    ``$0.000``."""
    if x is None:
        return "-"
    v = float(x)
    if not math.isfinite(v):
        return "-"
    if abs(v) >= 10_000:
        return f"${v:,.0f}"
    if abs(v) < 1 and places == 2:
        places = 3
    if places and 0 < abs(v) < 0.5 * 10.0 ** -places:
        return f"{'-' if v < 0 else ''}<${10.0 ** -places:.{places}f}"
    if abs(v) >= 100:
        places = min(places, 2)  # $8,330.32/M, never $8,330.323/M
    return f"${v:,.{places}f}"


def per_mtok(x: Decimal | float | None, bill: Decimal | float | None = None) -> str:
    """A $/M tokens figure with 3 decimals (``usd(x, 3)``); a figure stored as 0 (rounded to $0.0001) of a bill above
    zero is ``<$0.001``: the cost is real, and smaller than the digits show."""
    if x is not None and float(x) == 0 and bill is not None and float(bill) > 0:
        return "<$0.001"
    return usd(x, 3)


def rate(x: float, word: str, unit: str = "/min") -> str:
    """A rate a limit is checked against, rounded up so it never understates: ``1.39 requests/min`` (3 significant
    digits under 100), ``1,806 tokens/min``, ``1 request/min`` (the singular for exactly one)."""
    if not math.isfinite(x) or x <= 0:
        return f"0 {word}s{unit}"
    places = 0 if x >= 100 else max(0, 2 - math.floor(math.log10(x)))
    v = math.ceil(x * 10 ** places - 1e-6) / 10 ** places  # float noise (1.0000000001) does not round up
    text = f"{v:,.{places}f}".rstrip("0").rstrip(".") if places else f"{v:,.0f}"
    return f"{text} {word}{'' if text == '1' else 's'}{unit}"


def num(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:,.{digits}f}"


def hours(x: float) -> str:
    """Billed hours as a bill multiplies them: whole where they are, else to 0.01 h under 100 and 0.1 h above (trial 38:
    "6 GPU-hours x $0.918 = $5.12" for 5.58 h)."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}" if x < 100 else f"{x:,.1f}"


def pct(x: float | None, digits: int = 0) -> str:
    """``57%``; a share above 0 that would round to 0 is ``<1%`` (``<0.1%`` with a digit), never ``0%`` for GPUs that do work."""
    if x is None or not math.isfinite(x):
        return "-"
    text = f"{x * 100:.{digits}f}"
    if x > 0 and not text.strip("0."):  # rounds to nothing
        return f"<{10.0 ** -digits:g}%"
    return text + "%"


def table(headers: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A plain-text table; ``align`` is one char per column, 'l' or 'r' (default: r for all but first)."""
    align = align or ("l" + "r" * (len(headers) - 1))
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if align[i] == "l" else c.rjust(widths[i]) for i, c in enumerate(cells)).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def possessive(name: str) -> str:
    """``together's``, but ``fireworks'`` and ``cerebras'`` (a name ending in s takes the apostrophe alone)."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def usd_rate(x: Decimal | float | None, unit: str = "/GPU-h") -> str:
    """A unit price with 2 to 4 decimals: ``$2.69/GPU-h``, ``$3.4309/GPU-h`` (never ``$3.43088125``)."""
    if x is None:
        return "-"
    v = float(x)
    if not math.isfinite(v):
        return "-"
    text = f"{v:,.4f}"
    whole, _, dec = text.partition(".")
    dec = dec.rstrip("0").ljust(2, "0")
    return f"${whole}.{dec}{unit}"


def short(x: float) -> str:
    """A large count in a few characters: ``950``, ``40k``, ``13.0M``, ``2.5B``, ``1.2T``."""
    if x is None or not math.isfinite(x):
        return "-"
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            v = x / div
            return f"{v:.1f}{suffix}" if v < 100 else f"{v:,.0f}{suffix}"
    return f"{x:,.0f}"


def plain_number(x: float) -> str:
    """A user-entered number as a person writes it: ``1,000,000``, ``2.5``, ``0.25``."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.2f}"


def replicas_gpus(replicas: int, gpus: int, gpu: str | None) -> str:
    """One notation for where a self-hosted candidate runs: ``2 × 8 h100-sxm`` = 2 replicas of 8 GPUs.

    ``REPLICA_LEGEND`` explains it wherever it is shown."""
    return f"{replicas:,} × {gpus} {gpu}"


REPLICA_LEGEND = "R × G gpu = R replicas (copies of the model) of G GPUs each"
DEMOTED = "↓"
"""The tables' mark on a row a rule ranks after rows that may cost more (``ranking.ties.demoted``)."""
GB_LEGEND = "GB = 10⁹ bytes"
UNTRAINED_ROWS = " (not on rows whose model no allowed offer can train: their warning says so)"
"""After "monthly includes the fine-tuning runs" (the CLI's table and the TUI's), where some self-hosted rows bill serving
only: their planned runs fit no allowed offer (trial 30: DeepSeek-V3 and Kimi K2 under heavy fine-tuning on H100/H200)."""


def untrained_rows(cands) -> bool:
    """Whether some self-hosted rows of a ranking whose others bill fine-tuning runs bill none (``UNTRAINED_ROWS``)."""
    return any(c.fine_tuning_monthly_usd for c in cands) and any(
        c.deployment == "self-hosted" and c.fine_tuning_monthly_usd is None for c in cands)


def weights(total: float, engines: int | None) -> str:
    """A replica's weights: ``1.14 TB (4 engines x 284.5 GB)`` where engines side by side each hold a copy, so that
    the sum is not read as one model's size; ``284.5 GB`` for one engine."""
    n = engines or 1
    return f"{gb(total)} ({n} engines x {gb(total / n)})" if n > 1 else gb(total)


def admitted(tokens: int | None, input_tokens: int, output_tokens: int, engine: str | None) -> str:
    """Why a sequence holds fewer tokens than its request: ``": input + half the output, as vllm admits them"``
    where the engine sizes its batch on the mean context (``kv_admission = "average"``), so two rows of one workload on
    different engines show different tokens per sequence for a reason; "" otherwise."""
    if not tokens or not engine or tokens != int(input_tokens + output_tokens / 2.0) or output_tokens < 2:
        return ""
    return f": input + half the output, as {engine} admits them"


def a_number(text: str) -> str:
    """``a 2,000`` or ``an 800`` / ``an 11`` / ``an 18,000``: the article a number is read with, then the number."""
    lead = text.replace(",", "")
    an = lead[:1] == "8" or (lead[:2] in ("11", "18") and len(lead) in (2, 5, 8))
    return f"{'an' if an else 'a'} {text}"


def mean_count(n: float, word: str) -> str:
    """A count that may be a mean (Little's law gives the sequences in flight as one): ``1 sequence``, ``14 sequences``,
    and, where it is not whole, to two decimals below 10 (``0.73 sequences``, ``1.01 sequences``, ``<0.01 sequences``,
    never ``0``) and one above (``13.4 sequences``), so it multiplies out to the bytes
    said beside it (a count rounded up to 1 beside the KV cache of 0.73 sequences did not)."""
    k = round(n)
    if (k > 0 or n <= 0) and abs(n - k) < 0.005 * max(1.0, n):
        return f"{k:,} {word}{'' if k == 1 else 's'}"
    if n >= 10:
        return f"{n:,.1f} {word}s"
    text = f"{n:.2f}".rstrip("0").rstrip(".")
    return f"{text if text != '0' else '<0.01'} {word}s"


SETTINGS = {"min_replicas": ("Min replicas", "--min-replicas"), "spare_replicas": ("Spare replicas", "--spare-replicas"),
            "fine_tune_tokens": ("Tokens a run", "fine_tune_tokens"), "fine_tunes_per_month": ("Runs a month", "fine_tunes_per_month")}
"""A workload setting as the advice names it: the TUI's label, then the CLI flag (or the file key where the CLI has
none), so the advice points to the field a user can edit wherever they read it (trial 34)."""


def setting(key: str, value: object = None) -> str:
    """``Min replicas 2 (--min-replicas 2)``, ``Tokens a run (fine_tune_tokens)``."""
    label, name = SETTINGS[key]
    shown = "" if value is None else f" {value}"
    return f"{label}{shown} ({name}{shown if name.startswith('--') else (f' = {value}' if shown else '')})"
