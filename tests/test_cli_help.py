"""The command line's own words in Chinese: help pages laid out for a terminal, choices by their Chinese names."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from sqmy.cli import main
from sqmy.cli.base import _wrap

from .conftest import Invoke

CLICK_WORDS = re.compile(r"Usage:|Options:|Commands:|Arguments:|Show this message|Show the version|\[default:|\[required\]|"
                         r"\b(?:TEXT|INTEGER|DIRECTORY|FILE|PATH|OPTIONS|COMMAND|ARGS)\b")


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_help_page_is_chinese_and_fits_80_columns() -> None:
    seen = 0
    for path in commands(main):
        result = CliRunner().invoke(main, [*path, "--help"], terminal_width=80, prog_name="sqmy")
        assert result.exit_code == 0, path
        text = result.stdout
        assert text.startswith("用法："), path
        assert "选项：" in text, path
        assert not CLICK_WORDS.search(text), (path, CLICK_WORDS.search(text))
        # a long option name may take its own line (as click does); everything else fits the terminal
        wide = [line for line in text.splitlines() if columns(line) > 80 and not line.strip().startswith("-")]
        assert wide == [], path
        seen += 1
    assert seen > 20


def test_wrapping_breaks_between_chinese_characters_and_keeps_punctuation_with_its_text() -> None:
    assert _wrap("hello world this is a test of wrapping", 20) == ["hello world this is", "a test of wrapping"]
    lines = _wrap("输出格式：text 终端表格，md Markdown，json 供程序读取（只输出 JSON）。", 12)
    assert all(columns(line) <= 13 for line in lines)  # a closing mark may stand one column past
    assert not any(line[0] in "，。）：" for line in lines)
    assert not any(line[-1] in "（“" for line in lines)
    assert "".join(lines).replace(" ", "") == "输出格式：text终端表格，mdMarkdown，json供程序读取（只输出JSON）。"


def test_choices_by_their_chinese_names(demo: Path, sqmy: Invoke, monkeypatch: object) -> None:
    by_name = sqmy("stats", "--year", "2025", "--by", "unit", "--by", "month", "--format", "json")
    by_label = sqmy("stats", "--year", "2025", "--by", "单位", "--by", "月份", "--format", "json")
    assert by_name.exit_code == by_label.exit_code == 0
    assert json.loads(by_label.stdout) == json.loads(by_name.stdout)
    text = sqmy("stats", "--year", "2025", "--by", "反映人")
    assert text.exit_code == 0
    assert text.stdout == sqmy("stats", "--year", "2025", "--by", "person").stdout
    wrong = sqmy("stats", "--by", "地区")
    assert wrong.exit_code == 2
    assert "--by 的值“地区”无效" in wrong.stderr


def test_report_files_go_under_build_and_csv_files_open_in_excel(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    """An xlsx without -o goes to build/reports/ (never the repository's root or wherever the command runs);
    a csv file carries a byte order mark (Excel on Chinese Windows reads UTF-8 only with it), a pipe none."""
    result = sqmy("stats", "--year", "2025", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    made = list((office / "build" / "reports").glob("*.xlsx"))
    assert [p.name for p in made] == ["sqmy-stats-2025.xlsx"]
    assert "build/reports/sqmy-stats-2025.xlsx" in result.stdout
    assert not list(office.glob("*.xlsx"))
    out = tmp_path / "统计.csv"
    assert sqmy("stats", "--year", "2025", "--format", "csv", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    piped = sqmy("stats", "--year", "2025", "--format", "csv").stdout
    assert not piped.startswith("\ufeff")
    assert data.decode("utf-8-sig") == piped
