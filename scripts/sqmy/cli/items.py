"""Commands on items and the registry: validate, new, import, people, units, status, demo."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from .. import load as load_mod
from .. import registry, schema, status, tables, views
from ..dates import today
from ..errors import EXIT_FINDINGS, EXIT_OK, SqmyError
from ..findings import ERROR, WARNING, to_json
from .base import FORMAT, _json, _load, _parse_date, _progress, _repo, main, named
from .similar import Warner, similar_of

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
            return len(load_mod.item_files(repo))
        return sum(len(list(p.rglob("*.md"))) if p.is_dir() else 1 for p in paths)

    with _progress(count, "检查信息") as progress:
        found, checked = load_mod.validate_paths(repo, list(paths), day, progress)
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
@click.option("--audience", type=click.Choice(list(schema.AUDIENCES)), default=schema.INTERNAL, show_default=True, help="公开范围")
@click.option("--draft", is_flag=True, help="存为草稿（不填报送日期）")
def new(title: str | None, authors: tuple[str, ...], unit: str | None, category: str | None, focus: str | None,
        source: str | None, key_topic: str | None, audience: str, draft: bool) -> None:
    """从 templates/item.md.j2 新建一条信息，输出文件路径。

    缺少的选项在终端中逐项询问；不在终端中运行时必须全部给出。
    """
    from ..intake import new as new_mod  # imported when used: startup time matters
    repo = _repo()
    reg, _ = registry.load(repo)
    day = today()
    try:
        title = _ask(title, "标题")
        # people and units by id, name or short name (an ambiguous name is refused and the candidates listed)
        author_list = [named(reg.person_named, a, "反映人", lenient=True) for a in authors or (_ask(None, "反映人编号或姓名"),)]
        first = reg.people.get(author_list[0])
        given = unit or (first.unit if first else None) or _ask(None, "报送单位（编号、全称或简称）")
        unit = named(reg.unit_named, given, what="报送单位", lenient=True)
        category = _ask(category, "选题类别", list(reg.categories))
        focus = _ask(focus, "选题重点", list(reg.focuses))
        source = _ask(source, "信息来源", list(schema.SOURCES), "委员调研")
    except _Missing as missing:
        raise SqmyError(f"缺少选项：{missing}。请用 --help 查看各选项，或在终端中运行以逐项填写。") from None
    spec = new_mod.NewItem(title.strip(), tuple(author_list), unit, category, focus, source, audience, key_topic, draft)
    path = new_mod.write(repo, reg, spec, day)
    click.echo(repo.display(path))
    Warner(repo).warn(path.stem, spec.title, "")  # a new report has only its title yet: is it one already written or adopted?


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--author", "authors", multiple=True, help="反映人编号（人员名册中的 id），以此为准；可重复，第一位为第一反映人")
@click.option("--unit", help="报送单位编号（默认：文件中写的单位，否则第一反映人所在单位）")
@click.option("--category", help="选题类别（默认：按标题和正文中的关键词推断，推断不出为“其他”）")
@click.option("--focus", help="选题重点（默认：民之关切）")
@click.option("--source", type=click.Choice(list(schema.SOURCES)), default="委员调研", show_default=True, help="信息来源")
@click.option("--key-topic", help="年度重点选题编号（可选）")
@click.option("--audience", type=click.Choice(list(schema.AUDIENCES)), default=schema.INTERNAL, show_default=True, help="公开范围")
@click.option("--draft", is_flag=True, help="存为草稿（不填报送日期）")
def import_cmd(files: tuple[Path, ...], authors: tuple[str, ...], unit: str | None, category: str | None, focus: str | None,
               source: str, key_topic: str | None, audience: str, draft: bool) -> None:
    """把委员的 Word 文件（.docx）变成信息，每导入一个文件输出一行路径。

    从文件中找出标题、反映人、单位和联系电话，与名册核对；电话不写入信息，名册中没有时登记到 units/people.yml。

    已导入过的文件不会重复导入。有文件无法导入时退出码为 1，其余文件照常导入。
    """
    from ..intake import importdocx  # imported when used: startup time matters
    repo = _repo()
    reg, _ = registry.load(repo)
    authors = tuple(named(reg.person_named, a, "反映人", lenient=True) for a in authors)  # ids or names
    unit = named(reg.unit_named, unit, what="单位", lenient=True) if unit else None
    options = importdocx.Options(authors, unit, category, focus, source, audience, key_topic, draft)
    failed = known = 0
    warner = Warner(repo)
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
        if not outcome.duplicate:
            warner.warn_file(outcome.path)
        click.echo(shown)
    if len(files) > 1:
        click.echo(f"共 {len(files)} 个文件：新导入 {len(files) - failed - known} 个，已有 {known} 个，失败 {failed} 个", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


# --- people and units ---------------------------------------------------------


@main.group(invoke_without_command=True)
@click.option("--role", type=click.Choice(list(schema.ROLES)), help="只列出在指定日期担任该角色的人")
@click.option("--informant", is_flag=True, help="只列出信息员和特约信息员")
@click.option("--date", "on", help="角色的日期（默认今天），格式 YYYY-MM-DD")
@click.option("--contact", is_flag=True, help="同时输出联系电话（内部资料）")
@FORMAT
@click.pass_context
def people(ctx: click.Context, role: str | None, informant: bool, on: str | None, contact: bool, fmt: str) -> None:
    """人员名册：编号、姓名、身份、单位、当前角色、信息员、邮箱。

    sqmy people import 名册.xlsx 从 Excel 名册导入（见 sqmy people import --help）。
    """
    if ctx.invoked_subcommand is not None:
        return
    repo = _repo()
    reg, _ = registry.load(repo)
    day = _parse_date(on, "--date") if on else today()
    rows = views.people(reg, day, role, contact)
    for r in rows:  # 信息员 (in the informant team) and 特约信息员 (named by units)
        r["informant"] = reg.people[r["id"]].informant
        r["informant_for"] = list(reg.informant_for(r["id"]))
    if informant:
        rows = [r for r in rows if r["informant"] or r["informant_for"] or r["kind"] == schema.INFORMANT_KIND]
    if fmt == "json":
        _json(rows)
        return

    def informant_label(r: dict[str, Any]) -> str:
        named = "、".join(reg.units[u].label for u in r["informant_for"])
        return "、".join(x for x in ("信息员" if r["informant"] else "", f"特约信息员（{named}）" if named else "") if x)

    headers = ["编号", "姓名", "身份", "单位", "职务", "当前角色", "信息员", "邮箱"] + (["电话"] if contact else [])
    body = [
        [r["id"], r["name"], r["kind"], r["unit_name"] or r["unit"], r["title"], "、".join(r["current_roles"]), informant_label(r), r["email"]]
        + ([r["phone"] or ""] if contact else [])
        for r in rows
    ]
    click.echo(tables.render(headers, body))
    click.echo(f"共 {len(rows)} 人")


@main.group(invoke_without_command=True)
@click.option("--year", type=int, help="显示哪一年的任务数（默认今年）")
@FORMAT
@click.pass_context
def units(ctx: click.Context, year: int | None, fmt: str) -> None:
    """单位名册：编号、名称、类别、年度任务、人数。

    sqmy units import 名册.xlsx 从 Excel 名册导入（见 sqmy units import --help）。
    """
    if ctx.invoked_subcommand is not None:
        return
    repo = _repo()
    reg, _ = registry.load(repo)
    year = year or today().year
    rows = views.units(reg, year)
    for r in rows:
        r["informants"] = list(reg.units[r["id"]].informants)  # the unit's 特约信息员
    if fmt == "json":
        _json(rows)
        return
    body = [
        [r["id"], r["name"], r["kind"], r["quota_this_year"] if r["quota_this_year"] is not None else "", r["people"],
         "、".join(reg.people[p].name if p in reg.people else p for p in r["informants"])]
        for r in rows
    ]
    click.echo(tables.render(["编号", "名称", "类别", f"{year}年任务", "人数", "特约信息员"], body))
    click.echo(f"共 {len(rows)} 个单位")


# --- status -------------------------------------------------------------------


@main.command("status")
@click.argument("item_id", required=False)
@click.option("--summary", is_flag=True, help="只输出各状态的条数")
@click.option("--overdue", is_flag=True, help="只列出逾期未反馈的转办")
@click.option("--for", "for_person", metavar="P",
              help="只列出等 P（人员编号或姓名）办理的事：待其审核、复核、修改；办公室人员另有待编刊、待报送、待转办和七天内到期的督办")
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
        detail = views.detail(reg, loaded.items, item_id, day)
        detail["similar"] = similar_of(repo, loaded, item_id, day)
        _show_detail(detail, fmt)
        return
    if overdue:
        _show_overdue(views.overdue(reg, loaded.items, day), fmt, day)
        return
    if for_person:
        for_person = named(reg.person_named, for_person)  # id or name
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
    if d.get("explanation"):
        click.echo(d["explanation"])
    if d["reviews"]:
        click.echo("")
        rows = [
            [r["date"], r["stage"], r["by_name"],
             r["decision"] + (f"（专家：{'、'.join(r['expert_names'])}）" if r["experts"] else "") + (f"（{r['duplicate']}）" if r["duplicate"] else ""),
             ("一致（导入）" if r["imported"] else "一致") if r["digest_matches"] else "内容已改动", r["comment"]]
            for r in d["reviews"]
        ]
        click.echo(tables.render(["日期", "环节", "审核人", "意见", "内容摘要", "说明"], rows))
    if d["routes"]:
        click.echo(f"转化渠道：{'、'.join(d['routes'])}")
    if d["journal"]:
        j = d["journal"]
        click.echo(f"编发：《{j['title']}》{j['year']}年第{j['issue']}期")
    for x in d["sent"]:
        click.echo(f"报送：{'参阅件' if x['route'] == '参阅' else x['route']} {x['date']} 报{x['to']}")
    for t in d["transfers"]:
        fb = t["feedback"]
        state = f"{fb['date']} 反馈：{fb['result']}" if fb else (f"逾期 {t['overdue_days']} 天未反馈" if t["overdue_days"] else "办理中")
        click.echo(f"转办：{t['to_name']} {t['letter']}（{t['date']}，期限 {t['due']}）{state}" + _summary(fb))
    for a in d["adoptions"]:
        click.echo(f"采用：{a['level']} {a['date']} {a['ref']}")
    for i in d["instructions"]:
        fb = i["feedback"]
        assigned = f"，交办：{'、'.join(i['assigned_names'])}" if i["assigned_names"] else ""
        state = f"{fb['date']} 落实情况：{fb['result']}" if fb else (f"逾期 {i['overdue_days']} 天未反馈" if i["overdue_days"] else "")
        click.echo(f"批示：{i['level']}{i['leader']} {i['date']} {i['summary']}{assigned}" + (f"；{state}" if state else "") + _summary(fb))
    for x in d["solved"]:
        click.echo(f"推动解决：{x['date']} {x['summary']}")
    for f in d.get("similar") or ():
        score = f"得分 {f['score']:.2f}" if f["score"] is not None else f"题目相近度 {f['title_ratio']:.0f}"
        click.echo(f"查重：【{f['verdict']}】{f['label']}《{f['title']}》（{f['source_name']}，{score}）")
    if d.get("similar"):
        click.echo(f"（sqmy similar {d['id']} 查看共同段落）")
    click.echo(_next_step(d))


def _summary(fb: dict[str, Any] | None) -> str:
    return f"（{fb['summary']}）" if fb and fb["summary"] else ""


def _next_step(d: dict[str, Any]) -> str:
    """The last line of `status ID`: every step that waits, and who takes it."""
    steps = []
    for n in d["next"]:
        action = n["action"]
        if n["kind"] == "review":
            action = f"{action}（sqmy review 编号 {action} 通过/退回修改/不予上报）"
        elif n["kind"] == "submit":
            action = "反映人完成并报送"
        elif n["kind"] == "revise":
            action = f"反映人修改后重新提交{d['next_stage']}"
        elif n["kind"] == "reopen":
            action = "办公室重新审核（sqmy reopen），然后从初审开始重新审核"
        when = f"，期限 {n['due']}" if n["due"] else ""
        steps.append(f"{action}{when}；办理人：{'、'.join(n['who_names']) or '（无人担任该角色）'}")
    if not steps:
        done = {status.REJECTED: "不予上报，流程结束", status.IMPLEMENTED: "已落实，办理完毕"}.get(d["status"], "暂无待办，等待采用、批示或反馈")
        return f"下一步：{done}"
    return "下一步：" + ("" if len(steps) == 1 else "\n  ") + "\n  ".join(steps)


def _show_waiting(rows: list[dict[str, Any]], name: str, fmt: str, day: dt.date) -> None:
    if fmt == "json":
        _json(rows)
        return
    if not rows:
        click.echo(f"截至 {day}，没有等{name}办理的事。")
        return
    body = [[r["id"], r["action"], r["days"], _due(r), "、".join(r["author_names"]), r["title"]] for r in rows]
    click.echo(tables.render(["编号", "待办", "已等天数", "期限", "反映人", "标题"], body))
    items = len({r["id"] for r in rows})
    click.echo(f"截至 {day}，共 {len(rows)} 件事等{name}办理" + (f"（涉及 {items} 条信息）" if items != len(rows) else "") + "。")


def _due(row: dict[str, Any]) -> str:
    if row["due"] is None:
        return ""
    left = row["due_in_days"]
    return f"{row['due']}（" + (f"逾期 {-left} 天" if left < 0 else "今天到期" if left == 0 else f"还有 {left} 天") + "）"


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
    from .. import demo as demo_mod  # imported when used: startup time matters
    source = _repo()
    with _progress(lambda: count, "生成信息") as progress:
        stats = demo_mod.make(source, out, count, seed, today(), progress, signed)
    click.echo(
        f"已生成 {out}：{stats['items']} 条信息，{stats['commits']} 个提交"
        f"（审核 {stats['reviews']} 次，其中签名 {stats['signed']} 次；合并 {stats['merged']} 次，"
        f"办理记录 {stats['outcomes']} 条，仍在审核 {stats['open']} 条）"
    )
