"""How the ranking orders candidates and when it calls two of them a tie.

Order: (heavy fine-tuning puts MoE after dense options costing up to ``DENSE_FIRST_UP_TO`` times the cheapest dense one), (an interactive reasoning row whose visible answer starts after the
TTFT target goes after those that meet it), (a row on an engine not verified to run the model on that GPU goes after
those on a verified one), total monthly cost, (light fine-tuning puts MoE after dense at equal cost), higher quality,
less quantized weights (an upcast counts as its native checkpoint, which wins the tie), more headroom, lower $/M tokens, then names. Two self-hosted rows closer in cost than the
throughput estimate's error are a near tie (``near_tie``), with the error of rows like them (``estimate_error``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from advisor.common import fmt
from advisor.domain.precision import PRECISIONS
from advisor.domain.recommendation import Candidate, Reason, known_reasons
from advisor.domain.workload import Workload
from advisor.ranking.modes import answers_late, upcast_line

if TYPE_CHECKING:
    from advisor.ranking.context import Context


def rank_key(w: Workload):
    heavy, late, lora = w.fine_tuning == "heavy", w.latency == "interactive", w.fine_tuning == "light"

    def key(c: Candidate):
        """``RANKED_AFTER``'s three flags (the MoE under heavy fine-tuning, ``answers_late``, ``launch_unsure``) from one
        pass over the written reasons, without a call per rule: the sort keys every row on every edit."""
        thinks = unsure = 0
        for r in known_reasons(c.reasons):
            code = r.code
            if code == "reasoning-latency":
                thinks = 1
            elif code == "engine-support" or (code == "checkpoint" and r.numbers.get("quantize_first")):
                unsure = 1
        wb = _WEIGHT_BYTES.get((c.precision, c.quality_delta_source))
        return (1 if heavy and c.architecture == "moe" else 0, thinks if late and c.mode == "reasoning" else 0, unsure,
                c.total_monthly_usd if c.total_monthly_usd is not None else c.monthly_cost_usd,
                1 if (lora and c.architecture == "moe") else 0, -(c.quality or 0.0), -(weight_bytes(c) if wb is None else wb),
                c.utilization or 0.0, c.usd_per_mtok, c.model, c.provider, c.gpu or "")
    return key


DENSE_FIRST_UP_TO = 3
"""Under heavy fine-tuning a dense row ranks before every MoE row while its monthly total is at most this many times the
cheapest dense row's (``heavy_ft_keys``): the premium the ranking assumes a team pays to keep full fine-tuning on the
well-trodden dense path.
Past it a dense row is ranked by cost among the MoE rows (a 4,752-GPU dense fleet at $12.5M/month above a $16k MoE one
is no one's choice); #1 is the cheapest dense row either way, and says what the MoE rows it passes over would cost."""


def heavy_ft_keys(keys: list, w: Workload) -> list:
    """``rank_key``'s keys with the dense rows over ``DENSE_FIRST_UP_TO`` times the cheapest dense total flagged as the MoE
    rows are (heavy fine-tuning only; the rows' keys otherwise). The cheapest is of the dense rows that are known to launch
    and answer in time, where there are any: a row another rule ranks last does not set the limit (it would push every
    row that launches past it, and itself to #1)."""
    if w.fine_tuning != "heavy":
        return keys
    # From the dense rows no other rule ranks after (a late answer, a launch not known to work: ``RANKED_AFTER``), so the
    # limit is #1's bill; from every dense row where none is such.
    dense = [k[3] for k in keys if not (k[0] or k[1] or k[2])] or [k[3] for k in keys if not k[0]]
    if not dense:
        return keys
    limit = min(dense) * DENSE_FIRST_UP_TO
    return [(1,) + k[1:] if not k[0] and k[3] > limit else k for k in keys]


def on_no_front(key: tuple) -> bool:
    """Whether the row ``rank_key`` gave ``key`` is on no cost/quality front: it answers after the TTFT target or is not
    known to launch as costed (the second and third of ``RANKED_AFTER``'s rules, read from the key, not worked out
    again)."""
    return bool(key[1] or key[2])


_WEIGHT_BYTES: dict[tuple, float] = {}
"""(precision, quality_delta_source) -> ``weight_bytes`` of rows that have them (all it reads), once per process."""


def weight_bytes(c: Candidate) -> float:
    """Bytes per routed-expert parameter of ``c``'s precision: at the same cost and quality score, the less
    quantized option ranks first (quantization risks a benchmark score may not show); 0 for API rows. An upcast
    (FP8 or BF16 made from a 4-bit or FP8 native checkpoint, ``precision.is_upcast``) holds the native checkpoint's
    values, so it is as quantized as that checkpoint and counts a hair below it: the native checkpoint wins the tie
    (the same quality in less memory, without a dequantization step)."""
    native = upcast_of(c)
    s = PRECISIONS.get(native or c.precision or "")
    b = _WEIGHT_BYTES[(c.precision, c.quality_delta_source)] = 0.0 if s is None else s.experts.bytes_per_param - (1e-6 if native else 0.0)
    return b


_UPCAST_HEAD, _, _UPCAST_TAIL = upcast_line("\0").partition("\0")


def upcast_of(c: Candidate) -> str:
    """The native precision ``c``'s weights were widened from ("" when they were not): read from the row's
    ``quality_delta_source``, which holds ``modes.upcast_line`` for an upcast row."""
    src = c.quality_delta_source or ""
    if not src.startswith(_UPCAST_HEAD) or not src.endswith(_UPCAST_TAIL):
        return ""
    return src[len(_UPCAST_HEAD):len(src) - len(_UPCAST_TAIL)]


def same_cost_why(c: Candidate, runner: Candidate, w: Workload) -> str:
    """What breaks a tie on cost between #1 ``c`` and #2 ``runner``, in the order ``rank_key`` applies it."""
    if w.fine_tuning in ("light", "heavy") and runner.architecture != c.architecture:
        why = "LoRA adapters" if w.fine_tuning == "light" else "full fine-tunes"
        return f"same cost, ranked by architecture ({why} on a dense model are the well-trodden path)"
    if (c.quality or 0.0) != (runner.quality or 0.0):
        return f"same cost, ranked by quality ({fmt.num(c.quality or 0.0, 1)} against {fmt.num(runner.quality or 0.0, 1)})"
    if weight_bytes(c) != weight_bytes(runner):
        if upcast_of(runner) and upcast_of(runner) == c.precision:
            return (f"same cost and quality score, ranked by precision: {c.precision} is the native checkpoint and "
                    f"{runner.precision} an upcast of it (the same values in more bytes: no less quantized, with less memory "
                    f"free and a dequantization step first), so the native checkpoint wins")
        what = lambda x: f"{x.precision} (upcast from {upcast_of(x)})" if upcast_of(x) else x.precision
        return (f"same cost and quality score, ranked by precision: {what(c)} weights are less quantized than "
                f"{what(runner)} (a risk the benchmark may not show)")
    if (c.utilization or 0.0) != (runner.utilization or 0.0):
        return (f"same cost and quality score, ranked by headroom: {fmt.pct(c.utilization or 0.0)} utilization against "
                f"{fmt.pct(runner.utilization or 0.0)}")
    return "same cost and quality score: a tie, listed by name"


def total(c: Candidate):
    return c.total_monthly_usd if c.total_monthly_usd is not None else c.monthly_cost_usd


def dense_first_in_a_tie(cands: list[Candidate], w: Workload, profile) -> None:
    """With LoRA adapters planned, an MoE first by less than the estimate's error is a tie, and the plan breaks it:
    the best dense option within that error moves to the front (adapters on dense models are the well-trodden path)."""
    if w.fine_tuning != "light" or not cands or cands[0].architecture != "moe":
        return
    err = Decimal(str(profile.fit.p90_abs_error if profile.fit else 0.2))
    limit = total(cands[0]) * (1 + err)
    for i, c in enumerate(cands[1:], start=1):
        if total(c) > limit:
            return
        if c.architecture == "dense":
            cands.insert(0, cands.pop(i))
            return


def near_tie(c: Candidate, other: Candidate | None, profile, ctx_of: Callable[[Candidate], Context] | None = None) -> Reason | None:
    """Two self-hosted options closer in cost than the throughput estimate's error are a tie: say so, and what
    would decide between them. The same cost is a tie outright; and where neither option's replica count would
    change with the throughput off by that error, the error cannot reorder them: a tie (or near tie) on price."""
    if other is None or c.deployment != "self-hosted" or other.deployment != "self-hosted":
        return None
    err = max(estimate_error(c, profile), estimate_error(other, profile))
    low = err > (profile.fit.p90_abs_error if profile.fit else 0.2)
    a, b = total(c), total(other)
    if not a or abs(a - b) / max(a, b) >= Decimal(str(err)):
        return None
    outside = uncalibrated(c, profile) + [x for x in uncalibrated(other, profile) if x not in uncalibrated(c, profile)]
    numbers = {"difference_usd": str(abs(a - b)), "estimate_error": err, "uncalibrated": outside}
    held = ctx_of is not None and replicas_hold(c, ctx_of(c), err) and replicas_hold(other, ctx_of(other), err)
    if held:
        counts = f"{fleet(c)} each" if fleet(c) == fleet(other) else f"{fleet(c)} and {fleet(other)}"
        fixed = f"the throughput estimate's {err:.0%} error would not change either replica count ({counts})"
        if a == b:
            msg = (f"a tie on price with {other.label}: the same cost, {fmt.usd(a)}/month; {fixed}, so it cannot break the "
                   f"tie: what the rank reason says decided the order (quality, precision, headroom), and the latency a benchmark of both on your own traffic shows")
        else:
            msg = (f"a near tie on price with {other.label}: {fmt.usd(abs(a - b))}/month apart ({abs(a - b) / max(a, b):.0%}); "
                   f"{fixed}, so it cannot reverse the order: quality, latency and the provider may weigh more than the gap "
                   f"(a benchmark of both on your own traffic shows the latency)")
        return Reason("near-tie", msg, "info", {**numbers, "replicas_fixed": True})
    named = ", ".join(outside[:-1]) + f" and {outside[-1]}" if len(outside) > 1 else "".join(outside)  # a, b and c
    caveat = (f"; {named} {'is' if len(outside) == 1 else 'are'} outside the calibration set, where the error is "
              f"unmeasured and can be larger") if outside else ""
    what = (f"the same cost as {other.label} ({fmt.usd(a)}/month), a tie: with the throughput estimate's {err:.0%} error "
            f"(90th percentile, measured on the calibration set{' at <= 8 concurrent requests' if low else ''}) either could "
            f"end up cheaper" if a == b else
            f"a near tie with {other.label}: {fmt.usd(abs(a - b))}/month apart ({abs(a - b) / max(a, b):.0%}), within the "
            f"throughput estimate's {err:.0%} error (90th percentile, measured on the calibration set"
            f"{' at <= 8 concurrent requests' if low else ''})")
    slow = [_at_error(x) for x in (c, other)]
    if None not in slow:  # each priced for its own estimate's error (its speed-risk reason): the less fragile bill
        worse = ("still the same" if slow[0] == slow[1] else f"which favours {'this one' if slow[0] < slow[1] else 'it'}" if a == b
                 else "the same order" if (a < b) == (slow[0] < slow[1]) else "which reverses the order")
        ft = " (fine-tuning included)" if c.fine_tuning_monthly_usd or other.fine_tuning_monthly_usd else ""
        caveat += (f"; were each engine slower by its own speed estimate's error (its speed-risk line), this one would bill "
                   f"{fmt.usd(slow[0])}/month and {other.label} {fmt.usd(slow[1])}/month{ft}, {worse}")
        numbers["monthly_usd_at_error"] = [str(x) for x in slow]
    return Reason("near-tie", f"{what}{caveat}; a benchmark of both on your own traffic decides", "warning", numbers)


def cannot_serve_at_error(c: Candidate) -> bool:
    """Whether ``c``'s speed-risk line says that, its engine slower by the estimate's error, no batch meets the TPOT target."""
    return any(r.code == "speed-risk" and r.numbers.get("batch_at_error") == 0 for r in c.reasons)


def _at_error(c: Candidate) -> Decimal | None:
    """What ``c`` would bill a month, fine-tuning included, were its engine slower by the estimate's error (its
    ``speed-risk`` reason), or None without one."""
    r = next((r for r in c.reasons if r.code == "speed-risk"), None)
    usd = r.numbers.get("monthly_usd_at_error") if r is not None else None
    return None if usd is None else Decimal(usd) + (c.fine_tuning_monthly_usd or 0)


def fleet(c: Candidate) -> str:
    n = c.replicas_peak if c.replicas_peak is not None else c.replicas
    return f"{n} {c.scaling or 'fixed'} replica{'s' if n != 1 else ''}"


def replicas_hold(c: Candidate, ctx: Context, err: float) -> bool:
    """Whether a fixed fleet's replica count stays the same with the replica's throughput ``err`` lower or higher
    (the sizing of ``cost.billing.plans``: the peak over what one replica may be planned to carry, at least 1)."""
    from advisor.cost import queueing

    cap, n = c.output_tokens_per_s_per_replica, c.replicas_peak if c.replicas_peak is not None else c.replicas
    if c.scaling != "fixed" or not cap or c.ttft_ms is None:
        return False
    risk = next((r.numbers for r in c.reasons if r.code == "speed-risk"), {})
    if "tpot_ms_at_error" in risk and risk.get("replicas_peak_at_error") != n:  # ``err`` is at least the row's own error:
        return False  # slower, it runs a smaller batch within the TPOT target (``explain.slower_engine_reason``), more replicas
    w, dp = ctx.workload, c.engines_per_replica or 1
    queues = max(1, c.gpus // dp) if c.layout == "dep" else 1  # attention ranks, each its own prefill queue (queueing)
    for f in (1 - err, 1 + err):
        if w.latency == "batch":
            need, per = w.required_output_tokens_per_s, cap * f
        else:
            need = w.mean_output_tokens_per_s * ctx.day.peak_to_mean
            prefill = max(0.0, c.ttft_ms - (c.tpot_ms or 0.0)) / f  # the TTFT less its decode step (queueing.prefill_ms)
            hold = queueing.hold_s(c, w) / f  # a batch slot's time: the row's TTFT and TPOT, as its estimate's
            per = queueing.planned_output_rate(cap / dp * f, c.ttft_ms / f, w, prefill, queues, c.batch or 0, hold) * dp
        if per <= 0 or max(1, math.ceil(need / per - 1e-9)) != n:
            return False
    return True


def uncalibrated(c: Candidate, profile) -> list[str]:
    """The model and GPU of a self-hosted candidate that no calibration row measured."""
    if profile.calibrated_models is None:
        return []
    return ([c.model] if c.model not in profile.calibrated_models else []) + \
        ([c.gpu] if c.gpu and c.gpu not in profile.calibrated_gpus else [])


def engine_unverified(c: Candidate) -> bool:
    """A row ranked on an engine whose support for the model on that GPU is not verified, where the vLLM recipe
    refuses the GPU (``engine_support``): it may not start, so it goes after the rows whose engine is known to."""
    return any(r.code == "engine-support" for r in known_reasons(c.reasons))


def launch_unsure(c: Candidate) -> bool:
    """A row not known to launch as costed: an unverified engine (``engine_unverified``), or weights in a precision
    no one publishes and no engine quantizes to at load time (``explain.checkpoint_reasons``: 4-bit, quantized
    first). A row wider than its published checkpoint (BF16 of an FP8 model) is not where a published tool makes the
    copy (dequantizing loses nothing; its ``checkpoint`` reason is an info line without ``quantize_first``), and is
    where none is recorded (FP8 of an MXFP4 model: ``deploy.support.upcast_tool``)."""
    for r in known_reasons(c.reasons):  # a loop, not any() over a generator: the sort asks it of every row
        if r.code == "engine-support" or (r.code == "checkpoint" and r.numbers.get("quantize_first")):
            return True
    return False


def none_meets_ttft(c: Candidate, candidates, w: Workload) -> str:
    """For #1 ``c`` of an interactive workload where no ranked row meets the TTFT target (each thinks first and starts
    its visible answer after it, ``answers_late``): the lead of #1's rank reason, saying so and naming the row whose
    visible answer starts soonest; "" where some row meets the target. Without it #1 would read "cheapest feasible"
    while it misses the target by minutes."""
    if not answers_late(c, w) or not all(answers_late(x, w) for x in candidates):
        return ""
    def wait(x: Candidate) -> dict:
        return next((r.numbers for r in known_reasons(x.reasons) if r.code == "reasoning-latency"), {})
    i, soonest = min(enumerate(candidates, start=1), key=lambda ix: wait(ix[1]).get("visible_wait_ms", math.inf))
    late = wait(soonest)
    ms = late.get("visible_wait_ms", math.inf)
    how = "at least" if late.get("lower_bound") else "likely about" if late.get("likely") else "about"  # likely: ``api_wait``
    when = f"{how} {ms / 1000:,.1f} s" if ms < math.inf else "unknown"
    return (f"no option meets the {w.ttft_ms:,.0f} ms time-to-first-token target: every ranked row thinks first, and the "
            f"soonest visible answer starts after {when} (#{i}, {soonest.label}); "
            f"{'a lower quality floor or ' if w.min_quality else ''}a looser target may admit one that does; the cheapest "
            f"of these rows")


def demoted(c: Candidate, top: Candidate, w: Workload) -> bool:
    """Whether a rule of ``RANKED_AFTER`` holds for ``c`` and not for #1 ``top``: it ranks after rows that may cost more
    (the table's mark; ``demotion_note`` says which rule)."""
    return any(after(c, w) and not after(top, w) for after, _ in RANKED_AFTER)


def demoted_ranks(candidates, w: Workload) -> set[int]:
    """The ranks of the rows after #1 that ``demoted`` holds for (any #2) and that a dearer row ranks before: a rule moved them
    (a row dearer than every row before it is where its cost puts it: an MoE row under heavy fine-tuning past
    ``DENSE_FIRST_UP_TO`` times the cheapest dense bill, for one). The rules that hold for #1 are asked of #1 once."""
    if not candidates:
        return set()
    rules = [after for after, _ in RANKED_AFTER if not after(candidates[0], w)]
    out, high = set(), total(candidates[0])
    for i, c in enumerate(candidates[1:], 1):
        if total(c) < high and (i == 1 or any(after(c, w) for after in rules)):
            out.add(c.rank)  # a #2 cheaper than #1 is after it by a rule, whichever (the fine-tuning tie's: trial 34)
        high = max(high, total(c))
    return out


def demotion_note(c: Candidate, top: Candidate, w: Workload) -> str:
    """Why ``c`` ranks after #1 ``top`` although it may cost less: the first of ``RANKED_AFTER``'s rules that holds for
    ``c`` and not for ``top``."""
    return next((note(c) for after, note in RANKED_AFTER if after(c, w) and not after(top, w)), "")


def launch_causes(c: Candidate) -> list[str]:
    """Why ``launch_unsure`` holds for ``c``, each with the warning that says more: its engine, its weights, or both."""
    return [x for x, holds in (
        ("vLLM's recipe refuses its GPU for its model, or its engine's pinned release cannot load it (see the engine-support warning)", engine_unverified(c)),
        ("its weights must be made first: no published checkpoint in its precision that its engine loads (see the "
         "checkpoint warning)", any(r.code == "checkpoint" and r.numbers.get("quantize_first") for r in known_reasons(c.reasons))),
    ) if holds]


def _unsure_note(c: Candidate) -> str:
    return f"; ranked after every option known to launch as costed: {' and '.join(launch_causes(c)) or 'see its warnings'}"


RANKED_AFTER: tuple[tuple[Callable[[Candidate, Workload], bool], Callable[[Candidate], str]], ...] = (
    (lambda c, w: w.fine_tuning == "heavy" and c.architecture == "moe",
     lambda c: f"; ranked after the dense options costing up to {DENSE_FIRST_UP_TO}x the cheapest dense one because heavy "
               f"fine-tuning is planned"),
    (answers_late,
     lambda c: ("; ranked after every option whose visible answer meets the TTFT target, because it thinks first "
                "(see the reasoning-latency warning), and on no cost/quality front")),
    (lambda c, w: launch_unsure(c), _unsure_note),
)
"""The rules that rank a row after every row they do not hold for, before cost, in this order (``rank_key``), each
with what the row's rank reason says (``demotion_note``): an MoE under heavy fine-tuning, a reasoning row whose
visible answer starts after the TTFT target, a row not known to launch as costed. ``rank_key`` and ``on_no_front`` read the
three by place."""


def estimate_error(c: Candidate, profile) -> float:
    """The throughput estimate's error for rows like ``c``: the 90th percentile over the calibration set, or over its
    low-concurrency rows for a row that runs a batch of at most LOW_CONCURRENCY (fixed costs dominate there, and the
    error is larger: ``calibration.LOW_CONCURRENCY_P90_ERROR``; the rule is ``explain.speed_error``'s)."""
    from advisor.ranking.explain import speed_error

    return speed_error(c.batch if c.deployment == "self-hosted" and c.batch is not None else 10**9, profile)


def better_quality_within_error(c: Candidate, candidates, profile, w: Workload | None = None) -> str:
    """For #1 ``c``: the best-quality self-hosted option whose cost is within the estimate's error of it, when it
    scores higher (a near tie is decided by what the ranking cannot price: quality among them); not one whose visible
    answer starts after the TTFT target (``answers_late``: it does not meet the workload, whatever its score)."""
    if c.deployment != "self-hosted" or c.quality is None:
        return ""
    best = None
    for i, x in enumerate(candidates[1:], start=2):
        err = max(estimate_error(c, profile), estimate_error(x, profile))
        if total(x) > total(c) * (1 + Decimal(str(err))):
            break
        if (x.deployment == "self-hosted" and x.model != c.model and (x.quality or 0.0) > (best[1].quality if best else c.quality) + 1.0
                and not (w is not None and answers_late(x, w)) and not cannot_serve_at_error(x)):
            best = (i, x)
    if best is None:
        return ""
    i, x = best
    gap = total(x) - total(c)
    return (f"; within the estimate's error of it, #{i} {x.label} scores {fmt.num(x.quality, 1)} against "
            f"{fmt.num(c.quality, 1)} ({c.quality_benchmark}) for {fmt.usd(abs(gap))}/month {'more' if gap >= 0 else 'less'}")


def _cheaper(c: Candidate, candidates, which: Callable[[Candidate], bool]) -> tuple[list, Candidate | None, bool]:
    """(the rows cheaper than ``c`` that ``which`` holds for, the cheapest of them, whether there is one)."""
    cheaper = [x for x in candidates if total(x) < total(c) and which(x)]
    return cheaper, min(cheaper, key=total, default=None), len(cheaper) == 1


def unverified_cheaper_note(c: Candidate, candidates) -> str:
    """For #1 ``c``: the rows that rank after it because their engine is not known to run them although they cost
    less, or the same with a higher quality score (a user reading #23 at #1's bill and a better score asks why)."""
    if launch_unsure(c):
        return ""
    cheaper, low, one = _cheaper(c, candidates, launch_unsure)
    better = [x for x in candidates if total(x) == total(c) and launch_unsure(x) and _scores_higher(x, c)]
    if not cheaper and not better:
        return ""
    parts = []
    if cheaper:
        parts.append(f"{len(cheaper):,} cheaper option{'' if one else 's'} (from {fmt.usd(total(low))}/month, "
                     f"{low.label})")
    if better:
        best = max(better, key=lambda x: x.quality)
        parts.append(f"{len(better):,} option{'' if len(better) == 1 else 's'} at the same cost with a higher quality "
                     f"score ({'up to ' if len(better) > 1 else ''}{fmt.num(best.quality, 1)} against {fmt.num(c.quality, 1)}, {best.label})")
    one = len(cheaper) + len(better) == 1
    why = (" because " + " and ".join(launch_causes((cheaper + better)[0])) if one else
           " (vLLM's recipe refuses the GPU for the model, or the engine's pinned release cannot load it, or weights with no "
           "published checkpoint their engine loads: see their engine-support or checkpoint warning)")
    return (f"; {' and '.join(parts)} {'is' if one else 'are'} not known to launch as costed{why}, so "
            f"{'it ranks' if one else 'they rank'} after this one")


def _scores_higher(x: Candidate, c: Candidate) -> bool:
    return x.quality is not None and c.quality is not None and x.quality > c.quality


def heavy_ft_cheaper_note(c: Candidate, candidates, w: Workload) -> str:
    """For a dense #1 ``c`` under heavy fine-tuning: the cheaper MoE rows ranked after it (the policy is a choice the
    user should see priced, not a silent "cheapest"), and the one to take if the team can fine-tune an MoE: the first
    of them in the ranking (``candidates`` in rank order), which is the cheapest only where no other rule (a late
    visible answer, a launch not known to work) ranks that one after it."""
    if w.fine_tuning != "heavy" or c.architecture == "moe":
        return ""
    cheaper, low, one = _cheaper(c, candidates, lambda x: x.architecture == "moe")
    if not cheaper:
        return ""
    at, first = next((i, x) for i, x in enumerate(candidates, start=1) if x.architecture == "moe" and total(x) < total(c))
    pick = (f"{low.label} is" if first is low else
            f"the first of them in this ranking, #{at} {first.label}, is")
    return (f"; {len(cheaper):,} cheaper MoE option{'' if one else 's'} (from {fmt.usd(total(low))}/month, {low.label}) "
            f"rank{'s' if one else ''} after the dense ones costing up to {DENSE_FIRST_UP_TO}x the cheapest dense one because heavy fine-tuning "
            f"is planned: a full fine-tune of an MoE "
            f"trains every expert and must keep the router balanced (expert-parallel training), a harder path than a dense "
            f"model's; if your team has it, {pick} {fmt.usd(total(c) - total(first))}/month cheaper")


def _p95_ttft_ms(c: Candidate) -> float | None:
    """``c``'s p95 TTFT at the peak (its ``headroom`` reason's queueing estimate), or None without one."""
    r = next((r for r in c.reasons if r.code == "headroom"), None)
    return None if r is None else r.numbers.get("ttft_p95_at_peak_ms")


def fragile_first(c: Candidate, runner: Candidate | None, w: Workload) -> str:
    """Why #1 ``c`` is a fragile near tie with #2 ``runner`` ("" where it is one): its p95 TTFT
    at the peak misses the workload's own TTFT target where #2's is lower, or its bill were its engine slower by the speed estimate's
    error (its ``speed-risk`` reason) exceeds #2's bill so priced (#2's bill where it has no such risk: an API row).
    The words name the numbers that decide it."""
    from advisor.ranking.explain import LOW_ROWS, error_population

    if runner is None or c.deployment != "self-hosted":
        return ""
    why = []
    p95 = _p95_ttft_ms(c)
    theirs = _p95_ttft_ms(runner) if p95 is not None else None
    # The order rests on the p95 only where #2 does better on it (an API row states none): where #2 misses the target by
    # more, the ranking keeps its order and the row's headroom note says the p95 misses.
    if w.latency == "interactive" and p95 is not None and w.ttft_ms and p95 > w.ttft_ms and (theirs is None or theirs < p95):
        other = (f"; #2's is {theirs:,.0f} ms" if theirs is not None else "")
        why.append(f"this option's p95 TTFT at the peak is {p95:,.0f} ms against your {w.ttft_ms:,.0f} ms target{other}")
    mine, theirs_usd = _at_error(c), _at_error(runner)
    risk = next((r.numbers for r in c.reasons if r.code == "speed-risk"), {})
    # Only where #1 leads on its bill: a #1 already dearer than #2 (a rule such as a LoRA plan's dense-first tie ranked
    # it first) does not rest on its speed; nor where #2, that much slower, would not serve the per-user speed at all.
    if risk.get("batch_at_error") == 0 and not cannot_serve_at_error(runner):
        why.append(f"were this option's engine {risk['estimate_error']:.0%} slower (the speed estimate's error) no batch would meet your TPOT target")
    elif (mine is not None and not cannot_serve_at_error(runner) and total(c) <= total(runner)
          and mine > (theirs_usd if theirs_usd is not None else total(runner))):
        err = risk.get("estimate_error_at_batch", risk.get("estimate_error"))  # the error of the batch it was priced at
        where = LOW_ROWS if "estimate_error_at_batch" in risk else error_population(c.batch)
        other = (f"{fmt.usd(theirs_usd)}/month at its own error" if theirs_usd is not None
                 else f"{fmt.usd(total(runner))}/month, which has no speed risk")
        ft = " (fine-tuning included)" if c.fine_tuning_monthly_usd else ""  # (its speed-risk line bills serving alone)
        why.append(f"were this option's engine {err:.0%} slower (the speed estimate's error, {where}) it would bill {fmt.usd(mine)}/month{ft}, more than #2's {other}")
    if not why:
        return ""
    a, b = total(c), total(runner)  # within the speed estimate's error of each other, a near tie; further apart, a lead
    near = not max(a, b) or abs(a - b) / max(a, b) < Decimal(str(risk.get("estimate_error", 0.0)))
    return f"; a fragile {'near tie with' if near else 'lead over'} #2, {runner.label}: {' and '.join(why)}, so its place rests on that number: benchmark both on your own traffic before you choose"


def unbilled_training_note(c: Candidate, w: Workload) -> str:
    """For #1 of a workload that plans fine-tuning without the run's size (``fine_tune_tokens`` or
    ``fine_tunes_per_month`` unset): the words, up front in its rank reason, that its bill leaves the training out and
    what to set to cost it ("" otherwise). Light and heavy plans alike: no run size is assumed, the bill is serving only."""
    from advisor.physics.training import method_for

    method = method_for(w.fine_tuning, w.fine_tuning_method)
    if not method or (w.fine_tune_tokens and w.fine_tunes_per_month) or c.fine_tuning_monthly_usd:
        return ""
    unset = " and ".join(f for f, v in (("fine_tune_tokens", w.fine_tune_tokens), ("fine_tunes_per_month", w.fine_tunes_per_month))
                         if not v)
    return (f"; training not billed: fine_tuning '{w.fine_tuning}' plans {method} fine-tunes but {unset} "
            f"{'is' if ' and ' not in unset else 'are'} not set, so this bill is serving only (set fine_tune_tokens and "
            f"fine_tunes_per_month to cost the runs)")


def extrapolated_note(c: Candidate, catalog) -> str:
    """For #1: where its speed rests on no calibration row of its GPU, or of its engine with a model of its kind (MoE or
    dense), the error the ranking quotes (near ties, the speed risk) was measured on other rows and does not bound this
    one: said beside the pick, not only at the end of its reasons (user trial 24: an MI300X on vLLM, dense, won by 21%
    against a 14% error that does not apply to it). The engine's reach is read from the row's own estimate warning
    (``coverage.reach_warning``, written as the estimate was made), not from the calibration file again."""
    eng = catalog.engines.get(c.engine or "") if catalog is not None and c.deployment == "self-hosted" else None
    if eng is None:
        return ""
    from advisor.physics.coverage import layout_head, uncalibrated_head

    off = [f"{c.gpu} is not in the calibration set"] if eng.calibrated_models is not None and c.gpu not in eng.calibrated_gpus else []
    heads = (uncalibrated_head(c.engine, c.architecture == "moe"), layout_head(c.layout or ""))  # (and its layout: trial 33)
    off += [h for h in heads if any(r.code == "estimate" and r.message.startswith(h) for r in c.reasons)]  # (#1's: shown)
    return (f"; its speed is extrapolated ({' and '.join(off)}): no calibration row bounds its error, so benchmark it "
            f"before signing" if off else "")
