"""The command line: the only module that knows click.  Commands are thin:
they parse options, call plain functions and print the result."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__, registry, schema, status, tables, views
from . import stats as stats_mod
from . import validate as validate_mod
from .dates import today
from .errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, SqmyError
from .findings import ERROR, WARNING, to_json
from .paths import Repo, find_repo

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="输出格式：text 供人阅读，json 供程序读取（只输出 JSON）",
)


# click's own usage messages, in the Chinese our users read (the common ones)
_USAGE = [
    (re.compile(r"^No such option:? '?([^'\s]+?)'?\.?(?= |$)"), r"没有这个选项：\1"),
    (re.compile(r"^No such command:? '?([^'\s]+?)'?\.?(?= |$)"), r"没有这个命令：\1"),
    (re.compile(r"^Missing argument '(.+)'\."), r"缺少参数 \1"),
    (re.compile(r"^Missing option '(.+)'\."), r"缺少选项 \1"),
    (re.compile(r"^Option '(.+)' requires an argument\."), r"选项 \1 需要一个值"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)"), r"多余的参数：\1"),
    (re.compile(r"^Invalid value for '(.+?)': '(.*)' is not one of (.+)\.$", re.S), r"\1 的值“\2”无效，应为其中之一：\3"),
    (re.compile(r"^Invalid value for '(.+?)': (.+)$", re.S), r"\1 的值无效：\2"),
    (re.compile(r" ?Did you mean '?([^'\s]+?)'?\?"), r"；是不是 \1？"),
    (re.compile(r"\(Possible options: (.+)\)"), r"（可能是：\1）"),
]


def _usage_message(text: str) -> str:
    for pattern, chinese in _USAGE:
        text = pattern.sub(chinese, text)
    return text


class _Group(click.Group):
    """Turns every SqmyError into a Chinese message and its exit code; never a traceback."""

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None,
        complete_var: str | None = None, standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            click.echo(f"sqmy：用法错误：{_usage_message(exc.format_message())}", err=True)
            if exc.ctx is not None:
                click.echo(f"运行 {exc.ctx.command_path} --help 查看用法。", err=True)
            sys.exit(EXIT_USAGE)
        except click.Abort:
            click.echo("sqmy：已取消", err=True)
            sys.exit(EXIT_FINDINGS)
        except click.ClickException as exc:
            click.echo(f"sqmy：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else EXIT_OK)
        return result

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SqmyError as exc:
            click.echo(f"sqmy：{exc.message}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("sqmy：已中断", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `sqmy status | head`: the reader has gone, which is fine
            _silence_stdout()
            sys.exit(EXIT_FINDINGS)
        except Exception as exc:  # a bug of ours: say so briefly; details on request
            if os.environ.get("SQMY_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"sqmy：内部错误（{type(exc).__name__}: {exc}）。这是 sqmy 的缺陷，请报告；"
                "设置环境变量 SQMY_DEBUG=1 可查看详细信息。",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. under a test runner)
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="信息库位置（默认：当前目录或其上级中含 units/office.yml 的目录，或环境变量 SQMY_ROOT）")
@click.version_option(__version__, prog_name="sqmy", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """sqmy —— 县政协社情民意信息工作流。

    每条信息是 items/ 下的一个 Markdown 文件；名册和规则在 units/。
    退出码：0 完成或无问题，1 发现问题，2 用法错误或无法读取。
    """
    ctx.obj = root


def _repo() -> Repo:
    root = click.get_current_context().find_root().obj
    return find_repo(root)


def _json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@contextmanager
def _progress(count: Callable[[], int], label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for long work in a terminal; nothing otherwise.

    `count` is called only in a terminal: counting files is work too."""
    if not sys.stderr.isatty():
        yield None
        return
    total = count()
    if total < 500:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _load(repo: Repo, day: dt.date) -> validate_mod.Loaded:
    with _progress(lambda: len(validate_mod.item_files(repo)), "读取信息") as progress:
        loaded = validate_mod.load_all(repo, day, progress)
    broken = {f.path for f in loaded.findings if f.severity == ERROR}
    if broken:
        click.echo(f"sqmy：{len(broken)} 个文件有错误，已跳过；运行 sqmy validate 查看详情。", err=True)
    return loaded


# --- validate -----------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@FORMAT
def validate(paths: tuple[Path, ...], fmt: str) -> None:
    """检查信息和名册：一行一个问题，格式为“文件:行: 说明”。

    不给 PATHS 时检查整个信息库（items/ 和 units/）。有错误时退出码为 1。
    """
    repo = _repo()
    day = today()
    def count() -> int:
        if not paths:
            return len(validate_mod.item_files(repo))
        return sum(len(list(p.rglob("*.md"))) if p.is_dir() else 1 for p in paths)

    with _progress(count, "检查信息") as progress:
        found, checked = validate_mod.validate_paths(repo, list(paths), day, progress)
    errors = sum(1 for f in found if f.severity == ERROR)
    warnings = sum(1 for f in found if f.severity == WARNING)
    if fmt == "json":
        click.echo(to_json(found))
    else:
        for finding in found:
            click.echo(finding.text())
        verdict = "全部通过" if not found else f"{errors} 个错误，{warnings} 个警告"
        click.echo(f"检查了 {checked} 个文件：{verdict}")
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


# --- new ----------------------------------------------------------------------


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(value: str | None, label: str, choices: list[str] | None = None, default: str | None = None) -> str:
    if value:
        return value
    if not _interactive():
        raise _Missing(label)
    hint = f"（{'、'.join(choices)}）" if choices and len(choices) <= 16 else ""
    answer: str = click.prompt(
        f"{label}{hint}", default=default,
        type=click.Choice(choices) if choices else str, show_choices=False,
    )
    return answer


class _Missing(Exception):
    pass


@main.command()
@click.option("--title", help="标题，如“关于……的建议”")
@click.option("--author", "authors", multiple=True, help="反映人编号（人员名册中的 id）；可重复，第一位为第一反映人")
@click.option("--unit", help="报送单位编号（默认：第一反映人所在单位）")
@click.option("--category", help="选题类别")
@click.option("--focus", help="选题重点：国之大者、民之关切、政之要务")
@click.option("--source", type=click.Choice(list(schema.SOURCES)), help="信息来源")
@click.option("--key-topic", help="年度重点选题编号（可选）")
@click.option("--audience", type=click.Choice(list(schema.AUDIENCES)), default="内部", show_default=True, help="公开范围")
@click.option("--draft", is_flag=True, help="存为草稿（不填报送日期）")
def new(title: str | None, authors: tuple[str, ...], unit: str | None, category: str | None, focus: str | None,
        source: str | None, key_topic: str | None, audience: str, draft: bool) -> None:
    """从 templates/item.md.j2 新建一条信息，输出文件路径。

    缺少的选项在终端中逐项询问；不在终端中运行时必须全部给出。
    """
    from . import newitem as newitem_mod  # imported when used: startup time matters
    repo = _repo()
    reg, _ = registry.load(repo)
    day = today()
    try:
        title = _ask(title, "标题")
        author_list = authors or (_ask(None, "反映人编号"),)
        first = reg.people.get(author_list[0])
        unit = unit or (first.unit if first else None) or _ask(None, "报送单位编号")
        category = _ask(category, "选题类别", list(reg.categories))
        focus = _ask(focus, "选题重点", list(reg.focuses))
        source = _ask(source, "信息来源", list(schema.SOURCES), "委员调研")
    except _Missing as missing:
        raise SqmyError(f"缺少选项：{missing}。请用 --help 查看各选项，或在终端中运行以逐项填写。") from None
    spec = newitem_mod.NewItem(title.strip(), tuple(author_list), unit, category, focus, source, audience, key_topic, draft)
    path = newitem_mod.write(repo, reg, spec, day)
    click.echo(repo.display(path))


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--author", "authors", multiple=True, help="反映人编号（人员名册中的 id），以此为准；可重复，第一位为第一反映人")
@click.option("--unit", help="报送单位编号（默认：文件中写的单位，否则第一反映人所在单位）")
@click.option("--category", help="选题类别（默认：按标题和正文中的关键词推断，推断不出为“其他”）")
@click.option("--focus", help="选题重点（默认：民之关切）")
@click.option("--source", type=click.Choice(list(schema.SOURCES)), default="委员调研", show_default=True, help="信息来源")
@click.option("--key-topic", help="年度重点选题编号（可选）")
@click.option("--audience", type=click.Choice(list(schema.AUDIENCES)), default="内部", show_default=True, help="公开范围")
@click.option("--draft", is_flag=True, help="存为草稿（不填报送日期）")
def import_cmd(files: tuple[Path, ...], authors: tuple[str, ...], unit: str | None, category: str | None, focus: str | None,
               source: str, key_topic: str | None, audience: str, draft: bool) -> None:
    """把委员的 Word 文件（.docx）变成信息，每导入一个文件输出一行路径。

    从文件中找出标题、反映人、单位和联系电话，与名册核对；电话不写入信息，名册中没有时登记到 units/people.yml。

    已导入过的文件不会重复导入。有文件无法导入时退出码为 1，其余文件照常导入。
    """
    from . import importdocx  # imported when used: startup time matters
    repo = _repo()
    options = importdocx.Options(authors, unit, category, focus, source, audience, key_topic, draft)
    failed = known = 0
    for outcome in importdocx.import_files(repo, list(files), options, today()):
        name = click.format_filename(outcome.source)
        if outcome.error is not None or outcome.path is None:
            failed += 1
            click.echo(f"sqmy：{name}：{outcome.error}", err=True)
            continue
        shown = repo.display(outcome.path)
        if outcome.duplicate:
            known += 1
            click.echo(f"{name}：信息库中已有相同的信息 {shown}（标题和反映人相同或正文相同），未重复导入", err=True)
        else:
            click.echo(f"{name} → {shown}", err=True)
        for note in outcome.notes:
            click.echo(f"  {note}", err=True)
        for warning in outcome.warnings:
            click.echo(f"  警告：{warning}", err=True)
        click.echo(shown)
    if len(files) > 1:
        click.echo(f"共 {len(files)} 个文件：新导入 {len(files) - failed - known} 个，已有 {known} 个，失败 {failed} 个", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


# --- statistics and scores -------------------------------------------------------

REPORT_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json", "csv", "xlsx"]), default="text", show_default=True,
    help="输出格式：text 终端表格，md Markdown，json 供程序读取，csv 一张表，xlsx Excel 工作簿（每种分类一张工作表）",
)
OUTPUT = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="写入文件（xlsx 默认写入当前目录）")
PERIOD = [
    click.option("--year", type=int, help="年份（默认今年）"),
    click.option("--period", "period_name", help="期间：2025、2025Q3、2025H1 或 2025-07"),
    click.option("--from", "start", help="起始日期 YYYY-MM-DD"),
    click.option("--to", "end", help="截止日期 YYYY-MM-DD"),
]


def _period_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(PERIOD):
        f = option(f)
    return f


def _emit(parts: list[Any], data: object, fmt: str, output: Path | None, heading: str, stem: str, csv_table: Any) -> None:
    from . import report

    if fmt == "xlsx":
        path = output or Path(f"{stem}.xlsx")
        report.xlsx(parts, path, heading)
        click.echo(f"已写入 {path}")
        return
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        text = report.csv_text(csv_table)
    elif fmt == "md":
        text = f"# {heading}\n\n" + report.markdown(parts)
    else:
        text = f"{heading}\n\n" + report.text(parts)
    if output:
        from .fsutil import write_text

        write_text(output, text)
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)


@main.command()
@_period_options
@click.option("--by", "by", type=click.Choice(list(stats_mod.DIMENSIONS)), multiple=True, help="分类汇总（可重复；默认按单位）；json 和 xlsx 包含全部分类")
@REPORT_FORMAT
@OUTPUT
def stats(year: int | None, period_name: str | None, start: str | None, end: str | None, by: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """统计：采集、采编、上报、采用、批示、转办、反馈、落实、转化，转化率，各环节用时，任务完成，年度重点选题。

    信息按报送日期计入期间；草稿不计。
    """
    repo = _repo()
    day = today()
    when = stats_mod.period(year, period_name, start, end, day)
    loaded = _load(repo, day)
    result = stats_mod.compute(loaded.registry, loaded.items, when, day)
    dimensions = list(by) or (list(stats_mod.DIMENSIONS) if fmt == "xlsx" else ["unit"])
    parts = stats_mod.report_tables(result, loaded.registry, dimensions)
    heading = f"{loaded.registry.office.short_name}社情民意信息统计（{when.label}）"
    _emit(parts, result, fmt, output, heading, f"sqmy-stats-{when.label}", parts[1])


@main.command()
@_period_options
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path), help="另一套考评办法（默认 units/scoring.yml）")
@REPORT_FORMAT
@OUTPUT
def score(year: int | None, period_name: str | None, start: str | None, end: str | None, rules_path: Path | None, fmt: str, output: Path | None) -> None:
    """考评积分：按考评办法计算个人履职积分、单位积分和等次，并排名（并列同名次；比率排名有最少篇数）。"""
    from . import score as score_mod

    repo = _repo()
    day = today()
    when = stats_mod.period(year, period_name, start, end, day)
    loaded = _load(repo, day)
    rules = score_mod.load_rules(repo, loaded.registry, rules_path)
    result = score_mod.compute(loaded.registry, loaded.items, rules, when, day)
    parts = score_mod.report_tables(result)
    heading = f"{loaded.registry.office.short_name}社情民意信息考评（{when.label}，{rules['name']}）"
    _emit(parts, result, fmt, output, heading, f"sqmy-score-{when.label}", parts[0])


@main.command()
@click.option("--audience", type=click.Choice(["internal", "public"]), default="internal", show_default=True,
              help="internal 内部版（全部信息和记录）；public 公开版（只有公开的信息，不含审核意见、联系方式等内部内容）")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认：内部版 site/，公开版 site-public/）")
def build(audience: str, site_dir: Path | None) -> None:
    """生成归档网站（MkDocs + mkdocs-material），可离线浏览。"""
    repo = _repo()
    config_file = repo.root / "mkdocs.yml"
    if not config_file.is_file():
        raise SqmyError("信息库中没有 mkdocs.yml：请从示例信息库复制 mkdocs.yml 和 templates/site/")
    target = (site_dir or repo.root / ("site" if audience == "internal" else "site-public")).resolve()
    os.environ["SQMY_AUDIENCE"] = audience
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        mkdocs_build(load_config(str(config_file), site_dir=str(target)))
    except MkDocsException as exc:
        raise SqmyError(f"生成网站失败：{exc}") from None
    click.echo(f"已生成{'内部版' if audience == 'internal' else '公开版'}归档：{target / 'index.html'}")


# --- Word documents -------------------------------------------------------------

DOCX_OUTPUT = click.option("--output", "-o", type=click.Path(path_type=Path), help="写入的文件（默认 build/docx/<年份>/ 下的标准文件名）")


def _planner(repo: Repo, day: dt.date) -> Any:
    from . import documents

    loaded = _load(repo, day)
    return documents.Planner(repo, loaded.registry, loaded.items, day)


def _write_docs(repo: Repo, docs: list[Any], output: Path | None, folder: bool = False) -> None:
    """Convert `docs`, showing progress on stderr, and print each file written."""
    from . import documents, docxstyle

    reference = docxstyle.reference_doc(repo)
    if not docs:
        click.echo("没有需要生成的公文。", err=True)
        return
    if not folder and output is not None:
        if len(docs) != 1:
            raise SqmyError(f"要生成 {len(docs)} 份公文，--output 应为文件夹")
        data = documents.convert(docs[0], reference)
        from .fsutil import write_bytes

        write_bytes(output, data)
        click.echo(str(output))
        return
    out_dir = output or repo.root / documents.OUTPUT
    step = max(1, len(docs) // 10)

    def progress(done: int, total: int, doc: Any) -> None:
        if total > 1 and (sys.stderr.isatty() or done % step == 0 or done == total):
            click.echo(f"生成公文 {done}/{total}：{doc.name}", err=True)

    for path in documents.write_all(docs, out_dir, reference, progress=progress):
        click.echo(repo.display(path))


@main.group()
def docx() -> None:
    """生成 Word 公文（GB/T 9704-2012 版式）：期刊、直报件、参阅件、转办函、通报。

    版式由 templates/docx/styles.yml 定义，文字由 templates/docx/*.md.j2 模板定义。
    默认写入 build/docx/<年份>/；用 -o 指定文件（all 为文件夹）。
    """


@docx.command("journal")
@click.option("--year", type=int, help="年份（默认今年）")
@click.option("--issue", type=int, required=True, help="期号")
@click.option("--date", "day", help="编印日期 YYYY-MM-DD（默认：本期信息最晚的审定日期）")
@DOCX_OUTPUT
def docx_journal(year: int | None, issue: int, day: str | None, output: Path | None) -> None:
    """《社情民意信息》一期：红色版头、期号、编印单位和日期、本期信息、版记。"""
    repo = _repo()
    today_ = today()
    when = None
    if day:
        try:
            when = dt.date.fromisoformat(day)
        except ValueError:
            raise SqmyError(f"--date “{day}”无效：应为 YYYY-MM-DD") from None
    planner = _planner(repo, today_)
    _write_docs(repo, [planner.journal(year or today_.year, issue, when)], output)


@docx.command("item")
@click.argument("item_id")
@DOCX_OUTPUT
def docx_item(item_id: str, output: Path | None) -> None:
    """直报件：报送上级政协的一篇信息。"""
    repo = _repo()
    _write_docs(repo, [_planner(repo, today()).direct(item_id)], output)


@docx.command("referral")
@click.argument("item_id")
@DOCX_OUTPUT
def docx_referral(item_id: str, output: Path | None) -> None:
    """参阅件：送领导参阅，顶部留领导批示栏。"""
    repo = _repo()
    _write_docs(repo, [_planner(repo, today()).referral(item_id)], output)


@docx.command("transfer")
@click.argument("item_id")
@click.option("--number", "-n", type=int, help="第几次转办（默认全部）")
@DOCX_OUTPUT
def docx_transfer(item_id: str, number: int | None, output: Path | None) -> None:
    """转办函：文号、承办单位、办理时限，附信息原文和办理情况反馈表。"""
    repo = _repo()
    _write_docs(repo, _planner(repo, today()).transfer(item_id, number), output)


@docx.command("bulletin")
@_period_options
@DOCX_OUTPUT
def docx_bulletin(year: int | None, period_name: str | None, start: str | None, end: str | None, output: Path | None) -> None:
    """通报：一个时期的采集、采编、上报、采用情况，单位和个人排名，任务完成，逾期督办。"""
    repo = _repo()
    day = today()
    when = stats_mod.period(year, period_name, start, end, day)
    _write_docs(repo, [_planner(repo, day).bulletin(when)], output)


@docx.command("all")
@click.option("--year", type=int, help="年份（默认今年）")
@click.option("--kind", "kinds", type=click.Choice(["journal", "item", "referral", "transfer", "bulletin"]), multiple=True,
              help="只生成这几类（可重复；默认全部）")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="写入的文件夹（默认 build/docx/）")
def docx_all(year: int | None, kinds: tuple[str, ...], output: Path | None) -> None:
    """一年的全部公文：各期期刊、直报件、参阅件、转办函和年度通报，并行生成。"""
    from . import documents

    repo = _repo()
    day = today()
    docs = _planner(repo, day).year(year or day.year, kinds or documents.KINDS)
    _write_docs(repo, docs, output, folder=True)


# --- review -------------------------------------------------------------------


@main.command()
@click.argument("item_id")
@click.argument("stage", type=click.Choice(list(schema.STAGES)))
@click.argument("decision", type=click.Choice(list(schema.DECISIONS)))
@click.option("--comment", "-m", default="", help="审核说明")
@click.option("--route", "routes", multiple=True, type=click.Choice(list(schema.ROUTES)), help="审定通过时的转化渠道；可重复")
@click.option("--expert", "experts", multiple=True, help="初审提请联合复核时的专家编号；可重复")
@FORMAT
def review(item_id: str, stage: str, decision: str, comment: str, routes: tuple[str, ...], experts: tuple[str, ...], fmt: str) -> None:
    """记录一次审核，并由审核人单独提交（Git 作者邮箱即审核人在名册中的邮箱）。

    STAGE 为 初审、联合复核、复审、审定；DECISION 为 通过、退回修改、不予上报，初审还可以是 联合复核（须 --expert）。
    不符合规则时拒绝，并且不写入任何内容（退出码 1）。
    """
    from . import review as review_mod  # imported when used: startup time matters
    repo = _repo()
    day = today()
    done = review_mod.record(repo, review_mod.Request(item_id, stage, decision, comment.strip(), routes, experts), day)
    st = status.derive(done.item, day)
    if fmt == "json":
        _json({"commit": done.sha, "item": done.item.id, "entry": done.entry, "status": st.status, "next_stage": st.next_stage})
        return
    click.echo(f"已记录：{done.item.id} {stage} {decision}（{done.reviewer.name}），提交 {done.sha[:10]}")
    click.echo(f"当前状态：{st.status}")


@main.command()
@click.option("--since", metavar="REV", help="只审计 REV 之后的提交（如拉取请求的基准分支 origin/main）")
@FORMAT
def audit(since: str | None, fmt: str) -> None:
    """审计审核记录：逐个提交核对审核人、角色、顺序、职责分离、摘要值、只可追加、签名和办理记录（DESIGN §5）。

    发现违规时退出码为 1；--format json 输出 [{item, commit, rule, message}]。
    """
    from . import audit as audit_mod  # imported when used: startup time matters
    repo = _repo()
    report = audit_mod.audit(repo, since)
    if fmt == "json":
        click.echo(report.to_json())
    else:
        for v in report.violations:
            click.echo(f"{v.item} {v.commit[:10]} [{v.rule}] {v.message}")
        scope = f"{since} 之后的" if since else "全部"
        click.echo(
            f"审计了{scope} {report.commits} 个提交、{report.changes} 处信息修改：核对审核记录 {report.reviews} 条"
            + (f"、签名 {report.signatures} 个" if report.signatures else "")
            + f"；历史导入记录 {report.imported} 条（确认来源，不视为已验证的签署）。"
        )
        click.echo(f"发现 {len(report.violations)} 处违规。" if report.violations else "未发现违规。")
    sys.exit(EXIT_FINDINGS if report.violations else EXIT_OK)


@main.command()
@click.argument("item_id")
@click.argument("kind", type=click.Choice(list(schema.RECORD_KINDS)))
@click.option("--level", help="采用层级（市政协、省政协、全国政协）或批示层级（县委、县政府、市委……）")
@click.option("--date", "on", help="日期 YYYY-MM-DD（转办默认今天）")
@click.option("--ref", help="采用：刊发载体，如“市政协《社情民意信息》2025年第12期”")
@click.option("--mode", type=click.Choice(list(schema.enum("adoption_mode"))), help="采用方式（默认单篇采用）")
@click.option("--leader", type=click.Choice(list(schema.LEADERS)), help="批示领导")
@click.option("--summary", help="批示摘要、反馈摘要或解决的问题")
@click.option("--assign", "assigned", multiple=True, help="批示：两办交办的单位编号；可重复")
@click.option("--to", help="转办：承办单位编号；反馈：哪个承办单位的反馈")
@click.option("--due", help="转办：反馈期限（默认按办公室规定的天数）")
@click.option("--result", type=click.Choice(list(schema.FEEDBACK_RESULTS)), help="反馈：办理结果")
@click.option("--instruction", type=int, help="反馈：第几条批示的落实情况（不给则为转办的反馈）")
@FORMAT
def record(item_id: str, kind: str, on: str | None, fmt: str, **values: Any) -> None:
    """记录办理结果（办公室人员）：adoption 采用、instruction 批示、transfer 转办、feedback 反馈、solved 推动解决的问题。

    每次记录单独提交；不符合规则时拒绝且不写入。转办函文号按年自动编号。
    """
    from . import outcomes as outcomes_mod  # imported when used: startup time matters
    values["date"] = on
    done = outcomes_mod.record(_repo(), item_id, kind, values, today())
    item = done.items[0]
    if fmt == "json":
        _json({"commit": done.sha, "item": item.id, "kind": kind, "summary": done.summary, "status": status.derive(item, today()).status})
        return
    click.echo(f"已记录：{done.summary}，提交 {done.sha[:10]}")


@main.group(invoke_without_command=True)
@click.pass_context
def journal(ctx: click.Context) -> None:
    """《社情民意信息》期刊：new 新开一期并编入信息，add 编入已有的一期，list 列出各期。"""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@journal.command("new")
@click.argument("item_ids", nargs=-1, required=True)
@click.option("--year", type=int, help="年份（默认今年）")
def journal_new(item_ids: tuple[str, ...], year: int | None) -> None:
    """新开一期（期号为当年下一个），把审定通过的信息编入。"""
    from . import outcomes as outcomes_mod  # imported when used: startup time matters
    _, done = outcomes_mod.journal(_repo(), item_ids, today(), year)
    click.echo(f"已{done.summary}，提交 {done.sha[:10]}")


@journal.command("add")
@click.argument("issue", type=int)
@click.argument("item_ids", nargs=-1, required=True)
@click.option("--year", type=int, help="年份（默认今年）")
def journal_add(issue: int, item_ids: tuple[str, ...], year: int | None) -> None:
    """把信息编入已开设的第 ISSUE 期。"""
    from . import outcomes as outcomes_mod  # imported when used: startup time matters
    _, done = outcomes_mod.journal(_repo(), item_ids, today(), year, issue)
    click.echo(f"已{done.summary}，提交 {done.sha[:10]}")


@journal.command("list")
@click.option("--year", type=int, help="年份（默认今年）")
@FORMAT
def journal_list(year: int | None, fmt: str) -> None:
    """列出一年的各期和所编信息。"""
    from . import outcomes as outcomes_mod  # imported when used: startup time matters
    year = year or today().year
    found = outcomes_mod.issues(_repo(), today(), year)
    if fmt == "json":
        _json([{"year": year, "issue": n, "items": [{"id": i.id, "title": i.title} for i in items]} for n, items in found.items()])
        return
    for number, items in found.items():
        click.echo(f"{year}年第{number}期（{len(items)} 条）")
        for item in items:
            click.echo(f"  {item.id}  {item.title}")
    if not found:
        click.echo(f"{year}年还没有编发期刊。")


@main.command()
@click.option("--check", is_flag=True, help="只检查生成的文件是否与名册一致（不一致时退出码 1），不写入")
def generate(check: bool) -> None:
    """根据名册生成 .github/CODEOWNERS 和 .github/allowed_signers（审核签名用的公钥清单）。"""
    from . import generate as generate_mod  # imported when used: startup time matters
    repo = _repo()
    reg, found = registry.load(repo)
    if any(f.severity == ERROR for f in found):
        raise SqmyError(f"名册有错误，请先修正：{found[0].text()}", EXIT_FINDINGS)
    wanted = generate_mod.files(repo, reg, today())
    if check:
        old = generate_mod.stale(wanted)
        for g in old:
            click.echo(f"{repo.display(g.path)} 与名册不一致：请运行 sqmy generate 并提交")
        if not old:
            click.echo("生成的文件与名册一致。")
        sys.exit(EXIT_FINDINGS if old else EXIT_OK)
    changed = generate_mod.write(wanted)
    for g in changed:
        click.echo(f"已更新 {repo.display(g.path)}")
    if not changed:
        click.echo("生成的文件已是最新。")


@main.group()
def bridge() -> None:
    """论坛审核桥接：把论坛上的审核（批准、要求修改、斜杠命令）变成审核提交。"""


@bridge.command("github")
@click.option("--event", "event_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="事件文件（GITHUB_EVENT_PATH）")
@click.option("--event-name", envvar="GITHUB_EVENT_NAME", help="事件名称（默认取 GITHUB_EVENT_NAME）：pull_request_review 或 issue_comment")
@click.option("--pull-request", "pull_path", type=click.Path(dir_okay=False, path_type=Path), help="评论事件所在拉取请求的 JSON（GitHub API）")
def bridge_github(event_path: Path, event_name: str | None, pull_path: Path | None) -> None:
    """把 GitHub 的 pull_request_review 或 issue_comment 事件变成当前分支上的审核提交，输出要回复在拉取请求上的文字。

    退出码：0 已记录，1 拒绝（账号未登记、没有角色、顺序不对……），2 不是审核事件或事件有误。
    """
    from . import bridge as bridge_mod  # imported when used: startup time matters
    repo = _repo()
    outcome = bridge_mod.handle(repo, event_path, event_name or "", today(), pull_path)
    click.echo(outcome.reply)
    sys.exit(outcome.code)


@main.command()
@click.option("--items", "count", type=click.IntRange(1, 200_000), default=1000, show_default=True, help="信息条数")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="新信息库的目录（须不存在或为空）")
@click.option("--seed", type=int, default=1, show_default=True, help="随机种子：同样的种子生成同样的信息库（签名的几条除外）")
@click.option("--signed", type=click.IntRange(0, 100), default=3, show_default=True, help="最新几条信息用签名提交审核（需要 ssh-keygen）")
def demo(count: int, out: Path, seed: int, signed: int) -> None:
    """生成一个有完整审核历史的演示信息库（用于测试和规模测试），名册取自当前信息库。

    每条信息一个分支，审核提交由当日担任角色的人完成，审核结束后合并，办理结果由办公室记录；
    在生成的信息库中运行 sqmy audit 应当没有违规。
    """
    from . import demo as demo_mod  # imported when used: startup time matters
    source = _repo()
    with _progress(lambda: count, "生成信息") as progress:
        stats = demo_mod.make(source, out, count, seed, today(), progress, signed)
    click.echo(
        f"已生成 {out}：{stats['items']} 条信息，{stats['commits']} 个提交"
        f"（审核 {stats['reviews']} 次，其中签名 {stats['signed']} 次；合并 {stats['merged']} 次，"
        f"办理记录 {stats['outcomes']} 条，仍在审核 {stats['open']} 条）"
    )


# --- people and units ---------------------------------------------------------


@main.command()
@click.option("--role", type=click.Choice(list(schema.ROLES)), help="只列出在指定日期担任该角色的人")
@click.option("--date", "on", help="角色的日期（默认今天），格式 YYYY-MM-DD")
@click.option("--contact", is_flag=True, help="同时输出联系电话（内部资料）")
@FORMAT
def people(role: str | None, on: str | None, contact: bool, fmt: str) -> None:
    """人员名册：编号、姓名、身份、单位、当前角色、邮箱。"""
    repo = _repo()
    reg, _ = registry.load(repo)
    day = _parse_date(on, "--date") if on else today()
    rows = views.people(reg, day, role, contact)
    if fmt == "json":
        _json(rows)
        return
    headers = ["编号", "姓名", "身份", "单位", "职务", "当前角色", "邮箱"] + (["电话"] if contact else [])
    body = [
        [r["id"], r["name"], r["kind"], r["unit_name"] or r["unit"], r["title"], "、".join(r["current_roles"]), r["email"]]
        + ([r["phone"] or ""] if contact else [])
        for r in rows
    ]
    click.echo(tables.render(headers, body))
    click.echo(f"共 {len(rows)} 人")


@main.command()
@click.option("--year", type=int, help="显示哪一年的任务数（默认今年）")
@FORMAT
def units(year: int | None, fmt: str) -> None:
    """单位名册：编号、名称、类别、年度任务、人数。"""
    repo = _repo()
    reg, _ = registry.load(repo)
    year = year or today().year
    rows = views.units(reg, year)
    if fmt == "json":
        _json(rows)
        return
    body = [[r["id"], r["name"], r["kind"], r["quota_this_year"] if r["quota_this_year"] is not None else "", r["people"]] for r in rows]
    click.echo(tables.render(["编号", "名称", "类别", f"{year}年任务", "人数"], body))
    click.echo(f"共 {len(rows)} 个单位")


def _parse_date(value: str, option: str) -> dt.date:
    if not schema.is_date(value):
        raise SqmyError(f"{option} 的值“{value}”不是 YYYY-MM-DD 格式的日期")
    return dt.date.fromisoformat(value)


# --- status -------------------------------------------------------------------


@main.command("status")
@click.argument("item_id", required=False)
@click.option("--summary", is_flag=True, help="只输出各状态的条数")
@click.option("--overdue", is_flag=True, help="只列出逾期未反馈的转办")
@click.option("--for", "for_person", metavar="P", help="只列出等 P（人员编号）办理的信息：待其审核、待其复核、待其修改")
@FORMAT
def status_cmd(item_id: str | None, summary: bool, overdue: bool, for_person: str | None, fmt: str) -> None:
    """每条信息的状态（由审核记录和办理结果推算，不手工填写）。

    给出 ITEM_ID 时显示该条信息的审核链和下一步由谁办理。
    """
    repo = _repo()
    day = today()
    loaded = _load(repo, day)
    reg = loaded.registry
    if item_id:
        _show_detail(views.detail(reg, loaded.items, item_id, day), fmt)
        return
    if overdue:
        _show_overdue(views.overdue(reg, loaded.items, day), fmt, day)
        return
    if for_person:
        _show_waiting(views.waiting_for(reg, loaded.items, for_person, day), reg.people[for_person].name, fmt, day)
        return
    rows = views.statuses(reg, loaded.items, day)
    counts = views.summary(rows)
    if fmt == "json":
        _json({"date": day.isoformat(), "total": len(rows), "summary": counts} if summary else rows)
        return
    if not summary:
        body = [[r["id"], r["status"], r["unit_name"], "、".join(r["author_names"]), r["title"]] for r in rows]
        click.echo(tables.render(["编号", "状态", "单位", "反映人", "标题"], body))
        click.echo("")
    click.echo(f"{reg.office.short_name or '信息库'}社情民意信息状态（截至 {day}）：共 {len(rows)} 条")
    click.echo(tables.render(["状态", "条数"], [[s, n] for s, n in counts.items()]))


def _show_detail(d: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        _json(d)
        return
    click.echo(f"{d['id']}  {d['title']}")
    click.echo(f"反映人：{'、'.join(d['author_names'])}    单位：{d['unit_name']}    报送：{d['submitted'] or '（草稿）'}")
    click.echo(f"状态：{d['status']}" + (f"（另有：{'、'.join(d['statuses'][1:])}）" if len(d["statuses"]) > 1 else ""))
    if d["reviews"]:
        click.echo("")
        rows = [
            [r["date"], r["stage"], r["by_name"], r["decision"] + (f"（专家：{'、'.join(r['expert_names'])}）" if r["experts"] else ""),
             ("一致（导入）" if r["imported"] else "一致") if r["digest_matches"] else "内容已改动", r["comment"]]
            for r in d["reviews"]
        ]
        click.echo(tables.render(["日期", "环节", "审核人", "意见", "内容摘要", "说明"], rows))
    if d["routes"]:
        click.echo(f"转化渠道：{'、'.join(d['routes'])}")
    if d["journal"]:
        j = d["journal"]
        click.echo(f"编发：《{j['title']}》{j['year']}年第{j['issue']}期")
    for t in d["transfers"]:
        fb = t["feedback"]
        state = f"{fb['date']} 反馈：{fb['result']}" if fb else (f"逾期 {t['overdue_days']} 天未反馈" if t["overdue_days"] else "办理中")
        click.echo(f"转办：{t['to_name']} {t['letter']}（{t['date']}，期限 {t['due']}）{state}")
    for a in d["adoptions"]:
        click.echo(f"采用：{a['level']} {a['date']} {a['ref']}")
    for i in d["instructions"]:
        click.echo(f"批示：{i['level']}{i['leader']} {i['date']} {i['summary']}")
    if d["next_stage"] or d["status"] in (status.DRAFT, status.RETURNED):
        who = "、".join(d["candidate_names"]) or "（无人担任该角色）"
        step = {status.DRAFT: "反映人完成并报送", status.RETURNED: f"反映人修改后重新提交{d['next_stage']}"}.get(d["status"], d["next_stage"])
        click.echo(f"下一步：{step}；办理人：{who}")


def _show_waiting(rows: list[dict[str, Any]], name: str, fmt: str, day: dt.date) -> None:
    if fmt == "json":
        _json(rows)
        return
    if not rows:
        click.echo(f"截至 {day}，没有等{name}办理的信息。")
        return
    body = [[r["id"], r["action"], r["days"], "、".join(r["author_names"]), r["title"]] for r in rows]
    click.echo(tables.render(["编号", "待办", "已等天数", "反映人", "标题"], body))
    click.echo(f"截至 {day}，共 {len(rows)} 条信息等{name}办理。")


def _show_overdue(rows: list[dict[str, Any]], fmt: str, day: dt.date) -> None:
    if fmt == "json":
        _json(rows)
        return
    if not rows:
        click.echo(f"截至 {day} 没有逾期未反馈的转办和批示。")
        return
    body = [[r["id"], r["kind"], r["to_name"], r["letter"], r["due"], r["overdue_days"], r["title"]] for r in rows]
    click.echo(tables.render(["编号", "类别", "责任单位", "文号/批示", "反馈期限", "逾期天数", "标题"], body))
    kinds = "、".join(f"{k} {sum(1 for r in rows if r['kind'] == k)} 件" for k in ("转办", "批示") if any(r["kind"] == k for r in rows))
    click.echo(f"截至 {day}，逾期未反馈：{kinds}，请督办。")
