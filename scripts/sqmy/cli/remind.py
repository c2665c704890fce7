"""The reminder command: remind."""

from __future__ import annotations

import os

import click

from ..dates import today
from .base import _json, _load, _repo, main, named


@main.command()
@click.option("--to", "person", metavar="P", help="只提醒 P（人员编号或姓名）；不给则提醒每一位有待办的人")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True,
              help="输出格式：text 供终端阅读，md 为 Markdown，json 供程序读取")
@click.option("--internal", is_flag=True,
              help="发送或输出的地方是内部场所（私有仓库、内部群）：列出标题和详情。不给时只列编号、环节和天数")
@click.option("--webhook-url", envvar="SQMY_WEBHOOK_URL", metavar="URL",
              help="企业微信或钉钉群机器人的地址（也可用环境变量 SQMY_WEBHOOK_URL 给出，地址含密钥，勿写进命令）")
@click.option("--webhook-kind", type=click.Choice(["wecom", "dingtalk"]),
              help="机器人类别：wecom 企业微信、dingtalk 钉钉（默认按地址判断）")
@click.option("--webhook-secret", envvar="SQMY_WEBHOOK_SECRET", metavar="SECRET",
              help="钉钉机器人的加签密钥（也可用环境变量 SQMY_WEBHOOK_SECRET 给出）")
@click.option("--github-repo", metavar="OWNER/NAME",
              help="在该 GitHub 仓库中为每人维护一个提醒议题（令牌取自环境变量 GITHUB_TOKEN）")
def remind(person: str | None, fmt: str, internal: bool, webhook_url: str | None, webhook_kind: str | None,
           webhook_secret: str | None, github_repo: str | None) -> None:
    """每人待办提醒：等谁办理什么、已等多少天（与 status --for 相同）。

    不给 --webhook-url 和 --github-repo 时输出提醒；给出时发到群机器人，或更新每人的提醒议题
    （按隐藏标记找到原议题就地更新，没有待办时关闭）。群和公开仓库是公开场所：不给 --internal 时
    只列编号、环节和天数，不列标题；公开仓库不接受 --internal。
    """
    from .. import remind as remind_mod  # imported when used: startup time matters
    repo = _repo()
    day = today()
    loaded = _load(repo, day)
    if person:
        person = named(loaded.registry.person_named, person)  # id or name
    rems = remind_mod.reminders(loaded.registry, loaded.items, day, person)
    office = loaded.registry.office.short_name or "信息库"
    if webhook_url or github_repo:
        if webhook_url:
            kind = remind_mod.webhook_kind(webhook_url, webhook_kind)
            title = f"{office}社情民意信息待办提醒（截至 {day}）"
            lines = remind_mod.group_lines(rems, day, internal)
            if lines:
                sent = remind_mod.send_webhook(webhook_url, kind, title, lines, webhook_secret)
                click.echo(f"已发送到{'企业微信' if kind == 'wecom' else '钉钉'}群：{sent} 条消息，{len(lines)} 人有待办")
            else:
                click.echo("没有人有待办：未发群消息")
        if github_repo:
            api = os.environ.get("GITHUB_API_URL") or "https://api.github.com"
            gh = remind_mod.GitHub(api, github_repo, os.environ.get("GITHUB_TOKEN", ""))
            done = remind_mod.sync_issues(gh, rems, day, internal, everyone=person is None)
            click.echo(f"提醒议题：新建 {done.created} 个，更新 {done.updated} 个，关闭 {done.closed} 个，未变 {done.unchanged} 个")
        return
    if fmt == "json":
        _json(remind_mod.to_json(rems, day, internal))
        return
    if not rems:
        click.echo(f"截至 {day}，没有人有待办。")
        return
    render = remind_mod.markdown if fmt == "md" else remind_mod.text
    for index, rem in enumerate(rems):
        if fmt == "md":
            click.echo(f"{'' if index == 0 else chr(10)}## {rem.name}（{rem.person}）\n")
        click.echo(render(rem, day, internal), nl=False)
