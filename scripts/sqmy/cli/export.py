"""Data for the city's and the province's overviews: export."""

from __future__ import annotations

from pathlib import Path

import click

from ..dates import today
from ..errors import SqmyError
from .base import FORMAT, LabeledChoice, _json, _load, _repo, main

EXPORTS = Path("build") / "export"  # where the files go when no -o names a folder


@main.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="写入的文件夹（默认信息库的 build/export/）")
@click.option("--audience", type=LabeledChoice({"internal": "内部版", "public": "公开版"}), default="public", show_default=True,
              help="public 公开版（默认：只有公开版归档显示的信息和内容，可对外报送）；internal 内部版（全部信息，含反映人编号、公开范围、报送记录、任务数）")
@click.option("--bodies", is_flag=True, help="加上正文（公开版的正文与公开版归档一样，手机号和身份证号打码）")
@FORMAT
def export_command(output: Path | None, audience: str, bodies: bool, fmt: str) -> None:
    """导出供市、省政协汇总的数据：items.parquet（每条信息一行）、units.parquet（单位和年度任务）
    和 export.json（说明：各列的类型和含义、行数、文件校验值）。

    内容由归档的版本决定：公开版只导出公开版归档显示的信息和字段。同样的数据在同一天导出，文件逐字节相同。
    """
    from .. import export as export_mod

    repo = _repo()
    day = today()
    folder = output or repo.root / EXPORTS
    if folder.exists() and not folder.is_dir():
        raise SqmyError(f"{folder} 已存在，但不是文件夹：请用 -o 指定一个文件夹")
    loaded = _load(repo, day)
    done = export_mod.export(loaded.registry, loaded.items, folder, audience, day, bodies=bodies)
    manifest = done.manifest
    if fmt == "json":
        _json({"folder": str(folder), **{k: manifest[k] for k in ("audience", "bodies", "generated", "rows", "sha256")}})
        return
    shown = repo.display(folder) if output is None else str(folder)
    rows = manifest["rows"]
    click.echo(f"已导出{manifest['office']['short_name']}{manifest['edition']}数据到 {shown}：信息 {rows[export_mod.ITEMS]} 条，"
               f"单位年度 {rows[export_mod.UNITS]} 行{'，含正文' if bodies else ''}；各列说明见 export.json")
