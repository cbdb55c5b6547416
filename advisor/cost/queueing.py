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
  0.1% of the exact figure). ``TTFT_p95 = TTFT₀ + Wq_p95``: reported, not sized on.

What is left out: the decode steps interleaved with a prefill's chunks (they lengthen ``S`` under load), sizing
on a TTFT percentile (only the mean is checked against the target; the p95 is reported) and the time a
scaled-up replica needs to start (see ``billing.cold_start``). Batch work has a deadline, not a TTFT: it is
sized at full capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.domain.workload import Workload

PREFILL_SCV = 0.0
"""Squared coefficient of variation of the prefill time: 0 (every prompt the mean length) makes the queue M/D/1."""


def prefill_wait_s(rate_per_s: float, service_s: float, scv: float = PREFILL_SCV) -> float:
    """Mean wait ahead of a prefill (Pollaczek–Khinchine): ``ρ S (1 + c²) / (2 (1 − ρ))`` with ``ρ = λ S``;
    infinite when ``ρ ≥ 1`` (the queue grows without bound)."""
    rho = rate_per_s * service_s
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return math.inf
    return rho * service_s * (1 + scv) / (2 * (1 - rho))


def slot_wait_s(rate_per_s: float, slots: float, hold_s: float) -> tuple[float, float]:
    """(probability that a request waits, its mean wait in s) for one of ``slots`` batch slots, each held ``hold_s``:
    Erlang C (the module docstring); (1, inf) where the slots cannot carry the rate, (0, 0) where the wait vanishes."""
    c, a = int(slots), rate_per_s * hold_s
    if a <= 0 or c <= 0:
        return (0.0, 0.0) if a <= 0 else (1.0, math.inf)
    if a >= c:
        return 1.0, math.inf
    if c > 1000 and c - a > 6.0 * math.sqrt(a):  # many slots, beta > 6 (Halfin-Whitt, a normal load): P(wait) under 1e-8
        return 0.0, 0.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p = c * b / (c - a * (1 - b))
    return p, p * hold_s / (c - a)


def slot_wait_quantile_s(rate_per_s: float, slots: float, hold_s: float, q: float = 0.95) -> float:
    """The ``q`` quantile of the wait for a batch slot: ``H / (c − a) ln(C / (1 − q))``, 0 where fewer than 1 − q wait."""
    p, mean = slot_wait_s(rate_per_s, slots, hold_s)
    if p <= 1 - q or mean == 0:
        return 0.0
    return math.inf if math.isinf(mean) else mean / p * math.log(p / (1 - q))


def hold_s(e, w: Workload) -> float:
    """How long a request holds its batch slot: its unloaded TTFT and its output at the TPOT (seconds), of an estimate
    or a candidate (both have ``ttft_ms`` and ``tpot_ms``); also the sequences in flight by Little's law."""
    return (e.ttft_ms + w.output_tokens * (e.tpot_ms or 0.0)) / 1000.0


TTFT_PERCENTILE = 0.95
"""The TTFT percentile the headroom reports besides the mean."""


def _mgf(theta: float, service_s: float, scv: float) -> tuple[float, float]:
    """The service time's moment generating function and its derivative at ``theta``: fixed (``scv`` 0) or gamma."""
    if scv <= 0:
        m = math.exp(theta * service_s)
        return m, service_s * m
    k, scale = 1.0 / scv, service_s * scv
    base = 1.0 - theta * scale
    return base ** -k, service_s * base ** (-k - 1)


def prefill_wait_quantile_s(rate_per_s: float, service_s: float, q: float = TTFT_PERCENTILE,
                            scv: float = PREFILL_SCV) -> float:
    """The ``q``-quantile of the wait ahead of a prefill: ``ln(C / (1 − q)) / θ`` from the exponential tail
    ``P(Wq > t) ≈ C e^(−θ t)`` of the M/G/1 queue (module docstring), or for a fixed prefill within
    ``EXACT_MD1_SERVICES`` prefill times, Erlang's exact M/D/1 distribution; 0 when ``ρ ≤ 1 − q``, infinite when
    ``ρ ≥ 1``."""
    rho = rate_per_s * service_s
    if rho <= 1.0 - q or service_s <= 0:
        return 0.0
    if rho >= 1:
        return math.inf

    def excess(theta: float) -> float:
        return rate_per_s * (_mgf(theta, service_s, scv)[0] - 1.0) - theta

    # excess is 0 at θ = 0, falls (slope ρ − 1 < 0), then rises without bound (convex): one positive root. Newton's
    # method from a point where excess > 0 descends to it monotonically (a gamma MGF has a pole at 1 / (S c²)).
    if scv <= 0:
        theta = 1.0 / service_s
        while excess(theta) <= 0:
            theta *= 2.0
    else:
        pole = 1.0 / (service_s * scv)
        theta = pole / 2
        while excess(theta) <= 0:
            theta = (theta + pole) / 2
    for _ in range(100):
        step = excess(theta) / (rate_per_s * _mgf(theta, service_s, scv)[1] - 1.0)
        theta -= step
        if step <= 1e-12 * theta:
            break
    c = (1.0 - rho) / (rate_per_s * _mgf(theta, service_s, scv)[1] - 1.0)
    tail = max(0.0, math.log(c / (1.0 - q)) / theta)
    if scv <= 0 and tail < EXACT_MD1_SERVICES * service_s:
        return _md1_wait_quantile(rate_per_s, service_s, q, tail)
    return tail


EXACT_MD1_SERVICES = 4
"""Below this many prefill times the M/D/1 quantile is solved on Erlang's exact distribution (the exponential tail
is off there: +5% at ρ 0.3, −3% at 0.1, 2.3x at 0.06); above, the tail is within 0.1% of it and the sum cancels."""


def _md1_cdf(t: float, rate: float, service: float) -> float:
    """Erlang's M/D/1 waiting-time distribution: ``P(Wq ≤ t) = (1 − ρ) Σ_{k=0}^{⌊t/S⌋} (λ(kS − t))^k / k! e^(−λ(kS − t))``."""
    total, fact = 0.0, 1.0
    for k in range(int(t // service) + 1):
        x = rate * (k * service - t)
        fact = fact * k if k else 1.0
        total += x ** k / fact * math.exp(-x)
    return (1.0 - rate * service) * total


def _md1_wait_quantile(rate: float, service: float, q: float, guess: float) -> float:
    """The ``q``-quantile of the M/D/1 wait on Erlang's distribution: the prefill-time interval that holds it
    (starting from the exponential tail's ``guess``), then bisection to 2^-24 of a prefill time."""
    k = int(guess // service)
    while k > 0 and _md1_cdf(k * service, rate, service) >= q:
        k -= 1
    while _md1_cdf((k + 1) * service, rate, service) < q:
        k += 1
    lo, hi = k * service, (k + 1) * service
    for _ in range(24):
        mid = (lo + hi) / 2
        if _md1_cdf(mid, rate, service) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def max_prefill_load(service_s: float, target_s: float, scv: float = PREFILL_SCV, unloaded_s: float | None = None) -> float:
    """The largest prefill utilization ``ρ`` whose mean TTFT ``TTFT₀ + Wq`` is within ``target_s``:
    ``2 (T − TTFT₀) / ((1 + c²) S + 2 (T − TTFT₀))`` (0 when the unloaded TTFT alone misses the target).
    ``unloaded_s``: the unloaded TTFT (default ``service_s``: a prefill that is the whole TTFT)."""
    slack = target_s - (service_s if unloaded_s is None else unloaded_s)
    if slack <= 0 or service_s <= 0:
        return 0.0 if slack <= 0 else 1.0
    return 2 * slack / ((1 + scv) * service_s + 2 * slack)


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


def _by_prefill(tokens_per_s: float, ttft_ms: float, w: Workload, prefill: float | None) -> float:
    """``planned_output_rate`` of one prefill queue, before the batch slots."""
    by_load = tokens_per_s * w.max_utilization
    service = (ttft_ms if prefill is None else prefill) / 1000.0
    if w.ttft_ms <= ttft_ms:
        return 0.0
    if service <= 0:
        return by_load
    rho = min(w.max_utilization, max_prefill_load(service, w.ttft_ms / 1000.0, unloaded_s=ttft_ms / 1000.0))
    return min(by_load, rho / service * w.output_tokens)


def _within_slots(rate: float, unloaded_s: float, service_s: float, w: Workload, slots: float, hold: float,
                  queues: int = 1) -> float:
    """An engine's ``rate`` (output tokens/s), lowered until the mean TTFT with both waits (a prefill's, on one of its
    ``queues`` ranks; a batch slot's, any of the engine's: engines hand a request to a rank with room) meets the
    target: the waits rise with the rate, so a bisection (40 halvings) finds it; one check where the slots' wait is small."""
    target, out = w.ttft_ms / 1000.0, w.output_tokens

    def late(lam: float) -> bool:
        return unloaded_s + prefill_wait_s(lam / queues, service_s) + slot_wait_s(lam, slots, hold)[1] > target

    lo, hi = 0.0, rate / out
    if not late(hi):
        return rate
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if late(mid) else (mid, hi)
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

    @property
    def busy_utilization(self) -> float:
        """Share of each engine's time that is busy at the peak: decode + prefill (``max(U, ρ)``)."""
        return self.decode_utilization + self.prefill_utilization

    @property
    def ttft_p95_ms(self) -> float:
        """95th-percentile TTFT at the peak: unloaded TTFT + the waits' 95th percentiles (their sum: at least the sum's)."""
        return self.unloaded_ttft_ms + self.wait_p95_ms + self.slot_wait_p95_ms


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
    by_ttft = max_prefill_load(service, w.ttft_ms / 1000.0, unloaded_s=ttft_ms / 1000.0) / service * w.output_tokens \
        if service > 0 else math.inf
    if slots and hold > 0 and by_ttft >= by_load:  # the slots' wait may set the count where the prefill's does not
        by_ttft = _within_slots(by_load * queues, ttft_ms / 1000.0, service, w, slots, hold, queues) / queues * (1 + 1e-9)
    bound = "ttft" if by_ttft < by_load else "utilization"
    prefill = rate * service
    slot_ms = slot_wait_s(rate * queues, slots, hold)[1] * 1000.0 if slots and hold > 0 else 0.0  # any of the engine's slots
    return Headroom(planned_utilization=planned, max_utilization=w.max_utilization, prefill_utilization=prefill,
                    wait_ms=wait, unloaded_ttft_ms=ttft_ms, ttft_ms=ttft_ms + wait + slot_ms, target_ms=w.ttft_ms, bound=bound,
                    decode_utilization=max(0.0, planned - prefill),
                    wait_p95_ms=prefill_wait_quantile_s(rate, service) * 1000.0, slots=slots if slot_ms > 0 else 0.0,
                    slot_wait_ms=slot_ms, slot_wait_p95_ms=slot_wait_quantile_s(rate * queues, slots, hold) * 1000.0 if slot_ms > 0 else 0.0)


STALL_FACTOR = 2.0
"""A prefill chunk's step is flagged when it holds a running stream's next token longer than this many TPOT targets:
a pause of two or more tokens' time shows as a stutter in a stream (a chosen threshold, not a measured one)."""
NOTICEABLE_PAUSE_MS = 250.0
"""...and only when the pause is long enough to notice in streamed text: above the 0.1 s that feels instantaneous
(https://www.nngroup.com/articles/response-times-3-important-limits/); a chosen threshold, like ``STALL_FACTOR``. At
2x TPOT alone most rows of a chat workload were flagged (369 of 521 in bursty-app: 150 ms pauses of a 1,000-token
prefill on one GPU), which hid the stalls that matter (a 32k-token prompt's 8k chunks: 330-370 ms)."""
MIN_CHUNK_TOKENS = 2048
"""The smallest prefill chunk suggested: vLLM's tuning guide gives 2048 as the small, ITL-friendly budget; below
it a chunk's GEMMs fall under the GPUs' compute/bandwidth crossover and prefill throughput drops
(https://docs.vllm.ai/en/latest/configuration/optimization.html, "Chunked Prefill", read 2026-12-04)."""
CHUNK_FLAGS = {"vllm": "--max-num-batched-tokens", "sglang": "--chunked-prefill-size", "trtllm": "max_num_tokens"}
"""The flag that sets the prefill chunk (each engine's per-step token budget; the names deploy writes)."""


@dataclass(frozen=True)
class DecodeStall:
    """A running stream's inter-token gap while another prompt is prefilled in chunks beside it."""

    chunk_tokens: int
    chunks: int
    """Chunks one prompt is prefilled in."""
    stall_ms: float
    """One step holding a chunk: the chunk's prefill work plus the decode step beside it."""
    stalled_ms: float
    """The whole prefill of one prompt, chunk steps end to end: the prefill work plus a decode step per chunk."""
    prefills_per_stream: float
    """Other prompts prefilled on the engine while a stream runs, on average at the peak (``λ × stream time``)."""
    suggested_chunk_tokens: int
    """The largest power-of-two chunk (at least ``MIN_CHUNK_TOKENS``) whose step is within ``STALL_FACTOR`` TPOT
    targets; ``MIN_CHUNK_TOKENS`` when none is; ``chunk_tokens`` (no change) when the prompt fits in one such chunk."""
    suggested_stall_ms: float
    ranks: int = 1
    """Attention ranks whose prefills stall every stream (``dep``: the ranks run each step in lockstep); 1 otherwise."""
    stalled_share: float = 0.0
    """Share of a stream's time that another prompt's chunk holds it at the peak: ``1 − (1 − ρ)^ranks`` with ``ρ`` one rank's
    prefill share (``λ / ranks × S``), the ranks' prefills falling independently (engines that hold prefills to run them
    together across ranks stall less); ``ρ`` for one rank."""


def decode_stall(e, w: Workload, chunk_tokens: int, engines: int, peak_to_mean: float) -> DecodeStall | None:
    """The stall a running stream sees when another user's prompt is prefilled, or None when it is not large against
    the TPOT target (``STALL_FACTOR``) and noticeable (``NOTICEABLE_PAUSE_MS``), or the workload has none. Chunked prefill (vLLM, SGLang, TensorRT-LLM) runs a
    prompt as ``ceil(new tokens / chunk)`` steps of ``chunk`` prompt tokens plus every running stream's decode token:
    each such step takes about the chunk's share of the prefill work (``prefill_ms`` x chunk / new tokens: an average,
    later chunks attend to more context) plus the decode step, and a running stream gets one token per step. The mean
    TPOT averages these gaps away; a stream sees ``λ × (TTFT + output x TPOT)`` other prompts' prefills in its life."""
    if w.latency != "interactive" or not w.tpot_limit_ms or getattr(e, "step", None) is None or chunk_tokens <= 0:
        return None
    new = max(1, e.input_tokens - (getattr(e, "cached_input_tokens", 0) or 0))
    step_ms, work_ms = e.step.total_s * 1000.0, prefill_ms(e)

    def stall(chunk: int) -> float:
        return work_ms * min(1.0, chunk / new) + step_ms

    gap = stall(chunk_tokens)
    if gap < max(STALL_FACTOR * w.tpot_limit_ms, NOTICEABLE_PAUSE_MS):
        return None
    rate = w.mean_requests_per_s * peak_to_mean / max(1, engines)
    stream_s = (e.ttft_ms + w.output_tokens * e.tpot_ms) / 1000.0
    chunk = MIN_CHUNK_TOKENS
    while chunk * 2 < chunk_tokens and stall(chunk * 2) <= STALL_FACTOR * w.tpot_limit_ms:
        chunk *= 2
    if chunk >= new:  # the prompt fits one suggested chunk: smaller chunks do not shorten its step
        chunk = chunk_tokens
    chunks, ranks = math.ceil(new / chunk_tokens), queue_count(e)
    busy = min(1.0, rate / ranks * work_ms / 1000.0)  # one rank's share of time prefilling
    return DecodeStall(chunk_tokens=chunk_tokens, chunks=chunks, stall_ms=gap, stalled_ms=work_ms + chunks * step_ms,
                       prefills_per_stream=rate * stream_s, suggested_chunk_tokens=min(chunk, chunk_tokens),
                       suggested_stall_ms=stall(min(chunk, chunk_tokens)), ranks=ranks, stalled_share=1 - (1 - busy) ** ranks)
