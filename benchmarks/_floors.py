"""Floors: the least work a sqmy command could do, to time beside it.

    python benchmarks/_floors.py yaml OFFICE
    python benchmarks/_floors.py bare OFFICE OUT [--audience internal|public]
    python benchmarks/_floors.py pandoc OFFICE --year Y --count N OUT
    python benchmarks/_floors.py journal OFFICE --year Y --issue N OUT

Each is run by scale.py in a fresh process, like the command it stands beside:
- yaml: read every items/**/*.md, cut the front matter and parse it with
  libyaml, one file after another (what any loader of the items must do, with
  none of sqmy's checks);
- bare: write the Markdown pages sqmy generates under a bare mkdocs-material
  configuration with the same theme settings (scale.py then times
  `mkdocs build` and Pagefind over it; site_speed.py and search_speed.py use
  `write_bare` too);
- pandoc: N Markdown item bodies to .docx, one pandoc process each, as many at
  once as there are cores (how `sqmy docx all` runs pandoc), without sqmy's
  templates, reference document or checks;
- journal: every front matter read (to find the issue's items, as sqmy must),
  then the issue's titles and bodies through one pandoc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
BARE = """site_name: bare
docs_dir: docs
site_dir: site
theme:
  name: material
  language: zh
  font: false
  features: [navigation.tabs, navigation.top, content.tooltips]
markdown_extensions: [tables, attr_list, admonition, toc]
not_in_nav: |
  /items/
  /by/
  /journal/
validation:
  nav:
    omitted_files: info
"""


def front_matters(office: Path) -> Iterator[tuple[Path, dict[str, Any], str]]:
    """(file, front matter, body) of every item, read and parsed one after another."""
    for path in sorted((office / "items").rglob("*.md")):
        text = path.read_text("utf-8")
        _, head, body = text.split("---\n", 2) if text.startswith("---\n") else ("", "", text)
        yield path, yaml.load(head, Loader=yaml.CSafeLoader) or {}, body


def write_bare(office: Path, bare: Path, today: str, extra: str = "plugins: []\n", audience: str = "internal") -> int:
    """The pages sqmy generates for `office`, as plain Markdown files under a bare mkdocs-material configuration.

    Returns the number of pages written.  Imports sqmy here, not at the top:
    the other floors must not pay for it.
    """
    from sqmy.history import timelines  # noqa: PLC0415
    from sqmy.load import load_all  # noqa: PLC0415
    from sqmy.paths import Repo  # noqa: PLC0415
    from sqmy.site import pages as site_pages  # noqa: PLC0415

    day = dt.date.fromisoformat(today)
    loaded = load_all(Repo(office), day)
    # the internal edition shows each item's Git steps: the same pages means reading them too
    steps = timelines(Repo(office)) if audience == site_pages.INTERNAL else {}
    edition = site_pages.edition(loaded.registry, loaded.items, audience, day, steps)
    written = site_pages.pages(edition)
    for path, text in written.items():
        (bare / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (bare / "docs" / path).write_text(text, "utf-8")
    shutil.copy(REPO / "templates" / "site" / "guide.md", bare / "docs" / "guide.md")
    nav = _nav(site_pages.NAV + ([{"晾晒比拼": "rankings.md"}] if "rankings.md" in written else []))
    (bare / "mkdocs.yml").write_text(BARE.replace("site_name: bare", "site_name: bare\nnav:\n" + nav) + extra, "utf-8")
    return len(written) + 1


def _nav(entries: list[dict[str, Any]]) -> str:
    lines = []
    for entry in entries:
        for title, target in entry.items():
            if isinstance(target, list):
                lines.append(f"  - {title}:")
                lines += [f"    - {t}" for t in target]
            else:
                lines.append(f"  - {title}: {target}")
    return "\n".join(lines) + "\n"


def _pandoc() -> str:
    import pypandoc  # noqa: PLC0415 - the pandoc sqmy uses (pypandoc-binary)

    return str(pypandoc.get_pandoc_path())


def _to_docx(pandoc: str, markdown: str, out: Path) -> None:
    subprocess.run([pandoc, "-f", "markdown", "-t", "docx", "-o", str(out)], input=markdown.encode(), check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="floor", required=True)
    sub.add_parser("yaml").add_argument("office", type=Path)
    bare = sub.add_parser("bare")
    bare.add_argument("office", type=Path)
    bare.add_argument("out", type=Path)
    bare.add_argument("--audience", default="internal")
    for name in ("pandoc", "journal"):
        one = sub.add_parser(name)
        one.add_argument("office", type=Path)
        one.add_argument("out", type=Path)
        one.add_argument("--year", type=int, required=True)
        if name == "pandoc":
            one.add_argument("--count", type=int, required=True)
        else:
            one.add_argument("--issue", type=int, required=True)
    args = parser.parse_args()
    if args.floor == "yaml":
        count = sum(1 for _ in front_matters(args.office))
        print(f"{count} front matters parsed")
    elif args.floor == "bare":
        pages = write_bare(args.office, args.out, os.environ.get("SQMY_TODAY", "2026-11-28"), audience=args.audience)
        print(f"{pages} pages written")
    elif args.floor == "pandoc":
        # the year's item bodies, repeated if there are fewer items than documents to write
        bodies = [body for path, _, body in front_matters(args.office) if path.parent.name == str(args.year)] or ["正文。\n"]
        args.out.mkdir(parents=True, exist_ok=True)
        pandoc = _pandoc()
        with ThreadPoolExecutor(len(os.sched_getaffinity(0))) as pool:
            list(pool.map(lambda n: _to_docx(pandoc, bodies[n % len(bodies)], args.out / f"{n}.docx"), range(args.count)))
        print(f"{args.count} documents written")
    else:
        wanted = {"year": args.year, "issue": args.issue}
        issue = [(meta, body) for _, meta, body in front_matters(args.office)
                 if isinstance(meta.get("journal"), dict) and {k: meta["journal"].get(k) for k in wanted} == wanted]
        text = "\n\n".join(f"# {meta.get('title', '')}\n\n{body}" for meta, body in issue)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        _to_docx(_pandoc(), text, args.out)
        print(f"issue {args.issue}: {len(issue)} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
