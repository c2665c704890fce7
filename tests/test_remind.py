"""sqmy remind: per person, what waits and for how long; group robots and tracking issues over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sqmy import remind

from .gitoffice import Office
from .test_outcomes import approved

TITLE = "关于加强社区停车管理的建议"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: Any


@dataclass
class Server:
    """A real HTTP server on 127.0.0.1: every request is kept; `answer` decides the reply."""

    answer: Callable[[Seen], tuple[int, Any]]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], tuple[int, Any]]], Server]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Callable[[Seen], tuple[int, Any]]) -> Server:
        state = Server(answer)

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                seen = Seen(self.command, parts.path, urllib.parse.parse_qs(parts.query), parts.query, dict(self.headers),
                            json.loads(raw) if raw else None)
                state.seen.append(seen)
                code, reply = state.answer(seen)
                data = json.dumps(reply, ensure_ascii=False).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = handle_one

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        return state

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def waiting(git_office: Office) -> tuple[Office, str]:
    """An approved item (直报, 参阅, 转办) the office has not acted on, and a draft of 张薇's (the sample's)."""
    return git_office, approved(git_office)


def test_remind_lists_each_persons_work_without_titles_unless_internal(waiting: tuple[Office, str]) -> None:
    o, item = waiting
    result = o.sqmy("li-chu", "remind", "--format", "json")
    assert result.exit_code == 0, result.output
    people = {p["person"]: p for p in json.loads(result.stdout)}
    assert set(people) == {"zhang-wei", "li-chu"}  # the draft's author, and the office (li-chu holds the office role)
    office = people["li-chu"]
    assert (office["count"], office["oldest_days"]) == (4, 0)
    assert [(e["id"], e["step"]) for e in office["items"]] == [(item, "编入期刊"), (item, "报送直报"), (item, "报送参阅件"), (item, "出具转办函")]
    assert TITLE not in result.stdout
    assert "title" not in office["items"][0]
    internal = json.loads(o.sqmy("li-chu", "remind", "--to", "li-chu", "--format", "json", "--internal").stdout)
    assert [e["title"] for e in internal[0]["items"]] == [TITLE] * 4
    assert internal[0]["items"][1]["step"].startswith("报送直报")
    md = o.sqmy("li-chu", "remind", "--to", "li-chu", "--format", "md").stdout
    assert "## 李初（li-chu）" in md
    assert f"| {item} | 编入期刊 | 0 |  |" in md
    assert TITLE not in md
    text = o.sqmy("li-chu", "remind", "--to", "chen-shen").stdout
    assert "没有等陈审办理的事" in text
    unknown = o.sqmy("li-chu", "remind", "--to", "nobody")
    assert unknown.exit_code != 0
    assert "不在人员名册中" in unknown.stderr


def test_wecom_robot_gets_markdown_with_ids_and_no_titles(waiting: tuple[Office, str], serve: Any) -> None:
    o, item = waiting
    robot = serve(lambda seen: (200, {"errcode": 0, "errmsg": "ok"}))
    url = f"{robot.url}/cgi-bin/webhook/send?key=SECRET-KEY"
    result = o.sqmy("li-chu", "remind", "--webhook-url", url, "--webhook-kind", "wecom")
    assert result.exit_code == 0, result.output
    assert "1 条消息，2 人有待办" in result.stdout
    [message] = robot.seen
    assert (message.method, message.path, message.query) == ("POST", "/cgi-bin/webhook/send", {"key": ["SECRET-KEY"]})
    assert message.headers["Content-Type"].startswith("application/json")
    assert set(message.body) == {"msgtype", "markdown"}
    assert message.body["msgtype"] == "markdown"
    content = message.body["markdown"]["content"]
    assert content.startswith("### 样本县政协社情民意信息待办提醒（截至 2026-11-28）")
    assert f"**李初**：4 件，最久 0 天：{item} 编入期刊 0 天" in content
    assert TITLE not in content
    assert len(content.encode()) <= 4096
    o.sqmy("li-chu", "remind", "--webhook-url", url, "--webhook-kind", "wecom", "--internal")
    assert f"《{TITLE}》" in robot.seen[-1].body["markdown"]["content"]


def test_dingtalk_robot_is_signed_and_its_refusal_is_an_error(waiting: tuple[Office, str], serve: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    o, item = waiting
    secret = "SEC0123456789abcdef"
    answers = iter([(200, {"errcode": 0, "errmsg": "ok"}), (200, {"errcode": 310000, "errmsg": "sign not match"})])
    robot = serve(lambda seen: next(answers))
    monkeypatch.setenv("SQMY_WEBHOOK_URL", f"{robot.url}/robot/send?access_token=TOKEN")  # as the workflow gives them
    monkeypatch.setenv("SQMY_WEBHOOK_SECRET", secret)
    result = o.sqmy("li-chu", "remind", "--webhook-kind", "dingtalk")
    assert result.exit_code == 0, result.output
    [message] = robot.seen
    assert message.query["access_token"] == ["TOKEN"]
    stamp = message.query["timestamp"][0]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert message.query["sign"] == [expected]  # parse_qs undoes the URL encoding
    raw = dict(part.split("=", 1) for part in message.raw_query.split("&"))
    assert raw["sign"] == urllib.parse.quote_plus(expected)  # sent URL-encoded
    assert abs(int(stamp) - int(time.time() * 1000)) < 60_000  # milliseconds, now
    assert message.body["msgtype"] == "markdown"
    assert message.body["markdown"]["title"] == "样本县政协社情民意信息待办提醒（截至 2026-11-28）"
    assert item in message.body["markdown"]["text"]
    assert TITLE not in message.body["markdown"]["text"]
    refused = o.sqmy("li-chu", "remind", "--webhook-kind", "dingtalk")
    assert refused.exit_code != 0
    assert "错误码 310000，sign not match" in refused.stderr
    assert "TOKEN" not in refused.stderr  # the address holds a key: never shown
    assert secret not in refused.stderr


def test_a_long_group_message_is_split_within_the_limit() -> None:
    lines = [f"- **人{n}**：" + "编号 " * 200 for n in range(30)]
    texts = remind.messages("提醒", lines, limit=4000)
    assert len(texts) > 1
    assert all(len(t.encode()) <= 4000 for t in texts)
    assert texts[1].startswith("### 提醒（续）")
    assert sum(t.count("- **人") for t in texts) == 30
    huge = remind.messages("提醒", ["很" * 5000])
    assert len(huge) == 1
    assert len(huge[0].encode()) <= remind.MESSAGE_BYTES
    assert huge[0].endswith("…")


def test_https_only_for_robots_not_on_this_machine() -> None:
    with pytest.raises(remind.SqmyError, match="https"):
        remind.send_webhook("http://example.com/robot/send?access_token=x", "dingtalk", "t", [])
    with pytest.raises(remind.SqmyError, match="只有钉钉"):
        remind.send_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "wecom", "t", [], secret="s")
    assert remind.webhook_kind("https://oapi.dingtalk.com/robot/send?access_token=x", None) == "dingtalk"
    assert remind.webhook_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", None) == "wecom"


class FakeGitHub:
    """The issues API, as far as the tracking issues use it, kept in memory."""

    def __init__(self, private: bool = False) -> None:
        self.private = private
        self.issues: list[dict[str, Any]] = [
            {"number": 1, "title": "别的议题", "body": "<!-- sqmy-remind: li-chu -->", "state": "open", "labels": []},  # no label: not ours
            {"number": 2, "title": "合并请求", "body": "<!-- sqmy-remind: li-chu -->", "state": "open", "pull_request": {}},
        ]

    def __call__(self, seen: Seen) -> tuple[int, Any]:
        assert seen.headers["Authorization"] == "Bearer gh-token"
        assert seen.path.startswith("/repos/county/office")
        rest = seen.path[len("/repos/county/office"):]
        if seen.method == "GET" and rest == "":
            return 200, {"full_name": "county/office", "private": self.private}
        if seen.method == "GET" and rest == "/issues":
            assert seen.query["labels"] == ["sqmy-remind"]
            assert seen.query["state"] == ["all"]
            page = int(seen.query["page"][0])
            ours = [i for i in self.issues if "sqmy-remind" in i.get("labels", ["sqmy-remind"])]
            return 200, ours[(page - 1) * 100: page * 100]
        if seen.method == "POST" and rest == "/issues":
            issue = {"number": len(self.issues) + 1, "state": "open", **seen.body}
            self.issues.append(issue)
            return 201, issue
        if seen.method == "PATCH" and rest.startswith("/issues/"):
            issue = next(i for i in self.issues if i["number"] == int(rest.rsplit("/", 1)[1]))
            issue.update(seen.body)
            return 200, issue
        return 404, {"message": "Not Found"}

    def of(self, person: str) -> list[dict[str, Any]]:
        return [i for i in self.issues if i["body"].startswith(f"<!-- sqmy-remind: {person} -->") and "sqmy-remind" in i.get("labels", [])]


def test_one_tracking_issue_per_person_updated_in_place(waiting: tuple[Office, str], serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    o, item = waiting
    github = FakeGitHub()
    server = serve(github)
    monkeypatch.setenv("GITHUB_API_URL", server.url)
    monkeypatch.setenv("GITHUB_TOKEN", "gh-token")
    first = o.sqmy("li-chu", "remind", "--github-repo", "county/office")
    assert first.exit_code == 0, first.output
    assert "新建 2 个，更新 0 个，关闭 0 个，未变 0 个" in first.stdout
    [office] = github.of("li-chu")
    assert office["title"] == "待办提醒：李初"
    assert office["labels"] == ["sqmy-remind"]
    assert "@sample-lichu" in office["body"]
    assert f"| {item} | 编入期刊 | 0 |  |" in office["body"]
    assert TITLE not in office["body"]

    again = o.sqmy("li-chu", "remind", "--github-repo", "county/office")
    assert "新建 0 个，更新 0 个，关闭 0 个，未变 2 个" in again.stdout  # safe to run twice
    assert len(github.of("li-chu")) == 1

    for route, to in (("直报", "市政协"), ("参阅", "县委办")):
        assert o.sqmy("li-chu", "record", item, "sent", "--route", route, "--to", to).exit_code == 0
    assert o.sqmy("li-chu", "record", item, "transfer", "--to", "xian-zhujianju").exit_code == 0
    assert o.sqmy("li-chu", "journal", "new", item).exit_code == 0
    done = o.sqmy("li-chu", "remind", "--github-repo", "county/office")
    assert "关闭 1 个" in done.stdout
    [office] = github.of("li-chu")
    assert office["state"] == "closed"
    assert "没有待办" in office["body"]

    before = len(server.seen)
    refused = o.sqmy("li-chu", "remind", "--github-repo", "county/office", "--internal")
    assert refused.exit_code != 0
    assert "这个仓库是公开的" in refused.stderr
    assert [s.method for s in server.seen[before:]] == ["GET"]  # refused before anything was written


def test_titles_reach_the_issues_of_a_private_repository_only_when_asked(waiting: tuple[Office, str], serve: Any,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    o, _ = waiting
    github = FakeGitHub(private=True)
    monkeypatch.setenv("GITHUB_API_URL", serve(github).url)
    monkeypatch.setenv("GITHUB_TOKEN", "gh-token")
    assert o.sqmy("li-chu", "remind", "--github-repo", "county/office", "--to", "li-chu", "--internal").exit_code == 0
    [office] = github.of("li-chu")
    assert TITLE in office["body"]
    assert github.of("zhang-wei") == []  # --to: only that person's issue
    missing = o.sqmy("li-chu", "remind", "--github-repo", "not a repo")
    assert missing.exit_code != 0
    assert "仓库名“not a repo”无效" in missing.stderr
