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
HEAD = '"""The throughput estimate\'s median signed error (estimate / measured - 1) over the scored calibration rows of each\n' \
       'family (model, GPU, engine), and the row count: written by scripts/family_errors.py from\n' \
       '``advisor.physics.calibration.validate`` on catalogs/calibration.csv (every row carries its source URL; ``moe-advisor\n' \
       'validate --rows`` lists them). Read by ``advisor.physics.coverage.known_error``; tests/test_family_error.py checks\n' \
       'it against a fresh validation."""\n\n'


def table() -> dict[tuple[str, str, str], tuple[int, float]]:
    s = calibration.validate(load_catalog())
    return {k: (len(v.results), round(v.median_signed_error, 4)) for k, v in sorted(s.families().items())}


def render(rows: dict[tuple[str, str, str], tuple[int, float]]) -> str:
    body = "".join(f"    {k!r}: {v!r},\n" for k, v in rows.items())
    return f"{HEAD}FAMILIES: dict[tuple[str, str, str], tuple[int, float]] = {{\n{body}}}\n"


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
