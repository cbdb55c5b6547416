"""Plain-text rendering of a Recommendation (shared by `recommend` and `report show`)."""

from __future__ import annotations

import shutil
import textwrap

from advisor.common import fmt
from advisor.domain.quality import mode_name
from advisor.domain.candidate_text import break_even_text, hourly_text, per_mtok_text
from advisor.domain.recommendation import Candidate, Recommendation, near_misses_first
from advisor.domain.constraints import constraint_text, constraints
from advisor.domain.workload import Workload
from advisor.domain.traffic import zone
from advisor.ranking.explain import ALL_ROWS


def _width() -> int:
    return max(60, min(120, shutil.get_terminal_size((100, 24)).columns))


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    first = indent if first is None else first
    return textwrap.fill(text, width=_width(), initial_indent=first, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)



def config_text(c: Candidate) -> str:
    """``API: provider`` or ``R × G gpu precision (provider)``: R replicas of G GPUs (``fmt.REPLICA_LEGEND``)."""
    if c.deployment == "api":
        return c.configuration
    reps = c.replicas_peak if c.replicas_peak is not None else c.replicas
    low = f"{c.replicas_min}-" if c.replicas_min is not None and c.replicas_min != reps else ""
    kind = " serverless" if c.pricing_kind == "serverless" else ""  # trial 40: a flex worker's row read as a pod's
    return f"{low}{fmt.replicas_gpus(reps, c.gpus, c.gpu)} {c.precision} ({c.provider}{kind})"


def mode_label(c: Candidate) -> str:
    """``thinking`` / ``no thinking`` for a row of a model ranked once per answering mode; "" otherwise."""
    return mode_name(c.mode)


def _named(name: str, c: Candidate) -> str:
    return f"{name} ({mode_label(c)})" if c.mode else name


def decision_lines(c: Candidate) -> list[tuple[str, str]]:
    """(label, text) of the figures a decision rests on besides cost: the answering mode and its output-token
    multiplier, the quantization's quality change and its source, the multi-LoRA adapters' memory and overhead."""
    out: list[tuple[str, str]] = []
    if c.mode:
        mult = c.output_multiplier or 1.0
        out.append(("mode", f"{mode_label(c)}: {mult:g}x output tokens per visible answer token"
                    + (" (the reasoning tokens are billed and served)" if mult != 1.0 else "")))
    if c.quality_delta_source:
        if c.quality_delta is None:
            change = f"{c.precision}: quality change unmeasured"
        elif c.quality_delta_source.startswith("upcast"):  # a 4-bit checkpoint served wider
            change = f"{c.precision}: {c.quality_delta_source}"
        elif c.quality_delta_source == "native" or (c.quality_delta == 0 and not c.quality_delta_source.startswith("http")):
            change = f"{c.precision}: native precision, no change"
        elif c.quality_delta == 0:  # a published checkpoint of this precision (gpt-oss MXFP4), or a measured no-loss
            change = f"{c.precision}: no quality change ({c.quality_delta_source})"
        else:
            change = f"{c.precision}: {c.quality_delta:+.1f} points from {c.quality_delta_source}"
        score = f"{c.quality_benchmark} {fmt.num(c.quality, 1)}, " if c.quality is not None else ""
        out.append(("quality", score + change))
    lr = next((r for r in c.reasons if r.code == "multi-lora"), None)
    if lr is not None:
        n = lr.numbers
        on_gpu = n.get("lora_adapters_on_gpu", n["lora_adapters"])
        where = "all on the GPUs" if on_gpu >= n["lora_adapters"] else f"{on_gpu} on the GPUs at once, the rest in host memory"
        out.append(("adapters", (f"{n['lora_adapters']} LoRA adapter{'s' if n['lora_adapters'] != 1 else ''} x rank {n['lora_rank']} "
                    f"({where}): {fmt.gb(n['adapter_bytes'])} each, {fmt.gb(n['adapter_bytes_per_gpu'])} a GPU from the KV cache; "
                    f"+{n['lora_overhead']:.1%} a step (uncalibrated)")))
    return out


def candidates_table(cands: list[Candidate], w=None) -> str:
    rows = []
    from advisor.ranking.ties import demoted_ranks

    down = demoted_ranks(cands, w) if w is not None else set()
    for c in cands:
        rows.append([
            str(c.rank), _named(c.model, c), c.architecture, c.deployment, config_text(c), fmt.per_mtok(c.usd_per_mtok, c.monthly_cost_usd),
            fmt.usd(c.monthly_total_usd), fmt.pct(c.utilization) if c.utilization is not None else "-",
            fmt.num(c.quality, 1) if c.quality is not None else "-",
            ("*" if c.pareto else "") + (fmt.DEMOTED if c.rank in down else ""),
        ])
    legend = f"\nconfiguration: {fmt.REPLICA_LEGEND}" if any(c.deployment != "api" for c in cands) else ""
    if down:
        legend += f"\n{fmt.DEMOTED} = ranked after dearer rows by a rule (its rank reason says which)"
    serving = ("\n$/M tok: serving only; monthly includes the fine-tuning runs" + (fmt.UNTRAINED_ROWS if fmt.untrained_rows(cands) else "")
               if any(c.fine_tuning_monthly_usd for c in cands) else "")
    closed = "\narch closed: API-only (closed weights), sold per token by its vendor, never self-hosted" if any(
        c.architecture == "closed" for c in cands) else ""
    return (fmt.table(["#", "model", "arch", "deployment", "configuration", "$/M tok", "monthly", "util", "quality", "front"],
                      rows, "rllllrrrrl") + legend + serving + closed)


def breakdown(c: Candidate, rec: Recommendation) -> str:
    w = rec.workload
    closed = " · API-only (closed weights)" if c.architecture == "closed" else ""
    lines = [f"#{c.rank} {_named(c.model_name, c)} — {config_text(c)}{closed}"]
    ft = f" (serving {fmt.usd(c.monthly_cost_usd)} + fine-tuning {fmt.usd(c.fine_tuning_monthly_usd)})" if c.fine_tuning_monthly_usd else ""
    lines.append(f"  cost        {fmt.usd(c.monthly_total_usd)}/month{ft}, {per_mtok_text(c)}"
                 + (f", {hourly_text(c)}" if c.hourly_usd is not None else "")
                 + f"   (price: {c.provider}, as of {c.price_as_of})")
    if c.billed_gpu_hours_per_month is not None:
        lines.append(f"  billed      {fmt.hours(c.billed_gpu_hours_per_month)} GPU-hours/month x {fmt.usd_rate(c.usd_per_gpu_hour)} = "
                     f"{fmt.usd(c.monthly_cost_usd)} ({c.scaling}, {c.pricing_kind}, {c.replica_range}, {c.instance_gpus}-GPU instances)")
    if c.engine:  # which engine and layout the figures below assume (recommend searches the engines per row)
        dp = f"; {c.engines_per_replica} engines side by side a replica" if (c.engines_per_replica or 1) > 1 else ""
        lines.append(f"  engine      {c.engine}, layout {c.layout} ({c.parallelism}){dp}")
    if c.memory:
        m = c.memory
        kv = f" ({c.kv_precision})" if c.kv_precision else ""
        copied = " (the non-expert weights on every GPU: attention data parallel)" if c.layout == "dep" else ""
        lines.append(f"  memory      {fmt.gb(m.capacity_bytes)} on {c.gpus} GPU(s) = weights {fmt.weights(m.weights_bytes, c.engines_per_replica)}{copied} + KV cache{kv} "
                     f"{fmt.gb(m.kv_cache_bytes)} ({fmt.mean_count(m.concurrency, 'sequence')} in flight at peak x {m.kv_context_tokens or w.tokens_per_request:,} tokens"
                     f"{fmt.admitted(m.kv_context_tokens, w.input_tokens, w.output_tokens, c.engine)}) + reserve "
                     f"{fmt.gb(m.reserve_bytes)} + free {fmt.gb(m.free_bytes)}")
        lines.append(f"  speed       {fmt.num(c.output_tokens_per_s_per_replica)} output tokens/s per replica at batch {c.batch} "
                     f"({c.bound}-bound); TTFT {fmt.num(c.ttft_ms)} ms, TPOT {fmt.num(c.tpot_ms, 1)} ms; {c.parallelism}")
        table = ", ".join(f"{p.utilization:.0%}: {fmt.per_mtok(p.usd_per_mtok, c.monthly_cost_usd)}" for p in c.utilization_table)
        single = (f"; one user alone: {fmt.per_mtok(c.single_stream_usd_per_mtok, c.monthly_cost_usd)}"
                  if c.single_stream_usd_per_mtok is not None else "")
        lines.append(f"  $/M by utilization  {table}{single}")
        if c.break_even_vs:
            lines.append(f"  break-even  {break_even_text(c)} (vs {c.break_even_vs})")
    lines += [f"  {label:<11} {text}" for label, text in decision_lines(c)]
    lines = [lines[0]] + [textwrap.fill(x, width=_width(), subsequent_indent=" " * 14, break_on_hyphens=False,
                                        break_long_words=False) for x in lines[1:]]
    for r in c.reasons:
        mark = {"decisive": "!", "warning": "~"}.get(r.severity, "-")
        lines.append(_wrap(r.message, "    ", f"  {mark} "))
    return "\n".join(lines)


def _within_error(r, w, p90: float | None) -> str:
    """A latency miss smaller than the throughput estimate's 90th-percentile error: said, since a benchmark may pass it
    (sizes are exact; speeds are estimates)."""
    margin = r.margin(w) if r.reasons and r.reasons[0].code in ("ttft", "too-slow") else None
    if margin is not None and r.reasons[0].numbers.get("within_error"):  # the reason says it already (``near_miss``)
        return ""
    if margin is None or not p90 or margin >= p90:
        return ""
    return f" ({margin:.0%} over: within the speed estimate's {p90:.0%} error, {ALL_ROWS}, so a benchmark may meet the target)"


def fastest_misses(rejected) -> list[str]:
    """Where no self-hosted row is ranked: the fastest TTFT and TPOT among the configurations that work but miss the
    target, so the user sees what target a self-hosted deployment could meet."""
    out = []
    for code, key, what in (("ttft", "ttft_ms", "time to first token"), ("too-slow", "tpot_ms", "time per output token")):
        misses = [r for r in rejected if r.reasons and r.reasons[0].code == code and key in r.reasons[0].numbers]
        if misses:
            r = min(misses, key=lambda r: r.reasons[0].numbers[key])
            ms = r.reasons[0].numbers[key]
            when = f"{ms / 1000:,.1f} s" if ms >= 5_000 else f"{ms:,.0f} ms"
            out.append(f"the fastest {what} any self-hosted option reaches: {when} on {r.label}")
    return out


def _misses_ttft(rec: Recommendation) -> bool:
    """No ranked row meets the TTFT target (#1's rank reason says so: ``ties.none_meets_ttft``)."""
    return bool(rec.candidates) and any(r.code == "rank" and r.numbers.get("misses_ttft") for r in rec.candidates[0].reasons)


def default_filters(w: Workload) -> str:
    """The filters a workload leaves at their defaults, which still leave options out (the summary line names the
    others, ``constraints.constraints``): ``weights in bf16, fp8 (4-bit: --precisions); at most 8 GPUs a replica
    (--max-gpus); GPU price kinds on-demand, serverless (--pricing); ``, or "" for API-only work."""
    if w.self_hosting == "not-wanted":
        return ""
    out = [f"weights in {', '.join(w.precisions)} (4-bit: --precisions)"] if w.precisions == Workload.precisions else []
    out += [] if w.max_gpus != Workload.max_gpus else [f"at most {w.max_gpus} GPUs a replica (--max-gpus)"]
    out += [] if w.pricing else [f"GPU price kinds {', '.join(w.pricing_kinds)} (--pricing)"]
    if w.latency == "interactive" and w.output_tokens_per_s_per_user == Workload.output_tokens_per_s_per_user:
        # trial 39: the default per-user speed set the batch, and so the replicas, with nothing saying it was a default
        out.append(f"{w.output_tokens_per_s_per_user:g} tokens/s per user, a TPOT of {1000 / w.output_tokens_per_s_per_user:g} ms "
                   "that caps each engine's batch (--tokens-per-s-per-user)")
    return "".join(f"{x}; " for x in out)


def render(rec: Recommendation, top: int = 10, details: int = 3, rejected: int = 8) -> str:
    w = rec.workload
    edited = f" ({w.description})" if w.name == "custom" and w.description.startswith("edited from ") else ""
    out = [_wrap(f"Workload '{w.name}'{edited}: {w.requests_per_day:{',.0f' if w.requests_per_day >= 10 else '.3g'}} requests/day, {w.input_tokens:,} in / {w.output_tokens:,} out tokens, "
           f"{'hourly profile' if w.hourly_profile else w.traffic_shape} (peak {round(w.peak_to_mean, 2):g}x"
           f"{', hours in ' + zone(w.utc_offset_hours) if w.utc_offset_hours else ''}"
           f"{f', {w.days_per_week:g} days a week' if w.days_per_week < 7 else ''}), {w.latency}"
           + (f" ({f'p{w.ttft_percentile:g} ' if w.ttft_percentile else ''}TTFT {w.ttft_ms:,.0f} ms, {w.output_tokens_per_s_per_user:g} tokens/s per user)" if w.latency == "interactive"
              else f" (deadline {w.deadline_hours:g} h)")
           + f", fine-tuning {w.fine_tuning}, context {w.context_typical_tokens:,} typical / {w.context_max_tokens:,} max, "
           f"self-hosting {w.self_hosting}" + (f", quality >= {w.min_quality:g} {w.quality_benchmark}" if w.min_quality else "")
           + (f"; {constraint_text(w)}" if constraints(w) else "")), ""]
    if not rec.candidates:
        out.append("No feasible option. Why the options were rejected:")
    else:
        out.append(candidates_table(list(rec.candidates[:top]), w))
        more = len(rec.candidates) - top
        if more > 0:
            out.append(f"... {more} more candidates (--top N shows more; * = on the cost/quality front)")
        out.append("")
        for c in rec.candidates[:details]:
            out.append(breakdown(c, rec))
            out.append("")
    if rec.rejected and rejected:
        # filters first, near misses by margin, API rejections after them, models without a score last
        shown = near_misses_first(rec.rejected, w)[:rejected]
        out.append(f"Rejected ({len(rec.rejected)}; showing {len(shown)}, near misses first):")
        if not any(c.deployment == "self-hosted" for c in rec.candidates) or _misses_ttft(rec):
            out += [_wrap(line, "    ", "  ") for line in fastest_misses(rec.rejected)]
        p90 = (rec.assumptions.get("calibration") or {}).get("p90_abs_error")
        for r in shown:
            out.append(_wrap(f"{r.label}: {r.reasons[0].message}{_within_error(r, w, p90)}", "    ", "  x "))
        out.append("")
    for note in rec.notes:
        out.append(_wrap(f"note: {note}"))
    used = rec.assumptions.get("engines_used")
    engines = (f"self-hosted rows served by {', '.join(used)} (in rank order; each row's own engine)" if used
               else "no self-hosted row ranked" if used is not None else rec.assumptions.get("engine"))
    out.append(_wrap(f"assumes: {engines}; {default_filters(w)}{rec.assumptions.get('utilization_model')}"))
    return "\n".join(out).rstrip() + "\n"
