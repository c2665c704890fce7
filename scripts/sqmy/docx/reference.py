"""The Word reference document, generated from templates/docx/styles.yml.

The definition is the office's templates/docx/styles.yml when it has one,
sqmy's own (sqmy/defaults/docx/styles.yml, GB/T 9704-2012) otherwise.

pandoc takes page size, margins, the document grid, styles and footers from
`--reference-doc`. Nobody edits that binary by hand: it is built from the
readable definition (GB/T 9704-2012 by default), starting from pandoc's own
reference document so that every style pandoc uses exists, and cached by the
definition's hash.

Word quirks handled here (NOTES): python-docx's `font.name` sets only the Latin
font, so `w:rFonts/@w:eastAsia` is written explicitly and every theme font
attribute is removed (theme attributes override explicit names).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from .. import __version__, cache, defaults, schema, yamlsrc
from ..errors import SqmyError
from ..findings import Finding, error
from ..fsutil import write_bytes
from ..paths import Repo

DEFINITION = Path("templates") / "docx" / "styles.yml"
TWIPS_PER_MM = 1440 / 25.4
EIGHTHS_PER_MM = 72 / 25.4 * 8
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def load_definition(repo: Repo) -> tuple[dict[str, Any], bytes]:
    """The checked style definition and its raw bytes (for the cache key)."""
    data, raw, problems = check_definition(repo)
    if problems:
        raise SqmyError("公文版式定义有错误：\n" + "\n".join(p.text() for p in problems))
    return data, raw


def check_definition(repo: Repo) -> tuple[dict[str, Any], bytes, list[Finding]]:
    """The style definition (the office's, or sqmy's), its raw bytes, and what is wrong in it (`sqmy validate`
    reports these; `load_definition` refuses a definition with any). A file that cannot be read at all raises."""
    path, name, own = defaults.choose(repo.rules_root, DEFINITION)
    shown = repo.display(path) if own else name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SqmyError(f"找不到公文版式定义 {name}") from None
    except OSError as exc:  # a folder or an unreadable file where the definition should be
        raise SqmyError(f"无法读取公文版式定义 {name}：{exc.strerror or exc}") from None

    def problem(line: int, message: str) -> Finding:
        return error(shown, line, "docx-styles", message)

    try:
        doc = yamlsrc.load(yamlsrc.decode(raw))
    except UnicodeDecodeError:
        return {}, raw, [problem(1, "文件不是 UTF-8 编码；请用 UTF-8 保存")]
    problems = [problem(e.line + 1, e.message) for e in doc.errors]
    if not problems and doc.data is not None:
        problems += [problem(doc.line_of(p.path) + 1, p.message) for p in schema.check("docx-styles", doc.data)]
        styles = doc.data.get("styles") if isinstance(doc.data, dict) else None
        for name, style in (styles or {}).items():
            base = style.get("based_on") if isinstance(style, dict) else None
            if base is not None and base not in (styles or {}) and base not in _PANDOC_STYLES:
                problems.append(problem(doc.line_of(["styles", name, "based_on"]) + 1, f"样式“{name}”基于的样式“{base}”未定义"))
        problems += [problem(doc.line_of(["styles", name, "based_on"]) + 1, f"样式“{name}”的 based_on 形成循环（{' → '.join(loop)}）")
                     for name, loop in _cycles(styles or {})]
    if doc.data is None and not problems:
        problems.append(problem(1, "文件为空"))
    return doc.data if isinstance(doc.data, dict) else {}, raw, problems


def _cycles(styles: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Styles whose based_on chain comes back to itself (Word files with such a chain crash LibreOffice): each loop once."""
    found: list[tuple[str, list[str]]] = []
    reported: set[str] = set()
    for name in styles:
        walk, current = [name], name
        while True:
            spec = styles.get(current)
            base = spec.get("based_on") if isinstance(spec, Mapping) else None
            if not isinstance(base, str) or base not in styles:
                break
            if base in walk:
                loop = [*walk[walk.index(base):], base]
                if not reported & set(loop):
                    found.append((loop[0], loop))
                    reported.update(loop)
                break
            walk.append(base)
            current = base
    return found


# styles present in pandoc's own reference document (may be named in based_on without being redefined)
_PANDOC_STYLES = frozenset({
    "Normal", "Body Text", "First Paragraph", "Compact", "Title", "Subtitle", "Author", "Date", "Abstract", "Bibliography",
    "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Heading 6", "Block Text", "Footnote Text",
    "Table", "Definition Term", "Definition", "Caption", "Table Caption", "Image Caption", "Figure", "Captioned Figure",
})


def reference_doc(repo: Repo) -> Path:
    """The reference document for the current definition, built once and cached."""
    definition, raw = load_definition(repo)
    # the builder's own source is part of the key: a fix here must not be hidden by an old cache
    key = hashlib.sha256(raw + __version__.encode() + Path(__file__).read_bytes()).hexdigest()
    # kept in this user's cache, never in the working tree: a pull request could carry a file named like it
    try:
        path = cache.user_folder() / f"reference-{key}.docx"
        # a file cut short (a full disk, a killed run) would break every document until deleted: rebuilt instead
        if not path.is_file() or path.is_symlink() or not zipfile.is_zipfile(path):
            write_bytes(path, build(definition))
    except (OSError, RuntimeError):  # no home folder to keep it in: build one for this run
        path = Path(tempfile.gettempdir()) / f"sqmy-reference-{os.getpid()}-{key[:16]}.docx"
        write_bytes(path, build(definition))
    return path


# --- building -----------------------------------------------------------------------


class Geometry:
    """Page arithmetic in Word units (twips, eighths of a point)."""

    def __init__(self, page: Mapping[str, Any]) -> None:
        m = page["margins_mm"]
        self.width = round(page["width_mm"] * TWIPS_PER_MM)
        self.height = round(page["height_mm"] * TWIPS_PER_MM)
        self.top, self.bottom = round(m["top"] * TWIPS_PER_MM), round(m["bottom"] * TWIPS_PER_MM)
        self.left, self.right = round(m["left"] * TWIPS_PER_MM), round(m["right"] * TWIPS_PER_MM)
        self.footer = round(page["footer_mm"] * TWIPS_PER_MM)
        self.text_width = self.width - self.left - self.right
        self.text_height = self.height - self.top - self.bottom
        # 22 lines fill the type area; Word wants a whole number (GB/T 9704 templates use 579)
        self.line_pitch = self.text_height // page["lines"]
        self.body_size: float = 16
        self.chars = page["chars"]

    @property
    def condense(self) -> int:
        """Character spacing (twentieths of a point, <= 0) that fits `chars` body characters on a line.

        A character grid (docGrid linesAndChars) would do this in Word, but LibreOffice
        and WPS lay such grids out differently; condensed spacing is read the same everywhere.
        """
        pitch = self.text_width / self.chars  # twips per character
        return min(0, math.floor(pitch - self.body_size * 20))  # type: ignore[no-any-return]


def build(definition: Mapping[str, Any]) -> bytes:
    """The reference .docx for `definition`, as bytes."""
    import docx  # noqa: PLC0415 - only document commands need python-docx
    from docx.enum.style import WD_STYLE_TYPE  # noqa: PLC0415

    from . import pandoc  # noqa: PLC0415

    geometry = Geometry(definition["page"])
    geometry.body_size = definition["styles"].get("Normal", {}).get("size", 16)
    document = docx.Document(io.BytesIO(pandoc.run(["--print-default-data-file", "reference.docx"])))
    styles = definition["styles"]
    latin = definition["latin_font"]

    # every style that is defined or named as a base must exist before bases are linked
    for name in styles:
        try:
            document.styles[name]
        except KeyError:
            document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    for name, spec in styles.items():
        style = document.styles[name]
        if "based_on" in spec:
            style.base_style = document.styles[spec["based_on"]]
        style.quick_style = True
        _set_style(style.element, effective(styles, name), geometry, latin)

    _defaults(document, definition["styles"].get("Normal", {}).get("font", "宋体"), latin, geometry.body_size)
    _page(document, geometry)
    _footers(document, definition["page"]["page_number"], geometry, latin)
    for paragraph in list(document.paragraphs):  # pandoc ignores the sample body; keep the file small
        paragraph._element.getparent().remove(paragraph._element)

    out = io.BytesIO()
    document.save(out)
    return _font_table(out.getvalue(), definition["fonts"])


def effective(styles: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Any]:
    """A style's own settings over those of its bases (Word would inherit them too,
    but pandoc's defaults on standard styles must be overridden explicitly)."""
    chain: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current in styles and current not in seen:
        seen.add(current)
        chain.append(styles[current])
        current = styles[current].get("based_on")
    merged: dict[str, Any] = {}
    for spec in reversed(chain):
        merged.update(spec)
    merged.pop("page_break_before", None)  # applies to the style that says it, not to styles based on it
    if styles[name].get("page_break_before"):
        merged["page_break_before"] = True
    return merged


def _set_style(element: Any, spec: Mapping[str, Any], g: Geometry, latin: str) -> None:
    from docx.oxml import parse_xml  # noqa: PLC0415

    for tag in ("pPr", "rPr"):
        old = element.find(f"{{{W}}}{tag}")
        keep = []
        if old is not None:
            if tag == "pPr":  # heading levels and list numbering belong to pandoc's styles
                keep = [c for c in old if c.tag in (f"{{{W}}}numPr", f"{{{W}}}outlineLvl")]
            element.remove(old)
        xml = _ppr(spec, g, keep_outline=[c for c in keep if c.tag.endswith("outlineLvl")]) if tag == "pPr" else _rpr(spec, latin, g)
        new = parse_xml(xml)
        for kept in keep:
            if kept.tag.endswith("numPr"):
                new.insert(0, kept)
        element.append(new)


def _ppr(spec: Mapping[str, Any], g: Geometry, keep_outline: list[Any]) -> str:
    size = spec.get("size", g.body_size)
    char = size * 20  # one character of this style, in twips
    parts = []
    if spec.get("keep_next"):
        parts.append("<w:keepNext/>")
    if spec.get("page_break_before"):
        parts.append("<w:pageBreakBefore/>")
    borders = []
    for side in ("top", "bottom"):
        border = spec.get(f"border_{side}")
        if border:
            sz = max(2, round(border["width_mm"] * EIGHTHS_PER_MM))
            borders.append(f'<w:{side} w:val="single" w:sz="{sz}" w:space="1" w:color="{border.get("color", "000000")}"/>')
    if borders:
        parts.append(f"<w:pBdr>{''.join(borders)}</w:pBdr>")
    if spec.get("tab_right"):
        pos = g.text_width - round(spec.get("right_chars", 0) * char) - round(spec.get("left_chars", 0) * char)
        parts.append(f'<w:tabs><w:tab w:val="right" w:pos="{pos}"/></w:tabs>')
    parts.append("<w:widowControl/>" if spec.get("line") == "exact" else '<w:widowControl/><w:snapToGrid w:val="0"/>')
    before = round(spec.get("before", 0) * g.line_pitch)
    after = round(spec.get("after", 0) * g.line_pitch)
    line = f'w:line="{g.line_pitch}" w:lineRule="exact"' if spec.get("line") == "exact" else 'w:line="240" w:lineRule="auto"'
    parts.append(f'<w:spacing w:before="{before}" w:after="{after}" {line}/>')
    ind = []
    for key, attr in (("left_chars", "left"), ("right_chars", "right")):
        chars = spec.get(key, 0)
        ind.append(f'w:{attr}Chars="{round(chars * 100)}" w:{attr}="{round(chars * char)}"')
    first = spec.get("first_line_chars", 0)
    ind.append(f'w:firstLineChars="{round(first * 100)}" w:firstLine="{round(first * char)}"')
    parts.append(f"<w:ind {' '.join(ind)}/>")
    align = {"left": "left", "center": "center", "right": "right", "justify": "both"}[spec.get("align", "justify")]
    parts.append(f'<w:jc w:val="{align}"/>')
    outline = "".join(_xml(e) for e in keep_outline)
    return f'<w:pPr xmlns:w="{W}">{"".join(parts)}{outline}</w:pPr>'


def _rpr(spec: Mapping[str, Any], latin: str, g: Geometry) -> str:
    font = quoteattr(spec.get("font", "仿宋_GB2312"))
    lat = quoteattr(latin)
    bold = "true" if spec.get("bold") else "false"
    size = spec.get("size", g.body_size)
    half_points = round(size * 2)
    # body text on the line grid gets exactly `chars` characters a line
    spacing = f'<w:spacing w:val="{g.condense}"/>' if spec.get("line") == "exact" and size == g.body_size and g.condense else ""
    return (
        f'<w:rPr xmlns:w="{W}"><w:rFonts w:ascii={lat} w:hAnsi={lat} w:eastAsia={font} w:cs={lat}/>'
        f'<w:b w:val="{bold}"/><w:bCs w:val="{bold}"/><w:i w:val="false"/><w:iCs w:val="false"/>'
        f'<w:color w:val="{spec.get("color", "000000")}"/>{spacing}<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>'
    )


def _xml(element: Any) -> str:
    from lxml import etree  # noqa: PLC0415

    return str(etree.tostring(element, encoding="unicode"))


def _defaults(document: Any, east_asian: str, latin: str, size: float) -> None:
    """docDefaults and every remaining style: explicit fonts, no theme fonts."""
    root = document.styles.element
    for fonts in root.iter(f"{{{W}}}rFonts"):
        for attr in _THEME_ATTRS:
            fonts.attrib.pop(f"{{{W}}}{attr}", None)
    defaults = root.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr")
    if defaults is not None:
        fonts = defaults.find(f"{{{W}}}rFonts")
        if fonts is not None:
            for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asian), ("cs", latin)):
                fonts.set(f"{{{W}}}{attr}", value)
        for tag in ("sz", "szCs"):
            element = defaults.find(f"{{{W}}}{tag}")
            if element is not None:
                element.set(f"{{{W}}}val", str(round(size * 2)))
        lang = defaults.find(f"{{{W}}}lang")
        if lang is not None:
            lang.set(f"{{{W}}}eastAsia", "zh-CN")


def _page(document: Any, g: Geometry) -> None:
    from docx.oxml import parse_xml  # noqa: PLC0415
    from docx.shared import Twips  # noqa: PLC0415

    section = document.sections[0]
    section.page_width, section.page_height = Twips(g.width), Twips(g.height)
    section.top_margin, section.bottom_margin = Twips(g.top), Twips(g.bottom)
    section.left_margin, section.right_margin = Twips(g.left), Twips(g.right)
    section.footer_distance = Twips(g.footer)
    section.header_distance = Twips(851)
    sect = section._sectPr
    for old in sect.findall(f"{{{W}}}docGrid"):
        sect.remove(old)
    sect.append(parse_xml(f'<w:docGrid xmlns:w="{W}" w:type="lines" w:linePitch="{g.line_pitch}"/>'))


def _footers(document: Any, spec: Mapping[str, Any], g: Geometry, latin: str) -> None:
    """Page numbers "— N —": odd pages on the right, even pages on the left, one character in."""
    from docx.oxml import parse_xml  # noqa: PLC0415

    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    before, _, after = spec["text"].partition("{n}")
    font = quoteattr(spec["font"])
    lat = quoteattr(latin)
    size = round(spec["size"] * 2)
    indent = round(spec.get("indent_chars", 1) * spec["size"] * 20)
    rpr = f"<w:rPr><w:rFonts w:ascii={font} w:hAnsi={font} w:eastAsia={font} w:cs={lat}/><w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>"

    def run(text: str) -> str:
        return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""

    for footer, align, side in ((section.footer, "right", "right"), (section.even_page_footer, "left", "left")):
        footer.is_linked_to_previous = False
        body = footer._element
        for p in list(body):
            body.remove(p)
        body.append(parse_xml(
            f'<w:p xmlns:w="{W}"><w:pPr><w:pStyle w:val="Footer"/><w:snapToGrid w:val="0"/>'
            '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
            f'<w:ind w:{side}="{indent}" w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>'
            f'{run(before)}<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r><w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r><w:r>{rpr}<w:t>1</w:t></w:r><w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
            f'{run(after)}</w:p>'
        ))


# How Word on Windows records the fonts a 替代链 usually starts with (PANOSE, family, pitch): with them in the font
# table, Word finding neither the official font nor its alternative still picks a face of the same kind (a Song,
# a FangSong, a Kai, a Hei) by its metrics, instead of the first Chinese font it has.
_WINDOWS_FONTS = {
    **dict.fromkeys(("宋体", "SimSun", "新宋体", "NSimSun"), ("02010600030101010101", "auto", "variable")),
    **dict.fromkeys(("仿宋", "FangSong", "楷体", "KaiTi", "黑体", "SimHei"), ("02010609060101010101", "modern", "fixed")),
    **dict.fromkeys(("华文中宋", "STZhongsong"), ("02010600040101010101", "auto", "variable")),
}
ALT_NAME_MAX = 31  # Word reads one alternative name of at most 31 characters ([MS-OI29500] 2.1.262)


def chains(fonts: Mapping[str, Any]) -> dict[str, list[str]]:
    """styles.yml's `fonts`: each official font and the fonts to use, in order, where it is missing (one name or a list)."""
    return {name: [alt] if isinstance(alt, str) else list(alt) for name, alt in fonts.items()}


def _font_table(docx_bytes: bytes, fonts: Mapping[str, Any]) -> bytes:
    """Declare each official font with its 替代链 in the way Word reads it: the first alternative Word can name
    (w:altName, one name), the PANOSE class, family and pitch of that alternative, and the GB2312 charset."""
    entries = []
    for name, chain in chains(fonts).items():
        alt = next((a for a in chain if len(a) <= ALT_NAME_MAX), None)
        panose, family, pitch = _WINDOWS_FONTS.get(alt or "", _WINDOWS_FONTS.get(name, ("", "auto", "variable")))
        entries.append(
            f"<w:font w:name={quoteattr(name)}>"
            + (f"<w:altName w:val={quoteattr(alt)}/>" if alt else "")
            + (f'<w:panose1 w:val="{panose}"/>' if panose else "")
            + f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
        )
    source = zipfile.ZipFile(io.BytesIO(docx_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/fontTable.xml":
                text = data.decode("utf-8")
                data = text.replace("</w:fonts>", "".join(entries) + "</w:fonts>").encode("utf-8")
            # a fixed time: the same definition gives the same bytes, whenever it is built (python-docx stamps the time of saving)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(fixed, data)
    return out.getvalue()
