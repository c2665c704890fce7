"""Time of `sqmy stats` and `sqmy score` on a large office, cold and warm.

    .venv/bin/python benchmarks/stats_speed.py --items 10000 [--office DIR]

Makes the office with `sqmy demo` (or uses --office), then runs each command
in a fresh process: first with no item cache (every file read and checked),
then again (files unchanged since: read from .sqmy/cache).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQMY = str(Path(sys.executable).parent / "sqmy")


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--office", type=Path, help="an office made before by sqmy demo")
    args = parser.parse_args()
    env = dict(os.environ, SQMY_TODAY=os.environ.get("SQMY_TODAY", "2026-11-28"))
    with tempfile.TemporaryDirectory() as tmp:
        office = args.office
        if office is None:
            office = Path(tmp) / "office"
            seconds = timed([SQMY, "--root", str(REPO), "demo", "--items", str(args.items), "--out", str(office), "--signed", "0"], REPO, env)
            print(f"sqmy demo --items {args.items}: {seconds:.1f} s")
        for command in (["stats", "--year", "2025"], ["score", "--year", "2025"], ["status", "--summary"]):
            shutil.rmtree(office / ".sqmy", ignore_errors=True)
            cold = timed([SQMY, *command, "--format", "json"] if command[0] != "status" else [SQMY, *command], office, env)
            warm = timed([SQMY, *command, "--format", "json"] if command[0] != "status" else [SQMY, *command], office, env)
            print(f"sqmy {' '.join(command)}: {cold:.2f} s without the item cache, {warm:.2f} s with it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
