"""The texts of a candidate's money figures that the CLI, the TUI and reports share: $/M tokens with and without
fine-tuning, the fleet's hourly rate, the break-even with the cheapest per-token API (headless)."""

from __future__ import annotations

from decimal import Decimal

from advisor.common import fmt
from advisor.domain.recommendation import Candidate
from advisor.domain.workload import HOURS_PER_MONTH


def break_even_text(c: Candidate) -> str:
    """``8.2M tokens/day`` or why there is none, in one wording with the numbers it rests on."""
    if not c.break_even_vs:
        return "-"
    numbers = next((r.numbers for r in c.reasons if r.code == "break-even"), {})
    if c.break_even_tokens_per_day:  # a replica's running all month; a scale-to-zero row pays for its hours (trial 34)
        text, api = f"{fmt.short(c.break_even_tokens_per_day)} tokens/day per replica running all month", numbers.get("api_usd_per_mtok")
        if c.scaling not in (None, "fixed") and api and c.usd_per_mtok is not None:
            text += (f"; billed {c.scaling}, only for its hours: {fmt.usd(c.usd_per_mtok, 3)}/M here, "
                     f"{'below' if float(c.usd_per_mtok) < api else 'not below'} the API's {fmt.usd(api, 3)}/M")
        return text
    full, api = numbers.get("usd_per_mtok_at_full"), numbers.get("api_usd_per_mtok")
    if full is None and c.utilization_table:
        p = c.utilization_table[0]
        full = float(p.usd_per_mtok) * p.utilization
    if full is None:
        return "not reached"
    if api and full < api:  # cheaper once busier than full / api of the time
        avg = f"; this workload averages {fmt.pct(c.utilization)}" if c.utilization is not None else ""
        if c.utilization is not None and c.utilization >= full / api:
            return (f"reached: above {full / api:.0%} utilization of every replica (fully used, one replica costs "
                    f"{fmt.usd(full, 3)}/M){avg}")
        return (f"not reached: only above {full / api:.0%} utilization of every replica (fully used, one replica costs "
                f"{fmt.usd(full, 3)}/M){avg}")
    return f"not reached: fully used, one replica costs {fmt.usd(full, 3)}/M"


def usd_per_mtok_all_in(c: Candidate) -> Decimal | None:
    """$/M tokens of the whole monthly bill, serving plus fine-tuning (``usd_per_mtok`` x total / serving); None
    without fine-tuning, where ``usd_per_mtok`` is already all of it."""
    if not c.fine_tuning_monthly_usd or not c.monthly_cost_usd:
        return None
    return (c.usd_per_mtok * c.monthly_total_usd / c.monthly_cost_usd).quantize(Decimal("0.000001"))


def per_mtok_text(c: Candidate, digits: int = 3) -> str:
    """``$0.076/M tokens``; with fine-tuning in the monthly, which figure is which: ``$0.486/M serving, $0.525/M with
    fine-tuning``."""
    all_in = usd_per_mtok_all_in(c)
    if all_in is None:
        return f"{fmt.per_mtok(c.usd_per_mtok, c.monthly_cost_usd) if digits == 3 else fmt.usd(c.usd_per_mtok, digits)}/M tokens"
    return f"{fmt.usd(c.usd_per_mtok, digits)}/M serving, {fmt.usd(all_in, digits)}/M with fine-tuning"


def hourly_text(c: Candidate) -> str:
    """The fleet's hourly rate: ``$0.79/hour``, or for a fleet that follows the traffic, the peak hour's rate labelled
    as such with the month's average: ``$2,072.00/hour at peak (average $1,130.52/hour)``; "" for an API."""
    if c.hourly_usd is None:
        return ""
    low = c.replicas_min
    high = c.replicas_peak if c.replicas_peak is not None else c.replicas
    if c.scaling in (None, "fixed") and (low is None or low == high):
        return f"{fmt.usd(c.hourly_usd)}/hour"
    return f"{fmt.usd(c.hourly_usd)}/hour at peak (average {fmt.usd(c.monthly_cost_usd / Decimal(str(HOURS_PER_MONTH)))}/hour)"
