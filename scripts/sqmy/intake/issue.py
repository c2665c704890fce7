"""`sqmy intake`: a report submitted through the issue form 提交社情民意信息 becomes an item on a branch of its own.

A workflow runs it on a new, edited or closed issue (the forge's `issues`
event payload: GitHub's, or Gitea's / Forgejo's IssuePayload of
modules/structs/hook.go).  The form's answers are read back from the issue
body as GitHub and Gitea render a form (`### 标签`, the value, `_No response_`
when empty; Gitea: modules/issue/template/template.go RenderToMarkdown), by the
labels of issueform.py.  Names are matched against the registry as `sqmy import`
matches them; the body comes from the attached Word file when the workflow
downloaded one (`--attachment`: sqmy never fetches a URL written in an issue),
through the same reading as `sqmy import`.

The item is written by the writer of `sqmy new` in a worktree of the branch
`intake/issue-<number>` (made from the checked-out base branch), checked like
every item, and committed there alone: the working tree of the checkout is
not touched, except units/people.yml when the form gives a phone the registry
lacks (as `sqmy import` does).  That change is never committed by the intake:
`sqmy audit` accepts registry changes only from the office, in commits of their
own, and a pull request mixing them with reviews is refused.

Running it twice changes nothing; an edit of the issue rewrites the item in a
new commit only while no review has been recorded; a closed issue asks the
workflow to close the pull request (and delete the branch when nobody reviewed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import issueform, likeness, personal, schema, yamlsrc
from .. import registry as registry_mod
from ..errors import SqmyError
from ..findings import ERROR, has_errors
from ..gitio import Git
from ..load import check_item
from ..paths import Repo
from ..registry import Registry
from ..validate import Context
from . import new as newitem
from .body import clean_markdown, strip_personal
from .matching import Names, match_unit
from .roster import add_phone

BRANCH_PREFIX = "intake/issue-"
TRAILER = "Intake-Issue"
NO_RESPONSE = "_No response_"
DEFAULT_BOT_EMAIL = "sqmy-bridge@users.noreply.github.com"
ACTIONS = ("opened", "edited", "closed")
FORGES = ("github", "gitea", "forgejo")
_LABELS = (issueform.TITLE, issueform.REPORTERS, issueform.UNIT, issueform.CATEGORY, issueform.FOCUS, issueform.KEY_TOPIC,
           issueform.SOURCE, issueform.PHONE, issueform.BODY, issueform.WORD)
_REQUIRED = (issueform.TITLE, issueform.REPORTERS, issueform.UNIT)  # headings that make an issue one of the form's
_HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*$")
_SEPARATORS = re.compile(r"[、，,；;\s]+")
_KEY_TOPIC = re.compile(r"（([a-z0-9][a-z0-9-]*)）\s*$")
_DOCX_LINK = re.compile(r"\((https?://[^\s)]+\.docx)\)", re.I)


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    login: str
    url: str
    state: str
    action: str
    forge: str
    assets: tuple[str, ...] = ()  # names of Gitea's attachments


@dataclass
class Outcome:
    """What `sqmy intake` says: for the workflow (JSON) and for people (the reply)."""

    issue: int
    action: str
    branch: str
    item: str | None = None
    title: str = ""
    pr_title: str = ""
    pr_body: str = ""
    reply: str = ""
    problems: list[str] = field(default_factory=list)
    similar: list[dict[str, Any]] = field(default_factory=list)
    changed: bool = False
    reviewed: bool = False
    close_pr: bool = False
    delete_branch: bool = False
    registry: list[str] = field(default_factory=list)  # files of the checkout changed for the office to commit
    office: list[str] = field(default_factory=list)  # notes for the office (no personal data)

    def to_json(self) -> dict[str, Any]:
        return {
            "issue": self.issue, "action": self.action, "branch": self.branch, "item": self.item, "title": self.title,
            "pr_title": self.pr_title, "pr_body": self.pr_body, "reply": self.reply, "problems": self.problems,
            "similar": self.similar, "changed": self.changed, "reviewed": self.reviewed, "close_pr": self.close_pr,
            "delete_branch": self.delete_branch, "registry": self.registry, "office": self.office,
        }


# --- the event --------------------------------------------------------------------------------------------------


def read_event(path: Path, forge: str, action: str | None) -> Issue:
    """The issue of an `issues` event payload (GitHub, or Gitea/Forgejo IssuePayload); a bare issue object (the REST
    API's) is accepted too.  Bad input is a SqmyError naming the file and the field."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SqmyError(f"无法读取 {path}：{exc.strerror or exc}") from None
    if len(raw) > 4 * 1024 * 1024:
        raise SqmyError(f"{path} 太大（超过 4 MB），不像议题事件")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"第 {exc.lineno} 行" if isinstance(exc, json.JSONDecodeError) else ""
        raise SqmyError(f"{path}{where}：不是 JSON 格式的议题事件") from None
    if not isinstance(data, dict):
        raise SqmyError(f"{path}：不是 JSON 对象")
    found = data.get("issue")
    issue: dict[str, Any] = found if isinstance(found, dict) else data
    if not isinstance(issue.get("number"), int) or isinstance(issue.get("number"), bool) or issue["number"] <= 0:
        raise SqmyError(f"{path}：缺少字段 issue.number（议题编号）")
    if data.get("pull_request") or issue.get("pull_request"):
        raise SqmyError(f"{path}：这是拉取请求，不是议题")
    act = action or data.get("action") or "opened"
    if act not in ACTIONS:
        raise SqmyError(f"{path}：事件 action 为“{act}”，sqmy intake 只处理 {'、'.join(ACTIONS)}")
    user: dict[str, Any] = issue["user"] if isinstance(issue.get("user"), dict) else {}
    assets: list[Any] = issue["assets"] if isinstance(issue.get("assets"), list) else []
    return Issue(
        number=issue["number"], title=_text(issue.get("title")), body=_text(issue.get("body")).replace("\r\n", "\n"),
        login=_text(user.get("login")), url=_text(issue.get("html_url")), state=_text(issue.get("state")) or "open",
        action=act, forge=forge, assets=tuple(_text(a.get("name")) for a in assets if isinstance(a, dict)),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_form(body: str) -> dict[str, str] | None:
    """The form's answers by label, or None when the body is not the form's.  The forge writes the sections in the
    form's order, the member's text inside them: a label opens a section only after the one before it, each once, and
    a section after 正文 opens at the last heading of its label, so a `###` heading a member writes in the body (even
    one named like a later field) stays part of the body."""
    lines = body.split("\n")
    headings = [(n, m.group(1)) for n, line in enumerate(lines) if (m := _HEADING.match(line)) and m.group(1) in _LABELS]
    after_body = _LABELS[_LABELS.index(issueform.BODY) + 1:]
    starts: dict[str, int] = {}
    for n, label in headings:  # forward, in the form's order, up to 正文
        if label in after_body or label in starts or any(_LABELS.index(label) < _LABELS.index(seen) for seen in starts):
            continue
        starts[label] = n
    floor = starts.get(issueform.BODY, max(starts.values(), default=-1))
    for label in after_body:  # the fields after the member's text: their last heading
        found = [n for n, lab in headings if lab == label and n > floor]
        if found:
            starts[label] = floor = found[-1]
    order = sorted(starts.items(), key=lambda kv: kv[1])
    sections = {label: lines[n + 1:(order[i + 1][1] if i + 1 < len(order) else len(lines))] for i, (label, n) in enumerate(order)}
    if not all(label in sections for label in _REQUIRED):
        return None
    answers = {}
    for label, lines in sections.items():
        value = "\n".join(lines).strip()
        answers[label] = "" if value == NO_RESPONSE else value
    return answers


# --- the form's answers against the registry ---------------------------------------------------------------------


@dataclass
class Answers:
    title: str
    authors: tuple[str, ...]
    unit: str
    category: str
    focus: str
    source: str
    key_topic: str | None
    phone: str | None
    body: str
    word_link: bool


def resolve(reg: Registry, form: dict[str, str], year: int, problems: list[str]) -> Answers:
    """The answers as registry ids; what does not match is a problem in plain Chinese (appended to `problems`)."""
    names = Names(reg)
    written = [n for n in _SEPARATORS.split(form.get(issueform.REPORTERS, "")) if n]
    unit_text = form.get(issueform.UNIT, "")
    units = match_unit(reg, unit_text) if unit_text else []
    unit = units[0].id if len(units) == 1 else ""
    if not unit_text:
        problems.append(f"没有填写“{issueform.UNIT}”")
    elif not units:
        problems.append(f"报送单位“{unit_text}”不在单位名册中：请在下拉列表中选择")
    elif len(units) > 1:
        problems.append(f"报送单位“{unit_text}”可能是 {'、'.join(u.name for u in units)}：请在下拉列表中选择")
    authors: list[str] = []
    if not written:
        problems.append(f"没有填写“{issueform.REPORTERS}”")
    for name in written:
        ids = [name] if name in reg.people else names.ids(name)
        if len(ids) > 1 and unit:
            ids = [i for i in ids if reg.people[i].unit == unit] or ids
        if not ids:
            problems.append(f"反映人“{name}”不在委员名册中：请核对姓名是否与名册一致；如是新的反映人，请先请办公室把您登记到名册，"
                            "登记后编辑本议题（不用改内容，保存一次即可）重新提交")
        elif len(ids) > 1:
            problems.append(f"名册中有 {len(ids)} 位“{name}”，无法确定是哪一位：请在姓名后写上名册中的编号（{'、'.join(ids)}）")
        elif ids[0] not in authors:
            authors.append(ids[0])
    category = form.get(issueform.CATEGORY, "")
    if category not in reg.categories:
        problems.append(f"选题类别“{category}”不在清单中：请在下拉列表中选择" if category else f"没有选择“{issueform.CATEGORY}”")
    focus = form.get(issueform.FOCUS, "")
    if focus not in reg.focuses:
        problems.append(f"选题重点“{focus}”不在清单中：请在下拉列表中选择" if focus else f"没有选择“{issueform.FOCUS}”")
    source = form.get(issueform.SOURCE, "") or "委员调研"
    if source not in schema.SOURCES:
        problems.append(f"信息来源“{source}”不是可选的来源：{'、'.join(schema.SOURCES)}")
    key_topic = None
    topic_text = form.get(issueform.KEY_TOPIC, "")
    if topic_text and topic_text not in (issueform.NO_KEY_TOPIC, "None"):
        match = _KEY_TOPIC.search(topic_text)
        topics = reg.key_topics.get(year, {})
        if match and match.group(1) in topics:
            key_topic = match.group(1)
        else:
            problems.append(f"年度重点选题“{topic_text}”不在{year}年的清单中：请在下拉列表中选择")
    phone_text = form.get(issueform.PHONE, "")
    phones = [personal.canonical(m) for m in personal.find(phone_text) if m.kind in (personal.MOBILE, personal.LANDLINE)]
    if phone_text and not phones:
        problems.append("联系电话不像电话号码：手机号码写 11 位数字，固定电话写区号和号码（如 0571-87654321），也可以不填")
    word = form.get(issueform.WORD, "")
    return Answers(form.get(issueform.TITLE, "").strip(), tuple(authors), unit, category, focus, source, key_topic,
                   phones[0] if phones else None, form.get(issueform.BODY, ""), bool(_DOCX_LINK.search(word)))


def _body(answers: Answers, attachment: Path | None, reg: Registry, problems: list[str], notes: list[str]) -> tuple[str, str]:
    """(title, body) with phone and ID numbers removed: the body from the Word file when there is one, else the form's."""
    title, body = answers.title, answers.body
    if attachment is not None:
        from .word import convert_body, read_submission  # noqa: PLC0415 - python-docx and pandoc only when a file came

        if attachment.suffix.lower() != ".docx":
            problems.append("附件不是 .docx 格式的 Word 文件：请另存为 .docx 后重新上传（旧版 .doc 不能读取）")
            return title, ""
        try:
            sub = read_submission(attachment, reg)
            markdown, warnings = clean_markdown(convert_body(sub))
        except SqmyError as exc:
            problems.append(f"Word 文件无法读取：{exc.message}")
            return title, ""
        notes.extend(warnings)
        body = markdown
        title = title or sub.title
        notes.append("正文取自上传的 Word 文件")
    elif body.strip():
        body, warnings = clean_markdown(body)  # 一、… and （一）… as in an imported file; no images or raw HTML attributes
        notes.extend(warnings)
    if attachment is None and answers.word_link:
        if body.strip():
            notes.append("表单中附的 Word 文件没有取得（只读取本平台上传的附件），正文取自表单")
        else:
            problems.append("表单中附的 Word 文件没有取得，正文一栏又是空的：请在本平台重新上传 .docx 文件，或把正文粘贴到“正文”一栏")
    body, removed = strip_personal(body)
    title, removed_title = strip_personal(title)
    if removed or removed_title:
        notes.append("正文中的电话号码、身份证号码已删除（联系方式只登记在内部名册中）")
    if not title:
        problems.append(f"没有填写“{issueform.TITLE}”")
    if not body.strip() and not problems:
        problems.append("没有正文：请在“正文”一栏填写，或上传 Word 文件")
    return title, body


# --- the branch ---------------------------------------------------------------------------------------------------


@dataclass
class _Branch:
    exists: bool
    path: str | None = None  # the item's path on the branch (relative)
    reviewed: bool = False
    foreign: bool = False  # commits on it not made by the intake
    merged: bool = False  # already in the base branch
    submitted: dt.date | None = None


def _branch_state(git: Git, branch: str, base: str, number: int) -> _Branch:
    try:
        git.run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
    except SqmyError:
        return _Branch(False)
    state = _Branch(True)
    if git.is_ancestor(f"refs/heads/{branch}", base):
        state.merged = True
        return state
    log = git.run("log", "--format=%H%x00%(trailers:key=" + TRAILER + ",valueonly,separator=%x2C)", f"{base}..{branch}")
    for line in log.splitlines():
        if not line.strip():
            continue
        _, _, trailer = line.partition("\0")
        if trailer.strip() != str(number):
            state.foreign = True
    changed = [p for p in git.run("diff", "--name-only", "--no-renames", f"{base}...{branch}", "--", "items/").split() if p.endswith(".md")]
    if changed:
        state.path = changed[0]
        sha = git.object_id(f"{branch}:{state.path}")
        if sha:
            split = yamlsrc.split_front_matter(yamlsrc.decode(git.blob(sha)))
            data = yamlsrc.load(split.front).data if split.front is not None else None
            if isinstance(data, dict):
                state.reviewed = bool(data.get("reviews"))
                submitted = data.get("submitted")
                state.submitted = submitted if isinstance(submitted, dt.date) else None
    return state


def _identity(reg: Registry) -> dict[str, str]:
    """The commit is the bridge's, author and committer: the bot made it (the reporters are the item's `authors`, and the
    issue names who asked). A commit in a reporter's name would claim what they did not do, and could never carry
    their signature where the office requires signed commits; the bridge's signs with its own key."""
    bot_name, bot_email = reg.office.bridge_name or "sqmy-bridge", reg.office.bridge_email or DEFAULT_BOT_EMAIL
    return {"GIT_AUTHOR_NAME": bot_name, "GIT_AUTHOR_EMAIL": bot_email, "GIT_COMMITTER_NAME": bot_name, "GIT_COMMITTER_EMAIL": bot_email}


# --- the whole run ------------------------------------------------------------------------------------------------


def run(repo: Repo, event: Path, action: str | None, attachment: Path | None, forge: str, today: dt.date) -> Outcome:
    issue = read_event(event, forge, action)
    form = parse_form(issue.body)
    if form is None:
        raise SqmyError(f"议题 #{issue.number} 不是用“{issueform.FORM_NAME}”表单提交的（没有“{issueform.TITLE}”“{issueform.REPORTERS}”"
                        f"“{issueform.UNIT}”等栏目），sqmy intake 不处理")
    branch = f"{BRANCH_PREFIX}{issue.number}"
    out = Outcome(issue.number, issue.action, branch)
    reg, _ = registry_mod.load(repo)
    with Git(repo.root) as git:
        base = git.head()
        if not base:
            raise SqmyError(f"{repo.root} 不是有提交的 Git 仓库：请在信息库的检出中运行")
        state = _branch_state(git, branch, base, issue.number)
        out.reviewed = state.reviewed or state.foreign or state.merged
        if state.path:
            out.item = Path(state.path).stem
        if issue.action == "closed":
            return _closed(out, state)
        if state.merged:
            out.reply = "这条信息已经审核并合并，本议题的修改不会再写入。需要补充或更正的，请联系办公室。"
            return out
        if state.exists and out.reviewed:
            why = "已进入审核" if state.reviewed else "的分支上已有其他人的修改"
            out.reply = (f"这条信息（{out.item}）{why}，本议题的修改不会再自动写入。需要修改的，请在拉取请求中评论说明，"
                         "或请办公室、初审人员协助修改。")
            return out
        return _write(repo, git, reg, issue, form, state, out, attachment, today)


def _closed(out: Outcome, state: _Branch) -> Outcome:
    if not state.exists:
        out.reply = "议题已关闭，没有待审核的信息。"
        return out
    out.close_pr = not state.merged
    out.delete_branch = not out.reviewed
    if state.merged:
        out.reply = "议题已关闭。这条信息已经审核并合并，不受影响。"
        return out
    out.reply = ("议题已关闭，对应的拉取请求随之关闭" + ("，分支已删除。" if out.delete_branch else "；信息已有审核记录，分支保留备查。")
                 + "如需重新提交，请重新打开本议题并编辑保存一次，或新建一个议题。")
    return out


def _write(repo: Repo, git: Git, reg: Registry, issue: Issue, form: dict[str, str], state: _Branch, out: Outcome,
           attachment: Path | None, today: dt.date) -> Outcome:
    day = state.submitted or today
    notes: list[str] = []
    answers = resolve(reg, form, day.year, out.problems)
    answers.word_link = answers.word_link or any(name.lower().endswith(".docx") for name in issue.assets)  # Gitea's attachments
    title, body = _body(answers, attachment, reg, out.problems, notes)
    if out.problems:
        out.reply = _problem_reply(out.problems)
        return out
    spec = newitem.NewItem(title, answers.authors, answers.unit, answers.category, answers.focus, answers.source,
                           schema.INTERNAL, answers.key_topic, False)
    work = Path(tempfile.mkdtemp(prefix="sqmy-intake-"))
    made_branch = False
    try:
        tree = work / "tree"
        if state.exists:
            git.run("worktree", "add", "--quiet", str(tree), out.branch)
        else:
            git.run("worktree", "add", "--quiet", "-b", out.branch, str(tree), "HEAD")
            made_branch = True
        wt = Repo(tree.resolve(), rules=repo.rules_root.resolve())
        old_text = None
        item_id = None
        if state.path:
            old = tree / state.path
            old_text = old.read_text("utf-8")
            item_id = old.stem
            old.unlink()
        try:
            path = newitem.write(wt, reg, spec, day, body, item_id)
        except SqmyError as exc:
            out.problems.append(exc.message)
            out.reply = _problem_reply(out.problems)
            return out
        _, findings = check_item(Context(wt, reg, today), path)
        if has_errors(findings):
            out.problems.extend(f"信息未通过检查：{f.message}" for f in findings if f.severity == ERROR)
            out.reply = _problem_reply(out.problems)
            return out
        relative = path.relative_to(tree).as_posix()
        out.item, out.title = path.stem, title
        if path.read_text("utf-8") != old_text:
            message = f"{'修改' if state.path else '新信息'}（表单提交，议题 #{issue.number}）：{title}\n\n{TRAILER}: {issue.number}\n"
            git_wt = Git(tree)
            try:
                git_wt.commit_paths([relative, *([state.path] if state.path and state.path != relative else [])], message,
                                    env=_identity(reg))
            finally:
                git_wt.close()
            out.changed = True
            made_branch = False  # committed: the branch stays
        found = _similar(repo, reg, out.item, title, body, today)
        out.similar = found
        _phone(repo, reg, answers, out)
        out.pr_title = f"社情民意信息：{title}"
        out.pr_body = _pr_body(reg, issue, answers, relative, found, [*notes, _account(reg, issue, answers)], out.office)
        out.reply = _reply(reg, answers, out, found, notes, existed=state.exists)
        return out
    finally:
        with contextlib.suppress(SqmyError):
            git.run("worktree", "remove", "--force", str(work / "tree"))
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(SqmyError):
            git.run("worktree", "prune")
        if made_branch:  # nothing was committed: no branch left behind
            with contextlib.suppress(SqmyError):
                git.run("branch", "-D", out.branch)


def _similar(repo: Repo, reg: Registry, item_id: str, title: str, body: str, today: dt.date) -> list[dict[str, Any]]:
    """查重 against the archive and lists of the trusted checkout (`--rules-from`, else this one)."""
    try:
        return likeness.brief(repo, reg, likeness.archive(repo, today), item_id, title, body, today)
    except SqmyError:
        return []


def _phone(repo: Repo, reg: Registry, answers: Answers, out: Outcome) -> None:
    """The form's phone goes to units/people.yml of this checkout (the first reporter's entry), never into the item,
    the pull request or the reply; the office commits it on its own, as after `sqmy import`."""
    if answers.phone is None:
        return
    person = reg.people[answers.authors[0]]
    masked = personal.mask_number(answers.phone)
    if person.phone:
        if personal.digits(person.phone) != personal.digits(answers.phone):
            out.office.append(f"表单中{person.name}的联系电话（{masked}）与名册登记的不同；名册未修改，如需更新请办公室修改 units/people.yml")
        return
    path = repo.root / "units" / "people.yml"
    try:
        raw = registry_mod.FolderSource(path.parent, repo.display).read(path.name)
    except (registry_mod.NotRegular, ValueError, OSError):
        raw = None
    if raw is None:
        out.office.append("units/people.yml 不是可以读取的普通文件，联系电话未登记")
        return
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = add_phone(raw.decode("utf-8-sig"), person.id, answers.phone)
    except SqmyError as exc:
        out.office.append(exc.message)
        return
    from ..fsutil import write_text  # noqa: PLC0415

    write_text(path, ("\ufeff" if bom else "") + text)
    out.registry.append("units/people.yml")
    out.office.append(f"表单中有{person.name}的联系电话（{masked}），名册中还没有：请办公室在议题 #{out.issue} 中查看完整号码，核实后登记到"
                      " units/people.yml 并单独提交（名册的修改不能和信息放在同一个提交或拉取请求里；在本机运行 sqmy intake 时已写入检出的"
                      " units/people.yml）")


def _names(reg: Registry, authors: tuple[str, ...]) -> str:
    return "、".join(reg.people[a].name for a in authors)


def _similar_lines(found: list[dict[str, Any]]) -> list[str]:
    lines = []
    for f in found:
        if f["score"] is not None and f["verdict"] != likeness.TITLE_ONLY:
            lines.append(f"- 【{f['verdict']}】{f['label']}《{f['title']}》（{f['source_name']}，得分 {f['score']:.2f}）")
        else:
            lines.append(f"- 【{f['verdict']}】{f['label']}《{f['title']}》（{f['source_name']}，题目相近度 {f['title_ratio']:.0f}）")
    return lines


def _reply(reg: Registry, answers: Answers, out: Outcome, found: list[dict[str, Any]], notes: list[str], *, existed: bool) -> str:
    if existed and not out.changed:
        head = f"这条信息（{out.item}）已经整理好，表单内容与上次相同，没有新的修改。"
    elif existed:
        head = f"已按修改后的表单更新信息 {out.item}《{out.title}》，等待初审。"
    else:
        head = f"已收到，整理为信息 {out.item}《{out.title}》，等待初审。"
    lines = [head, "", f"反映人：{_names(reg, answers.authors)}；报送单位：{reg.units[answers.unit].name}；"
             f"选题：{answers.category}、{answers.focus}"]
    lines += [f"说明：{n}" for n in notes]
    if found:
        lines += ["", "查重（供审核参考）：", *_similar_lines(found)]
        if any(f["verdict"] == "疑似重复" for f in found):
            lines.append("有疑似重复的信息：请看看是否已经有人反映过同一问题，必要时另选角度；审核人通过时须写明查重结论。")
    else:
        lines += ["", "查重：没有发现相似的信息。"]
    lines += ["", "审核开始前，编辑本议题即可修改；审核开始后，请在拉取请求中说明要修改的地方。"]
    return "\n".join(lines)


def _problem_reply(problems: list[str]) -> str:
    lines = ["信息还没有整理成功，请按下面的说明修改后，编辑本议题重新提交（保存后会自动重新处理）：", ""]
    lines += [f"{n}. {p}" for n, p in enumerate(problems, 1)]
    return "\n".join(lines)


def _account(reg: Registry, issue: Issue, answers: Answers) -> str:
    """Who submitted the form, as the forge knows them, against the registry: anyone who can open an issue can name
    any member as 反映人, so the first reviewer is told when the account is not the reporter's."""
    person = reg.person_by_login(issue.forge, issue.login) if issue.login else None
    if person is None:
        field = "github" if issue.forge == "github" else "gitea"
        return f"提交账号 {issue.login or '（未知）'} 不在名册中（名册的 {field} 账号）：请初审人员向反映人核实"
    if person.id in answers.authors:
        return f"提交账号 {issue.login} 是反映人 {person.name} 本人"
    return f"提交账号 {issue.login} 是名册中的 {person.name}，不是反映人本人（代为提交）：请初审人员向反映人核实"


def _pr_body(reg: Registry, issue: Issue, answers: Answers, path: str, found: list[dict[str, Any]], notes: list[str],
             office: list[str]) -> str:
    unit = reg.units[answers.unit]
    lines = [
        f"由表单提交（议题 #{issue.number}{'，' + issue.login if issue.login else ''}），sqmy intake 整理。",
        "",
        f"- 信息：`{path}`",
        f"- 反映人：{_names(reg, answers.authors)}",
        f"- 报送单位：{unit.name}",
        f"- 选题：{answers.category}、{answers.focus}" + (f"；年度重点选题 {answers.key_topic}" if answers.key_topic else ""),
        f"- 来源：{answers.source}",
    ]
    lines += [f"- 说明：{n}" for n in notes]
    if office:  # personal data masked: the full number stays in the issue
        lines += ["", "### 请办公室处理", "", *(f"- {n}" for n in office)]
    lines += ["", "### 查重", ""] + (_similar_lines(found) or ["没有发现相似的信息。"])
    lines += ["", f"Closes #{issue.number}"]
    return "\n".join(lines)


__all__ = ["FORGES", "Issue", "Outcome", "parse_form", "read_event", "run"]
