"""sqmy people import / sqmy units import: rosters kept in Excel, into units/."""

from __future__ import annotations

from pathlib import Path

import click

from ..dates import today
from ..errors import SqmyError
from ..intake import rosterxlsx
from .base import FORMAT, _repo, preview_and_apply
from .items import people, units

_WORKBOOK = click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
_SHEET = click.option("--sheet", help="工作表名称（默认：第一个找得到表头的工作表）")
_APPLY = click.option("--apply", "apply_", is_flag=True, help="写入名册；不加时只显示将要做的修改（在终端中会询问是否写入）")


def _run(plan: rosterxlsx.Plan, apply_: bool, fmt: str) -> None:
    repo = _repo()
    preview_and_apply(plan, apply_, fmt, lambda: rosterxlsx.write(repo, plan),
                      lambda: f"已写入 {plan.target}：新增 {len(plan.added)}，修改 {len(plan.changed)}。请用 git diff 查看后提交")


def _checked(workbook: Path) -> Path:
    repo = _repo()
    if repo.rules is not None:
        raise SqmyError("导入名册不能与 --rules-from 同用：名册只在本信息库的 units/ 中修改")
    if not workbook.is_file():
        raise SqmyError(f"找不到名册文件 {workbook}")
    return workbook


@people.command("import")
@_WORKBOOK
@_SHEET
@_APPLY
@FORMAT
def people_import(workbook: Path, sheet: str | None, apply_: bool, fmt: str) -> None:
    """从 Excel 名册导入人员到 units/people.yml。

    表头（第一行或标题下的一行）可用：编号、姓名、身份、单位、职务、电话、邮箱、GitHub 账号、角色、信息员。

    有编号列时按编号、否则按姓名（同名时再按单位）对应名册中的人；新增的人须填写编号（一般用姓名拼音，如 zhang-san）。

    先列出新增、修改、不变和表中没有的人，加 --apply 才写入。空白单元格不清除已有的值，表中没有的人保留不动，角色只增不减。
    """
    plan = rosterxlsx.plan_people(_repo(), _checked(workbook), sheet, today())
    _run(plan, apply_, fmt)


@units.command("import")
@_WORKBOOK
@_SHEET
@click.option("--year", type=int, help="“年度任务”列是哪一年的任务（默认今年；表头写成“2026年任务”时以表头为准）")
@_APPLY
@FORMAT
def units_import(workbook: Path, sheet: str | None, year: int | None, apply_: bool, fmt: str) -> None:
    """从 Excel 名册导入单位到 units/units.yml。

    表头可用：编号、名称、简称、类别、年度任务（或“2026年任务”，可有多列）、特约信息员（姓名或人员编号，多人用顿号分开）。

    有编号列时按编号、否则按名称或简称对应名册中的单位；新增的单位须填写编号和类别。

    先列出将要做的修改，加 --apply 才写入。空白单元格不清除已有的值，表中没有的单位保留不动。
    """
    plan = rosterxlsx.plan_units(_repo(), _checked(workbook), sheet, today(), year)
    _run(plan, apply_, fmt)
