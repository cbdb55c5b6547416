"""Headroom for queueing: how many replicas an interactive workload needs so that requests arriving at random
still meet the TTFT target, and the engines are not planned past a maximum utilization at the peak.

The model, per engine (a replica of ``dp`` engines behind a load balancer splits its traffic ``dp`` ways):

- **Arrivals.** Poisson at the peak rate ``λ = peak requests/s / engines`` (``peak`` is the day's peak-to-mean
  times the mean; the bursts inside an hour are already in that peak).
- **Attention ranks.** An engine with attention data parallelism (the ``dep`` layout: ``D`` attention ranks, experts
  over all of them) holds each sequence on one rank, which prefills it: its prompts form ``D`` queues (the engine's
  scheduler spreads requests over the ranks), each with ``λ / D`` arrivals, ``1 / D`` of the capacity and the service
  time of a prompt prefilled on one rank (``advisor.physics.performance``: the unloaded TTFT's prefill is that rank's
  work; SGLang's guide: each DP-attention replica stores only its own batch's KV cache and runs its attention on it,
  https://docs.sglang.io/advanced_features/dp_dpa_smg_guide.html, read 2026-12-05). Every figure below is then one
  rank's: ``queues`` = ``D`` in ``at_peak`` and ``planned_output_rate``; a batch slot, though, is any rank's (below).
- **Service.** The prefills queue for the engine one after another (first come, first served; each engine's
  token budget per step, ``max_num_batched_tokens``, is filled with one prompt's chunks before the next).
  A prefill occupies the engine for ``S`` = the prompt's prefill work alone: the unloaded TTFT of the estimate
  less the decode step it ends with (that step, at the operating batch, is the running streams' decode, not
  the prompt's, and at a large batch it is most of the TTFT: counting it made prefill look 95% busy on an
  engine decoding 395 sequences). Every request carries the workload's mean prompt, so ``S`` is deterministic: an **M/D/1** queue. Real
  prompt lengths vary; ``PREFILL_SCV`` (the squared coefficient of variation of ``S``) turns it into the
  general M/G/1 case.
- **Mean wait** ahead of a prefill, the Pollaczek–Khinchine formula for the M/G/1 queue::

      ρ  = λ S                                   (the share of time the engine spends prefilling)
      Wq = λ E[S²] / (2 (1 − ρ)) = ρ S (1 + c²) / (2 (1 − ρ))      (c² = Var S / S²; 0 for M/D/1)

  (L. Kleinrock, *Queueing Systems, Vol. 1: Theory*, Wiley 1975, ch. 5 "The queue M/G/1"; M. Harchol-Balter,
  *Performance Modeling and Design of Computer Systems*, Cambridge 2013, ch. 23; public statement:
  https://en.wikipedia.org/wiki/Pollaczek%E2%80%93Khinchine_formula). The mean TTFT a request sees is
  ``TTFT₀ + Wq`` (``TTFT₀`` the unloaded TTFT, prefill and its decode step), and it is what must meet the target.

- **Batch slots.** A request also needs one of the engine's ``c`` batch slots (its ``max_batch_size`` /
  ``--max-num-seqs``: the batch the estimate runs, which the launch files set), held for its whole life, ``H`` = TTFT₀
  + output x TPOT. Where all are taken it waits for one before its prefill: an **M/M/c** queue (output lengths vary
  about as much as an exponential's: a chosen figure), whose mean wait is Erlang's C formula (A. K. Erlang, 1917;
  Kleinrock vol. 1, ch. 3.5; https://en.wikipedia.org/wiki/Erlang_(unit)#Erlang_C_formula)::

      a = λ H,  B = Erlang B (c, a) by  B₀ = 1,  Bₖ = a Bₖ₋₁ / (k + a Bₖ₋₁),
      C = c B / (c − a (1 − B)),   Ws = C H / (c − a),   P(Ws > t) = C e^(−(c − a) t / H)

  It matters where the batch is small against the traffic it carries (a TPOT target on long requests: 12 slots held
  32 s each at 80% wait 4.9 s on average); with many slots it vanishes (over 1,000 slots and ``c − a > 6 √a``:
  P(wait) < 10⁻⁸, not computed). The mean TTFT is ``TTFT₀ + Wq + Ws``, and ``planned_output_rate`` lowers the rate until it meets the target.

- **Sizing.** ``TTFT₀ + Wq ≤ T`` holds exactly when ``ρ ≤ ρ_max = 2 (T − TTFT₀) / ((1 + c²) S + 2 (T − TTFT₀))``,
  so one engine may carry at most ``ρ_max / S`` requests/s. Its load is planned to at most ``max_utilization``
  (``Workload.max_utilization``, default 0.8: serving teams plan 60-80% load at the peak), both the capacity's
  cycle (``U``) and the prefills alone (``ρ``, which can exceed ``U`` at light load, below). The output rate one
  engine may be planned to carry is the smallest of the three::

      planned = min(max_utilization × capacity, min(ρ_max, max_utilization) / S × output_tokens)

  Both bounds are linear in the traffic, so replicas = ⌈load / (engines per replica × planned)⌉ for any hour's
  load, and the same per-engine figure serves every price row of a configuration.

- **Shares of the engine's time.** The capacity (output tokens/s) is the estimate's cycle of decode steps *and*
  the prefills that replace finished requests, so ``U = peak output rate / capacity`` is the share of the engine's
  time that is busy, prefills included. Of that, prefills take ``ρ = λ S`` (the queue's own figure); decode takes
  the rest, ``U − ρ``. A prompt prefilled alone (``S``) can cost more than its share of the cycle's batched
  prefill, so at light load ``ρ`` can exceed ``U``: decode is then shown as 0 and the busy share as ``ρ``. The
  two shares add up to the busy share ``max(U, ρ)``, at most ``max_utilization``.

- **TTFT percentile.** The wait's tail in the M/G/1 queue is exponential (the Cramér–Lundberg approximation)::

      P(Wq > t) ≈ C e^(−θ t),   θ > 0 the root of  λ (M(θ) − 1) = θ,   C = (1 − ρ) / (λ M'(θ) − 1)

  with ``M`` the moment generating function of ``S``: ``e^(θS)`` for a fixed prefill (M/D/1), the gamma
  distribution's ``(1 − θ S c²)^(−1/c²)`` for ``c² > 0`` (exponential at ``c² = 1``, where it is the exact
  M/M/1 result ``C = ρ``, ``θ = μ − λ``). The p-quantile of the wait is ``ln(C / (1 − p)) / θ``, and 0 when
  ``ρ ≤ 1 − p`` (a request waits at all with probability ``ρ``). The M/G/1 wait is the ruin probability of the
  compound-Poisson risk model with unit premium rate, whose Cramér–Lundberg asymptotic ``ψ(u) ≈ C e^(−R u)`` is
  the formula above (tail of the M/G/1 waiting time: "On the tail of the stationary waiting time distribution and
  limit theorems for the M/G/1 queue", Ann. Inst. H. Poincaré B 8(3), 1972, 255-263,
  http://archive.numdam.org/item/AIHPB_1972__8_3_255_0/). For the fixed prefill the wait's distribution is also
  known exactly (A. K. Erlang, 1909; C. D. Crommelin, "Delay probability formulae when the holding times are
  constant", P.O. Elect. Eng. J. 25, 1932)::

      P(Wq ≤ t) = (1 − ρ) Σ_{k=0}^{⌊t/S⌋} (λ (k S − t))^k / k! · e^(−λ (k S − t))

  an alternating sum that loses precision far out, where the tail is exact enough: the quantile is solved on
  it within 4 prefill times (the tail is off there: +5% at ρ 0.3, −3% at 0.1) and taken from the tail beyond (within
  0.1% of the exact figure).

- **Both waits' percentile.** A request waits for a slot (``X``), then for its prefill (``Y``). ``X`` is Erlang C's
  (0, or exponential with probability ``C_X``), ``Y`` is taken as its exponential tail (0, or exponential with
  probability ``C``, rate ``θ``); taken as independent, the sum's tail is three exponentials (``wait_quantile_s``),
  solved for ``1 − p``: within 4% of a simulated queue where both waits count (adding the two p95s was within
  -6%..+23%), and the M/D/1 quantile above where no slot is waited for. ``TTFT_p = TTFT₀ +`` that wait: the p95 is
  reported beside the mean, and a workload whose target is a percentile (``Workload.ttft_percentile``: 95 for an SLO
  written as p95 TTFT) is sized on it: ``ρ_max`` then solves ``S g_p(ρ) = T − TTFT₀`` (``max_prefill_load_at``: the
  M/D/1 wait's quantile is ``S`` times a function of ``ρ`` alone), and the slots' root-finding counts both waits.

What is left out: the decode steps interleaved with a prefill's chunks (they lengthen ``S`` under load), the spread of
prompt lengths (``PREFILL_SCV``), and the time a scaled-up replica needs to start (see ``billing.cold_start``). The
formulas are in ``advisor.cost.waits``. Batch work has a deadline, not a TTFT: it is
sized at full capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.cost.waits import (  # noqa: F401 - the waits' formulas, read as queueing's too
    EXACT_MD1_SERVICES,
    PREFILL_SCV,
    TTFT_PERCENTILE,
    max_prefill_load,
    max_prefill_load_at,
    prefill_wait_quantile_s,
    prefill_wait_s,
    slot_wait_quantile_s,
    slot_wait_s,
    wait_quantile_s,
)
from advisor.domain.workload import Workload


def hold_s(e, w: Workload) -> float:
    """How long a request holds its batch slot: its unloaded TTFT and its output at the TPOT (seconds), of an estimate
    or a candidate (both have ``ttft_ms`` and ``tpot_ms``); also the sequences in flight by Little's law."""
    return (e.ttft_ms + w.output_tokens * (e.tpot_ms or 0.0)) / 1000.0


def max_prefill_share(service_s: float, unloaded_s: float, w: Workload, cap: float = 1.0) -> float:
    """The largest prefill utilization, at most ``cap``, that keeps the workload's TTFT statistic (``ttft_percentile``: the
    mean, or that percentile) within its target, the batch slots aside: ``max_prefill_load`` or ``max_prefill_load_at``."""
    if w.ttft_percentile:
        return max_prefill_load_at(service_s, w.ttft_ms / 1000.0 - unloaded_s, w.ttft_percentile / 100.0, cap=cap)
    return min(cap, max_prefill_load(service_s, w.ttft_ms / 1000.0, unloaded_s=unloaded_s))


def queue_count(e) -> int:
    """The prefill queues of one engine: its attention data-parallel ranks (``dep``: each rank prefills the prompts
    whose sequences it holds), 1 otherwise. ``e``: an estimate (its ``parallelism``)."""
    lay = getattr(e, "parallelism", None)
    return max(1, getattr(lay, "data_parallel", 1) or 1)


def prefill_ms(e) -> float:
    """The prefill work of an estimate's unloaded TTFT: the TTFT less the decode step it ends with (``e.step``,
    the step at the operating batch); the whole TTFT when the estimate has no step."""
    step = getattr(e, "step", None)
    return max(0.0, e.ttft_ms - step.total_s * 1000.0) if step is not None else e.ttft_ms


def planned_output_rate(tokens_per_s: float, ttft_ms: float, w: Workload, prefill: float | None = None,
                        queues: int = 1, slots: float = 0.0, hold: float = 0.0) -> float:
    """Output tokens/s one engine may be planned to carry at the peak (see the module docstring): the capacity at
    ``w.max_utilization``, no more prompts than keep the prefills within it too, and no more than keep the mean
    TTFT within ``w.ttft_ms``. ``prefill``: the ms of prefill work in ``ttft_ms`` (``prefill_ms``; default the
    whole TTFT, which plans fewer requests; 0 leaves only the load cap: an upper bound). Batch work: the full
    capacity. ``queues``: the engine's attention ranks (``queue_count``), each a queue of its share of the prompts:
    the engine carries ``queues`` times what one rank may. ``slots``: the engine's batch slots, each held ``hold`` s
    (``hold_s``): no more than keeps the mean TTFT, the wait for a slot counted, within the target."""
    if w.latency != "interactive":
        return tokens_per_s
    rate = queues * _by_prefill(tokens_per_s / queues, ttft_ms, w, prefill)
    if slots and hold > 0 and rate > 0:
        rate = _within_slots(rate, ttft_ms / 1000.0, (ttft_ms if prefill is None else prefill) / 1000.0, w, slots, hold, queues)
    return rate


def planned_of(e, w: Workload, speed: float = 1.0) -> float:
    """``planned_output_rate`` of estimate ``e``'s engine, were it ``speed`` times as fast as estimated: its capacity
    times ``speed``, its unloaded TTFT, prefill work and slot time over it (the search plans with 1; the speed-risk
    line with ``1 - err``, where the TTFT target leaves less room for queueing)."""
    return planned_output_rate(e.output_tokens_per_s * speed, e.ttft_ms / speed, w, prefill_ms(e) / speed, queue_count(e),
                               e.batch, hold_s(e, w) / speed)


def _by_prefill(tokens_per_s: float, ttft_ms: float, w: Workload, prefill: float | None) -> float:
    """``planned_output_rate`` of one prefill queue, before the batch slots."""
    by_load = tokens_per_s * w.max_utilization
    service = (ttft_ms if prefill is None else prefill) / 1000.0
    if w.ttft_ms <= ttft_ms:
        return 0.0
    if service <= 0:
        return by_load
    rho = max_prefill_share(service, ttft_ms / 1000.0, w, w.max_utilization)
    return min(by_load, rho / service * w.output_tokens)


def _within_slots(rate: float, unloaded_s: float, service_s: float, w: Workload, slots: float, hold: float,
                  queues: int = 1) -> float:
    """An engine's ``rate`` (output tokens/s), lowered until the TTFT with both waits (a prefill's, on one of its
    ``queues`` ranks; a batch slot's, any of the engine's: engines hand a request to a rank with room) meets the
    target, as a mean or at the workload's percentile (``wait_quantile_s``): the waits rise with the rate, so a
    root-finding (regula falsi, to 1e-7 of the rate or of the target) finds it; one check where the slots' wait is small."""
    target, out, q = w.ttft_ms / 1000.0, w.output_tokens, w.ttft_percentile / 100.0

    def over(lam: float) -> float:  # how far the TTFT at ``lam`` requests/s is past the target (s)
        if q:
            return unloaded_s + wait_quantile_s(lam, service_s, q, queues, slots, hold) - target
        return unloaded_s + prefill_wait_s(lam / queues, service_s) + slot_wait_s(lam, slots, hold)[1] - target

    hi = rate / out
    f_hi = over(hi)
    if f_hi <= 0:
        return rate
    lo = 0.0
    at_lo = f_lo = unloaded_s - target  # no traffic, no wait (the unloaded TTFT meets the target: the caller checked)
    side, flat = 0, False
    # Regula falsi (Illinois: a side kept twice has its value halved, ``f_lo``/``f_hi``; ``at_lo`` keeps lo's own), halving
    # where a side is infinite or flat; to 1e-7 of the rate (relative to the bracket: a root far below the rate asked is found too) or of the target.
    while hi - lo > 1e-7 * hi and -at_lo > 1e-7 * target:
        x = lo - f_lo * (hi - lo) / (f_hi - f_lo) if math.isfinite(f_hi) and not flat else (lo + hi) / 2
        if not lo < x < hi:
            x = (lo + hi) / 2
        fx = over(x)
        if fx <= 0:
            flat = fx == at_lo  # no wait at the percentile yet (fewer than 1 - q of the requests wait): no slope to follow
            lo, f_lo, at_lo = x, fx, fx
            f_hi, side = (f_hi / 2, side) if side == -1 else (f_hi, -1)
        else:
            hi, f_hi, flat = x, fx, False
            f_lo, side = (f_lo / 2, side) if side == 1 else (f_lo, 1)
    return lo * out


@dataclass(frozen=True)
class Headroom:
    """What the peak's replicas run at: decode and prefill load, and the TTFT a request sees."""

    planned_utilization: float
    """Peak output rate over the capacity of the peak's replicas (``U``: the capacity's cycle counts decode steps and
    the prefills, so this is the busy share of both; ``decode_utilization`` is decode's part)."""
    max_utilization: float
    prefill_utilization: float
    """Share of each engine's time spent prefilling at the peak (``ρ``)."""
    wait_ms: float
    """Mean queueing wait ahead of a prefill at the peak (``Wq``)."""
    unloaded_ttft_ms: float
    ttft_ms: float
    """Mean TTFT at the peak: unloaded TTFT + the wait for a prefill + the wait for a batch slot."""
    target_ms: float
    bound: str
    """What set the replica count: ``utilization`` (decode headroom) or ``ttft`` (the queue ahead of a prefill)."""
    decode_utilization: float = 0.0
    """Share of each engine's time spent decoding at the peak: ``planned_utilization`` (decode and the prefills the
    capacity counts) less ``prefill_utilization``, at least 0. Decode + prefill = ``busy_utilization``."""
    wait_p95_ms: float = 0.0
    """95th percentile of the wait ahead of a prefill at the peak (M/G/1 exponential tail, module docstring)."""
    slots: float = 0.0
    """The engine's batch slots (all its ranks': a request goes to a rank with room); 0: no wait for one."""
    slot_wait_ms: float = 0.0
    """Mean wait for a batch slot at the peak (Erlang C; in ``ttft_ms``)."""
    slot_wait_p95_ms: float = 0.0
    load_cap_tokens_per_s: float = 0.0
    """Output tokens/s one engine may carry under the load caps alone (``max_utilization`` of the cycle and of the prefills)."""
    waits_p95_ms: float = 0.0
    """The 95th percentile of both waits together (``wait_quantile_s``: the prefill's alone where no slot is waited for)."""
    percentile: float = 0.0
    """The workload's ``ttft_percentile``: what the target bounds (0: the mean)."""
    waits_at_percentile_ms: float = 0.0
    """That percentile of both waits together (0 with a mean target)."""

    @property
    def busy_utilization(self) -> float:
        """Share of each engine's time that is busy at the peak: decode + prefill (``max(U, ρ)``)."""
        return self.decode_utilization + self.prefill_utilization

    @property
    def ttft_p95_ms(self) -> float:
        """95th-percentile TTFT at the peak: unloaded TTFT + ``waits_p95_ms``."""
        return self.unloaded_ttft_ms + self.waits_p95_ms

    @property
    def ttft_checked_ms(self) -> float:
        """The TTFT the target bounds at the peak: the mean, or (``percentile``) that percentile."""
        return self.unloaded_ttft_ms + self.waits_at_percentile_ms if self.percentile else self.ttft_ms


def at_peak(tokens_per_s: float, ttft_ms: float, engines: int, w: Workload, peak_to_mean: float,
            prefill: float | None = None, queues: int = 1, slots: float = 0.0, hold: float = 0.0) -> Headroom:
    """The headroom of ``engines`` engines (replicas x engines per replica) of ``tokens_per_s`` output tokens/s
    and ``ttft_ms`` unloaded TTFT (``prefill`` ms of it prefill work: ``prefill_ms``) carrying the peak
    (``peak_to_mean`` x the mean) of an interactive workload. With ``queues`` attention ranks an engine (``dep``),
    the figures are one rank's: ``engines x queues`` queues of ``tokens_per_s / queues`` each. ``slots`` batch slots an
    engine, each held ``hold`` s: the wait for one is in the TTFT."""
    if queues > 1:
        engines, tokens_per_s = max(1, engines) * queues, tokens_per_s / queues
    engines = max(1, engines)
    rate = w.mean_requests_per_s * peak_to_mean / engines
    service = (ttft_ms if prefill is None else prefill) / 1000.0
    wait = prefill_wait_s(rate, service) * 1000.0
    planned = rate * w.output_tokens / tokens_per_s if tokens_per_s > 0 else math.inf
    # What sets the count: the TTFT bound when it is below both load caps (the cycle's and the prefills' alone).
    by_load = min(tokens_per_s, w.output_tokens / service if service > 0 else math.inf) * w.max_utilization
    cap = by_load / w.output_tokens * service  # the load caps as a prefill share: the TTFT bound sets the count below it
    by_ttft = max_prefill_share(service, ttft_ms / 1000.0, w, cap * (1 + 1e-9)) / service * w.output_tokens \
        if service > 0 else math.inf
    if slots and hold > 0 and by_ttft >= by_load:  # the slots' wait may set the count where the prefill's does not
        by_ttft = _within_slots(by_load * queues, ttft_ms / 1000.0, service, w, slots, hold, queues) / queues * (1 + 1e-9)
    bound = "ttft" if by_ttft < by_load else "utilization"
    prefill = rate * service
    slot_ms = slot_wait_s(rate * queues, slots, hold)[1] * 1000.0 if slots and hold > 0 else 0.0  # any of the engine's slots
    q = w.ttft_percentile / 100.0
    p95 = wait_quantile_s(rate * queues, service, 0.95, queues, slots, hold) * 1000.0
    at_q = (p95 if q == 0.95 else wait_quantile_s(rate * queues, service, q, queues, slots, hold) * 1000.0) if q else 0.0
    return Headroom(planned_utilization=planned, max_utilization=w.max_utilization, prefill_utilization=prefill,
                    wait_ms=wait, unloaded_ttft_ms=ttft_ms, ttft_ms=ttft_ms + wait + slot_ms, target_ms=w.ttft_ms, bound=bound,
                    decode_utilization=max(0.0, planned - prefill),
                    wait_p95_ms=prefill_wait_quantile_s(rate, service) * 1000.0, slots=slots if slot_ms > 0 else 0.0,
                    slot_wait_ms=slot_ms, slot_wait_p95_ms=slot_wait_quantile_s(rate * queues, slots, hold) * 1000.0 if slot_ms > 0 else 0.0,
                    load_cap_tokens_per_s=by_load * queues,
                    waits_p95_ms=p95, percentile=w.ttft_percentile, waits_at_percentile_ms=at_q)
