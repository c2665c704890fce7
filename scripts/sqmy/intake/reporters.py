"""反映人 / 单位 / 联系电话 lines: which paragraphs are such lines, and what they say.

A line is labelled (反映人：张三（县政协委员）  联系电话：…), or unlabelled names,
units and a date, at least one of them in the registry.  Labels inside brackets
belong to the value; phones are read wherever they are written on the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import personal
from ..registry import Registry
from .matching import Names, exact_unit, squeeze

_DATE_LINE = re.compile(r"^(?:[0-9]{4}\s*年\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*日)?|[0-9]{4}[.\-/][0-9]{1,2}[.\-/][0-9]{1,2})$")
_NAME_LIKE = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff·]{1,4}$")
# words that make a short Chinese token a description (县政协委员, 副局长), not a name
_TITLE_WORDS = (
    "委员", "政协", "主任", "主席", "书记", "局长", "科长", "所长", "院长", "校长", "镇长", "经理", "干部", "教师", "医生", "代表", "职员", "员工", "信息员",
)

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


@dataclass
class Meta:
    """What one 反映人 / 单位 / 电话 line says."""

    reporters: list[tuple[str, str]] = field(default_factory=list)  # (name, description)
    units: list[str] = field(default_factory=list)  # 单位：… values, as written
    unit_ids: list[str] = field(default_factory=list)  # units named exactly in a reporter line
    phones: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # personal data on a dropped line besides phones (ID number)


def parse_meta(text: str, people: Names, reg: Registry) -> Meta | None:
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
    meta = Meta()
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


def labelled(text: str, kind: str) -> bool:
    """Whether the line opens with a label of this kind ("reporter": 反映人：…, "phone": 联系电话：…)."""
    match = _LABEL.match(_unwrap(text))
    return match is not None and _KIND_OF_LABEL[match.group(1)] == kind


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


def _add_reporters(meta: Meta, value: str, people: Names, reg: Registry) -> None:
    for token, description in _tokens(value):
        meta.phones.extend(_phones(description))
        if not token or _DATE_LINE.match(token):
            continue
        unit = exact_unit(reg, token)
        if unit is not None and not people.ids(token):
            meta.unit_ids.append(unit.id)
        elif people.ids(token) or (_NAME_LIKE.match(token) and not _is_title_word(token)):
            meta.reporters.append((token, _without_numbers(description).strip(" ，,")))
        elif meta.reporters and not personal.has_any(token):
            name, old = meta.reporters[-1]
            meta.reporters[-1] = (name, f"{old}，{token}" if old else token)
        meta.phones.extend(_phones(token))


def _unlabelled_meta(text: str, people: Names, reg: Registry) -> Meta | None:
    """A line without labels counts only when it is names (at least one registered), units and a date."""
    if _DATE_LINE.match(squeeze(text)):
        return Meta()
    meta = Meta()
    known = False
    for token, description in _tokens(text):
        if not token:
            continue
        if _DATE_LINE.match(token):
            continue
        unit = exact_unit(reg, token)
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
