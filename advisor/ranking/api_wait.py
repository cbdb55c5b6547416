"""How long an API row's visible answer waits where its provider's speed or TTFT is not measured: a reasoning row's
thinking tokens bounded by the fastest measured speed (certainly late) or by the speed an unmeasured provider is
assumed to reach (likely late), and the note on a first choice whose TTFT no one measured under a tight target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import cost
from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Reason, known_reasons
from advisor.domain.workload import Workload

if TYPE_CHECKING:
    from advisor.ranking.context import Context


OPTIMISTIC_API_TOKENS_PER_S = 3000.0
"""An optimistic speed for a per-token API whose model no provider in the catalog has a measured speed for: about
the fastest output rate published for any API (Cerebras, gpt-oss-120B, ~3,000 tokens/s; reported at
https://ailearningguides.com/cerebras-llama-405b-969-tokens-second/, read 2026-12-04). Used only to decide that a
reasoning row's thinking cannot fit under a TTFT target even at that speed."""

CUSTOM_SILICON = frozenset({"cerebras", "groq", "sambanova"})
"""API providers that serve on their own accelerators (wafer-scale engines, LPUs, RDUs) rather than GPUs. Their
published output speeds are 2-4x any GPU provider's for the same model (gpt-oss-120B: Cerebras 1,844 tokens/s,
SambaNova 738, the fastest GPU provider 525; https://artificialanalysis.ai/models/gpt-oss-120b-low/providers,
read 2026-12-04), so they do not bound how fast a GPU-based provider with no measured speed can think."""

OPTIMISTIC_GPU_API_TOKENS_PER_S = 1000.0
"""The optimistic speed for a GPU-based API whose model no GPU-based provider in the catalog has a measured speed for:
about 1.5x the fastest NVIDIA-based API speed published (Baseten, gpt-oss-120B on B200 with EAGLE-3 speculative
decoding, 650+ tokens/s as measured by Artificial Analysis;
https://www.baseten.co/blog/how-we-made-the-fastest-gpt-oss-on-nvidia-gpus-60-percent-faster, read 2026-12-04). Live
p50 speeds of GPU providers for the smaller gpt-oss-20b are 32-138 tokens/s
(https://vercel.com/ai-gateway/models/gpt-oss-20b, read 2026-12-04), far under it."""


def fastest_measured(ctx: Context, model: str, provider: str = "") -> tuple[float, str]:
    """(output tokens/s, who) of the fastest measured API for ``model`` in the catalog, whatever the workload's provider
    filter, among providers on the same kind of hardware as ``provider`` (GPU or custom silicon, ``CUSTOM_SILICON``);
    else the optimistic bound."""
    custom = provider in CUSTOM_SILICON
    memo = ctx.shared.setdefault("fastest-api", {})
    key = (model, custom)
    if key not in memo:
        rows = [p for p in ctx.prices.api_offers(model)
                if p.output_tokens_per_s and (custom or p.provider not in CUSTOM_SILICON)]
        kind = "" if custom else "GPU-based "
        if rows:
            p = max(rows, key=lambda p: p.output_tokens_per_s)
            memo[key] = (p.output_tokens_per_s, f"the fastest measured speed of any {kind}provider for {model} in the catalog "
                                                f"({p.provider}, {p.output_tokens_per_s:,.0f} tokens/s)")
        elif custom:
            memo[key] = (OPTIMISTIC_API_TOKENS_PER_S, f"an optimistic {OPTIMISTIC_API_TOKENS_PER_S:,.0f} tokens/s (about the "
                         f"fastest published for any API; no provider's speed for {model} is measured)")
        else:
            memo[key] = (OPTIMISTIC_GPU_API_TOKENS_PER_S, f"an optimistic {OPTIMISTIC_GPU_API_TOKENS_PER_S:,.0f} tokens/s "
                         f"(above the fastest published for any GPU-based API; no GPU-based provider's speed for {model} "
                         f"is measured)")
    return memo[key]


UNMEASURED_SPEED_SHARE = 0.5
"""The share of the fastest measured speed (``fastest_measured``) a provider whose own speed is not measured is assumed to
reach, for deciding that a reasoning row likely answers late. Being among the fastest of a model's providers is not a
safe assumption: of 17 providers of gpt-oss-120B (low) Artificial Analysis measured, the GPU-based ones nearest the
fastest were 525, 502 and 485 tokens/s, with a 39x spread from the fastest to the slowest, and the lowest time to the
first answer token of any GPU-based one was 4.52 s (Clarifai; https://artificialanalysis.ai/models/gpt-oss-120b-low/providers
and https://alatirok.com/ai-inference-speed-2026/, read 2026-12-06). Trial 36: a row needing 473 tokens/s, 90% of the
fastest measured, ranked #1 under a 1.5 s target."""


def bounded_wait(c: Candidate, w: Workload, ctx: Context) -> Candidate:
    """An interactive API reasoning row with an unmeasured speed (``reasoning-wait``) whose thinking tokens cannot fit
    under the TTFT target even at an optimistic speed (TTFT itself not counted) answers late for sure: its
    ``reasoning-wait`` becomes a ``reasoning-latency`` warning with that lower bound, so it ranks as a late row. One
    whose tokens fit only above ``UNMEASURED_SPEED_SHARE`` of that speed likely answers late: the same, said as likely."""
    if w.latency != "interactive" or c.deployment != "api" or c.mode != "reasoning":
        return c
    known = known_reasons(c.reasons)
    wait = next((r for r in known if r.code == "reasoning-wait"), None)
    if wait is None or any(r.code == "reasoning-latency" for r in known):
        return c
    thinking = wait.numbers.get("reasoning_tokens") or 0
    speed, which = fastest_measured(ctx, c.model, c.provider)
    wait_ms = thinking * 1000.0 / speed
    if wait_ms <= w.ttft_ms:
        assumed = speed * UNMEASURED_SPEED_SHARE
        likely_ms = thinking * 1000.0 / assumed
        if likely_ms <= w.ttft_ms:
            return c
        need = thinking * 1000.0 / w.ttft_ms
        late = Reason("reasoning-latency", f"the visible answer likely starts after the {w.ttft_ms:,.0f} ms time-to-first-token "
                      f"target: {thinking:,} reasoning tokens fit under it only above {need:,.0f} tokens/s, {need / speed:.0%} of "
                      f"{which}, and {fmt.possessive(c.provider)} own speed is not measured; assumed at "
                      f"{UNMEASURED_SPEED_SHARE:.0%} of that ({assumed:,.0f} tokens/s), it starts after about "
                      f"{likely_ms / 1000:,.1f} s, TTFT not counted (providers of one model differ many times over in speed)",
                      "decisive", {"visible_wait_ms": likely_ms, "likely": True, "assumed_output_tokens_per_s": assumed,
                                   "needed_tokens_per_s": need})
        reasons = tuple(r for r in c.reasons if r is not wait) + (late,) if isinstance(c.reasons, tuple) else c.reasons + (late,)
        return c.evolve(reasons=reasons)
    late = Reason("reasoning-latency", f"the visible answer starts after at least {wait_ms / 1000:,.2f} s: {thinking:,} reasoning "
                  f"tokens even at {which}, TTFT not counted, over the {w.ttft_ms:,.0f} ms time-to-first-token target "
                  f"({fmt.possessive(c.provider)} own speed is not measured)", "decisive",
                  {"visible_wait_ms": wait_ms, "lower_bound": True, "assumed_output_tokens_per_s": speed})
    reasons = tuple(r for r in c.reasons if r is not wait) + (late,) if isinstance(c.reasons, tuple) else c.reasons + (late,)
    return c.evolve(reasons=reasons)


TIGHT_TTFT_MS = 1000.0
"""Below this time-to-first-token target an API's unmeasured TTFT is not taken on trust. Shared per-token APIs report
median TTFTs of about 200-700 ms (end-user measurements of April 2026: Llama 3.3 70B via Together ~200 ms, DeepSeek V3
via Fireworks ~250 ms, Claude Sonnet 4.6 ~500 ms, GPT-5 ~700 ms: https://aistackwatch.com/en/wiki/latency), and
shared capacity can spike to 2-5 s at peak hours (https://theneuralbase.com/ai-apis-comparison/learn/intermediate/
time-to-first-token-by-provider/): a target under a second sits inside that spread."""


FASTEST_API_TTFT_MS = 200.0
"""The fastest of those medians (``TIGHT_TTFT_MS``'s sources): a target below it is below every shared API measured."""


PROMPT_TOKENS_OF_THE_MEDIANS = 1000.0
"""Those medians are for chat-sized prompts (about this many tokens); a longer prompt's prefill adds to the TTFT
roughly in proportion, so the threshold scales with the uncached prompt tokens over this (24k tokens: 24 s)."""


def latency_verified(c: Candidate) -> bool:
    """Whether ``c``'s time to first token is known: computed (self-hosted) or measured (an API row's TTFT, not only
    its speed: a row whose measured line reads "TTFT not measured" is not)."""
    return c.deployment != "api" or any(r.code == "api-latency" and r.severity != "warning" and r.numbers.get("ttft_ms")
                                        for r in known_reasons(c.reasons))


def unverified_latency_note(c: Candidate, candidates, w: Workload) -> str:
    """For a first choice whose TTFT is not measured, under a tight target: the best option whose TTFT is known."""
    new = w.input_tokens * (1.0 - w.cached_input_fraction)
    if w.latency != "interactive" or w.ttft_ms >= TIGHT_TTFT_MS * max(1.0, new / PROMPT_TOKENS_OF_THE_MEDIANS) \
            or latency_verified(c):
        return ""
    known = next(((i, x) for i, x in enumerate(candidates) if latency_verified(x)), None)
    if known is None and w.ttft_ms < FASTEST_API_TTFT_MS:
        return (f"; no option is known to meet {fmt.a_number(f'{w.ttft_ms:,.0f}')} ms TTFT target: no self-hosted configuration computes "
                f"one that short (see the rejections), and shared APIs measure about 200 ms at best, so the rows ranked "
                f"are APIs whose TTFT is not measured: a looser target ranks what can meet it")
    if known is None:
        return f"; no option's TTFT is measured or computed for this {w.ttft_ms:,.0f} ms target: measure before you commit"
    i, x = known
    more = cost.money(x.monthly_total_usd - c.monthly_total_usd)
    where = ("below what shared APIs measure at best (about 200 ms)" if w.ttft_ms < FASTEST_API_TTFT_MS
             else "inside the spread of shared APIs")
    wait = next((r.numbers for r in known_reasons(c.reasons) if r.code == "reasoning-wait"), None)
    thinks = (f" (and it thinks for about {wait['reasoning_tokens']:,} tokens first: within the target only if "
              f"{c.provider} generates faster than {wait['needed_tokens_per_s']:,.0f} tokens/s)") if wait and "needed_tokens_per_s" in wait else ""
    return (f"; this API's TTFT is not measured{thinks}, and {fmt.a_number(f'{w.ttft_ms:,.0f}')} ms target is {where}: the first "
            f"option with a {'measured' if x.deployment == 'api' else 'computed'} TTFT is #{i + 1}, {x.label}, "
            f"{fmt.usd(more)}/month more")
