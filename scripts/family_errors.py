"""Write advisor/physics/family_error.py: the estimate's median signed error on each family (model x GPU x engine) of the
scored calibration rows, as ``moe-advisor validate`` prints it.

Usage:  python scripts/family_errors.py [--check]   (a second on 2 cores; --check exits 1 where the module differs)

Run it after scripts/fit_engine.py or an edit of catalogs/calibration.csv: tests/test_family_error.py fails while the
module is stale. The module is Python, not a data file, so that an edit of it changes the code digest the kept
estimates are stored under (``advisor.common.memo_store.fingerprint``) and no estimate keeps an old warning.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from advisor.catalog.load import load_catalog
from advisor.physics import calibration

OUT = Path(__file__).resolve().parent.parent / "advisor" / "physics" / "family_error.py"
HEAD = ('"""The throughput estimate\'s median signed error (estimate / measured - 1) over the scored calibration rows of each\n'
        'family (model, GPU, engine) in each layout the rows ran and band of concurrency (``coverage.concurrency_band``), the\n'
        'row count and what the rows ran: written by scripts/family_errors.py from ``advisor.physics.calibration.validate`` on\n'
        'catalogs/calibration.csv (every row carries its source URL; ``moe-advisor validate --rows`` lists them). Read by\n'
        '``advisor.physics.coverage.known_error``; tests/test_family_error.py checks it against a fresh validation."""\n\n')


def table() -> dict[tuple[str, str, str, str, str], tuple[int, float, str]]:
    """From the bundled catalogs alone, the estimate as shipped: no user catalog, no team measurement (``moe-advisor
    calibrate``) correcting a row (a developer's own correction would otherwise ship as every user's known error)."""
    from advisor.measure.store import corrections_disabled

    root = OUT.parent.parent.parent
    with corrections_disabled():
        s = calibration.validate(load_catalog(bundled=root / "catalogs", user=root / "nonexistent"))
    from advisor.physics.coverage import concurrency_band

    out = {}
    for (model, gpu, engine), v in sorted(s.families().items()):
        bands: dict[tuple[str, str], list] = {}
        for r in v.results:  # a max-throughput row runs the engine's own large batch: the top band
            band = concurrency_band(r.row.concurrency if r.row.concurrency is not None else 10**9)
            bands.setdefault((r.row.layout or "unknown", band), []).append(r)
        for (layout, band), rows in sorted(bands.items()):
            part = calibration.ValidationSummary(results=tuple(rows), skipped=(), moe_models=v.moe_models)
            out[(model, gpu, engine, layout, band)] = (len(rows), round(part.median_signed_error, 4), measured(part))
    return out


def measured(s: calibration.ValidationSummary) -> str:
    """What the family's rows ran: ``fp8 on 8 GPUs at 4 concurrent requests``, ``fp8 on 4, 8 GPUs in max-throughput runs``."""
    rows = [r.row for r in s.results]
    counts = ", ".join(str(n) for n in sorted({r.gpus for r in rows}))
    head = f"{', '.join(sorted({r.precision for r in rows}))} on {counts} GPU{'' if counts == '1' else 's'}"
    pinned = sorted({r.concurrency for r in rows if r.concurrency is not None})
    one = pinned == [1]
    tail = [f"at {pinned[0]:,}{'' if len(pinned) == 1 else f'-{pinned[-1]:,}'} concurrent request{'' if one else 's'}"] if pinned else []
    tail += ["in max-throughput runs"] if any(r.concurrency is None for r in rows) else []
    return " ".join([head, " and ".join(tail)]) if tail else head


def render(rows: dict[tuple[str, str, str, str, str], tuple[int, float, str]]) -> str:
    body = "".join(f"    {k!r}: {v!r},\n" for k, v in rows.items())
    return f"{HEAD}FAMILIES: dict[tuple[str, str, str, str, str], tuple[int, float, str]] = {{\n{body}}}\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 where the module differs from a fresh validation")
    args = ap.parse_args()
    text = render(table())
    if args.check:
        same = OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} is stale: run python scripts/family_errors.py")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
