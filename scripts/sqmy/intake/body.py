"""pandoc's Markdown made fit for an item, and phone and ID numbers taken out of it."""

from __future__ import annotations

import re

from .. import personal

_NUMERALS = "一二三四五六七八九十"
_SECTION = re.compile(rf"^[{_NUMERALS}]{{1,3}}[、.．]\s*\S")  # 一、存在的问题
_SUBSECTION = re.compile(rf"^[（(][{_NUMERALS}]{{1,3}}[）)]\s*\S")  # （一）……
_SENTENCE_END = re.compile(r"[。！？；;!?]")
_REMOVED = "（号码已删除）"

_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]\([^)]*\)(?:\{[^{}]*\})?|<img\b[^>]*>")
_SPAN = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\{[^{}]*\}")
_ATTRIBUTES = re.compile(r"\{(?:\s*(?:[#.][\w:.-]+|[\w-]+=(?:\"[^\"]*\"|\S+)))+\s*\}")
_HTML_TAG = re.compile(r"</?(?:span|u|ins|mark|sup|sub|font|a|br)\b[^>]*>|<!--.*?-->", re.S)
_DIV_FENCE = re.compile(r"^:{3,}.*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|[0-9]+[.)])\s+\S")
_EMPTY_EMPHASIS = re.compile(r"\*\*[ \t]*\*\*|__[ \t]*__")  # also joins bold runs Word split in two


def is_numbered(text: str) -> bool:
    """Whether a paragraph opens with a section number (一、) or a sub-section number (（一）)."""
    return bool(_SECTION.match(text) or _SUBSECTION.match(text))


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
