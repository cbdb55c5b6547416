"""Microbenchmark the kernels the throughput model prices, on the CUDA GPU of this machine.

    python scripts/kernel_bench.py run --out measurements.json     # needs PyTorch and a CUDA GPU (Hopper or newer)
    python scripts/kernel_bench.py run --dry --out /tmp/dry.json   # tiny shapes on the CPU: checks the script, measures nothing

What it times (each point: the kernel captured R times in a CUDA graph over enough distinct weight copies that the
weights never sit in L2, replayed five times, median / R; so no launch overhead and no warm cache):
- copy          a 4 GiB device-to-device copy: the bandwidth ceiling (bytes read + written)
- gemm          dense GEMMs y = x W^T (bf16, and fp8 e4m3 with per-tensor scales through ``torch._scaled_mm``) at
                M = 1..16,384 tokens on Llama-70B-like shapes
- grouped       MoE grouped GEMMs (``torch._grouped_mm`` bf16; ``torch._scaled_grouped_mm`` fp8 with row-wise scales)
                on real expert shapes (experts, hidden size, expert intermediate size from each model's config.json):
                gate/up (K = hidden, N = 2 x intermediate) and down (K = intermediate, N = hidden), every expert given
                t tokens (t = 1..1,024), and at one token per expert with only some experts active (the decode case:
                do empty groups cost their weights?)
- attn_decode   flash attention, one new token per sequence over L cached tokens (GQA 64/8 heads, head dim 128, bf16 KV)
- attn_prefill  causal flash attention over L tokens (64 heads, head dim 128)

These are PyTorch's kernels (CUTLASS grouped GEMMs, cuBLAS/cuBLASLt, FlashAttention-2), not a serving engine's; they
measure how the hardware behaves at these shapes, which is what the model's efficiency terms claim to describe.
``compare`` prints the model's terms beside the measurement; it needs no GPU.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import platform
import sys
import time

MOE_SHAPES = {
    # name: (routed experts, hidden_size, moe_intermediate_size, experts per token), from each model's config.json
    "qwen3-30b-a3b": (128, 2048, 768, 8),
    "qwen3-235b-a22b": (128, 4096, 1536, 8),
    "deepseek-v3": (256, 7168, 2048, 8),
    "gpt-oss-120b": (128, 2880, 2880, 4),
    "mixtral-8x7b": (8, 4096, 14336, 2),
    "llama-4-maverick": (128, 5120, 8192, 1),
}
TP_SLICES = {"deepseek-v3": (8, 4), "qwen3-235b-a22b": (8, 4), "gpt-oss-120b": (4,), "llama-4-maverick": (8,),
             "mixtral-8x7b": (8,)}
"""The same experts sliced by tensor parallelism (intermediate size / TP), as an engine running TP without expert
parallelism keeps them on each GPU."""
MOE_TP_SHAPES = {f"{m}/tp{tp}": (e, h, n // tp, k) for m, tps in TP_SLICES.items()
                 for e, h, n, k in [MOE_SHAPES[m]] for tp in tps}
GEMM_SHAPES = {"qkv-70b": (10240, 8192), "gate_up-70b": (57344, 8192), "down-70b": (8192, 28672), "square-4k": (4096, 4096)}
GEMM_M = (1, 4, 16, 64, 256, 1024, 4096, 16384)
TOKENS_PER_EXPERT = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
DECODE_BATCH = (1, 8, 32, 128)
DECODE_LEN = (1024, 8192, 32768)
PREFILL_LEN = (2048, 8192, 32768)
_STATE = {"graph_broken": False}
COLD_BYTES = 512 * 2**20
"""Distinct weight copies are cycled until their bytes exceed this (L2 is 50-60 MB on Hopper)."""


def _timer(torch, dev, fns, budget_s=2e-3):
    """Seconds per call of ``fns`` (one per weight copy), timed as described in the module docstring."""
    for f in fns:
        f()
    if dev == "cpu":
        t0 = time.perf_counter()
        for f in fns:
            f()
        sec = (time.perf_counter() - t0) / len(fns)
        return sec, "eager-cpu", sec
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    for f in fns:
        f()
    e.record()
    torch.cuda.synchronize()
    eager = s.elapsed_time(e) / 1e3 / len(fns)
    if _STATE["graph_broken"]:
        return eager, "eager", eager
    reps = max(len(fns), min(400, int(budget_s / max(eager, 1e-7))))
    reps = max(1, reps // len(fns)) * len(fns)
    try:
        g = torch.cuda.CUDAGraph()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for f in fns:
                f()
        torch.cuda.current_stream().wait_stream(stream)
        with torch.cuda.graph(g):
            for i in range(reps):
                fns[i % len(fns)]()
        g.replay()
        times = []
        for _ in range(5):
            s.record()
            g.replay()
            e.record()
            torch.cuda.synchronize()
            times.append(s.elapsed_time(e) / 1e3 / reps)
        return sorted(times)[2], "graph", eager
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot be captured is timed eagerly from now on
        _STATE["graph_broken"] = True
        with contextlib.suppress(Exception):
            torch.cuda.synchronize()
        return eager, f"eager ({type(exc).__name__}: {str(exc)[:80]})", eager


def _copies(nbytes: int, cap: int = 16) -> int:
    return max(1, min(cap, math.ceil(COLD_BYTES / max(nbytes, 1))))


def _fp8(torch, x):
    return x.to(torch.float8_e4m3fn)


def bench_copy(torch, dev, out):
    n = (4 if dev != "cpu" else 0.001) * 2**30
    a = torch.empty(int(n), dtype=torch.uint8, device=dev)
    b = torch.empty_like(a)
    sec, how, _ = _timer(torch, dev, [lambda a=a, b=b: b.copy_(a)])
    out.append({"kind": "copy", "bytes": 2 * a.numel(), "us": sec * 1e6, "timing": how})
    del a, b


def _record(torch, dev, out, row, build, backends=None):
    """Time the kernels ``build()`` returns (one per weight copy) into ``row``; an error is recorded, not raised."""
    try:
        fns = build()
        if backends is None:
            sec, how, eager = _timer(torch, dev, fns)
        else:
            from torch.nn.attention import sdpa_kernel

            with sdpa_kernel(backends):
                sec, how, eager = _timer(torch, dev, fns)
        row.update(us=sec * 1e6, eager_us=eager * 1e6, timing=how)
    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
        row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    out.append(row)
    _say(row)


def bench_gemm(torch, dev, out, shapes, ms, dtypes):
    for name, (n, k) in shapes.items():
        for dtype in dtypes:
            wbytes = n * k * (2 if dtype == "bf16" else 1)
            ws = [torch.randn(n, k, device=dev, dtype=torch.bfloat16) * 0.05 for _ in range(_copies(wbytes))]
            if dtype == "fp8":
                ws = [_fp8(torch, w) for w in ws]
            one = torch.ones((), device=dev, dtype=torch.float32)
            for m in ms:
                row = {"kind": "gemm", "shape": name, "dtype": dtype, "m": m, "n": n, "k": k,
                       "flops": 2 * m * n * k, "weight_bytes": wbytes}

                def build(m=m, row=row, dtype=dtype, k=k, ws=ws, one=one):
                    if dtype == "bf16":
                        x = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
                        return [lambda w=w: torch.nn.functional.linear(x, w) for w in ws]
                    row["m_padded"] = mp = m if m % 16 == 0 else 16 * math.ceil(m / 16)
                    x8 = _fp8(torch, torch.randn(mp, k, device=dev, dtype=torch.bfloat16))
                    return [lambda w=w: torch._scaled_mm(x8, w.t(), one, one, out_dtype=torch.bfloat16) for w in ws]

                _record(torch, dev, out, row, build)
            del ws


def _grouped_call(torch, dtype, x, w, offs, sa, sb):
    if dtype == "bf16":
        return torch._grouped_mm(x, w, offs=offs, out_dtype=torch.bfloat16)
    return torch._scaled_grouped_mm(x, w, sa, sb, offs=offs, out_dtype=torch.bfloat16)


def _grouped_inputs(torch, dev, dtype, sizes, k, w, sb, row):
    """Tokens, group offsets and row scales for groups of ``sizes`` rows; padded to 16 rows a group where the
    kernel refuses the sizes as they are (recorded as ``padded_to``)."""
    for pad in (1, 16):
        sz = [pad * math.ceil(s / pad) for s in sizes]
        offs = torch.tensor([sum(sz[: i + 1]) for i in range(len(sz))], device=dev, dtype=torch.int32)
        x = torch.randn(sum(sz), k, device=dev, dtype=torch.bfloat16)
        sa = torch.ones(sum(sz), device=dev, dtype=torch.float32)
        if dtype == "fp8":
            x = _fp8(torch, x)
        try:
            _grouped_call(torch, dtype, x, w, offs, sa, sb)
        except Exception:
            if pad == 16:
                raise
            continue
        row["padded_to"] = pad
        return x, offs, sa
    raise AssertionError("unreachable")


def bench_grouped(torch, dev, out, shapes, tpe, dtypes):
    for name, (experts, hidden, inter, top_k) in shapes.items():
        for dtype in dtypes:
            bpe = 2 if dtype == "bf16" else 1
            for op, (k, n) in (("gate_up", (hidden, 2 * inter)), ("down", (inter, hidden))):
                wbytes = experts * n * k * bpe
                # weights stored (E, N, K) as checkpoints keep them, used as (E, K, N) column-major
                ws = [(torch.randn(experts, n, k, device=dev, dtype=torch.bfloat16) * 0.05) for _ in range(_copies(wbytes, 4))]
                if dtype == "fp8":
                    ws = [_fp8(torch, w) for w in ws]
                ws = [w.transpose(-2, -1) for w in ws]
                sb = torch.ones(experts, n, device=dev, dtype=torch.float32)
                cases = [(experts, t) for t in tpe]
                cases += [(a, 1) for a in sorted({top_k, 2 * top_k, 4 * top_k, 16 * top_k}) if a < experts]
                for active, t in cases:
                    row = {"kind": "grouped", "model": name, "dtype": dtype, "op": op, "experts": experts,
                           "active": active, "t": t, "k": k, "n": n, "flops": 2 * active * t * k * n,
                           "weight_bytes": active * n * k * bpe}

                    def build(active=active, t=t, row=row, dtype=dtype, k=k, ws=ws, sb=sb, experts=experts):
                        sizes = [t if i < active else 0 for i in range(experts)]
                        x, offs, sa = _grouped_inputs(torch, dev, dtype, sizes, k, ws[0], sb, row)
                        return [lambda w=w: _grouped_call(torch, dtype, x, w, offs, sa, sb) for w in ws]

                    _record(torch, dev, out, row, build)
                del ws


def bench_attention(torch, dev, out, batches, lens, prefill_lens, kv_heads=8, group=8, head_dim=128):
    from torch.nn.attention import SDPBackend

    sdpa = torch.nn.functional.scaled_dot_product_attention
    backends = [SDPBackend.FLASH_ATTENTION] if dev != "cpu" else [SDPBackend.MATH]
    bf16 = {"device": dev, "dtype": torch.bfloat16}
    for b in batches:
        for length in lens:
            kv_bytes = 2 * b * kv_heads * length * head_dim * 2
            row = {"kind": "attn_decode", "batch": b, "len": length, "kv_heads": kv_heads, "q_heads": kv_heads * group,
                   "head_dim": head_dim, "kv_bytes": kv_bytes}

            def build(b=b, length=length, kv_bytes=kv_bytes):
                q = torch.randn(b, kv_heads, group, head_dim, **bf16)
                kvs = [(torch.randn(b, kv_heads, length, head_dim, **bf16), torch.randn(b, kv_heads, length, head_dim, **bf16))
                       for _ in range(_copies(kv_bytes, 4))]
                return [lambda kv=kv: sdpa(q, kv[0], kv[1]) for kv in kvs]

            _record(torch, dev, out, row, build, backends)
    heads = kv_heads * group
    for length in prefill_lens:
        row = {"kind": "attn_prefill", "len": length, "heads": heads, "head_dim": head_dim,
               "flops": 4 * length * length * heads * head_dim // 2}

        def build(length=length):
            q, k, v = (torch.randn(1, heads, length, head_dim, **bf16) for _ in range(3))
            return [lambda: sdpa(q, k, v, is_causal=True)]

        _record(torch, dev, out, row, build, backends)


def _moe_stages(torch, dev, experts, hidden, inter, top_k, tokens, wg, wd):
    """The stages of an unfused MoE layer on ``tokens`` tokens routed uniformly at random: (name, callable) pairs.
    Routing is drawn once; each stage reads what the one before it wrote."""
    bf16 = {"device": dev, "dtype": torch.bfloat16}
    x = torch.randn(tokens, hidden, **bf16)
    wr = torch.randn(hidden, experts, **bf16) * 0.02
    logits = x @ wr
    topw, topi = torch.topk(torch.softmax(logits.float(), dim=-1), top_k, dim=-1)
    flat = topi.reshape(-1)
    order = torch.argsort(flat)
    offs = torch.cumsum(torch.bincount(flat, minlength=experts), 0).to(torch.int32)
    token_of = order // top_k
    xs = x.index_select(0, token_of)
    h1 = torch._grouped_mm(xs, wg, offs=offs, out_dtype=torch.bfloat16)
    a = torch.nn.functional.silu(h1[:, :inter]) * h1[:, inter:]
    y = torch._grouped_mm(a, wd, offs=offs, out_dtype=torch.bfloat16)
    gate = topw.reshape(-1)[order].to(torch.bfloat16).unsqueeze(1)
    out = torch.zeros_like(x)

    def route():
        return torch.argsort(torch.topk(torch.softmax((x @ wr).float(), dim=-1), top_k, dim=-1)[1].reshape(-1))

    def unpermute():
        out.zero_()
        out.index_add_(0, token_of, y * gate)

    return [("route", route), ("permute", lambda: x.index_select(0, token_of)),
            ("gemm_gate_up", lambda: torch._grouped_mm(xs, wg, offs=offs, out_dtype=torch.bfloat16)),
            ("activation", lambda: torch.nn.functional.silu(h1[:, :inter]) * h1[:, inter:]),
            ("gemm_down", lambda: torch._grouped_mm(a, wd, offs=offs, out_dtype=torch.bfloat16)),
            ("unpermute", unpermute)]


def bench_moe_layer(torch, dev, out, shapes, token_counts):
    """Where an unfused MoE layer's time goes besides its two grouped GEMMs, per expert shape (bf16)."""
    for name, (experts, hidden, inter, top_k) in shapes.items():
        wg = (torch.randn(experts, 2 * inter, hidden, device=dev, dtype=torch.bfloat16) * 0.05).transpose(-2, -1)
        wd = (torch.randn(experts, hidden, inter, device=dev, dtype=torch.bfloat16) * 0.05).transpose(-2, -1)
        for tokens in token_counts:
            stages = _moe_stages(torch, dev, experts, hidden, inter, top_k, tokens, wg, wd)
            for stage, fn in stages:
                row = {"kind": "moe_layer", "model": name, "tokens": tokens, "op": stage, "experts": experts,
                       "hidden": hidden, "intermediate": inter, "top_k": top_k}
                _record(torch, dev, out, row, lambda fn=fn: [fn])
        del wg, wd


def bench_floor(torch, dev, out):
    """Small per-token kernels of a decode step at a few tokens (norm, activation, add): their time is the floor."""
    for tokens in (1, 4, 64):
        x = torch.randn(tokens, 7168, device=dev, dtype=torch.bfloat16)
        w = torch.ones(7168, device=dev, dtype=torch.bfloat16)
        gu = torch.randn(tokens, 2 * 2048, device=dev, dtype=torch.bfloat16)
        ops = {"add": lambda x=x: x.add_(1.0),
               "rms_norm": lambda x=x, w=w: torch.nn.functional.rms_norm(x, (7168,), w),
               "silu_mul": lambda gu=gu: torch.nn.functional.silu(gu[:, :2048]) * gu[:, 2048:]}
        for name, fn in ops.items():
            row = {"kind": "floor", "op": name, "tokens": tokens}
            sec, how, eager = _timer(torch, dev, [fn])
            row.update(us=sec * 1e6, eager_us=eager * 1e6, timing=how)
            out.append(row)
            _say(row)


def _say(row):
    keys = ("kind", "model", "shape", "dtype", "op", "active", "t", "m", "batch", "len", "tokens")
    head = " ".join(f"{k}={row[k]}" for k in keys if k in row)
    if "error" in row:
        print(f"{head} ERROR {row['error']}", flush=True)
        return
    extra = ""
    if row.get("flops"):
        extra += f" {row['flops'] / row['us'] / 1e6:8.1f} TFLOP/s"
    moved = row.get("weight_bytes") or row.get("kv_bytes") or row.get("bytes")
    if moved:
        extra += f" {moved / row['us'] / 1e6:7.2f} TB/s"
    print(f"{head} {row['us']:10.2f} us{extra} [{row['timing']}]", flush=True)
    if _STATE.get("flush"):
        _STATE["flush"]()


def run(args):
    import torch

    dev = "cpu" if args.dry else "cuda"
    if dev == "cuda" and not torch.cuda.is_available():
        sys.exit("kernel_bench: no CUDA GPU (use --dry to check the script on the CPU)")
    torch.manual_seed(0)
    meta = {"torch": torch.__version__, "python": platform.python_version(), "date": time.strftime("%Y-%m-%d"),
            "device": torch.cuda.get_device_name() if dev == "cuda" else "cpu (dry run)"}
    if dev == "cuda":
        p = torch.cuda.get_device_properties(0)
        meta.update(sms=p.multi_processor_count, memory_gib=round(p.total_memory / 2**30, 1),
                    cuda=torch.version.cuda, capability=f"{p.major}.{p.minor}")
    out: list[dict] = []
    t0 = time.time()
    _STATE["flush"] = lambda: _write(args.out, meta, out, time.time() - t0)
    only = set(args.only.split(",")) if args.only else {"copy", "gemm", "grouped", "attention", "floor", "moe_layer"}
    moe_layer_shapes, moe_tokens = (MOE_SHAPES, (4096, 16384)) if not args.dry else ({"tiny-moe": (4, 64, 32, 2)}, (16,))
    if args.dry:
        moe = {"tiny-moe": (4, 64, 32, 2)}
        gemm_shapes, ms, tpe = {"tiny": (64, 32)}, (1, 16), (1, 4)
        dec_b, dec_l, pre_l = (1, 2), (64,), (64,)
        dtypes = ("bf16",)
    else:
        moe, gemm_shapes, ms, tpe = MOE_SHAPES, GEMM_SHAPES, GEMM_M, TOKENS_PER_EXPERT
        if args.tp_experts:
            moe, tpe = MOE_TP_SHAPES, TOKENS_PER_EXPERT[:9]
        dec_b, dec_l, pre_l = DECODE_BATCH, DECODE_LEN, PREFILL_LEN
        dtypes = ("bf16", "fp8")
    sections = (("copy", lambda: bench_copy(torch, dev, out)),
                ("gemm", lambda: bench_gemm(torch, dev, out, gemm_shapes, ms, dtypes)),
                ("grouped", lambda: bench_grouped(torch, dev, out, moe, tpe, dtypes)),
                ("attention", lambda: bench_attention(torch, dev, out, dec_b, dec_l, pre_l)),
                ("floor", lambda: bench_floor(torch, dev, out)),
                ("moe_layer", lambda: bench_moe_layer(torch, dev, out, moe_layer_shapes, moe_tokens)))
    for name, fn in sections:
        if name in only:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - one section's failure keeps the others
                out.append({"kind": name, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
                print(f"{name} section failed: {exc}", flush=True)
            if dev == "cuda":
                torch.cuda.empty_cache()
            _write(args.out, meta, out, time.time() - t0)
    print(f"{len(out)} rows in {time.time() - t0:.1f} s -> {args.out}")


def _write(path, meta, rows, elapsed):
    meta = dict(meta, seconds=round(elapsed, 1), script="scripts/kernel_bench.py")
    with open(path, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)


def fit_line(points):
    """Least squares time_us = c0 + bytes / B over (bytes, us) points: (c0 in us, B in TB/s)."""
    n = len(points)
    xs = [b / 1e6 for b, _ in points]  # MB; us per MB = 1 / (TB/s)
    ys = [t for _, t in points]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if n < 2 or sxx == 0:
        return 0.0, (xs[0] / ys[0] if ys and ys[0] else 0.0)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - slope * mx, 1.0 / slope


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])


def summarize(rows, hbm_tbps, bf16_tflops, fp8_tflops):
    """What the measurements say about each term the model prices, as fractions of the datasheet figures."""
    ok = [r for r in rows if "us" in r]
    peak = {"bf16": bf16_tflops, "fp8": fp8_tflops}
    out = {"gemm_read": {}, "gemm_compute": {}, "grouped_read": {}, "grouped_compute": {}}
    for dt, dt_peak in peak.items():
        small = [(r["weight_bytes"], r["us"]) for r in ok if r["kind"] == "gemm" and r["dtype"] == dt and r["m"] <= 16]
        if len(small) >= 2:
            c0, bw = fit_line(small)
            out["gemm_read"][dt] = {"c0_us": c0, "tbps": bw, "of_hbm": bw / hbm_tbps}
        big = [r["flops"] / r["us"] / 1e6 for r in ok if r["kind"] == "gemm" and r["dtype"] == dt and r["m"] >= 1024]
        if big:
            out["gemm_compute"][dt] = {"tflops": _median(big), "of_peak": _median(big) / dt_peak}
    groups: dict = {}
    for r in ok:
        if r["kind"] == "grouped":
            groups.setdefault((r["model"], r["dtype"]), []).append(r)
    for (model, dt), rs in sorted(groups.items()):
        experts = max(r["experts"] for r in rs)
        ones = {}
        for r in rs:
            if r["t"] == 1:
                ones.setdefault(r["active"], []).append(r)
        pts = [(sum(r["weight_bytes"] for r in v), sum(r["us"] for r in v)) for v in ones.values() if len(v) == 2]
        if len(pts) >= 2:
            c0, bw = fit_line(pts)
            out["grouped_read"][(model, dt)] = {"c0_us": c0, "tbps": bw, "of_hbm": bw / hbm_tbps}
        t_max = max(r["t"] for r in rs if r["active"] == experts)
        top = [r for r in rs if r["active"] == experts and r["t"] == t_max]
        if len(top) == 2:
            rate = sum(r["flops"] for r in top) / sum(r["us"] for r in top) / 1e6
            dense = out["gemm_compute"].get(dt, {}).get("tflops")
            out["grouped_compute"][(model, dt)] = {"t": t_max, "tflops": rate, "of_peak": rate / peak[dt],
                                                   "of_dense": rate / dense if dense else None,
                                                   "intermediate": min(r["k"] if r["op"] == "down" else r["n"] // 2
                                                                       for r in top)}
    dec = [r for r in ok if r["kind"] == "attn_decode" and r["batch"] >= 8 and r["len"] >= 8192]
    if dec:
        out["attn_decode"] = {"of_hbm": _median([r["kv_bytes"] / r["us"] / 1e6 for r in dec]) / hbm_tbps}
    pre = [r for r in ok if r["kind"] == "attn_prefill"]
    if pre:
        out["attn_prefill"] = {"of_peak": _median([r["flops"] / r["us"] / 1e6 for r in pre]) / bf16_tflops}
    layers: dict = {}
    for r in ok:
        if r["kind"] == "moe_layer":
            layers.setdefault((r["model"], r["tokens"]), {})[r["op"]] = r
    for (model, tokens), stages in sorted(layers.items()):
        gemm = sum(v["us"] for k, v in stages.items() if k.startswith("gemm"))
        other = sum(v["us"] for k, v in stages.items() if not k.startswith("gemm"))
        if gemm:
            out.setdefault("moe_layer", {})[(model, tokens)] = {
                "other_over_gemm": other / gemm, "intermediate": next(iter(stages.values()))["intermediate"],
                "stages_us": {k: v["us"] for k, v in stages.items()}}
    tiny = [r["us"] for r in ok if r["kind"] == "floor" and r["op"] == "add"]
    if tiny:
        out["kernel_floor_us"] = _median(tiny)
    return out


def compare(paths):
    """Print the measurements beside the model's terms for the GPU they ran on."""
    from advisor.api import catalog as load_catalog
    from advisor.physics.moe import EXPERT_N_HALF, expert_shape_efficiency

    rows, meta = [], {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        rows += data["rows"]
        meta = data["meta"]
    cat = load_catalog()
    gid = {"NVIDIA H200": "h200", "NVIDIA H100 80GB HBM3": "h100-sxm", "NVIDIA B200": "b200"}.get(meta["device"])
    if gid is None:
        sys.exit(f"kernel_bench: no catalog GPU for {meta['device']!r}")
    gpu, eng = cat.gpus[gid], cat.engine
    f = eng.efficiency
    s = summarize(rows, gpu.hbm_tbps, gpu.bf16_tflops, gpu.fp8_tflops)
    bw = f.eff_bw * eng.gpu_multiplier(gid, "eff_bw")
    print(f"{meta['device']} ({gid}), torch {meta['torch']}, {meta['date']}; model = the {eng.id} profile")
    for dt, v in s["gemm_read"].items():
        print(f"dense GEMM reads ({dt}, M<=16): {v['tbps']:.2f} TB/s = {v['of_hbm']:.2f} of HBM + {v['c0_us']:.1f} us;"
              f" model eff_bw {bw:.2f} + kernel floor {f.kernel_floor_us:.0f} us")
    for dt, v in s["gemm_compute"].items():
        print(f"dense GEMM compute ({dt}, M>=1024): {v['tflops']:.0f} TFLOP/s = {v['of_peak']:.2f} of peak;"
              f" model eff_prefill {f.eff_prefill * eng.gpu_multiplier(gid, 'eff_prefill'):.2f}")
    for (model, dt), v in s["grouped_read"].items():
        print(f"grouped reads {model:22s} {dt}: {v['tbps']:.2f} TB/s = {v['of_hbm']:.2f} of HBM + {v['c0_us']:.1f} us"
              f" a layer; model eff_bw {bw:.2f} + 2 kernel floors")
    for (model, dt), v in s["grouped_compute"].items():
        model_rel = f.eff_moe * expert_shape_efficiency(v["intermediate"])
        print(f"grouped compute {model:22s} {dt} at {v['t']} tokens/expert: {v['tflops']:.0f} TFLOP/s ="
              f" {v['of_dense']:.2f} of the dense GEMM; model eff_moe x shape {model_rel:.2f}")
    for (model, tokens), v in s.get("moe_layer", {}).items():
        print(f"unfused MoE layer {model:18s} {tokens:6d} tokens: routing, permute, activation and unpermute take"
              f" {v['other_over_gemm']:.2f}x the grouped GEMMs' time; the width term's N_half / N = "
              f"{EXPERT_N_HALF / v['intermediate']:.2f}")
    if "attn_decode" in s:
        print(f"decode attention KV reads: {s['attn_decode']['of_hbm']:.2f} of HBM; model eff_bw x eff_kv"
              f" {bw * f.eff_kv:.2f}")
    if "attn_prefill" in s:
        print(f"prefill attention (FlashAttention-2): {s['attn_prefill']['of_peak']:.2f} of BF16 peak")
    if "kernel_floor_us" in s:
        print(f"one small kernel in a CUDA graph: {s['kernel_floor_us']:.1f} us; model kernel floor"
              f" {f.kernel_floor_us:.0f} us")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="time the kernels on this machine's GPU")
    r.add_argument("--out", required=True)
    r.add_argument("--dry", action="store_true", help="tiny shapes on the CPU")
    r.add_argument("--only", default="", help="comma list of sections: copy,gemm,grouped,attention,floor,moe_layer")
    r.add_argument("--tp-experts", action="store_true", help="grouped GEMMs on tensor-parallel slices of the experts")
    c = sub.add_parser("compare", help="the measurements beside the model's terms (no GPU needed)")
    c.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    if args.cmd == "run":
        run(args)
    else:
        compare(args.paths)


if __name__ == "__main__":
    main()
