"""How much a heavy-tailed output length moves a max-throughput estimate: the decode step evaluated at the context the
sequences in flight really hold (the size-biased mean) instead of the fixed-length mix's input + output / 2.

Usage: python scripts/inflight_context.py MODEL GPU GPUS PRECISION ISL OSL INFLIGHT_CONTEXT [--engine E] [--layout L]
       [--kv K] [--measured TOK_S]

With outputs of mean mu and coefficient of variation c, a sequence is in flight for a time proportional to its
length, so the mean output length *in flight* is mu (1 + c^2) and the mean context a decode step reads is
input + mu (1 + c^2) / 2 (the in-flight input is size-biased too when input and output lengths are correlated;
pass the figure measured for the data set). The estimator itself models fixed lengths; this script is analysis
only: it keeps the estimate's batch and prefill and swaps the decode step's KV read and attention FLOPs.
"""

from __future__ import annotations

import argparse

from advisor import api
from advisor.domain.precision import resolve_precision
from advisor.physics import performance as P
from advisor.physics.engines import engine_profile
from advisor.physics.sizing import kv_layout


def at_context(model: str, gpu: str, gpus: int, precision: str, isl: int, osl: int, context: float,
               engine: str | None = None, layout: str | None = None, kv: str | None = None) -> tuple[api.Estimate, float, float]:
    """(the estimate, its tokens/s recomputed by the step model, tokens/s with the decode step at ``context``)."""
    e = api.estimate(model, gpu, gpus=gpus, precision=precision, input_tokens=isl, output_tokens=osl, engine=engine,
                     layout=layout, kv_precision=kv)
    cat = api.catalog()
    g = cat.gpu(gpu)
    m = cat.model(model)
    prof = engine_profile(cat, g, e.engine).for_vendor(g.vendor)
    if prof.chunked_attention_kv == "full" and m.chunked_layers:
        from dataclasses import replace

        m = replace(m, chunked_layers=0, attention_chunk_size=0)
    lay = e.parallelism
    prec = resolve_precision(precision, g.vendor)
    base = P._Model(m, g, prec, e.kv_precision, prof, lay, isl, osl)
    shifted = P._Model(m, g, prec, e.kv_precision, prof, lay, isl, osl)
    shard = lay.tensor_parallel * lay.pipeline_parallel
    shifted.kv_read = kv_layout(m, e.kv_precision).bytes_for_context(int(context)) * lay.kv_replication / shard
    shifted.att_flops_dec = P._attention_flops_per_token(m, context) / shard
    return e, base.cycle(e.batch)[0], shifted.cycle(e.batch)[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, typ in (("model", str), ("gpu", str), ("gpus", int), ("precision", str), ("isl", int), ("osl", int),
                      ("context", float)):
        ap.add_argument(name, type=typ)
    ap.add_argument("--engine")
    ap.add_argument("--layout")
    ap.add_argument("--kv")
    ap.add_argument("--measured", type=float)
    a = ap.parse_args(argv)
    e, fixed, shifted = at_context(a.model, a.gpu, a.gpus, a.precision, a.isl, a.osl, a.context, a.engine, a.layout, a.kv)

    def vs(t: float) -> str:
        return f" ({t / a.measured - 1:+.1%} vs measured {a.measured:,.0f})" if a.measured else ""

    print(f"{a.model} on {a.gpus}x {a.gpu} {a.precision} {e.engine} {e.layout}, batch {e.batch}, {a.isl}/{a.osl}:")
    print(f"  fixed-length mix, decode context {a.isl + a.osl / 2:,.0f}: {fixed:,.0f} tok/s{vs(fixed)}")
    print(f"  in-flight context {a.context:,.0f}:{' ' * 14}{shifted:,.0f} tok/s{vs(shifted)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
