"""Checks of item files: each check yields findings; all problems in one run.

`check_item` is the single entry for reading an item: `status` and every later
stage use the Items it builds, so nothing reads an item file twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cache, chain, personal, schema, yamlsrc
from . import registry as registry_mod
from .errors import SqmyError
from .findings import ERROR, Finding, error, warning
from .items import Item, Journal, build, content_digest
from .paths import Repo
from .registry import Registry

MAX_ITEM_BYTES = 512 * 1024  # a long item is a few thousand characters: far more is a file made to exhaust memory
PLACEHOLDER = "【请"
_ITEM_PATH = re.compile(r"^items/([0-9]{4})/([^/]+)\.md$")

Progress = Callable[[int], None]

# errors that leave an item readable: it is still counted and shown (its derived
# status says what is wrong), while validate fails and nothing is published from it
SOFT_RULES = frozenset({"approval-stale", "journal-collision"})


@dataclass(frozen=True)
class Context:
    repo: Repo
    registry: Registry
    today: dt.date


@dataclass
class _File:
    """One item file being checked: where findings go and how lines are found."""

    ctx: Context
    path: Path
    shown: str
    findings: list[Finding]
    doc: yamlsrc.Document | None = None
    offset: int = 0
    rel: str | None = None  # POSIX path inside the repository

    def line(self, path: Sequence[str | int]) -> int:
        return (self.doc.line_of(path) if self.doc else 0) + self.offset + 1

    def error(self, path: Sequence[str | int], rule: str, message: str) -> None:
        self.findings.append(error(self.shown, self.line(path), rule, message, schema.field_name(path) or None))

    def warning(self, path: Sequence[str | int], rule: str, message: str) -> None:
        self.findings.append(warning(self.shown, self.line(path), rule, message, schema.field_name(path) or None))


def check_item(ctx: Context, path: Path) -> tuple[Item | None, list[Finding]]:
    """Read and check one item file; the Item only when it has no error.

    Links and special files are refused without being opened (see read_item)."""
    rel = ctx.repo.relative(path)
    shown = ctx.repo.display(path)
    try:
        raw = read_item(path, ctx.repo.root)
    except NotRegularItem as exc:
        return None, [error(shown if exc.path == path else ctx.repo.display(exc.path), 1, "not-regular-file", exc.describe(ctx.repo.display(exc.path)))]
    except ItemTooLarge as exc:
        return None, [error(shown, 1, "too-large", f"信息文件 {shown} 有 {exc.size // 1024} KB，超过 {MAX_ITEM_BYTES // 1024} KB，不予读取")]
    except OSError as exc:
        return None, [error(shown, 1, "unreadable", f"无法读取文件：{exc.strerror or exc}")]
    return check_content(ctx, path, rel, raw, shown)


class NotRegularItem(Exception):
    """An item path, or a folder on the way to it, that is a link or a special file."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(str(path))
        self.path = path
        self.mode = mode

    def describe(self, shown: str) -> str:
        """The finding's message, in the words of registry.not_regular_message."""
        if stat.S_ISLNK(self.mode) and os.path.isdir(self.path):
            return f"文件夹 {shown} 是符号链接：sqmy 不跟随链接，其中的信息没有读取；请改为普通文件夹"
        kind = next((name for test, name in _KINDS if test(self.mode)), "特殊文件")
        return f"{shown} 不是普通文件（是{kind}）：sqmy 不跟随链接，也不读取特殊文件；请改为普通文件"


class ItemTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


_KINDS = ((stat.S_ISLNK, "符号链接"), (stat.S_ISDIR, "文件夹"), (stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISSOCK, "套接字"),
          (stat.S_ISCHR, "设备文件"), (stat.S_ISBLK, "设备文件"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


# folders seen to be real folders in this process: 10,000 items cost two lstats, not 20,000.  (A folder
# made a link later is listed as a link by item_files, which then lists nothing inside it.)
_REAL_FOLDERS: set[str] = set()


@functools.lru_cache(maxsize=16)
def _root_spellings(root: str) -> tuple[str, ...]:
    """The repository root as written and with its links resolved: a path may use either."""
    return tuple(dict.fromkeys((os.path.abspath(root), os.path.realpath(root))))


def read_item(path: Path, root: Path | None = None) -> bytes:
    """The bytes of an item file.

    Refused without being opened (NotRegularItem, ItemTooLarge) when it is a
    symbolic link, a folder, a FIFO, socket or device, or too large, and when a
    folder between the repository `root` and it is a link: nothing outside the
    repository is read through a link, and a FIFO cannot stall a run."""
    if root is not None:
        full = os.path.abspath(path)
        for base in _root_spellings(str(root)):
            if full.startswith(base + os.sep):
                folder = base
                for part in full[len(base) + 1 :].split(os.sep)[:-1]:
                    folder = os.path.join(folder, part)
                    if folder not in _REAL_FOLDERS:
                        mode = os.lstat(folder).st_mode
                        if not stat.S_ISDIR(mode):
                            raise NotRegularItem(Path(folder), mode)
                        _REAL_FOLDERS.add(folder)
                break
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularItem(path, st.st_mode)
    if st.st_size > MAX_ITEM_BYTES:
        raise ItemTooLarge(st.st_size)
    fd = os.open(path, _OPEN_FLAGS)  # no following and no waiting, should it have become a link or a FIFO since
    with os.fdopen(fd, "rb", buffering=0) as handle:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise NotRegularItem(path, opened.st_mode)
        raw = handle.read(opened.st_size + 1) or b""  # sized like the file: no 512 KiB buffer for every item
        if len(raw) > opened.st_size:  # it grew since
            raw += handle.read(MAX_ITEM_BYTES + 1 - len(raw)) or b""
    if len(raw) > MAX_ITEM_BYTES:
        raise ItemTooLarge(len(raw))
    return raw


def check_content(ctx: Context, path: Path, rel: str | None, raw: bytes, shown: str) -> tuple[Item | None, list[Finding]]:
    """Check the bytes of one item file found at `path` (`rel` inside the repository).

    The bytes may come from the working tree or from a commit (`--rev`): the
    same checks, with the registry of `ctx`.  The Item is returned when the file
    has no error, or only errors that do not make it unreadable (SOFT_RULES).
    """
    f = _File(ctx, path, shown, [], rel=rel)
    try:
        text = yamlsrc.decode(raw)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        f.findings.append(error(f.shown, line, "encoding", "文件不是 UTF-8 编码；请在编辑器中另存为 UTF-8"))
        return None, f.findings

    split = yamlsrc.split_front_matter(text)
    if split.error:
        f.findings.append(error(f.shown, split.error.line + 1, split.error.rule, split.error.message))
    if split.front is None:
        return None, f.findings
    f.offset = split.front_start
    f.doc = yamlsrc.load(split.front)
    for problem in f.doc.errors:
        f.findings.append(error(f.shown, problem.line + f.offset + 1, problem.rule, problem.message))
    data = f.doc.data
    if not isinstance(data, dict):
        if data is not None or not f.doc.errors:
            f.findings.append(error(f.shown, f.offset + 1, "front-matter", "元数据为空或不是“字段: 值”的形式"))
        return None, f.findings

    for schema_problem in schema.check("item", data):
        f.error(schema_problem.path, schema_problem.rule, schema_problem.message)
    _check_location(f, data)
    _check_references(f, data)
    _check_dates(f, data)
    _check_consistency(f, data)
    _check_approval(f, data, split.body)
    _check_body(f, split.body, split.body_start)
    _check_personal_data(f, data, split.body, split.body_start)

    if any(x.severity == ERROR and x.rule not in SOFT_RULES for x in f.findings):
        return None, f.findings
    return build(data, rel or path.as_posix(), split.body, split.body_start + 1), f.findings


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, entry in enumerate(_list(value)):
        if isinstance(entry, dict):
            yield index, entry


def _check_location(f: _File, data: dict[str, Any]) -> None:
    item_id = _str(data.get("id"))
    stem = f.path.stem
    if item_id is not None and item_id != stem:
        f.error(["id"], "id-stem", f"字段 id（编号）“{item_id}”与文件名“{f.path.name}”不一致：编号必须等于文件名（不含 .md）")
    rel = f.rel
    year = (item_id or stem)[:4]
    expected = f"items/{year}/{item_id or stem}.md"
    match = _ITEM_PATH.match(rel or "")
    if match is None or match.group(1) != year:
        where = rel or f.path.as_posix()
        f.error(["id"], "id-dir", f"文件位置不对：“{where}”应放在 {expected}（信息按编号开头的年份存放在 items/<年份>/ 下）")


def _unknown(f: _File, path: Sequence[str | int], value: str, choices: Iterable[str], what: str, where: str) -> None:
    hint = schema.did_you_mean(value, list(choices))
    f.error(path, "unknown-ref", f"{schema.describe_field('item', path)}的“{value}”不在{what}中（{where}）" + (f"；{hint}" if hint else ""))


def _check_references(f: _File, data: dict[str, Any]) -> None:
    reg = f.ctx.registry
    people, units = reg.people, reg.units
    for index, author in enumerate(_list(data.get("authors"))):
        if isinstance(author, str) and author not in people:
            _unknown(f, ["authors", index], author, people, "人员名册", "units/people.yml")
    unit = _str(data.get("unit"))
    if unit is not None and unit not in units:
        _unknown(f, ["unit"], unit, units, "单位名册", "units/units.yml")
    category = _str(data.get("category"))
    if category and reg.categories and category not in reg.categories:
        _unknown(f, ["category"], category, reg.categories, f"选题类别（{'、'.join(reg.categories)}）", "units/topics.yml")
    focus = _str(data.get("focus"))
    if focus and reg.focuses and focus not in reg.focuses:
        _unknown(f, ["focus"], focus, reg.focuses, f"选题重点（{'、'.join(reg.focuses)}）", "units/topics.yml")
    key_topic = _str(data.get("key_topic"))
    if key_topic:
        year = _year_of(data)
        topics = reg.key_topics.get(year, {}) if year else {}
        if key_topic not in topics:
            _unknown(f, ["key_topic"], key_topic, topics, f"{year}年重点选题清单", "units/topics.yml")
    for index, review in _dicts(data.get("reviews")):
        by = _str(review.get("by"))
        if by is not None and by not in people:
            _unknown(f, ["reviews", index, "by"], by, people, "人员名册", "units/people.yml")
        for e_index, expert in enumerate(_list(review.get("experts"))):
            if isinstance(expert, str) and expert not in people:
                _unknown(f, ["reviews", index, "experts", e_index], expert, people, "人员名册", "units/people.yml")
    recipients = [u.id for u in units.values() if u.kind in schema.TRANSFER_RECIPIENT_KINDS]
    for index, transfer in _dicts(data.get("transfers")):
        to = _str(transfer.get("to"))
        if to is not None and to not in recipients:
            _unknown(f, ["transfers", index, "to"], to, recipients, "可承办转办的部门和镇（办）", "units/units.yml")
    for index, instruction in _dicts(data.get("instructions")):
        for a_index, assigned in enumerate(_list(instruction.get("assigned"))):
            if isinstance(assigned, str) and assigned not in units:
                _unknown(f, ["instructions", index, "assigned", a_index], assigned, units, "单位名册", "units/units.yml")


def _year_of(data: dict[str, Any]) -> int | None:
    submitted = _str(data.get("submitted"))
    if submitted and schema.is_date(submitted):
        return int(submitted[:4])
    item_id = _str(data.get("id"))
    return int(item_id[:4]) if item_id and item_id[:4].isdigit() else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _dated_records(data: dict[str, Any]) -> Iterator[tuple[list[str | int], dt.date, bool]]:
    """(path, date, must-not-precede-submission) of every past date in the item."""
    def at(path: list[str | int], value: Any, after_submission: bool = True) -> Iterator[tuple[list[str | int], dt.date, bool]]:
        day = _date(value)
        if day is not None:
            yield path, day, after_submission

    yield from at(["submitted"], data.get("submitted"), False)
    imported = data.get("imported")
    if isinstance(imported, dict):
        yield from at(["imported", "date"], imported.get("date"))
    for key in ("reviews", "adoptions", "instructions", "transfers"):
        for index, entry in _dicts(data.get(key)):
            yield from at([key, index, "date"], entry.get("date"))
    for key in ("transfers", "instructions"):
        for index, entry in _dicts(data.get(key)):
            feedback = entry.get("feedback")
            if isinstance(feedback, dict):
                yield from at([key, index, "feedback", "date"], feedback.get("date"))
    for index, entry in _dicts(data.get("solved")):
        yield from at(["solved", index, "date"], entry.get("date"))


def _check_dates(f: _File, data: dict[str, Any]) -> None:
    today = f.ctx.today
    submitted = _date(data.get("submitted"))
    for path, day, after_submission in _dated_records(data):
        if day > today:
            f.error(path, "date-future", f"{schema.describe_field('item', path)}的日期 {day} 晚于今天（{today}）：不能填写未来的日期")
        elif after_submission and submitted and day < submitted and path[0] != "imported":
            f.error(path, "date-order", f"{schema.describe_field('item', path)}的日期 {day} 早于报送日期 {submitted}")
    previous: dt.date | None = None
    for index, review in _dicts(data.get("reviews")):
        reviewed = _date(review.get("date"))
        if reviewed and previous and reviewed < previous:
            f.error(["reviews", index, "date"], "date-order", f"审核记录应按时间先后追加：reviews[{index}] 的日期 {reviewed} 早于上一条的 {previous}")
        previous = reviewed or previous
    for index, transfer in _dicts(data.get("transfers")):
        sent, due = _date(transfer.get("date")), _date(transfer.get("due"))
        if sent and due and due < sent:
            f.error(["transfers", index, "due"], "date-order", f"转办的反馈期限 {due} 早于转办日期 {sent}")
    for key, what in (("transfers", "转办"), ("instructions", "批示")):
        for index, entry in _dicts(data.get(key)):
            sent, feedback = _date(entry.get("date")), entry.get("feedback")
            answered = _date(feedback.get("date")) if isinstance(feedback, dict) else None
            if sent and answered and answered < sent:
                f.error([key, index, "feedback", "date"], "date-order", f"反馈日期 {answered} 早于{what}日期 {sent}")




def _check_approval(f: _File, data: dict[str, Any], body: str) -> None:
    """An approval holds only for the text it was given: a change after 审定 makes it void everywhere."""
    title = data.get("title")
    reviews = [r for _, r in _dicts(data.get("reviews"))]
    if not isinstance(title, str) or not reviews:
        return
    state = chain.state(chain.Entry.from_mapping(r) for r in reviews)
    if state.stale(content_digest(title, body)):
        f.error(["reviews"], "approval-stale", "审定通过后标题或正文被修改，与审核记录的摘要值不符，原审核不再有效（不能编发、生成公文或公开）："
                "请办公室运行 sqmy reopen 编号 --reason 理由，再从初审开始重新审核")


def _check_consistency(f: _File, data: dict[str, Any]) -> None:
    reviews = list(_dicts(data.get("reviews")))
    if "submitted" in data and data.get("submitted") is None and reviews:
        f.error(["reviews"], "draft-reviewed", "报送日期为空（草稿）却有审核记录：草稿报送后才能审核，请填写报送日期")
    for index, review in reviews:
        stage, decision, experts = review.get("stage"), review.get("decision"), review.get("experts")
        if decision == "联合复核" and stage != "初审":
            f.error(["reviews", index, "decision"], "review-shape", f"只有初审可以提请联合复核，这里的环节是“{stage}”")
        if decision == "联合复核" and not experts:
            f.error(["reviews", index], "review-shape", "提请联合复核时必须用 experts 列出复核专家")
        if experts and decision != "联合复核":
            f.error(["reviews", index, "experts"], "review-shape", "只有“联合复核”的审核意见才列出专家（experts）")
        if stage == "联合复核" and decision == "联合复核":
            f.error(["reviews", index, "decision"], "review-shape", "联合复核专家的意见应为：通过、退回修改或不予上报")
    approved = any(r.get("stage") == "审定" and r.get("decision") == "通过" for _, r in reviews)
    if not approved:
        for key in ("routes", *schema.OUTCOME_FIELDS):
            if data.get(key):
                label = schema.labels("item")[(key,)][0]
                f.error([key], "outcome-before-approval", f"尚未审定通过，不能记录{label}（{key}）")
    routes = _list(data.get("routes"))
    if data.get("transfers") and isinstance(data.get("routes"), list) and "转办" not in routes:
        f.error(["transfers"], "route-missing", "有转办记录，但审定时没有选择“转办”渠道（routes）")


def _body_chars(body: str) -> int:
    return sum(map(len, body.split()))  # characters other than white space


def _check_body(f: _File, body: str, body_start: int) -> None:
    line = min(body_start + 1, body_start + 1 if body else body_start)
    if not body.strip():
        f.findings.append(error(f.shown, max(line, 1), "body-empty", "正文为空：请写明情况、问题、原因分析和意见建议"))
        return
    count = _body_chars(body)
    limit = f.ctx.registry.office.body_max_chars
    if count > limit:
        f.findings.append(warning(f.shown, body_start + 1, "body-length", f"正文 {count} 字，超过办公室规定的 {limit} 字；一事一议，请精炼"))
    at = body.find(PLACEHOLDER)
    if at >= 0:
        f.findings.append(warning(f.shown, body_start + body.count("\n", 0, at) + 1, "placeholder", "正文还有模板的提示文字（“【请……】”），请替换为实际内容"))
    control = _CONTROL.search(body)
    if control:
        where = body_start + body.count("\n", 0, control.start()) + 1
        f.findings.append(error(f.shown, where, "control-character",
                                f"正文含有不可见的控制字符（U+{ord(control.group()):04X}）：它们不能出现在网页和公文中，请删除（通常来自复制粘贴）"))


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR are text; the rest is not


def _check_personal_data(f: _File, data: dict[str, Any], body: str, body_start: int) -> None:
    """Phone and ID numbers (as personal.py defines them) in any field or the body."""
    public = data.get("audience") == "公开"
    add = f.findings.append
    make = error if public else warning
    scope = "公开信息不能含有" if public else "信息中不应含有"
    where = "；反映人的联系方式只登记在人员名册（units/people.yml）中" + ("，本条为公开信息，会进入公开版归档" if public else "")
    values: list[str] = []
    _texts(data, values)
    # one cheap look at all the values together; their paths (for the line) only when something may be there
    for path, value in yamlsrc.iter_paths(data) if personal.candidates("\0".join(values)) else ():
        if path and path[-1] == "digest":
            continue
        for found in personal.find(value):
            add(make(f.shown, f.line(path), "personal-data", f"{scope}{found.kind}（{personal.mask_number(found.text)}）{where}", schema.field_name(path)))
    for found in personal.find(body):
        line = body_start + body.count("\n", 0, found.start) + 1
        add(make(f.shown, line, "personal-data", f"{scope}{found.kind}（{personal.mask_number(found.text)}）{where}"))


def _texts(data: Any, out: list[str]) -> None:
    """Every string in `data` but the digests (hex that is not a number), in `out`."""
    if isinstance(data, str):
        out.append(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key != "digest":
                _texts(value, out)
    elif isinstance(data, list):
        for value in data:
            _texts(value, out)


# --- many files -------------------------------------------------------------

_WORKER: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _WORKER
    _WORKER = ctx


Checked = tuple[Item | None, list[Finding], Journal | None]  # the item (when kept), its findings, its journal issue


def _checked(item: Item | None, found: list[Finding], keep_items: bool) -> Checked:
    return (item if keep_items else None, found, item.journal if item is not None else None)


def _check_chunk(paths: list[str], keep_items: bool) -> list[Checked]:
    assert _WORKER is not None
    results = (check_item(_WORKER, Path(p)) for p in paths)
    # sending Items back costs as much as reading them: only when asked
    return [_checked(item, found, keep_items) for item, found in results]


PARALLEL_THRESHOLD = 1500


def check_items(ctx: Context, paths: Sequence[Path], progress: Progress | None = None, keep_items: bool = True) -> list[Checked]:
    """Check many item files, on every core when there are enough of them.

    With `keep_items=False` only the findings (and journal issues) are wanted: the Items are None.
    """
    workers = int(os.environ.get("SQMY_JOBS") or min(os.cpu_count() or 1, 8))
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        results = []
        for path in paths:
            results.append(_checked(*check_item(ctx, path), keep_items))
            if progress:
                progress(1)
        return results
    size = max(100, len(paths) // (workers * 8))
    chunks = [[str(p) for p in paths[i : i + size]] for i in range(0, len(paths), size)]
    results = []
    schema.prepare("item")  # compiled once, before the workers are forked
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        for chunk_result in pool.map(_check_chunk, chunks, [keep_items] * len(chunks)):
            results.extend(chunk_result)
            if progress:
                progress(len(chunk_result))
    return results


def item_files(repo: Repo, top: Path | None = None) -> list[Path]:
    """Every item file under items/, sorted; and every symbolic link or special file there.

    Links (to files or to folders) are listed, never followed, and special files
    (FIFOs, sockets, devices) are listed whatever their name: check_item refuses
    them with a `not-regular-file` finding, so every command that reads items
    reports them.  Other files (not .md) are not items and are left out.
    `top` walks another folder instead of items/ (validate given a folder)."""
    top = top if top is not None else repo.items_dir
    try:
        mode = os.lstat(top).st_mode
    except OSError:
        return []
    if stat.S_ISLNK(mode):
        return [top]
    if not stat.S_ISDIR(mode):
        return []
    found: list[Path] = []
    folders = [str(top)]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # an unreadable folder: nothing to list
        for entry in entries:
            if entry.is_symlink():
                found.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif entry.name.endswith(".md") or not entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
    return sorted(found)


def _same_file(a: Path, b: Path) -> bool:
    """The same directory entry (links not followed)."""
    try:
        return os.path.samestat(os.lstat(a), os.lstat(b))
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return True  # gone since it was listed: compare its name as before


def duplicate_ids(repo: Repo, paths: Iterable[Path], others: Iterable[Path] = ()) -> list[Finding]:
    """Files whose ids clash.  An id equals its file's name (checked above), so
    names are compared: this also catches files too broken to read.  `others`
    are files of the repository not checked in this run.  Links and special
    files clash with nothing: check_item reports them."""
    seen: dict[str, Path] = {p.stem: p for p in others if p.suffix == ".md"}
    findings = []
    for path in paths:
        if path.suffix != ".md":
            continue
        first = seen.get(path.stem)
        if first is not None and not _regular(first):  # a link is reported as such (check_item), not as a clash
            seen[path.stem] = path
        elif first is not None and not _regular(path):
            continue
        elif first is not None and not _same_file(first, path):
            findings.append(
                error(repo.display(path), 1, "duplicate-id", f"编号“{path.stem}”与 {repo.display(first)} 重复；编号在整个信息库中必须唯一")
            )
        else:
            seen[path.stem] = path
    return findings


def journal_collisions(repo: Repo, journals: Iterable[tuple[Path, Journal | None]]) -> list[Finding]:
    """One issue number, one set of items: `sqmy journal new` marks an issue, and two marks in one issue mean
    that two branches each opened 'the next issue'."""
    issues: dict[tuple[int, int], dict[str, list[Path]]] = {}
    for path, journal in journals:
        if journal is not None:
            issues.setdefault((journal.year, journal.issue), {}).setdefault(journal.token, []).append(path)
    findings = []
    for (year, issue), sets in sorted(issues.items()):
        if len(sets) < 2:
            continue
        described = "；".join(f"标记 {token or '（无）'}：{'、'.join(sorted(p.stem for p in paths))}" for token, paths in sorted(sets.items()))
        for paths in sets.values():
            for path in paths:
                shown = repo.display(path if path.is_absolute() else repo.root / path)
                findings.append(error(shown, _line_of_key(repo.root / path, "journal"), "journal-collision",
                                      f"{year}年第{issue}期有两组分别编入的信息（{described}）：两个分支各自新开了同一期。"
                                      f"请办公室用 sqmy journal renumber {issue} --token 标记 --year {year} 把其中一组改为新的一期"))
    return findings


def _line_of_key(path: Path, key: str) -> int:
    try:
        lines = path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)


@dataclass
class Loaded:
    """Everything read from a repository in one pass."""

    registry: Registry
    items: list[Item]
    findings: list[Finding]


def load_all(repo: Repo, today: dt.date, progress: Progress | None = None) -> Loaded:
    """The registry and every valid item of `repo`, with all findings.

    Files unchanged since the last run come from the local cache (cache.py).
    """
    registry, findings = registry_mod.load(repo)
    ctx = Context(repo, registry, today)
    paths = item_files(repo)
    use_cache = cache.enabled()
    key = cache.key(repo, today) if use_cache else ""
    cached = cache.read(repo, key) if use_cache else {}
    keep, stale, stats = cache.split(paths, cached)
    if progress and keep:
        progress(len(keep))
    fresh = dict(zip((str(p) for p in stale), check_items(ctx, stale, progress), strict=True))
    items = []
    entries: dict[str, cache.Entry] = {}
    for path in paths:
        name = str(path)
        if name in keep:
            entries[name] = keep[name]
        else:
            item, found, _ = fresh[name]
            entries[name] = cache.Entry(stats.get(name, (0, 0, 0)), item, found)
        entry = entries[name]
        findings.extend(entry.findings)
        if entry.item is not None:
            items.append(entry.item)
    if use_cache and (stale or len(keep) != len(cached)):
        cache.write(repo, key, entries)
    findings.extend(duplicate_ids(repo, paths))
    findings.extend(journal_collisions(repo, ((Path(i.path), i.journal) for i in items)))
    return Loaded(registry, items, findings)


def validate_paths(repo: Repo, targets: Sequence[Path], today: dt.date, progress: Progress | None = None) -> tuple[list[Finding], int]:
    """Findings for `targets` (files or folders; empty = the whole repository) and the number of files checked."""
    registry, registry_findings = registry_mod.load(repo)
    units_dir = (repo.root / "units").resolve()
    all_items = not targets
    item_paths: list[Path] = []
    registry_files: set[str] = set()
    for target in targets:
        resolved = target.resolve()
        if not target.exists():
            raise SqmyError(f"路径不存在：{target}")
        if resolved == repo.root.resolve():
            all_items = True
            registry_files.update(repo.display(p) for p in registry_mod.iter_files(repo))
        elif resolved == units_dir or units_dir in resolved.parents:
            chosen = registry_mod.iter_files(repo) if target.is_dir() else [target]
            registry_files.update(repo.display(p) for p in chosen)
        elif target.is_dir():
            item_paths.extend(item_files(repo, target))  # links listed, never followed
        else:
            item_paths.append(target)
    if all_items:
        item_paths = item_files(repo)
        registry_files.update(repo.display(p) for p in registry_mod.iter_files(repo))
    # a broken registry makes every reference check doubtful: always show it
    findings = [f for f in registry_findings if f.path in registry_files or f.severity == "error"]
    ctx = Context(repo, registry, today)
    results = check_items(ctx, item_paths, progress, keep_items=False)
    for _, item_findings, _ in results:
        findings.extend(item_findings)
    if all_items:
        findings.extend(journal_collisions(repo, zip(item_paths, (journal for _, _, journal in results), strict=True)))
    others: list[Path] = []
    if not all_items:
        checked = {p.resolve() for p in item_paths}
        others = [p for p in item_files(repo) if p.resolve() not in checked]
    findings.extend(duplicate_ids(repo, item_paths, others))
    findings.sort(key=lambda f: (f.path, f.line, f.rule))
    return findings, len(item_paths) + len(registry_files)
