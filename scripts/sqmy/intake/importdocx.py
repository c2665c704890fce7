"""`sqmy import`: a member's Word submission becomes an item.

Members write in Word or WPS, each in their own layout: a title (the Word
"Title" style, a heading, or a short centred or bold first paragraph), the body
with its 一、/（一） sections and lists, and somewhere a 反映人 / 单位 / 联系电话
line, under the title or at the end.  python-docx reads the paragraphs and
their formatting to find the title and those lines; they are removed from the
document, and pandoc converts what remains, so headings and lists survive.

Contact data never reaches the item: a phone number found in the file is
checked against the people registry (and added there when it has none), and
any phone or ID number left in the body is removed with a warning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import personal, yamlsrc
from .. import registry as registry_mod
from ..docx import pandoc
from ..errors import EXIT_USAGE, SqmyError
from ..findings import ERROR, has_errors
from ..fsutil import write_text
from ..items import normalize_text
from ..paths import Repo
from ..registry import Registry, Unit
from ..validate import Context, ItemTooLarge, NotRegularItem, check_item, item_files, read_item
from . import new as newitem

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

DEFAULT_SOURCE = "委员调研"
DEFAULT_FOCUS = "民之关切"
DEFAULT_AUDIENCE = "内部"
OTHER_CATEGORY = "其他"
PEOPLE_FILE = Path("units") / "people.yml"

_NUMERALS = "一二三四五六七八九十"
_SECTION = re.compile(rf"^[{_NUMERALS}]{{1,3}}[、.．]\s*\S")  # 一、存在的问题
_SUBSECTION = re.compile(rf"^[（(][{_NUMERALS}]{{1,3}}[）)]\s*\S")  # （一）……
_SENTENCE_END = re.compile(r"[。！？；;!?]")
_DATE_LINE = re.compile(r"^(?:[0-9]{4}\s*年\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*日)?|[0-9]{4}[.\-/][0-9]{1,2}[.\-/][0-9]{1,2})$")
_NAME_LIKE = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff·]{1,4}$")
# words that make a short Chinese token a description (县政协委员, 副局长), not a name
_TITLE_WORDS = (
    "委员", "政协", "主任", "主席", "书记", "局长", "科长", "所长", "院长", "校长", "镇长", "经理", "干部", "教师", "医生", "代表", "职员", "员工", "信息员",
)
_REMOVED = "（号码已删除）"

# labels of the lines that are not part of the body, longest first so that 报送单位 wins over 单位
_LABELS = {
    "reporter": ("第一反映人", "反映人", "撰稿人", "执笔人", "报送人", "提供人", "信息员", "作者"),
    "unit": ("报送单位", "所在单位", "工作单位", "单位"),
    "phone": ("联系电话", "联系方式", "手机号码", "手机号", "手机", "电话"),
    "drop": ("身份证号码", "身份证号", "身份证", "电子邮箱", "电子邮件", "邮箱", "报送日期", "日期"),
}
_LABEL = re.compile(
    "(" + "|".join(sorted((w for words in _LABELS.values() for w in words), key=len, reverse=True)) + r")\s*[：:]\s*"
)
_KIND_OF_LABEL = {word: kind for kind, words in _LABELS.items() for word in words}
_OPEN, _CLOSE = "（(〔[【", "）)〕]】"
_SEPARATORS = "、，,；;/ \t"

_METADATA_STYLES = {"title", "subtitle", "author", "date", "abstract", "标题", "副标题"}
_TITLE_SCAN = 6  # the title is among the first paragraphs; later ones are body
_TITLE_MAX = 60
_GENERIC_HALVES = {"服务", "管理", "建设", "发展", "安全", "环境", "保障", "振兴", "公共", "经济", "社会", "文化", "创新"}


@dataclass(frozen=True)
class Options:
    """What the command line may decide instead of the file."""

    authors: tuple[str, ...] = ()
    unit: str | None = None
    category: str | None = None
    focus: str | None = None
    source: str = DEFAULT_SOURCE
    audience: str = DEFAULT_AUDIENCE
    key_topic: str | None = None
    draft: bool = False


@dataclass
class Outcome:
    """What became of one file: the item written (or found already), what was
    guessed, warnings; or why nothing was written."""

    source: Path
    path: Path | None = None
    duplicate: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class _Para:
    index: int
    text: str
    level: int | None  # heading level from the style or outline level
    title_style: bool
    emphasised: bool  # centred, bold or large: how members mark a title without styles


@dataclass
class _Reporter:
    name: str
    description: str
    paragraph: int


@dataclass
class _Meta:
    """What one 反映人 / 单位 / 电话 line says."""

    reporters: list[tuple[str, str]] = field(default_factory=list)  # (name, description)
    units: list[str] = field(default_factory=list)  # 单位：… values, as written
    unit_ids: list[str] = field(default_factory=list)  # units named exactly in a reporter line
    phones: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # personal data on a dropped line besides phones (ID number)


@dataclass
class Submission:
    """What was read from the Word file: title, reporters and the body to convert."""

    source: Path
    title: str
    reporters: list[_Reporter]
    units: list[str]
    unit_ids: list[str]
    phones: list[tuple[str, int | None]]  # (phone, paragraph of the reporter it was written with)
    dropped: list[int]
    notes: list[str]
    removed: list[str]  # personal data on the dropped lines, besides phones
    document: DocxDocument


# --- reading the Word file ----------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u3000", ""))


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


def _find_title(paras: Sequence[_Para], meta: dict[int, _Meta]) -> list[_Para]:
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
    early = [p for p in filled[:_TITLE_SCAN] if p.index not in meta and len(p.text) <= _TITLE_MAX and not _numbered(p.text)]
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
            and not _numbered(following[0].text) and len(choice.text) + len(following[0].text) <= _TITLE_MAX
            and not re.search(r"(建议|意见|对策|思考|问题|报告|呼吁)$", choice.text)):
        chosen.append(following[0])
    return chosen


def _numbered(text: str) -> bool:
    return bool(_SECTION.match(text) or _SUBSECTION.match(text))


def read_submission(source: Path, reg: Registry) -> Submission:
    """Title, reporters and contact lines of a Word file; everything else is the body."""
    document = open_docx(source)
    paragraphs = list(document.paragraphs)
    paras = [_describe(i, p) for i, p in enumerate(paragraphs)]
    people = _Names(reg)
    meta: dict[int, _Meta] = {}
    for p in paras:
        found = _parse_meta(p.text, people, reg)
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
        if index in header or index in footer or _labelled(text, "reporter") or _labelled(text, "phone"):
            dropped.append(index)
    kept_meta = [(i, meta[i]) for i in sorted(set(dropped)) if i in meta and i > last]
    reporters = [_Reporter(name, description, i) for i, m in kept_meta for name, description in m.reporters]
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


def _labelled(text: str, kind: str) -> bool:
    match = _LABEL.match(_unwrap(text))
    return match is not None and _KIND_OF_LABEL[match.group(1)] == kind


def _unique_reporters(reporters: list[_Reporter]) -> list[_Reporter]:
    seen: dict[str, _Reporter] = {}
    for r in reporters:
        if r.name not in seen:
            seen[r.name] = r
        elif r.description and not seen[r.name].description:
            seen[r.name].description = r.description
    return list(seen.values())


# --- 反映人 lines -----------------------------------------------------------------


class _Names:
    """Registry people by name (spaces ignored: 张  三 is written to line up with 欧阳明)."""

    def __init__(self, reg: Registry) -> None:
        self.by_name: dict[str, list[str]] = {}
        for person in reg.people.values():
            self.by_name.setdefault(_squeeze(person.name), []).append(person.id)

    def ids(self, name: str) -> list[str]:
        return self.by_name.get(_squeeze(name), [])


def _unwrap(text: str) -> str:
    text = text.strip()
    while len(text) > 2 and text[0] in _OPEN and text[-1] in _CLOSE and _close_of(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _close_of(text: str, start: int) -> int:
    """Index of the bracket closing the one at `start`, or -1."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _segments(text: str) -> list[tuple[str, str]]:
    """(label kind, value) in order; labels inside brackets belong to the value (张三（工作单位：县医院）)."""
    depth = 0
    starts: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            match = _LABEL.match(text, i)
            if match:
                starts.append((i, match.end(), _KIND_OF_LABEL[match.group(1)]))
                i = match.end()
                continue
        i += 1
    segments: list[tuple[str, str]] = []
    if not starts or starts[0][0] > 0:
        segments.append(("", text[: starts[0][0] if starts else len(text)].strip()))
    for n, (_, value_start, kind) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
        segments.append((kind, text[value_start:end].strip(" ，,；;。")))
    return segments


def _tokens(value: str) -> list[tuple[str, str]]:
    """(token, bracketed description) pairs of a 反映人 value: 张三（县政协委员）、李 四."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(value):
        if value[i] in _SEPARATORS:
            i += 1
            continue
        if value[i] in _OPEN:
            end = _close_of(value, i)
            end = len(value) - 1 if end < 0 else end
            inner = value[i + 1:end].strip()
            if tokens:
                token, description = tokens[-1]
                tokens[-1] = (token, f"{description}，{inner}" if description else inner)
            else:
                tokens.append(("", inner))
            i = end + 1
            continue
        j = i
        while j < len(value) and value[j] not in _SEPARATORS and value[j] not in _OPEN:
            j += 1
        tokens.append((value[i:j], ""))
        i = j
    # 张 三: a two-character name padded with a space to line up with longer ones
    joined: list[tuple[str, str]] = []
    for token, description in tokens:
        if joined and len(token) == 1 and len(joined[-1][0]) == 1 and not joined[-1][1]:
            joined[-1] = (joined[-1][0] + token, description)
        else:
            joined.append((token, description))
    return joined


def _is_title_word(token: str) -> bool:
    return any(word in token for word in _TITLE_WORDS)


def _exact_unit(reg: Registry, token: str) -> Unit | None:
    token = _squeeze(token)
    if not token:
        return None
    for unit in reg.units.values():
        if token in (unit.id, _squeeze(unit.name), _squeeze(unit.short)):
            return unit
    return None


def _parse_meta(text: str, people: _Names, reg: Registry) -> _Meta | None:
    """What a 反映人 / 单位 / 电话 line says, or None when the paragraph is body text."""
    text = _unwrap(text)
    if not text or len(text) > 120:
        return None
    segments = _segments(text)
    if segments[0][0] == "":
        prefix = segments[0][1]
        if len(segments) > 1 and not prefix:
            segments = segments[1:]
        elif len(segments) == 1:
            return _unlabelled_meta(prefix, people, reg)
        else:
            return None  # text before the first label: a sentence that mentions 电话 or 单位
    meta = _Meta()
    for kind, value in segments:
        if kind == "reporter":
            _add_reporters(meta, value, people, reg)
        elif kind == "unit":
            if value:
                meta.units.append(value)
        elif kind == "phone":
            meta.phones.extend(_phones(value))
        elif kind == "drop" and "身份证" in text:
            meta.other.append("身份证号码")
    return meta


def _add_reporters(meta: _Meta, value: str, people: _Names, reg: Registry) -> None:
    for token, description in _tokens(value):
        meta.phones.extend(_phones(description))
        if not token or _DATE_LINE.match(token):
            continue
        unit = _exact_unit(reg, token)
        if unit is not None and not people.ids(token):
            meta.unit_ids.append(unit.id)
        elif people.ids(token) or (_NAME_LIKE.match(token) and not _is_title_word(token)):
            meta.reporters.append((token, _without_numbers(description).strip(" ，,")))
        elif meta.reporters and not personal.has_any(token):
            name, old = meta.reporters[-1]
            meta.reporters[-1] = (name, f"{old}，{token}" if old else token)
        meta.phones.extend(_phones(token))


def _unlabelled_meta(text: str, people: _Names, reg: Registry) -> _Meta | None:
    """A line without labels counts only when it is names (at least one registered), units and a date."""
    if _DATE_LINE.match(_squeeze(text)):
        return _Meta()
    meta = _Meta()
    known = False
    for token, description in _tokens(text):
        if not token:
            continue
        if _DATE_LINE.match(token):
            continue
        unit = _exact_unit(reg, token)
        if people.ids(token):
            known = True
            meta.reporters.append((token, description))
        elif unit is not None:
            known = True
            meta.unit_ids.append(unit.id)
        elif _NAME_LIKE.match(token) and len(token) <= 4 and not _is_title_word(token):
            meta.reporters.append((token, description))
        else:
            return None
    return meta if known else None


def _phones(text: str) -> list[str]:
    """Phone numbers as the registry writes them: a mobile as 11 digits (members group them 138 1234 5678,
    or write +86 in front), a landline as 0571-87654321."""
    return [personal.canonical(m) for m in personal.find(text) if m.kind in (personal.MOBILE, personal.LANDLINE)]


def _without_numbers(text: str) -> str:
    parts, last = [], 0
    for m in personal.find(text):
        parts.append(text[last : m.start])
        last = m.end
    return "".join(parts) + text[last:]


# --- matching the registry ----------------------------------------------------------


def match_unit(reg: Registry, text: str) -> list[Unit]:
    """Units a 单位 line may mean: exact name, short name or id; else names containing
    it or contained in it, else names it abbreviates (城关联络组 → 城关委员联络组)."""
    exact = _exact_unit(reg, text)
    if exact is not None:
        return [exact]
    wanted = _squeeze(text)
    if len(wanted) < 2:
        return []
    found = []
    for unit in reg.units.values():
        names = [n for n in (_squeeze(unit.name), _squeeze(unit.short)) if n]
        if any((len(n) >= 3 and n in wanted) or (len(wanted) >= 3 and wanted in n) for n in names):
            found.append(unit)
    if found:
        return found
    return [u for u in reg.units.values() if len(wanted) >= 3 and len(wanted) >= 0.6 * len(_squeeze(u.name))
            and wanted[0] == _squeeze(u.name)[0] and _subsequence(wanted, _squeeze(u.name))]


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(ch in chars for ch in short)


def guess_category(categories: Sequence[str], title: str, body: str) -> str | None:
    """The category whose name (or, for four-character names, a telling half) appears most, the title counting triple."""
    best: str | None = None
    best_score = 0
    for name in categories:
        if name == OTHER_CATEGORY:
            continue
        words = [(name, 4)]
        if len(name) == 4:
            words += [(half, 1) for half in (name[:2], name[2:]) if half not in _GENERIC_HALVES]
        score = sum(weight * (3 * title.count(word) + body.count(word)) for word, weight in words)
        if score > best_score:
            best, best_score = name, score
    return best if best_score >= 2 else None


def proposal(name: str, description: str, unit: str | None, phone: str | None) -> str:
    """A people.yml entry for an unknown reporter, to complete and paste."""
    kind = "委员" if "委员" in description or not description else "特约信息员"
    lines = [
        '- id: ""                # 填姓名拼音，如 zhang-san',
        f"  name: {newitem.yaml_scalar(name)}",
        f"  kind: {kind}                # 委员、机关干部、特约信息员或专家",
        f'  unit: {unit or chr(34) * 2}' + ("" if unit else "                # 所在单位编号，见 units/units.yml"),
    ]
    if description:
        lines.append(f"  title: {newitem.yaml_scalar(description)}")
    lines.append('  email: ""             # 填邮箱')
    if phone:
        lines.append(f'  phone: "{phone}"')
    return "\n".join(lines)


# --- the body ---------------------------------------------------------------------


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


_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]\([^)]*\)(?:\{[^{}]*\})?|<img\b[^>]*>")
_SPAN = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\{[^{}]*\}")
_ATTRIBUTES = re.compile(r"\{(?:\s*(?:[#.][\w:.-]+|[\w-]+=(?:\"[^\"]*\"|\S+)))+\s*\}")
_HTML_TAG = re.compile(r"</?(?:span|u|ins|mark|sup|sub|font|a|br)\b[^>]*>|<!--.*?-->", re.S)
_DIV_FENCE = re.compile(r"^:{3,}.*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|[0-9]+[.)])\s+\S")
_EMPTY_EMPHASIS = re.compile(r"\*\*[ \t]*\*\*|__[ \t]*__")  # also joins bold runs Word split in two


def clean_markdown(markdown: str) -> tuple[str, list[str]]:
    """pandoc's Markdown made fit for an item: no images, spans or attributes;
    sections as `## 一、…`, sub-sections as `###`; tight lists.  Returns the text and warnings."""
    warnings = []
    text, images = _IMAGE.subn("", markdown)
    if images:
        warnings.append(f"文件中的 {images} 张图片未导入（信息正文只收文字；需要时请另附）")
    text = _HTML_TAG.sub("", text)
    previous = None
    while previous != text:  # spans nest: strip from the inside out
        previous = text
        text = _SPAN.sub(r"\1", text)
    text = _ATTRIBUTES.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n") if not _DIV_FENCE.match(line))
    text = _EMPTY_EMPHASIS.sub("", text)
    blocks = [b.strip("\n").rstrip() for b in re.split(r"\n[ \t]*\n+", text) if b.strip() and b.strip() not in ("\\", "**")]
    blocks = [part for b in blocks for part in _split_hard_breaks(b)]
    headings = [len(m.group(1)) for b in blocks if (m := _HEADING.match(b)) and "\n" not in b]
    shift = 2 - min(headings) if headings else 0
    out: list[str] = []
    for raw in blocks:
        block = re.sub(r"^(\s*[0-9]+[.)])[ \t]{2,}(?=\S)", r"\1 ", _heading(raw, shift), flags=re.M)
        if not block:
            continue
        if out and _continues_list(out[-1], block):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out).strip() + "\n", warnings


def _split_hard_breaks(block: str) -> list[str]:
    """A line break typed inside a paragraph (Shift+Enter) separates paragraphs in Chinese writing."""
    if _LIST_ITEM.match(block) or block.lstrip().startswith("|") or "\\\n" not in block:
        return [block]
    return [part.strip() for part in re.split(r"\\\n", block) if part.strip()]


def _heading(block: str, shift: int) -> str:
    """A heading at the item's levels: 一、 sections are `##`, （一） sub-sections `###`, other
    headings shifted so that the highest is `##`; a short 一、 paragraph, or a bold （一） one, becomes a heading."""
    if "\n" in block:
        return block
    match = _HEADING.match(block)
    text = _unbold(match.group(2) if match else block)
    numbered = 2 if _SECTION.match(text) else 3 if _SUBSECTION.match(text) else None
    if match:
        level = numbered or min(max(len(match.group(1)) + shift, 2), 6)
        return f"{'#' * level} {text}" if text else ""
    whole_bold = block.startswith("**") and block.endswith("**")
    if numbered and len(text) <= 40 and not _SENTENCE_END.search(text) and (whole_bold or numbered == 2):
        return f"{'#' * numbered} {text}"
    return block


def _unbold(text: str) -> str:
    return re.sub(r"(?<!\\)(\*\*|__)", "", text).strip()


def _continues_list(previous: str, block: str) -> bool:
    """pandoc writes every Word list as a loose list; one-line items of one list are joined into a tight one."""
    if "\n" in block or not _LIST_ITEM.match(block):
        return False
    lines = previous.split("\n")
    if not all(_LIST_ITEM.match(line) for line in lines):
        return False
    return block[0].isspace() or _ordered(block) == _ordered(lines[0])


def _ordered(line: str) -> bool:
    return line.lstrip()[:1].isdigit()


def strip_personal(text: str) -> tuple[str, list[str]]:
    """`text` without phone or ID numbers (personal.py says what they are), and what was removed (masked), in order."""
    found: list[str] = []
    parts: list[str] = []
    last = 0
    for m in personal.find(text):
        found.append(f"{m.kind}（{personal.mask_number(m.text)}）")
        parts.append(text[last : m.start])
        parts.append(_REMOVED)
        last = m.end
    parts.append(text[last:])
    return "".join(parts), found



# --- people.yml -------------------------------------------------------------------


def add_phone(text: str, person_id: str, phone: str) -> str:
    """people.yml with `phone` set for `person_id`, by inserting one line (or one
    flow entry): every other byte stays, comments and layout included."""
    if yamlsrc.load(text).errors:  # anchors, tags, duplicates …: nothing to build on
        raise SqmyError("units/people.yml 有格式错误，无法自动登记电话")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise SqmyError("units/people.yml 有格式错误，无法自动登记电话") from None
    if not isinstance(root, yaml.SequenceNode):
        raise SqmyError("units/people.yml 不是人员列表，无法自动登记电话")
    newline = "\r\n" if "\r\n" in text else "\n"
    quoted = f'"{phone}"'
    for entry in root.value:
        if not isinstance(entry, yaml.MappingNode):
            continue
        keys: dict[str, tuple[yaml.Node, yaml.Node]] = {str(k.value): (k, v) for k, v in entry.value if isinstance(k, yaml.ScalarNode)}
        id_node = keys.get("id", (None, None))[1]
        if not isinstance(id_node, yaml.ScalarNode) or id_node.value != person_id:
            continue
        if "phone" in keys:
            value = keys["phone"][1]
            start, end = value.start_mark.index, value.end_mark.index
            new = text[:start] + (quoted if end > start else " " + quoted) + text[end:]
        elif entry.flow_style:
            close = entry.end_mark.index - 1
            while close > 0 and text[close - 1] in " \t":
                close -= 1
            new = text[:close] + f", phone: {quoted}" + text[close:]
        else:
            new = _insert_block_key(text, entry, keys, f"phone: {quoted}", newline)
        _check_edit(text, new, person_id, phone)
        return new
    raise SqmyError(f"units/people.yml 中找不到人员“{person_id}”")


def _insert_block_key(text: str, entry: yaml.MappingNode, keys: dict[str, tuple[yaml.Node, yaml.Node]], line: str, newline: str) -> str:
    first_key = entry.value[0][0]
    indent = " " * int(first_key.start_mark.column)
    if "roles" in keys:  # the registry's order: contact data, then roles
        key = keys["roles"][0]
        line_start = text.rfind("\n", 0, key.start_mark.index) + 1
        if not text[line_start:key.start_mark.index].strip():
            return text[:line_start] + indent + line + newline + text[line_start:]
    last = entry.value[-1][1]
    end = last.end_mark.index
    if last.end_mark.column == 0:  # a nested block ends at the start of the next line
        return text[:end] + indent + line + newline + text[end:]
    stop = text.find("\n", end)
    if stop < 0:
        return text + newline + indent + line + newline
    return text[: stop + 1] + indent + line + newline + text[stop + 1:]


def _check_edit(old: str, new: str, person_id: str, phone: str) -> None:
    """The edit must change exactly one thing: refuse rather than damage the registry."""
    try:
        before, after = yaml.safe_load(old), yaml.safe_load(new)
    except yaml.YAMLError:
        after = None
        before = []
    expected = [dict(e, phone=phone) if isinstance(e, dict) and e.get("id") == person_id else e for e in before or []]
    if after != expected:
        raise SqmyError("无法自动把电话登记到 units/people.yml（文件的写法特殊）；请手动添加 phone 一行")


# --- one file ---------------------------------------------------------------------


def check_options(reg: Registry, options: Options) -> None:
    """Refuse bad options before any file is read (usage errors, exit code 2)."""
    problems = [f"反映人“{a}”不在人员名册中" for a in options.authors if a not in reg.people]
    if options.unit and options.unit not in reg.units:
        problems.append(f"单位“{options.unit}”不在单位名册中")
    if options.category and reg.categories and options.category not in reg.categories:
        problems.append(f"选题类别“{options.category}”不在清单中：{'、'.join(reg.categories)}")
    if options.focus and reg.focuses and options.focus not in reg.focuses:
        problems.append(f"选题重点“{options.focus}”不在清单中：{'、'.join(reg.focuses)}")
    if problems:
        raise SqmyError("；".join(problems), EXIT_USAGE)


@dataclass
class _People:
    authors: tuple[str, ...]
    unit: str
    phone_owner: str | None
    phone: str | None


def _resolve_people(reg: Registry, sub: Submission, options: Options, out: Outcome) -> _People:
    names = _Names(reg)
    found: list[str] = []
    unknown: list[_Reporter] = []
    ambiguous: list[tuple[_Reporter, list[str]]] = []
    # the first reporter of each line that has one, None when not in the registry: a phone on that line is theirs
    by_paragraph: dict[int, str | None] = {}
    hinted_units = set(sub.unit_ids) | {u.id for text in sub.units for u in match_unit(reg, text)}
    for reporter in sub.reporters:
        ids = names.ids(reporter.name)
        if len(ids) > 1:
            narrowed = [i for i in ids if reg.people[i].unit in hinted_units]
            ids = narrowed if len(narrowed) == 1 else ids
        by_paragraph.setdefault(reporter.paragraph, ids[0] if len(ids) == 1 else None)
        if not ids:
            unknown.append(reporter)
        elif len(ids) > 1:
            ambiguous.append((reporter, ids))
        else:
            found.append(ids[0])
    phone = sub.phones[0][0] if sub.phones else None
    if len({personal.digits(p) for p, _ in sub.phones}) > 1:
        out.warnings.append(f"文件中有 {len(sub.phones)} 个电话号码，只核对第一个（{personal.mask_number(phone or '')}）")

    if options.authors:
        authors = options.authors
        written = "、".join(r.name for r in sub.reporters)
        if written and (unknown or ambiguous or list(dict.fromkeys(found)) != list(authors)):
            shown = "、".join(f"{reg.people[a].name}（{a}）" for a in authors)
            out.warnings.append(f"文件中写的反映人是“{written}”，已按 --author 记为 {shown}")
    else:
        if unknown:
            first = unknown[0]
            unit_guess = (match_unit(reg, sub.units[0]) if sub.units else []) or [reg.units[u] for u in sub.unit_ids if u in reg.units]
            owner_phone = next((p for p, i in sub.phones if i == first.paragraph or i is None), None)
            snippet = "\n".join(
                proposal(r.name, r.description, unit_guess[0].id if len(unit_guess) == 1 else None, owner_phone if r is first else None)
                for r in unknown
            )
            names_text = "、".join(f"“{r.name}”" for r in unknown)
            raise SqmyError(
                f"反映人{names_text}不在人员名册（units/people.yml）中，未导入。"
                f"如是新的反映人，请把下面的条目补全（编号、邮箱）后加入 units/people.yml，再重新导入；"
                f"如是名册中的人，请用 --author 指定其编号：\n{snippet}",
            )
        if ambiguous:
            reporter, ids = ambiguous[0]
            raise SqmyError(f"人员名册中有 {len(ids)} 位“{reporter.name}”（{'、'.join(ids)}），无法确定是哪一位；请用 --author 指定编号")
        if not found:
            raise SqmyError("文件中没有找到反映人：请在标题下或文末写明“反映人：姓名”，或用 --author 指定反映人编号")
        authors = tuple(dict.fromkeys(found))

    owner: str | None = None
    if phone is not None:
        paragraph = next(i for p, i in sub.phones if p == phone)
        if paragraph is not None:
            owner = by_paragraph.get(paragraph)
        elif sub.reporters:  # on a line of its own: the phone of the first reporter named
            owner = by_paragraph.get(sub.reporters[0].paragraph)
        else:
            owner = authors[0]
        if owner is None:
            out.warnings.append(f"文件中的电话（{personal.mask_number(phone)}）对应的反映人不在名册中，未登记")
    return _People(authors, _resolve_unit(reg, sub, options, authors, out), owner, phone)


def _resolve_unit(reg: Registry, sub: Submission, options: Options, authors: tuple[str, ...], out: Outcome) -> str:
    default = reg.people[authors[0]].unit
    if options.unit:
        return options.unit
    if sub.units:
        written = sub.units[0]
        matches = match_unit(reg, written)
        if len(matches) > 1:
            mine = [u for u in matches if u.id == default]
            matches = mine or matches
        if len(matches) == 1:
            unit = matches[0]
            if _squeeze(written) not in (_squeeze(unit.name), _squeeze(unit.short), unit.id):
                out.notes.append(f"单位“{written}”按“{unit.name}”（{unit.id}）处理")
            return unit.id
        choices = "、".join(f"{u.name}（{u.id}）" for u in matches)
        why = f"可能是 {choices}" if matches else "不在单位名册（units/units.yml）中"
        out.warnings.append(f"文件中的单位“{written}”{why}；已记为第一反映人所在单位 {default}，如不对请用 --unit 指定")
        return default
    if sub.unit_ids:
        return sub.unit_ids[0]
    return default


def _register_phone(repo: Repo, reg: Registry, people: _People, out: Outcome) -> bool:
    """Compare the file's phone with the registry; fill it in when the registry has none. True when people.yml changed."""
    if people.phone is None or people.phone_owner is None:
        return False
    person = reg.people[people.phone_owner]
    if person.phone:
        if personal.digits(person.phone) != personal.digits(people.phone):
            out.warnings.append(
                f"文件中{person.name}的联系电话（{personal.mask_number(people.phone)}）与人员名册登记的（{personal.mask_number(person.phone)}）不同；"
                "名册未修改，如需更新请修改 units/people.yml"
            )
        return False
    path = repo.root / PEOPLE_FILE
    try:  # the registry's own rules: no links, no special files, no huge files
        raw = registry_mod.FolderSource(path.parent, repo.display).read(path.name)
    except (registry_mod.NotRegular, ValueError, OSError):
        raw = None
    if raw is None:
        out.warnings.append("units/people.yml 不是可以读取的普通文件，电话未登记")
        return False
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    try:
        new = add_phone(text, person.id, people.phone)
    except SqmyError as exc:
        out.warnings.append(exc.message)
        return False
    write_text(path, ("\ufeff" if bom else "") + new)
    out.notes.append(f"已把{person.name}的联系电话（{personal.mask_number(people.phone)}）登记到 units/people.yml"
                     "（名册的修改请由办公室单独提交，不要和信息放在同一个提交里）")
    return True


class KnownItems:
    """The items already in the repository, read once per run: importing twice must not make two items.

    An item is the same when it has the same title and authors, or the same body.
    Items written during the run are added, so one file given twice is caught too.
    """

    def __init__(self, repo: Repo) -> None:
        self._items: list[tuple[Path, str, frozenset[str], str]] = []
        for path in item_files(repo):
            try:
                split = yamlsrc.split_front_matter(yamlsrc.decode(read_item(path, repo.root)))
            except (OSError, NotRegularItem, ItemTooLarge, UnicodeDecodeError):
                continue  # validate reports it
            if split.front is None:
                continue
            data = yamlsrc.load(split.front).data
            if not isinstance(data, dict):
                continue
            self.add(path, str(data.get("title") or ""), data.get("authors") or [], split.body)

    def add(self, path: Path, title: str, authors: Sequence[str], body: str) -> None:
        self._items.append((path, _squeeze(title), frozenset(str(a) for a in authors), _fingerprint(body)))

    def find(self, title: str, authors: Sequence[str], body: str) -> Path | None:
        wanted_title, wanted_authors, wanted_body = _squeeze(title), frozenset(authors), _fingerprint(body)
        for path, known_title, known_authors, known_body in self._items:
            if (wanted_body and known_body == wanted_body) or (known_title == wanted_title and known_authors == wanted_authors):
                return path
        return None


def _fingerprint(body: str) -> str:
    return _squeeze(normalize_text(body))


def import_file(repo: Repo, reg: Registry, known: KnownItems, source: Path, options: Options, today: dt.date) -> tuple[Outcome, bool]:
    """Import one Word file; (outcome, whether people.yml changed).  A SqmyError means nothing was written."""
    out = Outcome(source)
    sub = read_submission(source, reg)
    out.notes.extend(sub.notes)
    people = _resolve_people(reg, sub, options, out)
    markdown, warnings = clean_markdown(convert_body(sub))
    out.warnings.extend(warnings)
    body, removed = strip_personal(markdown)
    title, removed_title = strip_personal(sub.title)
    if removed or removed_title:
        out.warnings.append(f"已从正文中删除{'、'.join(removed_title + removed)}：联系方式只登记在人员名册中，请核对删除处")
    if sub.removed:
        out.warnings.append(f"文件中的{'、'.join(dict.fromkeys(sub.removed))}已略去，不写入信息")
    if not body.strip():
        raise SqmyError("除标题和反映人外没有正文内容")

    existing = known.find(title, people.authors, body)
    if existing is not None:  # what was guessed does not matter: nothing is written
        return Outcome(source, existing, duplicate=True), False

    category = options.category
    if not category:
        category = guess_category(reg.categories, title, body)
        if category:
            out.notes.append(f"选题类别按关键词推断为“{category}”")
        elif not reg.categories or OTHER_CATEGORY in reg.categories:
            category = OTHER_CATEGORY
            out.notes.append(f"没有推断出选题类别，记为“{OTHER_CATEGORY}”")
        else:
            raise SqmyError(f"无法推断选题类别，本信息库的清单中又没有“{OTHER_CATEGORY}”；请用 --category 指定：{'、'.join(reg.categories)}")
    focus = options.focus or DEFAULT_FOCUS
    if not options.focus:
        out.notes.append(f"选题重点默认为“{DEFAULT_FOCUS}”")

    unit = reg.units.get(people.unit)
    found = "、".join(f"{reg.people[a].name}（{a}）" for a in people.authors)
    out.notes.insert(0, f"标题“{title}”；反映人 {found}；单位 {unit.label if unit else ''}（{people.unit}）")

    spec = newitem.NewItem(title, people.authors, people.unit, category, focus, options.source, options.audience, options.key_topic, options.draft)
    path = newitem.write(repo, reg, spec, today, body)
    _, findings = check_item(Context(repo, reg, today), path)
    if has_errors(findings):
        path.unlink()
        with contextlib.suppress(OSError):  # a year folder made for this item only
            path.parent.rmdir()
        shown = "\n".join(f.text() for f in findings if f.severity == ERROR)
        raise SqmyError(f"生成的信息未通过检查，未写入：\n{shown}")
    out.warnings.extend(f.message for f in findings)
    out.path = path
    known.add(path, title, people.authors, body)
    return out, _register_phone(repo, reg, people, out)


def import_files(repo: Repo, sources: Sequence[Path], options: Options, today: dt.date) -> Iterator[Outcome]:
    """Import every file; one that fails gets an Outcome with `error`, and the others proceed."""
    reg, _ = registry_mod.load(repo)
    check_options(reg, options)
    known = KnownItems(repo)
    for source in sources:
        try:
            outcome, changed = import_file(repo, reg, known, source, options, today)
        except SqmyError as exc:
            yield Outcome(source, error=exc.message)
            continue
        if changed:  # the next file may be by the same person: read the phone just added
            reg, _ = registry_mod.load(repo)
        yield outcome
