"""Word documents as pages: rendered by LibreOffice, read back with poppler.

What the XML of a document says is not what a reader sees: where a line breaks,
which font a machine finds, where the 版记 lands. The page-level checks
(tests/test_docx_pages.py) and the pictures people look at
(benchmarks/look_docx.py) render documents with LibreOffice (`soffice
--convert-to pdf`, all files in one call, with a profile of its own) and read
the PDFs with poppler: `pdffonts` (the fonts embedded), `pdftotext
-bbox-layout` (every line with its place on the page) and `pdftoppm` (pixels:
colours, PNGs). Nothing here is needed to make a document.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from .fonts import FILE_NAME

MM = 72 / 25.4  # PDF points per millimetre


def soffice() -> str | None:
    """LibreOffice's command, when installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_tools() -> list[str]:
    """The programs these checks need that are not installed (LibreOffice, poppler)."""
    needed = {"soffice": soffice(), **{tool: shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdftoppm")}}
    return [name for name, path in needed.items() if path is None]


def to_pdf(documents: Sequence[Path], out: Path, *, fonts_conf: str | None = None, timeout: float = 300) -> list[Path]:
    """Each of `documents` as a PDF in `out` (same stem), all rendered by one LibreOffice with a profile of its own.

    `fonts_conf`: fontconfig rules (fonts.fontconfig) installed for this LibreOffice the way a user installs them
    (in the user's fontconfig/conf.d); without, LibreOffice finds fonts as the machine is set up.
    Documents of the same file name in different folders would overwrite each other's PDF, so they are refused."""
    command = soffice()
    if command is None:
        raise FileNotFoundError("soffice")
    stems = [p.stem for p in documents]
    if len(set(stems)) != len(stems):
        raise ValueError("documents of the same name")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sqmy-soffice-") as home:
        env = dict(os.environ)
        if fonts_conf is not None:
            conf = Path(home) / "config" / "fontconfig" / "conf.d"
            conf.mkdir(parents=True)
            (conf / FILE_NAME).write_text(fonts_conf, "utf-8")
            env["XDG_CONFIG_HOME"] = str(Path(home) / "config")
        profile = Path(home) / "profile"
        subprocess.run([command, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf",
                        "--outdir", str(out), *map(str, documents)], check=True, capture_output=True, timeout=timeout, env=env)
    pdfs = [out / f"{stem}.pdf" for stem in stems]
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice made no PDF of {', '.join(missing)}")
    return pdfs


@dataclass(frozen=True)
class Font:
    name: str  # as embedded, without the subset tag (ABCDEF+)
    kind: str
    embedded: bool


def fonts(pdf: Path) -> list[Font]:
    """The fonts of a PDF, as `pdffonts` lists them."""
    text = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    found = []
    for line in text.splitlines()[2:]:
        parts = line.split()
        if len(parts) < 7:
            continue
        # name, type (one or two words), encoding, emb, sub, uni, object ID (two)
        yes_no = [i for i, p in enumerate(parts) if p in ("yes", "no")]
        emb = yes_no[-3] if len(yes_no) >= 3 else None
        name = parts[0].split("+", 1)[-1]
        found.append(Font(name, " ".join(parts[1:emb - 1]) if emb else "", emb is not None and parts[emb] == "yes"))
    return found


@dataclass(frozen=True)
class Line:
    """One line of text on a page, in points from the top left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    width: float
    height: float
    lines: tuple[Line, ...]

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_LINE = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', re.S)
_WORD = re.compile(r"<word [^>]*>(.*?)</word>", re.S)


def pages(pdf: Path) -> list[Page]:
    """Every page of a PDF with its lines of text (`pdftotext -bbox-layout`), top to bottom."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for n, (width, height, body) in enumerate(_PAGE.findall(html), 1):
        lines = [Line("".join(unescape(w) for w in _WORD.findall(words)), float(x0), float(y0), float(x1), float(y1))
                 for x0, y0, x1, y1, words in _LINE.findall(body)]
        out.append(Page(n, float(width), float(height), tuple(sorted(lines, key=lambda line: (line.top, line.left)))))
    return out


def png(pdf: Path, page: int, out: Path, resolution: int = 60) -> Path:
    """Page `page` (from 1) of a PDF as the PNG `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(resolution), "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf),
                    str(out.with_suffix(""))], check=True)
    return out


@dataclass(frozen=True)
class Pixels:
    """A page as RGB pixels (`pdftoppm -ppm`), `resolution` pixels an inch."""

    width: int
    height: int
    resolution: int
    data: bytes

    def crop(self, left: float, top: float, right: float, bottom: float) -> bytes:
        """The pixels of a box (points from the top left), row after row."""
        scale = self.resolution / 72
        x0, x1 = max(0, int(left * scale)), min(self.width, int(right * scale) + 1)
        y0, y1 = max(0, int(top * scale)), min(self.height, int(bottom * scale) + 1)
        return b"".join(self.data[(y * self.width + x0) * 3:(y * self.width + x1) * 3] for y in range(y0, y1))

    def red_share(self, left: float, top: float, right: float, bottom: float) -> float:
        """The share of the inked pixels in a box (points from the top left) that are red (the masthead's FF0000)."""
        scale = self.resolution / 72
        x0, x1 = max(0, int(left * scale)), min(self.width, int(right * scale) + 1)
        y0, y1 = max(0, int(top * scale)), min(self.height, int(bottom * scale) + 1)
        inked = red = 0
        for y in range(y0, y1):
            row = self.data[(y * self.width + x0) * 3:(y * self.width + x1) * 3]
            for i in range(0, len(row), 3):
                r, g, b = row[i], row[i + 1], row[i + 2]
                if r + g + b < 600:  # not paper
                    inked += 1
                    if r > 180 and r - max(g, b) > 50:  # red, or its lighter edge on white paper
                        red += 1
        return red / inked if inked else 0.0


def pixels(pdf: Path, page: int, resolution: int = 36) -> Pixels:
    """Page `page` (from 1) of a PDF as pixels."""
    data = subprocess.run(["pdftoppm", "-r", str(resolution), "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, check=True).stdout
    # a binary PPM: "P6", width, height, maximum value, each followed by one white space, then the pixels
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if header is None:
        raise ValueError("pdftoppm gave no PPM")
    width, height = int(header.group(1)), int(header.group(2))
    return Pixels(width, height, resolution, data[header.end():header.end() + width * height * 3])
