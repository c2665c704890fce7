"""Validation speed on a large office: items per second of `sqmy validate`.

    .venv/bin/python benchmarks/validate_speed.py --items 10000 [--jobs N]

Makes a temporary office from the demo registry and N items varied from the
demo items (new ids, dates and authors), then runs the real command line in a
fresh process, as a user would, and reports wall time and items per second.
(`sqmy demo`, with full review history, replaces this generator later.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def generate(root: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    shutil.copytree(REPO / "units", root / "units")
    templates = sorted((REPO / "items").rglob("*.md"))
    sources = [p.read_text("utf-8") for p in templates]
    people = re.findall(r"^- id: (\S+)", (REPO / "units" / "people.yml").read_text("utf-8"), re.M)
    for n in range(count):
        text = sources[n % len(sources)]
        year = 2025 + n % 2
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(300))
        author = rng.choice(people)
        item_id = f"{year}-{day:%m%d}-{author.replace('-', '')}-{n:05d}"
        old_year = re.search(r"^id: (\d{4})", text, re.M)
        assert old_year
        text = re.sub(r"^id: .*$", f"id: {item_id}", text, count=1, flags=re.M)
        folder = root / "items" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item_id}.md").write_text(text, "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (SQMY_JOBS)")
    parser.add_argument("--runs", type=int, default=5, help="how many times to run it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "office"
        started = time.perf_counter()
        generate(root, args.items, args.seed)
        print(f"generated {args.items} items in {time.perf_counter() - started:.1f} s")
        env = dict(os.environ, SQMY_TODAY="2026-11-28")
        if args.jobs:
            env["SQMY_JOBS"] = str(args.jobs)
        sqmy = Path(sys.executable).parent / "sqmy"
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = subprocess.run([str(sqmy), "--root", str(root), "validate"], capture_output=True, text=True, env=env, check=False)
            times.append(time.perf_counter() - started)
            if result.returncode not in (0, 1):
                print(result.stderr)
                return result.returncode
        last = result.stdout.strip().splitlines()[-1]
        best, median = min(times), sorted(times)[len(times) // 2]
        print(f"sqmy validate ({args.runs} runs, each a fresh process): best {best:.2f} s = {args.items / best:,.0f} items/s, "
              f"median {median:.2f} s = {args.items / median:,.0f} items/s ({last})")
        return 0


if __name__ == "__main__":
    sys.exit(main())
