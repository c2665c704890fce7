"""Audit speed on a synthetic office: the whole history and one pull request.

    .venv/bin/python benchmarks/audit_speed.py --items 10000

Runs `sqmy demo` (timed too) into a temporary folder, then `sqmy audit` over
the whole history and `sqmy audit --since` over the commits of one open
item branch, each in a fresh process as CI would.
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


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr}")
    return elapsed, " ".join(result.stdout.strip().splitlines()[-2:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    env = dict(os.environ, SQMY_TODAY=os.environ.get("SQMY_TODAY", "2026-11-28"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "office"
        seconds, summary = timed([SQMY, "--root", str(REPO), "demo", "--items", str(args.items), "--out", str(out), "--seed", str(args.seed)], REPO, env)
        print(f"sqmy demo --items {args.items}: {seconds:.1f} s — {summary}")
        seconds, summary = timed([SQMY, "audit"], out, env)
        print(f"sqmy audit (whole history): {seconds:.1f} s — {summary}")
        def git(*words: str) -> str:
            return subprocess.run(["git", *words], cwd=out, capture_output=True, text=True, check=True).stdout.strip()

        branch = git("branch", "--list", "item/*", "--format=%(refname:short)").split()[0]
        git("checkout", "-q", branch)
        base = git("merge-base", "HEAD", "main")
        seconds, summary = timed([SQMY, "audit", "--since", base], out, env)
        print(f"sqmy audit --since <base> (one pull request, {branch}): {seconds:.2f} s — {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
