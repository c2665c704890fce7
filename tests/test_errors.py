"""Exit codes are decided by exception type in one place; outside programs fail the same way."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sqmy import errors, tools
from sqmy.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, Incomplete, NotFound, Refused, SqmyError, ToolFailed, exit_code

from .conftest import Invoke


@pytest.mark.parametrize(("exc", "code"), [
    (SqmyError("用法错误"), EXIT_USAGE),
    (Refused("role", "没有角色"), EXIT_FINDINGS),
    (NotFound("找不到"), EXIT_FINDINGS),
    (Incomplete("部分完成"), EXIT_FINDINGS),
    (ToolFailed("git", ["git", "x"], 1, "boom"), EXIT_USAGE),
    (ValueError("a defect"), EXIT_INTERNAL),
])
def test_exit_code_by_type(exc: BaseException, code: int) -> None:
    assert exit_code(exc) == code


def test_every_exception_in_errors_has_its_exit_code() -> None:
    kinds = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, SqmyError)]
    mapped = {kind for kind, _ in errors._EXIT_CODES}
    assert set(kinds) == mapped


def test_a_failing_program_names_command_exit_code_and_stderr(tmp_path: Path) -> None:
    with pytest.raises(ToolFailed) as caught:
        tools.run("git", ["git", "cat-file", "-t", "0" * 40], what="git 命令失败", cwd=tmp_path)
    message = caught.value.message
    assert message.startswith("git 命令失败（退出码 ")
    assert "git cat-file -t " + "0" * 40 in message
    assert "not a git repository" in message  # git's own words
    assert caught.value.returncode not in (0, None)


def test_a_program_that_cannot_start_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-program"
    with pytest.raises(ToolFailed) as caught:
        tools.run("pandoc", [missing, "--version"])
    assert caught.value.returncode is None
    assert caught.value.message.startswith(f"无法运行 pandoc（{missing}）：")


def test_stdout_is_returned_and_stderr_used_when_quiet(tmp_path: Path) -> None:
    assert tools.run("python", [sys.executable, "-c", "print('好')"]) == "好\n".encode()
    with pytest.raises(ToolFailed) as caught:  # a program that reports on stdout only (Pagefind does)
        tools.run("python", [sys.executable, "-c", "print('只在标准输出'); raise SystemExit(4)"])
    assert "（退出码 4）" in caught.value.message
    assert "只在标准输出" in caught.value.message


def test_the_command_line_maps_each_type(office: Path, sqmy: Invoke) -> None:
    assert sqmy("status", "2099-0101-nobody-1").exit_code == EXIT_FINDINGS  # NotFound
    assert sqmy("build", "--audience", "everyone").exit_code == EXIT_USAGE  # click's usage error
