"""Checks of item files: each check yields findings; all problems in one run.

`check_item` is the single entry for reading an item: `status` and every later
stage use the Items it builds, so nothing reads an item file twice.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import chain, personal, schema, yamlsrc
from .findings import ERROR, Finding, error, warning
from .items import Item, build, content_digest
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
    digest = _check_approval(f, data, split.body)
    _check_body(f, split.body, split.body_start)
    _check_personal_data(f, data, split.body, split.body_start)

    if any(x.severity == ERROR and x.rule not in SOFT_RULES for x in f.findings):
        return None, f.findings
    item = build(data, rel or path.as_posix(), split.body, split.body_start + 1)
    if digest is not None:  # the same title and body: Item.digest need not be computed again
        item.__dict__["digest"] = digest
    return item, f.findings


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
    for key in ("reviews", "sent", "adoptions", "instructions", "transfers"):
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




def _check_approval(f: _File, data: dict[str, Any], body: str) -> str | None:
    """An approval holds only for the text it was given: a change after 审定 makes it void everywhere.
    The digest of the title and body, when it was computed for that."""
    title = data.get("title")
    reviews = [r for _, r in _dicts(data.get("reviews"))]
    if not isinstance(title, str) or not reviews:
        return None
    state = chain.state(chain.Entry.from_mapping(r) for r in reviews)
    digest = content_digest(title, body)
    if state.stale(digest):
        f.error(["reviews"], "approval-stale", "审定通过后标题或正文被修改，与审核记录的摘要值不符，原审核不再有效（不能编发、生成公文或公开）："
                "请办公室运行 sqmy reopen 编号 --reason 理由，再从初审开始重新审核")
    return digest


def _check_consistency(f: _File, data: dict[str, Any]) -> None:
    reviews = list(_dicts(data.get("reviews")))
    if "submitted" in data and data.get("submitted") is None and reviews:
        f.error(["reviews"], "draft-reviewed", "报送日期为空（草稿）却有审核记录：草稿报送后才能审核，请填写报送日期")
    for index, review in reviews:
        stage, decision, experts = review.get("stage"), review.get("decision"), review.get("experts")
        if decision == schema.REFER and stage != schema.FIRST:
            f.error(["reviews", index, "decision"], "review-shape", f"只有初审可以提请联合复核，这里的环节是“{stage}”")
        if decision == schema.REFER and not experts:
            f.error(["reviews", index], "review-shape", "提请联合复核时必须用 experts 列出复核专家")
        if experts and decision != schema.REFER:
            f.error(["reviews", index, "experts"], "review-shape", "只有“联合复核”的审核意见才列出专家（experts）")
        if stage == schema.EXPERT_STAGE and decision == schema.REFER:
            f.error(["reviews", index, "decision"], "review-shape", "联合复核专家的意见应为：通过、退回修改或不予上报")
    approved = any(r.get("stage") == schema.FINAL and r.get("decision") == schema.PASS for _, r in reviews)
    if not approved:
        for key in ("routes", *schema.OUTCOME_FIELDS):
            if data.get(key):
                label = schema.labels("item")[(key,)][0]
                f.error([key], "outcome-before-approval", f"尚未审定通过，不能记录{label}（{key}）")
    routes = _list(data.get("routes"))
    if data.get("transfers") and isinstance(data.get("routes"), list) and schema.TRANSFER not in routes:
        f.error(["transfers"], "route-missing", "有转办记录，但审定时没有选择“转办”渠道（routes）")
    for index, entry in _dicts(data.get("sent")):
        route = entry.get("route")
        if not isinstance(data.get("routes"), list):
            break  # no routes: outcome-before-approval or the schema says what is wrong
        if route in (schema.DIRECT, schema.REFERRAL) and route not in routes:
            f.error(["sent", index, "route"], "route-missing", f"有{route}的报送记录，但审定时没有选择“{route}”渠道（routes）")


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
    public = data.get("audience") == schema.PUBLIC
    add = f.findings.append
    make = error if public else warning
    scope = "公开信息不能含有" if public else "信息中不应含有"
    where = "；反映人的联系方式只登记在人员名册（units/people.yml）中" + ("，本条为公开信息，会进入公开版归档" if public else "")
    values = f.doc.texts if f.doc is not None else ()  # every text value but the digests (hex that is not a number)
    # one cheap look at all the values together; their paths (for the line) only when something may be there
    for path, value in yamlsrc.iter_paths(data) if personal.candidates("\0".join(values)) else ():
        if path and path[-1] == "digest":
            continue
        for found in personal.find(value):
            add(make(f.shown, f.line(path), "personal-data", f"{scope}{found.kind}（{personal.mask_number(found.text)}）{where}", schema.field_name(path)))
    for found in personal.find(body):
        line = body_start + body.count("\n", 0, found.start) + 1
        add(make(f.shown, line, "personal-data", f"{scope}{found.kind}（{personal.mask_number(found.text)}）{where}"))


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


