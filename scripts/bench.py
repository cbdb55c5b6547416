"""Speed benchmarks (never timed assertions in tests). Usage: python scripts/bench.py [--quick] [--only NAME ...]

Measures, each a section you can run alone with --only:
  help      `moe-advisor --help` wall time and whether it imports textual/httpx;
  estimate  one estimate per model x GPU x precision over the catalog;
  ranking   the full ranking for each preset, cold (memos cleared) and on an edit (requests/day changed);
  process   `moe-advisor recommend --preset X` as a whole process (cache directory warm and empty), and where a
            start spends its time;
  scale     a user catalog on disk at 1x, 10x and 30x the bundled models: load, cold ranking, edit re-rank
            and peak memory, per configuration ranked (linear growth keeps these flat);
  tui       the app headless (Pilot): first screen, first ranking, and a keystroke to the new ranking;
  terminal  the same in a real terminal (tmux, 120x40): first screen, first ranking, keystroke to table.
Python writes bytecode for these runs (an installed package has it); PYTHONDONTWRITEBYTECODE is ignored.
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
    combos = [(m, g, p) for m in cat.models.values() if not m.api_only for g in cat.gpus.values() for p in PRECISIONS]  # API-only: nothing to estimate
    def run():
        for m, g, p in combos:
            estimate_for(m, g, 8, p, 1024, 256, engine=cat.engine)
    med, best = timed(run, 5)
    print(f"estimate sweep    {len(combos)} estimates (model x GPU x precision, 8 GPUs): median {med * 1e3:6.1f} ms "
          f"= {med / len(combos) * 1e6:.0f} us each")


def bench_ranking() -> None:
    import dataclasses

    from advisor import api
    from advisor.ranking.context import clear_memos
    from advisor.ranking.rank import recommend_with
    from advisor.prices.book import from_catalog
    from advisor.domain.workload import PRESETS

    from advisor.common import memo_store
    from advisor.tui.services import Services, release_results

    memo_store.enabled = False  # cold means computed: no results kept on disk by an earlier process
    cat = api.catalog()
    book = from_catalog(cat)

    def cold(w, c, b):
        clear_memos()
        return recommend_with(w, c, b)

    svc = Services()  # headless: the calls the TUI's ranking worker makes

    def worker(w):
        svc.check_ids(w)
        return svc.recommend(w)

    print("ranking (recommend over the whole bundled catalog; cold = memo caches cleared, "
          "edit = requests/day raised by 1-7%, as when a user types, down = lowered each time, back = a digit typed then deleted (x10, then back to a volume ranked before); worker = the same edit as the TUI's worker makes it: "
          "ids checked, prices and backends resolved, then ranked, the result handed on; its CPU time beside it, and the "
          "release of the previous ranking and of the results the worker's cache pushed out, which the TUI does on the UI thread once the table shows the new one)")
    for name in PRESETS:
        w = api.preset(name)
        med_cold, _ = timed(lambda: cold(w, cat, book), 7)
        rec = recommend_with(w, cat, book)
        edits = iter(range(1, 1000))
        med_edit, _ = timed(lambda: recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (1 + next(edits) / 100)), cat, book), 7)
        # Each edit above raises the volume (a search whose winner bills the same answers without searching); a lowered
        # volume searches again (other configurations' bills fall too): timed on its own, as a user deleting a digit.
        downs = iter(range(1, 1000))
        med_down, _ = timed(lambda: recommend_with(dataclasses.replace(w, requests_per_day=w.requests_per_day * (0.5 - next(downs) / 400)), cat, book), 7)
        # A digit typed, then deleted: back to a volume ranked before, whose kept searches answer it (``settled.record``).
        backs = []
        for i in range(1, 8):
            v = w.requests_per_day * (0.3 + i / 100)
            recommend_with(dataclasses.replace(w, requests_per_day=v), cat, book)
            recommend_with(dataclasses.replace(w, requests_per_day=v * 10), cat, book)
            t = time.perf_counter()
            recommend_with(dataclasses.replace(w, requests_per_day=v), cat, book)
            backs.append(time.perf_counter() - t)
        med_back = statistics.median(backs)
        # The worker hands its ranking to the screen, which keeps it until the next one replaces it: the previous
        # ranking is released there, on the UI thread (in the keystroke figure), not in the worker. So each result is
        # kept past its timing, and the release of the one before is timed on its own.
        walls, cpu, release, held = [], [], [], None  # CPU time: what other jobs on a shared machine take from wall time, left out
        for _ in range(7):
            edit = dataclasses.replace(w, requests_per_day=w.requests_per_day * (1 + next(edits) / 100))
            t, c = time.perf_counter(), time.process_time()
            got = worker(edit)
            walls.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            t = time.perf_counter()
            held = got  # the screen takes the new ranking: the previous one goes, and the results the worker's cache
            release_results()  # pushed out are freed (``AdvisorApp.on_ranking_ready``, once the ranking is on screen)
            release.append(time.perf_counter() - t)
            del got
        del held
        med_worker = statistics.median(walls)
        print(f"  {name:18s} cold {med_cold * 1e3:6.1f} ms   edit {med_edit * 1e3:6.1f} ms (down {med_down * 1e3:5.1f} ms, back {med_back * 1e3:5.1f} ms)   worker {med_worker * 1e3:6.1f} ms "
              f"(CPU {statistics.median(cpu) * 1e3:5.1f} ms; release of the previous {statistics.median(release) * 1e3:3.1f} ms)   "
              f"({len(rec.candidates)} candidates, {len(rec.rejected)} rejected, {rec.evaluated} configurations)")



def _env(**extra: str) -> dict[str, str]:
    """The environment for a child Python: bytecode written and read, as in an installed package."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def bench_process(repeat: int) -> None:
    """`moe-advisor recommend --preset X` as a user runs it, and a cold start's parts in one process."""
    from advisor.domain.workload import PRESETS

    import tempfile

    print("process (moe-advisor recommend --preset X, whole process; warm: the cache directory holds what an earlier "
          "run kept, cold: an empty cache directory)")
    cmd = [sys.executable, "-m", "advisor", "recommend", "--preset"]
    subprocess.run(cmd + ["steady-latency"], capture_output=True, env=_env())  # bytecode written
    kept = tempfile.mkdtemp(prefix="moe-advisor-bench-")  # a cache directory of its own: the memo file's size below
    for name in PRESETS:
        subprocess.run(cmd + [name], capture_output=True, env=_env(MOE_ADVISOR_CACHE_DIR=kept))  # this preset's results kept
        med, best = timed(lambda: subprocess.run(cmd + [name], capture_output=True, env=_env(MOE_ADVISOR_CACHE_DIR=kept)), repeat)

        def cold():
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run(cmd + [name], capture_output=True, env=_env(MOE_ADVISOR_CACHE_DIR=tmp))
        med_cold, _ = timed(cold, max(1, repeat // 2))
        print(f"  {name:18s} warm median {med * 1e3:6.0f} ms  (best {best * 1e3:.0f} ms)   cold median {med_cold * 1e3:6.0f} ms")
    import shutil
    from pathlib import Path

    files = sorted(Path(kept).glob("memo-*.pickle"))
    print(f"  memo file after the five presets: {sum(f.stat().st_size for f in files) / 1e6:.1f} MB in {len(files)} file(s)")
    shutil.rmtree(kept, ignore_errors=True)
    # The parts as the command's own process runs them: the cyclic collector off (advisor.common.process), the table
    # drawn (the top three candidates' reasons are written as it reads them).
    code = ("import gc, time\ngc.disable()\nt0=time.perf_counter()\nfrom advisor import api\nt1=time.perf_counter()\n"
            "cat=api.catalog()\nt2=time.perf_counter()\nfrom advisor.prices import resolve\nfrom advisor import plugin_manager\n"
            "book=resolve.price_book(cat); plugin_manager.cost_backends()\nt3=time.perf_counter()\n"
            "rec=api.recommend(api.preset('bursty-app'))\nt4=time.perf_counter()\n"
            "from advisor.cli.render import render\nrender(rec, top=10, details=3)\nt5=time.perf_counter()\n"
            "print(' '.join(f'{x*1e3:.0f}' for x in (t1-t0, t2-t1, t3-t2, t4-t3, t5-t4)))")
    rows = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
        if out.returncode:
            print("  cold start parts failed:", out.stderr.strip().splitlines()[-1:])
            return
        rows.append([float(x) for x in out.stdout.split()])
    med = [statistics.median(col) for col in zip(*rows)]
    print(f"  cold start parts (median): import api {med[0]:.0f} ms, catalog + plugins {med[1]:.0f} ms, "
          f"price book {med[2]:.0f} ms, first ranking (bursty-app) {med[3]:.0f} ms, its table {med[4]:.0f} ms")


def write_scaled_catalog(directory, factor: int) -> int:
    """A user catalog in ``directory`` that adds ``factor - 1`` copies of every bundled model (with its quality
    score and API price rows) under new ids: ``factor`` times the bundled models. Returns the model count."""
    import tomllib
    from pathlib import Path

    import tomli_w

    from advisor.common.paths import bundled_catalog_dir

    root = Path(bundled_catalog_dir())
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    models = tomllib.loads((root / "models.toml").read_text(encoding="utf-8"))["models"]
    quality = tomllib.loads((root / "quality.toml").read_text(encoding="utf-8"))["quality"]
    out_models, out_quality = {}, {}
    for i in range(1, factor):
        for mid, entry in models.items():
            out_models[f"{mid}-x{i}"] = entry
            if mid in quality:
                out_quality[f"{mid}-x{i}"] = quality[mid]
    (directory / "models.toml").write_text(tomli_w.dumps({"catalog": "models", "schema_version": 1, "models": out_models}))
    (directory / "quality.toml").write_text(tomli_w.dumps({"catalog": "quality", "schema_version": 1, "quality": out_quality}))
    for f in sorted((root / "prices").glob("api_*.toml")):
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        rows = [dict(r, model=f"{r['model']}-x{i}") for i in range(1, factor) for r in data.get("prices", [])]
        if rows:
            head = {k: v for k, v in data.items() if k != "prices"}
            (directory / f.name).write_text(tomli_w.dumps({**head, "prices": rows}))
    return len(models) * factor


_SCALE_CHILD = r"""
import gc, json, sys, time, tracemalloc, dataclasses
t = time.perf_counter()
from advisor import api
from advisor.ranking.context import clear_memos
from advisor.common import memo_store
cat = api.catalog()
load = time.perf_counter() - t
memo_store.enabled = False  # cold means computed, not read back from the results kept on disk
w = api.preset(sys.argv[1])
api.recommend(w)
cold = []
for _ in range(int(sys.argv[2])):
    clear_memos()
    t = time.perf_counter(); rec = api.recommend(w); cold.append(time.perf_counter() - t)
edits = []
for i in range(1, 8):
    w2 = dataclasses.replace(w, requests_per_day=w.requests_per_day * (1 + i / 100))
    t = time.perf_counter(); api.recommend(w2); edits.append(time.perf_counter() - t)
clear_memos(); gc.collect()
tracemalloc.start()
api.recommend(w)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"models": len(cat.models), "load": load, "cold": sorted(cold)[len(cold) // 2],
                  "edit": sorted(edits)[len(edits) // 2], "peak": peak, "configs": rec.evaluated, "problems": len(cat.problems)}))
"""


def bench_scale(factors=(1, 10, 30), preset: str = "bursty-app", repeat: int = 3) -> None:
    """Time and memory per configuration as the catalog grows: flat means linear."""
    import json
    import tempfile
    from pathlib import Path

    print(f"scale (a user catalog on disk at {', '.join(f'{f}x' for f in factors)} the bundled models; preset {preset}; "
          "per configuration ranked; x = relative to 1x, 1.0 is linear)")
    base = None
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            write_scaled_catalog(Path(tmp) / "catalogs", factor)
            env = _env(MOE_ADVISOR_CATALOG_DIR=str(Path(tmp) / "catalogs"), MOE_ADVISOR_CACHE_DIR=str(Path(tmp) / "cache"))
            out = subprocess.run([sys.executable, "-c", _SCALE_CHILD, preset, str(repeat)], capture_output=True, text=True, env=env)
        if out.returncode:
            print(f"  {factor}x failed:", out.stderr.strip().splitlines()[-1:])
            return
        r = json.loads(out.stdout.strip().splitlines()[-1])
        per = {k: r[k] / r["configs"] for k in ("cold", "edit", "peak")}
        base = base or per
        print(f"  {factor:3d}x {r['models']:5d} models {r['configs']:6d} configurations: load {r['load'] * 1e3:6.0f} ms, "
              f"cold {r['cold'] * 1e3:7.0f} ms (x{per['cold'] / base['cold']:.2f}), edit {r['edit'] * 1e3:6.0f} ms "
              f"(x{per['edit'] / base['edit']:.2f}), peak {r['peak'] / 2**20:6.1f} MiB (x{per['peak'] / base['peak']:.2f})"
              + (f", {r['problems']} catalog problems" if r["problems"] else ""))


_TUI_CHILD = r"""
import asyncio, statistics, sys, time
t0 = time.perf_counter()
from textual.widgets import Input
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.main import MainScreen

painted = []
show = MainScreen.show_ranking
def show_ranking(self, rec):
    show(self, rec)
    self.app.call_after_refresh(lambda: painted.append((rec.workload.requests_per_day, time.perf_counter())))
MainScreen.show_ranking = show_ranking

async def main():
    app = AdvisorApp(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while not painted and time.perf_counter() - t0 < 60:
            await asyncio.sleep(0.002)
        ranked = painted[0][1] - t0
        inp = app.screen.query_one("#requests_per_day", Input)
        inp.focus()
        await pilot.pause()
        keys = []
        for digit in "12345678":
            inp.value = "4"
            await pilot.pause(0.3)
            inp.cursor_position = 1
            want = int("4" + digit)
            t = time.perf_counter()
            press = asyncio.ensure_future(pilot.press(digit))  # not awaited first: Pilot waits for idle
            while not any(n == want for n, _ in painted) and time.perf_counter() - t < 30:
                await asyncio.sleep(0.001)
            keys.append(next(at for n, at in painted if n == want) - t)
            await press
        print(f"{ranked * 1e3:.0f} {statistics.median(keys) * 1e3:.0f}")

asyncio.run(main())
"""


def bench_tui(repeat: int) -> None:
    """Headless (Pilot): first ranking painted (the first screen is timed in a real terminal: Pilot's start
    waits for more than the first paint), and a digit typed into requests/day -> the screen
    refreshed with its ranking (a callback after the refresh that follows ``show_ranking``). Python start and
    imports are included in the first two."""
    rows = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", _TUI_CHILD], capture_output=True, text=True, env=_env())
        if proc.returncode:
            print("tui (headless)    failed:", proc.stderr.strip().splitlines()[-1:])
            return
        rows.append([float(x) for x in proc.stdout.strip().splitlines()[-1].split()])
    ranked, key = (statistics.median(col) for col in zip(*rows))
    print(f"tui (headless)    first ranking shown {ranked:.0f} ms, "
          f"keystroke -> new ranking on screen {key:.0f} ms (median of {repeat} starts x 8 keystrokes)")


def bench_terminal(repeat: int) -> None:
    """In a real terminal: tmux at 120x40 runs `python -m advisor`; the screen is read with capture-pane every
    ~5 ms. First screen = the questions pane drawn; first ranking = the status says "ranked"; a keystroke =
    a digit typed into requests/day until the status shows the new figure ranked."""
    import re
    import shutil

    if not shutil.which("tmux"):
        print("terminal          skipped: tmux is not installed")
        return
    session = "moe-advisor-bench"

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def wait(cond, limit=30.0) -> float:
        t = time.perf_counter()
        while time.perf_counter() - t < limit:
            if cond(screen()):
                return time.perf_counter()
            time.sleep(0.005)
        raise TimeoutError

    firsts, ranked, keys = [], [], []
    import os
    import shlex

    # tmux starts the command in its server's environment, not this one: pass what selects the code and catalogs
    keep = [f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k == "PYTHONPATH" or k.startswith("MOE_ADVISOR_")]
    cmd = f"{shutil.which('env')} -u PYTHONDONTWRITEBYTECODE {' '.join(keep)} {sys.executable} -m advisor"
    for _ in range(repeat):
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        t0 = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd], check=True)
        try:
            firsts.append(wait(lambda s: "Questions" in s) - t0)
            ranked.append(wait(lambda s: " ranked" in s) - t0)
            subprocess.run(["tmux", "send-keys", "-t", session, "Tab"])
            time.sleep(0.3)
            for digit in "123456":
                before = next((line for line in screen().splitlines() if "req/day" in line), "")
                t = time.perf_counter()
                subprocess.run(["tmux", "send-keys", "-t", session, digit])

                def shown(s: str, before=before) -> bool:
                    line = next((x for x in s.splitlines() if "req/day" in x), before)
                    return line != before and re.search(r"\d+ ranked", s) is not None and "ranking…" not in s
                keys.append(wait(shown) - t)
                time.sleep(0.15)
        except TimeoutError:
            print("terminal          timed out; the screen was:\n" + screen())
            return
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    print(f"terminal (tmux)   first screen {statistics.median(firsts) * 1e3:.0f} ms, first ranking {statistics.median(ranked) * 1e3:.0f} ms, "
          f"keystroke -> new ranking on screen {statistics.median(keys) * 1e3:.0f} ms (median of {repeat} starts x 6 keys)")


SECTIONS = ("help", "estimate", "ranking", "process", "scale", "tui", "terminal")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (and scale to 10x only)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    args = ap.parse_args()
    only = set(args.only or SECTIONS)
    n = 3 if args.quick else 7
    if "help" in only:
        bench_help(n)
    if "estimate" in only:
        bench_estimates()
    if "ranking" in only:
        bench_ranking()
    if "process" in only:
        bench_process(n)
    if "scale" in only:
        bench_scale((1, 10) if args.quick else (1, 10, 30))
    if "tui" in only:
        bench_tui(2 if args.quick else 3)
    if "terminal" in only:
        bench_terminal(2 if args.quick else 3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
