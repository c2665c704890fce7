"""Build time of the archive against a bare mkdocs-material build of the same pages.

    .venv/bin/python benchmarks/site_speed.py --items 5000
    .venv/bin/python benchmarks/site_speed.py --items 10000 --only-sqmy

Makes an office with `sqmy demo`, then times, each in a fresh process:
1. `sqmy build` (the plugin: loading, checking and generating every page,
   MkDocs + mkdocs-material, and the Pagefind index), then again without a
   search index;
2. the same Markdown pages written to a folder and built by a bare
   mkdocs-material configuration with the same theme settings, without any
   search and then with mkdocs-material's own search plugin.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _floors import write_bare  # the bare configuration and pages, shared with scale.py

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--only-sqmy", action="store_true", help="time `sqmy build` only (the 2-minute target at 10,000 items)")
    args = parser.parse_args()
    today = os.environ.get("SQMY_TODAY", "2026-11-28")
    env = dict(os.environ, SQMY_TODAY=today, NO_MKDOCS_2_WARNING="1")
    with tempfile.TemporaryDirectory() as tmp:
        office = Path(tmp) / "office"
        seconds = timed([str(BIN / "sqmy"), "--root", str(REPO), "demo", "--items", str(args.items), "--out", str(office), "--signed", "0"], REPO, env)
        print(f"sqmy demo --items {args.items}: {seconds:.1f} s")
        built = timed([str(BIN / "sqmy"), "build"], office, env)
        pages = len(list((office / "site").rglob("index.html")))
        print(f"sqmy build (plugin + mkdocs-material + Pagefind): {built:.1f} s for {pages} pages")
        if args.only_sqmy:
            return 0
        config = office / "mkdocs.yml"
        config.write_text(config.read_text("utf-8").replace("search: pagefind", "search: none"), "utf-8")
        plugin_only = timed([str(BIN / "sqmy"), "build"], office, env)
        print(f"sqmy build without a search index: {plugin_only:.1f} s")
        bare = Path(tmp) / "bare"
        write_bare(office, bare, today)
        plain = timed([sys.executable, "-m", "mkdocs", "build", "-q"], bare, env)
        print(f"bare mkdocs-material build of the same pages, same theme, no search: {plain:.1f} s")
        (bare / "mkdocs.yml").write_text((bare / "mkdocs.yml").read_text("utf-8").replace("plugins: []", "plugins: [search]"), "utf-8")
        plain_search = timed([sys.executable, "-m", "mkdocs", "build", "-q"], bare, env)
        print(f"bare mkdocs-material build with its own search plugin: {plain_search:.1f} s")
        print(f"ratio without search: {plugin_only / plain:.2f}; with search (Pagefind / material's own): {built / plain_search:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
