"""The GitHub bridge, driven by the documented event payloads against a real repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sqmy.bridge import Command, parse_command
from sqmy.cli import main

from .conftest import SAMPLES
from .gitoffice import Office

BRIDGE = {"GIT_COMMITTER_NAME": "sqmy-bridge", "GIT_COMMITTER_EMAIL": "bridge@sample.example"}


@pytest.fixture
def pr(git_office: Office) -> tuple[Office, str, str]:
    """An item on its own branch, as a pull request would carry it."""
    o = git_office
    base = o.git("rev-parse", "HEAD").strip()
    o.git("checkout", "-q", "-b", "item/parking")
    item = o.new_item()
    return o, item, base


def head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


def payload(kind: str, base: str, tmp: Path, **changes: Any) -> Path:
    """The documented payload; a review is given on the branch's current commit unless `commit_id` says otherwise."""
    data = json.loads((SAMPLES / "github" / f"{kind}.json").read_text("utf-8"))
    if kind == "pull_request_review":
        data["pull_request"]["base"]["sha"] = base
        data["review"]["commit_id"] = head()
        data["review"].update(changes)
    else:
        data["comment"].update(changes)
    path = tmp / f"{kind}-{len(list(tmp.iterdir()))}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def pull_json(base: str, tmp: Path, fork: bool = False) -> Path:
    data = json.loads((SAMPLES / "github" / "pull_request_review.json").read_text("utf-8"))["pull_request"]
    data["base"]["sha"] = base
    if fork:
        data["head"]["repo"]["full_name"] = "someone/sqmy"
    path = tmp / "pull.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


def activity(tmp: Path, pushed_at: str = "2026-11-28T04:05:00Z", sha: str | None = None) -> Path:
    """The forge's record of pushes to the branch (GET /repos/{owner}/{repo}/activity), newest first."""
    entry = {"id": 1, "node_id": "RA_1", "before": "0" * 40, "after": sha or head(), "ref": "refs/heads/item/parking",
             "timestamp": pushed_at, "activity_type": "push", "actor": {"login": "sample-zhangwei", "id": 100000}}
    path = tmp / f"activity-{len(list(tmp.iterdir()))}.json"
    path.write_text(json.dumps([entry]), "utf-8")
    return path


def run(event: Path, name: str, *extra: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    for key, value in BRIDGE.items():  # the workflow's git identity: the bridge commits
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "sqmy-bridge")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "bridge@sample.example")
    if name == "issue_comment" and "--activity" not in extra and "--pull-request" in extra:
        extra = (*extra, "--activity", str(activity(event.parent)))
    return CliRunner().invoke(main, ["bridge", "github", "--event", str(event), "--event-name", name, *extra], catch_exceptions=False)


def user(login: str) -> dict[str, Any]:
    return {"user": {"login": login, "id": 1, "type": "User"}}


def test_approve_and_slash_commands_become_review_commits(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    pull = pull_json(base, tmp_path)
    approve = run(payload("pull_request_review", base, tmp_path), "pull_request_review", monkeypatch=monkeypatch)
    assert approve.exit_code == 0, approve.output
    assert approve.stdout.startswith("已记录：初审 通过（李初）")
    assert "下一步：复审（赵复）" in approve.stdout
    comment = payload("issue_comment", base, tmp_path, body="/复审 通过 同意报主席审定")
    assert run(comment, "issue_comment", "--pull-request", str(pull), monkeypatch=monkeypatch).exit_code == 0
    final = payload("issue_comment", base, tmp_path, body="/审定 通过 直报 转办", **user("sample-chenshen"))
    result = run(final, "issue_comment", "--pull-request", str(pull), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    data = o.data(item)
    assert [(r["stage"], r["by"]) for r in data["reviews"]] == [("初审", "li-chu"), ("复审", "zhao-fu"), ("审定", "chen-shen")]  # type: ignore[union-attr]
    assert data["routes"] == ["直报", "转办"]
    assert data["reviews"][1]["comment"] == "同意报主席审定"  # type: ignore[index]
    # the reviewer is the author, the bridge the committer, and the forge review is named
    line = o.git("log", "-1", "--format=%ae|%ce|%(trailers:key=Review-Forge,valueonly)", "HEAD~2").strip()
    assert line == "li.chu@sample.example|bridge@sample.example|https://github.com/sample-office/sqmy/pull/7#pullrequestreview-2073281374"
    assert o.audit() == []


def test_request_changes_returns_the_item(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    event = payload("pull_request_review", base, tmp_path, state="changes_requested", body="请补充停车位缺口的数据")
    result = run(event, "pull_request_review", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    review = o.data(item)["reviews"][0]  # type: ignore[index]
    assert (review["decision"], review["comment"]) == ("退回修改", "请补充停车位缺口的数据")
    assert "当前状态：退回修改" in result.stdout


def test_expert_review_by_slash_command(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    pull = pull_json(base, tmp_path)
    call = payload("issue_comment", base, tmp_path, body="/联合复核 @sample-sunzhuan 涉及专业内容", **user("sample-lichu"))
    assert run(call, "issue_comment", "--pull-request", str(pull), monkeypatch=monkeypatch).exit_code == 0
    review = o.data(item)["reviews"][0]  # type: ignore[index]
    assert (review["stage"], review["decision"], review["experts"]) == ("初审", "联合复核", ["sun-zhuan"])
    opinion = payload("pull_request_review", base, tmp_path, **user("sample-sunzhuan"))  # the expert presses Approve
    result = run(opinion, "pull_request_review", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert o.data(item)["reviews"][1]["stage"] == "联合复核"  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "code", "reply"),
    [
        (user("stranger"), 1, "没有在人员名册（units/people.yml）中登记这个 GitHub 账号"),
        (user("sample-chenshen"), 1, "当前应进行“初审”，陈审 没有这一环节的角色"),
        (user("sample-zhangwei"), 1, "没有这一环节的角色"),
        ({"state": "commented", "body": "看过了"}, 2, "没有审核命令"),
        ({"state": "commented", "body": "/复审 同意"}, 1, "命令 /复审 后面应写审核意见"),
        ({"state": "commented", "body": "/复审 通过", **user("sample-zhaofu")}, 1, "“初审”尚未通过，不能进行“复审”"),
    ],
)
def test_refusals_and_ignored_events_write_nothing(
    pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any], code: int, reply: str
) -> None:
    o, _, base = pr
    head = o.git("rev-parse", "HEAD")
    result = run(payload("pull_request_review", base, tmp_path, **changes), "pull_request_review", monkeypatch=monkeypatch)
    assert result.exit_code == code
    assert reply in result.stdout
    assert o.git("rev-parse", "HEAD") == head
    assert o.git("status", "--porcelain") == ""


def test_fork_pull_requests_are_refused(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, base = pr
    comment = payload("issue_comment", base, tmp_path, body="/初审 通过", **user("sample-lichu"))
    result = run(comment, "issue_comment", "--pull-request", str(pull_json(base, tmp_path, fork=True)), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "来自复刻仓库的拉取请求不能由桥接记录审核" in result.stdout


def test_approving_the_final_stage_needs_routes(pr: tuple[Office, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item, base = pr
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    result = run(payload("pull_request_review", base, tmp_path, **user("sample-chenshen")), "pull_request_review", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "/审定 通过 直报" in result.stdout


@pytest.mark.parametrize(
    ("name", "edit", "reply"),
    [
        ("push", {}, "不处理“push”事件"),
        ("pull_request_review", {"action": "dismissed"}, "忽略审查事件的动作“dismissed”"),
        ("issue_comment", {"action": "created", "issue": {"number": 3}}, "这条评论不在拉取请求上"),
    ],
)
def test_not_review_events(tmp_path: Path, git_office: Office, monkeypatch: pytest.MonkeyPatch, name: str, edit: dict[str, Any], reply: str) -> None:
    kind = "issue_comment" if name == "issue_comment" else "pull_request_review"
    data = json.loads((SAMPLES / "github" / f"{kind}.json").read_text("utf-8")) | edit
    event = tmp_path / "event.json"
    event.write_text(json.dumps(data), "utf-8")
    result = run(event, name, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert reply in result.stdout


def test_malformed_event_file(tmp_path: Path, git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    event = tmp_path / "event.json"
    event.write_text("{not json", "utf-8")
    result = run(event, "pull_request_review", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "无法读取事件文件" in result.stdout


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("/初审 通过", Command("初审", "通过")),
        ("看过了。\n/复审 退回修改 数据不足，请补充", Command("复审", "退回修改", comment="数据不足，请补充")),
        ("/审定 通过 直报 参阅", Command("审定", "通过", ("直报", "参阅"))),
        ("/联合复核 @a-1 @b", Command("初审", "联合复核", expert_logins=("a-1", "b"))),
        ("/联合复核 不予上报 属个案", Command("联合复核", "不予上报", comment="属个案")),
        ("没有命令", None),
    ],
)
def test_parse_command(body: str, command: Command | None) -> None:
    assert parse_command(body) == command
