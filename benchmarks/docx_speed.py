"""Documents per second for `sqmy docx all`, on the demo office or a generated one.

    .venv/bin/python benchmarks/docx_speed.py                 # the repository's demo office, 2025 and 2026
    .venv/bin/python benchmarks/docx_speed.py --items 1000    # an office made by `sqmy demo`
    .venv/bin/python benchmarks/docx_speed.py --jobs 1        # one pandoc at a time, to see what parallelism gives

Each run is a fresh process writing to an empty folder; the reference document
is built before the timed runs (it is cached, as in daily use). The figure is
documents written / wall time of the whole command (loading the items included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQMY = str(Path(sys.executable).parent / "sqmy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, help="make an office of this many items with sqmy demo (default: the repository's demo office)")
    parser.add_argument("--jobs", type=int, help="pandoc processes at once (SQMY_JOBS; default: one per core)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, SQMY_TODAY=os.environ.get("SQMY_TODAY", "2026-11-28"))
    if args.jobs:
        env["SQMY_JOBS"] = str(args.jobs)
    with tempfile.TemporaryDirectory() as tmp:
        office = REPO
        if args.items:
            office = Path(tmp) / "office"
            subprocess.run([SQMY, "--root", str(REPO), "demo", "--items", str(args.items), "--out", str(office), "--signed", "0"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([SQMY, "--root", str(office), "docx", "bulletin", "--year", "2026", "-o", str(Path(tmp) / "warm.docx")],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        for run in range(args.runs):
            out = Path(tmp) / f"run{run}"
            started = time.perf_counter()
            for year in ("2025", "2026"):
                subprocess.run([SQMY, "--root", str(office), "docx", "all", "--year", year, "-o", str(out)],
                               env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            count = sum(1 for _ in out.rglob("*.docx"))
            print(f"run {run + 1}: {count} documents in {seconds:.2f} s = {count / seconds:.1f} documents/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
