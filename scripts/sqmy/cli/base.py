"""What every command shares: the `sqmy` group, usage errors in Chinese, exit codes, loading, progress."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .. import __version__, schema
from .. import load as load_mod
from .. import validate as validate_mod
from ..errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, SqmyError, exit_code
from ..findings import ERROR
from ..items import Journal
from ..paths import Repo, find_repo

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="输出格式：text 供人阅读，json 供程序读取（只输出 JSON）",
)


# click's own usage messages, in the Chinese our users read (the common ones)
_USAGE = [
    (re.compile(r"^No such option:? '?([^'\s]+?)'?\.?(?= |$)"), r"没有这个选项：\1"),
    (re.compile(r"^No such command:? '?([^'\s]+?)'?\.?(?= |$)"), r"没有这个命令：\1"),
    (re.compile(r"^Missing argument '(.+)'\."), r"缺少参数 \1"),
    (re.compile(r"^Missing option '(.+)'\."), r"缺少选项 \1"),
    (re.compile(r"^Option '(.+)' requires an argument\."), r"选项 \1 需要一个值"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)"), r"多余的参数：\1"),
    (re.compile(r"^Invalid value for '(.+?)': '(.*)' is not one of (.+)\.$", re.S), r"\1 的值“\2”无效，应为其中之一：\3"),
    (re.compile(r"^Invalid value for '(.+?)': (.+)$", re.S), r"\1 的值无效：\2"),
    (re.compile(r" ?Did you mean '?([^'\s]+?)'?\?"), r"；是不是 \1？"),
    (re.compile(r"\(Possible options: (.+)\)"), r"（可能是：\1）"),
]


def _usage_message(text: str) -> str:
    for pattern, chinese in _USAGE:
        text = pattern.sub(chinese, text)
    return text


class _Group(click.Group):
    """Turns every SqmyError into a Chinese message and its exit code; never a traceback."""

    def main(
        self, args: Sequence[str] | None = None, prog_name: str | None = None,
        complete_var: str | None = None, standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            click.echo(f"sqmy：用法错误：{_usage_message(exc.format_message())}", err=True)
            if exc.ctx is not None:
                click.echo(f"运行 {exc.ctx.command_path} --help 查看用法。", err=True)
            sys.exit(EXIT_USAGE)
        except click.Abort:
            click.echo("sqmy：已取消", err=True)
            sys.exit(EXIT_FINDINGS)
        except click.ClickException as exc:
            click.echo(f"sqmy：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else EXIT_OK)
        return result

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SqmyError as exc:
            click.echo(f"sqmy：{exc.message}", err=True)
            sys.exit(exit_code(exc))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("sqmy：已中断", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `sqmy status | head`: the reader has gone, which is fine
            _silence_stdout()
            sys.exit(EXIT_FINDINGS)
        except Exception as exc:  # a bug of ours: say so briefly; details on request
            if os.environ.get("SQMY_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"sqmy：内部错误（{type(exc).__name__}: {exc}）。这是 sqmy 的缺陷，请报告；"
                "设置环境变量 SQMY_DEBUG=1 可查看详细信息。",
                err=True,
            )
            sys.exit(exit_code(exc))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. under a test runner)
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="信息库位置（默认：当前目录或其上级中含 units/office.yml 的目录，或环境变量 SQMY_ROOT）")
@click.option("--rules-from", "rules", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="名册和规则（units/、templates/）取自这个受信任的检出（通常是基准分支），--root 中的文件只作为数据读取；"
                   "也可用环境变量 SQMY_RULES_FROM")
@click.version_option(__version__, prog_name="sqmy", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, root: Path | None, rules: Path | None) -> None:
    """sqmy —— 县政协社情民意信息工作流。

    每条信息是 items/ 下的一个 Markdown 文件；名册和规则在 units/。
    退出码：0 完成或无问题，1 发现问题，2 用法错误或无法读取。
    """
    ctx.obj = (root, rules)


def _repo() -> Repo:
    root, rules = click.get_current_context().find_root().obj
    return find_repo(root, rules)


def _json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@contextmanager
def _progress(count: Callable[[], int], label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for long work in a terminal; nothing otherwise.

    `count` is called only in a terminal: counting files is work too."""
    if not sys.stderr.isatty():
        yield None
        return
    total = count()
    if total < 500:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _load(repo: Repo, day: dt.date, only: Callable[[Journal], bool] | None = None) -> load_mod.Loaded:
    with _progress(lambda: len(load_mod.item_files(repo)), "读取信息") as progress:
        loaded = load_mod.load_all(repo, day, progress, only)
    broken = {f.path for f in loaded.findings if f.severity == ERROR and f.rule not in validate_mod.SOFT_RULES}
    if broken:
        click.echo(f"sqmy：{len(broken)} 个文件有错误，已跳过；运行 sqmy validate 查看详情。", err=True)
    doubtful = {f.path for f in loaded.findings if f.rule in validate_mod.SOFT_RULES} - broken
    if doubtful:
        click.echo(f"sqmy：{len(doubtful)} 条信息的审核或编刊有问题（如审定后改动、期号重号），已按实际状态处理；运行 sqmy validate 查看详情。", err=True)
    return loaded


def _parse_date(value: str, option: str) -> dt.date:
    if not schema.is_date(value):
        raise SqmyError(f"{option} 的值“{value}”不是 YYYY-MM-DD 格式的日期")
    return dt.date.fromisoformat(value)
