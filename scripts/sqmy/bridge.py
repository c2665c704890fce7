"""The forge bridge: a GitHub review or slash command becomes the review commit.

Input is the event payload GitHub writes to GITHUB_EVENT_PATH
(`pull_request_review` or `issue_comment`; for reviews the workflow rebuilds
it from the API, see .github/workflows/review-bridge.yml); output is the
reply to post on the pull request.  The commit it makes is the same as
`sqmy review`'s, with the reviewer as author and a `Review-Forge:` trailer
naming the review it mirrors, so the audit trail never depends on the
forge's database.

An approval is bound to the text the reviewer saw: a review to the commit it
was given on (`review.commit_id`), a comment to the branch as it was when the
comment was written (the forge's record of pushes, `--activity`).  If the
branch has moved since, nothing is recorded and the reply says why.  The
registry comes from the trusted base (`--rules-from`), never from the pull
request's branch.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import registry as registry_mod
from . import review, schema, status
from .chain import ROLE_OF_STAGE
from .errors import Refused, SqmyError
from .gitio import Git
from .load import load_item
from .paths import Repo
from .registry import Person, Registry
from .schema import EXPERT_STAGE

RECORDED, REFUSED, IGNORED = 0, 1, 2


@dataclass(frozen=True)
class Outcome:
    code: int  # RECORDED, REFUSED or IGNORED
    reply: str
    commit: str | None = None


class Malformed(Exception):
    """Not an event the bridge acts on (exit 2)."""


@dataclass(frozen=True)
class Command:
    stage: str | None  # None: the stage the reviewer can act on now
    decision: str
    routes: tuple[str, ...] = ()
    expert_logins: tuple[str, ...] = ()
    comment: str = ""
    duplicate: str = ""  # 查重结论: 非重复 or 重复, a word of its own after the decision


_COMMAND = re.compile(r"^/(初审|联合复核|复审|审定)(?:[ \t\u3000]+(.*))?$", re.M)


def parse_command(body: str) -> Command | None:
    """The first slash command in a comment, e.g. `/复审 退回修改 理由…`."""
    match = _COMMAND.search(body or "")
    if match is None:
        return None
    stage, rest = match.group(1), (match.group(2) or "").strip()
    words = rest.split()
    if stage == EXPERT_STAGE and words and words[0].startswith("@"):  # /联合复核 @a @b: 初审 calls experts
        logins = tuple(w.lstrip("@") for w in words if w.startswith("@"))
        comment = " ".join(w for w in words if not w.startswith("@"))
        return Command(schema.FIRST, schema.REFER, expert_logins=logins, comment=comment)
    if not words or words[0] not in schema.DECISIONS:
        raise ValueError(f"命令 /{stage} 后面应写审核意见：通过、退回修改或不予上报")
    decision, words = words[0], words[1:]
    routes = tuple(w for w in words if w in schema.ROUTES) if stage == schema.FINAL and decision == schema.PASS else ()
    words = [w for w in words if w not in routes]
    duplicate = words.pop(0) if words and words[0] in schema.DUPLICATE_DECISIONS else ""  # right after decision and routes
    return Command(stage, decision, routes, comment=" ".join(words), duplicate=duplicate)


def _button_words(body: str) -> tuple[str, str]:
    """A review given with a button: its 查重结论 when the text starts with one (“非重复 理由…”), and the rest."""
    words = (body or "").strip().split(maxsplit=1)
    if words and words[0] in schema.DUPLICATE_DECISIONS:
        return words[0], words[1] if len(words) > 1 else ""
    return "", (body or "").strip()


def _person_by_login(reg: Registry, login: str) -> Person | None:
    return reg.person_by_login("github", login)


def _stage_for(person: Person, next_stage: str | None, day: dt.date) -> str | None:
    if next_stage and person.has_role(ROLE_OF_STAGE[next_stage], day):
        return next_stage
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise Malformed(f"无法读取事件文件 {path}：{exc}") from None
    if not isinstance(data, dict):
        raise Malformed("事件文件不是 JSON 对象")
    return data


@dataclass(frozen=True)
class _Event:
    login: str
    body: str
    url: str
    state: str  # approved, changes_requested, commented; "" for comments
    pull: dict[str, Any]
    commit: str = ""  # the commit a review was given on
    created: str = ""  # when a comment was written (ISO 8601, UTC)


def _event(name: str, data: dict[str, Any], pull: dict[str, Any] | None) -> _Event:
    try:
        if name == "pull_request_review":
            if data.get("action") != "submitted":
                raise Malformed(f"忽略审查事件的动作“{data.get('action')}”")
            r = data["review"]
            return _Event(r["user"]["login"], r.get("body") or "", r.get("html_url") or str(r.get("id")), r["state"].lower(), data["pull_request"],
                          commit=str(r.get("commit_id") or ""))
        if name == "issue_comment":
            if data.get("action") != "created":
                raise Malformed(f"忽略评论事件的动作“{data.get('action')}”")
            if not data["issue"].get("pull_request"):
                raise Malformed("这条评论不在拉取请求上")
            if pull is None:
                raise Malformed("评论事件需要用 --pull-request 提供拉取请求的信息（GitHub API 的 pulls 接口返回的 JSON）")
            c = data["comment"]
            return _Event(c["user"]["login"], c.get("body") or "", c.get("html_url") or str(c.get("id")), "", pull, created=str(c.get("created_at") or ""))
    except (KeyError, TypeError, AttributeError) as exc:
        raise Malformed(f"事件内容不完整：缺少 {exc}") from None
    raise Malformed(f"不处理“{name}”事件：只处理 pull_request_review 和 issue_comment")


def _item_of(git: Git, base: str) -> str:
    """The one item a pull request adds or changes."""
    changed = [p for p in git.run("diff", "--name-only", f"{base}...HEAD", "--", "items/").split() if p.endswith(".md")]
    if len(changed) != 1:
        raise Refused("one-item", f"这个拉取请求改动了 {len(changed)} 条信息：一个拉取请求只能包含一条信息")
    return Path(changed[0]).stem


def _timestamp(text: str) -> dt.datetime | None:
    try:
        found = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _moved_since_comment(ev: _Event, head: str, activity: Any) -> str | None:
    """Why the branch may not be what the commenter saw ('' when it is), from the forge's record of pushes."""
    if not isinstance(activity, list):
        return "无法读取分支的推送记录，不能确认评论之后分支没有变动"
    written = _timestamp(ev.created)
    if written is None:
        return "评论没有时间，不能确认评论之后分支没有变动"
    pushes = [a for a in activity if isinstance(a, dict) and a.get("after") == head]
    if not pushes:
        return f"推送记录中找不到当前版本 {head[:10]}，不能确认评论之后分支没有变动"
    pushed = max((t for a in pushes if (t := _timestamp(str(a.get("timestamp") or ""))) is not None), default=None)
    if pushed is None or pushed > written:
        return f"分支在你评论之后又有推送（当前版本 {head[:10]}）"
    return None


def _agree(ev: _Event, command: Command) -> str | None:
    """A review whose button and words disagree is not a review: say which to fix."""
    if ev.state == "approved" and command.decision != schema.PASS:
        return f"点的是“批准”，评论中却写了“/{command.stage} {command.decision}”：请只用一种方式表达审核意见（改用“评论”提交斜杠命令）"
    if ev.state == "changes_requested" and command.decision != schema.RETURN:
        return f"点的是“要求修改”，评论中却写了“/{command.stage} {command.decision}”：请只用一种方式表达审核意见（改用“评论”提交斜杠命令）"
    return None


def handle(
    repo: Repo, event_path: Path, event_name: str, today: dt.date, pull_path: Path | None = None, activity_path: Path | None = None,
) -> Outcome:
    try:
        ev = _event(event_name, _read(event_path), _read(pull_path) if pull_path else None)
        activity = json.loads(activity_path.read_text("utf-8")) if activity_path else None
    except Malformed as exc:
        return Outcome(IGNORED, str(exc))
    except (OSError, ValueError) as exc:
        return Outcome(IGNORED, f"无法读取推送记录 {activity_path}：{exc}")
    try:
        command = parse_command(ev.body)
    except ValueError as exc:
        return Outcome(REFUSED, f"@{ev.login} {exc}")
    if command is None and ev.state not in ("approved", "changes_requested"):
        return Outcome(IGNORED, "没有审核命令，不作处理")
    if command is not None and (why := _agree(ev, command)):
        return Outcome(REFUSED, f"@{ev.login} 审核未记录：{why}。")
    head_repo = (ev.pull.get("head") or {}).get("repo") or {}
    base_repo = (ev.pull.get("base") or {}).get("repo") or {}
    if head_repo.get("full_name") != base_repo.get("full_name"):
        return Outcome(REFUSED, f"@{ev.login} 来自复刻仓库的拉取请求不能由桥接记录审核：请在本仓库的分支上提交信息。")
    with Git(repo.root) as git:
        head = git.head() or ""
    if ev.state:  # a review: bound to the commit it was given on
        if ev.commit != head:
            return Outcome(REFUSED, f"@{ev.login} 审核未记录：你审查的是版本 {ev.commit[:10] or '（未知）'}，分支此后又有推送（当前版本 {head[:10]}）。"
                                    "请查看最新的修改后重新审查。")
    elif (why := _moved_since_comment(ev, head, activity)) is not None:
        return Outcome(REFUSED, f"@{ev.login} 审核未记录：{why}。请查看最新的修改后重新评论。")
    reg, _ = registry_mod.load(repo)
    person = _person_by_login(reg, ev.login)
    if person is None:
        return Outcome(REFUSED, f"@{ev.login} 没有在人员名册（units/people.yml）中登记这个 GitHub 账号，审核未记录。")
    try:
        with Git(repo.root) as git:
            item_id = _item_of(git, ev.pull["base"]["sha"])
        item = load_item(repo, reg, item_id, today)
        st = status.derive(item, today)
        if command is None:  # the Approve / Request changes buttons
            decision = schema.PASS if ev.state == "approved" else schema.RETURN
            stage = EXPERT_STAGE if st.status == status.EXPERT_REVIEW and person.id in st.waiting_on else _stage_for(person, st.next_stage, today)
            if stage is None:
                raise Refused("role", f"当前应进行“{st.next_stage or '（无）'}”，{person.name} 没有这一环节的角色")
            if stage == schema.FINAL and decision == schema.PASS:
                raise Refused("routes", "审定通过须写明转化渠道：请评论 /审定 通过 直报 参阅 转办（选其中需要的）")
            duplicate, comment = _button_words(ev.body)
            command = Command(stage, decision, comment=comment, duplicate=duplicate)
        experts = []
        for login in command.expert_logins:
            expert = _person_by_login(reg, login)
            if expert is None:
                raise Refused("unknown-person", f"@{login} 没有在人员名册中登记，不能指定为复核专家")
            experts.append(expert.id)
        request = review.Request(
            item_id, command.stage or "", command.decision, command.comment, command.routes, tuple(experts), command.duplicate,
        )
        done = review.record(repo, request, today, reviewer_email=person.email, forge=ev.url)
    except Refused as exc:
        return Outcome(REFUSED, f"@{ev.login} 审核未记录：{exc.message}")
    except SqmyError as exc:
        return Outcome(REFUSED, f"@{ev.login} 审核未记录：{exc.message}")
    after = status.derive(done.item, today)
    reply = f"已记录：{request.stage} {request.decision}（{person.name}），提交 {done.sha[:10]}。当前状态：{after.status}。"
    if after.next_stage and after.status != status.RETURNED:
        holders = [p.name for p in reg.holders(ROLE_OF_STAGE[after.next_stage], today) if p.id not in done.item.authors]
        names = "、".join((after.waiting_on and [reg.people[i].name for i in after.waiting_on]) or holders)
        reply += f"下一步：{after.next_stage}（{names}）。"
    return Outcome(RECORDED, reply, done.sha)
