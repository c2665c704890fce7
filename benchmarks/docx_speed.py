"""Documents per second for `sqmy docx all`, and seconds for one journal issue, on the demo office or a generated one.

    .venv/bin/python benchmarks/docx_speed.py                          # the repository's demo office, 2025 and 2026
    .venv/bin/python benchmarks/docx_speed.py --items 1000             # an office made by `sqmy demo`
    .venv/bin/python benchmarks/docx_speed.py --office /tmp/docx10k --years 2025 --runs 1   # an office made before
    .venv/bin/python benchmarks/docx_speed.py --jobs 1                 # one conversion at a time, to see what parallelism gives

Each run is a fresh process writing to an empty folder; the reference document
is built before the timed runs (it is cached, as in daily use). The figure is
documents written / wall time of the whole command (loading the items included).
CPU time (the command and every pandoc it ran) is shown too, per document: on a
machine other work shares, it says what the wall time cannot, and two cores at
full use would give 2000 / (CPU ms a document) documents a second.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQMY = str(Path(sys.executable).parent / "sqmy")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def an_issue(office: Path, year: str) -> int:
    """The first issue of `year` in the office (any issue does: one issue is one document)."""
    for path in sorted((office / "items" / year).glob("*.md")):
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("journal:") and f"year: {year}" in line:
                return int(line.split("issue:")[1].split(",")[0].strip(" }"))
    raise SystemExit(f"{office} 的 {year} 年没有编入期刊的信息")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, help="make an office of this many items with sqmy demo (default: the repository's demo office)")
    parser.add_argument("--office", type=Path, help="an office made before (sqmy demo --out), used as it is")
    parser.add_argument("--years", nargs="+", default=["2025", "2026"])
    parser.add_argument("--jobs", type=int, help="conversions at once (SQMY_JOBS; default: one more than the cores)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, SQMY_TODAY=os.environ.get("SQMY_TODAY", "2026-11-28"))
    if args.jobs:
        env["SQMY_JOBS"] = str(args.jobs)
    with tempfile.TemporaryDirectory() as tmp:
        office = args.office or REPO
        if args.items:
            office = Path(tmp) / "office"
            subprocess.run([SQMY, "--root", str(REPO), "demo", "--items", str(args.items), "--out", str(office), "--signed", "0"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([SQMY, "--root", str(office), "docx", "bulletin", "--year", args.years[0], "-o", str(Path(tmp) / "warm.docx")],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        issue = an_issue(office, args.years[0])
        for run in range(args.runs):
            out = Path(tmp) / f"run{run}"
            cpu, started = children_cpu(), time.perf_counter()
            for year in args.years:
                subprocess.run([SQMY, "--root", str(office), "docx", "all", "--year", year, "-o", str(out)],
                               env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
            count = sum(1 for _ in out.rglob("*.docx"))
            print(f"run {run + 1}: {count} documents in {seconds:.2f} s = {count / seconds:.1f} documents/s"
                  f" (CPU {cpu / count * 1000:.1f} ms a document)")
            cpu, started = children_cpu(), time.perf_counter()
            subprocess.run([SQMY, "--root", str(office), "docx", "journal", "--year", args.years[0], "--issue", str(issue),
                            "-o", str(Path(tmp) / "issue.docx")], env=env, check=True, stdout=subprocess.DEVNULL)
            print(f"       one journal issue ({args.years[0]}年第{issue}期): {time.perf_counter() - started:.2f} s (CPU {children_cpu() - cpu:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
