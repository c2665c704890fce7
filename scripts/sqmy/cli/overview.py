"""The city's overview of its counties' exports: overview."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import EXIT_FINDINGS, SqmyError
from .base import _json, _repo, main


@main.command("overview")
@click.option("--exports", "exports", type=click.Path(path_type=Path),
              help="各县导出所在的文件夹（默认信息库的 exports/，每县一个子文件夹，以 units/network.yml 中的单位编号命名）")
@click.option("--year", type=int, help="只汇总这一年（默认全部年份）")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True,
              help="输出格式：text 终端表格，md Markdown，json 供程序读取")
def overview_command(exports: Path | None, year: int | None, fmt: str) -> None:
    """汇总各县报来的导出数据（sqmy export）：按县按年的转化情况、采用率、任务完成、年度重点选题。

    每个导出先经核验：文件夹须以 units/network.yml 中登记的往来单位编号命名（否则跳过并提示），导出说明的格式和版本须能识别，
    两个 Parquet 文件须是普通文件且校验值与 export.json 一致（否则拒绝并说明）。任务完成只来自内部版导出。
    有导出被拒绝时退出码为 1。
    """
    from .. import overview as overview_mod
    from .. import registry as registry_mod
    from .. import report
    from ..findings import ERROR

    repo = _repo()
    reg, findings = registry_mod.load(repo)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise SqmyError(f"名册有错误，请先修正：{errors[0].text()}")
    folder = exports if exports is not None else repo.root / overview_mod.EXPORTS
    if not folder.is_dir():
        raise SqmyError(f"找不到各县导出的文件夹 {repo.display(folder) if exports is None else folder}：各县 sqmy export 的结果"
                        "请放在 exports/<单位编号>/ 下，或用 --exports 指定")
    found = overview_mod.find(folder, reg.network, overview_mod.EXPORTS if exports is None else None)
    result = overview_mod.compute(found, year)
    for problem in result.problems:
        click.echo(f"sqmy：{problem.message}", err=True)
    if fmt == "json":
        _json(result.as_json())
    else:
        heading = f"{reg.office.short_name}各县社情民意信息汇总（{f'{year}年' if year else '全部年份'}）"
        if not result.counties:
            click.echo(f"{heading}\n\n没有可用的导出。", nl=True)
        else:
            parts = [overview_mod.counties_table(result)]
            for y in result.years:
                parts += overview_mod.year_tables(result, y)
            text = (f"# {heading}\n\n" + report.markdown(parts)) if fmt == "md" else (f"{heading}\n\n" + report.text(parts))
            click.echo(text, nl=False)
    if any(p.refused for p in result.problems):
        sys.exit(EXIT_FINDINGS)
