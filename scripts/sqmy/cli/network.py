"""sqmy forward / sqmy receive: reports between offices, as signed bundles."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..dates import today
from ..errors import EXIT_FINDINGS, SqmyError
from .base import FORMAT, _json, _repo, main


@main.command()
@click.argument("item_id")
@click.option("--to", "to", required=True, help="报给哪个单位（units/network.yml 中往来单位的编号或名称）")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), envvar="SQMY_FORWARD_KEY",
              help="本会转送签名私钥文件（默认取环境变量 SQMY_FORWARD_KEY）；公钥须与 units/network.yml 中的 key 一致")
@click.option("--output", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="转送包写入的文件夹（默认 build/forward/）")
@FORMAT
def forward(item_id: str, to: str, key: Path | None, out_dir: Path | None, fmt: str) -> None:
    """把审定通过、选了直报的信息做成签名的转送包，报给上级政协（可经平台、邮件或 U 盘传送）。

    转送包含信息原文件、直报件（Word）和签名的清单（审核记录、审定提交、查重结果、各文件校验值）。
    同一文本重复转送得到同一个转送包；重新审定后再转送，次序加一。
    """
    from .. import network

    if key is None:
        raise SqmyError("请用 --key 指定本会转送签名私钥文件（或设置环境变量 SQMY_FORWARD_KEY）")
    repo = _repo()
    done = network.forward(repo, item_id, to, key, out_dir or repo.root / "build" / "forward", today())
    if fmt == "json":
        _json({"path": str(done.path), **done.manifest})
        return
    m = done.manifest
    click.echo(f"已生成转送包 {done.path}")
    click.echo(f"  {m['item']['id']} {m['item']['title']}：报{to}，第 {m['sequence']} 次转送，编号 {m['bundle'][:16]}…")
    click.echo(f"  如已报出，请记录：sqmy record {item_id} sent --route 直报 --to {to}")


@main.command()
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path))
@FORMAT
def receive(bundles: tuple[Path, ...], fmt: str) -> None:
    """接收下级政协报来的转送包：核对签名（按 units/network.yml 中登记的公钥）和每个文件的校验值，成为本会的一条信息，由本会审核。

    未通过核验的转送包一概拒绝并说明原因；已接收过的转送包不重复接收；旧的或重放的转送包拒绝。
    """
    from .. import network

    repo = _repo()
    day = today()
    results: list[dict[str, object]] = []
    failed = 0
    for bundle in bundles:
        try:
            got = network.receive(repo, bundle, day)
        except SqmyError as exc:
            failed += 1
            click.echo(f"sqmy：{bundle}：{exc.message}", err=True)
            results.append({"bundle": str(bundle), "error": exc.message})
            continue
        item = got.item
        results.append({"bundle": str(bundle), "item": item.id if item else None, "fresh": got.fresh, "commit": got.commit})
        if fmt != "json":
            origin = got.manifest["origin"].get("name") or got.manifest["origin"].get("id")
            if got.fresh and item is not None:
                click.echo(f"{bundle} → {item.path}（{origin} {got.manifest['item']['id']}，待本会初审）")
            else:
                click.echo(f"{bundle}：已接收过，即本会的 {item.id if item else '（未知）'}，未重复接收")
    if fmt == "json":
        _json(results)
    if failed:
        sys.exit(EXIT_FINDINGS)

