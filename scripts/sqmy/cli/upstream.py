"""sqmy upstream: the reference lists 查重 compares reports with (upstream/, siblings/), and importing the city's list."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import upstream as upstream_mod
from ..errors import EXIT_FINDINGS, EXIT_OK, SqmyError
from ..findings import has_errors
from .base import FORMAT, _json, _repo, main, preview_and_apply


@main.group(invoke_without_command=True)
@FORMAT
@click.pass_context
def upstream(ctx: click.Context, fmt: str) -> None:
    """查重用的参照目录：上级采用的信息（upstream/）和兄弟县（区）的信息（siblings/）。

    不带子命令时列出各目录及其条数。upstream/<名称>.yml 是市、省政协采用的信息目录，
    用 sqmy upstream import 从市里下发的 Excel 或 Word 目录导入；siblings/<单位名称>/items.json
    是其他县（区）政协归档网站的 items.json，直接放入即可。
    """
    if ctx.invoked_subcommand is not None:
        return
    root = _repo().root
    found, findings = upstream_mod.listings(root)
    if fmt == "json":
        _json({
            "lists": [
                {"path": x.path, "source": x.source, "name": x.name, "level": x.level or None, "year": x.year,
                 "count": x.count, "with_body": x.with_body}
                for x in found
            ],
            "findings": [{"path": f.path, "line": f.line, "severity": f.severity, "rule": f.rule, "message": f.message, "field": f.field}
                         for f in findings],
        })
        sys.exit(EXIT_FINDINGS if has_errors(findings) else EXIT_OK)
    ups = [x for x in found if x.source == upstream_mod.UPSTREAM]
    sibs = [x for x in found if x.source == upstream_mod.SIBLINGS]
    click.echo(f"上级采用信息目录（{upstream_mod.UPSTREAM}/）：{len(ups)} 个" + ("" if ups else "。用 sqmy upstream import 导入市里下发的目录"))
    for x in ups:
        about = "，".join(p for p in (x.level, f"{x.year}年" if x.year else "") if p)
        click.echo(f"  {x.path}  {x.name}" + (f"（{about}）" if about else "") + f"  {x.count} 条" + (f"，{x.with_body} 条有正文" if x.with_body else ""))
    click.echo(f"兄弟县（区）信息（{upstream_mod.SIBLINGS}/）：{len(sibs)} 个")
    for x in sibs:
        click.echo(f"  {x.path}  {x.name}  {x.count} 条" + (f"，{x.with_body} 条有正文" if x.with_body else ""))
    for f in findings:
        click.echo(f.text())
    sys.exit(EXIT_FINDINGS if has_errors(findings) else EXIT_OK)


@upstream.command("import")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", "name", required=True, help="目录名称，即文件 upstream/<名称>.yml 的文件名，如 市政协-2025")
@click.option("--level", help="层级（新建目录时写入），如 市政协、省政协、全国政协")
@click.option("--year", type=int, help="年度（新建目录时写入），如 2025")
@click.option("--apply", "apply_", is_flag=True, help="写入目录；不加时只显示将要新增的条目（在终端中会询问是否写入）")
@FORMAT
def upstream_import(source: Path, name: str, level: str | None, year: int | None, apply_: bool, fmt: str) -> None:
    """从市里下发的 Excel（.xlsx）或 Word（.docx）目录导入上级采用的信息到 upstream/<名称>.yml。

    Excel：第一个前 10 行中有“标题”列（或 题目、信息标题、篇名）的工作表；还可有 日期（采用日期、时间）、
    单位（报送单位、来源、作者单位）、期号（文号、刊物、出处）、正文（内容）列。标题为空的行跳过。

    Word：含同样表头的表格；没有表格时读编号的段落，编号如 1. 1、 （1） 一、 等；
    再没有时读像标题的段落：以“关于”开头，或以“建议”“意见”“问题”等结尾。

    标题（不计空格和标点）已在目录中的条目不重复添加，已有条目不会删除或改动：同一文件导入两次，第二次无需修改。
    """
    repo = _repo()
    if not source.is_file():
        raise SqmyError(f"找不到文件 {source}")
    plan = upstream_mod.plan_import(repo.root, source, name, level, year)
    preview_and_apply(plan, apply_, fmt, lambda: upstream_mod.write(repo.root, plan),
                      lambda: f"已写入 {plan.target}：新增 {len(plan.added)} 条。请用 git diff 查看后提交")
