"""Commands of the review protocol: review, audit, generate, bridge."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from .. import registry, schema, status
from ..dates import today
from ..errors import EXIT_FINDINGS, EXIT_OK, Refused, SqmyError
from ..findings import ERROR
from .base import FORMAT, _json, _repo, main

# --- review -------------------------------------------------------------------


@main.command()
@click.argument("item_id")
@click.argument("stage", type=click.Choice(list(schema.STAGES)))
@click.argument("decision", type=click.Choice(list(schema.DECISIONS)))
@click.option("--comment", "-m", default="", help="审核说明")
@click.option("--route", "routes", multiple=True, type=click.Choice(list(schema.ROUTES)), help="审定通过时的转化渠道；可重复")
@click.option("--expert", "experts", multiple=True, help="初审提请联合复核时的专家编号；可重复")
@click.option("--duplicate", type=click.Choice(list(schema.DUPLICATE_DECISIONS)), default=None,
              help="查重结论：与已有信息疑似重复时，通过须写明“非重复”并用 --comment 说明理由；“重复”只能与退回修改或不予上报同用")
@FORMAT
def review(item_id: str, stage: str, decision: str, comment: str, routes: tuple[str, ...], experts: tuple[str, ...],
           duplicate: str | None, fmt: str) -> None:
    """记录一次审核，并由审核人单独提交（Git 作者邮箱即审核人在名册中的邮箱）。

    STAGE 为 初审、联合复核、复审、审定；DECISION 为 通过、退回修改、不予上报，初审还可以是 联合复核（须 --expert）。
    与已有信息疑似重复（sqmy similar）的，通过时须写明查重结论 --duplicate 非重复 和理由（同一文本只需写一次）。
    不符合规则时拒绝，并且不写入任何内容（退出码 1）。
    """
    from .. import review as review_mod  # imported when used: startup time matters
    repo = _repo()
    day = today()
    request = review_mod.Request(item_id, stage, decision, comment.strip(), routes, experts, duplicate or "")
    done = review_mod.record(repo, request, day)
    _show_recorded(done, f"{stage} {decision}", day, fmt)


def _show_recorded(done: Any, what: str, day: dt.date, fmt: str, after: str = "") -> None:
    """What `review` and `reopen` print: the commit made and the status it leaves."""
    st = status.derive(done.item, day)
    if fmt == "json":
        _json({"commit": done.sha, "item": done.item.id, "entry": done.entry, "status": st.status, "next_stage": st.next_stage})
        return
    click.echo(f"已记录：{done.item.id} {what}（{done.reviewer.name}），提交 {done.sha[:10]}")
    click.echo(f"当前状态：{st.status}" + (after.format(next_stage=st.next_stage) if after else ""))


@main.command()
@click.argument("item_id")
@click.option("--reason", required=True, help="重新审核的理由，如“审定后发现错字，需改正”")
@FORMAT
def reopen(item_id: str, reason: str, fmt: str) -> None:
    """办公室重新审核一条已审定（或不予上报）的信息：记录重新审核并单独提交，审核链从初审重新开始。

    审定后要改正错字或内容，先运行本命令，再修改，然后依次初审、复审、审定；这样审计不会报告违规。
    """
    from .. import review as review_mod  # imported when used: startup time matters
    repo = _repo()
    day = today()
    done = review_mod.reopen(repo, item_id, reason, day)
    _show_recorded(done, "重新审核", day, fmt, "。现在可以修改正文，然后从{next_stage}开始重新审核。")


@main.command()
@click.option("--since", metavar="REV", help="只审计 REV 之后的提交（拉取请求：基准分支 origin/main），并把它们全部按 REV 时的名册核对")
@click.option("--rev", "rev", metavar="REV", default=None, help="审计到这个提交为止（默认 HEAD；如拉取请求的最新提交）")
@FORMAT
def audit(since: str | None, rev: str | None, fmt: str) -> None:
    """审计审核记录：逐个提交（含根提交和各种合并）核对审核人、角色、顺序、职责分离、摘要值、日期、只可追加、名册修改、签名和办理记录。

    每个提交都按它进入主线之前的名册核对。发现违规时退出码为 1；--format json 输出 [{item, commit, rule, message}]。
    """
    from .. import audit as audit_mod  # imported when used: startup time matters
    repo = _repo()
    report = audit_mod.audit(repo, since, rev=rev)
    if fmt == "json":
        click.echo(report.to_json())
    else:
        for v in report.violations:
            click.echo(f"{v.item or '（提交）'} {v.commit[:10]} [{v.label}] {v.message}")
        scope = f"{since} 之后的" if since else "全部"
        click.echo(
            f"审计了{scope} {report.commits} 个提交、{report.changes} 处信息修改、{report.merges} 处合并：核对审核记录 {report.reviews} 条"
            + (f"、名册修改 {report.registry_changes} 次" if report.registry_changes else "")
            + (f"、签名 {report.signatures} 个" if report.signatures else "")
            + f"；历史导入记录 {report.imported} 条（确认来源，不视为已验证的签署）。"
        )
        if report.proven:
            click.echo(f"其中 {report.proven} 个提交（至 {report.proven_head[:10]}）沿用此前一次全部审计的结论，只审计了此后的 "
                       f"{report.commits - report.proven} 个提交；设置 SQMY_NO_CACHE=1 可全部重新审计。")
        if report.waived:
            click.echo(f"办公室已在 units/waivers.yml 中核实并接受 {len(report.waived)} 处历史问题（不计为违规）。")
        click.echo(f"发现 {len(report.violations)} 处违规。" if report.violations else "未发现违规。")
    sys.exit(EXIT_FINDINGS if report.violations else EXIT_OK)


@main.command()
@click.option("--check", is_flag=True, help="只检查生成的文件是否与名册一致（不一致时退出码 1），不写入")
@click.option("--forge", type=click.Choice(["github", "gitea", "forgejo"]), default=None,
              help="代码托管平台；默认按 units/office.yml 的 forge（不写为 github）。与 office.yml 不同时拒绝：先由办公室修改 office.yml")
def generate(check: bool, forge: str | None) -> None:
    """根据名册生成 CODEOWNERS、allowed_signers（审核签名用的公钥清单）和委员提交信息的表单，写在代码托管平台读取的位置。

    units/office.yml 的 forge 决定平台：github 写入 .github/，gitea 写入 .gitea/，forgejo 写入 .forgejo/；
    Gitea 和 Forgejo 的 CODEOWNERS 用 Go 正则表达式和名册中的 gitea 账号。
    """
    from .. import generate as generate_mod  # imported when used: startup time matters
    repo = _repo()
    reg, found = registry.load(repo)
    if any(f.severity == ERROR for f in found):
        raise Refused("registry-invalid", f"名册有错误，请先修正：{found[0].text()}")
    recorded = reg.office.forge
    if forge is not None and forge != recorded:
        raise SqmyError(
            f"units/office.yml 记录的代码托管平台是 {recorded}（forge: {recorded}），与 --forge {forge} 不同：生成的文件只按名册生成。"
            f"要换用 {generate_mod.FORGE_NAMES[forge]}，请先由办公室把 units/office.yml 的 forge 改为 {forge} 并提交，再运行 sqmy generate"
        )
    day = today()
    wanted = generate_mod.files(repo, reg, day, recorded)
    shadows = generate_mod.shadowing(repo, recorded)
    for path in shadows:
        click.echo(f"{repo.display(path)} 使 {generate_mod.FORGE_NAMES[recorded]} 不读取生成的 "
                   f"{generate_mod.forge_path(recorded, 'CODEOWNERS').as_posix()}（它只读找到的第一个）：请删除 {repo.display(path)}")
    for path in generate_mod.leftovers(repo, reg, day, recorded):
        click.echo(f"{repo.display(path)} 是为别的代码托管平台生成的，{generate_mod.FORGE_NAMES[recorded]} 不读它：可以删除")
    if check:
        old = generate_mod.stale(wanted)
        for g in old:
            click.echo(f"{repo.display(g.path)} 与名册不一致：请运行 sqmy generate 并提交")
        if not old and not shadows:
            click.echo("生成的文件与名册一致。")
        sys.exit(EXIT_FINDINGS if old or shadows else EXIT_OK)
    changed = generate_mod.write(wanted)
    for g in changed:
        click.echo(f"已更新 {repo.display(g.path)}")
    if not changed:
        click.echo("生成的文件已是最新。")
    if shadows:
        sys.exit(EXIT_FINDINGS)


@main.group()
def bridge() -> None:
    """论坛审核桥接：把论坛上的审核（批准、要求修改、斜杠命令）变成审核提交。"""


@bridge.command("github")
@click.option("--event", "event_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="事件文件（GITHUB_EVENT_PATH）")
@click.option("--event-name", envvar="GITHUB_EVENT_NAME", help="事件名称（默认取 GITHUB_EVENT_NAME）：pull_request_review 或 issue_comment")
@click.option("--pull-request", "pull_path", type=click.Path(dir_okay=False, path_type=Path), help="评论事件所在拉取请求的 JSON（GitHub API）")
@click.option("--activity", "activity_path", type=click.Path(dir_okay=False, path_type=Path),
              help="分支的推送记录（GitHub API 的 repos/…/activity?ref=refs/heads/分支），用于确认评论之后分支没有变动")
def bridge_github(event_path: Path, event_name: str | None, pull_path: Path | None, activity_path: Path | None) -> None:
    """把 GitHub 的 pull_request_review 或 issue_comment 事件变成当前分支上的审核提交，输出要回复在拉取请求上的文字。

    审查只对审查时的版本（review.commit_id）有效，评论只对评论时的版本有效：分支此后有推送时不记录，并说明原因。
    名册取自受信任的基准分支（--rules-from）。退出码：0 已记录，1 拒绝（账号未登记、没有角色、顺序不对、分支已变动……），
    2 不是审核事件或事件有误。
    """
    from .. import bridge as bridge_mod  # imported when used: startup time matters
    repo = _repo()
    outcome = bridge_mod.handle(repo, event_path, event_name or "", today(), pull_path, activity_path)
    click.echo(outcome.reply)
    sys.exit(outcome.code)


def _bridge_gitea(forge: str, event_path: Path | None, event_name: str | None, pull_path: Path | None, review_path: Path | None,
                  activity_path: Path | None, pending_path: Path | None) -> None:
    from .. import bridge as bridge_mod  # imported when used: startup time matters
    if (event_path is None) == (pending_path is None):
        raise click.UsageError("请给出 --event（一次评论或审查）或 --pending（定时查找的审查），只给其中一个")
    repo = _repo()
    if pending_path is not None:
        polled = bridge_mod.poll(repo, pending_path, today(), forge)
        click.echo(polled.reply, nl=False)
        sys.exit(polled.code)
    assert event_path is not None
    outcome = bridge_mod.handle(repo, event_path, event_name or "", today(), pull_path, activity_path, forge=forge, review_path=review_path)
    click.echo(outcome.reply)
    sys.exit(outcome.code)


def _gitea_command(forge: str, site: str) -> None:
    summary = (
        f"把 {site} 的评论（issue_comment）或审查事件变成当前分支上的审核提交，输出要回复在拉取请求上的文字。\n\n"
        f"审核人按名册中的 gitea 账号查找。{site} 的审查事件不写审查的版本，须用 --review 提供 API 中的这次审查（commit_id）；"
        "评论只对评论时的版本有效（--activity 为拉取请求的时间线）：分支此后有推送时不记录，并说明原因。"
        "--pending 用于定时运行：对一个拉取请求，记录尚未记录的“批准”“请求变更”（和写了斜杠命令的“评论”审查），"
        "只记录在当前版本上给出的审查；分支上已有 Review-Forge 标记的跳过，已回复过的（机器人回复中的隐藏标记）不再回复。"
        "名册取自受信任的基准分支（--rules-from）。退出码：0 已记录，1 拒绝（账号未登记、没有角色、复刻仓库、分支已变动、按钮和文字不一致……），"
        "2 不是审核事件或事件有误（--pending：没有要处理的审查）。"
    )

    @bridge.command(forge, help=summary)
    @click.option("--event", "event_path", type=click.Path(dir_okay=False, path_type=Path), help="事件文件（GITHUB_EVENT_PATH）")
    @click.option("--event-name", envvar="GITHUB_EVENT_NAME",
                  help="事件名称（默认取 GITHUB_EVENT_NAME）：pull_request_review 或 issue_comment（也认 Gitea 网络钩子的名称）")
    @click.option("--pending", "pending_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=f"定时查找：一个拉取请求的 JSON 文件 {{bot, pull, reviews, comments}}（{site} API 的机器人账号 user.login、pulls/编号、"
                       "pulls/编号/reviews、issues/编号/comments；先取审查和评论，最后取拉取请求）")
    @click.option("--pull-request", "pull_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=f"拉取请求的 JSON（{site} API 的 repos/…/pulls/编号）；评论事件必需")
    @click.option("--review", "review_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=f"这次审查的 JSON（{site} API 的 repos/…/pulls/编号/reviews 中的一条）；审查事件必需，其中的 commit_id 是审查时的版本")
    @click.option("--activity", "activity_path", type=click.Path(dir_okay=False, path_type=Path),
                  help=f"分支的推送记录：拉取请求的时间线（{site} API 的 repos/…/issues/编号/timeline，其中 pull_push 为推送），用于确认评论之后分支没有变动")
    def command(event_path: Path | None, event_name: str | None, pull_path: Path | None, review_path: Path | None, activity_path: Path | None,
                pending_path: Path | None) -> None:
        _bridge_gitea(forge, event_path, event_name, pull_path, review_path, activity_path, pending_path)



_gitea_command("gitea", "Gitea")
_gitea_command("forgejo", "Forgejo")
