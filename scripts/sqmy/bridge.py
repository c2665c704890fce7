"""The forge bridge: a review or slash command on GitHub, Gitea or Forgejo becomes the review commit.

Input is the event payload the forge's Actions write to GITHUB_EVENT_PATH
(`pull_request_review` or `issue_comment`; on GitHub the workflow rebuilds a
review from the API, see .github/workflows/review-bridge.yml); output is the
reply to post on the pull request.  The commit it makes is the same as
`sqmy review`'s, with the reviewer as author and a `Review-Forge:` trailer
naming the review it mirrors, so the audit trail never depends on the
forge's database.

An approval is bound to the text the reviewer saw: a review to the commit it
was given on, a comment to the branch as it was when the comment was written
(the forge's record of pushes, `--activity`).  If the branch has moved since,
nothing is recorded and the reply says why.  The registry comes from the
trusted base (`--rules-from`), never from the pull request's branch; the
login is looked up in the forge's own field of people.yml (`github:` on
GitHub, `gitea:` on Gitea and Forgejo).

GitHub: a review carries `review.commit_id`; a comment is checked against the
repository activity API (`GET /repos/{owner}/{repo}/activity?ref=…`), whose
push entries say which commit the branch moved to and when.

Gitea and Forgejo (same payloads; Forgejo is a fork of Gitea and keeps them):
the review payload is a PullRequestPayload (modules/structs/hook.go) with
`action: "reviewed"`, the reviewer as `sender` and only
`review: {type, content}`, the type being the hook event
(`pull_request_review_approved`, `_rejected`, `_comment`).  It names neither
the review nor the commit reviewed, and its `pull_request.head.sha` is the
branch when the notification was built, which may already be newer than the
page the reviewer looked at.  Gitea does record the commit: the review form
posts the head the reviewer saw, stored as the review's CommitID (and flagged
`stale` when the branch had moved), which the REST API returns as
`commit_id` of `GET /repos/{owner}/{repo}/pulls/{index}/reviews[/{id}]`
(structs.PullReview).  So a review needs `--review` (that JSON); it must be
the event's review (same reviewer, same state, same words, not dismissed) and
its `commit_id` must be the commit the bridge is about to write on.
Gitea has no activity API.  Its record of pushes is the pull request's
timeline (`GET /repos/{owner}/{repo}/issues/{index}/timeline`): every push to
the head branch adds a `pull_push` entry whose body is
`{"is_force_push": …, "commit_ids": […]}` (services/pull CreatePushPullComment),
with the server's time of the push.  A comment is recorded only if no push
entry is newer than the comment (both times are the server's own, never
commit dates, which are only claims) and the newest entry names the current
head; with no push entry at all the branch is still what the pull request
was opened with.  Gitea writes a push entry from its pull request queue,
just after the push: a push the bridge sees (as the head of the pull
request) before its entry exists is refused when an older entry is the
newest, since that entry does not name the head; only on a pull request
never pushed to since it was opened could a push in that instant go unseen.

Which workflow runs (see defaults/office/gitea/workflows/review-bridge.yml):
Gitea and Forgejo run an issue_comment workflow from the default branch but a
review's workflow from the commit reviewed (services/actions/notifier.go:
`WithRef(review.CommitID)`; a review is not a default-branch event in
modules/actions/github.go IsDefaultBranchWorkflow), and that run gets the
repository's secrets: a branch that changed the workflow would run its own
version with the bridge's token.  So no review event starts the bridge.  The
buttons are polled instead (`poll`) by a `schedule` run, which Gitea starts
only from the default branch (services/actions/notifier_helper.go
handleSchedules: schedules are read from pushes to the default branch;
services/actions/schedule_tasks.go starts them), or by a `workflow_dispatch`
run the workflow refuses unless it is the default branch's.  The poll
fetches each open pull request's reviews and the bot's comments, and the pull
request last: a review on another commit than that head was given before the
branch moved.  What was bridged is read from Git (the `Review-Forge:`
trailers on the branch, `review_name`); what was refused, from hidden marks in
the bot's replies, so a run repeated records and says nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import protocol, review, schema, status
from . import registry as registry_mod
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


FORGES = {"github": "GitHub", "gitea": "Gitea", "forgejo": "Forgejo"}


def _person_by_login(reg: Registry, login: str, forge: str = "github") -> Person | None:
    return reg.person_by_login(forge, login)


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
    created: str = ""  # when a comment was written (ISO 8601)
    forge: str = "github"


class _Disagree(Exception):
    """The review the forge returns is not the event's review: nothing can be bound (exit 1)."""


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


# Gitea's names (modules/webhook/type.go, structs.ReviewStateType) for the three review buttons, as GitHub's review states
GITEA_REVIEW_TYPES = {"pull_request_review_approved": "approved", "pull_request_review_rejected": "changes_requested",
                      "pull_request_review_comment": "commented"}
GITEA_REVIEW_STATES = {"APPROVED": "approved", "REQUEST_CHANGES": "changes_requested", "COMMENT": "commented"}
_GITEA_COMMENT_EVENTS = ("issue_comment", "pull_request_comment")  # the workflow's name; Gitea's own hook name for a comment on a pull request


def _gitea_event(name: str, data: dict[str, Any], pull: dict[str, Any] | None, review: dict[str, Any] | None, forge: str) -> _Event:
    """A Gitea or Forgejo event: `pull_request_review` (or the hook's own name) with the API's review, or a comment."""
    site = FORGES[forge]
    try:
        if name == "pull_request_review" or name in GITEA_REVIEW_TYPES:
            if data.get("action") != "reviewed":
                raise Malformed(f"忽略审查事件的动作“{data.get('action')}”")
            state = GITEA_REVIEW_TYPES.get(str(data["review"].get("type")))
            if state is None:
                raise Malformed(f"不认识的审查类型“{data['review'].get('type')}”")
            login = str(data["sender"]["login"])
            if review is None:
                raise Malformed(f"{site} 的审查事件不写审查的是哪个版本：请用 --review 提供这次审查"
                                "（API 的 pulls/编号/reviews 返回的这一条，其中的 commit_id 是审查时的版本）")
            words = str(data["review"].get("content") or "")
            if str((review.get("user") or {}).get("login") or "").lower() != login.lower():
                raise _Disagree("找到的审查不是这位审核人的，不能确认审查的是哪个版本。请重新审查")
            if GITEA_REVIEW_STATES.get(str(review.get("state"))) != state or str(review.get("body") or "").strip() != words.strip():
                raise _Disagree("找到的审查与这次审查的按钮或文字不一致，不能确认审查的是哪个版本。请重新审查")
            if review.get("dismissed"):
                raise _Disagree("这次审查已被撤销")
            return _Event(login, words, str(review.get("html_url") or review.get("id")), state, pull or data["pull_request"],
                          commit=str(review.get("commit_id") or ""), forge=forge)
        if name in _GITEA_COMMENT_EVENTS:
            if data.get("action") != "created":
                raise Malformed(f"忽略评论事件的动作“{data.get('action')}”")
            if not (data.get("is_pull") or (data.get("issue") or {}).get("pull_request")):
                raise Malformed("这条评论不在拉取请求上")
            if pull is None:
                raise Malformed(f"评论事件需要用 --pull-request 提供拉取请求的信息（{site} API 的 pulls/编号 返回的 JSON）")
            c = data["comment"]
            return _Event(c["user"]["login"], c.get("body") or "", c.get("html_url") or str(c.get("id")), "", pull,
                          created=str(c.get("created_at") or ""), forge=forge)
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


def _pushed_since_comment(ev: _Event, head: str, timeline: Any) -> str | None:
    """Gitea and Forgejo: why the branch may not be what the commenter saw, from the pull request's timeline (`pull_push` entries)."""
    if not isinstance(timeline, list):
        return "无法读取拉取请求的时间线，不能确认评论之后分支没有变动"
    written = _timestamp(ev.created)
    if written is None:
        return "评论没有时间，不能确认评论之后分支没有变动"
    pushes = [e for e in timeline if isinstance(e, dict) and e.get("type") in ("pull_push", 29)]  # 29: CommentTypePullRequestPush
    if not pushes:
        return None  # no push since the pull request was opened: its branch is what everyone saw
    dated = [(t, int(e.get("id") or 0), e) for e in pushes if (t := _timestamp(str(e.get("created_at") or ""))) is not None]
    if len(dated) != len(pushes):
        return "推送记录没有时间，不能确认评论之后分支没有变动"
    pushed, _, newest = max(dated, key=lambda d: (d[0], d[1]))
    if pushed > written:
        return f"分支在你评论之后又有推送（当前版本 {head[:10]}）"
    try:
        commits = json.loads(str(newest.get("body") or "")).get("commit_ids") or []
    except (ValueError, AttributeError):
        commits = []
    if head not in commits:
        return f"推送记录中找不到当前版本 {head[:10]}，不能确认评论之后分支没有变动"
    return None


# the buttons as the forge's Chinese interface names them (Gitea and Forgejo: 请求变更 for Request changes)
_BUTTONS = {"github": {"approved": "批准", "changes_requested": "要求修改"},
            "gitea": {"approved": "批准", "changes_requested": "请求变更"}}


def _agree(ev: _Event, command: Command) -> str | None:
    """A review whose button and words disagree is not a review: say which to fix."""
    wanted = {"approved": schema.PASS, "changes_requested": schema.RETURN}.get(ev.state)
    if wanted is None or command.decision == wanted:
        return None
    button = _BUTTONS["github" if ev.forge == "github" else "gitea"][ev.state]
    return f"点的是“{button}”，评论中却写了“/{command.stage} {command.decision}”：请只用一种方式表达审核意见（改用“评论”提交斜杠命令）"


def handle(
    repo: Repo, event_path: Path, event_name: str, today: dt.date, pull_path: Path | None = None, activity_path: Path | None = None,
    forge: str = "github", review_path: Path | None = None,
) -> Outcome:
    """One forge event (`forge`: github, gitea or forgejo) against the checked-out branch of its pull request."""
    data: dict[str, Any] = {}
    try:
        data, pull = _read(event_path), _read(pull_path) if pull_path else None
        review_data = _read(review_path) if review_path else None
        ev = _event(event_name, data, pull) if forge == "github" else _gitea_event(event_name, data, pull, review_data, forge)
        activity = json.loads(activity_path.read_text("utf-8")) if activity_path else None
    except Malformed as exc:
        return Outcome(IGNORED, str(exc))
    except _Disagree as exc:
        login = str((data.get("sender") or {}).get("login") or "")
        return Outcome(REFUSED, f"@{login} 审核未记录：{exc}。")
    except (OSError, ValueError) as exc:
        return Outcome(IGNORED, f"无法读取推送记录 {activity_path}：{exc}")
    return _bridge(repo, ev, today, activity)


def _moved(ev: _Event, head: str) -> Outcome:
    return Outcome(REFUSED, f"@{ev.login} 审核未记录：你审查的是版本 {ev.commit[:10] or '（未知）'}，分支此后又有推送（当前版本 {head[:10]}）。"
                            "请查看最新的修改后重新审查。")


def _bridge(repo: Repo, ev: _Event, today: dt.date, activity: Any = None) -> Outcome:
    """One review or comment, its event checked, against the checked-out branch of its pull request."""
    forge = ev.forge
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
            return _moved(ev, head)
    elif (why := (_moved_since_comment if forge == "github" else _pushed_since_comment)(ev, head, activity)) is not None:
        return Outcome(REFUSED, f"@{ev.login} 审核未记录：{why}。请查看最新的修改后重新评论。")
    reg, _ = registry_mod.load(repo)
    person = _person_by_login(reg, ev.login, forge)
    if person is None:
        return Outcome(REFUSED, f"@{ev.login} 没有在人员名册（units/people.yml）中登记这个 {FORGES[forge]} 账号，审核未记录。")
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
            expert = _person_by_login(reg, login, forge)
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


# --- Gitea and Forgejo: the review buttons, polled by a run of the default branch's workflow ------------------------

_MARK = "<!-- sqmy-bridge review {} -->"  # hidden in the bot's reply: the review it answered
_MARKED = re.compile(r"<!-- sqmy-bridge review (\d+) -->")
_ANCHOR = re.compile(r"#issuecomment-(\d+)$")


@dataclass(frozen=True)
class Pending:
    """What a poll of one pull request did: `code` RECORDED (review commits to push, then the reply to post),
    REFUSED (only a reply to post) or IGNORED (nothing to do); `reply` is empty when there is nothing to post."""

    code: int
    reply: str
    recorded: tuple[int, ...] = ()
    answered: tuple[int, ...] = ()  # every review the reply answers, the recorded ones among them


def review_name(review: dict[str, Any]) -> str:
    """The `Review-Forge:` value of a Gitea review: its address on the pull request (the anchor of the review's
    comment, `…/pulls/7#issuecomment-300`), else its id."""
    return str(review.get("html_url") or review.get("id") or "")


def _same_review(name: str, trailer: str) -> bool:
    """A trailer names this review: the same address, or the same comment anchor (comment ids are the server's own
    and never change, the address does when the repository is renamed or moved)."""
    if not name or not trailer:
        return False
    if name == trailer:
        return True
    mine, theirs = _ANCHOR.search(name), _ANCHOR.search(trailer)
    return bool(mine and theirs and mine.group(1) == theirs.group(1))


def _answered(comments: Any, bot: str) -> set[int]:
    """Reviews the bridge has already answered on this pull request: the marks in the bot's own comments."""
    found: set[int] = set()
    for c in comments if isinstance(comments, list) else []:
        if isinstance(c, dict) and str((c.get("user") or {}).get("login") or "").lower() == bot.lower():
            found.update(int(n) for n in _MARKED.findall(str(c.get("body") or "")))
    return found


def _named(git: Git, base: str) -> list[str]:
    """Every review the pull request's branch already records: the `Review-Forge:` trailers since the base."""
    revs = ["HEAD", f"^{base}"] if base and git.is_ancestor(base, "HEAD") else ["HEAD"]
    return [t for c in git.log(revs) if (t := c.trailers.get(protocol.REVIEW_FORGE, ""))]


def _waiting(review: Any) -> bool:
    """A review the buttons gave (批准 or 请求变更), or a "评论" review with a slash command; not withdrawn."""
    if not isinstance(review, dict) or review.get("dismissed") or not isinstance(review.get("id"), int):
        return False
    if not str((review.get("user") or {}).get("login") or ""):
        return False
    state = GITEA_REVIEW_STATES.get(str(review.get("state")))
    if state in ("approved", "changes_requested"):
        return True
    return state == "commented" and _COMMAND.search(str(review.get("body") or "")) is not None


def poll(repo: Repo, data_path: Path, today: dt.date, forge: str) -> Pending:
    """Gitea and Forgejo: the reviews of one pull request not yet bridged, each recorded or refused once.

    `data_path` is what the workflow fetched, reviews and comments first and the pull request last:
    `{"bot": login, "pull": …, "reviews": […], "comments": […]}`.  A review is taken when it is 批准 or 请求变更
    (or “评论” with a slash command), not dismissed, not named in a `Review-Forge:` trailer on the branch (Git is
    the record of what was bridged) and not answered already (a hidden mark in the bot's own comments).  It is
    recorded only if it was given on the branch's current commit and Gitea does not call it stale; every other
    one is refused, once.  The branch is the checked-out worktree at the pull request's head.
    """
    try:
        data = _read(data_path)
        pull, reviews, bot = data["pull"], data["reviews"], str(data["bot"] or "")
        if not isinstance(pull, dict) or not isinstance(reviews, list) or not bot:
            raise Malformed("待处理的审查内容不完整：需要 bot、pull、reviews 和 comments")
    except KeyError as exc:
        return Pending(IGNORED, f"待处理的审查内容不完整：缺少 {exc}")
    except Malformed as exc:
        return Pending(IGNORED, str(exc))
    answered = _answered(data.get("comments"), bot)
    waiting = sorted((r for r in reviews if _waiting(r) and r["id"] not in answered), key=lambda r: int(r["id"]))
    if not waiting:
        return Pending(IGNORED, "")
    fork = ((pull.get("head") or {}).get("repo") or {}).get("full_name") != ((pull.get("base") or {}).get("repo") or {}).get("full_name")
    named: list[str] = []
    head = ""
    if not fork:  # a fork's branch is not in this repository: refused below, before anything of it is read
        with Git(repo.root) as git:
            named = _named(git, str((pull.get("base") or {}).get("sha") or ""))
            head = git.head() or ""
    parts: list[str] = []
    recorded: list[int] = []
    done: list[int] = []
    ours: set[str] = set()  # heads the bridge moved on from in this run
    for r in waiting:
        name = review_name(r)
        if any(_same_review(name, t) for t in named):
            continue
        state = GITEA_REVIEW_STATES[str(r["state"])]
        ev = _Event(str(r["user"]["login"]), str(r.get("body") or ""), name, state, pull, commit=str(r.get("commit_id") or ""), forge=forge)
        if fork:
            outcome = _bridge(repo, ev, today)  # refuses a fork before it reads the branch
        elif ev.commit in ours:
            outcome = Outcome(REFUSED, f"@{ev.login} 审核未记录：你审查版本 {ev.commit[:10]} 之后，桥接刚记录了另一条审核（当前版本 {head[:10]}）。"
                                       "请查看后重新审查。")
        elif ev.commit != head or r.get("stale"):
            outcome = _moved(ev, head)
        else:
            outcome = _bridge(repo, ev, today)
            if outcome.code == RECORDED:
                ours.add(head)
                recorded.append(int(r["id"]))
                head = outcome.commit or head  # the review commit is the branch's head now
        if outcome.code == IGNORED:
            continue
        done.append(int(r["id"]))
        parts.append(f"{outcome.reply}\n{_MARK.format(r['id'])}")
    if not parts:
        return Pending(IGNORED, "")
    return Pending(RECORDED if recorded else REFUSED, "\n\n".join(parts) + "\n", tuple(recorded), tuple(done))
