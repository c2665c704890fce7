"""Pictures of the Word documents as LibreOffice prints them: page 1 and the last page of each kind.

    .venv/bin/python benchmarks/look_docx.py                         # the demo office's documents of 2026
    .venv/bin/python benchmarks/look_docx.py --year 2025 --out /tmp/look
    .venv/bin/python benchmarks/look_docx.py --docx build/docx/2026  # a folder of documents already made
    .venv/bin/python benchmarks/look_docx.py --plain                 # without sqmy's font rules

Makes the demo office's documents of a year with `sqmy docx all` (this repository's units/, items/ and
templates/, read in place, written to a temporary folder) unless --docx names a folder of .docx files, takes
one document of each kind (期刊, 直报件, 参阅件, 转办函, 通报: the largest file, so usually the most pages), renders them to
PDF with LibreOffice in one call, with the fontconfig rules `sqmy docx fonts` writes installed for
that LibreOffice as a Linux user installs them (not with --plain), and writes `<kind>-p1.png` and
`<kind>-p<last>.png` for each into the folder it prints, with the fonts each PDF embeds (pdffonts).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sqmy.docx import fonts, pages
from sqmy.docx.reference import load_definition
from sqmy.paths import Repo

REPO = Path(__file__).resolve().parent.parent
KINDS = {"journal": "社情民意信息", "item": "直报", "referral": "参阅件", "transfer": "转办函", "bulletin": "通报"}


def make(year: int, out: Path) -> Path:
    """The demo office's documents of `year`, made by `sqmy docx all` into `out`."""
    env = dict(os.environ, SQMY_TODAY=os.environ.get("SQMY_TODAY", "2026-11-28"))
    sqmy = Path(sys.executable).parent / "sqmy"
    made = subprocess.run([str(sqmy), "--root", str(REPO), "docx", "all", "--year", str(year), "-o", str(out)], env=env,
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        sys.exit(f"sqmy docx all 失败：\n{made.stderr}")
    return out / str(year)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docx", type=Path, help="a folder of Word documents (default: make the demo office's)")
    parser.add_argument("--year", type=int, default=2026, help="the year of the demo office's documents (without --docx)")
    parser.add_argument("--out", type=Path, help="where the PNGs go (default: a new folder under the system's temporary folder)")
    parser.add_argument("--resolution", type=int, default=60, help="pixels an inch")
    parser.add_argument("--plain", action="store_true", help="render without sqmy's fontconfig rules (as a Linux machine without them)")
    args = parser.parse_args()
    missing = pages.missing_tools()
    if missing:
        sys.exit(f"缺少 {'、'.join(missing)}：请安装 LibreOffice（libreoffice-writer-nogui）和 poppler-utils")
    out = args.out or Path(tempfile.mkdtemp(prefix="sqmy-look-docx-"))
    out.mkdir(parents=True, exist_ok=True)
    definition, _ = load_definition(Repo(REPO))
    rules = None if args.plain else fonts.fontconfig(definition["fonts"])
    with tempfile.TemporaryDirectory(prefix="sqmy-look-docx-work-") as work:
        folder = args.docx or make(args.year, Path(work) / "docx")
        found = sorted(folder.glob("*.docx"))
        # of each kind, the largest file (the most text, so usually the most pages: page 1 and the last differ)
        chosen = {kind: max(paths, key=lambda p: (p.stat().st_size, p.name))
                  for kind, prefix in KINDS.items() if (paths := [p for p in found if p.name.startswith(prefix)])}
        if not chosen:
            sys.exit(f"{folder} 中没有公文")
        for kind, pdf in zip(chosen, pages.to_pdf(list(chosen.values()), Path(work) / "pdf", fonts_conf=rules), strict=True):
            count = len(pages.pages(pdf))
            written = [pages.png(pdf, n, out / f"{kind}-p{n}.png", args.resolution) for n in sorted({1, count})]
            faces = "、".join(sorted({f.name for f in pages.fonts(pdf)}))
            print(f"{kind}：{chosen[kind].name}，{count} 页 → {'，'.join(p.name for p in written)}")
            print(f"    字体：{faces}")
        for kind in KINDS.keys() - chosen.keys():
            print(f"{kind}：{folder} 中没有")
    print(f"图片在 {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
