"""sqmy intake: a report submitted through the forge's issue form becomes an item on a branch of its own."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..dates import today
from ..errors import EXIT_FINDINGS, EXIT_OK
from .base import _repo, main


@main.command()
@click.argument("event", type=click.Path(path_type=Path), metavar="ISSUE.json")
@click.option("--action", type=click.Choice(["opened", "edited", "closed"]), help="议题事件（默认：取自 ISSUE.json 的 action）")
@click.option("--attachment", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.docx",
              help="工作流从本平台下载的 Word 附件：正文以它为准（sqmy 自己从不下载议题中的网址）")
@click.option("--forge", type=click.Choice(["github", "gitea", "forgejo"]), default="github", show_default=True, help="议题来自哪个平台")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 为回复议题的文字，json 供工作流推送分支、开拉取请求和回复")
def intake(event: Path, action: str | None, attachment: Path | None, forge: str, fmt: str) -> None:
    """把用“提交社情民意信息”表单提交的议题整理成信息，提交到分支 intake/issue-编号。

    读取议题的表单内容，与名册核对反映人和单位，正文取自 Word 附件（--attachment）或表单，经检查和查重后写入信息，
    在自己的分支上提交（作者为登记了邮箱的第一反映人，否则为桥接账号）；表单中的联系电话只登记到 units/people.yml，
    不写进信息、拉取请求和回复。议题修改后，未审核的信息随之更新；已有审核的不再改动。议题关闭时说明应关闭拉取请求。
    同样的议题再运行一次不会有任何改动。

    退出码：0 完成，1 表单有问题（回复中逐条说明），2 不是表单提交的议题或无法读取。
    """
    from ..intake import issue as issue_mod  # imported when used: startup time matters

    repo = _repo()
    outcome = issue_mod.run(repo, event, action, attachment, forge, today())
    if fmt == "json":
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(outcome.reply)
        for note in outcome.office:
            click.echo(f"办公室：{note}", err=True)
    sys.exit(EXIT_FINDINGS if outcome.problems else EXIT_OK)
