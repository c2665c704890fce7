"""sqmy forward / sqmy receive: reports between offices, as signed bundles."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..dates import today
from ..errors import EXIT_FINDINGS, SqmyError
from .base import FORMAT, _json, _repo, main

# the office's signing key: bundles and the update feed are accepted only when signed with the key units/network.yml lists
KEY = click.option("--key", type=click.Path(dir_okay=False, path_type=Path), envvar="SQMY_FORWARD_KEY",
                   help="本会签名私钥文件（默认取环境变量 SQMY_FORWARD_KEY）；公钥须与 units/network.yml 中本会的 key 一致，对方只接受这把密钥签的转送包和更新")


@main.command()
@click.argument("item_id")
@click.option("--to", "to", required=True, help="报给哪个单位（units/network.yml 中往来单位的编号或名称）")
@KEY
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



@main.command("feed")
@KEY
@click.option("--output", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="写入的文件夹（默认仓库中的 feed/：提交后内部版归档网站在 feed/ 发布）")
@FORMAT
def feed_cmd(key: Path | None, out_dir: Path | None, fmt: str) -> None:
    """发布下级政协报来信息的办理情况（updates.json 和签名 updates.json.sig）：接收、编发采用、转报、批示、转办、反馈、推动解决、不予采用、认定重复。

    下级政协用 sqmy pull-updates 拉取，记为采用和批示。每次由全部信息重新生成，只增不减（已签名发布过的更新一直保留）。
    """
    from .. import feed

    if key is None:
        raise SqmyError("请用 --key 指定本会签名私钥文件（或设置环境变量 SQMY_FORWARD_KEY）：未签名的更新下级不会接受")
    repo = _repo()
    path, count = feed.write(repo, key, out_dir or repo.root / feed.FOLDER, today())
    if fmt == "json":
        _json({"path": str(path), "updates": count})
        return
    click.echo(f"已写入 {path}（{count} 条更新）和签名 {path.name}.sig")


@main.command("pull-updates")
@click.argument("source", metavar="更新")
@FORMAT
def pull_updates(source: str, fmt: str) -> None:
    """拉取上级政协发布的更新（updates.json、其所在文件夹或 http(s) 地址，签名 updates.json.sig 须在旁边）：核对签名后，把本会报去的信息被编发、转报记为采用，
    领导批示记为批示，每条更新只记录一次；其余（接收、转办、反馈等）列出不记录。"""
    from .. import feed

    repo = _repo()
    got = feed.pull(repo, source, today())
    if fmt == "json":
        _json({"office": got.office, "recorded": [{"item": i, "kind": k, "commit": c} for i, k, c in got.recorded], "known": got.known,
               "shown": [{"item": i, "kind": k, "date": d} for i, k, d in got.shown], "missing": got.missing,
               "refused": [{"item": i, "kind": k, "reason": r} for i, k, r in got.refused]})
    else:
        for item_id, kind, sha in got.recorded:
            click.echo(f"已记录：{item_id} {feed.KIND_NAMES.get(kind, kind)}（提交 {sha[:10]}）")
        for item_id, kind, day in got.shown:
            click.echo(f"{got.office}：{item_id} {feed.KIND_NAMES.get(kind, kind)}（{day}）")
        for item_id, kind, why in got.refused:
            click.echo(f"未记录：{item_id} {feed.KIND_NAMES.get(kind, kind)}：{why}", err=True)
        if got.missing:
            click.echo(f"本会没有这些信息：{'、'.join(sorted(set(got.missing)))}", err=True)
        click.echo(f"{got.office}的更新：新记录 {len(got.recorded)} 条，此前已记录 {got.known} 条")
    if got.refused:
        sys.exit(EXIT_FINDINGS)
