"""What every command shares: the `sqmy` group, usage errors in Chinese, exit codes, loading, progress."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import sys
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .. import __version__, schema
from .. import load as load_mod
from .. import validate as validate_mod
from ..errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Refused, SqmyError, exit_code
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


# click's own words in `--help`, in Chinese: headings, the help option, what the options' notes say
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_NOTES = [(re.compile(r"\[default: "), "[默认："), (re.compile(r"\brequired\b(?=[;\]])"), "必填"),
          (re.compile(r"\benv var: "), "环境变量："), (re.compile(r"\[default; "), "[")]
HELP_TEXT = "显示本帮助并退出"


_METAVAR_WORDS = {"DIRECTORY": "目录", "FILE": "文件", "PATH": "路径", "INTEGER": "整数", "TEXT": "文字", "FLOAT": "数",
                  "OPTIONS": "选项", "COMMAND": "命令", "ARGS": "参数", "PATHS": "路径", "FILES": "文件", "WORKBOOK": "Excel文件",
                  "ITEM_ID": "编号", "ITEM_IDS": "编号", "ISSUE": "期号", "DIR": "目录", "BUNDLES": "转送包"}
_METAVARS = re.compile(r"(?<![\w-])(" + "|".join(sorted(_METAVAR_WORDS, key=len, reverse=True)) + r")(?![\w-])")


def _metavars(text: str) -> str:
    return _METAVARS.sub(lambda m: _METAVAR_WORDS[m.group(1)], text)


class _Formatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        head = f"{'':>{self.current_indent}}{'用法：' if prefix is None else prefix}{prog} "
        for line in _wrap(head + _metavars(args), self.width, " " * min(_columns(head), self.width // 2), whole=True):
            self.write(line + "\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_HEADINGS.get(name, name)):
            yield

    # click measures text by characters; a Chinese character takes two columns of a terminal. These two lay out
    # by columns instead (the same layout as click's for text without Chinese).
    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        def chinese(text: str) -> str:
            for pattern, words in _NOTES:
                text = pattern.sub(words, text)
            return text

        rows = [(_metavars(term), chinese(text)) for term, text in rows]
        first_col = min(max((_columns(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if _columns(term) <= first_col - col_spacing:
                self.write(" " * (first_col - _columns(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap(text, max(self.width - first_col - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for n, paragraph in enumerate(p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()):
            if n:
                self.write("\n")
            for line in _wrap(_join(paragraph.split("\n")), max(self.width - self.current_indent, 10)):
                self.write(indent + line + "\n")


def _columns(text: str) -> int:
    """Terminal columns `text` takes: two for a wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_PIECES = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+|\\s+")
_OPENING = frozenset("（“‘《「『【〔")  # never at the end of a line
_CLOSING = frozenset("，。、；：？！）”’》」』】〕")  # never at the start of one


def _join(lines: Sequence[str]) -> str:
    """The lines of a paragraph as one: a space between two Latin words, none next to a Chinese character."""
    text = ""
    for line in (x.strip() for x in lines):
        if text and line and not (_columns(text[-1]) == 2 or _columns(line[0]) == 2):
            text += " "
        text += line
    return text


def _wrap(text: str, width: int, indent: str = "", *, whole: bool = False) -> list[str]:
    """`text` in lines of at most `width` columns (the lines after the first start with `indent`): broken at
    spaces or between Chinese characters (`whole`: at spaces only), never before closing or after opening
    punctuation (the character before a closing mark goes to the next line with it)."""
    lines, line = [], ""
    for match in (re.finditer(r"\S+|\s+", text) if whole else _PIECES.finditer(text)):
        piece = match.group()
        if piece.isspace():
            if line.strip():
                line += " "
            continue
        if line.strip() and _columns(line) + _columns(piece) > width:
            carried = ""
            if piece in _CLOSING and len(line.strip()) > 1 and _columns(line[-1]) == 2:
                line, carried = line[:-1], line[-1]
            while line.strip() and line[-1] in _OPENING:
                line, carried = line[:-1], line[-1] + carried
            lines.append(line.rstrip())
            line = indent + carried + piece
        else:
            line += piece
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


class _Context(click.Context):
    formatter_class = _Formatter


class _Command(click.Command):
    """A command whose help is in Chinese (see _Formatter)."""

    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option


class LabeledChoice(click.Choice):  # type: ignore[type-arg]
    """A choice given by its name or its Chinese label (`--by 单位` as `--by unit`); the value is the name."""

    def __init__(self, labels: dict[str, str]) -> None:
        super().__init__([*labels, *labels.values()])
        self.labels = labels
        self._names = {label: name for name, label in labels.items()}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        chosen = super().convert(value, param, ctx)
        return self._names.get(chosen, chosen)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        if isinstance(param, click.Argument):  # in the usage line: the Chinese names, short enough to fit
            return "{" + "|".join(self.labels.values()) + "}"
        return "[" + "|".join(f"{name}（{label}）" for name, label in self.labels.items()) + "]"


class _Group(click.Group):
    """Turns every SqmyError into a Chinese message and its exit code; never a traceback."""

    context_class = _Context
    command_class = _Command
    group_class = type  # subgroups are of this class too

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

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
        finally:
            gc.unfreeze()  # what the command froze (_load) is collected as usual again


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
@click.version_option(__version__, prog_name="sqmy", message="%(prog)s %(version)s", help="显示版本并退出")
@click.pass_context
def main(ctx: click.Context, root: Path | None, rules: Path | None) -> None:
    """sqmy —— 县政协社情民意信息工作流。

    每条信息是 items/ 下的一个 Markdown 文件；名册和规则在 units/。
    退出码：0 完成或无问题，1 发现问题，2 用法错误或无法读取。
    """
    ctx.obj = (root, rules)


def named(lookup: Callable[..., str], value: str, *args: Any, lenient: bool = False, **kwargs: Any) -> str:
    """The id a name on the command line stands for (Registry.person_named, unit_named). A name the registry refuses
    is bad usage (exit code 2); with `lenient`, an unknown name is returned as given, for the command's own check to
    report with its other bad options (a name several people or units share is still refused at once)."""
    try:
        return lookup(value, *args, **kwargs)
    except Refused as exc:
        if lenient and not exc.rule.startswith("ambiguous"):
            return value
        raise SqmyError(exc.message) from None


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
    # what is loaded is kept to the end of the command (_Group.invoke unfreezes): frozen as it stands, the cycle
    # collector never goes through every item again (a quarter of a warm `stats` of 10,000 items)
    with _progress(lambda: len(load_mod.item_files(repo)), "读取信息") as progress, load_mod.cycle_collection_paused(freeze=True):
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


def preview_and_apply(plan: Any, apply_: bool, fmt: str, write: Callable[[], None], written: Callable[[], str]) -> None:
    """An import's plan (`lines()`, `changes`, `target`, `to_json()`): shown, then written with --apply or the user's yes in a
    terminal; `written` says what was written."""
    if fmt == "json":
        if apply_ and plan.changes:
            write()
        _json({**plan.to_json(), "written": apply_ and plan.changes})
        return
    for line in plan.lines():
        click.echo(line)
    if not plan.changes:
        click.echo(f"{plan.target} 无需修改")
        return
    if not apply_ and sys.stdin.isatty() and sys.stdout.isatty():
        answer = click.prompt(f"写入 {plan.target}？输入 y 写入，其他任意键取消", default="n", show_default=False)
        apply_ = answer.strip().lower() in ("y", "yes", "是")
    if not apply_:
        click.echo(f"（预览，未写入。确认无误后加 --apply 写入 {plan.target}）")
        return
    write()
    click.echo(written())
