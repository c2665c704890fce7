"""Commands that record what happens after 审定: record, journal."""

from __future__ import annotations

from typing import Any

import click

from .. import schema, status
from ..dates import today
from .base import FORMAT, LabeledChoice, _json, _repo, main


@main.command()
@click.argument("item_id")
@click.argument("kind", type=LabeledChoice({**schema.RECORD_KINDS, "sent": "报送"}))  # as outcomes.KINDS, without importing it
@click.option("--level", help="采用层级（市政协、省政协、全国政协）或批示层级（县委、县政府、市委……）")
@click.option("--date", "on", help="日期 YYYY-MM-DD（转办和报送默认今天）")
@click.option("--route", type=click.Choice([schema.DIRECT, schema.REFERRAL]), help="报送：哪个渠道已报出（直报、参阅）")
@click.option("--ref", help="采用：刊发载体，如“市政协《社情民意信息》2025年第12期”")
@click.option("--mode", type=click.Choice(list(schema.enum("adoption_mode"))), help="采用方式（默认单篇采用）")
@click.option("--leader", type=click.Choice(list(schema.LEADERS)), help="批示领导")
@click.option("--summary", help="批示摘要、反馈摘要或解决的问题")
@click.option("--assign", "assigned", multiple=True, help="批示：两办交办的单位编号；可重复")
@click.option("--to", help="转办：承办单位编号；反馈：哪个承办单位的反馈；报送：报给谁，如“市政协办公室”")
@click.option("--due", help="转办：反馈期限（默认按办公室规定的天数）")
@click.option("--result", type=click.Choice(list(schema.FEEDBACK_RESULTS)), help="反馈：办理结果")
@click.option("--instruction", type=int, help="反馈：第几条批示的落实情况（不给则为转办的反馈）")
@FORMAT
def record(item_id: str, kind: str, on: str | None, fmt: str, **values: Any) -> None:
    """记录办理结果（办公室人员）：sent 直报或参阅件已报出、adoption 采用、instruction 批示、transfer 转办、feedback 反馈、solved 推动解决的问题。

    每次记录单独提交；不符合规则时拒绝且不写入。转办函文号按年自动编号。
    """
    from .. import outcomes as outcomes_mod  # imported when used: startup time matters
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
    """《社情民意信息》期刊：new 新开一期并编入信息，add 编入已有的一期，list 列出各期，renumber 处理两个分支各开同一期的重号。"""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@journal.command("new")
@click.argument("item_ids", nargs=-1, required=True)
@click.option("--year", type=int, help="年份（默认今年）")
def journal_new(item_ids: tuple[str, ...], year: int | None) -> None:
    """新开一期（期号为当年下一个），把审定通过的信息编入。"""
    from .. import outcomes as outcomes_mod  # imported when used: startup time matters
    _, done = outcomes_mod.journal(_repo(), item_ids, today(), year)
    click.echo(f"已{done.summary}，提交 {done.sha[:10]}")


@journal.command("add")
@click.argument("issue", type=int)
@click.argument("item_ids", nargs=-1, required=True)
@click.option("--year", type=int, help="年份（默认今年）")
def journal_add(issue: int, item_ids: tuple[str, ...], year: int | None) -> None:
    """把信息编入已开设的第 ISSUE 期。"""
    from .. import outcomes as outcomes_mod  # imported when used: startup time matters
    _, done = outcomes_mod.journal(_repo(), item_ids, today(), year, issue)
    click.echo(f"已{done.summary}，提交 {done.sha[:10]}")


@journal.command("list")
@click.option("--year", type=int, help="年份（默认今年）")
@FORMAT
def journal_list(year: int | None, fmt: str) -> None:
    """列出一年的各期和所编信息。"""
    from .. import outcomes as outcomes_mod  # imported when used: startup time matters
    year = year or today().year
    found = outcomes_mod.issues(_repo(), today(), year)
    if fmt == "json":
        _json([{"year": year, "issue": n, "items": [{"id": i.id, "title": i.title, "token": i.journal.token if i.journal else ""} for i in items]}
               for n, items in found.items()])
        return
    for number, items in found.items():
        marks = sorted({i.journal.token for i in items if i.journal})
        clash = f"  ⚠ 重号：{len(marks)} 组分别编入的信息，请用 sqmy journal renumber 处理" if len(marks) > 1 else ""
        click.echo(f"{year}年第{number}期（{len(items)} 条）{clash}")
        for item in items:
            mark = f"  [标记 {item.journal.token or '无'}]" if clash and item.journal else ""
            click.echo(f"  {item.id}  {item.title}{mark}")
    if not found:
        click.echo(f"{year}年还没有编发期刊。")


@journal.command("renumber")
@click.argument("issue", type=int)
@click.option("--token", required=True, help="要改期号的那一组信息的编刊标记（sqmy journal list 中显示）")
@click.option("--year", type=int, help="年份（默认今年）")
def journal_renumber(issue: int, token: str, year: int | None) -> None:
    """两个分支各自新开了同一期（重号）时，把标记为 TOKEN 的那组信息改为当年下一个期号。"""
    from .. import outcomes as outcomes_mod  # imported when used: startup time matters
    day = today()
    target, done = outcomes_mod.renumber(_repo(), year or day.year, issue, token, day)
    click.echo(f"已改为第{target}期：{done.summary}，提交 {done.sha[:10]}")
