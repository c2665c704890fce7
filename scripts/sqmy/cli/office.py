"""Starting an office: sqmy init."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import schema
from ..dates import today
from ..errors import SqmyError
from .base import main

_PERSON = "编号,姓名,邮箱[,账号]"


def _interactive() -> bool:
    return sys.stdin.isatty()


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False, path_type=Path),
              help="答案文件（YAML）：县名、人员、单位、重点选题等，格式见说明；命令行选项优先于文件中的答案")
@click.option("--county", help="县（区、市）名，如“商南县”")
@click.option("--short-name", help="政协简称（默认：县名加“政协”）")
@click.option("--year", type=int, help="年度任务和年度重点选题的年份（默认今年）")
@click.option("--forge", type=click.Choice(["github", "gitea", "forgejo"]), default=None,
              help="代码托管平台（默认 github）：gitea、forgejo 为单位内网的 Gitea、Forgejo；写入 units/office.yml 的 forge，"
                   "工作流、模板、CODEOWNERS 放进 .github/、.gitea/ 或 .forgejo/")
@click.option("--clerk", metavar=_PERSON, help="办公室人员：记录办理结果、编刊、修改名册，并作第一次提交（账号为所选平台上的账号，可不填）")
@click.option("--first", metavar=_PERSON, help="初审人（如社法委主任）")
@click.option("--second", metavar=_PERSON, help="复审人（如分管副主席）")
@click.option("--final", metavar=_PERSON, help="审定人（如主席）")
@click.option("--sqmy-package", metavar="依赖说明",
              help="工作流安装 sqmy 用的 pip 依赖说明，写入 .github/（或 .gitea/、.forgejo/）sqmy-requirements.txt；必须给出")
def init(directory: Path, answers_path: Path | None, county: str | None, short_name: str | None, year: int | None, forge: str | None,
         clerk: str | None, first: str | None, second: str | None, final: str | None, sqmy_package: str | None) -> None:
    """在新的（或空的）目录中新建一个信息库，并由办公室人员作第一次提交。

    生成名册和规则（units/：办公室设置、单位和年度任务、人员和审核角色、选题和年度重点选题、考评办法）、
    归档网站设置（mkdocs.yml、写作指南）、.gitignore、工作流和拉取请求模板、CODEOWNERS 和签名公钥清单（按 --forge 放在
    .github/、.gitea/ 或 .forgejo/），
    以及一份中文说明 README.md。缺少的答案在终端中逐项询问；不在终端中运行时必须由 --answers 或选项全部给出。
    目录已存在且不为空时拒绝，不做任何改动。
    """
    from .. import init as init_mod  # imported when used: startup time matters

    init_mod.refuse_existing(directory)  # before any question: nothing to answer for a folder that cannot be used
    raw = init_mod.read_answers(answers_path) if answers_path is not None else init_mod.Raw()
    for path, value, option in (
        (("county",), county, "--county"), (("short_name",), short_name, "--short-name"), (("year",), year, "--year"),
        (("sqmy_package",), sqmy_package, "--sqmy-package"), (("forge",), forge, "--forge"),
    ):
        if value is not None:
            raw.set(path, value, option)
    for role, value, option in ((schema.OFFICE, clerk, "--clerk"), (schema.FIRST, first, "--first"),
                                (schema.SECOND, second, "--second"), (schema.FINAL, final, "--final")):
        if value is not None:
            raw.set(("people", role), init_mod.person_option(value, option, init_mod.chosen_forge(raw)), option)
    missing = init_mod.questions(raw)
    if answers_path is not None or not _interactive():  # an answers file left the optional ones out on purpose
        missing = [q for q in missing if q.required]
    if missing and not _interactive():
        groups: dict[str, list[str]] = {}  # 县名；初审人的编号、姓名…: one group per person
        for question in missing:
            head, _, tail = question.name.partition("的")
            groups.setdefault(head, []).append(tail.strip())
        names = "；".join(f"{head}的{'、'.join(tails)}" if tails[0] else head for head, tails in groups.items())
        raise SqmyError(f"缺少答案：{names}。请用 --answers 给出答案文件或用选项给出（见 sqmy init --help），或在终端中运行以逐项回答。")
    for question in missing:
        reply = click.prompt(question.label, type=str, default=None if question.required else "", show_default=False).strip()
        if reply or question.required:
            raw.set(question.path, reply, "（终端中的回答）")
    answers = init_mod.complete(raw, today())
    created = init_mod.create(directory, answers, today())
    click.echo(f"已新建信息库 {created.root}（{len(created.files)} 个文件，第一次提交 {created.commit[:10]} 由{created.clerk.name}作出）")
    click.echo(f"下一步：cd {created.root}，运行 sqmy validate；推送到 {answers.forge_name} 后按 README.md 设置仓库。")
