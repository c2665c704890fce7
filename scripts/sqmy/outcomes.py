"""Recording what happens after 审定: journal issues, adoptions, instructions,
transfers, feedback and problems solved.

Only a person with the office role records them, each as a commit of its
own; every value is checked before anything is written, and the files are
put back if the commit fails.  The audit then holds these commits to the
same rule (outcomes only by the office).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import journal as journal_mod
from . import registry as registry_mod
from . import schema
from . import status as status_mod  # status asks implemented() below: a module import works either way round
from .errors import Refused
from .frontmatter import FrontMatter
from .fsutil import write_text
from .items import Item
from .load import load_all, load_item
from .paths import Repo
from .protocol import commit_env, record_message
from .registry import Person, Registry

if TYPE_CHECKING:
    from .gitio import Git

KINDS = {**schema.RECORD_KINDS, "sent": "报送"}
IMPLEMENTED = "已落实"  # the feedback result that counts as 已落实
SENT_ROUTES = (schema.DIRECT, schema.REFERRAL)  # the routes whose sending is recorded (转办 has its letters)


def implemented(item: Item) -> bool:
    """已落实, the one rule `status` and `stats` share: a problem solved was recorded, or a transfer's
    or an instruction's feedback says 已落实."""
    if item.solved:
        return True
    feedbacks = (*(t.feedback for t in item.transfers), *(i.feedback for i in item.instructions))
    return any(fb is not None and fb.result == IMPLEMENTED for fb in feedbacks)


def reported(item: Item) -> bool:
    """已上报: a 直报 was recorded as sent, or the item was adopted above (it reached them)."""
    return bool(item.adoptions) or any(s.route == schema.DIRECT for s in item.sent)


def unsent(item: Item) -> list[str]:
    """The routes chosen at 审定 (直报, 参阅) with no sending recorded yet."""
    done = {s.route for s in item.sent}
    if item.adoptions:
        done.add(schema.DIRECT)
    return [r for r in item.routes if r in SENT_ROUTES and r not in done]


def _git(root: Path) -> Git:
    from .gitio import Git  # noqa: PLC0415 - status imports this module: GitPython only when recording
    return Git(root)


@dataclass(frozen=True)
class Recorded:
    sha: str
    items: tuple[Item, ...]
    summary: str


def _date(value: str | None, what: str, today: dt.date, default: dt.date | None = None) -> dt.date:
    if not value:
        if default is None:
            raise Refused("outcome-shape", f"请给出{what}（YYYY-MM-DD）")
        return default
    if not schema.is_date(value):
        raise Refused("outcome-shape", f"{what}“{value}”不是 YYYY-MM-DD 格式的真实日期")
    day = dt.date.fromisoformat(value)
    if day > today:
        raise Refused("outcome-shape", f"{what} {day} 晚于今天（{today}）")
    return day


def _choice(value: str | None, allowed: Sequence[str], what: str) -> str:
    if value is None or value not in allowed:
        raise Refused("outcome-shape", f"{what}应为：{'、'.join(allowed)}" + (f"（现在是“{value}”）" if value else ""))
    return value


def _approved(item: Item, today: dt.date) -> dt.date:
    """The day of 审定 通过; refuses an item that has not passed it."""
    day = status_mod.approved_on(item, today)
    if day is None:
        st = status_mod.derive(item, today)
        why = status_mod.explain(st)
        raise Refused("outcome-before-approval", f"信息 {item.id} 尚未审定通过（当前：{st.status}），不能记录办理结果" + (f"；{why}" if why else ""))
    return day


@dataclass
class _Session:
    """One recording: checks done, files edited in memory, then written and committed together."""

    repo: Repo
    git: Git
    reg: Registry
    today: dt.date
    clerk: Person

    def commit(self, edits: Mapping[Item, Callable[[FrontMatter], None]], subject: str, kind: str) -> Recorded:
        originals = {}
        for item in edits:
            if self.git.dirty(item.path):
                raise Refused("dirty", f"{item.path} 有未提交的修改：请先提交或撤销，再记录办理结果")
        for item, edit in edits.items():
            path = self.repo.root / item.path
            originals[path] = path.read_text("utf-8")
            fm = FrontMatter(originals[path])
            edit(fm)
            write_text(path, fm.text())
        try:
            updated = tuple(load_item(self.repo, self.reg, item.id, self.today) for item in edits)
            message = record_message(subject, [item.id for item in edits], kind, self.clerk.id)
            sha = self.git.commit_paths([item.path for item in edits], message, env=commit_env(self.today))
        except BaseException:
            for path, text in originals.items():
                write_text(path, text)
                self.git.unstage(self.repo.display(path))
            raise
        return Recorded(sha, updated, subject)


def _session(repo: Repo, today: dt.date, git: Git) -> _Session:
    reg, findings = registry_mod.load(repo)
    if any(f.severity == "error" for f in findings):
        raise Refused("registry", f"名册有错误，请先修正：{findings[0].text()}")
    return _Session(repo, git, reg, today, reg.office_member(git.author_email(), today, "办理结果只能由办公室人员记录", "outcome-not-office"))


def record(repo: Repo, item_id: str, kind: str, values: Mapping[str, Any], today: dt.date) -> Recorded:
    """Record one outcome of `kind` (see KINDS) for an approved item."""
    if kind not in KINDS:
        raise Refused("outcome-shape", f"办理结果的种类应为：{'、'.join(KINDS)}")
    with _git(repo.root) as git:
        s = _session(repo, today, git)
        item = load_item(repo, s.reg, item_id, today)
        approved_on = _approved(item, today)
        edit, subject = _RECORDERS[kind](s, item, values, approved_on)
        return s.commit({item: edit}, f"{subject}：{item.title}", kind)


Edit = tuple[Callable[[FrontMatter], None], str]


def _not_before(day: dt.date, floor: dt.date, what: str, since: str) -> None:
    if day < floor:
        raise Refused("outcome-shape", f"{what} {day} 早于{since} {floor}")


def _adoption(s: _Session, item: Item, v: Mapping[str, Any], approved_on: dt.date) -> Edit:
    level = _choice(v.get("level"), schema.ADOPTION_LEVELS, "采用层级（--level）")
    day = _date(v.get("date"), "采用日期（--date）", s.today)
    _not_before(day, approved_on, "采用日期", "审定日期")
    mode = _choice(v.get("mode") or "单篇采用", schema.enum("adoption_mode"), "采用方式（--mode）")
    if any(a.level == level and a.date == day and a.mode == mode for a in item.adoptions):
        raise Refused("duplicate", f"已经记录过 {day} 的{level}{mode}")
    entry = {"level": level, "date": day.isoformat(), "ref": v.get("ref") or None, "mode": mode}
    if v.get("update"):  # (sqmy pull-updates: the update it came from, so that it is recorded once)
        entry["update"] = v["update"]
    return (lambda fm: fm.append("adoptions", entry, before=("instructions", "transfers", "solved"))), f"记录采用（{level}，{mode}）"


def _instruction(s: _Session, item: Item, v: Mapping[str, Any], approved_on: dt.date) -> Edit:
    level = _choice(v.get("level"), schema.INSTRUCTION_LEVELS, "批示层级（--level）")
    leader = _choice(v.get("leader"), schema.LEADERS, "批示领导（--leader）")
    day = _date(v.get("date"), "批示日期（--date）", s.today)
    _not_before(day, approved_on, "批示日期", "审定日期")
    summary = (v.get("summary") or "").strip()
    if not summary:
        raise Refused("outcome-shape", "请写明批示摘要（--summary）")
    assigned = [s.reg.unit_named(unit, what="交办单位") for unit in v.get("assigned") or ()]  # id, full or short name
    entry = {"level": level, "leader": leader, "date": day.isoformat(), "summary": summary, "assigned": assigned or None}
    if v.get("update"):
        entry["update"] = v["update"]
    return (lambda fm: fm.append("instructions", entry, before=("transfers", "solved"))), f"记录批示（{level}{leader}）"


_LETTER = re.compile(r"〔(\d{4})〕(\d+)号$")


def next_letter(s: _Session, year: int) -> str:
    """The next 转办函 number of `year`, after every letter already in the repository."""
    loaded = load_all(s.repo, s.today)
    used = [int(m.group(2)) for i in loaded.items for t in i.transfers if (m := _LETTER.search(t.letter)) and int(m.group(1)) == year]
    return f"{s.reg.office.letter_prefix}〔{year}〕{max(used, default=0) + 1}号"


def _transfer(s: _Session, item: Item, v: Mapping[str, Any], approved_on: dt.date) -> Edit:
    if schema.TRANSFER not in item.routes:
        raise Refused("route-missing", "审定时没有选择“转办”渠道，不能记录转办")
    recipients = [u.id for u in s.reg.units.values() if u.kind in schema.TRANSFER_RECIPIENT_KINDS]
    try:
        to = s.reg.unit_named(v.get("to") or "", among=recipients, what="承办单位（--to）")  # id, full or short name
    except Refused as exc:
        if exc.rule != "unknown-unit":
            raise
        raise Refused("unknown-unit", f"承办单位（--to）应为名册中的部门或镇（办）：{'、'.join(recipients)}") from None
    day = _date(v.get("date"), "转办日期（--date）", s.today, default=s.today)
    _not_before(day, approved_on, "转办日期", "审定日期")
    due_text = v.get("due")
    due = dt.date.fromisoformat(due_text) if due_text and schema.is_date(due_text) else day + dt.timedelta(days=s.reg.office.transfer_due_days)
    if due_text and not schema.is_date(due_text):
        raise Refused("outcome-shape", f"反馈期限（--due）“{due_text}”不是 YYYY-MM-DD 格式的真实日期")
    _not_before(due, day, "反馈期限", "转办日期")
    letter = next_letter(s, day.year)
    transfers = [_transfer_dict(t) for t in item.transfers]
    transfers.append({"to": to, "date": day.isoformat(), "letter": letter, "due": due.isoformat()})
    unit = s.reg.units[to].name
    return (lambda fm: fm.set("transfers", transfers, after=("instructions", "adoptions", "journal", "routes"))), f"转办（{letter}，{unit}）"


def _transfer_dict(t: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"to": t.to, "date": t.date.isoformat(), "letter": t.letter or None, "due": t.due.isoformat()}
    if t.feedback:
        entry["feedback"] = {"date": t.feedback.date.isoformat(), "result": t.feedback.result, "summary": t.feedback.summary or None}
    return entry


def _instruction_dict(i: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"level": i.level, "leader": i.leader, "date": i.date.isoformat(), "summary": i.summary or None,
                             "assigned": list(i.assigned) or None}
    if i.feedback:
        entry["feedback"] = {"date": i.feedback.date.isoformat(), "result": i.feedback.result, "summary": i.feedback.summary or None}
    return entry


def _feedback(s: _Session, item: Item, v: Mapping[str, Any], approved_on: dt.date) -> Edit:
    result = _choice(v.get("result"), schema.FEEDBACK_RESULTS, "办理结果（--result）")
    day = _date(v.get("date"), "反馈日期（--date）", s.today)
    summary = (v.get("summary") or "").strip() or None
    feedback = {"date": day.isoformat(), "result": result, "summary": summary}
    if v.get("instruction"):
        number = int(v["instruction"])
        if not 1 <= number <= len(item.instructions):
            raise Refused("outcome-shape", f"该信息有 {len(item.instructions)} 条批示，--instruction 应在 1 到 {len(item.instructions)} 之间")
        target = item.instructions[number - 1]
        _not_before(day, target.date, "反馈日期", "批示日期")
        entries = [_instruction_dict(i) for i in item.instructions]
        entries[number - 1]["feedback"] = feedback
        return (lambda fm: fm.set("instructions", entries)), f"记录批示落实情况（{result}）"
    to = v.get("to") or None
    if to is not None and to not in {t.to for t in item.transfers}:  # by full or short name
        to = s.reg.unit_named(to, among={t.to for t in item.transfers}, what="承办单位（--to）")
    open_ones = [i for i, t in enumerate(item.transfers) if to in (None, t.to)]
    if to is None:
        open_ones = [i for i in open_ones if item.transfers[i].feedback is None]
    if not item.transfers:
        raise Refused("outcome-shape", "该信息没有转办记录；批示的落实情况请用 --instruction 指明第几条批示")
    if len(open_ones) != 1:
        raise Refused("outcome-shape", "请用 --to 指明是哪个承办单位的反馈" if open_ones else "没有待反馈的转办")
    index = open_ones[0]
    _not_before(day, item.transfers[index].date, "反馈日期", "转办日期")
    transfers = [_transfer_dict(t) for t in item.transfers]
    transfers[index]["feedback"] = feedback
    unit = s.reg.units[item.transfers[index].to].name if item.transfers[index].to in s.reg.units else item.transfers[index].to
    return (lambda fm: fm.set("transfers", transfers)), f"记录反馈（{unit}，{result}）"


def _solved(s: _Session, item: Item, v: Mapping[str, Any], approved_on: dt.date) -> Edit:
    day = _date(v.get("date"), "解决日期（--date）", s.today)
    _not_before(day, approved_on, "解决日期", "审定日期")
    summary = (v.get("summary") or "").strip()
    if not summary:
        raise Refused("outcome-shape", "请写明解决了什么问题（--summary）")
    entry = {"date": day.isoformat(), "summary": summary}
    return (lambda fm: fm.append("solved", entry)), "记录推动解决的问题"


def _sent(s: _Session, item: Item, v: Mapping[str, Any], approved_on: dt.date) -> Edit:
    route = _choice(v.get("route"), SENT_ROUTES, "报送渠道（--route）")
    if route not in item.routes:
        raise Refused("route-missing", f"审定时没有选择“{route}”渠道，不能记录{route}的报送")
    to = " ".join((v.get("to") or "").split())  # one line: it is shown in tables and on the item page
    if not to:
        raise Refused("outcome-shape", "请写明报送给谁（--to），如“市政协办公室”")
    if len(to) > 100:
        raise Refused("outcome-shape", f"报送对象（--to）最多 100 个字，现在 {len(to)} 个字")
    day = _date(v.get("date"), "报送日期（--date）", s.today, default=s.today)
    _not_before(day, approved_on, "报送日期", "审定日期")
    if any(x.route == route and x.to == to and x.date == day for x in item.sent):
        raise Refused("duplicate", f"已经记录过 {day} 向{to}报送{route}")
    entry = {"route": route, "to": to, "date": day.isoformat()}
    what = "参阅件" if route == schema.REFERRAL else route
    return (lambda fm: fm.append("sent", entry, before=("adoptions", "instructions", "transfers", "solved"))), f"记录{what}已报送（{to}）"


_RECORDERS: dict[str, Callable[[_Session, Item, Mapping[str, Any], dt.date], Edit]] = {
    "adoption": _adoption, "instruction": _instruction, "transfer": _transfer, "feedback": _feedback, "solved": _solved,
    "sent": _sent,
}


# --- the county journal --------------------------------------------------------------


def issues(repo: Repo, today: dt.date, year: int) -> dict[int, list[Item]]:
    """The journal issues of `year`: number -> items in it."""
    return journal_mod.of_year(load_all(repo, today).items, year)


def journal(repo: Repo, item_ids: Sequence[str], today: dt.date, year: int | None = None, issue: int | None = None) -> tuple[int, Recorded]:
    """Put approved items into a journal issue: a new one (the year's next number) or `issue`."""
    year = year or today.year
    if not item_ids:
        raise Refused("outcome-shape", "请列出要编入本期的信息编号")
    with _git(repo.root) as git:
        s = _session(repo, today, git)
        existing = issues(repo, today, year)
        if issue is None:
            issue = journal_mod.next_number(existing)
            token = journal_mod.new_token()
        elif issue not in existing:
            raise Refused("outcome-shape", f"{year}年第{issue}期还没有开设：新开一期请不要给 --issue")
        else:
            tokens = {i.journal.token for i in existing[issue] if i.journal}
            if len(tokens) > 1:
                raise Refused("journal-collision", f"{year}年第{issue}期有两组分别编入的信息：请先用 sqmy journal renumber 处理，再编入")
            token = tokens.pop()
        items = []
        for item_id in dict.fromkeys(item_ids):
            item = load_item(repo, s.reg, item_id, today)
            _approved(item, today)
            if item.journal is not None:
                raise Refused("duplicate", f"信息 {item_id} 已编入{item.journal.year}年第{item.journal.issue}期")
            items.append(item)
        value: dict[str, object] = {"year": year, "issue": issue}
        if token:
            value["token"] = token
        edits = {item: (lambda fm: fm.set("journal", value, after=("routes", "reviews"))) for item in items}
        title = s.reg.office.journal_title
        done = s.commit(edits, f"编入{journal_mod.label(title, year, issue)}（{len(items)} 条）", "journal")
        return issue, done


def renumber(repo: Repo, year: int, issue: int, token: str, today: dt.date) -> tuple[int, Recorded]:
    """Move the items of issue `issue` marked `token` to the year's next free number (a collision of two branches)."""
    with _git(repo.root) as git:
        s = _session(repo, today, git)
        existing = issues(repo, today, year)
        members = [i for i in existing.get(issue, []) if i.journal and i.journal.token == token]
        if not members:
            marks = "、".join(sorted({i.journal.token or "（无标记）" for i in existing.get(issue, []) if i.journal})) or "（本期没有信息）"
            raise Refused("outcome-shape", f"{year}年第{issue}期没有标记为“{token}”的信息；本期的标记：{marks}")
        if len(members) == len(existing[issue]):
            raise Refused("outcome-shape", f"{year}年第{issue}期只有这一组信息，不需要改期号")
        target = journal_mod.next_number(existing)
        value = {"year": year, "issue": target, "token": token}
        edits = {item: (lambda fm: fm.set("journal", value, after=("routes", "reviews"))) for item in members}
        title = s.reg.office.journal_title
        done = s.commit(edits, f"{journal_mod.label(title, year, issue)}重号：标记 {token} 的 {len(members)} 条信息改为第{target}期", "journal")
        return target, done
