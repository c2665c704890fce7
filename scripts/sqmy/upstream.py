"""Reference lists for 查重: reports adopted upstream, and other county offices' published items.

查重 (similar.py) compares a report with the office's own items and with two
kinds of reports from outside, read here as `Reference`s:

Upstream lists, `upstream/<name>.yml` at the office repository root: the
reports the city or province CPPCC has adopted, which the city circulates as an
Excel or Word list (`sqmy upstream import` turns one into a file).  The file's
stem is the list's name on the command line (`市政协-2025`)::

    name: 市政协2025年采用的社情民意信息   # shown in results; optional, default the file stem
    level: 市政协                         # optional: 市政协 | 省政协 | 全国政协 | other text
    year: 2025                           # optional
    items:
      - title: 关于加快推进农村生活污水治理的建议   # required, at most 200 characters
        date: 2025-03-14                 # optional: adoption date (YYYY-MM-DD)
        origin: 某某县政协               # optional: who reported it
        ref: 《社情民意信息》第12期       # optional: 期号 or 文号
        body: |                          # optional: the full text (at most 50,000 characters)
          ……

The file is checked against schemas/upstream.schema.json.  `items:` must stay
the last top-level key: the import appends new entries at the end of the file
and never rewrites what is there (comments included); full texts are written
as literal blocks (`body: |`).

Siblings, `siblings/<office>/items.json`: another county office's archive
index as sqmy's archive writes it (site/pages.py `items_json`):
`{"edition": …, "generated": …, "items": [{"id", "title", "unit_name",
"submitted", "url", …}]}`.  A row may also carry `"body"` (the full text).
Keys this version does not know are ignored (a sibling may run a newer sqmy);
a row without a text `id` and `title` is a finding.  The folder's name is the
office's name as shown in results (name it `某某县政协`).  Instead of items.json
the folder may hold the office's `sqmy export --bodies` (items.parquet,
export.json, units.parquet): items.parquet is read only when its sha256 is the
one export.json gives.

Reading never raises for a bad file: every problem is a finding (Chinese,
naming the file, line and field) and the good entries of the same file are
still returned.  Files are data: symbolic links and special files are refused
(never followed; opened with O_NOFOLLOW and checked after opening), sizes are
bounded (`UPSTREAM_MAX_BYTES`, `SIBLING_MAX_BYTES`, `MAX_ROWS`), YAML anchors
and aliases are refused (yamlsrc), nothing is run or rendered as markup, and
control characters are dropped from the texts.

The import (`plan_import`, `write`) reads the city's list:

- Excel (.xlsx): the first sheet whose header row, within its first
  `HEADER_ROWS` rows (a title row may come first), has a title column; the
  columns it understands are in `HEADERS` (标题/题目/信息标题/篇名, 日期/采用日期/
  时间, 单位/报送单位/来源/作者单位, 期号/文号/刊物/出处, 正文/内容).  Values
  only (formulas as their last computed value); a row whose title cell is
  empty is skipped.
- Word (.docx): the first table with such a header row; without one, the
  numbered paragraphs (`1. 关于…`, `1、`, `（1）`, `一、`, or Word's own
  numbering), their numbers removed; without those, every paragraph that looks
  like a title: it starts with 关于, or ends with 建议/意见/问题/对策/思考/呼吁/
  报告/解决/重视/关注/的.  A numbered paragraph of at most 12 characters that does not look
  like a title (`一、省政协采用`) is a section heading; a paragraph naming a
  目录/清单/一览/汇总/名单 that does not start with 关于 is the list's heading
  (“2025年市政协采用信息目录”): both are skipped.
- Dates: date cells, `2025-03-14`, `2025年3月14日`, `2025.3.14`, `2025/3/14`;
  another text is left out of the entry (with a note).

An entry whose title, compared without whitespace and punctuation, is already
in the list (or earlier in the same source) is not added again, and nothing is
ever removed: importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import itertools
import json
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import schema, yamlsrc
from .errors import Refused, SqmyError
from .findings import ERROR, Finding, error, warning
from .fsutil import write_text
from .registry import NotRegular, not_regular_message

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

UPSTREAM = "upstream"
SIBLINGS = "siblings"
SIBLING_FILE = "items.json"
EXPORT_FILE, EXPORT_JSON = "items.parquet", "export.json"  # a sibling's `sqmy export` (with --bodies: its texts)
SCHEMA = "upstream"

UPSTREAM_MAX_BYTES = 20 * 1024 * 1024  # a city's list with every report's full text is a few MB
SIBLING_MAX_BYTES = 50 * 1024 * 1024  # ten thousand reports with their full text
MAX_ROWS = 100_000  # entries of one list, rows of one items.json
TITLE_MAX = 200
BODY_MAX = 50_000
ID_MAX = 200
IMPORT_MAX_BYTES = 50 * 1024 * 1024  # an Excel or Word list to import
MAX_COLUMNS = 100
HEADER_ROWS = 10  # the header row may follow a title row or two (“2025年市政协采用信息目录”)
NAME_MAX = 100
MAX_FINDINGS = 100  # of one file: a file of nothing but mistakes needs no more to be understood


@dataclass(frozen=True)
class Reference:
    """One report from outside the office's own items."""

    key: str  # stable id: "upstream/市政协-2025.yml#3" (1-based entry number) or "siblings/某某县/2025-0314-zhangwei-1"
    source: str  # "upstream" or "siblings"
    label: str  # shown to people: "市政协2025年采用的社情民意信息 第3条" / "某某县政协 2025-0314-zhangwei-1"
    title: str
    body: str  # "" when only the title is known
    date: dt.date | None
    origin: str  # who wrote/reported it, "" when unknown
    ref: str  # 期号/文号 or the sibling item's url, "" when unknown
    path: str  # the file it came from, POSIX, relative to the root given
    line: int  # the line of its entry (1 when unknown)


@dataclass(frozen=True)
class Listing:
    """One reference file, for `sqmy upstream`: what it is and how many entries were read from it."""

    path: str  # POSIX, relative to the root
    source: str  # "upstream" or "siblings"
    name: str  # the list's name (upstream) or the office's folder name (siblings)
    level: str  # upstream only, "" when not given
    year: int | None  # upstream only
    count: int  # entries read without errors
    with_body: int  # of those, how many have their full text


# --- reading files safely ---------------------------------------------------------


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a plain file: NotRegular for a link, folder or special file (never followed or opened
    as such: O_NOFOLLOW, O_NONBLOCK for a FIFO, then fstat), ValueError when larger than `limit`."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    if os.path.islink(path):
        raise NotRegular(path.name)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise NotRegular(path.name) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(path.name)
        if st.st_size > limit:
            raise ValueError(path.name)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(path.name)
    return data


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_folder(path: Path) -> bool:
    """A real folder (not a link to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _names(folder: Path) -> list[str]:
    try:
        return sorted(entry.name for entry in os.scandir(folder) if not entry.name.startswith("."))
    except OSError:
        return []


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_line(text: str) -> str:
    """One line of text as shown: control and direction characters dropped, runs of whitespace one space."""
    return " ".join(_CONTROLS.sub("", text.replace("\u3000", " ")).split())


def clean_body(text: str) -> str:
    """A full text: control and direction characters dropped, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROLS.sub("", text).strip()


def title_key(title: str) -> str:
    """A title as entries are compared for the import: NFKC, lower case, no whitespace, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", title).lower()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PSZC")


# --- upstream lists -------------------------------------------------------------------


def _capped(findings: list[Finding], shown: str) -> list[Finding]:
    if len(findings) <= MAX_FINDINGS:
        return findings
    rest = len(findings) - MAX_FINDINGS
    return [*findings[:MAX_FINDINGS], error(shown, findings[MAX_FINDINGS].line, "too-many-findings", f"另有 {rest} 处问题未列出")]


@dataclass
class _Parsed:
    """One upstream file read: its document, references, findings and summary."""

    doc: yamlsrc.Document | None
    refs: list[Reference]
    findings: list[Finding]
    listing: Listing | None


def _entry_message(rule: str, index: int, message: str, entry: object) -> str:
    n = index + 1
    if rule == "required":
        return f"第 {n} 条缺少“标题”（title）"
    if rule == "type" and not isinstance(entry, dict):
        return f"第 {n} 条应为键值对，每条写成“- title: 标题”，可加 date、origin、ref、body"
    return f"第 {n} 条：" + message.replace(f"items[{index}].", "")


def _parse_upstream(text: str, shown: str) -> _Parsed:
    """Check the text of `shown` (upstream/NAME.yml) and build its references: never raises."""
    findings: list[Finding] = []
    doc = yamlsrc.load(text)
    for problem in doc.errors:
        findings.append(error(shown, problem.line + 1, problem.rule, problem.message))
    data = doc.data
    stem = shown.rsplit("/", 1)[-1].removesuffix(".yml")
    if data is None and not doc.errors:
        findings.append(error(shown, 1, "empty", "文件是空的：至少要写“items:”及其下的信息列表"))
    if data is None or (doc.errors and not isinstance(data, dict)):
        return _Parsed(doc, [], findings, None)
    entries = data.get("items") if isinstance(data, dict) else None
    entries = entries if isinstance(entries, list) else []
    if len(entries) > MAX_ROWS:
        findings.append(error(shown, 1, "too-many", f"信息列表超过 {MAX_ROWS} 条，不予读取"))
        return _Parsed(doc, [], findings, None)
    problems = list(schema.check(SCHEMA, data))
    bad: set[int] = set()
    for checked in problems:
        path = checked.path
        line = doc.line_of(path) + 1
        name = schema.field_name(path) or None
        if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
            index = path[1]
            bad.add(index)
            entry = entries[index] if index < len(entries) else None
            findings.append(error(shown, line, checked.rule, _entry_message(checked.rule, index, checked.message, entry), name))
        else:
            findings.append(error(shown, line, checked.rule, checked.message, name))
    if not isinstance(data, dict) or not isinstance(data.get("items", []), list | None):
        return _Parsed(doc, [], findings, None)
    list_name = clean_line(data["name"]) if isinstance(data.get("name"), str) and clean_line(data["name"]) else stem
    refs: list[Reference] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if index in bad or not isinstance(entry, dict):
            continue
        line = doc.line_of(["items", index]) + 1
        title = clean_line(str(entry.get("title", "")))
        if not title:
            findings.append(error(shown, line, "empty", f"第 {index + 1} 条的“标题”（title）是空的", f"items[{index}].title"))
            continue
        key = title_key(title)
        if key in seen:
            findings.append(warning(shown, line, "duplicate", f"第 {index + 1} 条的标题与第 {seen[key]} 条重复：只保留一条即可", f"items[{index}].title"))
        else:
            seen[key] = index + 1
        day = entry.get("date")
        refs.append(Reference(
            key=f"{shown}#{index + 1}", source=UPSTREAM, label=f"{list_name} 第{index + 1}条", title=title,
            body=clean_body(entry.get("body") or ""), date=dt.date.fromisoformat(day) if isinstance(day, str) else None,
            origin=clean_line(entry.get("origin") or ""), ref=clean_line(entry.get("ref") or ""), path=shown, line=line,
        ))
    level = clean_line(data["level"]) if isinstance(data.get("level"), str) else ""
    year = data["year"] if isinstance(data.get("year"), int) and not isinstance(data.get("year"), bool) else None
    listing = Listing(shown, UPSTREAM, list_name, level, year, len(refs), sum(1 for r in refs if r.body))
    return _Parsed(doc, refs, _capped(findings, shown), listing)


def _read_upstream(root: Path, name: str) -> tuple[str | None, list[Finding]]:
    """The text of upstream/NAME, or None with the finding that says why it cannot be read."""
    shown = f"{UPSTREAM}/{name}"
    try:
        raw = read_regular(root / UPSTREAM / name, UPSTREAM_MAX_BYTES)
    except NotRegular:
        return None, [error(shown, 1, "not-regular-file", not_regular_message(f"上级采用信息目录 {shown} "))]
    except ValueError:
        return None, [error(shown, 1, "too-large", f"上级采用信息目录 {shown} 超过 {UPSTREAM_MAX_BYTES // 1024 // 1024} MB，不予读取")]
    except OSError as exc:
        return None, [error(shown, 1, "unreadable", f"无法读取 {shown}：{exc.strerror or exc}")]
    try:
        return yamlsrc.decode(raw), []
    except UnicodeDecodeError:
        return None, [error(shown, 1, "encoding", "文件不是 UTF-8 编码；请用 UTF-8 保存")]


def _folder_problem(root: Path, folder: str, what: str) -> list[Finding]:
    """A finding when root/folder is a link or not a folder; nothing when it is a folder or absent."""
    path = root / folder
    if os.path.islink(path) or (os.path.lexists(path) and not _is_folder(path)):
        return [error(folder, 1, "not-regular-file", f"{what} {folder}/ 不是普通文件夹（是符号链接或文件）：sqmy 不跟随链接，请改为普通文件夹")]
    return []


def _upstream_names(root: Path) -> list[str]:
    if not _is_folder(root / UPSTREAM):
        return []
    return [n for n in _names(root / UPSTREAM) if n.endswith(".yml")]


def _upstream_all(root: Path) -> Iterator[_Parsed]:
    for name in _upstream_names(root):
        text, problems = _read_upstream(root, name)
        if text is None:
            yield _Parsed(None, [], problems, None)
        else:
            yield _parse_upstream(text, f"{UPSTREAM}/{name}")


def load_upstream(root: Path) -> tuple[list[Reference], list[Finding]]:
    """The entries of root/upstream/*.yml (files in name order); problems are findings, never exceptions."""
    findings = _folder_problem(root, UPSTREAM, "上级采用信息目录的文件夹")
    refs: list[Reference] = []
    for parsed in _upstream_all(root):
        refs += parsed.refs
        findings += parsed.findings
    return refs, findings


# --- siblings ----------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")


def _row_lines(text: str) -> list[int]:
    """The 1-based line where each row of the top-level "items" array starts; [] when the text is not laid out
    as expected (then every row is at line 1)."""
    decoder = json.JSONDecoder()
    counted, line = 0, 1

    def line_at(pos: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, pos)
        counted = pos
        return line

    def ws(pos: int) -> int:
        match = _WS.match(text, pos)
        return match.end() if match else pos

    found: list[int] = []
    try:
        pos = ws(0)
        if text[pos:pos + 1] != "{":
            return []
        pos = ws(pos + 1)
        if text[pos:pos + 1] == "}":
            return []
        while True:
            key, pos = decoder.raw_decode(text, ws(pos))
            pos = ws(pos)
            if text[pos:pos + 1] != ":":
                return []
            pos = ws(pos + 1)
            if key == "items" and text[pos:pos + 1] == "[":
                rows: list[int] = []
                pos = ws(pos + 1)
                if text[pos:pos + 1] == "]":
                    pos += 1
                else:
                    while True:
                        rows.append(line_at(pos))
                        _, pos = decoder.raw_decode(text, pos)
                        pos = ws(pos)
                        mark, pos = text[pos:pos + 1], ws(pos + 1)
                        if mark == "]":
                            break
                        if mark != ",":
                            return []
                found = rows
            else:
                _, pos = decoder.raw_decode(text, pos)
            pos = ws(pos)
            mark, pos = text[pos:pos + 1], pos + 1
            if mark == "}":
                return found
            if mark != ",":
                return []
    except (ValueError, IndexError, RecursionError):
        return []


def _sibling_offices(root: Path) -> list[str]:
    if not _is_folder(root / SIBLINGS):
        return []
    return [n for n in _names(root / SIBLINGS) if os.path.islink(root / SIBLINGS / n) or _is_folder(root / SIBLINGS / n)]


def _text_field(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return clean_line(value) if isinstance(value, str) else ""


def _rows(folder: str, office: str, shown: str, rows: list[Any], lines: list[int]) -> tuple[list[Reference], list[Finding]]:
    """A sibling's rows (items.json's, or an export's) as references; a bad row is a finding, the others are kept."""
    refs: list[Reference] = []
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        n, line, where = index + 1, lines[index], f"items[{index}]"
        if not isinstance(row, dict):
            findings.append(error(shown, line, "type", f"第 {n} 条应为对象（含 id、title）", where))
            continue
        raw_id, raw_title, raw_body = row.get("id"), row.get("title"), row.get("body")
        if not isinstance(raw_id, str) or not raw_id.strip():
            findings.append(error(shown, line, "required", f"第 {n} 条缺少“编号”（id）", f"{where}.id"))
            continue
        item_id = raw_id.strip()
        if len(item_id) > ID_MAX or not item_id.isprintable() or any(c.isspace() for c in item_id):
            findings.append(error(shown, line, "pattern", f"第 {n} 条的“编号”（id）无效：不能含空白或控制字符，不超过 {ID_MAX} 个字符", f"{where}.id"))
            continue
        if not isinstance(raw_title, str) or not clean_line(raw_title):
            findings.append(error(shown, line, "required", f"第 {n} 条缺少“标题”（title）", f"{where}.title"))
            continue
        title = clean_line(raw_title)
        if len(title) > TITLE_MAX:
            findings.append(error(shown, line, "too-long", f"第 {n} 条的“标题”（title）太长：不超过 {TITLE_MAX} 个字", f"{where}.title"))
            continue
        if raw_body is not None and not isinstance(raw_body, str):
            findings.append(error(shown, line, "type", f"第 {n} 条的“正文”（body）应为文字", f"{where}.body"))
            continue
        body = clean_body(raw_body or "")
        if len(body) > BODY_MAX:
            findings.append(error(shown, line, "too-long", f"第 {n} 条的“正文”（body）太长：不超过 {BODY_MAX} 个字", f"{where}.body"))
            continue
        if item_id in seen:
            message = f"第 {n} 条的编号“{item_id}”与第 {seen[item_id]} 条重复：只读取第一条"
            findings.append(warning(shown, line, "duplicate", message, f"{where}.id"))
            continue
        seen[item_id] = n
        submitted = row.get("submitted")
        refs.append(Reference(
            key=f"{folder}/{item_id}", source=SIBLINGS, label=f"{office} {item_id}", title=title, body=body,
            date=dt.date.fromisoformat(submitted) if isinstance(submitted, str) and schema.is_date(submitted) else None,
            origin=_text_field(row, "unit_name"), ref=_text_field(row, "url"), path=shown, line=line,
        ))
    return refs, findings


def _sibling(root: Path, office: str) -> tuple[list[Reference], list[Finding], Listing | None]:
    folder = f"{SIBLINGS}/{office}"
    shown = f"{folder}/{SIBLING_FILE}"
    if os.path.islink(root / folder):
        return [], [error(folder, 1, "not-regular-file", f"兄弟单位的文件夹 {folder}/ 是符号链接：sqmy 不跟随链接，请改为普通文件夹")], None
    if os.path.lexists(root / folder / EXPORT_FILE):
        return _sibling_export(root, folder, office)
    path = root / folder / SIBLING_FILE
    if not os.path.lexists(path):
        return [], [warning(folder, 1, "missing-file", f"{folder}/ 中没有 {SIBLING_FILE}：请放入该单位归档网站的 {SIBLING_FILE}")], None
    try:
        raw = read_regular(path, SIBLING_MAX_BYTES)
    except NotRegular:
        return [], [error(shown, 1, "not-regular-file", not_regular_message(f"兄弟单位的信息列表 {shown} "))], None
    except ValueError:
        return [], [error(shown, 1, "too-large", f"{shown} 超过 {SIBLING_MAX_BYTES // 1024 // 1024} MB，不予读取")], None
    except OSError as exc:
        return [], [error(shown, 1, "unreadable", f"无法读取 {shown}：{exc.strerror or exc}")], None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [error(shown, 1, "encoding", "文件不是 UTF-8 编码：应为 sqmy 归档网站生成的 items.json")], None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [error(shown, exc.lineno, "json-syntax", f"JSON 语法错误（第 {exc.lineno} 行第 {exc.colno} 列）：应为 sqmy 归档网站生成的 items.json")], None
    except (ValueError, RecursionError):
        return [], [error(shown, 1, "json-syntax", "JSON 无法读取（嵌套太深或含无效内容）：应为 sqmy 归档网站生成的 items.json")], None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return [], [error(shown, 1, "items-json", "应为 sqmy 归档网站生成的 items.json：一个含“items”列表的对象", "items")], None
    rows: list[Any] = data["items"]
    if len(rows) > MAX_ROWS:
        return [], [error(shown, 1, "too-many", f"{shown} 超过 {MAX_ROWS} 条，不予读取")], None
    lines = _row_lines(text)
    if len(lines) != len(rows):
        lines = [1] * len(rows)
    refs, findings = _rows(folder, office, shown, rows, lines)
    listing = Listing(shown, SIBLINGS, office, "", None, len(refs), sum(1 for r in refs if r.body))
    return refs, _capped(findings, shown), listing


def _sibling_export(root: Path, folder: str, office: str) -> tuple[list[Reference], list[Finding], Listing | None]:
    """A sibling's `sqmy export` (items.parquet with export.json beside it; with --bodies, its texts too), checked against
    the checksum export.json gives before it is read."""
    shown = f"{folder}/{EXPORT_FILE}"
    try:
        described = json.loads(read_regular(root / folder / EXPORT_JSON, 1024 * 1024).decode("utf-8"))
        raw = read_regular(root / folder / EXPORT_FILE, SIBLING_MAX_BYTES)
    except NotRegular:
        return [], [error(shown, 1, "not-regular-file", not_regular_message(f"兄弟单位的导出 {folder}/ 中的文件 "))], None
    except FileNotFoundError:
        return [], [error(shown, 1, "missing-file", f"{folder}/ 中有 {EXPORT_FILE} 却没有 {EXPORT_JSON}：请放入 sqmy export 写出的全部文件")], None
    except ValueError:
        return [], [error(shown, 1, "too-large", f"{shown} 超过 {SIBLING_MAX_BYTES // 1024 // 1024} MB，不予读取")], None
    except (OSError, UnicodeDecodeError, RecursionError) as exc:
        return [], [error(shown, 1, "unreadable", f"无法读取 {folder}/ 中的导出：{exc}")], None
    sums = described.get("sha256") if isinstance(described, dict) and described.get("format") == "sqmy-export" else None
    if not isinstance(sums, dict) or sums.get(EXPORT_FILE) != hashlib.sha256(raw).hexdigest():
        return [], [error(shown, 1, "checksum", f"{shown} 的校验值与 {EXPORT_JSON} 不符：文件不完整或被改动过")], None
    try:
        import pyarrow as pa  # noqa: PLC0415 - only an office with a sibling's export reads Parquet
        import pyarrow.parquet as pq  # noqa: PLC0415

        table = pq.read_table(pa.BufferReader(raw))
        wanted_columns = [c for c in ("id", "title", "body", "unit_name", "submitted") if c in table.column_names]
        rows = table.select(wanted_columns).to_pylist()
    except (pa.ArrowException, ValueError, OSError) as exc:
        return [], [error(shown, 1, "unreadable", f"{shown} 不是 sqmy export 写出的 Parquet 文件：{exc}")], None
    if len(rows) > MAX_ROWS:
        return [], [error(shown, 1, "too-many", f"{shown} 超过 {MAX_ROWS} 条，不予读取")], None
    for row in rows:
        if isinstance(row.get("submitted"), dt.date):
            row["submitted"] = row["submitted"].isoformat()
    refs, findings = _rows(folder, office, shown, rows, [1] * len(rows))
    listing = Listing(shown, SIBLINGS, office, "", None, len(refs), sum(1 for r in refs if r.body))
    return refs, _capped(findings, shown), listing


def load_siblings(root: Path) -> tuple[list[Reference], list[Finding]]:
    """The rows of root/siblings/*/items.json (offices in name order); problems are findings, never exceptions."""
    findings = _folder_problem(root, SIBLINGS, "兄弟单位信息的文件夹")
    refs: list[Reference] = []
    for office in _sibling_offices(root):
        got, problems, _ = _sibling(root, office)
        refs += got
        findings += problems
    return refs, findings


def files(root: Path) -> list[Path]:
    """Every file the two loaders would read (plain files only: links and special files are refused, never read),
    sorted: for a cache key."""
    found = [root / UPSTREAM / n for n in _upstream_names(root) if _is_regular(root / UPSTREAM / n)]
    offices = [o for o in _sibling_offices(root) if _is_folder(root / SIBLINGS / o)]
    found += [root / SIBLINGS / o / SIBLING_FILE for o in offices if _is_regular(root / SIBLINGS / o / SIBLING_FILE)]
    found += [root / SIBLINGS / o / name for o in offices for name in (EXPORT_FILE, EXPORT_JSON) if _is_regular(root / SIBLINGS / o / name)]
    return sorted(found)


def listings(root: Path) -> tuple[list[Listing], list[Finding]]:
    """Every reference file that could be read, with its counts, and the problems of all of them."""
    found: list[Listing] = []
    findings = _folder_problem(root, UPSTREAM, "上级采用信息目录的文件夹")
    for parsed in _upstream_all(root):
        findings += parsed.findings
        if parsed.listing is not None:
            found.append(parsed.listing)
    findings += _folder_problem(root, SIBLINGS, "兄弟单位信息的文件夹")
    for office in _sibling_offices(root):
        _, problems, listing = _sibling(root, office)
        findings += problems
        if listing is not None:
            found.append(listing)
    return found, findings


# --- import: reading the city's list ---------------------------------------------------

HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "题目", "信息标题", "篇名", "信息题目", "文章标题", "信息名称", "题名"),
    "date": ("日期", "采用日期", "时间", "采用时间", "刊发日期", "刊发时间"),
    "origin": ("单位", "报送单位", "来源", "作者单位", "来源单位", "反映单位", "作者"),
    "ref": ("期号", "文号", "刊物", "出处", "刊期", "采用刊物"),
    "body": ("正文", "内容", "全文", "信息内容"),
}
_ALIAS = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_NUMBERED = re.compile(r"^(?:[（(]\s*\d{1,4}\s*[)）]|\d{1,4}\s*[.．、)）](?!\d)|[一二三四五六七八九十百]{1,4}\s*[、.．])\s*")
_TITLE_END = ("建议", "意见", "问题", "对策", "思考", "呼吁", "报告", "解决", "重视", "关注", "的")
_LIST_HEADING = re.compile(r"目录|清单|一览|汇总|名单")
_SECTION_MAX = 12  # a numbered paragraph this short that does not look like a title is a section heading
_SAFE_NAME = re.compile(r"[^/\\:*?\"<>|\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class _Row:
    where: str  # 工作表“Sheet1”第 5 行, 表格 1 第 3 行, 第 12 段
    cells: Mapping[str, Any]


def _header(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value or "")).replace("＊", "").replace("*", "").lower()
    return re.sub(r"[（(][^）)]*[）)]$", "", text)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _header_columns(values: Sequence[Any]) -> dict[str, int] | None:
    """field -> column of a header row (the first column of each kind wins); None when it has no title column."""
    found: dict[str, int] = {}
    for i, value in enumerate(values):
        key = _ALIAS.get(_header(value))
        if key is not None and key not in found:
            found[key] = i
    return found if "title" in found else None


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a date value, or 2025-03-14, 2025年3月14日, 2025.3.14, 2025/3/14."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.fullmatch(str(value or "").strip())
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _check_size(source: Path) -> None:
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise SqmyError(f"找不到文件 {source}") from None
    except OSError as exc:
        raise SqmyError(f"无法读取 {source}：{exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise SqmyError(f"{source} 不是普通文件")
    if st.st_size > IMPORT_MAX_BYTES:
        raise SqmyError(f"{source.name} 超过 {IMPORT_MAX_BYTES // 1024 // 1024} MB，不像是信息目录，未读取")


def _ignored(values: Sequence[Any], columns: Mapping[str, int]) -> list[str]:
    """A note naming the header row's columns that are not imported (序号 goes without saying)."""
    used = set(columns.values())
    names = [clean_line(_cell_text(v))[:20] for i, v in enumerate(values) if i not in used and _header(v) not in ("", "序号", "编号", "序")]
    return [f"未识别的列没有导入：{'、'.join(names)}"] if names else []


def _read_xlsx(source: Path) -> tuple[str, list[_Row], list[str]]:
    """(what was read, the data rows, notes) of the first sheet with a title column."""
    _check_size(source)
    from openpyxl import load_workbook  # noqa: PLC0415 - only the import needs it

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise SqmyError(f"无法读取 {source.name}：文件已损坏或不是 Excel 工作簿（{type(exc).__name__}）") from None
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
            columns, header_row, notes = _header_row(rows)
            if columns is None:
                continue
            data: list[_Row] = []
            for number, values in enumerate(rows, start=header_row + 1):
                if number - header_row > MAX_ROWS:
                    raise SqmyError(f"{source.name} 的工作表“{sheet.title}”超过 {MAX_ROWS} 行，未读取")
                if all(_cell_text(v).strip() == "" for v in values):
                    continue
                cells = {key: values[i] if i < len(values) else None for key, i in columns.items()}
                data.append(_Row(f"工作表“{sheet.title}”第 {number} 行", cells))
            return f"{source.name}（工作表“{sheet.title}”）", data, notes
    finally:
        book.close()
    wanted = "、".join(h[0] for h in HEADERS.values())
    raise SqmyError(f"{source.name} 中找不到表头：前 {HEADER_ROWS} 行中应有“标题”列（也可写作 {'、'.join(HEADERS['title'][1:])}），可用的列有 {wanted}")


def _header_row(rows: Iterator[Sequence[Any]]) -> tuple[dict[str, int] | None, int, list[str]]:
    """(columns, the header's row number, notes) of the first of HEADER_ROWS rows with a title column, taken from
    `rows` (which is left just after it); columns None when there is none."""
    for number, values in enumerate(itertools.islice(rows, HEADER_ROWS), start=1):
        columns = _header_columns(values)
        if columns is not None:
            return columns, number, _ignored(values, columns)
    return None, 0, []


def _open_docx(source: Path) -> DocxDocument:
    from .intake.word import open_docx  # noqa: PLC0415 - only the import reads Word files

    _check_size(source)
    try:
        return open_docx(source)
    except SqmyError as exc:
        raise SqmyError(f"{source.name}：{exc.message}") from None


def _numbered_by_word(paragraph: Any) -> bool:
    """Numbered by Word itself (the number is not in the text): numPr on the paragraph or its style."""
    if paragraph._p.xpath("./w:pPr/w:numPr"):
        return True
    style = paragraph.style
    for _ in range(10):  # base styles may loop in a broken file
        if style is None:
            return False
        if style.element.xpath("./w:pPr/w:numPr"):
            return True
        style = style.base_style
    return False


def _looks_like_title(text: str) -> bool:
    core = text.rstrip("。.；;！!")
    return core.startswith("关于") or core.endswith(_TITLE_END)


def _read_docx(source: Path) -> tuple[str, list[_Row], list[str]]:
    """(what was read, the rows, notes): a table with a title column, else numbered paragraphs, else titles."""
    document = _open_docx(source)
    for t_index, table in enumerate(document.tables, start=1):
        try:
            rows = [[cell.text for cell in row.cells] for row in table.rows]
        except (ValueError, IndexError):  # a malformed table: try the others
            continue
        columns, header_row, notes = _header_row(iter(rows))
        if columns is None:
            continue
        data = [
            _Row(f"表格 {t_index} 第 {number} 行", {key: values[i] if i < len(values) else None for key, i in columns.items()})
            for number, values in enumerate(rows[header_row:header_row + MAX_ROWS], start=header_row + 1)
            if any(v.strip() for v in values)
        ]
        return f"{source.name}（表格 {t_index}）", data, notes
    paragraphs = [(i, clean_line(p.text), _numbered_by_word(p)) for i, p in enumerate(document.paragraphs[: MAX_ROWS * 2], start=1)]
    paragraphs = [(i, text, auto) for i, text, auto in paragraphs if text]
    numbered = [(i, _NUMBERED.sub("", text) if _NUMBERED.match(text) else text) for i, text, auto in paragraphs if auto or _NUMBERED.match(text)]
    notes = []
    if numbered:
        data = []
        for i, text in numbered:
            if len(text) <= _SECTION_MAX and not _looks_like_title(text):
                notes.append(f"第 {i} 段“{text}”像是小标题，未导入")
                continue
            data.append(_Row(f"第 {i} 段", {"title": text}))
        return f"{source.name}（编号段落）", data, notes
    data = []
    for i, text, _ in paragraphs:
        if _LIST_HEADING.search(text) and not text.startswith("关于"):
            notes.append(f"第 {i} 段“{text[:30]}”像是目录的标题，未导入")
        elif _looks_like_title(text) and len(text) <= TITLE_MAX:
            data.append(_Row(f"第 {i} 段", {"title": text}))
    if not data:
        raise SqmyError(f"{source.name} 中找不到信息标题：应有含“标题”列的表格，或编号的标题段落（如“1. 关于……的建议”）")
    return f"{source.name}（标题段落）", data, notes


# --- import: the plan ----------------------------------------------------------------


@dataclass
class Plan:
    """What `sqmy upstream import` would write."""

    target: str  # upstream/市政协-2025.yml
    source: str  # 目录.xlsx（工作表“Sheet1”）
    new_file: bool
    added: list[dict[str, Any]] = field(default_factory=list)  # new entries, as written
    existing: list[str] = field(default_factory=list)  # titles already in the list, not added again
    skipped: list[str] = field(default_factory=list)  # rows not imported, with why
    notes: list[str] = field(default_factory=list)
    old_text: str = ""  # the file as read ("" when new)
    new_text: str = ""

    @property
    def changes(self) -> bool:
        return bool(self.added)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target, "source": self.source, "new_file": self.new_file, "added": self.added,
            "existing": self.existing, "skipped": self.skipped, "notes": self.notes,
        }

    def lines(self) -> list[str]:
        out = [f"{self.source} → {self.target}" + ("（新建）" if self.new_file and self.added else "")]
        if self.added:
            out.append(f"新增 {len(self.added)} 条：")
            for entry in self.added:
                parts = [str(entry[k]) for k in ("date", "origin", "ref") if k in entry] + (["有正文"] if "body" in entry else [])
                extra = "，".join(parts)
                out.append(f"  + {entry['title']}" + (f"（{extra}）" if extra else ""))
        out.append(f"已在目录中 {len(self.existing)} 条（不重复添加）")
        if self.skipped:
            out.append(f"跳过 {len(self.skipped)} 行：")
            out += [f"  - {s}" for s in self.skipped[:50]] + ([f"  ……另有 {len(self.skipped) - 50} 行"] if len(self.skipped) > 50 else [])
        out += [f"说明：{note}" for note in self.notes]
        return out


def checked_name(name: str) -> str:
    """The list's file stem given on the command line (`市政协-2025`, `.yml` allowed), or refused."""
    stem = name.strip().removesuffix(".yml")
    if (not stem or len(stem) > NAME_MAX or stem.startswith(".") or ".." in stem or not _SAFE_NAME.fullmatch(stem)
            or stem != clean_line(stem)):
        raise SqmyError(f"目录名称“{clean_line(name)}”无效：用作文件名 upstream/<名称>.yml，不能含 / \\ : * ? \" < > | 和“..”，"
                        f"不能以“.”开头，不超过 {NAME_MAX} 个字，如 市政协-2025")
    return stem


class _Dumper(yaml.SafeDumper):
    """Block style, a full text as a literal block (`body: |`), never a line wrapped."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def _dump(data: Any, indent: int = 0) -> str:
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000, default_flow_style=False)
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


def _entry(row: _Row, notes: list[str]) -> tuple[dict[str, Any] | None, str]:
    """(the entry to write, "") or (None, why the row is skipped)."""
    title = clean_line(_cell_text(row.cells.get("title")))
    title = re.sub(r"(?<=[\u4e00-\u9fff“”《》（）]) (?=[\u4e00-\u9fff“”《》（）])", "", title).rstrip("。")
    if not title:
        return None, f"{row.where}：标题为空"
    if len(title) > TITLE_MAX:
        return None, f"{row.where}：标题超过 {TITLE_MAX} 个字（“{title[:20]}……”）"
    entry: dict[str, Any] = {"title": title}
    raw_date = row.cells.get("date")
    if _cell_text(raw_date).strip():
        day = parse_date(raw_date)
        if day is None:
            notes.append(f"{row.where}：日期“{clean_line(_cell_text(raw_date))[:30]}”无法识别，未导入日期（应为 2025-03-14、2025年3月14日 或 2025.3.14）")
        else:
            entry["date"] = day.isoformat()
    for key in ("origin", "ref"):
        text = clean_line(_cell_text(row.cells.get(key)))
        if len(text) > 200:
            notes.append(f"{row.where}：{'报送单位' if key == 'origin' else '期号'}超过 200 个字，未导入")
        elif text:
            entry[key] = text
    body = clean_body(_cell_text(row.cells.get("body")))
    if len(body) > BODY_MAX:
        notes.append(f"{row.where}：正文超过 {BODY_MAX} 个字，未导入正文")
    elif body:
        entry["body"] = body
    return entry, ""


def _target(root: Path, stem: str) -> tuple[Path, str]:
    shown = f"{UPSTREAM}/{stem}.yml"
    folder = root / UPSTREAM
    if os.path.islink(folder) or (os.path.lexists(folder) and not _is_folder(folder)):
        raise Refused("not-regular-file", f"{UPSTREAM}/ 不是普通文件夹（是符号链接或文件）：sqmy 不跟随链接，请改为普通文件夹")
    return folder / f"{stem}.yml", shown


def _current(root: Path, path: Path, shown: str) -> tuple[str | None, str]:
    """(the file's exact text, or None when absent; its text with line ends as yamlsrc reads them)."""
    if not os.path.lexists(path):
        return None, ""
    try:
        raw = read_regular(path, UPSTREAM_MAX_BYTES)
    except NotRegular:
        raise Refused("not-regular-file", not_regular_message(f"{shown} ")) from None
    except ValueError:
        raise SqmyError(f"{shown} 超过 {UPSTREAM_MAX_BYTES // 1024 // 1024} MB，未读取") from None
    try:
        exact = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SqmyError(f"{shown} 不是 UTF-8 编码：请用 UTF-8 保存后再导入") from None
    return exact, yamlsrc.decode(raw)


def _append(text: str, doc: yamlsrc.Document, shown: str, entries: list[dict[str, Any]]) -> str:
    """`text` with `entries` added at the end of its `items:` list; nothing already there is rewritten."""
    node = doc.node
    assert isinstance(node, MappingNode)
    keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
    if node.flow_style:
        raise Refused("upstream-layout", f"{shown} 写在花括号中：请改为每个字段一行的写法再导入")
    if keys[-1:] != ["items"]:
        raise Refused("upstream-layout", f"{shown} 中“items:”不是最后一个字段：新条目要追加在文件末尾。请把 items: 及其列表移到文件最后再导入")
    key_node, value = node.value[-1]
    lines = text.split("\n")
    if isinstance(value, SequenceNode) and value.value and not value.flow_style:
        first = lines[value.value[0].start_mark.line]
        indent = len(first) - len(first.lstrip(" "))
    elif isinstance(value, SequenceNode) and value.value:
        raise Refused("upstream-layout", f"{shown} 的 items 写在方括号中：请改为每条一行“- title: ……”的写法再导入")
    else:  # `items:`, `items: []` or `items: ~`: the value, if any, is on the key's line
        line = key_node.start_mark.line
        if value.start_mark.line == line and (isinstance(value, SequenceNode) or value.value):
            lines[line] = lines[line][: value.start_mark.column].rstrip() + lines[line][value.end_mark.column:]
        indent = 2
    text = "\n".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return text + _dump(entries, indent)


def _new_file(source: Path, level: str | None, year: int | None, entries: list[dict[str, Any]]) -> str:
    head = f"# 上级采用信息目录（查重用）：由 sqmy upstream import 从“{clean_line(source.name)}”导入\n"
    head += "# 可加 name: 显示名称（默认为文件名）；items: 须是最后一个字段，新条目追加在末尾\n"
    meta: dict[str, Any] = {}
    if level:
        meta["level"] = level
    if year is not None:
        meta["year"] = year
    return head + (_dump(meta) if meta else "") + "items:\n" + _dump(entries, 2)


def plan_import(root: Path, source: Path, name: str, level: str | None, year: int | None) -> Plan:
    """What importing the city's list `source` (.xlsx or .docx) into upstream/<name>.yml would write."""
    stem = checked_name(name)
    if level is not None and (not clean_line(level) or len(clean_line(level)) > 50):
        raise SqmyError("--level 的值应为 1 到 50 个字，如 市政协、省政协")
    level = clean_line(level) if level is not None else None
    if year is not None and not 1949 <= year <= 2100:
        raise SqmyError(f"--year 的值 {year} 不是有效的年份")
    path, shown = _target(root, stem)
    exact, text = _current(root, path, shown)
    known: set[str] = set()
    doc: yamlsrc.Document | None = None
    notes: list[str] = []
    if exact is not None:
        parsed = _parse_upstream(text, shown)
        errors = [f for f in parsed.findings if f.severity == ERROR]
        if errors:
            raise SqmyError(f"{shown} 有 {len(errors)} 个错误，请先修正再导入：\n" + "\n".join(f.text() for f in errors[:20]))
        doc = parsed.doc
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        for entry in data.get("items") or []:
            if isinstance(entry, dict) and isinstance(entry.get("title"), str):
                known.add(title_key(clean_line(entry["title"])))
        if level is not None and data.get("level") != level:
            notes.append(f"{shown} 已有的层级（level）为“{data.get('level') or '（空）'}”，未修改；如需修改请直接编辑该文件")
        if year is not None and data.get("year") != year:
            notes.append(f"{shown} 已有的年度（year）为“{data.get('year') or '（空）'}”，未修改；如需修改请直接编辑该文件")
    suffix = source.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        described, rows, read_notes = _read_xlsx(source)
    elif suffix == ".docx":
        described, rows, read_notes = _read_docx(source)
    elif suffix in (".xls", ".doc", ".wps", ".et"):
        raise SqmyError(f"{source.name} 是旧版格式：请在 Excel、Word 或 WPS 中另存为 .xlsx 或 .docx 后再导入")
    else:
        raise SqmyError(f"{source.name} 不是 Excel（.xlsx）或 Word（.docx）文件")
    notes = read_notes + notes
    plan = Plan(shown, described, exact is None, notes=notes, old_text=exact or "")
    seen: dict[str, str] = {}
    for row in rows:
        entry, why = _entry(row, plan.notes)
        if entry is None:
            plan.skipped.append(why)
            continue
        key = title_key(entry["title"])
        if not key:
            plan.skipped.append(f"{row.where}：标题中没有文字")
        elif key in known:
            plan.existing.append(entry["title"])
        elif key in seen:
            plan.skipped.append(f"{row.where}：与{seen[key]}的标题相同")
        else:
            seen[key] = row.where
            plan.added.append(entry)
    if not plan.added:
        plan.new_text = plan.old_text
        return plan
    if exact is None:
        new_text = _new_file(source, level, year, plan.added)
    else:
        assert doc is not None
        new_text = _append(text, doc, shown, plan.added)
        if exact.startswith("\ufeff"):
            new_text = "\ufeff" + new_text
        if "\r\n" in exact:
            new_text = new_text.replace("\n", "\r\n")
    after = _parse_upstream(yamlsrc.decode(new_text.encode("utf-8")), shown)
    broken = [f for f in after.findings if f.severity == ERROR]
    if broken or len(after.refs) != len(_entries(doc)) + len(plan.added):
        shown_errors = "\n".join(f.text() for f in broken[:10])
        raise Refused("upstream-invalid", f"导入后 {shown} 将无法正确读取，未写入任何内容（这是 sqmy 的缺陷，请报告）：\n{shown_errors}")
    plan.new_text = new_text
    return plan


def _entries(doc: yamlsrc.Document | None) -> list[Any]:
    """The entries of a parsed upstream file (for the check that the import only adds)."""
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    items = data.get("items")
    return items if isinstance(items, list) else []


def write(root: Path, plan: Plan) -> None:
    """Write the planned file, unless it changed since it was read."""
    if not plan.changes:
        return
    stem = plan.target.removeprefix(f"{UPSTREAM}/").removesuffix(".yml")
    path, shown = _target(root, checked_name(stem))
    exact, _ = _current(root, path, shown)
    if (exact or "") != plan.old_text or (exact is None) != plan.new_file:
        raise SqmyError(f"{shown} 在比对之后被修改过：请重新运行导入")
    try:
        write_text(path, plan.new_text, exclusive=plan.new_file)
    except FileExistsError:
        raise SqmyError(f"{shown} 在比对之后被创建：请重新运行导入") from None
