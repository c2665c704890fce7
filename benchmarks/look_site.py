"""Screenshots of the archive as readers see it, on a desktop (1280 px) and a phone (390 px).

    .venv/bin/python benchmarks/look_site.py                       # builds the demo office's internal edition
    .venv/bin/python benchmarks/look_site.py --audience public
    .venv/bin/python benchmarks/look_site.py --site site --out /tmp/look   # a site already built

Builds the demo office (a copy of this repository's units/, items/, templates/ and mkdocs.yml, with
`sqmy build`) unless --site names a built site, serves it on 127.0.0.1, opens it in a headless Chromium
(Debian's chromium if installed, else playwright's own) that may load nothing from elsewhere, and writes PNGs
of the home page, an item page (the one that has gone furthest, unless --item names one), the statistics and
rankings pages (the first screen, and the whole page: NAME-WIDTH-full.png), the header's search box with
results, and the search page with results and with none, each at both widths, into the folder it prints.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Route, sync_playwright  # a test dependency (pyproject's test extra)

REPO = Path(__file__).resolve().parent.parent
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(site: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def build(work: Path, audience: str) -> Path:
    """The demo office's `audience` edition, built in a copy of it under `work`."""
    office = work / "office"
    for name in ("units", "items", "templates"):
        shutil.copytree(REPO / name, office / name)
    shutil.copy(REPO / "mkdocs.yml", office)
    site = work / "site"
    env = dict(os.environ, SQMY_TODAY=os.environ.get("SQMY_TODAY", "2026-11-28"), NO_MKDOCS_2_WARNING="1")
    sqmy = Path(sys.executable).parent / "sqmy"
    done = subprocess.run([str(sqmy), "--root", str(office), "build", "--audience", audience, "--site-dir", str(site)], env=env,
                          capture_output=True, text=True, check=False)  # (it names a folder that is gone when this ends)
    if done.returncode:
        sys.exit(f"sqmy build 失败：\n{done.stdout}{done.stderr}")
    return site


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, help="a built site folder (default: build the demo office)")
    parser.add_argument("--audience", choices=("internal", "public"), default="internal", help="the edition to build (without --site)")
    parser.add_argument("--out", type=Path, help="where the PNGs go (default: a new folder under the system's temporary folder)")
    parser.add_argument("--query", default="老旧小区", help="a query with results (more than one screen of them, ideally)")
    parser.add_argument("--no-hits", default="量子纠缠", help="a query with no results")
    parser.add_argument("--item", help="the item page to show, e.g. items/2025/2025-0512-yangshufen-1/ (default: the first in items.json)")
    parser.add_argument("--chromium", help="the Chromium to run (default: Debian's chromium, else playwright's)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="sqmy-look-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sqmy-look-build-") as work:
        site = args.site.resolve() if args.site else build(Path(work), args.audience)
        index = json.loads((site / "items.json").read_text("utf-8"))
        # the item that has gone furthest (most steps, instructions and transfers): the fullest page
        rows = index["items"]
        furthest = max(rows, key=lambda r: (len(r["statuses"]), len(r["instructions"]) + len(r["transfers"])), default=None)
        item = args.item or (furthest["url"] if furthest else None)
        chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
        shots = shoot(site, out, item, args.query, args.no_hits, chromium)
    for name in shots:
        print(out / name)
    print(f"截图已保存到 {out}（共 {len(shots)} 张）")
    return 0


def shoot(site: Path, out: Path, item: str | None, query: str, no_hits: str, chromium: str | None) -> list[str]:
    pages = {"home": "", "item": item, "stats": "stats/", "rankings": "rankings/"}
    made: list[str] = []
    with serving(site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for kind, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=kind == "phone", has_touch=kind == "phone")
            outside: list[str] = []

            def guard(route: Route, outside: list[str] = outside) -> None:  # an intranet: nothing from elsewhere
                if route.request.url.startswith(server):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            tab = context.new_page()
            for name, path in pages.items():
                if path is None or not (site / path / "index.html").is_file():
                    print(f"（没有{name}页，跳过）", file=sys.stderr)
                    continue
                tab.goto(f"{server}/{path}")
                tab.wait_for_load_state("networkidle")
                made += [f"{name}-{kind}.png", f"{name}-{kind}-full.png"]  # the first screen, and the whole page
                tab.screenshot(path=str(out / made[-2]))
                tab.screenshot(path=str(out / made[-1]), full_page=True)
            # the header's box on the home page: type, the results drop down
            tab.goto(server + "/")
            if kind == "phone":
                tab.tap("label.md-header__button[for=__search]")
            else:
                tab.click(".md-search__input")
            tab.fill(".md-search__input", query)
            tab.locator(".sqmy-header-search .sqmy-count", has_text="信息").wait_for(timeout=15_000)
            tab.wait_for_timeout(400)  # the theme's transitions
            made.append(f"search-header-{kind}.png")
            tab.screenshot(path=str(out / made[-1]))
            # Enter: the search page with the query; and a query with no results
            tab.press(".md-search__input", "Enter")
            tab.locator("#sqmy-count", has_text="信息").wait_for(timeout=15_000)
            tab.wait_for_load_state("networkidle")
            made.append(f"search-{kind}.png")
            tab.screenshot(path=str(out / made[-1]), full_page=True)
            tab.goto(f"{server}/search/?q={quote(no_hits)}")
            tab.locator("#sqmy-count", has_text="没有找到").wait_for(timeout=15_000)
            made.append(f"search-none-{kind}.png")
            tab.screenshot(path=str(out / made[-1]), full_page=True)
            context.close()
            if outside:
                print("页面试图从外部加载：" + "、".join(sorted(set(outside))), file=sys.stderr)
        browser.close()
    return made


if __name__ == "__main__":
    sys.exit(main())
