"""Speed benchmarks (never timed assertions in tests). Usage: python scripts/bench.py [--quick]

Measures: `moe-advisor --help` wall time and whether it imports textual/httpx; one estimate per
model x GPU x precision over the catalog; the full ranking for each preset, and the same ranking over a
synthetic catalog 10x larger (linear growth check); the TUI's time to its first screen.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def bench_help(repeat: int) -> None:
    cmd = [sys.executable, "-c", "import sys\nfrom advisor.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n"
           "print('HEAVY' if 'textual' in sys.modules or 'httpx' in sys.modules else 'LIGHT', file=sys.stderr)"]
    def run():
        proc = subprocess.run(cmd, capture_output=True, text=True)
        run.state = proc.stderr.strip()
    med, best = timed(run, repeat)
    base_med, _ = timed(lambda: subprocess.run([sys.executable, "-c", "pass"]), repeat)
    print(f"--help            median {med * 1e3:6.1f} ms (python startup alone {base_med * 1e3:.1f} ms); imports textual/httpx: {'no' if run.state == 'LIGHT' else 'YES'}")


def bench_estimates() -> None:
    from advisor import api
    from advisor.physics.performance import estimate_for
    from advisor.domain.precision import PRECISIONS

    cat = api.catalog()
    combos = [(m, g, p) for m in cat.models.values() for g in cat.gpus.values() for p in PRECISIONS]
    def run():
        for m, g, p in combos:
            estimate_for(m, g, 8, p, 1024, 256, engine=cat.engine)
    med, best = timed(run, 5)
    print(f"estimate sweep    {len(combos)} estimates (model x GPU x precision, 8 GPUs): median {med * 1e3:6.1f} ms "
          f"= {med / len(combos) * 1e6:.0f} us each")


def synthetic_catalog(cat, factor: int):
    """The bundled catalog with every model (and its quality score and API prices) copied ``factor`` times."""
    import dataclasses

    models, quality, api_prices = {}, {}, []
    for i in range(factor):
        suffix = "" if i == 0 else f"~{i}"
        for m in cat.models.values():
            models[m.id + suffix] = dataclasses.replace(m, id=m.id + suffix)
            if m.id in cat.quality:
                quality[m.id + suffix] = dataclasses.replace(cat.quality[m.id], model=m.id + suffix)
        api_prices += [dataclasses.replace(p, model=p.model + suffix) for p in cat.api_prices]
    return dataclasses.replace(cat, models=models, quality=quality, api_prices=tuple(api_prices))


def bench_ranking() -> None:
    import dataclasses

    from advisor import api
    from advisor.ranking.context import clear_memos
    from advisor.ranking.rank import recommend_with
    from advisor.prices.book import from_catalog
    from advisor.domain.workload import PRESETS

    cat = api.catalog()
    book = from_catalog(cat)

    def cold(w, c, b):
        clear_memos()
        return recommend_with(w, c, b)

    print("ranking (recommend over the whole bundled catalog; cold = memo caches cleared, "
          "edit = requests/day changed, as when a user types)")
    for name in PRESETS:
        w = api.preset(name)
        med_cold, _ = timed(lambda: cold(w, cat, book), 7)
        rec = recommend_with(w, cat, book)
        edits = iter(range(1, 1000))
        med_edit, _ = timed(lambda: recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (1 + next(edits) / 100)), cat, book), 7)
        print(f"  {name:18s} cold {med_cold * 1e3:6.1f} ms   edit {med_edit * 1e3:6.1f} ms   "
              f"({len(rec.candidates)} candidates, {len(rec.rejected)} rejected, {rec.evaluated} configurations)")
    w = api.preset("bursty-app")
    big = synthetic_catalog(cat, 10)
    big_book = from_catalog(big)
    base, _ = timed(lambda: cold(w, cat, book), 5)
    large, _ = timed(lambda: cold(w, big, big_book), 3)
    print(f"  catalog x10        {len(big.models)} models: cold {large * 1e3:.0f} ms vs {base * 1e3:.1f} ms for {len(cat.models)} "
          f"(x{large / base:.1f} for 10x the models; linear is x10)")


def bench_tui() -> None:
    """Headless start: time to the first rendered screen, and to the first ranking on it."""
    code = ("import time, asyncio\nt=time.perf_counter()\nfrom advisor.tui.app import AdvisorApp\n"
            "async def main():\n    app = AdvisorApp()\n    async with app.run_test(size=(120, 40)) as pilot:\n"
            "        await pilot.pause()\n        first = time.perf_counter() - t\n"
            "        while app.recommendation is None and time.perf_counter() - t < 30:\n"
            "            await pilot.pause(0.02)\n"
            "        print(f'{first * 1e3:.0f} {(time.perf_counter() - t) * 1e3:.0f}')\nasyncio.run(main())")
    firsts, ranked = [], []
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode:
            print("tui start         failed:", proc.stderr.strip().splitlines()[-1:])
            return
        a, b = proc.stdout.strip().splitlines()[-1].split()
        firsts.append(float(a))
        ranked.append(float(b))
    print(f"tui start         first screen median {statistics.median(firsts):.0f} ms, first ranking shown "
          f"{statistics.median(ranked):.0f} ms (headless, Python start and imports included)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    bench_help(3 if args.quick else 7)
    bench_estimates()
    bench_ranking()
    bench_tui()
    return 0


if __name__ == "__main__":
    sys.exit(main())
