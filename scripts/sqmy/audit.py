"""`sqmy audit`: prove the review trail from the repository alone.

History is read in one `git log` pass beside one tree-diff pass; file
versions through `git cat-file --batch`, each read and parsed once (on
several cores for a long history, gitio._in_shares and _Audit._check).  Every
commit is audited whatever its shape (root commits, merges of any number of
parents, merges made by hand) and judged against the registry as it stood on
the trusted line before the commit entered it (lineage.py), so a branch
cannot grant itself a role, and a date in a commit is a claim bounded by the
commits around it.

Each change of an item file is judged on its own, from the version before
and the version after; a merge is judged against every parent's version of
each item its branches touched.  The audit of a pull request (`--since`) is
the same code on fewer commits.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import chain, lineage, proven, schema, yamlsrc
from .errors import SqmyError
from .gitio import Change, Commit, Git
from .items import content_digest
from .lineage import Registries
from .paths import Repo
from .protocol import FORWARDED_BUNDLE, REVIEW_DUPLICATE, REVIEW_FORGE, allowed_signers, review_trailers
from .registry import Registry
from .versions import Versions

ITEMS = "items/"
UNITS = lineage.UNITS
OUTCOME_KEYS = schema.OUTCOME_FIELDS
OUTCOME_LISTS = tuple(k for k in OUTCOME_KEYS if schema.schema("item")["properties"][k].get("type") == "array")
ONE_DAY = dt.timedelta(days=1)  # commit dates are days in each person's own time zone
OFFICE = schema.OFFICE
GENERATED = (".github/CODEOWNERS", ".github/allowed_signers")  # written by `sqmy generate` from units/


# what each rule is called in Chinese, shown beside its name (the name stays the contract of --format json)
RULE_LABELS = {
    "role": "没有相应角色", "unknown-person": "名册中没有此人", "digest": "审核未绑定所审文本", "order": "审核顺序",
    "after-decision": "审核已结束", "self-review": "审核自己的信息", "two-stages": "一人签署两个环节", "review-shape": "审核记录格式",
    "review-author": "审核人不是提交人", "review-batch": "一次提交多条审核", "review-commit-mixed": "审核提交夹带其他修改",
    "review-date": "审核日期不符", "review-edited": "审核记录被改动", "review-not-by-tool": "审核记录不是逐条追加",
    "changed-after-approval": "审定后修改", "deleted": "删除有记录的信息", "merge-edit": "合并时修改内容",
    "merge-rollback": "合并时删除信息", "commit-date": "提交日期", "unsigned": "缺少签名", "wrong-signer": "签名人不符",
    "bad-signature": "签名无效", "forge-not-bridge": "论坛审核未经桥接账号", "import-after-date": "导入截止后的记录",
    "import-not-new": "导入改写已有信息", "import-not-office": "导入不是办公室所作", "import-too-late": "导入晚于截止日",
    "imported-changed": "导入标记被改", "forwarded-changed": "转自记录不是接收所写", "journal-collision": "期号重复", "not-regular-file": "不是普通文件",
    "outcome-before-approval": "审定前的办理记录", "outcome-date": "办理记录日期", "outcome-not-office": "办理记录不是办公室所作",
    "outcome-shape": "办理记录格式", "registry-invalid": "名册有错误", "registry-mixed": "名册修改夹带其他修改",
    "registry-not-office": "名册不是办公室修改", "registry-with-reviews": "名册修改与审核同批", "not-revised": "退回后未修改",
    "unreadable": "无法读取",
}


@dataclass(frozen=True)
class Violation:
    item: str  # item id, registry file (units/…) or '' for a whole commit
    commit: str
    rule: str
    message: str

    @property
    def label(self) -> str:
        """The rule as people read it: its Chinese name and its name."""
        chinese = RULE_LABELS.get(self.rule)
        return f"{chinese}·{self.rule}" if chinese else self.rule


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    commits: int = 0
    changes: int = 0
    merges: int = 0  # merge commits whose item versions were compared with every parent
    reviews: int = 0  # review entries verified
    imported: int = 0  # records recognised as imported history, not verified
    registry_changes: int = 0
    signatures: int = 0  # signatures verified
    proven: int = 0  # commits whose audit was taken from an earlier one (proven.py)
    proven_head: str = ""  # the head of that earlier audit
    waived: list[Violation] = field(default_factory=list)  # accepted by the office in units/waivers.yml
    # review commit -> (item, reviewer, made by the forge bridge, signed)
    review_commits: dict[str, tuple[str, str, bool, bool]] = field(default_factory=dict)
    # item path -> ((year, issue, token) of its last version, the commit that set it)
    journals: dict[str, tuple[tuple[int, int, str] | None, str, int]] = field(default_factory=dict)
    # commits that added review entries
    reviewing: set[str] = field(default_factory=set)

    def to_json(self) -> str:
        return json.dumps([asdict(v) for v in self.violations], ensure_ascii=False, indent=2)

    def merge(self, other: Report) -> None:
        self.violations.extend(other.violations)
        self.changes += other.changes
        self.merges += other.merges
        self.reviews += other.reviews
        self.imported += other.imported
        self.review_commits.update(other.review_commits)
        self.reviewing |= other.reviewing
        for path, found in other.journals.items():
            if path not in self.journals or found[2] > self.journals[path][2]:
                self.journals[path] = found


# --- one version of an item ------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One version of an item file, as far as the audit needs it."""

    data: Mapping[str, Any]
    digest: str
    readable: bool
    problem: str = ""  # why it could not be read

    @property
    def reviews(self) -> list[Mapping[str, Any]]:
        value = self.data.get("reviews")
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    @property
    def authors(self) -> list[str]:
        value = self.data.get("authors")
        return [str(a) for a in value] if isinstance(value, list) else []

    @property
    def imported_until(self) -> dt.date | None:
        imported = self.data.get("imported")
        if isinstance(imported, dict):
            return _date(imported.get("date"))
        return None

    @property
    def records(self) -> bool:
        return bool(self.reviews) or any(self.data.get(k) for k in OUTCOME_KEYS)

    @property
    def journal(self) -> tuple[int, int, str] | None:
        value = self.data.get("journal")
        if isinstance(value, dict) and isinstance(value.get("year"), int) and isinstance(value.get("issue"), int):
            return value["year"], value["issue"], str(value.get("token") or "")
        return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


ITEM_LIMIT = 512 * 1024  # an item is a few KB; anything far larger is refused unread


def parse_version(raw: bytes) -> Version:
    if len(raw) > ITEM_LIMIT:
        return Version({}, "", False, f"文件超过 {ITEM_LIMIT // 1024} KB")
    try:
        text = yamlsrc.decode(raw)
    except UnicodeDecodeError:
        return Version({}, "", False, "不是 UTF-8 编码")
    split = yamlsrc.split_front_matter(text)
    doc = yamlsrc.load(split.front) if split.front is not None else None
    if doc is not None and doc.errors and doc.data is None:
        return Version({}, "", False, doc.errors[0].message)
    if doc is not None and any(e.rule == "duplicate-key" for e in doc.errors):  # two values of one field: which one counts?
        return Version({}, "", False, next(e.message for e in doc.errors if e.rule == "duplicate-key"))
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    title = data.get("title")
    digest = content_digest(title, split.body) if isinstance(title, str) else ""
    return Version(data, digest, bool(data), "" if data else "没有可读的元数据")


def _entry(review: Mapping[str, Any]) -> chain.Entry:
    return chain.Entry.from_mapping(review)


def _item_id(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".md")


# --- what one commit changed, as tasks for the checks ------------------------------------


@dataclass(frozen=True)
class Task:
    """One item file changed by one commit (or brought together by a merge): judged on its own."""

    order: int  # the commit's place in history, for a stable report
    commit: Commit
    path: str
    old: str  # blob before ('' when absent); for a merge: the merge's first parent's
    new: str  # blob after ('' when deleted)
    files: int  # files the commit changed in all
    units: str  # the registry (units/ tree) that judges it
    parent_date: dt.date  # the latest committer date among its parents
    regular: bool = True  # the new version is a plain file
    parents: tuple[str, ...] = ()  # for a merge: every parent's blob of this path ('' when absent)
    existed: bool = False  # the path is known from before the audited range (a --since base)


# every version the workers need, read by the parent before it forks them (see _Audit._check)
_READ_AHEAD: dict[str, bytes] = {}


def _wanted(tasks: Iterable[Task], huge: frozenset[str]) -> list[str]:
    """The versions `tasks` read, in their order (history's): git's delta cache then inflates each base once."""
    return list(dict.fromkeys(b for t in tasks for b in (t.old, t.new, *t.parents) if b and b not in huge))


def _check_tasks(root: str, tasks: list[Task], huge: frozenset[str] = frozenset()) -> Report:
    report = Report()
    with Git(Path(root)) as git:
        auditor = _Auditor(git, Registries(git), report, huge)
        # every version this share needs: read ahead by the parent, the rest in one process (no round trip per file)
        wanted = _wanted(tasks, huge)
        auditor.raw = {b: _READ_AHEAD[b] for b in wanted if b in _READ_AHEAD}
        auditor.raw.update(git.contents([b for b in wanted if b not in auditor.raw]))
        for t in tasks:
            auditor.task(t)
    return report


class _Auditor:
    def __init__(self, git: Git, registries: Registries, report: Report, huge: frozenset[str] = frozenset()) -> None:
        self.git = git
        self.registries = registries
        self.report = report
        self.huge = huge  # blobs far larger than any item: refused unread
        self.raw: dict[str, bytes] = {}  # blob -> bytes, read ahead
        self._versions: dict[str, Version] = {}
        self.seen: set[str] = set()  # item paths with an earlier version in this audit

    def version(self, sha: str) -> Version | None:
        if not sha:
            return None
        found = self._versions.get(sha)
        if found is None:
            if sha in self.huge:
                found = Version({}, "", False, f"文件超过 {ITEM_LIMIT // 1024} KB")
            else:
                raw = self.raw.pop(sha, None)
                found = parse_version(raw if raw is not None else self.git.blob(sha))
            self._versions[sha] = found
        return found

    def flag(self, item: str, commit: Commit | str, rule: str, message: str) -> None:
        sha = commit if isinstance(commit, str) else commit.sha
        self.report.violations.append(Violation(item, sha, rule, message))

    def office_member(self, reg: Registry, email: str, day: dt.date) -> bool:
        return reg.office_person(email, day) is not None

    # --- one task ------------------------------------------------------------------------

    def task(self, t: Task) -> None:
        item = _item_id(t.path)
        reg = self.registries.get(t.units)
        try:
            if not t.regular:
                self.flag(item, t.commit, "not-regular-file", "信息文件是符号链接或子模块，不是普通文件：sqmy 不跟随链接，审计无法核对")
            elif t.parents:
                self.report.merges += 1
                self.merged(t, reg)
            else:
                self.report.changes += 1
                self.change(t, reg, self.version(t.old), self.version(t.new))
            new = self.version(t.new) if t.regular else None
            self.report.journals[t.path] = (new.journal if new is not None and new.readable else None, t.commit.sha, t.order)
        except (SqmyError, ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
            # an old version shaped in a way no check foresaw: a finding, never a crash
            self.flag(item, t.commit, "unreadable", f"这个版本无法核对（{type(exc).__name__}）：请检查该提交中的信息文件")
        self.seen.add(t.path)

    def change(self, t: Task, reg: Registry, old: Version | None, new: Version | None) -> None:
        c, item = t.commit, _item_id(t.path)
        if new is None:
            if old is not None and old.records:
                self.flag(item, c, "deleted", "删除了已有审核或办理记录的信息：审核记录不能被抹去")
            return
        if not new.readable:
            self.flag(item, c, "unreadable", f"这个版本的信息文件无法解析（{new.problem}），审计无法核对")
            return
        if old is None:
            self.added(t, reg, item, new)
            return
        if not old.readable:
            old = Version({}, "", True)  # judged when it was broken; compare with an empty item from here on
        self.modified(t, reg, item, old, new)

    # --- an item appears -------------------------------------------------------------------

    def forwarded(self, t: Task, reg: Registry, item: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """`forwarded_from` is written by `sqmy receive` alone: by the office, in a commit naming the bundle it received."""
        origin = new.get("forwarded_from")
        if origin == old.get("forwarded_from") or not origin:
            if old.get("forwarded_from") and not origin:
                self.flag(item, t.commit, "forwarded-changed", "转自（forwarded_from）被删除：接收记录不能抹去")
            return
        c = t.commit
        bundle = origin.get("bundle") if isinstance(origin, Mapping) else None
        if c.trailers.get(FORWARDED_BUNDLE) != bundle:
            self.flag(item, c, "forwarded-changed", "转自（forwarded_from）不是由 sqmy receive 写入的（提交说明中没有相符的 Forwarded-Bundle 标记）")
        if not self.office_member(reg, c.author_email, c.committer_date):
            self.flag(item, c, "forwarded-changed", f"接收转送须由办公室人员提交；提交人 {c.author_email} 在 {c.committer_date} 没有“办公室”角色")

    def added(self, t: Task, reg: Registry, item: str, new: Version) -> None:
        c = t.commit
        self.forwarded(t, reg, item, {}, new.data)
        until = new.imported_until
        if until is None:
            if new.reviews:
                self.flag(item, c, "review-not-by-tool", "新建的信息已带有审核记录：审核只能由审核人用 sqmy review（或论坛桥接）逐条追加")
            for key in ("routes", *OUTCOME_KEYS):
                if new.data.get(key):
                    self.flag(item, c, "outcome-before-approval", f"新建的信息已带有办理记录（{key}）")
            return
        # imported history: recognised and counted, not verified as signed
        if not self.office_member(reg, c.author_email, c.committer_date):
            self.flag(item, c, "import-not-office", f"历史记录导入须由办公室人员提交；提交人 {c.author_email} 在 {c.committer_date} 没有“办公室”角色")
        window = reg.office.imported_until
        if window is not None and c.committer_date > window:
            self.flag(item, c, "import-too-late", f"导入提交的日期 {c.committer_date} 晚于办公室设置的历史导入截止日 {window}：导入窗口已关闭")
        if until > c.committer_date:
            self.flag(item, c, "import-too-late", f"导入日期 {until} 晚于导入提交的日期 {c.committer_date}")
        if t.existed or t.path in self.seen:
            self.flag(item, c, "import-not-new", "历史导入只能新建信息：这条信息此前已经存在，不能以导入的名义重写")
        for record, day in _dated_records(new.data):
            if day > until:
                self.flag(item, c, "import-after-date", f"{record}的日期 {day} 晚于导入日期 {until}：此后的记录须按正常流程逐条提交")
            else:
                self.report.imported += 1

    # --- an item changes ---------------------------------------------------------------------

    def modified(self, t: Task, reg: Registry, item: str, old: Version, new: Version) -> None:
        c = t.commit
        self.forwarded(t, reg, item, old.data, new.data)
        if old.data.get("imported") != new.data.get("imported"):
            self.flag(item, c, "imported-changed", "历史导入标记（imported）被修改：导入标记只能在新建信息时写入")
        old_reviews, new_reviews = old.reviews, new.reviews
        if new_reviews[: len(old_reviews)] != old_reviews or _raw_len(new, "reviews") < _raw_len(old, "reviews"):
            self.flag(item, c, "review-edited", "已有的审核记录被修改或删除：审核记录只能追加")
            return
        appended = new_reviews[len(old_reviews) :]
        if _raw_len(new, "reviews") - _raw_len(old, "reviews") != len(appended):
            self.flag(item, c, "review-shape", "审核记录中有不是“字段: 值”形式的条目")
        state = chain.state(_entry(r) for r in old_reviews)
        if appended:
            self.reviewed(t, reg, item, old, new, appended, state)
        elif old.digest != new.digest and state.decided:
            what = "审定通过" if state.approved else "不予上报"
            self.flag(item, c, "changed-after-approval", f"{what}后正文或标题被修改：审定后只能记录办理结果；改正错字请先由办公室运行 sqmy reopen")
        if state.decided and not appended:
            changed = [k for k in set(old.data) | set(new.data) if old.data.get(k) != new.data.get(k)]
            fixed = [k for k in changed if k not in (*OUTCOME_KEYS, "routes", "title")]
            if fixed:
                self.flag(item, c, "changed-after-approval", f"审核结束后修改了 {'、'.join(sorted(fixed))}：审定后只能记录办理结果")
        self.outcomes(t, reg, item, old, new, appended, state)

    def outcomes(self, t: Task, reg: Registry, item: str, old: Version, new: Version, appended: list[Mapping[str, Any]], state: chain.State) -> None:
        c = t.commit
        outcome_changed = [k for k in OUTCOME_KEYS if old.data.get(k) != new.data.get(k)]
        routes_changed = old.data.get("routes") != new.data.get("routes") and not _approves(appended)
        if (outcome_changed or routes_changed) and not self.office_member(reg, c.author_email, c.committer_date):
            keys = "、".join([*outcome_changed, *(["routes"] if routes_changed else [])])
            self.flag(item, c, "outcome-not-office", f"办理结果（{keys}）只能由办公室人员记录；提交人 {c.author_email} 在 {c.committer_date} 没有“办公室”角色")
        for key in outcome_changed:
            for problem in schema.check_field("item", key, new.data.get(key)):
                self.flag(item, c, "outcome-shape", problem.message)
                break
        after = chain.state(_entry(r) for r in new.reviews)
        approved_on = _date(new.reviews[after.approval].get("date")) if after.approval is not None else None
        for label, day in _new_outcome_dates(old.data, new.data, outcome_changed):
            if day > c.committer_date + ONE_DAY:
                self.flag(item, c, "outcome-date", f"{label}的日期 {day} 晚于记录它的提交的日期 {c.committer_date}：不能预先记录")
            elif approved_on is not None and day < approved_on:
                self.flag(item, c, "outcome-date", f"{label}的日期 {day} 早于审定日期 {approved_on}")
        if outcome_changed and not (after.approved or state.approved) and new.imported_until is None:
            self.flag(item, c, "outcome-before-approval", f"尚未审定通过就记录了办理结果（{'、'.join(outcome_changed)}）")

    def reviewed(
        self, t: Task, reg: Registry, item: str, old: Version, new: Version, appended: list[Mapping[str, Any]], state: chain.State
    ) -> None:
        c = t.commit
        self.report.reviews += len(appended)
        self.report.reviewing.add(c.sha)
        if len(appended) > 1:
            self.flag(item, c, "review-batch", f"一次提交追加了 {len(appended)} 条审核记录：每条审核由审核人单独提交")
        review = appended[0]
        problems = list(schema.check_field("item", "reviews", [review]))
        if problems:
            self.flag(item, c, "review-shape", f"审核记录的写法不对：{problems[0].message}")
            return
        entry = _entry(review)
        expected = review_trailers(item, entry.stage, entry.decision, entry.by, entry.digest)
        if any(c.trailers.get(k) != v for k, v in expected.items()) or c.trailers.get(REVIEW_DUPLICATE, "") != str(review.get("duplicate") or ""):
            self.flag(item, c, "review-not-by-tool", "审核记录不是由 sqmy 提交的（提交说明中没有相符的 Review- 标记），视为手工填写")
        duplicate = review.get("duplicate")
        if duplicate == schema.IS_DUPLICATE and entry.decision in (schema.PASS, schema.REFER):
            self.flag(item, c, "review-shape", f"查重结论为“重复”，审核意见却是“{entry.decision}”")
        if duplicate == schema.NOT_DUPLICATE and not str(review.get("comment") or "").strip():
            self.flag(item, c, "review-shape", "查重结论“非重复”须在审核说明中写明理由")
        if t.files > 1:
            self.flag(item, c, "review-commit-mixed", "审核提交同时修改了其他文件：审核记录应单独提交")
        person = reg.people.get(entry.by)
        if person is None:
            self.flag(item, c, "unknown-person", f"审核人“{entry.by}”不在（当时的）人员名册中")
            return
        if c.author_email.lower() != person.email.lower():
            self.flag(item, c, "review-author", f"审核记录写的是 {person.name}（{person.email}），提交人却是 {c.author_email}")
        day = _date(review.get("date"))
        self.review_dates(t, item, review, day, old.reviews)
        if entry.stage == schema.REOPEN:
            if not person.has_role(OFFICE, day or c.committer_date):
                self.flag(item, c, "role", f"{person.name} 在 {day} 没有“办公室”角色：重新审核由办公室决定")
            if not str(review.get("comment") or "").strip():
                self.flag(item, c, "review-shape", "重新审核须写明理由（comment）")
            if old.digest != new.digest:
                self.flag(item, c, "changed-after-approval", "重新审核的提交同时修改了正文或标题：应先重新审核，再修改")
        else:
            role = chain.ROLE_OF_STAGE.get(entry.stage)
            if role and day and not person.has_role(role, day):
                self.flag(item, c, "role", f"{person.name} 在 {day} 没有“{role}”角色（当时名册中的任职期间不含这一天）")
        if entry.digest != new.digest:
            self.flag(item, c, "digest", "审核记录的摘要值与提交中的文本不符：审核没有绑定所审的文本")
        why = chain.refusal(state, entry, new.authors, new.digest)
        if why:
            self.flag(item, c, why[0], why[1])
        bridge = reg.office.bridge_email
        forge = bool(c.trailers.get(REVIEW_FORGE))
        if forge and (not bridge or c.committer_email.lower() != bridge.lower()):
            self.flag(item, c, "forge-not-bridge", f"提交说明称转自论坛审核，但提交者 {c.committer_email} 不是办公室设置的桥接账号 {bridge or '（未设置）'}")
        self.report.review_commits[c.sha] = (item, person.id, forge, False)  # whether signed: read in one pass later

    def review_dates(self, t: Task, item: str, review: Mapping[str, Any], day: dt.date | None, before: list[Mapping[str, Any]]) -> None:
        """A review's date is a claim: it must lie between its parent commit and its own commit."""
        c = t.commit
        if day is None or abs((day - c.author_date).days) > 1:
            self.flag(item, c, "review-date", f"审核日期 {review.get('date')} 与提交日期 {c.author_date} 不符")
            return
        if day > c.committer_date + ONE_DAY:
            self.flag(item, c, "review-date", f"审核日期 {day} 晚于提交日期 {c.committer_date}")
        if t.parent_date > dt.date.min and day < t.parent_date - ONE_DAY:
            self.flag(item, c, "review-date", f"审核日期 {day} 早于上一个提交的日期 {t.parent_date}：审核日期不能倒填（若审核后对分支做了变基，请改用合并）")
        previous = max((d for r in before if (d := _date(r.get("date")))), default=None)
        if previous is not None and day < previous:
            self.flag(item, c, "review-date", f"审核日期 {day} 早于上一条审核记录的日期 {previous}")

    # --- a merge -----------------------------------------------------------------------------

    def merged(self, t: Task, reg: Registry) -> None:
        """A merge writes nothing itself: each item is one parent's version, or a union that drops nothing."""
        c, item = t.commit, _item_id(t.path)
        result = self.version(t.new)
        versions = [self.version(b) for b in t.parents]
        if result is None:
            if any(v is not None and v.records for v in versions):
                self.flag(item, c, "merge-rollback", "合并提交删除了有审核或办理记录的信息")
            return
        if not result.readable:
            self.flag(item, c, "unreadable", f"合并结果中的信息文件无法解析（{result.problem}）")
            return
        present = [v for v in versions if v is not None and v.readable]
        if t.new not in t.parents and not _union_of(result, present):
            self.flag(item, c, "merge-edit", "合并提交修改了信息内容：合并结果既不是任何一方的版本，也不是双方记录的合并；信息只能在自己的提交中修改")
        for v in present:
            dropped = _dropped(v, result)
            if dropped:
                self.flag(item, c, "merge-rollback", f"合并结果丢掉了一方已有的{dropped}：合并不能回退信息的审核或办理记录")
                break


# --- comparing versions in a merge ----------------------------------------------------------


def _contains(big: Any, small: Any) -> bool:
    """Whether `big` keeps everything `small` had (a record may gain fields, e.g. feedback)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _contains(big[k], v) for k, v in small.items())
    return bool(big == small)


def _dropped(parent: Version, result: Version) -> str:
    """What of `parent`'s records `result` no longer has ('' when nothing)."""
    if result.reviews[: len(parent.reviews)] != parent.reviews:
        return "审核记录"
    for key in OUTCOME_LISTS:
        mine, theirs = _list(parent.data.get(key)), _list(result.data.get(key))
        if len(theirs) < len(mine) or not all(_contains(b, a) for a, b in zip(mine, theirs, strict=False)):
            return f"办理记录（{key}）"
    journal = parent.data.get("journal")
    if journal and not _contains(result.data.get("journal"), journal):
        return "编发记录（journal）"
    return ""


def _union_of(result: Version, parents: Sequence[Version]) -> bool:
    """Whether every part of `result` comes from some parent: nothing new written by the merge."""
    if not parents:
        return False
    if result.digest not in {p.digest for p in parents}:
        return False
    if not any(result.reviews == p.reviews for p in parents):
        return False
    for key in set(result.data) | {k for p in parents for k in p.data}:
        value = result.data.get(key)
        if key in OUTCOME_LISTS:  # every record comes from one side
            if not all(any(entry in _list(p.data.get(key)) for p in parents) for entry in _list(value)):
                return False
        elif key != "reviews" and not any(p.data.get(key) == value for p in parents):
            return False
    return True


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _raw_len(version: Version, key: str) -> int:
    return len(_list(version.data.get(key)))


def _approves(appended: list[Mapping[str, Any]]) -> bool:
    return any(r.get("stage") == schema.FINAL and r.get("decision") == schema.PASS for r in appended)


_LABELS = {"reviews": "审核记录", "adoptions": "采用记录", "instructions": "批示记录", "transfers": "转办记录", "solved": "解决问题记录"}


def _dated_records(data: Mapping[str, Any]) -> Iterator[tuple[str, dt.date]]:
    for key, label in _LABELS.items():
        for entry in _list(data.get(key)):
            if isinstance(entry, dict) and (day := _date(entry.get("date"))):
                yield label, day
            feedback = entry.get("feedback") if isinstance(entry, dict) else None
            if isinstance(feedback, dict) and (day := _date(feedback.get("date"))):
                yield "反馈记录", day


def _new_outcome_dates(old: Mapping[str, Any], new: Mapping[str, Any], keys: Iterable[str]) -> Iterator[tuple[str, dt.date]]:
    """(label, date) of every record date the change added."""
    for key in keys:
        label = _LABELS.get(key, key)
        before = _list(old.get(key))
        for index, entry in enumerate(_list(new.get(key))):
            if not isinstance(entry, dict):
                continue
            was = before[index] if index < len(before) and isinstance(before[index], dict) else {}
            if entry.get("date") != was.get("date") and (day := _date(entry.get("date"))):
                yield label, day
            feedback, old_feedback = entry.get("feedback"), was.get("feedback")
            if isinstance(feedback, dict) and feedback != old_feedback and (day := _date(feedback.get("date"))):
                yield "反馈记录", day


# --- the whole audit ------------------------------------------------------------------------------


PARALLEL_THRESHOLD = 3000


def audit(repo: Repo, since: str | None = None, progress: Callable[[int], None] | None = None, rev: str | None = None) -> Report:
    """Audit the history of `rev` (default HEAD), or only the commits after `since`."""
    with Git(repo.root) as git:
        return _Audit(git, repo, since, rev or "HEAD", progress).run()


_COUNTS = ("changes", "merges", "reviews", "imported", "registry_changes", "signatures")
_MADE_ANEW = frozenset({"journal-collision"})  # spans every item: checked again on each audit, never kept


class _Audit:
    def __init__(self, git: Git, repo: Repo, since: str | None, rev: str, progress: Callable[[int], None] | None) -> None:
        self.git, self.repo, self.since, self.rev, self.progress = git, repo, since, rev, progress
        self.registries = Registries(git)
        self.report = Report()
        self.proof: proven.Proof | None = None  # what an earlier whole-history audit proved, continued from
        self.offset = 0  # commits before this run's range (the proof's), so that orders go on from there

    def flag(self, item: str, sha: str, rule: str, message: str) -> None:
        self.report.violations.append(Violation(item, sha, rule, message))

    def run(self) -> Report:
        git = self.git
        if git.head() is None and self.rev == "HEAD":
            return self.report
        if self.since is None and git.is_shallow():
            raise SqmyError("这是浅克隆，没有完整的历史，无法审计全部记录：请先运行 git fetch --unshallow（或只审计 --since 之后的提交）")
        jobs = int(os.environ.get("SQMY_JOBS") or min(os.cpu_count() or 1, 8))
        history = self._read(jobs)
        self.history = history
        commits = history.commits
        changes = history.changes
        self.report.commits = len(commits)
        touched = self._touched_by_group(changes)
        tasks = self._tasks(changes, touched)
        sizes = git.lookup(sorted({b for t in tasks for b in (t.old, t.new, *t.parents) if b}))
        huge = frozenset(b for b, (_, _, size) in sizes.items() if size > ITEM_LIMIT)
        for part in self._check(tasks, jobs, huge):
            self.report.merge(part)
        for c in commits:
            self._dates(c)
            self._links(c, changes.get(c.sha, ()))
            self._registry(c, changes.get(c.sha, ()))
        self._registry_with_reviews(changes)
        kept = self._continue_proof()
        self._journals()
        self._signatures(changes)
        # a commit's place in the whole history: this run's commits follow the proof's (whose orders the journals keep)
        position = {sha: order for _, sha, order in self.report.journals.values()} | {c.sha: self.offset + i for i, c in enumerate(commits)} | kept
        self.report.violations.sort(key=lambda v: (position.get(v.commit, -1), v.item, v.rule))
        if self.since is None:
            self._keep_proof(position)
        self._waive()
        return self.report

    # --- what an earlier audit proved (proven.py) -----------------------------------------------

    def _read(self, jobs: int) -> lineage.History:
        """The history to audit: for a whole-history audit, only what came after a kept audit on the trusted line."""
        if self.since is None:
            head = self.git.resolve(self.rev)
            for proof in proven.read(self.repo):
                if head and self.git.is_ancestor(proof.head, head):
                    history = lineage.read(self.git, self.registries, None, self.rev, jobs, after=proof.head)
                    if history.continues(proof.head):
                        self.proof, self.offset = proof, proof.commits
                        return history
                    break  # an ancestor, but off the first-parent line: the registries of its commits may differ
        return lineage.read(self.git, self.registries, self.since, self.rev, jobs)

    def _continue_proof(self) -> dict[str, int]:
        """Add what the proof holds to this run's report; the kept violations' positions."""
        proof, report = self.proof, self.report
        if proof is None:
            return {}
        report.proven, report.proven_head = proof.commits, proof.head
        report.commits += proof.commits
        for name in _COUNTS:
            setattr(report, name, getattr(report, name) + proof.counts.get(name, 0))
        kept = [(Violation(v["item"], v["commit"], v["rule"], v["message"]), int(v["position"])) for v in proof.violations]
        report.violations = [v for v, _ in kept] + report.violations
        for path, (journal, sha, order) in proof.journals.items():
            if path not in report.journals:  # a later version in this run wins
                report.journals[path] = ((journal[0], journal[1], journal[2]) if journal else None, sha, order)
        return {v.commit: position for v, position in kept}

    def _keep_proof(self, position: Mapping[str, int]) -> None:
        """Keep this whole-history audit for the next one, unless a finding depends on today's date."""
        future = any(v.rule == "commit-date" and "晚于今天" in v.message for v in self.report.violations)
        if future or not self.history.head:
            return
        r = self.report
        violations = [{**asdict(v), "position": position.get(v.commit, -1)} for v in r.violations if v.rule not in _MADE_ANEW]
        journals = {path: [list(j) if j else None, sha, order] for path, (j, sha, order) in r.journals.items()}
        counts = {name: getattr(r, name) for name in _COUNTS}
        proven.write(self.repo, proven.Proof(self.history.head, r.commits, counts, violations, journals))

    # --- tasks ------------------------------------------------------------------------------

    def _parent_date(self, c: Commit) -> dt.date:
        days = [self.history.by_sha[p].committer_date if p in self.history.by_sha else self.history.outside_dates.get(p, dt.date.min)
                for p in c.parents]
        return max(days, default=dt.date.min)

    def _touched_by_group(self, changes: Mapping[str, tuple[Change, ...]]) -> dict[str, set[str]]:
        """entry point -> item paths changed by the branch commits entering with it (what a merge must account for)."""
        found: dict[str, set[str]] = {}
        for c in self.history.commits:
            entry = self.history.entries[c.sha]
            if entry.point == c.sha:
                continue
            paths = found.setdefault(entry.point, set())
            paths.update(ch.path for ch in changes.get(c.sha, ()) if _is_item(ch.path))
        return found

    def _tasks(self, changes: Mapping[str, tuple[Change, ...]], touched: Mapping[str, set[str]]) -> list[Task]:
        history, git = self.history, self.git
        merges: dict[str, list[str]] = {}  # merge commit -> the item paths it must account for
        added: list[str] = []
        for c in history.commits:
            changed = changes.get(c.sha, ())
            if c.is_merge:
                paths = {ch.path for ch in changed if _is_item(ch.path)}
                if history.entries[c.sha].point == c.sha:  # a merge on the trusted line: its branch is what entered with it
                    paths |= touched.get(c.sha, set())
                else:  # a merge inside a branch or a pull request: what its other parents bring
                    side = git.run("rev-list", *c.parents[1:], f"^{c.parents[0]}").split()
                    paths |= {ch.path for s in side if s in history.by_sha for ch in changes.get(s, ()) if _is_item(ch.path)}
                    before = [s for s in side if s not in history.by_sha] if self.proof else []  # proven, yet brought by this merge
                    paths |= {ch.path for found in git.changes(before).values() for ch in found if _is_item(ch.path)} if before else set()
                merges[c.sha] = sorted(paths)
            elif history.since:
                added += [ch.path for ch in changed if _is_item(ch.path) and not ch.old]
        # every parent's version of every merged path: from the changes already read where they hold it (versions.py),
        # else from Git in one process; and what a pull request's base already had
        known_versions = Versions(history, changes)
        versions: dict[str, tuple[str, str, int]] = {}
        ask: list[str] = []
        for sha, merged in merges.items():
            for path in merged:
                for p in history.by_sha[sha].parents:
                    blob = known_versions.blob(p, path)
                    if blob is None:
                        ask.append(f"{p}:{path}")
                    elif blob:
                        versions[f"{p}:{path}"] = (blob, "", 0)  # only the id is used; absent: no entry, as Git says
        versions.update(git.lookup(ask))
        known = git.lookup([f"{history.since}:{path}" for path in added]) if history.since else {}
        tasks = []
        seen = self.proof.journals if self.proof else {}
        for order, c in enumerate(history.commits, self.offset):
            changed = changes.get(c.sha, ())
            entry = history.entries[c.sha]
            parent_date = self._parent_date(c)
            if c.sha in merges:
                in_diff = {ch.path: ch for ch in changed}
                for path in merges[c.sha]:
                    parents = tuple(versions.get(f"{p}:{path}", ("", "", 0))[0] for p in c.parents)
                    ch = in_diff.get(path)  # not in the diff: the merge kept its first parent's version
                    new, regular = (ch.new, ch.regular) if ch is not None else (parents[0], True)
                    tasks.append(Task(order, c, path, parents[0], new, len(changed), entry.units, parent_date, regular=regular, parents=parents))
                continue
            for ch in changed:
                if _is_item(ch.path):
                    existed = not ch.old and (f"{history.since}:{ch.path}" in known or ch.path in seen)
                    tasks.append(Task(order, c, ch.path, ch.old, ch.new, len(changed), entry.units, parent_date, ch.regular, (), existed))
        return tasks

    def _check(self, tasks: list[Task], jobs: int, huge: frozenset[str]) -> list[Report]:
        root = str(self.repo.root)
        if len(tasks) < PARALLEL_THRESHOLD or jobs < 2:
            parts = [_check_tasks(root, tasks, huge)]
            if self.progress:
                self.progress(len(tasks))
            return parts
        # by file: each worker sees every version of its files in order, and parses each once
        groups: list[list[Task]] = [[] for _ in range(jobs * 8)]
        for t in tasks:
            groups[zlib.crc32(t.path.encode()) % len(groups)].append(t)
        groups.sort(key=len, reverse=True)  # the longest first: no worker is left with a long share at the end
        # Versions of different files are stored as deltas of each other: a share of the files read on its own
        # inflates the same bases again and again (4x the reading of all of them in history's order).
        # Forked workers inherit what the parent read; elsewhere each reads its own share.
        global _READ_AHEAD
        forked = "fork" in multiprocessing.get_all_start_methods()
        if forked:
            _READ_AHEAD = self.git.contents(_wanted(tasks, huge), jobs)
        parts = []
        try:
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork") if forked else None) as pool:
                for part, group in zip(pool.map(_check_tasks, [root] * len(groups), groups, [huge] * len(groups)), groups, strict=True):
                    parts.append(part)
                    if self.progress:
                        self.progress(len(group))
        finally:
            _READ_AHEAD = {}
        return parts

    # --- commits as a whole ---------------------------------------------------------------------

    def _dates(self, c: Commit) -> None:
        parent = self._parent_date(c)
        if parent > dt.date.min and c.committer_date < parent - ONE_DAY:
            self.flag("", c.sha, "commit-date", f"提交日期 {c.committer_date} 早于它的上一个提交（{parent}）：日期不能倒填")
        now = dt.date.today()  # the real clock: SQMY_TODAY pins reports, not what history may claim
        if c.committer_date > now + ONE_DAY:
            self.flag("", c.sha, "commit-date", f"提交日期 {c.committer_date} 晚于今天（{now}）：日期不能预填")

    def _links(self, c: Commit, changed: tuple[Change, ...]) -> None:
        """items/ and units/ hold plain files only: a link or submodule there (or in their place) is never followed."""
        for ch in changed:
            inside = ch.path in ("items", "units") or ch.path.startswith((ITEMS, UNITS))
            if inside and not ch.regular and not _is_item(ch.path):  # item files: reported by their own task
                self.flag(ch.path, c.sha, "not-regular-file", f"{ch.path} 是符号链接或子模块，不是普通文件：sqmy 不跟随链接，信息和名册只能是普通文件")

    def _registry(self, c: Commit, changed: tuple[Change, ...]) -> None:
        """A change of units/ is the office's, in a commit of its own."""
        paths = [ch for ch in changed if ch.path.startswith(UNITS) or ch.path == UNITS.rstrip("/")]
        if not paths:
            return
        entry = self.history.entries[c.sha]
        if c.is_merge:  # a merge that takes one side's registry changes nothing itself
            wanted = [ch for ch in paths if ch.new not in {self.git.object_id(f"{p}:{ch.path}") for p in c.parents}]
            if not wanted:
                return
            paths = wanted
        self.report.registry_changes += 1
        reg = self.registries.get(entry.units)
        shown = paths[0].path
        author = reg.person_by_email(c.author_email)
        if author is None or not author.has_role(OFFICE, c.committer_date):
            whose = "它自己新建的名册" if entry.genesis else "当时的名册"
            self.flag(shown, c.sha, "registry-not-office",
                      f"名册和规则（units/）只能由办公室人员修改；提交人 {c.author_email} 在 {c.committer_date} 按{whose}没有“办公室”角色")
        others = [ch.path for ch in changed if not ch.path.startswith(UNITS) and ch.path not in GENERATED]
        if any(_is_item(p) for p in others):
            self.flag(shown, c.sha, "registry-mixed", "修改名册的提交同时修改了信息：名册的修改须单独提交（可与 sqmy generate 生成的文件一起）")
        findings = self.registries.load(self.registries.units_tree(c.sha))[1]
        before_findings = self.registries.load(entry.units)[1] if entry.units else []
        if any(f.severity == "error" for f in findings) and not any(f.severity == "error" for f in before_findings):
            first = next(f for f in findings if f.severity == "error")
            self.flag(first.path, c.sha, "registry-invalid", f"这次修改使名册有错误：{first.text()}")

    def _registry_with_reviews(self, changes: Mapping[str, tuple[Change, ...]]) -> None:
        """A pull request (commits entering together) may change the registry or add reviews, not both."""
        for point, members in self.history.entering().items():
            if len(members) < 2 and point:
                continue
            registry = [s for s in members if not self.history.by_sha[s].is_merge and any(ch.path.startswith(UNITS) for ch in changes.get(s, ()))]
            reviews = [s for s in members if s in self.report.reviewing]
            if registry and reviews:
                self.flag("", reviews[0], "registry-with-reviews",
                          f"同一个拉取请求既修改了名册（提交 {registry[0][:10]}）又追加了审核记录：名册的修改须单独提交拉取请求并先合并")

    def _journals(self) -> None:
        """One issue number, one set of items: two clerks opening 'the next issue' on two branches collide."""
        issues: dict[tuple[int, int], dict[str, list[tuple[str, str, int]]]] = {}
        for path, (journal, sha, order) in self.report.journals.items():
            if journal is not None:
                year, issue, token = journal
                issues.setdefault((year, issue), {}).setdefault(token, []).append((_item_id(path), sha, order))
        for (year, issue), sets in sorted(issues.items()):
            if len(sets) < 2:
                continue
            ordered = sorted(sets.values(), key=lambda members: min(m[2] for m in members))
            first = "、".join(sorted(m[0] for m in ordered[0]))
            for later in ordered[1:]:
                item, sha, _ = min(later, key=lambda m: m[2])
                names = "、".join(sorted(m[0] for m in later))
                self.flag(item, sha, "journal-collision", f"{year}年第{issue}期有两组分别编入的信息（{first}；{names}）："
                          "两个分支各自新开了同一期，请用 sqmy journal renumber 把其中一组改为新的一期")

    def _signatures(self, changes: Mapping[str, tuple[Change, ...]]) -> None:
        """Where the office requires signatures, every commit that writes items or units/ is signed by its author's key."""
        heads = self.git.contents(list(self.report.review_commits))  # is each review commit signed at all?
        for sha, (item, reviewer, forge, _) in list(self.report.review_commits.items()):
            signed = b"\ngpgsig" in heads.get(sha, b"").split(b"\n\n", 1)[0]
            self.report.review_commits[sha] = (item, reviewer, forge, signed)
        wanted: dict[str, dict[str, tuple[str, str, bool]]] = {}  # units tree -> commit -> (item, signer wanted, forge)
        for c in self.history.commits:
            entry = self.history.entries[c.sha]
            reg = self.registries.get(entry.units)
            paths = [ch.path for ch in changes.get(c.sha, ()) if _is_item(ch.path) or ch.path.startswith(UNITS)]
            review = self.report.review_commits.get(c.sha)
            forge = bool(review and review[2])
            if reg.office.require_signatures and paths and not c.is_merge:
                item = review[0] if review else _item_id(paths[0]) if _is_item(paths[0]) else paths[0]
                wanted.setdefault(entry.units, {})[c.sha] = (item, c.author_email, forge)
            elif review and review[3]:  # a signature that is there is always checked
                wanted.setdefault(entry.units, {})[c.sha] = (review[0], c.author_email, forge)
        for units, commits in wanted.items():
            reg = self.registries.get(units)
            with tempfile.TemporaryDirectory() as tmp:
                signers = Path(tmp) / "allowed_signers"
                signers.write_text(allowed_signers(reg), "utf-8")
                found = self.git.signatures(commits, signers)
            bridge = (reg.office.bridge_email or "").lower()
            for sha, (item, author, forge) in commits.items():
                sig = found.get(sha)
                self.report.signatures += 1
                person = reg.person_by_email(author)
                if sig is None or sig.status == "N":
                    self.flag(item, sha, "unsigned", "办公室要求签名，这个修改信息或名册的提交没有签名")
                elif sig.status not in ("G", "U"):
                    self.flag(item, sha, "bad-signature", f"签名无效（{sig.status}）：不是名册中登记的密钥，或提交在签名后被改动")
                elif sig.signer.lower() != author.lower() and not (forge and bridge and sig.signer.lower() == bridge):
                    who = f"{person.name}（{person.email}）" if person else author
                    self.flag(item, sha, "wrong-signer", f"签名者是 {sig.signer or '（未登记的密钥）'}，不是提交人 {who}")

    def _waive(self) -> None:
        """Violations the office has looked into and accepted (units/waivers.yml of the audited head or base)."""
        base = self.history.since or self.history.head
        waivers = self.registries.get(self.registries.units_tree(base)).waivers
        if not waivers:
            return
        kept = []
        for v in self.report.violations:
            if any(w.covers(v.item, v.commit, v.rule) for w in waivers):
                self.report.waived.append(v)
            else:
                kept.append(v)
        self.report.violations = kept


def _is_item(path: str) -> bool:
    return path.startswith(ITEMS) and path.endswith(".md")
