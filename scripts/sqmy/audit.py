"""`sqmy audit`: prove the review trail from the repository alone (DESIGN §5).

History is read in one `git log` pass; file versions through one persistent
`git cat-file` process, each parsed once.  Every change of an item file is
judged on its own, from the version before and the version after, so the
audit of a pull request (`--since`) is the same code on fewer commits.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import chain, schema, yamlsrc
from . import registry as registry_mod
from .errors import SqmyError
from .gitio import Commit, Git
from .items import content_digest
from .paths import Repo
from .registry import Registry
from .review import trailers

ITEMS = "items/"
OUTCOME_KEYS = schema.OUTCOME_FIELDS


@dataclass(frozen=True)
class Violation:
    item: str
    commit: str
    rule: str
    message: str


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    commits: int = 0
    changes: int = 0
    reviews: int = 0  # review entries verified
    imported: int = 0  # records recognised as imported history, not verified
    signatures: int = 0  # review commits whose signature was verified
    # review commit -> (item, reviewer, made by the forge bridge, signed)
    review_commits: dict[str, tuple[str, str, bool, bool]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps([asdict(v) for v in self.violations], ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Version:
    """One version of an item file, as far as the audit needs it."""

    data: Mapping[str, Any]
    digest: str
    readable: bool

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


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_version(raw: bytes) -> Version:
    try:
        text = yamlsrc.decode(raw)
    except UnicodeDecodeError:
        return Version({}, "", False)
    split = yamlsrc.split_front_matter(text)
    doc = yamlsrc.load(split.front) if split.front is not None else None
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    title = data.get("title")
    digest = content_digest(title, split.body) if isinstance(title, str) else ""
    return Version(data, digest, bool(data))


def _entry(review: Mapping[str, Any]) -> chain.Entry:
    return chain.Entry.from_mapping(review)


class _Auditor:
    def __init__(self, git: Git, reg: Registry, report: Report) -> None:
        self.git = git
        self.reg = reg
        self.report = report
        self._versions: dict[str, Version] = {}
        self.imported_until = reg.office.imported_until

    def version(self, sha: str) -> Version | None:
        if not sha:
            return None
        found = self._versions.get(sha)
        if found is None:
            found = self._versions[sha] = parse_version(self.git.blob(sha))
        return found

    def flag(self, item: str, commit: Commit | str, rule: str, message: str) -> None:
        sha = commit if isinstance(commit, str) else commit.sha
        self.report.violations.append(Violation(item, sha, rule, message))

    def office_member(self, email: str, day: dt.date) -> bool:
        person = self.reg.person_by_email(email)
        return person is not None and person.has_role("办公室", day)

    # --- one change --------------------------------------------------------------

    def task(self, t: Task) -> None:
        item = _item_id(t.path)
        if t.merge_parent:  # a merge brings the branch's version, and writes nothing itself
            if t.new != self.git.object_id(f"{t.merge_parent}:{t.path}"):
                self.flag(item, t.commit, "merge-edit", "合并提交修改了信息内容：信息只能在自己的提交中修改，合并时不应改动")
            return
        self.report.changes += 1
        self.change(t.commit, t.path, self.version(t.old), self.version(t.new), t.files)

    def change(self, c: Commit, path: str, old: Version | None, new: Version | None, files_in_commit: int) -> None:
        item = _item_id(path)
        if new is None:
            if old is not None and (old.reviews or any(old.data.get(k) for k in OUTCOME_KEYS)):
                self.flag(item, c, "deleted", "删除了已有审核或办理记录的信息：审核记录不能被抹去")
            return
        if not new.readable:
            self.flag(item, c, "unreadable", "这个版本的信息文件无法解析，审计无法核对")
            return
        if old is None:
            self.added(c, item, new)
            return
        if not old.readable:
            return  # judged when it was broken; from here on compare with this version
        self.modified(c, item, old, new, files_in_commit)

    def added(self, c: Commit, item: str, new: Version) -> None:
        until = new.imported_until
        if until is None:
            if new.reviews:
                self.flag(item, c, "review-not-by-tool", "新建的信息已带有审核记录：审核只能由审核人用 sqmy review（或论坛桥接）逐条追加")
            for key in ("routes", *OUTCOME_KEYS):
                if new.data.get(key):
                    self.flag(item, c, "outcome-before-approval", f"新建的信息已带有办理记录（{key}）")
            return
        # imported history: recognised, counted, not verified as signed
        if not self.office_member(c.author_email, c.author_date):
            self.flag(item, c, "import-not-office", f"历史记录导入须由办公室人员提交；提交人 {c.author_email} 没有“办公室”角色")
        if self.imported_until is not None and until > self.imported_until:
            self.flag(item, c, "import-too-late", f"导入日期 {until} 晚于办公室设置的历史导入截止日 {self.imported_until}")
        if until > c.author_date:
            self.flag(item, c, "import-too-late", f"导入日期 {until} 晚于导入提交的日期 {c.author_date}")
        for record, day in _dated_records(new.data):
            if day > until:
                self.flag(item, c, "import-after-date", f"{record}的日期 {day} 晚于导入日期 {until}：此后的记录须按正常流程逐条提交")
            else:
                self.report.imported += 1

    def modified(self, c: Commit, item: str, old: Version, new: Version, files_in_commit: int) -> None:
        if old.data.get("imported") != new.data.get("imported"):
            self.flag(item, c, "imported-changed", "历史导入标记（imported）被修改：导入标记只能在新建信息时写入")
        old_reviews, new_reviews = old.reviews, new.reviews
        if new_reviews[: len(old_reviews)] != old_reviews:
            self.flag(item, c, "review-edited", "已有的审核记录被修改或删除：审核记录只能追加")
            return
        appended = new_reviews[len(old_reviews) :]
        state = chain.state(_entry(r) for r in old_reviews)
        if appended:
            self.reviewed(c, item, old, new, appended, state, files_in_commit)
        elif old.digest != new.digest and state.decided:
            what = "审定通过" if state.approved else "不予上报"
            self.flag(item, c, "changed-after-approval", f"{what}后正文或标题被修改：审定后只能记录办理结果")
        if state.decided and not appended:
            changed = [k for k in set(old.data) | set(new.data) if old.data.get(k) != new.data.get(k)]
            fixed = [k for k in changed if k not in (*OUTCOME_KEYS, "routes", "title")]
            if fixed:
                self.flag(item, c, "changed-after-approval", f"审核结束后修改了 {'、'.join(sorted(fixed))}：审定后只能记录办理结果")
        outcome_changed = [k for k in OUTCOME_KEYS if old.data.get(k) != new.data.get(k)]
        routes_changed = old.data.get("routes") != new.data.get("routes") and not _approves(appended)
        if (outcome_changed or routes_changed) and not self.office_member(c.author_email, c.author_date):
            keys = "、".join([*outcome_changed, *(["routes"] if routes_changed else [])])
            self.flag(item, c, "outcome-not-office", f"办理结果（{keys}）只能由办公室人员记录；提交人 {c.author_email} 没有“办公室”角色")

    def reviewed(
        self, c: Commit, item: str, old: Version, new: Version, appended: list[Mapping[str, Any]], state: chain.State, files: int
    ) -> None:
        self.report.reviews += len(appended)
        if len(appended) > 1:
            self.flag(item, c, "review-batch", f"一次提交追加了 {len(appended)} 条审核记录：每条审核由审核人单独提交")
        review = appended[0]
        entry = _entry(review)
        t = c.trailers
        expected = trailers(item, entry.stage, entry.decision, entry.by, entry.digest)
        if any(t.get(k) != v for k, v in expected.items()):
            self.flag(item, c, "review-not-by-tool", "审核记录不是由 sqmy review 提交的（提交说明中没有相符的 Review- 标记），视为手工填写")
        if files > 1:
            self.flag(item, c, "review-commit-mixed", "审核提交同时修改了其他文件：审核记录应单独提交")
        person = self.reg.people.get(entry.by)
        day = _date(review.get("date"))
        if person is None:
            self.flag(item, c, "unknown-person", f"审核人“{entry.by}”不在人员名册中")
            return
        if c.author_email.lower() != person.email.lower():
            self.flag(item, c, "review-author", f"审核记录写的是 {person.name}（{person.email}），提交人却是 {c.author_email}")
        if day is None or abs((day - c.author_date).days) > 1:
            self.flag(item, c, "review-date", f"审核日期 {review.get('date')} 与提交日期 {c.author_date} 不符")
        role = chain.ROLE_OF_STAGE.get(entry.stage)
        if role and day and not person.has_role(role, day):
            self.flag(item, c, "role", f"{person.name} 在 {day} 没有“{role}”角色（名册中的任职期间不含这一天）")
        if entry.digest != new.digest:
            self.flag(item, c, "digest", "审核记录的摘要值与提交中的文本不符：审核没有绑定所审的文本")
        why = chain.refusal(state, entry, new.authors, new.digest)
        if why:
            self.flag(item, c, why[0], why[1])
        bridge = self.reg.office.bridge_email
        if c.trailers.get("Review-Forge") and bridge and c.committer_email.lower() != bridge.lower():
            self.flag(item, c, "forge-not-bridge", f"提交说明称转自论坛审核，但提交者 {c.committer_email} 不是办公室设置的桥接账号 {bridge}")
        raw = self.git.blob(c.sha)  # the commit object: is it signed at all?
        signed = b"\ngpgsig " in raw.split(b"\n\n", 1)[0]
        self.report.review_commits[c.sha] = (item, person.id, bool(c.trailers.get("Review-Forge")), signed)

def _approves(appended: list[Mapping[str, Any]]) -> bool:
    return any(r.get("stage") == "审定" and r.get("decision") == "通过" for r in appended)


def _item_id(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".md")


def _dated_records(data: Mapping[str, Any]) -> Iterator[tuple[str, dt.date]]:
    labels = {"reviews": "审核记录", "adoptions": "采用记录", "instructions": "批示记录", "transfers": "转办记录", "solved": "解决问题记录"}
    for key, label in labels.items():
        value = data.get(key)
        for entry in value if isinstance(value, list) else []:
            if isinstance(entry, dict) and (day := _date(entry.get("date"))):
                yield label, day
            feedback = entry.get("feedback") if isinstance(entry, dict) else None
            if isinstance(feedback, dict) and (day := _date(feedback.get("date"))):
                yield "反馈记录", day


def allowed_signers(reg: Registry, header: str = "# allowed signers for git, from units/people.yml") -> str:
    """Git's allowed-signers file from the registry: one line per registered SSH key."""
    lines = [header]
    for person in reg.people.values():
        if person.ssh_key:
            lines.append(f'{person.email} namespaces="git" {person.ssh_key}')
    if reg.office.bridge_email and reg.office.bridge_ssh_key:
        lines.append(f'{reg.office.bridge_email} namespaces="git" {reg.office.bridge_ssh_key}')
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Task:
    """One item file changed by one commit: judged on its own."""

    order: int  # the commit's place in history, for a stable report
    commit: Commit
    path: str
    old: str
    new: str
    files: int  # files the commit changed in all
    merge_parent: str = ""  # for a merge: the branch it brings in


def _check_tasks(root: str, tasks: list[Task]) -> Report:
    repo = Repo(Path(root))
    reg, _ = registry_mod.load(repo)
    report = Report()
    with Git(repo.root) as git:
        auditor = _Auditor(git, reg, report)
        for t in tasks:
            auditor.task(t)
    return report


def _verify_signatures(git: Git, reg: Registry, report: Report) -> None:
    """Required signatures must be there; any signature there must be the reviewer's (or the bridge's)."""
    required = reg.office.require_signatures
    wanted = {sha: info for sha, info in report.review_commits.items() if required or info[3]}
    if not wanted:
        return
    with tempfile.TemporaryDirectory() as tmp:
        signers = Path(tmp) / "allowed_signers"
        signers.write_text(allowed_signers(reg), "utf-8")
        found = git.signatures(wanted, signers)
    bridge = (reg.office.bridge_email or "").lower()
    for sha, (item, who, forge, _) in wanted.items():
        sig = found.get(sha)
        person = reg.people[who]
        report.signatures += 1
        if sig is None or sig.status == "N":
            report.violations.append(Violation(item, sha, "unsigned", "办公室要求审核提交签名，这次审核提交没有签名"))
        elif sig.status not in ("G", "U"):
            report.violations.append(Violation(item, sha, "bad-signature", f"签名无效（{sig.status}）：不是名册中登记的密钥，或提交在签名后被改动"))
        elif sig.signer.lower() != person.email.lower() and not (forge and bridge and sig.signer.lower() == bridge):
            report.violations.append(Violation(item, sha, "wrong-signer", f"签名者是 {sig.signer}，不是审核人 {person.name}（{person.email}）"))


PARALLEL_THRESHOLD = 3000


def audit(repo: Repo, since: str | None = None, progress: Callable[[int], None] | None = None) -> Report:
    """Audit the history of `repo` (or the commits after `since`)."""
    with Git(repo.root) as git:
        return _audit(git, repo, since, progress)


def _audit(git: Git, repo: Repo, since: str | None, progress: Callable[[int], None] | None) -> Report:
    reg, _ = registry_mod.load(repo)
    report = Report()
    if git.head() is None:
        return report
    if since is None and git.is_shallow():
        raise SqmyError("这是浅克隆，没有完整的历史，无法审计全部记录：请先运行 git fetch --unshallow（或只审计 --since 之后的提交）")
    commits = git.log([f"{git.resolve(since)}..HEAD"] if since else ["HEAD"])
    jobs = int(os.environ.get("SQMY_JOBS") or min(os.cpu_count() or 1, 8))
    changes = git.changes([c.sha for c in commits], jobs)
    tasks = []
    for order, c in enumerate(commits):
        changed = changes.get(c.sha, ())
        for ch in changed:
            if ch.path.startswith(ITEMS) and ch.path.endswith(".md"):
                tasks.append(Task(order, c, ch.path, ch.old, ch.new, len(changed), c.parents[1] if c.is_merge else ""))
    report.commits = len(commits)
    if len(tasks) < PARALLEL_THRESHOLD or jobs < 2:
        parts = [_check_tasks(str(repo.root), tasks)]
        if progress:
            progress(len(tasks))
    else:
        # by file: each worker sees every version of its files in order, and parses each once
        groups: list[list[Task]] = [[] for _ in range(jobs * 4)]
        for t in tasks:
            groups[zlib.crc32(t.path.encode()) % len(groups)].append(t)
        parts = []
        with ProcessPoolExecutor(jobs) as pool:
            for part, group in zip(pool.map(_check_tasks, [str(repo.root)] * len(groups), groups), groups, strict=True):
                parts.append(part)
                if progress:
                    progress(len(group))
    position = {c.sha: i for i, c in enumerate(commits)}
    for part in parts:
        report.violations.extend(part.violations)
        report.changes += part.changes
        report.reviews += part.reviews
        report.imported += part.imported
        report.review_commits.update(part.review_commits)
    _verify_signatures(git, reg, report)
    report.violations.sort(key=lambda v: (position.get(v.commit, -1), v.item, v.rule))
    return report
