"""Statistics and scores: stats, score."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import stats as stats_mod
from ..dates import today
from ..paths import Repo
from .base import LabeledChoice, _load, _repo, main

# --- statistics and scores -------------------------------------------------------

REPORT_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json", "csv", "xlsx"]), default="text", show_default=True,
    help="输出格式：text 终端表格，md Markdown，json 供程序读取，csv 一张表，xlsx Excel 工作簿（每种分类一张工作表）",
)
OUTPUT = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                      help="写入文件（xlsx 默认写入信息库的 build/reports/；csv 文件带 BOM，Excel 可直接打开）")
REPORTS = Path("build") / "reports"  # where a report file goes when no -o names one
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


def _emit(repo: Repo, parts: list[Any], data: object, fmt: str, output: Path | None, heading: str, stem: str, csv_table: Any) -> None:
    from .. import report

    if fmt == "xlsx":
        path = output or repo.root / REPORTS / f"{stem}.xlsx"  # never into the repository's own files
        path.parent.mkdir(parents=True, exist_ok=True)
        report.xlsx(parts, path, heading)
        click.echo(f"已写入 {repo.display(path) if output is None else path}")
        return
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        # a file gets a byte order mark: Excel on Chinese Windows reads UTF-8 only with it (a pipe gets none)
        text = ("\ufeff" if output else "") + report.csv_text(csv_table)
    elif fmt == "md":
        text = f"# {heading}\n\n" + report.markdown(parts)
    else:
        text = f"{heading}\n\n" + report.text(parts)
    if output:
        from ..fsutil import write_text

        write_text(output, text)
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)


@main.command()
@_period_options
@click.option("--by", "by", type=LabeledChoice({d: stats_mod.DIMENSION_LABELS[d] for d in stats_mod.DIMENSIONS}), multiple=True,
              help="分类汇总（可重复，写名称或中文均可，如 --by 单位；默认按单位）；json 和 xlsx 包含全部分类")
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
    _emit(repo, parts, result, fmt, output, heading, f"sqmy-stats-{when.label}", parts[1])


@main.command()
@_period_options
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path), help="另一套考评办法（默认 units/scoring.yml）")
@REPORT_FORMAT
@OUTPUT
def score(year: int | None, period_name: str | None, start: str | None, end: str | None, rules_path: Path | None, fmt: str, output: Path | None) -> None:
    """考评积分：按考评办法计算个人履职积分、单位积分和等次，并排名（并列同名次；比率排名有最少篇数）。"""
    from .. import score as score_mod

    repo = _repo()
    day = today()
    when = stats_mod.period(year, period_name, start, end, day)
    loaded = _load(repo, day)
    rules = score_mod.load_rules(repo, loaded.registry, rules_path)
    result = score_mod.compute(loaded.registry, loaded.items, rules, when, day)
    parts = score_mod.report_tables(result)
    heading = f"{loaded.registry.office.short_name}社情民意信息考评（{when.label}，{rules['name']}）"
    _emit(repo, parts, result, fmt, output, heading, f"sqmy-score-{when.label}", parts[0])
