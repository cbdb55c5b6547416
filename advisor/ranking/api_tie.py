"""Near ties across the self-hosted / per-token line: a per-token API bills its listed price exactly, a self-hosted
row a bill resting on the throughput estimate, so the two are a near tie when they are closer than that estimate's
error (trial 35: a Together row and a B200 row 2.3% apart, the B200's own speed-risk line at +38%, not called one)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Reason
from advisor.ranking import ties


def near_tie(c: Candidate, other: Candidate | None, profile, ctx_of: Callable | None = None) -> Reason | None:
    """``ties.near_tie`` for two self-hosted rows; one self-hosted and one API row: ``api_near_tie``."""
    if other is None:
        return None
    hosted = [x for x in (c, other) if x.deployment == "self-hosted"]
    if len(hosted) != 1:
        return ties.near_tie(c, other, profile, ctx_of)
    return api_near_tie(c, other, hosted[0], profile, ctx_of)


def tie_for(c: Candidate, other: Candidate | None, candidates, late: Callable[[Candidate], bool], profile,
            ctx_of: Callable | None = None) -> Reason | None:
    """The ``near-tie`` reason of ``c`` against ``other`` (#1, or #2 for #1): none where one of them answers after the TTFT
    target and the other does not (``late``: no tie, the rank reason says which misses it). Where ``other`` is an API
    row and ``c`` a self-hosted one not tied with it, against the first self-hosted row (for that row, the next one):
    two self-hosted rows within the estimate's error are a tie whatever ranks first (trial 37: #3 and #4, 1.1% apart
    behind an API #1, were not called one)."""
    tie = None if other is not None and late(other) != late(c) else near_tie(c, other, profile, ctx_of)
    if tie is not None or other is None or c.deployment != "self-hosted" or other.deployment == "self-hosted":
        return tie
    partner = _hosted_partner(c, candidates)
    return None if partner is None or late(partner) != late(c) else ties.near_tie(c, partner, profile, ctx_of)


def _hosted_partner(c: Candidate, candidates) -> Candidate | None:
    """The first self-hosted row of ``candidates`` other than ``c`` (for the first one itself, the next one)."""
    for x in candidates:
        if x.deployment == "self-hosted" and x is not c:
            return x
    return None


def api_near_tie(c: Candidate, other: Candidate, hosted: Candidate, profile, ctx_of: Callable | None = None) -> Reason | None:
    """``c`` and ``other``, one of them the self-hosted ``hosted``, closer in cost than ``hosted``'s throughput
    estimate's error (``ties.estimate_error``): only the self-hosted bill moves with that error. Where it cannot
    reverse them (the cheaper self-hosted row, that much slower by its speed-risk line, still bills less; the dearer
    one's replica count would not change with a faster engine, ``ties.replicas_hold``, or it is one fixed replica) a
    near tie on price, decided by what the bill does not price; else a near tie the error could turn."""
    api = other if hosted is c else c
    err = ties.estimate_error(hosted, profile)
    a, b = ties.total(c), ties.total(other)
    if not a or not b or abs(a - b) / max(a, b) >= Decimal(str(err)):
        return None
    slow, held = ties._at_error(hosted), ctx_of is not None and ties.replicas_hold(hosted, ctx_of(hosted), err)
    gap = "the same cost" if a == b else f"{fmt.usd(abs(a - b))}/month apart ({abs(a - b) / max(a, b):.0%})"
    numbers = {"difference_usd": str(abs(a - b)), "estimate_error": err}
    one = hosted.scaling == "fixed" and (hosted.replicas_peak or hosted.replicas) == 1
    if ties.total(hosted) <= ties.total(api) and slow is not None and slow <= ties.total(api):
        firm = f"slower by its throughput estimate's {err:.0%} error, the self-hosted row would still bill {fmt.usd(slow)}/month"
    elif ties.total(hosted) > ties.total(api) and (held or one):
        firm = (f"the self-hosted row's {'one fixed replica' if one else 'replica count'} would not change with its throughput "
                f"estimate's {err:.0%} error, and the API bills its listed price per token")
    else:
        firm = ""
    if firm:  # the order stands: a near tie on price, decided by what the bill does not price
        return Reason("near-tie", f"a near tie on price with {other.label}: {gap}; {firm}, so the error cannot reverse the "
                      f"order: latency, rate limits, data handling and running a deployment may weigh more than the gap",
                      "info", {**numbers, "replicas_fixed": True})
    whose = "this row's" if hosted is c else f"{hosted.label}'s"
    turn = ""
    if slow is not None:
        dearer = slow > ties.total(api)
        turn = (f"; were its engine slower by that error (its speed-risk line), {whose.removesuffix(chr(39) + 's')} would "
                f"bill {fmt.usd(slow)}/month, {'more than' if dearer else 'still less than'} the API's {fmt.usd(ties.total(api))}")
        numbers["monthly_usd_at_error"] = str(slow)
    return Reason("near-tie", f"a near tie with {other.label}: {gap}, within {whose} throughput estimate's {err:.0%} error "
                  f"(90th percentile, measured on the calibration set); the API bills its listed price per token, so only "
                  f"the self-hosted bill moves with that error{turn}; the API's latency and rate limits are not modelled: a "
                  f"trial of the API and a benchmark of the self-hosted engine on your own traffic decide", "warning", numbers)
