"""sqmy similar: 查重 of one report, of a Word file or text, or of every item a pull request changes."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import schema, yamlsrc
from ..dates import today
from ..errors import EXIT_FINDINGS, SqmyError
from ..gitio import Git
from ..items import Item
from .base import _load, _repo, main

_AGAINST = {"all": "全部", "archive": "本会信息", "upstream": "上级已采用", "siblings": "兄弟单位"}


@dataclass(frozen=True)
class _Subject:
    name: str  # what the result is called: the item id, the file, 输入的文字
    title: str
    body: str
    own_id: str = ""  # an item of this office: not compared with itself


def _stderr(text: str) -> None:
    click.echo(text, err=True)


def _subject(target: str | None, text: str | None, title: str | None, items: dict[str, Item], repo: Any) -> _Subject:
    if text is not None:
        if target:
            raise SqmyError("--text 与编号或文件只能给一个")
        return _Subject("输入的文字", title or "", text)
    if not target:
        raise SqmyError("请给出信息编号、文件（.md 或 .docx），或用 --text 给出文字")
    path = Path(target)
    if target in items and not path.exists():
        item = items[target]
        return _Subject(item.id, title or item.title, item.body, item.id)
    if not path.is_file():
        if schema.is_date(target[:10]) or target[:4].isdigit():
            raise SqmyError(f"找不到编号为 {target} 的有效信息（运行 sqmy validate 查看有错误的文件）")
        raise SqmyError(f"找不到文件 {target}")
    if path.suffix.lower() == ".docx":
        return _docx(path, title)
    raw = path.read_bytes()
    if len(raw) > 2 * 1024 * 1024:
        raise SqmyError(f"{target} 太大（超过 2 MB），不像一篇信息")
    content = yamlsrc.decode(raw)
    split = yamlsrc.split_front_matter(content)
    if split.error is None and split.front is not None:
        data = yamlsrc.load(split.front).data
        own = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else ""
        found_title = data.get("title") if isinstance(data, dict) and isinstance(data.get("title"), str) else ""
        return _Subject(repo.display(path.resolve()), title or found_title or "", split.body, own if own in items else "")
    return _Subject(repo.display(path.resolve()), title or "", content)


def _docx(path: Path, title: str | None) -> _Subject:
    from ..intake.body import clean_markdown
    from ..intake.word import convert_body, read_submission
    from ..registry import load as load_registry

    reg, _ = load_registry(_repo())
    sub = read_submission(path, reg)
    body, _ = clean_markdown(convert_body(sub))
    return _Subject(str(path), title or sub.title, body)


@main.command()
@click.argument("target", required=False, metavar="[编号|文件]")
@click.option("--text", help="直接比对这段文字（不给编号或文件时）")
@click.option("--title", help="标题（与 --text 同用；或代替文件中的标题）")
@click.option("--against", type=click.Choice(list(_AGAINST)), default="all", show_default=True,
              help="比对范围：all 全部，archive 本会信息（各年度，含不予上报），upstream 上级已采用的清单（upstream/），"
                   "siblings 兄弟单位公开的信息（siblings/）")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True, help="最多列出几篇相似的信息")
@click.option("--since", metavar="REV", help="查重 REV 之后改动的每条信息（拉取请求：基准分支），并检查其中新的审核通过是否对疑似重复写明了查重结论")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，md 供检查摘要（Markdown），json 供程序读取")
def similar(target: str | None, text: str | None, title: str | None, against: str, limit: int, since: str | None, fmt: str) -> None:
    """查重：列出最相似的信息，给出得分、结论和共同段落（13 字以上，左右对照）。

    比对本会各年度的信息（含不予上报）、上级已采用的清单（upstream/*.yml，可用 sqmy upstream import 从 Excel 或 Word 导入）
    和兄弟单位公开的 items.json（siblings/单位/items.json）。得分为两篇文字的相似度（0 至 1）：
    0.80 以上为“疑似重复”，0.15 以上为“相似”；只有标题相近的列为“题目相近”。
    疑似重复的信息审核通过时须写明查重结论：sqmy review … --duplicate 非重复 --comment 理由，或 /初审 通过 非重复 理由。
    """
    from .. import likeness

    repo = _repo()
    day = today()
    sources = tuple(likeness.SOURCES) if against == "all" else (against,)
    if since is not None and (target or text):
        raise SqmyError("--since 与编号、文件或 --text 不能同用")
    loaded = _load(repo, day)
    archive = loaded.items if repo.rules is None else likeness.archive(repo, day)
    corpus = likeness.build(repo, loaded.registry, archive, day, progress=_stderr if sys.stderr.isatty() else None)
    for finding in corpus.findings:
        _stderr(finding.text())
    if since is not None:
        sys.exit(_since(repo, corpus, loaded.items, since, sources, limit, fmt))
    # the report under review is in the pull request's checkout (`--root`), not yet in the base's archive
    items = {i.id: i for i in archive} | {i.id: i for i in loaded.items}
    subject = _subject(target, text, title, items, repo)
    if not subject.body.strip() and not subject.title.strip():
        raise SqmyError("没有可比对的标题或正文")
    found = corpus.check(subject.body, subject.title, [subject.own_id] if subject.own_id else [], sources, limit)
    _show([likeness.Result(subject.name, subject.title, tuple(found), sources)], fmt)


def _show(results: list[Any], fmt: str, problems: list[str] | None = None) -> None:
    from .. import likeness

    if fmt == "json":
        click.echo(likeness.to_json(results))
        return
    for n, result in enumerate(results):
        if fmt == "md":
            click.echo(likeness.markdown(result))
        else:
            if n:
                click.echo("")
            click.echo("\n".join(likeness.lines(result)))
    for problem in problems or ():
        click.echo(("\n**" + problem + "**") if fmt == "md" else "\n" + problem)


def _reviews_at(git: Git, rev: str, path: str) -> int:
    """How many review entries `path` had at `rev` (0 when it did not exist)."""
    sha = git.object_id(f"{rev}:{path}")
    if not sha:
        return 0
    split = yamlsrc.split_front_matter(yamlsrc.decode(git.blob(sha)))
    data = yamlsrc.load(split.front).data if split.front is not None else None
    reviews = data.get("reviews") if isinstance(data, dict) else None
    return len(reviews) if isinstance(reviews, list) else 0


def _since(repo: Any, corpus: Any, loaded: list[Item], since: str, sources: tuple[str, ...], limit: int, fmt: str) -> int:
    """查重 of every item changed after `since`; 1 when one is 疑似重复 of another and was passed (after `since`) with no
    review of its present text giving the 查重结论 非重复."""
    from .. import likeness

    with Git(repo.root) as git:
        git.resolve(since)
        changed = [p for p in git.run("diff", "--name-only", "--no-renames", f"{since}...HEAD", "--", "items/").split()
                   if p.endswith(".md")]
        before = {p: _reviews_at(git, since, p) for p in changed}
    items = {i.path: i for i in loaded}
    results, problems = [], []
    for path in changed:
        item = items.get(path)
        if item is None:
            continue  # deleted, or invalid: the check's validate says so
        found = corpus.check(item.body, item.title, [item.id], sources, limit)
        results.append(likeness.Result(item.id, item.title, tuple(found), sources))
        duplicates = [f.label for f in found if f.duplicate]
        passed = [r for r in item.reviews[before[path]:] if r.decision == schema.PASS and r.digest == item.digest]
        if duplicates and passed and not likeness.decided(item):
            last = passed[-1]
            problems.append(f"{item.id} 与 {'、'.join(duplicates)} 疑似重复，{last.stage}通过（{last.by}，{last.date}）却没有查重结论："
                            f"下一环节的审核人通过时请写明“非重复”及理由（如 /复审 通过 非重复 理由），或退回修改、不予上报；"
                            "已审定的，由办公室 sqmy reopen 后重新审核")
    if fmt == "json":
        click.echo(likeness.to_json(results))
        for problem in problems:
            _stderr(problem)
    elif not results:
        click.echo("没有改动的信息需要查重。")
    else:
        _show(results, fmt, problems)
    return EXIT_FINDINGS if problems else 0


class Warner:
    """查重 warnings for reports just written (`sqmy new`, `sqmy import`): the index is made once, on first use."""

    def __init__(self, repo: Any) -> None:
        self.repo = repo
        self.corpus: Any = None

    def warn_file(self, path: Path) -> None:
        """The item just written to `path`."""
        split = yamlsrc.split_front_matter(path.read_text("utf-8"))
        data = yamlsrc.load(split.front).data if split.front is not None else None
        title = data.get("title") if isinstance(data, dict) else None
        self.warn(path.stem, title if isinstance(title, str) else "", split.body)

    def warn(self, item_id: str, title: str, body: str) -> None:
        """Say on stderr what the report is like; never fails the command that wrote it."""
        from .. import likeness

        try:
            if self.corpus is None:
                day = today()
                loaded = _load(self.repo, day)
                self.corpus = likeness.build(self.repo, loaded.registry, loaded.items, day)
            found = self.corpus.check(body, title, [item_id], likeness.SOURCES, evidence=False)
        except SqmyError as exc:
            _stderr(f"  查重未能完成：{exc.message}")
            return
        for f in found:
            where = likeness.SOURCE_NAMES[f.source]
            if f.duplicate:
                _stderr(f"  查重：与 {f.label}《{f.title}》疑似重复（{where}，得分 {f.score:.2f}），请运行 sqmy similar {item_id} 查看共同段落")
            elif f.score is not None and f.verdict != likeness.TITLE_ONLY:
                _stderr(f"  查重：与 {f.label}《{f.title}》相似（{where}，得分 {f.score:.2f}）")
            elif f.source == likeness.UPSTREAM:
                _stderr(f"  查重：上级已采用过题目相近的信息 {f.label}《{f.title}》（题目相近度 {f.title_ratio:.0f}）：请考虑另选角度或重新选题")
            else:
                _stderr(f"  查重：已有题目相近的信息 {f.label}《{f.title}》（{where}，题目相近度 {f.title_ratio:.0f}）")


def similar_of(repo: Any, loaded: Any, item_id: str, day: Any) -> list[dict[str, Any]]:
    """What `status ID` says of the item's similar reports (its JSON `similar`): [] when 查重 cannot be done."""
    from .. import likeness

    item = next((i for i in loaded.items if i.id == item_id), None)
    if item is None:
        return []
    try:
        archive = loaded.items if repo.rules is None else likeness.archive(repo, day)
        return likeness.brief(repo, loaded.registry, archive, item.id, item.title, item.body, day)
    except SqmyError as exc:
        _stderr(f"查重未能完成：{exc.message}")
        return []
