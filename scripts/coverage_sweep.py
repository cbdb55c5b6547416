"""Coverage sweep: call ``advisor.api.estimate`` the way an outside checker would for max-throughput rows and count
what does not come back as a usable number. Usage: python scripts/coverage_sweep.py [--quick] [--list-failures]

The grid: Llama 3.x, Llama 4, Qwen3 MoE and DeepSeek-R1 x H100 SXM / H200 / B200 x FP8 and FP4 (FP4 only on GPUs
with FP4 tensor cores) x 1, 2, 4, 8 GPUs (only where the weights fit in the GPUs' memory) x the ISL/OSL pairs of
trtllm-bench's published tables, each with ``engine="trtllm"`` and with the default engine, with the layout left to
the search and with every explicit layout the model admits (``tp``; MoE: ``tp_ep``, ``dep``).

A row is *covered* when the estimate fits and its output tokens/s is a finite positive number. Anything else (an
exception, a refusal of a config whose weights fit, NaN, zero) is a failure. Three sanity checks on the
max-throughput (default layout, trtllm) estimates:
  * per-GPU tokens/s does not grow when the input length grows at a fixed output length;
  * FP4 >= FP8 on B200;
  * more GPUs never give less total throughput.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from dataclasses import dataclass

MODELS = ("llama-3.1-8b", "llama-3.3-70b", "llama-3.1-405b", "llama-4-scout", "llama-4-maverick",
          "qwen3-235b-a22b", "qwen3-30b-a3b", "deepseek-r1")
GPUS = ("h100-sxm", "h200", "b200")
PRECISIONS = ("fp8", "fp4")
COUNTS = (1, 2, 4, 8)
SHAPES = ((128, 128), (128, 2048), (128, 4096), (500, 2000), (1000, 1000), (1000, 2000), (1024, 1024),
          (2048, 128), (2048, 2048), (5000, 500), (20000, 2000), (8192, 1024))
ENGINES = ("trtllm", None)
WEIGHT_SHARE = 0.92
"""A config is in the grid when the weights take at most this share of the GPUs' memory (room left for KV)."""


@dataclass(frozen=True)
class Case:
    model: str
    gpu: str
    gpus: int
    precision: str
    input_tokens: int
    output_tokens: int
    engine: str | None
    layout: str | None


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: str
    """ok, exception, refused (weights fit but the estimate says it does not), nan, zero."""
    tokens_per_s: float
    detail: str = ""


def weights_fit(api, model: str, gpu: str, gpus: int, precision: str) -> bool:
    g = api.catalog().gpu(gpu)
    from advisor.domain.precision import resolve_precision

    w = api.size(model, resolve_precision(precision, g.vendor)).weights_bytes
    return w / gpus <= WEIGHT_SHARE * g.memory_gib * 2**30


def layouts(api, model: str, gpus: int) -> tuple[str | None, ...]:
    m = api.catalog().model(model)
    out: list[str | None] = [None, "tp"]
    if m.is_moe and gpus > 1 and m.n_routed_experts % gpus == 0:
        out += ["tp_ep", "dep"]
    return tuple(out)


def cases(api, models=MODELS, gpus=GPUS, precisions=PRECISIONS, counts=COUNTS, shapes=SHAPES, engines=ENGINES,
          explicit_layouts: bool = True):
    for model in models:
        for gpu in gpus:
            g = api.catalog().gpu(gpu)
            for prec in precisions:
                if prec == "fp4" and not g.fp4_tflops:
                    continue
                for n in counts:
                    if not weights_fit(api, model, gpu, n, prec):
                        continue
                    lays = layouts(api, model, n) if explicit_layouts else (None,)
                    for isl, osl in shapes:
                        for eng in engines:
                            for lay in lays:
                                yield Case(model, gpu, n, prec, isl, osl, eng, lay)


def run_case(api, c: Case) -> Outcome:
    try:
        e = api.estimate(c.model, c.gpu, gpus=c.gpus, precision=c.precision, input_tokens=c.input_tokens,
                         output_tokens=c.output_tokens, engine=c.engine, layout=c.layout)
    except Exception as exc:  # noqa: BLE001 - every exception is a finding here
        return Outcome(c, "exception", float("nan"), f"{type(exc).__name__}: {exc}")
    t = e.output_tokens_per_s
    if not e.fits:
        return Outcome(c, "refused", t, f"short {e.shortfall_bytes / 2**30:.1f} GiB")
    if t is None or not math.isfinite(t):
        return Outcome(c, "nan", float("nan"))
    if t <= 0:
        return Outcome(c, "zero", t)
    return Outcome(c, "ok", t)


def sanity(outcomes: list[Outcome]) -> list[str]:
    """The three monotonicity checks on the max-throughput estimates (trtllm, layout searched)."""
    best = {}
    for o in outcomes:
        c = o.case
        if o.status == "ok" and c.engine == "trtllm" and c.layout is None:
            best[(c.model, c.gpu, c.gpus, c.precision, c.input_tokens, c.output_tokens)] = o.tokens_per_s
    bad = []
    for (model, gpu, n, prec, isl, osl), t in best.items():
        for (model2, gpu2, n2, prec2, isl2, osl2), t2 in best.items():
            if (model2, gpu2, prec2) != (model, gpu, prec):
                continue
            if n2 == n and osl2 == osl and isl2 > isl and t2 > t * 1.001:
                bad.append(f"ISL up, tok/s up: {model} {gpu} x{n} {prec} {isl}/{osl} {t:.0f} -> {isl2}/{osl} {t2:.0f}")
            if (isl2, osl2) == (isl, osl) and n2 > n and t2 < t * 0.999:
                bad.append(f"more GPUs, less tok/s: {model} {gpu} {prec} {isl}/{osl} x{n} {t:.0f} -> x{n2} {t2:.0f}")
        if gpu == "b200" and prec == "fp8":
            t4 = best.get((model, gpu, n, "fp4", isl, osl))
            if t4 is not None and t4 < t * 0.999:
                bad.append(f"FP4 < FP8: {model} b200 x{n} {isl}/{osl} fp8 {t:.0f} fp4 {t4:.0f}")
    return bad


def sweep(**grid) -> tuple[list[Outcome], list[str]]:
    from advisor import api

    outs = [run_case(api, c) for c in cases(api, **grid)]
    return outs, sanity(outs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="layout searched only (no explicit layouts)")
    ap.add_argument("--list-failures", action="store_true")
    args = ap.parse_args(argv)
    outs, bad = sweep(explicit_layouts=not args.quick)
    n = len(outs)
    counts = Counter(o.status for o in outs)
    ok = counts.get("ok", 0)
    print(f"{n} estimates: {ok} ok ({100 * ok / max(n, 1):.1f}%)  " +
          "  ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "ok"))
    searched = [o for o in outs if o.case.layout is None]
    ok_s = sum(o.status == "ok" for o in searched)
    print(f"layout searched: {len(searched)} estimates, {ok_s} ok ({100 * ok_s / max(len(searched), 1):.1f}%)")
    by = Counter((o.case.model, o.case.layout, o.status) for o in outs if o.status != "ok")
    for (model, lay, st), k in sorted(by.items(), key=lambda kv: -kv[1]):
        print(f"  {st:9s} {model:18s} layout={lay}: {k}")
    if args.list_failures:
        for o in outs:
            if o.status != "ok":
                c = o.case
                print(f"  {o.status:9s} {c.model} {c.gpu} x{c.gpus} {c.precision} {c.input_tokens}/{c.output_tokens} "
                      f"engine={c.engine} layout={c.layout}: {o.detail}")
    print(f"sanity violations: {len(bad)}")
    for b in bad[:60]:
        print("  " + b)
    return 0 if ok == n and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
