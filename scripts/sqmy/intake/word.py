"""Reading the Word file: its paragraphs and their formatting, the title, which
paragraphs are 反映人 lines, and the rest of the document converted by pandoc."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..docx import pandoc
from ..errors import SqmyError
from ..registry import Registry
from .body import is_numbered
from .matching import Names
from .reporters import Meta, labelled, parse_meta

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

_METADATA_STYLES = {"title", "subtitle", "author", "date", "abstract", "标题", "副标题"}
_TITLE_SCAN = 6  # the title is among the first paragraphs; later ones are body
_TITLE_MAX = 60
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class _Para:
    index: int
    text: str
    level: int | None  # heading level from the style or outline level
    title_style: bool
    emphasised: bool  # centred, bold or large: how members mark a title without styles


@dataclass
class Reporter:
    """A person named on a 反映人 line, and that line's paragraph (a phone written on it is theirs)."""

    name: str
    description: str
    paragraph: int


@dataclass
class Submission:
    """What was read from the Word file: title, reporters and the body to convert."""

    source: Path
    title: str
    reporters: list[Reporter]
    units: list[str]
    unit_ids: list[str]
    phones: list[tuple[str, int | None]]  # (phone, paragraph of the reporter it was written with)
    dropped: list[int]
    notes: list[str]
    removed: list[str]  # personal data on the dropped lines, besides phones
    document: DocxDocument


def open_docx(source: Path) -> DocxDocument:
    """The Word document, or a SqmyError saying in Chinese why it cannot be read."""
    if not source.exists():
        raise SqmyError("找不到这个文件")
    if source.is_dir():
        raise SqmyError("这是一个文件夹，不是 Word 文件")
    try:
        with source.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise SqmyError(f"无法读取：{exc.strerror or exc}") from None
    if head.startswith(_OLE2):
        raise SqmyError("这是旧版 Word 格式（.doc / .wps）或加了密码的文件；请在 Word 或 WPS 中“另存为”Word 文档（.docx）并取消密码后再导入")
    if head.startswith(b"{\\rtf"):
        raise SqmyError("这是 RTF 格式的文件；请在 Word 或 WPS 中“另存为”Word 文档（.docx）后再导入")
    if not head.startswith(b"PK"):
        raise SqmyError("不是 Word 文档（.docx）；请在 Word 或 WPS 中“另存为”Word 文档（.docx）后再导入")
    import docx  # noqa: PLC0415 - only `sqmy import` reads Word files

    try:
        return docx.Document(str(source))
    except Exception as exc:  # python-docx raises whatever its zip and XML layers raise; all mean "cannot read"
        raise SqmyError(f"文件已损坏或不是 Word 文档（.docx），无法读取（{type(exc).__name__}）；请用 Word 或 WPS 打开后重新保存为 .docx") from None


def _plain(text: str) -> str:
    """A paragraph's text on one line: full-width and no-break spaces become spaces, runs of space collapse."""
    return re.sub(r"\s+", " ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def _style_chain(paragraph: Paragraph) -> Iterator[object]:
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:  # base styles may loop in a broken file
        yield style
        style = style.base_style
        seen += 1


def _describe(index: int, paragraph: Paragraph) -> _Para:
    text = _plain(paragraph.text)
    styles = list(_style_chain(paragraph))
    names = [str(getattr(s, "name", "") or "") for s in styles]
    level = None
    for name in names:
        match = re.fullmatch(r"(?:heading|标题)\s*([1-9])", name.strip().lower())
        if match:
            level = int(match.group(1))
            break
    if level is None:
        for element in (paragraph._p, *(getattr(s, "element", None) for s in styles)):
            found = element.xpath("./w:pPr/w:outlineLvl/@w:val") if element is not None else []
            if found and str(found[0]).isdigit() and int(str(found[0])) < 9:
                level = int(str(found[0])) + 1
                break
    title_style = any(n.strip().lower() in ("title", "标题") for n in names)
    # read as XML: python-docx refuses values LibreOffice writes (w:jc="start")
    alignment = None
    for element in (paragraph._p, *(getattr(s, "element", None) for s in styles)):
        found = element.xpath("./w:pPr/w:jc/@w:val") if element is not None else []
        if found:
            alignment = str(found[0])
            break
    centred = alignment == "center"
    runs = [r for r in paragraph.runs if r.text.strip()]
    style_bold = next((b for s in styles if (b := getattr(getattr(s, "font", None), "bold", None)) is not None), None)
    style_size = next((z for s in styles if (z := getattr(getattr(s, "font", None), "size", None)) is not None), None)

    def bold(run: object) -> bool:
        value = getattr(run, "bold", None)
        return bool(style_bold) if value is None else bool(value)

    def large(run: object) -> bool:
        size = getattr(getattr(run, "font", None), "size", None) or style_size
        return size is not None and size.pt >= 18  # 小二 and up: official body text is 三号 (16 pt), titles 二号 (22 pt)

    emphasised = bool(runs) and (centred or all(bold(r) for r in runs) or all(large(r) for r in runs))
    return _Para(index, text, level, title_style, emphasised)


def _find_title(paras: Sequence[_Para], meta: dict[int, Meta]) -> list[_Para]:
    """The title paragraph(s): Title style, else a 关于… heading or emphasised line, else the first heading, else the first emphasised line."""
    filled = [p for p in paras if p.text]
    titled = next((n for n, p in enumerate(filled) if p.title_style), None)
    if titled is not None:  # a long title typed as two "Title" paragraphs is one title
        run = [filled[titled]]
        for p in filled[titled + 1: titled + 3]:
            if not p.title_style or len(run[0].text) + len(p.text) > _TITLE_MAX:
                break
            run.append(p)
        return run
    early = [p for p in filled[:_TITLE_SCAN] if p.index not in meta and len(p.text) <= _TITLE_MAX and not is_numbered(p.text)]
    candidates = [p for p in early if p.level is not None or p.emphasised]
    choice = (
        next((p for p in candidates if p.text.startswith("关于")), None)
        or next((p for p in candidates if p.level is not None), None)
        or next(iter(candidates), None)
        or next((p for p in early if p.text.startswith("关于")), None)
    )
    if choice is None:
        return []
    chosen = [choice]
    # a long title is often broken over two centred lines
    following = [p for p in filled if p.index > choice.index][:1]
    if (choice.emphasised and following and following[0].emphasised and following[0].index not in meta
            and not is_numbered(following[0].text) and len(choice.text) + len(following[0].text) <= _TITLE_MAX
            and not re.search(r"(建议|意见|对策|思考|问题|报告|呼吁)$", choice.text)):
        chosen.append(following[0])
    return chosen


def read_submission(source: Path, reg: Registry) -> Submission:
    """Title, reporters and contact lines of a Word file; everything else is the body."""
    document = open_docx(source)
    paragraphs = list(document.paragraphs)
    paras = [_describe(i, p) for i, p in enumerate(paragraphs)]
    people = Names(reg)
    meta: dict[int, Meta] = {}
    for p in paras:
        found = parse_meta(p.text, people, reg)
        if found is not None:
            meta[p.index] = found
    title_paras = _find_title(paras, meta)
    if not title_paras:
        raise SqmyError("找不到标题：请把标题设为 Word 的“标题”样式，或作为第一段单独居中（如“关于……的建议”）")
    title = _title_text(" ".join(p.text for p in title_paras))
    first, last = title_paras[0].index, title_paras[-1].index
    notes: list[str] = []
    before = [p.text for p in paras[:first] if p.text]
    if before:
        notes.append(f"标题之前的 {len(before)} 段未导入：" + "；".join(f"“{t[:20]}”" for t in before))
    dropped = list(range(last + 1))
    removed: list[str] = []
    # 反映人 lines belong under the title or at the end; anywhere else only an explicit
    # 反映人 or 电话 label marks one (“单位：万元” in the middle is body text)
    header: set[int] = set()
    for p in paras[last + 1:]:
        if p.text and p.index not in meta:
            break
        header.add(p.index)
    footer: set[int] = set()
    for p in reversed(paras[last + 1:]):
        if p.text and p.index not in meta:
            break
        footer.add(p.index)
    for index in meta:
        if index <= last:
            continue
        text = paras[index].text
        if index in header or index in footer or labelled(text, "reporter") or labelled(text, "phone"):
            dropped.append(index)
    kept_meta = [(i, meta[i]) for i in sorted(set(dropped)) if i in meta and i > last]
    reporters = [Reporter(name, description, i) for i, m in kept_meta for name, description in m.reporters]
    phones: list[tuple[str, int | None]] = []
    for i, m in kept_meta:
        owner = i if m.reporters else None
        phones.extend((phone, owner) for phone in m.phones)
        removed.extend(m.other)
    return Submission(
        source, title, _unique_reporters(reporters),
        [u for _, m in kept_meta for u in m.units], [u for _, m in kept_meta for u in m.unit_ids],
        phones, sorted(set(dropped)), notes, removed, document,
    )


def _title_text(text: str) -> str:
    text = _plain(text)
    text = re.sub(r"(?<=[\u4e00-\u9fff“”《》（）]) (?=[\u4e00-\u9fff“”《》（）])", "", text)  # spaces between Chinese characters are layout
    return text.rstrip("。. ")


def _unique_reporters(reporters: list[Reporter]) -> list[Reporter]:
    seen: dict[str, Reporter] = {}
    for r in reporters:
        if r.name not in seen:
            seen[r.name] = r
        elif r.description and not seen[r.name].description:
            seen[r.name].description = r.description
    return list(seen.values())


def convert_body(sub: Submission) -> str:
    """The body as Markdown: the Word file without its title and 反映人 lines, through pandoc."""
    body = sub.document.element.body
    dropped = set(sub.dropped)
    for index, paragraph in enumerate(list(sub.document.paragraphs)):
        if index in dropped:
            body.remove(paragraph._p)
        elif paragraph.style is not None and str(paragraph.style.name).strip().lower() in _METADATA_STYLES:
            paragraph.style = None  # pandoc would take it for document metadata and drop it from the body
    with tempfile.TemporaryDirectory(prefix="sqmy-import-") as folder:
        path = Path(folder) / "body.docx"
        sub.document.save(str(path))
        return pandoc.docx_to_markdown(path)
