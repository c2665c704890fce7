"""Reading YAML as a person typed it, with line numbers for every finding.

PyYAML follows YAML 1.1, which silently turns `no`/`on` into booleans, `010`
into 8 and `12:30` into 750.  Our resolver recognises only what YAML 1.2's core
schema would, minus timestamps and exotic floats: null, true/false, plain
decimal integers and decimal fractions.  Everything else, dates included, stays the exact text typed; the
JSON Schema then checks formats (a date is a string with `format: date`).
Plain decimal fractions (0.5) are numbers, for the scoring rules.  Mapping
keys are always the key's text.

Items and the registry are written by people who may not all mean well, so
reading never raises and never costs more than the text is long: anchors and
aliases are refused before anything is built from them (they are never needed,
and `&a [*b, *b, …]` nests into billions of values), nesting deeper than
MAX_DEPTH, numbers longer than MAX_DIGITS and explicit tags (`!!python/object`,
kept as plain values, never constructed) are findings with their line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # the C parser is several times faster; fall back to pure Python
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    HAS_LIBYAML = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

    HAS_LIBYAML = False


_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+")  # 0.5, 1.25: no 1e3, .5, .inf (kept as text)
_FLOAT_TAG = "tag:yaml.org,2002:float"
_NUMBER_START = frozenset("-+0123456789")
MAX_DEPTH = 32  # levels of lists and mappings; an item uses four
MAX_DIGITS = 100  # Python refuses to read integers of more than 4300 digits; nothing here needs 20
_EXPLICIT_OK = frozenset({_STR, _NULL, _BOOL, _INT, _FLOAT_TAG, _SEQ, _MAP})


class _Loader(_Parser):
    """The parser plus the resolver it calls back for every node.

    The resolver is the whole of our type rules, so it is written out here
    rather than configured on PyYAML's general one (which is several times
    slower, and this runs for every scalar of every item).
    """

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:  # quoted: always text
                return _STR
            if value in _NULLS:
                return _NULL
            if value in _BOOLS:
                return _BOOL
            if value[0] not in _NUMBER_START or "-" in value[1:] or ":" in value:  # text and dates: no pattern to try
                return _STR
            if _DECIMAL.fullmatch(value):
                return _INT
            if _FLOAT.fullmatch(value):
                return _FLOAT_TAG
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _shown(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class _Constructed:
    """Python values from a node tree: text keys; duplicates, long numbers and tags recorded."""

    def __init__(self) -> None:
        self.duplicates: list[tuple[int, str]] = []
        self.problems: list[YamlError] = []
        self.texts: list[str] = []  # every text value but a digest's, gathered while constructing (the personal-data scan)
        self._active: set[int] = set()

    def _tag(self, node: Node) -> None:
        if node.tag not in _EXPLICIT_OK and len(self.problems) < 10:  # the first ten say enough
            tag = _shown(node.tag.replace("tag:yaml.org,2002:", "!!"), 40)
            self.problems.append(
                YamlError(node.start_mark.line, "yaml-tag", f"用了 YAML 标签“{tag}”：信息和名册不使用标签，请删去（已按普通内容读取）")
            )

    def value(self, node: Node, depth: int = 0) -> Any:
        if isinstance(node, ScalarNode):
            tag, text = node.tag, node.value
            if tag == _STR:
                return text
            if tag == _NULL:
                return None
            if tag in (_INT, _FLOAT_TAG) and len(text) > MAX_DIGITS:
                if len(self.problems) < 10:  # a file of nothing else needs no more to be understood
                    self.problems.append(
                        YamlError(node.start_mark.line, "yaml-number", f"数字太长（{len(text)} 位）：如果是编号或文字，请加引号")
                    )
                return text
            if tag == _INT and _DECIMAL.fullmatch(text):  # !!int abc stays text
                return int(text)
            if tag == _FLOAT_TAG and _FLOAT.fullmatch(text):
                return float(text)
            if tag == _BOOL and text in _BOOLS:
                return _BOOLS[text]
            self._tag(node)
            return text  # an explicit tag such as !!binary: keep the text
        if depth >= MAX_DEPTH:
            raise _TooDeep(node.start_mark.line)
        if id(node) in self._active:  # an alias of an enclosing node
            raise yaml.constructor.ConstructorError(None, None, "引用了自身的别名", node.start_mark)
        if node.tag not in _EXPLICIT_OK:
            self._tag(node)
        self._active.add(id(node))
        try:
            texts = self.texts
            if isinstance(node, SequenceNode):
                # plain text is most of every item: skip the call for it
                items = [child.value if child.tag == _STR else self.value(child, depth + 1) for child in node.value]
                texts.extend(v for v in items if type(v) is str)
                return items
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise yaml.constructor.ConstructorError(None, None, "字段名必须是普通文字", key_node.start_mark)
                key = key_node.value
                if key in mapping:
                    self.duplicates.append((key_node.start_mark.line, key))
                value = mapping[key] = value_node.value if value_node.tag == _STR else self.value(value_node, depth + 1)
                if type(value) is str and key != "digest":
                    texts.append(value)
            return mapping
        finally:
            self._active.discard(id(node))


@dataclass(frozen=True)
class YamlError:
    """A problem found while reading: 0-based line within the YAML text."""

    line: int
    rule: str
    message: str


@dataclass
class Document:
    """Parsed YAML: the data, its node tree (for line numbers) and problems."""

    data: Any
    node: Node | None
    errors: list[YamlError]
    texts: Sequence[str] = ()  # every text value in `data` but those of `digest` fields, when it could be read

    def line_of(self, path: Sequence[str | int]) -> int:
        """0-based line of the value at `path` (the key's line for mapping entries)."""
        node = self.node
        line = node.start_mark.line if node is not None else 0
        for step in path:
            if isinstance(node, MappingNode) and isinstance(step, str):
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == step:
                        line = key_node.start_mark.line
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    return line
                node = node.value[step]
                line = node.start_mark.line
            else:
                return line
        return line


_FULLWIDTH_COLON = re.compile(r"^(\s*(?:-\s+)?)(\w+)\s*：\s?")  # \w: 标题： as well as title：
_LEADING_TAB = re.compile(r"^( *)\t[\t ]*")
# a line that opens a block scalar (`body: |`, `- >-`): the lines below it, indented further, are text, not keys
_BLOCK_START = re.compile(r"^( *)(?:- +)?(?:[^\s#][^#]*?:[ \t]+)?[|>][+-]?[1-9]?[+-]?[ \t]*(?:#.*)?$")


def _prescan(text: str) -> tuple[str, list[YamlError]]:
    """Find tabs and full-width colons a person typed, and mend them in memory.

    Mending lets the rest of the file be checked in the same run, so one typo
    does not hide every other problem.
    """
    errors: list[YamlError] = []
    if "\t" not in text and "：" not in text:
        return text, errors
    lines = text.split("\n")
    block: int | None = None  # the indentation of the line that opened the block scalar we are in
    for number, typed in enumerate(lines):
        line = typed
        if block is not None:
            if not line.strip() or len(line) - len(line.lstrip(" ")) > block:
                continue  # text of the block (第二段：… is a sentence there, not a key)
            block = None
        tab = _LEADING_TAB.match(line)
        if tab:
            errors.append(
                YamlError(number, "tab-indent", "用了制表符（Tab）缩进；YAML 只允许空格缩进，请改为空格")
            )
            indent = tab.group(0).replace("\t", "  ")
            line = indent + line[tab.end():]
            lines[number] = line
        colon = _FULLWIDTH_COLON.match(line)
        if colon:
            key = colon.group(2)
            errors.append(
                YamlError(
                    number,
                    "fullwidth-colon",
                    f"字段 {key} 后面用了全角冒号“：”；请改为半角冒号加空格，即“{key}: ”",
                )
            )
            lines[number] = colon.group(1) + key + ": " + line[colon.end():]
        opened = _BLOCK_START.match(lines[number])
        if opened:
            block = len(opened.group(1))
    return "\n".join(lines), errors


def _mark_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """The line to show: where the problem is, or where an unclosed construct began.

    A bracket or quote left open is only noticed at the end of the text; the
    person needs the line where it was opened.
    """
    problem, context = exc.problem_mark, exc.context_mark
    if problem is None:
        return context.line if context is not None else 0
    at_end = problem.index >= len(text.rstrip())
    opened = any(word in (exc.context or "") for word in ("flow", "quoted"))
    if context is not None and (at_end or opened):
        return context.line
    return problem.line


_PROBLEMS = {
    "could not find expected ':'": "缺少冒号“: ”（字段名和值之间要有半角冒号和空格）",
    "mapping values are not allowed here": "此处不能出现“: ”（值里含冒号时请给整个值加引号）",
    "found character '\\t' that cannot start any token": "用了制表符（Tab）；请改为空格",
    "found undefined alias": "引用了未定义的别名",
    "did not find expected key": "缩进不一致或缺少字段名",
    "did not find expected node content": "缺少内容（可能多了逗号或括号不配对）",
    "did not find expected ',' or ']'": "方括号列表没有正确结束（缺少“]”或逗号）",
    "did not find expected ',' or '}'": "花括号没有正确结束（缺少“}”或逗号）",
    "found unexpected end of stream": "文件意外结束（引号或括号没有配对）",
    "found unknown escape character": "双引号里有无效的转义字符（“\\”）",
    "expected <block end>, but found '-'": "列表项“- ”的缩进不一致",
    "expected <block end>, but found '<block mapping start>'": "缩进不一致",
    "expected <block end>, but found '<scalar>'": "缩进不一致或值没有加引号",
}


def _describe(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    text = _PROBLEMS.get(problem)
    if text is None:
        for english, chinese in _PROBLEMS.items():
            if problem.startswith(english):
                text = chinese
                break
    return f"YAML 语法错误：{text or problem}"


def _anchor(text: str) -> YamlError | None:
    """The first anchor or alias, found from the parser's events before any value is built.

    Only text with "&" or "*" can have one; a syntax error is left to the full parse."""
    if "&" not in text and "*" not in text:
        return None
    try:
        parser = _Loader(text)
    except UnicodeError:  # left to the full parse, which says so
        return None
    try:
        while parser.check_event():
            event = parser.get_event()
            if event is None:  # pragma: no cover - check_event said there is one
                break
            anchor = getattr(event, "anchor", None) or ""
            if isinstance(event, AliasEvent):
                what = f"别名“*{_shown(anchor)}”"
            elif anchor:
                what = f"锚点“&{_shown(anchor)}”"
            else:
                continue
            line = event.start_mark.line if event.start_mark is not None else 0
            return YamlError(line, "yaml-alias", f"用了 YAML {what}：信息和名册不使用锚点和别名，请把内容直接写出")
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()
    return None


_TOO_DEEP = f"嵌套太深：列表和字段最多嵌套 {MAX_DEPTH} 层"


def load(text: str) -> Document:
    """Parse one YAML document; never raises for bad input."""
    mended, errors = _prescan(text)
    anchor = _anchor(mended)
    if anchor is not None:
        return Document(None, None, [*errors, anchor])
    constructed = _Constructed()
    try:
        loader = _Loader(mended)
    except UnicodeError:  # a lone surrogate: only from text not decoded from a file
        return Document(None, None, [*errors, YamlError(0, "yaml-syntax", "YAML 无法读取：含有无效的字符")])
    try:
        node = loader.get_single_node()
        data = constructed.value(node) if node is not None else None
    except _TooDeep as exc:
        return Document(None, None, [*errors, YamlError(exc.line, "yaml-depth", _TOO_DEEP)])
    except yaml.MarkedYAMLError as exc:
        line = _mark_line(exc, mended)
        if "maximum nesting depth" in str(exc.problem):  # libyaml stops at 1000 levels
            return Document(None, None, [*errors, YamlError(line, "yaml-depth", _TOO_DEEP)])
        # a tab or colon we already reported usually causes this error too
        if not any(e.line in (line, line - 1) for e in errors):
            errors.append(YamlError(line, "yaml-syntax", _describe(exc)))
        return Document(None, None, errors)
    except yaml.reader.ReaderError as exc:
        line = mended.count("\n", 0, max(exc.position, 0))
        errors.append(YamlError(line, "yaml-syntax", f"含有不允许出现的控制字符（U+{exc.character:04X}）；请删去"))
        return Document(None, None, errors)
    except yaml.YAMLError as exc:
        errors.append(YamlError(0, "yaml-syntax", _describe(exc)))
        return Document(None, None, errors)
    except RecursionError:  # only without libyaml, whose parser has its own limit
        return Document(None, None, [*errors, YamlError(0, "yaml-depth", _TOO_DEEP)])
    except (ValueError, UnicodeError) as exc:  # what the checks above leave: say so, never raise
        return Document(None, None, [*errors, YamlError(0, "yaml-syntax", f"YAML 无法读取：{type(exc).__name__}")])
    finally:
        loader.dispose()
    for line, key in constructed.duplicates:
        errors.append(YamlError(line, "duplicate-key", f"字段 {key} 重复出现；只保留一个"))
    errors.extend(constructed.problems)
    return Document(data, node, errors, constructed.texts)


@dataclass(frozen=True)
class Split:
    """A Markdown file cut into front matter and body."""

    front: str | None  # YAML text, None when there is no front matter
    front_start: int  # 0-based line of the first YAML line in the file
    body: str
    body_start: int  # 0-based line where the body starts
    error: YamlError | None  # 0-based line in the file


_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


def split_front_matter(text: str) -> Split:
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return Split(
            None, 0, text, 0,
            YamlError(0, "front-matter", "文件没有以“---”开头：元数据（front matter）必须写在第一行的“---”和下一个“---”之间"),
        )
    for number in range(1, len(lines)):
        if _END.match(lines[number]):
            front = "\n".join(lines[1:number])
            body = "\n".join(lines[number + 1:])
            return Split(front, 1, body, number + 1, None)
    return Split(
        None, 1, "", len(lines),
        YamlError(0, "front-matter", "元数据（front matter）没有结束：在元数据之后、正文之前需要单独一行“---”"),
    )


def decode(raw: bytes) -> str:
    """Text of a file: UTF-8 with or without BOM; CRLF and CR become LF."""
    text = raw.decode("utf-8-sig")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def iter_paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string value in `data` with its path."""
    if isinstance(data, str):
        yield prefix, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*prefix, index))
