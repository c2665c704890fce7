"""Chinese search at scale: mkdocs-material's search (with jieba) against Pagefind.

    .venv/bin/python benchmarks/search_speed.py --items 10000 [--no-material]

Builds the archive of a `sqmy demo` office twice from the same pages: once as
sqmy builds it (Pagefind), once as a bare mkdocs-material site with its own
search plugin (`lang: zh`, jieba installed).  Each is served on 127.0.0.1 and
queried in headless Chromium; for each query it reports the time from typing
to the first result shown (the page already loaded, the index not), and the
bytes the browser fetched for it.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from _floors import write_bare

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUERIES = ("老旧小区改造", "养老服务", "加装电梯", "助餐点", "电动自行车")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def measure(url: str, page_path: str, box: str, result: str) -> list[tuple[str, float, int]]:
    found = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for query in QUERIES:
            page = browser.new_page()
            opening = [0]
            page.on("response", lambda r, opening=opening: opening.__setitem__(0, opening[0] + int(r.headers.get("content-length", "0"))))
            page.goto(url + page_path)
            page.wait_for_load_state("networkidle")
            print(f"  opening {page_path}: {opening[0] / 1e6:.2f} MB (page, theme and, for Pagefind, its code and the index's entry)")
            fetched = [0]
            page.on("response", lambda r, fetched=fetched: fetched.__setitem__(0, fetched[0] + int(r.headers.get("content-length", "0"))))
            started = time.perf_counter()
            if box.startswith("material"):
                page.click("input.md-search__input")
                page.fill("input.md-search__input", query)
            else:
                page.fill(box, query)
            page.wait_for_selector(result, timeout=120_000)
            found.append((query, time.perf_counter() - started, fetched[0]))
            page.close()
        browser.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--no-material", dest="material", action="store_false", help="skip mkdocs-material's own search (its index takes minutes)")
    args = parser.parse_args()
    today = os.environ.get("SQMY_TODAY", "2026-11-28")
    env = dict(os.environ, SQMY_TODAY=today, NO_MKDOCS_2_WARNING="1")
    with tempfile.TemporaryDirectory() as tmp:
        office = Path(tmp) / "office"
        subprocess.run([str(BIN / "sqmy"), "--root", str(REPO), "demo", "--items", str(args.items), "--out", str(office), "--signed", "0"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(BIN / "sqmy"), "build"], cwd=office, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bare = Path(tmp) / "material"
        if args.material:
            write_bare(office, bare, today, "plugins:\n  - search:\n      lang: [zh]\n")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=bare, env=env, check=True)
            index = bare / "site" / "search" / "search_index.json"
            print(f"material search: build {time.perf_counter() - started:.0f} s, index {index.stat().st_size / 1e6:.1f} MB")
        pagefind = sum(p.stat().st_size for p in (office / "site" / "_pagefind").rglob("*") if p.is_file())
        print(f"Pagefind: bundle {pagefind / 1e6:.1f} MB on disk, fetched in pieces")
        for name, folder, path, box, result in (
            ("Pagefind", office / "site", "/search/", "#sqmy-q", ".sqmy-result"),
            *([("material", bare / "site", "/", "material", ".md-search-result__item")] if args.material else []),
        ):
            httpd, url = serve(folder)
            try:
                for query, seconds, size in measure(url, path, box, result):
                    print(f"{name:9} {query}: first results after {seconds:.2f} s, {size / 1e6:.2f} MB fetched")
            finally:
                httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
