"""The waits of the queueing model (``advisor.cost.queueing``, whose docstring states and cites it): the mean and
the quantiles of the wait ahead of a prefill (M/G/1: Pollaczek–Khinchine, the Cramér–Lundberg tail, Erlang's exact
M/D/1 distribution) and for a batch slot (M/M/c: Erlang C), both together, and the prefill load that keeps a TTFT
statistic within a target. Plain formulas: no workload, no engine."""

from __future__ import annotations

import bisect
import math

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
    return _slot_quantile(*slot_wait_s(rate_per_s, slots, hold_s), q)


def _slot_quantile(p: float, mean: float, q: float) -> float:
    """``slot_wait_quantile_s`` from ``slot_wait_s``'s (probability of a wait, mean wait): the wait is exponential once it begins."""
    if p <= 1 - q or mean == 0:
        return 0.0
    return math.inf if math.isinf(mean) else mean / p * math.log(p / (1 - q))


def wait_quantile_s(rate_per_s: float, service_s: float, q: float, queues: int = 1, slots: float = 0.0,
                    hold: float = 0.0) -> float:
    """The ``q`` quantile of a request's whole wait before its prefill starts, at ``rate_per_s`` requests/s on one engine:
    the wait for a batch slot ``X`` (any of the engine's ``slots``) and then for its rank's prefill queue ``Y`` (``queues``
    ranks, each ``rate_per_s / queues``). ``X`` is Erlang C's: 0, or with probability ``px`` exponential of rate
    ``β = (c − a) / H``; ``Y`` is taken as its exponential tail, 0 or with probability ``C`` exponential of rate ``θ``
    (``_prefill_tail``); the two independent, the sum's tail is

        P(X + Y > t) = px (1 − C) e^(−βt) + C (1 − px) e^(−θt) + px C (θ e^(−βt) − β e^(−θt)) / (θ − β)

    (the last term: the sum of two exponentials), solved for ``1 − q``. Without a slot wait this is
    ``prefill_wait_quantile_s`` (exact M/D/1 at short waits), and a rare one blends toward it (``RARE_SLOT_WAIT``); with
    one, within 4% of a simulated queue (``tests/test_ttft_percentile.py``); never below either wait's own quantile (the
    prefill's exponential tail runs low at a light load and a p99.9). Infinite where either queue grows without bound."""
    rate_y = rate_per_s / max(1, queues)
    rho = rate_y * service_s
    if rho >= 1.0:
        return math.inf
    px, mean_x = slot_wait_s(rate_per_s, slots, hold) if slots and hold > 0 else (0.0, 0.0)
    if math.isinf(mean_x):
        return math.inf
    if px <= 0.0 or mean_x <= 0.0:
        return prefill_wait_quantile_s(rate_y, service_s, q)
    if rho <= 0.0:
        return _slot_quantile(px, mean_x, q)
    eps = 1.0 - q
    rare = min(1.0, px / (RARE_SLOT_WAIT * eps))  # a slot wait this rare: the prefill's own quantile, blended in
    alone = prefill_wait_quantile_s(rate_y, service_s, 1.0 - (eps - px)) if rare < 1.0 else 0.0
    both = (1.0 - rare) * alone + rare * _both_quantile(rate_y, service_s, px, mean_x, eps)
    # Adding a wait never shortens one: at least each wait's own quantile (the prefill's exact at short waits, where the
    # exponential tail the sum is built on runs low: up to 14% under at a light prefill load and a p99.9, review 22)
    return max(both, alone, prefill_wait_quantile_s(rate_y, service_s, q) if rare >= 1.0 else 0.0, _slot_quantile(px, mean_x, q))


RARE_SLOT_WAIT = 0.01
"""A slot wait that happens in less than this share of ``1 − q`` of the requests blends ``wait_quantile_s`` toward the
prefill's own quantile at ``q + P(slot wait)`` (exact M/D/1 at short waits, where the exponential tail is off by up to
5%), reached as the share goes to 0: without it the quantile jumped where a slot wait appears at all."""


def _both_quantile(rate_y: float, service_s: float, px: float, mean_x: float, eps: float) -> float:
    """The wait exceeded by ``eps`` of the requests, a slot's (``px``, ``mean_x``) and a prefill's together: the sum of
    two independent zero-or-exponential waits (``wait_quantile_s``), by Newton's method on its logarithm."""
    c, theta = _prefill_tail(rate_y, service_s)
    c, beta = min(1.0, max(0.0, c)), px / mean_x

    a, b, ab, same = px * (1.0 - c), c * (1.0 - px), px * c, abs(theta - beta) <= 1e-9 * beta

    def tail(t: float) -> tuple[float, float]:  # P(X + Y > t) and its slope
        eb, et = math.exp(-beta * t), math.exp(-theta * t)
        if same:
            both, slope = (1.0 + beta * t) * eb, -beta * beta * t * eb
        else:
            both, slope = (theta * eb - beta * et) / (theta - beta), theta * beta * (et - eb) / (theta - beta)
        return a * eb + b * et + ab * both, -beta * a * eb - theta * b * et + ab * slope

    if tail(0.0)[0] <= eps:
        return 0.0
    lo, hi = 0.0, max(1.0 / beta, 1.0 / theta)
    while tail(hi)[0] > eps:
        lo, hi = hi, hi * 2.0
    t = hi
    for _ in range(100):  # Newton on ln P(X + Y > t) = ln eps (nearly straight in t), kept inside the bracket
        p, dp = tail(t)
        lo, hi = (t, hi) if p > eps else (lo, t)
        step = (math.log(p) - math.log(eps)) * p / dp if p > 0 and dp < 0 else 0.0
        nxt = t - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - t) <= 1e-10 * max(t, 1e-300) or hi - lo <= 1e-10 * hi:
            return nxt
        t = nxt
    return hi


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

    c, theta = _prefill_tail(rate_per_s, service_s, scv)
    tail = max(0.0, math.log(c / (1.0 - q)) / theta)
    if scv <= 0 and tail < EXACT_MD1_SERVICES * service_s:
        return _md1_wait_quantile(rate_per_s, service_s, q, tail)
    return tail


def _prefill_tail(rate_per_s: float, service_s: float, scv: float = PREFILL_SCV) -> tuple[float, float]:
    """(C, θ) of the M/G/1 wait's exponential tail ``P(Wq > t) ≈ C e^(−θ t)`` (Cramér–Lundberg, module docstring), for
    ``0 < ρ < 1``."""
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
    return (1.0 - rate_per_s * service_s) / (rate_per_s * _mgf(theta, service_s, scv)[1] - 1.0), theta


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


def max_prefill_load_at(service_s: float, slack_s: float, q: float, scv: float = PREFILL_SCV, cap: float = 1.0) -> float:
    """The largest prefill utilization ``ρ`` whose wait's ``q`` quantile is within ``slack_s`` (the TTFT target less the
    unloaded TTFT): the quantile scales with the prefill time ``S`` (``W_q(ρ) = S g(ρ)``), so this solves ``g(ρ) = slack /
    S`` on a table of ``g`` kept per (q, c²), then by regula falsi inside its bracket (Illinois), until the low end's wait
    is within 1e-7 of the slack and 2^-23 prefill times (or the bracket within 1e-10 of ``ρ``): that end is the answer. 1 where no load reaches it; 0 without slack."""
    if slack_s <= 0 or service_s <= 0:
        return 0.0 if slack_s <= 0 else 1.0
    ratio = slack_s / service_s
    rhos, gs = _quantile_table(q, scv)
    i = bisect.bisect_right(gs, ratio) - 1  # gs[i] <= ratio < gs[i + 1]
    if i >= len(gs) - 1 or rhos[i] >= cap:
        return min(cap, rhos[-1])
    a, b, fa, fb = rhos[i], rhos[i + 1], gs[i] - ratio, gs[i + 1] - ratio
    side = 0
    for _ in range(60):
        if b - a <= 1e-10 or -fa <= 1e-7 * ratio + 2.0 ** -23:  # (the quantile itself is solved to 2^-24 of a prefill time)
            break
        x = b - fb * (b - a) / (fb - fa)
        if not a < x < b:
            x = (a + b) / 2
        fx = prefill_wait_quantile_s(x, 1.0, q, scv) - ratio
        if fx <= 0:
            a, fa = x, fx
            fb, side = (fb / 2, side) if side == -1 else (fb, -1)
        else:
            b, fb = x, fx
            fa, side = (fa / 2, side) if side == 1 else (fa, 1)
    return min(a, cap)


_TABLES: dict = {}


def _quantile_table(q: float, scv: float) -> tuple[list[float], list[float]]:
    """(ρ, the ``q`` quantile of the wait in prefill times) from ρ = 1 − q (no wait at the quantile): 128 steps evenly
    to 0.9 past it, then 96 evenly in log(1 − ρ) to 1 − 10⁻⁶: worked out once per (q, c²) (a few ms)."""
    found = _TABLES.get((q, scv))
    if found is None:
        start = 1.0 - q
        rhos = [start + (0.9 - start) * i / 128 for i in range(128)] + [1.0 - 0.1 * 10.0 ** (-5.0 * i / 95) for i in range(96)]
        gs = [prefill_wait_quantile_s(r, 1.0, q, scv) for r in rhos]
        for k in range(1, len(gs)):  # monotone to the bisection's precision: never let a later entry dip below an earlier
            gs[k] = max(gs[k], gs[k - 1])
        found = _TABLES[(q, scv)] = (rhos, gs)
    return found
