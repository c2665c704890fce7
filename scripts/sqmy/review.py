"""`sqmy review`: one review, appended to the item and committed alone by the reviewer.

Everything is checked before anything is written; a failed commit puts the
file back as it was.  The commit carries trailers naming item, stage,
decision, reviewer and digest, which is how the audit recognises a review
made by the tool.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import chain, schema
from . import registry as registry_mod
from .errors import Refused, SqmyError
from .frontmatter import FrontMatter
from .fsutil import write_text
from .gitio import Git
from .items import Item
from .load import load_item
from .paths import Repo
from .protocol import commit_env, review_message
from .registry import Person, Registry

OUTCOME_KEYS = ("routes", *schema.OUTCOME_FIELDS)  # reviews are written before these


@dataclass(frozen=True)
class Request:
    item_id: str
    stage: str
    decision: str
    comment: str = ""
    routes: tuple[str, ...] = ()
    experts: tuple[str, ...] = ()
    duplicate: str = ""  # the reviewer's 查重结论: 非重复 or 重复


@dataclass(frozen=True)
class Recorded:
    sha: str
    item: Item
    reviewer: Person
    entry: dict[str, object]


def _check(reg: Registry, item: Item, person: Person, req: Request, today: dt.date) -> None:
    if req.stage == schema.REOPEN:
        raise Refused("review-shape", "重新审核由办公室用 sqmy reopen 编号 --reason 理由 记录")
    if req.stage not in schema.STAGES:
        raise Refused("review-shape", f"审核环节应为：{'、'.join(schema.STAGES)}")
    if req.decision not in schema.DECISIONS:
        raise Refused("review-shape", f"审核意见应为：{'、'.join(schema.DECISIONS)}")
    role = chain.ROLE_OF_STAGE[req.stage]
    if not person.has_role(role, today):
        raise Refused("role", f"{person.name}（{person.id}）在 {today} 没有“{role}”角色，不能进行{req.stage}")
    if item.submitted is None:
        raise Refused("order", "这是草稿（没有报送日期），报送后才能审核")
    entry = chain.Entry(req.stage, person.id, req.decision, item.digest, req.experts)
    state = chain.state(chain.Entry(r.stage, r.by, r.decision, r.digest, r.experts) for r in item.reviews)
    why = chain.refusal(state, entry, item.authors, item.digest)
    if why:
        raise Refused(*why)
    if req.decision == schema.REFER:
        for expert_id in req.experts:
            expert = reg.people.get(expert_id)
            if expert is None:
                raise Refused("unknown-person", f"专家“{expert_id}”不在人员名册中")
            if not expert.has_role(schema.EXPERT, today):
                raise Refused("role", f"{expert.name}（{expert_id}）在 {today} 没有“专家”角色")
            if expert_id in item.authors or expert_id == person.id:
                raise Refused("self-review", f"{expert.name} 是反映人或初审人，不能参加联合复核")
    elif req.experts:
        raise Refused("review-shape", "只有初审提请联合复核时才指定专家（--expert）")
    approving = req.stage == schema.FINAL and req.decision == schema.PASS
    if approving and not req.routes:
        raise Refused("routes", f"审定通过时须选择转化渠道（--route）：{'、'.join(schema.ROUTES)}")
    if req.routes and not approving:
        raise Refused("routes", "只有审定通过时才选择转化渠道（--route）")
    for route in req.routes:
        if route not in schema.ROUTES:
            raise Refused("routes", f"转化渠道“{route}”无效，应为：{'、'.join(schema.ROUTES)}")
    if req.duplicate and req.duplicate not in schema.DUPLICATE_DECISIONS:
        raise Refused("review-shape", f"查重结论应为：{'、'.join(schema.DUPLICATE_DECISIONS)}")
    if req.duplicate == schema.IS_DUPLICATE and req.decision in (schema.PASS, schema.REFER):
        raise Refused("review-shape", f"认定为重复的信息不能{req.decision}：请退回修改或不予上报")
    if req.duplicate == schema.NOT_DUPLICATE and not req.comment.strip():
        raise Refused("review-shape", "认定“非重复”须在审核说明中写明理由（如与哪篇不同、新在何处）")


def check_duplicates(repo: Repo, reg: Registry, item: Item, req: Request, today: dt.date) -> None:
    """A report 疑似重复 of one already written or adopted is passed only with the reviewer's 查重结论 非重复."""
    if req.decision != schema.PASS or req.duplicate == schema.NOT_DUPLICATE:
        return
    from . import likeness  # noqa: PLC0415 - the similarity index (scikit-learn) is loaded only when a review passes a report

    if likeness.decided(item):  # an earlier reviewer of this same text judged it 非重复
        return
    found = likeness.duplicates_of(repo, reg, item, today)
    if found:
        named = "；".join(f"{f.label}《{f.title}》（{likeness.SOURCE_NAMES[f.source]}，得分 {f.score:.2f}）" for f in found[:3])
        raise Refused(
            "similar-undecided",
            f"这条信息与 {named} 疑似重复（运行 sqmy similar {item.id} 查看共同段落）。确认不是重复的，"
            f"请写明查重结论“非重复”并说明理由（sqmy review … --duplicate 非重复 --comment 理由，或 /{req.stage} 通过 非重复 理由）；"
            "确是重复的，请退回修改或不予上报",
        )


def record(
    repo: Repo, req: Request, today: dt.date, *, reviewer_email: str | None = None, forge: str | None = None
) -> Recorded:
    """Check, append and commit one review.

    `reviewer_email` and `forge` are for the forge bridge, which commits on a
    reviewer's behalf (the reviewer as author) and names the forge review.
    """
    with Git(repo.root) as git:
        return _record(git, repo, req, today, reviewer_email, forge)


def _person(git: Git, reg: Registry, email: str | None) -> Person:
    email = email or git.author_email()
    person = reg.person_by_email(email)
    if person is None:
        raise Refused("unknown-person", f"邮箱 {email or '（未设置）'} 不在人员名册中：请用名册登记的邮箱设置 git config user.email")
    return person


def check_date(git: Git, today: dt.date) -> None:
    """A review is dated today: not before the commit it is made on, not after the real clock.

    SQMY_TODAY pins 'today' for tests and reports; it cannot date a review in
    the past (when a role had not yet ended) or in the future.
    """
    head = git.head()
    last = git.committer_dates([head]).get(head) if head else None
    if last is not None and today < last - dt.timedelta(days=1):
        raise Refused("review-date", f"审核日期 {today} 早于当前分支最新提交的日期 {last}：审核日期不能倒填（SQMY_TODAY 只用于测试和按日出具报告）")
    if today > dt.date.today() + dt.timedelta(days=1):
        raise Refused("review-date", f"审核日期 {today} 晚于今天（{dt.date.today()}）：不能预先审核")


def _record(git: Git, repo: Repo, req: Request, today: dt.date, reviewer_email: str | None, forge: str | None) -> Recorded:
    reg = registry_mod.load_valid(repo)
    person = _person(git, reg, reviewer_email)
    check_date(git, today)
    item = load_item(repo, reg, req.item_id, today)
    _check(reg, item, person, req, today)
    check_duplicates(repo, reg, item, req, today)
    entry: dict[str, object] = {
        "stage": req.stage, "by": person.id, "decision": req.decision, "date": today.isoformat(), "digest": item.digest,
    }
    if req.experts:
        entry["experts"] = list(req.experts)
    if req.comment:
        entry["comment"] = req.comment
    if req.duplicate:
        entry["duplicate"] = req.duplicate
    return _commit(git, repo, reg, item, person, entry, req.routes, today, reviewer_email, forge)


def _commit(
    git: Git, repo: Repo, reg: Registry, item: Item, person: Person, entry: dict[str, object], routes: tuple[str, ...],
    today: dt.date, reviewer_email: str | None = None, forge: str | None = None,
) -> Recorded:
    """Append `entry` to the item's reviews and commit that file alone, as `person`; the file is put back on failure."""
    rel = item.path
    if git.dirty(rel):
        raise Refused("dirty", f"{rel} 有未提交的修改：请先提交或撤销，再进行审核")
    check_date(git, today)
    digest = item.digest
    path = repo.root / rel
    original = path.read_text("utf-8")
    fm = FrontMatter(original)
    fm.append("reviews", entry, before=OUTCOME_KEYS)
    if routes:
        fm.set("routes", list(routes), after=["reviews"])
    write_text(path, fm.text())
    try:
        updated = load_item(repo, reg, item.id, today)
        if len(updated.reviews) != len(item.reviews) + 1 or updated.digest != digest:
            raise SqmyError("追加审核记录后文件内容不一致")  # pragma: no cover - a defect guard
        env = commit_env(today)
        if reviewer_email:
            env |= {"GIT_AUTHOR_NAME": person.name, "GIT_AUTHOR_EMAIL": person.email}
        stage, decision = str(entry["stage"]), str(entry["decision"])
        text = review_message(
            item.id, item.title, stage, decision, person.id, digest, str(entry.get("comment") or ""), forge, str(entry.get("duplicate") or ""),
        )
        sha = git.commit_paths([rel], text, sign=reg.office.require_signatures, env=env)
    except BaseException:
        write_text(path, original)
        git.unstage(rel)
        raise
    return Recorded(sha, updated, person, entry)


def reopen(repo: Repo, item_id: str, reason: str, today: dt.date) -> Recorded:
    """The office reopens a decided item (a typo after 审定, a decision to reconsider): the chain starts again.

    The reopening is an entry of the review log (stage 重新审核) committed alone
    by the office; the text may then be corrected and reviewed from 初审 on.
    """
    reason = reason.strip()
    if len(reason) < 2:
        raise Refused("review-shape", "请用 --reason 写明重新审核的理由（如“改正审定后发现的错字”）")
    with Git(repo.root) as git:
        reg = registry_mod.load_valid(repo)
        person = _person(git, reg, None)
        check_date(git, today)
        if not person.has_role(schema.OFFICE, today):
            raise Refused("role", f"{person.name}（{person.id}）在 {today} 没有“办公室”角色：重新审核由办公室决定")
        item = load_item(repo, reg, item_id, today)
        state = chain.state(chain.Entry.from_review(r) for r in item.reviews)
        entry_data = chain.Entry(schema.REOPEN, person.id, schema.REOPEN, item.digest)
        why = chain.refusal(state, entry_data, item.authors, item.digest)
        if why:
            raise Refused(*why)
        entry: dict[str, object] = {
            "stage": schema.REOPEN, "by": person.id, "decision": schema.REOPEN, "date": today.isoformat(),
            "digest": item.digest, "comment": reason,
        }
        return _commit(git, repo, reg, item, person, entry, (), today)
