"""Reminders: per person, what waits for them and for how long (views.todo), as text, Markdown or
JSON; posted to a group robot (WeCom 企业微信, DingTalk 钉钉) and kept as one tracking issue per
person on GitHub, updated in place.

Items are internal by default, and a group chat or an issue of a public repository is a public
place: unless the caller says the place is internal (`internal=True`), a reminder carries ids,
a generic label of each step, days and counts, never a title, a unit or a leader.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import views
from .errors import SqmyError
from .items import Item
from .registry import Registry

# what a step is called where titles, units and leaders may not be shown
KIND_LABELS = {
    "submit": "完成并报送", "revise": "按意见修改", "expert": "联合复核", "reopen": "重新审核",
    "journal": "编入期刊", "transfer": "出具转办函", "transfer-due": "督办转办反馈", "instruction-due": "督办批示落实",
}
LABEL = "sqmy-remind"  # the label of the tracking issues
WEBHOOK_KINDS = ("wecom", "dingtalk")
MESSAGE_BYTES = 4000  # WeCom's markdown content holds 4096 bytes; DingTalk's is kept as short
IDS_PER_PERSON = 10  # in a group message, the ids listed for one person (the rest counted)
TIMEOUT = 20  # seconds for one HTTP request


@dataclass(frozen=True)
class Reminder:
    person: str
    name: str
    github: str | None
    rows: tuple[dict[str, Any], ...]  # views.todo rows, the longest waiting first

    @property
    def oldest(self) -> int:
        return max((r["days"] for r in self.rows), default=0)


def reminders(reg: Registry, items: list[Item], today: dt.date, only: str | None = None) -> list[Reminder]:
    """Everyone with something waiting (in the order of the people register), or only `only`, even with nothing."""
    if only is not None and only not in reg.people:
        raise SqmyError(f"“{only}”不在人员名册中")
    todo = views.todo(reg, items, today)
    chosen = [only] if only is not None else [p for p in reg.people if p in todo]
    return [Reminder(p, reg.people[p].name, reg.people[p].github, tuple(todo.get(p, ()))) for p in chosen]


def _label(row: Mapping[str, Any]) -> str:
    kind: str = row["kind"]
    if kind == "review":
        return str(row["action"])
    if kind == "send":
        return "报送参阅件" if row.get("route") == "参阅" else "报送直报"
    return KIND_LABELS.get(kind, kind)


def entries(rem: Reminder, internal: bool) -> list[dict[str, Any]]:
    """The rows as a reminder shows them: with the title and the full step only where the place is internal."""
    shown = []
    for r in rem.rows:
        entry = {"id": r["id"], "kind": r["kind"], "step": r["action"] if internal else _label(r), "days": r["days"],
                 "since": r["since"], "due": r["due"], "due_in_days": r["due_in_days"]}
        if internal:
            entry["title"] = r["title"]
        shown.append(entry)
    return shown


def to_json(rems: Iterable[Reminder], today: dt.date, internal: bool) -> list[dict[str, Any]]:
    return [{"person": r.person, "name": r.name, "date": today.isoformat(), "count": len(r.rows), "oldest_days": r.oldest,
             "items": entries(r, internal)} for r in rems]


def _due(e: Mapping[str, Any]) -> str:
    if e["due"] is None:
        return ""
    left = e["due_in_days"]
    return f"{e['due']}（" + (f"逾期 {-left} 天" if left < 0 else "今天到期" if left == 0 else f"还有 {left} 天") + "）"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, no column break, no markup taken as markup."""
    text = " ".join(str(text).split())
    for char in "\\|`*_[]<>#":
        text = text.replace(char, "\\" + char)
    return text.replace("@", "＠")  # no mention of whoever a title names


def headline(rem: Reminder, today: dt.date) -> str:
    if not rem.rows:
        return f"截至 {today}，没有等{rem.name}办理的事。"
    return f"截至 {today}，{rem.name}有 {len(rem.rows)} 件待办，最久的已等 {rem.oldest} 天。"


def markdown(rem: Reminder, today: dt.date, internal: bool) -> str:
    """One person's reminder in GitHub Markdown (the body of their tracking issue)."""
    lines = [headline(rem, today)]
    if rem.rows:
        head = ["编号", "待办", "已等天数", "期限"] + (["标题"] if internal else [])
        lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for e in entries(rem, internal):
            cells = [e["id"], e["step"], str(e["days"]), _due(e)] + ([e["title"]] if internal else [])
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if not internal:
        lines += ["", "（这里可能是公开场所：只列编号和天数。标题和详情请在本地运行 sqmy status --for 人员编号 查看。）"]
    return "\n".join(lines) + "\n"


def text(rem: Reminder, today: dt.date, internal: bool) -> str:
    """One person's reminder for a terminal."""
    lines = [f"{rem.name}（{rem.person}）：{headline(rem, today)}"]
    for e in entries(rem, internal):
        due = f"，期限 {_due(e)}" if e["due"] else ""
        title = f"  {e['title']}" if internal else ""
        lines.append(f"  {e['id']}  {e['step']}（已等 {e['days']} 天{due}）{title}")
    return "\n".join(lines) + "\n"


# --- group robots ----------------------------------------------------------------------------------


def group_lines(rems: Iterable[Reminder], today: dt.date, internal: bool) -> list[str]:
    """The lines of a group message: one per person, with ids (and titles only where internal)."""
    lines = []
    for rem in rems:
        if not rem.rows:
            continue
        shown = entries(rem, internal)[:IDS_PER_PERSON]
        parts = [f"{e['id']} {e['step']} {e['days']} 天" + (f"《{' '.join(e['title'].split())}》" if internal else "") for e in shown]
        more = f" 等 {len(rem.rows)} 件" if len(rem.rows) > len(shown) else ""
        lines.append(f"- **{rem.name}**：{len(rem.rows)} 件，最久 {rem.oldest} 天：{'；'.join(parts)}{more}")
    return lines


def messages(title: str, lines: list[str], limit: int = MESSAGE_BYTES) -> list[str]:
    """The Markdown texts to send, each within `limit` bytes: the lines split between messages, never inside one
    (a line too long on its own is cut)."""
    head = f"### {title}\n"
    if not lines:
        return [head + "\n目前没有待办。"]
    out, current = [], head
    for whole in lines:
        line = _cut(whole, limit - len(head.encode()) - 1)
        if len((current + "\n" + line).encode()) > limit and current != head:
            out.append(current)
            current = f"### {title}（续）\n"
        current += "\n" + line
    out.append(current)
    return out


def _cut(line: str, limit: int) -> str:
    data = line.encode()
    if len(data) <= limit:
        return line
    return data[: limit - len("…".encode())].decode("utf-8", "ignore") + "…"


def payload(kind: str, title: str, content: str) -> dict[str, Any]:
    """The robot's markdown message: WeCom {msgtype, markdown: {content}}, DingTalk {msgtype, markdown: {title, text}}."""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, Base64, URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def webhook_kind(url: str, kind: str | None) -> str:
    """The robot a URL belongs to: as given, or known by its host."""
    if kind:
        return kind
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "qyapi.weixin.qq.com":
        return "wecom"
    if host == "oapi.dingtalk.com":
        return "dingtalk"
    raise SqmyError("无法从地址判断机器人类别：请用 --webhook-kind 指明 wecom（企业微信）或 dingtalk（钉钉）")


def _checked_url(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise SqmyError("机器人地址应以 https:// 开头")
    if not parts.hostname:
        raise SqmyError("机器人地址无效：没有主机名")
    return parts


def send_webhook(url: str, kind: str, title: str, lines: list[str], secret: str | None = None) -> int:
    """Send the reminder to a group robot, split into messages within the size limit; the number of messages sent."""
    parts = _checked_url(url)
    if kind not in WEBHOOK_KINDS:
        raise SqmyError(f"机器人类别应为：{'、'.join(WEBHOOK_KINDS)}")
    if secret and kind != "dingtalk":
        raise SqmyError("只有钉钉机器人使用加签密钥（--webhook-secret）")
    host = parts.hostname
    sent = 0
    for content in messages(title, lines):
        target = url
        if secret:
            stamp = int(time.time() * 1000)
            target += ("&" if parts.query else "?") + f"timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"
        answer = _request("POST", target, payload(kind, title, content), {}, f"机器人（{host}）")
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            why = answer.get("errmsg") if isinstance(answer, dict) else answer
            code = answer.get("errcode") if isinstance(answer, dict) else None
            raise SqmyError(f"机器人（{host}）拒绝了第 {sent + 1} 条消息：错误码 {code}，{why}" + (f"；此前已发出 {sent} 条" if sent else ""))
        sent += 1
    return sent


def _request(method: str, url: str, body: Any, headers: Mapping[str, str], what: str) -> Any:
    """One JSON request; the answer as parsed JSON. Errors name `what` (never the URL: it may hold a key)."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise SqmyError(f"{what}返回 HTTP {exc.code}：{detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SqmyError(f"无法连接{what}：{reason}") from None
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise SqmyError(f"{what}的回答不是 JSON：{raw[:200].decode('utf-8', 'replace')}") from None


# --- tracking issues on GitHub ---------------------------------------------------------------------


def marker(person: str) -> str:
    """The hidden mark that finds a person's tracking issue again."""
    return f"<!-- {LABEL}: {person} -->"


@dataclass(frozen=True)
class Synced:
    created: int
    updated: int
    closed: int
    unchanged: int


class GitHub:
    """The few calls of GitHub's REST API the tracking issues need."""

    def __init__(self, api: str, repo: str, token: str) -> None:
        owner, _, name = repo.partition("/")
        if not owner or not name or "/" in name or not all(c.isalnum() or c in "-_." for c in owner + name):
            raise SqmyError(f"仓库名“{repo}”无效：应为 所有者/仓库名")
        if not token:
            raise SqmyError("缺少 GitHub 令牌：请设置环境变量 GITHUB_TOKEN")
        parts = urllib.parse.urlsplit(api)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise SqmyError("GitHub API 地址（GITHUB_API_URL）应以 https:// 开头")
        self.base = f"{api.rstrip('/')}/repos/{owner}/{name}"
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "sqmy-remind"}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return _request(method, self.base + path, body, self.headers, "GitHub")

    def private(self) -> bool:
        answer = self.call("GET", "")
        return isinstance(answer, dict) and answer.get("private") is True

    def tracking(self) -> list[dict[str, Any]]:
        """Every issue (open or closed) with the label, oldest first."""
        found: list[dict[str, Any]] = []
        for page in range(1, 100):
            batch = self.call("GET", f"/issues?labels={LABEL}&state=all&per_page=100&page={page}&sort=created&direction=asc")
            if not isinstance(batch, list):
                raise SqmyError("GitHub 的回答不是议题列表")
            found += [i for i in batch if isinstance(i, dict) and "pull_request" not in i]
            if len(batch) < 100:
                break
        return found


def sync_issues(gh: GitHub, rems: list[Reminder], today: dt.date, internal: bool, everyone: bool = True) -> Synced:
    """One open issue per person with something waiting, found again by its marker and updated in place; the issue of a
    person with nothing waiting is closed (only when `everyone` was reminded). Runs twice to the same result."""
    if internal and not gh.private():
        raise SqmyError("这个仓库是公开的：提醒议题中不能列出标题（去掉 --internal）")
    existing: dict[str, dict[str, Any]] = {}
    for issue in gh.tracking():
        body = issue.get("body") or ""
        for line in body.splitlines()[:1]:
            if line.startswith(f"<!-- {LABEL}: ") and line.endswith(" -->"):
                existing.setdefault(line[len(f"<!-- {LABEL}: "):-4], issue)
    counts = {"created": 0, "updated": 0, "closed": 0, "unchanged": 0}
    reminded = {r.person for r in rems}
    for rem in rems:
        body = f"{marker(rem.person)}\n" + (f"@{rem.github}\n\n" if rem.github and rem.rows else "") + markdown(rem, today, internal)
        want = {"title": f"待办提醒：{rem.name}", "body": body, "state": "open" if rem.rows else "closed"}
        found = existing.get(rem.person)
        if found is None:
            if rem.rows:
                gh.call("POST", "/issues", {"title": want["title"], "body": body, "labels": [LABEL]})
                counts["created"] += 1
            continue
        if all(found.get(k) == v for k, v in want.items()):
            counts["unchanged"] += 1
            continue
        gh.call("PATCH", f"/issues/{int(found['number'])}", want)
        counts["closed" if not rem.rows and found.get("state") != "closed" else "updated"] += 1
    if everyone:
        for person, issue in existing.items():
            if person in reminded or issue.get("state") == "closed":
                continue
            body = f"{marker(person)}\n截至 {today}，没有待办。\n"
            gh.call("PATCH", f"/issues/{int(issue['number'])}", {"body": body, "state": "closed"})
            counts["closed"] += 1
    return Synced(**counts)
