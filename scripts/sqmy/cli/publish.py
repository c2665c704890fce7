"""What the office publishes: the archive (build) and the Word documents (docx)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from .. import stats as stats_mod
from ..dates import today
from ..docx import fonts as docx_fonts_mod
from ..docx import reference as docx_reference
from ..errors import SqmyError
from ..fsutil import write_text
from ..paths import Repo
from .base import LabeledChoice, _load, _repo, main
from .reports import _period_options


@main.command()
@click.option("--audience", type=LabeledChoice({"internal": "内部版", "public": "公开版"}), default="internal", show_default=True,
              help="internal 内部版（全部信息和记录）；public 公开版（只有公开的信息，不含审核意见、联系方式等内部内容）")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认：内部版 site/，公开版 site-public/）")
def build(audience: str, site_dir: Path | None) -> None:
    """生成归档网站（MkDocs + mkdocs-material），可离线浏览。"""
    repo = _repo()
    config_file = repo.root / "mkdocs.yml"
    if not config_file.is_file():
        raise SqmyError("信息库中没有 mkdocs.yml：请从示例信息库复制 mkdocs.yml 和 templates/site/")
    target = (site_dir or repo.root / ("site" if audience == "internal" else "site-public")).resolve()
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from ..site.plugin import SqmyPlugin

    try:
        config = load_config(str(config_file), site_dir=str(target))
        plugin = next((p for p in config.plugins.values() if isinstance(p, SqmyPlugin)), None)
        if plugin is None:
            raise SqmyError("mkdocs.yml 没有启用 sqmy 插件：请在 plugins 下加入 - sqmy（见示例信息库的 mkdocs.yml）")
        # the edition is the plugin's own option, as if mkdocs.yml said it; the repository is this command's
        # (its --root and --rules-from), so that the registry and page templates come from where the command says
        plugin.config.audience = audience
        plugin.repo = repo
        mkdocs_build(config)
    except MkDocsException as exc:
        raise SqmyError(f"生成网站失败：{exc}") from None
    click.echo(f"已生成{'内部版' if audience == 'internal' else '公开版'}归档：{target / 'index.html'}")


# --- Word documents -------------------------------------------------------------

DOCX_OUTPUT = click.option("--output", "-o", type=click.Path(path_type=Path), help="写入的文件（默认 build/docx/<年份>/ 下的标准文件名）")


def _planner(repo: Repo, day: dt.date, issue: tuple[int, int] | None = None) -> Any:
    """The documents' planner; for one journal `issue` (year, number), with that issue's items only."""
    from ..docx import plan

    if issue is None:
        loaded = _load(repo, day)
        return plan.Planner(repo, loaded.registry, loaded.items, day)
    loaded = _load(repo, day, lambda j: (j.year, j.issue) == issue)
    return plan.Planner(repo, loaded.registry, loaded.items, day, issue_keys=loaded.issues)


def _write_docs(repo: Repo, docs: list[Any], output: Path | None, folder: bool = False) -> None:
    """Convert `docs`, showing progress on stderr, and print each file written."""
    from ..docx import plan, reference

    reference_doc = reference.reference_doc(repo)
    if not docs:
        click.echo("没有需要生成的公文。", err=True)
        return
    if not folder and output is not None:
        if len(docs) != 1:
            raise SqmyError(f"要生成 {len(docs)} 份公文，--output 应为文件夹")
        data = plan.convert(docs[0], reference_doc)
        from ..fsutil import write_bytes

        write_bytes(output, data)
        click.echo(str(output))
        return
    out_dir = output or repo.root / plan.OUTPUT
    step = max(1, len(docs) // 10)

    def progress(done: int, total: int, doc: Any) -> None:
        if total > 1 and (sys.stderr.isatty() or done % step == 0 or done == total):
            click.echo(f"生成公文 {done}/{total}：{doc.name}", err=True)

    for path in plan.write_all(docs, out_dir, reference_doc, progress=progress):
        click.echo(repo.display(path))


@main.group()
def docx() -> None:
    """生成 Word 公文（GB/T 9704-2012 版式）：期刊、直报件、参阅件、转办函、通报。

    版式由 templates/docx/styles.yml 定义，文字由 templates/docx/*.md.j2 模板定义。
    默认写入 build/docx/<年份>/；用 -o 指定文件（all 为文件夹）。
    """


@docx.command("fonts")
@click.option("--install", is_flag=True, help="写入本人的 fontconfig 配置（~/.config/fontconfig/conf.d/），不打印")
def docx_fonts(install: bool) -> None:
    """没有公文字体的 Linux 电脑：把 styles.yml 的替代链写成 fontconfig 规则。

    LibreOffice 不读 Word 文件中的替代字体，按 fontconfig 找字体；装上这些规则后，
    缺少的公文字体按替代链显示（正文宋体类、标题黑体类、楷体），装有公文字体时仍用公文字体。
    为全部用户安装：sqmy docx fonts > /etc/fonts/conf.d/60-sqmy-gbt9704.conf（需要管理员）。
    """
    repo = _repo()
    definition, _ = docx_reference.load_definition(repo)
    rules = docx_fonts_mod.fontconfig(definition["fonts"])
    if not install:
        click.echo(rules, nl=False)
        return
    folder = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fontconfig" / "conf.d"
    target = folder / docx_fonts_mod.FILE_NAME
    if target.is_file() and not target.is_symlink() and target.read_text("utf-8", "replace") == rules:
        click.echo(f"字体规则已是最新：{target}")
        return
    write_text(target, rules)
    click.echo(f"已写入字体规则：{target}（LibreOffice 下次启动时生效）")


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
    year = year or today_.year
    planner = _planner(repo, today_, (year, issue))
    _write_docs(repo, [planner.journal(year, issue, when)], output)


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
@click.option("--kind", "kinds", type=LabeledChoice({"journal": "期刊", "item": "直报件", "referral": "参阅件", "transfer": "转办函",
                                                     "bulletin": "通报"}), multiple=True, help="只生成这几类（可重复，写名称或中文均可；默认全部）")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="写入的文件夹（默认 build/docx/）")
def docx_all(year: int | None, kinds: tuple[str, ...], output: Path | None) -> None:
    """一年的全部公文：各期期刊、直报件、参阅件、转办函和年度通报，并行生成。"""
    from ..docx import plan

    repo = _repo()
    day = today()
    planner = _planner(repo, day)
    docs = planner.year(year or day.year, kinds or plan.KINDS)
    _write_docs(repo, docs, output, folder=True)
    for reason in planner.skipped:
        click.echo(f"sqmy：未生成：{reason}", err=True)
    if planner.skipped:
        sys.exit(1)
