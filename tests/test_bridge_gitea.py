"""The Gitea and Forgejo bridge, driven by payloads built from Gitea's own structs against a real repository,
and the differences to GitHub written down.

The samples in tests/samples/gitea/ follow the JSON tags of Gitea's modules/structs: a review event is a
PullRequestPayload (`action: "reviewed"`, the reviewer as `sender`, `review: {type, content}`), a comment an
IssueCommentPayload (`is_pull`), the API's review a PullReview (`commit_id`, `state` in capitals, `dismissed`),
the timeline a list of TimelineComment whose `pull_push` entries record pushes to the pull request's branch.
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from click.testing import CliRunner, Result

from sqmy.bridge import GITEA_REVIEW_STATES, GITEA_REVIEW_TYPES
from sqmy.cli import main

from .conftest import REPO, SAMPLES
from .gitoffice import Office
from .test_bridge import BRIDGE, head
from .test_workflows import clone, run_step, tool

GITEA = SAMPLES / "gitea"
GITHUB = SAMPLES / "github"
# the logins on the office's own Gitea, unlike the GitHub ones: the lookup must read people.yml's gitea field
LOGINS = {"zhang-wei": "zhangwei", "li-chu": "lichu", "wang-fu": "wangfu", "zhao-fu": "zhaofu", "chen-shen": "chenshen", "sun-zhuan": "sunzhuan"}
WORKFLOW = REPO / "scripts" / "sqmy" / "defaults" / "office" / "gitea" / "workflows" / "review-bridge.yml"


@pytest.fixture
def gitea_people(office: Path) -> Path:
    """The sample office's people with their Gitea logins, before the office's first commit."""
    people = office / "units" / "people.yml"
    text = people.read_text("utf-8")
    for person, login in LOGINS.items():
        text, found = re.subn(rf"(- id: {person}\n(?:  .*\n)*?  github: .*\n)", rf"\1  gitea: {login}\n", text)
        assert found == 1, person
    people.write_text(text, "utf-8")
    return office


@pytest.fixture
def pr(gitea_people: Path, git_office: Office) -> tuple[Office, str, str]:
    """An item on its own branch, as a pull request on Gitea would carry it."""
    o = git_office
    base = o.git("rev-parse", "HEAD").strip()
    o.git("checkout", "-q", "-b", "item/parking")
    item = o.new_item()
    return o, item, base


def sample(name: str) -> Any:
    return json.loads((GITEA / f"{name}.json").read_text("utf-8"))


def write(tmp: Path, stem: str, data: Any) -> Path:
    path = tmp / f"{stem}-{len(list(tmp.iterdir()))}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def who(login: str) -> dict[str, Any]:
    return sample("pull_request_review_approved")["sender"] | {"login": login, "username": login}


def pull_json(tmp: Path, base: str, fork: bool = False) -> Path:
    """The pull request as the API returns it when the bridge runs (GET /repos/{owner}/{repo}/pulls/{index})."""
    data = sample("pull_request_fork" if fork else "pull_request")
    data["base"]["sha"], data["head"]["sha"] = base, head()
    return write(tmp, "pull", data)


def review_event(tmp: Path, base: str, kind: str = "approved", content: str | None = None, login: str = "lichu") -> Path:
    """What Gitea writes to GITHUB_EVENT_PATH for a review; its head.sha is the branch when the event was built."""
    data = sample(f"pull_request_review_{kind}")
    data["pull_request"]["base"]["sha"], data["pull_request"]["head"]["sha"] = base, head()
    if content is not None:
        data["review"]["content"] = content
    data["sender"] = who(login)
    return write(tmp, "event", data)


def api_review(tmp: Path, state: str = "APPROVED", body: str = "", login: str = "lichu", commit: str | None = None, **more: Any) -> Path:
    """The review as the API returns it (GET /repos/{owner}/{repo}/pulls/{index}/reviews/{id}): the commit it was given on."""
    data = sample("review") | {"state": state, "body": body, "user": who(login), "commit_id": commit or head()} | more
    return write(tmp, "review", data)


def timeline(tmp: Path, pushed_at: str = "2026-11-28T12:05:00+08:00", sha: str | None = None, force: bool = False) -> Path:
    """The pull request's timeline: the sample's entries, the last push (a `pull_push` entry) moved to `sha` at `pushed_at`."""
    entries = sample("timeline")
    push = next(e for e in entries if e["type"] == "pull_push")
    commits = ["1" * 40, sha or head()] if force else [sha or head()]  # a force push: [old, new]
    push.update(created_at=pushed_at, updated_at=pushed_at, body=json.dumps({"is_force_push": force, "commit_ids": commits}))
    return write(tmp, "timeline", entries)


def comment_event(tmp: Path, body: str, login: str = "zhaofu", created_at: str = "2026-11-28T12:10:00+08:00") -> Path:
    data = sample("issue_comment_pull")
    data["comment"].update(body=body, user=who(login), created_at=created_at, updated_at=created_at)
    data["sender"] = who(login)
    return write(tmp, "event", data)


def run(forge: str, event: Path, name: str, *extra: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    for key, value in BRIDGE.items():  # the workflow's git identity: the bridge commits
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "sqmy-bridge")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "bridge@sample.example")
    return CliRunner().invoke(main, ["bridge", forge, "--event", str(event), "--event-name", name, *extra], catch_exceptions=False)


def approve(tmp: Path, base: str, forge: str, mp: pytest.MonkeyPatch, login: str = "lichu", name: str = "pull_request_review") -> Result:
    return run(forge, review_event(tmp, base, login=login), name, "--review", str(api_review(tmp, login=login)),
               "--pull-request", str(pull_json(tmp, base)), monkeypatch=mp)


def comment(tmp: Path, base: str, forge: str, body: str, mp: pytest.MonkeyPatch, login: str = "zhaofu", **when: str) -> Result:
    return run(forge, comment_event(tmp, body, login), "issue_comment", "--pull-request", str(pull_json(tmp, base)),
               "--activity", str(timeline(tmp, **when)), monkeypatch=mp)


def unchanged(o: Office, before: str) -> None:
    assert o.git("rev-parse", "HEAD") == before
    assert o.git("status", "--porcelain") == ""


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_buttons_and_slash_commands_become_review_commits(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forge: str,
) -> None:
    o, item, base = pr
    result = approve(tmp_path, base, forge, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已记录：初审 通过（李初）")
    assert "下一步：复审（赵复）" in result.stdout
    result = comment(tmp_path, base, forge, "看过了。\n/复审 通过 同意报主席审定", monkeypatch)
    assert result.exit_code == 0, result.output
    # the chair's slash command in the review dialog ("评论" button): bound to the commit the review was given on
    final = review_event(tmp_path, base, "comment", "/审定 通过 直报 转办", login="chenshen")
    result = run(forge, final, "pull_request_review", "--review", str(api_review(tmp_path, "COMMENT", "/审定 通过 直报 转办", "chenshen")),
                 "--pull-request", str(pull_json(tmp_path, base)), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    data = o.data(item)
    assert [(r["stage"], r["by"]) for r in data["reviews"]] == [("初审", "li-chu"), ("复审", "zhao-fu"), ("审定", "chen-shen")]  # type: ignore[union-attr]
    assert data["routes"] == ["直报", "转办"]
    assert data["reviews"][1]["comment"] == "同意报主席审定"  # type: ignore[index]
    # the reviewer (by the gitea login) is the author, the bridge the committer, and the forge's review is named
    line = o.git("log", "-1", "--format=%ae|%ce|%(trailers:key=Review-Forge,valueonly)", "HEAD~2").strip()
    assert line == "li.chu@sample.example|bridge@sample.example|https://git.sample.example/sample-office/sqmy/pulls/7#issuecomment-300"
    line = o.git("log", "-1", "--format=%ae|%(trailers:key=Review-Forge,valueonly)", "HEAD~1").strip()
    assert line == "zhao.fu@sample.example|https://git.sample.example/sample-office/sqmy/pulls/7#issuecomment-301"
    assert o.audit() == []


def test_request_changes_returns_the_item(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    words = "请补充停车位缺口的数据"
    result = run("gitea", review_event(tmp_path, base, "rejected"), "pull_request_review",
                 "--review", str(api_review(tmp_path, "REQUEST_CHANGES", words)), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    review = o.data(item)["reviews"][0]  # type: ignore[index]
    assert (review["stage"], review["decision"], review["comment"]) == ("初审", "退回修改", words)
    assert "当前状态：退回修改" in result.stdout


def test_expert_named_by_gitea_login(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    result = comment(tmp_path, base, "gitea", "/联合复核 @sunzhuan 涉及专业内容", monkeypatch, login="lichu")
    assert result.exit_code == 0, result.output
    assert o.data(item)["reviews"][0]["experts"] == ["sun-zhuan"]  # type: ignore[index]
    result = comment(tmp_path, base, "gitea", "/联合复核 @sample-sunzhuan", monkeypatch, login="lichu")  # a GitHub login means nothing here
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("login", "reply"),
    [
        ("stranger", "没有在人员名册（units/people.yml）中登记这个 Gitea 账号"),
        ("sample-lichu", "没有在人员名册（units/people.yml）中登记这个 Gitea 账号"),  # li-chu's GitHub login, not his Gitea one
        ("chenshen", "当前应进行“初审”，陈审 没有这一环节的角色"),
        ("zhangwei", "没有这一环节的角色"),
    ],
)
def test_unknown_login_and_no_role_are_refused(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, login: str, reply: str,
) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    result = approve(tmp_path, base, "gitea", monkeypatch, login=login)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"@{login} ")
    assert reply in result.stdout
    unchanged(o, before)


def test_forgejo_names_its_own_forge(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, base = pr
    result = approve(tmp_path, base, "forgejo", monkeypatch, login="stranger")
    assert result.exit_code == 1
    assert "登记这个 Forgejo 账号" in result.stdout


@pytest.mark.parametrize("kind", ["review", "comment"])
def test_fork_pull_requests_are_refused(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    fork = str(pull_json(tmp_path, base, fork=True))
    if kind == "review":
        result = run("gitea", review_event(tmp_path, base), "pull_request_review", "--review", str(api_review(tmp_path)), "--pull-request", fork,
                     monkeypatch=monkeypatch)
    else:
        result = run("gitea", comment_event(tmp_path, "/初审 通过", "lichu"), "issue_comment", "--pull-request", fork,
                     "--activity", str(timeline(tmp_path)), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "来自复刻仓库的拉取请求不能由桥接记录审核" in result.stdout
    unchanged(o, before)


def test_a_fork_in_the_events_own_pull_request_is_refused(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --pull-request a review is judged by the pull request in its payload."""
    _, _, base = pr
    data = json.loads(review_event(tmp_path, base).read_text("utf-8"))
    data["pull_request"]["head"]["repo"] = sample("pull_request_fork")["head"]["repo"]
    result = run("gitea", write(tmp_path, "event", data), "pull_request_review", "--review", str(api_review(tmp_path)), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "来自复刻仓库" in result.stdout


def test_a_review_of_an_older_commit_is_refused(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reviewer saw commit A; the author pushed B before the bridge ran. The event's head.sha already says B; the API's commit_id says A."""
    o, item, base = pr
    seen = head()
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n又补充了一句。\n", "utf-8")
    o.commit_all("zhang-wei", "补充")
    before = o.git("rev-parse", "HEAD")
    result = run("gitea", review_event(tmp_path, base), "pull_request_review", "--review", str(api_review(tmp_path, commit=seen, stale=True)),
                 "--pull-request", str(pull_json(tmp_path, base)), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert f"你审查的是版本 {seen[:10]}，分支此后又有推送" in result.stdout
    unchanged(o, before)


@pytest.mark.parametrize(
    ("when", "reply"),
    [
        ({"pushed_at": "2026-11-28T12:15:00+08:00"}, "分支在你评论之后又有推送"),
        ({"pushed_at": "2026-11-28T04:11:00Z"}, "分支在你评论之后又有推送"),  # the same instant written in UTC: times are compared, not text
        ({"sha": "2" * 40}, "推送记录中找不到当前版本"),  # the newest push names another commit: the branch moved again since
    ],
)
def test_a_comment_on_a_branch_pushed_since_is_refused(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: dict[str, str], reply: str,
) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    result = comment(tmp_path, base, "gitea", "/初审 通过", monkeypatch, login="lichu", **when)
    assert result.exit_code == 1
    assert reply in result.stdout
    unchanged(o, before)


def test_a_comment_needs_the_record_of_pushes(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    event, pull = comment_event(tmp_path, "/初审 通过", "lichu"), str(pull_json(tmp_path, base))
    result = run("gitea", event, "issue_comment", "--pull-request", pull, monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "无法读取拉取请求的时间线" in result.stdout
    # a pull request nobody pushed to since it was opened has no pull_push entry: its branch is what the commenter saw
    no_pushes = write(tmp_path, "timeline", [e for e in sample("timeline") if e["type"] != "pull_push"])
    result = run("gitea", event, "issue_comment", "--pull-request", pull, "--activity", str(no_pushes), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert o.data(item)["reviews"][0]["stage"] == "初审"  # type: ignore[index]


def test_a_force_push_before_the_comment_is_the_branch_seen(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, base = pr
    result = run("gitea", comment_event(tmp_path, "/初审 通过", "lichu"), "issue_comment", "--pull-request", str(pull_json(tmp_path, base)),
                 "--activity", str(timeline(tmp_path, force=True)), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("kind", "state", "words", "reply"),
    [
        ("rejected", "REQUEST_CHANGES", "/初审 通过", "点的是“请求变更”，评论中却写了“/初审 通过”"),  # Gitea's name for Request changes
        ("approved", "APPROVED", "/初审 退回修改 数据不足", "点的是“批准”，评论中却写了“/初审 退回修改”"),
    ],
)
def test_button_and_words_that_disagree_are_refused(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, state: str, words: str, reply: str,
) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    result = run("gitea", review_event(tmp_path, base, kind, words), "pull_request_review",
                 "--review", str(api_review(tmp_path, state, words)), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert reply in result.stdout
    unchanged(o, before)


@pytest.mark.parametrize(
    ("review", "reply"),
    [
        ({"login": "zhaofu"}, "找到的审查不是这位审核人的"),
        ({"state": "REQUEST_CHANGES"}, "找到的审查与这次审查的按钮或文字不一致"),
        ({"body": "另一段话"}, "找到的审查与这次审查的按钮或文字不一致"),
        ({"dismissed": True}, "这次审查已被撤销"),
    ],
)
def test_a_review_that_is_not_the_events_is_refused(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, review: dict[str, Any], reply: str,
) -> None:
    """The workflow picks the review from the API; if it is not the one the event announced, nothing is bound to it."""
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    result = run("gitea", review_event(tmp_path, base), "pull_request_review", "--review", str(api_review(tmp_path, **review)), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert result.stdout.startswith("@lichu 审核未记录：")
    assert reply in result.stdout
    unchanged(o, before)


@pytest.mark.parametrize(
    ("event", "name", "extra", "reply"),
    [
        ("issue_comment_issue", "issue_comment", ("--pull-request",), "这条评论不在拉取请求上"),
        ("issue_comment_pull", "issue_comment", (), "评论事件需要用 --pull-request 提供拉取请求的信息（Gitea API"),
        ("pull_request_review_approved", "pull_request_review", (), "请用 --review 提供这次审查"),
        ("pull_request_review_approved", "push", (), "不处理“push”事件"),
    ],
)
def test_not_review_events(
    gitea_people: Path, git_office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: str, name: str, extra: tuple[str, ...], reply: str,
) -> None:
    args = [a for flag in extra for a in (flag, str(GITEA / "pull_request.json"))]
    result = run("gitea", GITEA / f"{event}.json", name, *args, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert reply in result.stdout


def test_an_edited_comment_is_not_a_review(gitea_people: Path, git_office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = sample("issue_comment_pull") | {"action": "edited", "changes": {"body": {"from": "/复审 退回修改"}}}
    result = run("gitea", write(tmp_path, "event", edited), "issue_comment", "--pull-request", str(GITEA / "pull_request.json"), monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "忽略评论事件的动作“edited”" in result.stdout


# --- the buttons, polled from the default branch's workflow ----------------------------------------------------------

BOT = "sqmy-bot"


def a_review(rid: int, login: str = "lichu", state: str = "APPROVED", body: str = "", commit: str | None = None, **more: Any) -> dict[str, Any]:
    """One entry of GET /repos/{owner}/{repo}/pulls/{index}/reviews (structs.PullReview); its comment's anchor differs from its id."""
    return sample("review") | {"id": rid, "user": who(login), "state": state, "body": body, "commit_id": commit or head(),
                               "html_url": f"https://git.sample.example/sample-office/sqmy/pulls/7#issuecomment-{rid + 1000}"} | more


def bot_comment(body: str, login: str = BOT) -> dict[str, Any]:
    """A comment as GET /repos/{owner}/{repo}/issues/{index}/comments lists it (structs.Comment)."""
    bots = sample("comments")[1]
    return bots | {"body": body, "user": bots["user"] | {"login": login, "username": login}}


def pending(tmp: Path, base: str, reviews: list[dict[str, Any]], comments: list[dict[str, Any]] | None = None, fork: bool = False) -> Path:
    """What the workflow hands the poller for one pull request: the bot's login, the pull request (fetched last), its reviews and comments."""
    pull = json.loads(pull_json(tmp, base, fork).read_text("utf-8"))
    return write(tmp, "pending", {"bot": sample("user")["login"], "pull": pull, "reviews": reviews,
                                  "comments": sample("comments")[:1] if comments is None else comments})


def poll(forge: str, data: Path, mp: pytest.MonkeyPatch) -> Result:
    for key, value in BRIDGE.items():
        mp.setenv(key, value)
    return CliRunner().invoke(main, ["bridge", forge, "--pending", str(data)], catch_exceptions=False)


def marks(text: str) -> list[str]:
    return re.findall(r"<!-- sqmy-bridge review (\d+) -->", text)


def posted(result: Result) -> dict[str, Any]:
    """The reply as the workflow posts it: a comment of the bot's."""
    return bot_comment(result.stdout)


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_poll_records_an_approval_on_the_head_once(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forge: str) -> None:
    o, item, base = pr
    seen = head()
    approval = a_review(61)
    result = poll(forge, pending(tmp_path, base, [approval]), monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已记录：初审 通过（李初）")
    assert marks(result.stdout) == ["61"]
    line = o.git("log", "-1", "--format=%ae|%ce|%(trailers:key=Review-Forge,valueonly)").strip()
    assert line == "li.chu@sample.example|bridge@sample.example|https://git.sample.example/sample-office/sqmy/pulls/7#issuecomment-1061"
    after = o.git("rev-parse", "HEAD")
    # the next run: Gitea now calls the review stale (the bridge's push moved the branch); Git says it is recorded
    again = approval | {"stale": True}
    for comments in ([posted(result)], []):  # with the reply posted, and as if posting it had failed
        result = poll(forge, pending(tmp_path, base, [again], comments), monkeypatch)
        assert (result.exit_code, result.stdout) == (2, "")
        unchanged(o, after)
    # the repository renamed: the review's address changed, its comment's anchor did not
    moved = again | {"html_url": "https://git.sample.example/office/reports/pulls/7#issuecomment-1061"}
    result = poll(forge, pending(tmp_path, base, [moved], []), monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert [r["by"] for r in o.data(item)["reviews"]] == ["li-chu"]  # type: ignore[union-attr]
    assert seen != after
    assert o.audit() == []


def test_poll_refuses_a_stale_review_once(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reviewer approved commit A; the author pushed B before the scheduled run: refused, and said once."""
    o, item, base = pr
    seen = head()
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n又补充了一句。\n", "utf-8")
    before = o.commit_all("zhang-wei", "补充") + "\n"
    stale = a_review(62, commit=seen, stale=True)
    result = poll("gitea", pending(tmp_path, base, [stale]), monkeypatch)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"@lichu 审核未记录：你审查的是版本 {seen[:10]}，分支此后又有推送（当前版本 {head()[:10]}）")
    assert marks(result.stdout) == ["62"]
    unchanged(o, before)
    result = poll("gitea", pending(tmp_path, base, [stale], [sample("comments")[0], posted(result)]), monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    unchanged(o, before)
    # Gitea's own flag is enough: a review it calls stale is not recorded even if it names the head
    result = poll("gitea", pending(tmp_path, base, [a_review(63, stale=True)]), monkeypatch)
    assert result.exit_code == 1
    assert "分支此后又有推送" in result.stdout
    unchanged(o, before)


@pytest.mark.parametrize(
    "review",
    [
        {"dismissed": True},  # withdrawn by the office
        {"state": "COMMENT", "body": "写得不错"},  # a comment without a command is no review
        {"state": "PENDING"},  # not submitted yet
        {"state": "REQUEST_REVIEW"},  # a request for review, not a review
        {"user": None},  # a deleted account (Gitea's ghost user may also come as null)
    ],
)
def test_poll_ignores_what_is_no_review(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, review: dict[str, Any]) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    result = poll("gitea", pending(tmp_path, base, [a_review(64) | review]), monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    unchanged(o, before)


def test_poll_refuses_an_unknown_login_once(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    stranger = a_review(54, login="stranger")
    result = poll("forgejo", pending(tmp_path, base, [stranger]), monkeypatch)
    assert result.exit_code == 1
    assert result.stdout == "@stranger 没有在人员名册（units/people.yml）中登记这个 Forgejo 账号，审核未记录。\n<!-- sqmy-bridge review 54 -->\n"
    unchanged(o, before)
    # the sample's comments hold the bot's reply to review 54: nothing more is said
    result = poll("forgejo", pending(tmp_path, base, [stranger], sample("comments")), monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    # only the bot's own comments count: anyone can write the mark
    result = poll("forgejo", pending(tmp_path, base, [stranger], [bot_comment(sample("comments")[1]["body"], login="zhangwei")]), monkeypatch)
    assert result.exit_code == 1
    assert marks(result.stdout) == ["54"]
    unchanged(o, before)


def test_poll_does_not_replay_reviews_from_before_its_own_commit(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two reviews of commit A wait; the first is recorded (commit B): the second was given before it and is not replayed, now or later."""
    o, item, base = pr
    seen = head()
    first, second = a_review(70), a_review(71, login="zhaofu")
    result = poll("gitea", pending(tmp_path, base, [second, first]), monkeypatch)  # the API's order is not trusted: the older first
    assert result.exit_code == 0, result.output
    recorded, refused = result.stdout.split("\n\n")
    assert recorded.startswith("已记录：初审 通过（李初）")
    assert refused.startswith(f"@zhaofu 审核未记录：你审查版本 {seen[:10]} 之后，桥接刚记录了另一条审核（当前版本 {head()[:10]}）")
    assert marks(result.stdout) == ["70", "71"]
    after = o.git("rev-parse", "HEAD")
    assert [r["by"] for r in o.data(item)["reviews"]] == ["li-chu"]  # type: ignore[union-attr]
    later = [first | {"stale": True}, second | {"stale": True}]
    result = poll("gitea", pending(tmp_path, base, later, [posted(result)]), monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    result = poll("gitea", pending(tmp_path, base, later, []), monkeypatch)  # the reply lost: refused again, never recorded
    assert result.exit_code == 1
    assert marks(result.stdout) == ["71"]
    unchanged(o, after)


def test_poll_takes_the_buttons_and_slash_commands_in_reviews(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """请求变更 returns the item; a “评论” review with a slash command is a review; a button that disagrees with its words is refused."""
    o, item, base = pr
    result = poll("gitea", pending(tmp_path, base, [a_review(80, state="REQUEST_CHANGES", body="/初审 通过")]), monkeypatch)
    assert result.exit_code == 1
    assert "点的是“请求变更”，评论中却写了“/初审 通过”" in result.stdout
    result = poll("gitea", pending(tmp_path, base, [a_review(81, state="COMMENT", body="看过了。\n/初审 退回修改 请补充数据")]), monkeypatch)
    assert result.exit_code == 0, result.output
    review = o.data(item)["reviews"][0]  # type: ignore[index]
    assert (review["stage"], review["decision"], review["comment"]) == ("初审", "退回修改", "请补充数据")


def test_poll_refuses_a_fork_without_reading_it(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, _, base = pr
    before = o.git("rev-parse", "HEAD")
    result = poll("gitea", pending(tmp_path, base, [a_review(90, commit="5" * 40)], fork=True), monkeypatch)
    assert result.exit_code == 1
    assert "来自复刻仓库的拉取请求不能由桥接记录审核" in result.stdout
    assert marks(result.stdout) == ["90"]
    unchanged(o, before)


@pytest.mark.parametrize(("data", "reply"), [({"pull": {}, "reviews": []}, "缺少 'bot'"), ({"bot": "", "pull": {}, "reviews": []}, "内容不完整")])
def test_poll_needs_to_know_the_bot(gitea_people: Path, git_office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    data: dict[str, Any], reply: str) -> None:
    """Without the bot's login the marks could not be trusted, and every run would answer again."""
    result = poll("gitea", write(tmp_path, "pending", data), monkeypatch)
    assert result.exit_code == 2
    assert reply in result.stdout


def test_event_or_pending_not_both(gitea_people: Path, git_office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["bridge", "gitea"])
    assert result.exit_code == 2
    assert "请给出 --event（一次评论或审查）或 --pending" in result.output
    data = str(write(tmp_path, "pending", {}))
    result = CliRunner().invoke(main, ["bridge", "gitea", "--event", data, "--pending", data])
    assert result.exit_code == 2
    assert "只给其中一个" in result.output


# --- the differences to GitHub -------------------------------------------------------------------------------------


def test_review_payloads_differ_from_githubs() -> None:
    """GitHub's review event names the review and the commit; Gitea's names neither, and says `reviewed`, not `submitted`."""
    github, gitea = json.loads((GITHUB / "pull_request_review.json").read_text("utf-8")), sample("pull_request_review_approved")
    assert github["action"] == "submitted"
    assert gitea["action"] == "reviewed"
    assert {"id", "commit_id", "state", "user", "body", "html_url"} <= set(github["review"])
    assert set(gitea["review"]) == {"type", "content"}  # structs.ReviewPayload
    assert gitea["commit_id"] == ""  # PullRequestPayload.CommitID: left empty for reviews
    assert gitea["sender"]["login"] == "lichu"  # the reviewer is the sender
    # the review's state: GitHub's lower-case words in the event, Gitea's hook names in the event and capitals in the API
    assert github["review"]["state"] == "approved"
    assert gitea["review"]["type"] == "pull_request_review_approved"
    assert sample("review")["state"] == "APPROVED"
    assert set(GITEA_REVIEW_TYPES.values()) == set(GITEA_REVIEW_STATES.values()) == {"approved", "changes_requested", "commented"}
    assert set(GITEA_REVIEW_STATES) == {"APPROVED", "REQUEST_CHANGES", "COMMENT"}  # the API's PENDING and REQUEST_REVIEW are no reviews


def test_comment_payloads_differ_from_githubs() -> None:
    github, gitea, plain = json.loads((GITHUB / "issue_comment.json").read_text("utf-8")), sample("issue_comment_pull"), sample("issue_comment_issue")
    assert "is_pull" not in github
    assert (gitea["is_pull"], plain["is_pull"]) == (True, False)
    assert github["issue"]["pull_request"]["html_url"].startswith("https://github.com/")
    assert gitea["issue"]["pull_request"] == {"merged": False, "merged_at": None, "draft": False,
                                              "html_url": "https://git.sample.example/sample-office/sqmy/pulls/7"}
    assert plain["issue"]["pull_request"] is None
    assert github["comment"]["created_at"].endswith("Z")
    assert gitea["comment"]["created_at"].endswith("+08:00")  # Gitea writes the server's time zone
    # the pull request's branches: Gitea adds the repository's id beside the repository
    pull = sample("pull_request")
    assert {"label", "ref", "sha", "repo_id", "repo"} == set(pull["head"]) == set(pull["base"])
    # GitHub's record of pushes is the activity API; Gitea's the pull_push entries of the pull request's timeline
    push = next(e for e in sample("timeline") if e["type"] == "pull_push")
    assert set(json.loads(push["body"])) == {"is_force_push", "commit_ids"}


@pytest.mark.parametrize("forge", ["gitea", "forgejo"])
def test_github_events_are_not_gitea_events(gitea_people: Path, git_office: Office, monkeypatch: pytest.MonkeyPatch, forge: str) -> None:
    result = run(forge, GITHUB / "pull_request_review.json", "pull_request_review", "--review", str(GITEA / "review.json"), monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "忽略审查事件的动作“submitted”" in result.stdout
    result = run("github", GITEA / "pull_request_review_approved.json", "pull_request_review", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "忽略审查事件的动作“reviewed”" in result.stdout


@pytest.mark.parametrize(("name", "kind"), [("pull_request_review_approved", "review"), ("pull_request_comment", "comment")])
def test_giteas_own_event_names_are_understood(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, kind: str,
) -> None:
    """A workflow sees `pull_request_review` and `issue_comment`; a Gitea webhook says which button, and pull_request_comment."""
    o, item, base = pr
    if kind == "review":
        result = approve(tmp_path, base, "gitea", monkeypatch, name=name)
    else:
        result = run("gitea", comment_event(tmp_path, "/初审 通过", "lichu"), name, "--pull-request", str(pull_json(tmp_path, base)),
                     "--activity", str(timeline(tmp_path)), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert o.data(item)["reviews"][0]["by"] == "li-chu"  # type: ignore[index]


# --- the workflow --------------------------------------------------------------------------------------------------


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    return data


ALLOWED = {"issue_comment", "schedule", "workflow_dispatch"}  # the events Gitea runs from the default branch's workflow file (or is told to)


def jobs() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = workflow()["jobs"]
    return found


def runs(job: str) -> str:
    return "\n".join(s.get("run", "") for s in jobs()[job]["steps"])


def test_workflow_holds_the_token_only_in_runs_of_the_default_branch() -> None:
    """Gitea runs a review's workflow from the reviewed commit of the pull request's branch, with the repository's secrets:
    a branch could change this file and push forged review commits with the bot's token. No branch-controlled event may start it."""
    triggers = workflow()[True]  # YAML 1.1 reads the key "on" as true
    assert set(triggers) == ALLOWED
    for branch_controlled in ("pull_request_review", "pull_request_review_comment", "pull_request", "pull_request_target", "push"):
        assert branch_controlled not in triggers
    assert triggers["issue_comment"]["types"] == ["created"]
    assert triggers["schedule"] == [{"cron": "*/5 * * * *"}]  # the buttons, within about 5 minutes
    holders = {name for name, job in jobs().items() if "SQMY_BRIDGE_TOKEN" in yaml.safe_dump(job, allow_unicode=True)}
    assert holders == {"comment", "buttons"}
    for name in holders:
        condition = jobs()[name]["if"]
        events = set(re.findall(r"github\.event_name == '(\w+)'", condition))
        assert events, name
        assert events <= ALLOWED, name
        assert condition.count("github.event_name") == len(events)  # nothing else lets the job run
    assert set(re.findall(r"github\.event_name == '(\w+)'", jobs()["buttons"]["if"])) == {"schedule", "workflow_dispatch"}
    assert "secrets." not in yaml.safe_dump({k: v for k, v in workflow().items() if k != "jobs"})  # no token outside the jobs


def test_workflow_refuses_a_dispatch_from_another_branch() -> None:
    """workflow_dispatch may be started on any branch, which runs that branch's file: the default branch's refuses to run elsewhere."""
    first = jobs()["buttons"]["steps"][0]
    assert first["env"]["REF"] == "${{ github.ref }}"
    assert '[ "$REF" != "refs/heads/$default_branch" ]' in first["run"]


def test_workflow_runs_the_bridge_for_comments_and_polls_the_buttons() -> None:
    comment, buttons = runs("comment"), runs("buttons")
    assert 'sqmy --rules-from ../base bridge "$forge" --event "$DIR/event.json" --event-name issue_comment' in comment
    assert '--pull-request "$DIR/pull.json" --activity "$DIR/timeline.json"' in comment
    assert "/issues/$PR/timeline" in comment  # Gitea's record of pushes
    assert '--pending "$d/pending.json"' in buttons
    for path in ('"/user"', '"/repos/$REPOSITORY/pulls?state=open"', '"/repos/$REPOSITORY/pulls/$pr/reviews"',
                 '"/repos/$REPOSITORY/issues/$pr/comments"', '"/repos/$REPOSITORY/pulls/$pr"'):
        assert path in buttons
    # the pull request (its head) is read after its reviews: a review on another commit came before the branch moved
    assert buttons.index("/pulls/$pr/reviews") < buttons.index('api "/repos/$REPOSITORY/pulls/$pr" >')
    for script in (comment, buttons):
        assert "forge=gitea\n" in script  # sqmy bridge gitea, or forgejo
        assert 'if [ "${FORGEJO_ACTIONS:-}" = true ]; then forge=forgejo; fi' in script
        assert "curl -fsS -X POST" in script  # the reply through Gitea's REST API
        assert "/repos/$REPOSITORY/issues/$" in script
        assert "${API_URL%/}" in script
        assert "${SERVER_URL%/}/$REPOSITORY.git" in script
        assert "push --quiet" in script
        assert "--force" not in script
        assert re.search(r"pip install[^\n]*-r \"\$req\"", script)  # sqmy as the default branch says, never from the pull request
        assert "worktree add" in script  # the pull request's branch checked out as data
    installs = [s["run"] for job in jobs().values() for s in job["steps"] if s["name"].startswith("取得默认分支")]
    assert len(installs) == 2
    assert installs[0] == installs[1]
    for job in jobs().values():  # the forge's own addresses, from the Actions context (AppURL + "api/v1")
        env = job["env"]
        assert (env["API_URL"], env["SERVER_URL"], env["TOKEN"]) == ("${{ github.api_url }}", "${{ github.server_url }}", "${{ secrets.SQMY_BRIDGE_TOKEN }}")


def test_workflow_interpolates_no_event_text_into_scripts() -> None:
    for job in jobs().values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), f"expression inside a script: {step.get('name')}"
    text = WORKFLOW.read_text("utf-8")
    for expression in re.findall(r"\$\{\{(.*?)\}\}", text):  # event text reaches the scripts only through env
        for text_field in ("comment.body", "review.content", "title"):
            assert text_field not in expression


def test_workflow_relies_on_nothing_gitea_ignores() -> None:
    """Gitea ignores `concurrency`, `timeout-minutes` and (before 1.26) `permissions`: the workflow's safety may not depend on them."""
    assert "concurrency" not in workflow()
    for job in jobs().values():
        assert "concurrency" not in job
    assert "github.token" not in WORKFLOW.read_text("utf-8")  # the job token's rights are not what the workflow asks for
    # the fork refusal and the pull request's number come from the API, not from the event alone
    assert "head.repo.full_name" in runs("comment")
    assert "head.repo.full_name" in runs("buttons")


def test_workflow_passes_githubs_schema_and_zizmor(tmp_path: Path) -> None:
    """Gitea reads GitHub's workflow syntax; the offline linters the GitHub workflows pass apply here too."""
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    folder = tmp_path / ".github" / "workflows"  # zizmor reads a repository's workflow folder
    folder.mkdir(parents=True)
    (folder / WORKFLOW.name).write_text(WORKFLOW.read_text("utf-8"), "utf-8")
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(folder)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the workflow's scripts, run against a real office and a stand-in for Gitea's REST API -------------------------


class FakeGitea:
    """Gitea's REST API as the workflow uses it: JSON by path, lists in pages, comments posted; the token checked."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes, self.posted, self.denied = routes, [], 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self, code: int, data: Any) -> None:
                body = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def allowed(self) -> bool:
                if self.headers.get("Authorization") != "token bot-secret":
                    outer.denied += 1
                    self.answer(401, {"message": "token is required"})
                    return False
                return True

            def do_GET(self) -> None:  # the name http.server calls
                url = urlsplit(self.path)
                if not self.allowed():
                    return
                found = outer.routes.get(url.path)
                if found is None:
                    self.answer(404, {"message": "not found"})
                elif isinstance(found, list):  # a list: pages of `limit`
                    query = parse_qs(url.query)
                    limit, page = int(query.get("limit", ["30"])[0]), int(query.get("page", ["1"])[0])
                    self.answer(200, found[(page - 1) * limit:page * limit])
                else:
                    self.answer(200, found)

            def do_POST(self) -> None:
                if not self.allowed():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.posted.append((self.path, body))
                listed = outer.routes.get(urlsplit(self.path).path)
                if isinstance(listed, list):  # the comment is now the bot's, in the pull request's list of comments
                    listed.append(bot_comment(str(body.get("body") or "")) | {"id": 5000 + len(outer.posted)})
                self.answer(201, {"id": 5000 + len(outer.posted)})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.api = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def step(name: str, job: str = "comment") -> str:
    return str(next(s for s in jobs()[job]["steps"] if s.get("name") == name)["run"])


API = "/api/v1/repos/sample-office/sqmy"


POLL = "查找并记录审查，推送，回复"


def pull_of(number: int, ref: str, sha: str, base: str) -> dict[str, Any]:
    data = sample("pull_request")
    url = f"https://git.sample.example/sample-office/sqmy/pulls/{number}"
    data.update(number=number, html_url=url, url=url, diff_url=f"{url}.diff", patch_url=f"{url}.patch")
    data["head"].update(ref=ref, label=ref, sha=sha)
    data["base"]["sha"] = base
    return data


def remote_head(remote: Path, ref: str) -> str:
    return subprocess.run(["git", "-C", str(remote), "rev-parse", f"refs/heads/{ref}"], capture_output=True, text=True, check=True).stdout.strip()


def test_workflow_scripts_poll_every_open_pull_request(gitea_people: Path, git_office: Office, tmp_path: Path) -> None:
    """The scheduled run: two pull requests, each with its reviews; each recorded on its own branch, pushed, answered; a second run does nothing."""
    o = git_office
    base = o.git("rev-parse", "HEAD").strip()
    o.git("checkout", "-q", "-b", "item/parking")
    o.new_item()
    heads = {7: head()}
    o.git("checkout", "-q", "main")
    o.git("checkout", "-q", "-b", "item/bikes")
    o.new_item("zhang-wei", "关于规范共享单车停放的建议")
    heads[8] = head()
    o.git("checkout", "-q", "main")
    forge = tmp_path / "forge"  # the forge's git server: SERVER_URL/REPOSITORY.git
    remote = forge / "sample-office" / "sqmy.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(o.root), str(remote)], check=True)
    refs = {7: "item/parking", 8: "item/bikes"}
    pulls = {n: pull_of(n, refs[n], heads[n], base) for n in refs}

    def anchored(review: dict[str, Any], number: int) -> dict[str, Any]:
        return review | {"html_url": f"https://git.sample.example/sample-office/sqmy/pulls/{number}#issuecomment-{review['id'] + 1000}"}

    reviews = {
        7: [anchored(a_review(61, commit=heads[7]), 7)],
        8: [anchored(a_review(i, "zhaofu", "COMMENT", "看过了", heads[8]), 8) for i in range(1, 56)]  # more than a page, no commands
        + [anchored(a_review(69, "stranger", commit=heads[8]), 8), anchored(a_review(70, commit=heads[8]), 8),
           anchored(a_review(72, "zhaofu", commit=heads[8], dismissed=True), 8)],
    }
    routes: dict[str, Any] = {"/api/v1/user": sample("user"), API: {"default_branch": "main", "full_name": "sample-office/sqmy"},
                              f"{API}/pulls": list(pulls.values())}
    for n in refs:
        routes |= {f"{API}/pulls/{n}": pulls[n], f"{API}/pulls/{n}/reviews": reviews[n], f"{API}/issues/{n}/comments": sample("comments")[:1]}
    gitea = FakeGitea(routes)

    def scheduled(run: str) -> tuple[int, str]:
        temp = tmp_path / run
        temp.mkdir()
        env = {"TOKEN": "bot-secret", "API_URL": gitea.api, "SERVER_URL": forge.as_uri() + "/", "REPOSITORY": "sample-office/sqmy",
               "RUNNER_TEMP": str(temp)}
        code, text, out = run_step(step("确认在默认分支上运行", "buttons"), temp, temp, **env, REF="refs/heads/main")
        assert code == 0, text
        assert out["default_branch"] == "main"
        work = temp / "work"
        subprocess.run(["git", "clone", "-q", "--branch", "main", f"{forge.as_uri()}/sample-office/sqmy.git", str(work / "base")], check=True)
        code, text, _ = run_step(step(POLL, "buttons"), work, temp, **env, DIR=out["dir"], BRIDGE_NAME="sqmy-bridge",
                                 BRIDGE_EMAIL="bridge@sample.example")
        return code, text

    try:
        code, text = scheduled("first")
        assert code == 0, text
        for n, ref in refs.items():  # each review on its own branch, on top of the commit it was given on
            line = subprocess.run(["git", "-C", str(remote), "log", "-1", "--format=%P|%ae|%ce|%(trailers:key=Review-Forge,valueonly)", ref],
                                  capture_output=True, text=True, check=True).stdout.strip()
            review = 61 if n == 7 else 70
            assert line == f"{heads[n]}|li.chu@sample.example|bridge@sample.example|{pulls[n]['html_url']}#issuecomment-{review + 1000}"
        assert [where for where, _ in gitea.posted] == [f"{API}/issues/7/comments", f"{API}/issues/8/comments"]
        seven, eight = (body["body"] for _, body in gitea.posted)
        assert seven.startswith("已记录：初审 通过（李初）")
        assert marks(seven) == ["61"]
        assert eight.startswith("@stranger 没有在人员名册（units/people.yml）中登记这个 Gitea 账号，审核未记录。")
        assert "\n\n已记录：初审 通过（李初）" in eight
        assert marks(eight) == ["69", "70"]
        assert gitea.denied == 0
        # five minutes later: the branches moved (the bridge's pushes), Gitea calls the older reviews stale; the replies are there
        moved = {n: remote_head(remote, refs[n]) for n in refs}
        for n in refs:
            pulls[n]["head"]["sha"] = moved[n]
            for r in reviews[n]:
                r["stale"] = r["commit_id"] != moved[n]
        code, text = scheduled("second")
        assert code == 0, text
        assert "拉取请求 #7：\n拉取请求 #8：\n" in text  # both read and judged: nothing to record, nothing to say
        assert "下次再处理" not in text
        assert len(gitea.posted) == 2  # nothing new said
        assert {n: remote_head(remote, refs[n]) for n in refs} == moved  # nothing new recorded
        # run by hand on a branch, the workflow does not run
        code, text, _ = run_step(step("确认在默认分支上运行", "buttons"), tmp_path, tmp_path, TOKEN="bot-secret", API_URL=gitea.api,
                                 REPOSITORY="sample-office/sqmy", RUNNER_TEMP=str(tmp_path), REF="refs/heads/item/parking")
        assert code == 1
        assert "审核桥接只按默认分支 main 上的工作流运行（这次是 refs/heads/item/parking）" in text
    finally:
        gitea.close()


def test_workflow_scripts_leave_a_review_for_the_next_run_when_the_push_fails(gitea_people: Path, git_office: Office, tmp_path: Path) -> None:
    """The author pushed while the bridge recorded: nothing is said (the bridge's commit is not on the branch); the next run decides."""
    o = git_office
    base = o.git("rev-parse", "HEAD").strip()
    o.git("checkout", "-q", "-b", "item/parking")
    item = o.new_item()
    seen = head()
    forge = tmp_path / "forge"
    remote = forge / "sample-office" / "sqmy.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(o.root), str(remote)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", "--branch", "main", f"{forge.as_uri()}/sample-office/sqmy.git", str(work / "base")], check=True)
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n又补充了一句。\n", "utf-8")
    o.commit_all("zhang-wei", "补充")
    subprocess.run(["git", "-C", str(o.root), "push", "-q", str(remote), "item/parking"], check=True)  # after the clone, before the push
    pull = pull_of(7, "item/parking", seen, base)
    gitea = FakeGitea({"/api/v1/user": sample("user"), f"{API}/pulls": [pull], f"{API}/pulls/7": pull,
                       f"{API}/pulls/7/reviews": [a_review(61, commit=seen)], f"{API}/issues/7/comments": []})
    try:
        env = {"TOKEN": "bot-secret", "API_URL": gitea.api, "SERVER_URL": forge.as_uri(), "REPOSITORY": "sample-office/sqmy",
               "RUNNER_TEMP": str(tmp_path), "DIR": str(tmp_path), "BRIDGE_NAME": "sqmy-bridge", "BRIDGE_EMAIL": "bridge@sample.example"}
        code, text, _ = run_step(step(POLL, "buttons"), work, tmp_path, **env)
        assert code == 0, text
        assert "记录时分支又有了新的推送，未记录" in text
        assert gitea.posted == []
        assert remote_head(remote, "item/parking") == head()
    finally:
        gitea.close()


def test_workflow_scripts_record_a_slash_command_and_refuse_forks(pr: tuple[Office, str, str], tmp_path: Path) -> None:
    o, _, base = pr
    pull, fork = sample("pull_request"), sample("pull_request_fork")
    for p in (pull, fork):
        p["base"]["sha"], p["head"]["sha"] = base, head()
    forge = tmp_path / "forge"
    remote = forge / "sample-office" / "sqmy.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(o.root), str(remote)], check=True)
    entries = json.loads(timeline(tmp_path).read_text("utf-8")) * 30  # more than one page
    gitea = FakeGitea({f"{API}/pulls/7": pull, f"{API}/issues/7/timeline": entries})
    try:
        env = {"TOKEN": "bot-secret", "API_URL": gitea.api + "/", "SERVER_URL": forge.as_uri(), "REPOSITORY": "sample-office/sqmy",
               "RUNNER_TEMP": str(tmp_path), "GITHUB_EVENT_PATH": str(comment_event(tmp_path, "/初审 通过", "lichu"))}
        code, text, out = run_step(step("向论坛核实拉取请求和推送记录"), tmp_path, tmp_path, **env, PR_NUMBER="7")
        assert code == 0, text
        assert len(json.loads((Path(out["dir"]) / "timeline.json").read_text("utf-8"))) == len(entries)
        assert (out["head_sha"], out["head_ref"]) == (head(), "item/parking")
        work = tmp_path / "work"
        clone(remote, work / "base", base)
        code, text, recorded = run_step(step("记录审核"), work, tmp_path, **env, DIR=out["dir"], HEAD_SHA=out["head_sha"],
                                        BRIDGE_NAME="sqmy-bridge", BRIDGE_EMAIL="bridge@sample.example")
        assert code == 0, text
        assert recorded["code"] == "0"
        code, text, _ = run_step(step("推送审核提交"), work, tmp_path, **env, DIR=out["dir"], HEAD_REF=out["head_ref"])
        assert code == 0, text
        code, text, _ = run_step(step("回复"), work, tmp_path, **env, DIR=out["dir"], PR="7")
        assert code == 0, text
        [(where, body)] = gitea.posted
        assert where == f"{API}/issues/7/comments"
        assert body["body"].startswith("已记录：初审 通过（李初）")
        line = subprocess.run(["git", "-C", str(remote), "log", "-1", "--format=%P|%ae|%(trailers:key=Review-Forge,valueonly)", "item/parking"],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert line == f"{head()}|li.chu@sample.example|https://git.sample.example/sample-office/sqmy/pulls/7#issuecomment-301"
        code, text, _ = run_step(step("向论坛核实拉取请求和推送记录"), tmp_path, tmp_path, **env, PR_NUMBER="7; rm -rf /")
        assert code == 1
        assert "事件中没有拉取请求的编号" in text
        gitea.routes[f"{API}/pulls/7"] = fork
        code, text, out = run_step(step("向论坛核实拉取请求和推送记录"), tmp_path, tmp_path, **env, PR_NUMBER="7")
        assert code == 0, text
        assert out["head_repo"] == "someone/sqmy" != out["base_repo"]
        code, text, _ = run_step(step("拒绝来自复刻仓库的拉取请求"), tmp_path, tmp_path, **env, PR="7")
        assert code == 1
        assert gitea.posted[1:] == [(f"{API}/issues/7/comments", {"body": "来自复刻仓库的拉取请求不能由桥接记录审核：请在本仓库的分支上提交信息。"})]
        assert gitea.denied == 0
    finally:
        gitea.close()


def test_a_gitea_login_remapped_inside_the_pull_request_gets_nothing(pr: tuple[Office, str, str], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's pull request gives 李初's Gitea login to an account of its own and approves with it: the scheduled
    bridge reads the base branch's registry (`--rules-from`, as the workflow runs it), so nothing is recorded, and
    the remap itself is reported by the audit."""
    o, item, base = pr
    base_checkout = tmp_path / "base"
    subprocess.run(["git", "clone", "-q", "--branch", "main", str(o.root), str(base_checkout)], check=True)
    people = o.root / "units" / "people.yml"
    people.write_text(people.read_text("utf-8").replace("gitea: lichu", "gitea: mallory"), "utf-8")
    remap = o.commit_all("zhang-wei", "更新账号")
    before = o.git("rev-parse", "HEAD")
    for key, value in BRIDGE.items():
        monkeypatch.setenv(key, value)
    data = pending(tmp_path, base, [a_review(71, login="mallory")])
    result = CliRunner().invoke(main, ["--rules-from", str(base_checkout), "bridge", "gitea", "--pending", str(data)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("@mallory 没有在人员名册（units/people.yml）中登记这个 Gitea 账号")
    unchanged(o, before)
    assert o.data(item).get("reviews") in (None, [])
    assert ("units/people.yml", remap, "registry-not-office") in {(v["item"], v["commit"], v["rule"]) for v in o.audit("--since", "main")}
