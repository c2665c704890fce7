"""Items made to break sqmy: every command answers with findings, never a crash, a hang or exit code 3.

A member who means harm can commit anything under items/: an alias bomb, nesting
deep enough to exhaust the stack, numbers Python refuses to read, binary garbage,
NUL bytes, another encoding, a file too large to read, a link to a file outside
the repository, a link to a folder, a FIFO that blocks whoever opens it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import Invoke

VALID = "2025-1201-zhangwei-1"  # a draft in the sample office: no reviews, so copies of it stay valid

FRONT = """---
id: {id}
title: 关于社区养老服务站运营的建议
authors: [zhang-wei]
unit: chengguan-lianluozu
submitted:
category: 养老服务
focus: 民之关切
source: 群众反映
audience: 内部
{extra}---
社区养老服务站建成后使用率不高。
"""


def _front(item_id: str, extra: str = "") -> str:
    return FRONT.format(id=item_id, extra=extra)


def _bomb() -> str:
    lines = ['a0: &a0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 12)]
    return "\n".join(lines) + "\n"


# file name (under items/2025/) -> (the rule validate must report, the line)
EXPECTED = {
    "2025-0201-bomb-1.md": ("yaml-alias", 11),
    "2025-0202-deep-1.md": ("yaml-depth", 11),
    "2025-0203-bigint-1.md": ("yaml-number", 11),
    "2025-0204-garbage-1.md": ("encoding", None),
    "2025-0205-nul-1.md": ("yaml-syntax", 11),
    "2025-0206-gbk-1.md": ("encoding", 3),
    "2025-0207-huge-1.md": ("too-large", 1),
    "2025-0208-link-1.md": ("not-regular-file", 1),
    "2025-0209-fifo-1.md": ("not-regular-file", 1),
    "2025-0212-tag-1.md": ("yaml-tag", 11),
    "2025-0213-block-deep-1.md": ("yaml-depth", None),
    "2025-0214-empty-1.md": ("front-matter", 1),
    "2025-0215-only-fences-1.md": ("front-matter", 2),
}
FINE = ("2025-0210-crlf-1.md", "2025-0211-bom-1.md")  # CRLF line ends and a BOM are how Windows editors save


@pytest.fixture
def hostile(office: Path, tmp_path: Path) -> Path:
    folder = office / "items" / "2025"
    write = {
        "2025-0201-bomb-1.md": _front("2025-0201-bomb-1", _bomb()),
        "2025-0202-deep-1.md": _front("2025-0202-deep-1", "source_ref: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        "2025-0203-bigint-1.md": _front("2025-0203-bigint-1", "source_ref: " + "9" * 5_000 + "\n"),
        "2025-0205-nul-1.md": _front("2025-0205-nul-1", "source_ref: 见\x00附件\n").replace("使用率不高", "使用率\x00不高"),
        "2025-0207-huge-1.md": _front("2025-0207-huge-1") + "很长的正文。" * 40_000,  # 600 KiB and more
        "2025-0212-tag-1.md": _front("2025-0212-tag-1", 'source_ref: !!python/object/apply:os.system ["touch pwned"]\n'),
        "2025-0213-block-deep-1.md": _front("2025-0213-block-deep-1", "source_ref:\n  " + "- " * 3_000 + "x\n"),
        "2025-0214-empty-1.md": "",
        "2025-0215-only-fences-1.md": "---\n---\n",
    }
    for name, text in write.items():
        (folder / name).write_text(text, "utf-8")
    assert (folder / "2025-0207-huge-1.md").stat().st_size > 600 * 1024
    (folder / "2025-0204-garbage-1.md").write_bytes(random.Random(1).randbytes(4096))
    (folder / "2025-0206-gbk-1.md").write_bytes(_front("2025-0206-gbk-1").replace("id:", "id: ", 1).encode("gbk"))
    (folder / "2025-0210-crlf-1.md").write_bytes(_front("2025-0210-crlf-1").replace("\n", "\r\n").encode("utf-8"))
    (folder / "2025-0211-bom-1.md").write_bytes(b"\xef\xbb\xbf" + _front("2025-0211-bom-1").encode("utf-8"))
    outside = tmp_path / "outside"
    (outside / "2024").mkdir(parents=True)
    (outside / "2025-0208-link-1.md").write_text(_front("2025-0208-link-1", "title: 链接到仓库之外\n"), "utf-8")
    (outside / "2024" / "2024-0101-outside-1.md").write_text(_front("2024-0101-outside-1"), "utf-8")
    (folder / "2025-0208-link-1.md").symlink_to(outside / "2025-0208-link-1.md")
    (office / "items" / "2024").symlink_to(outside / "2024", target_is_directory=True)
    os.mkfifo(folder / "2025-0209-fifo-1.md")
    return office


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A FIFO opened for reading waits for a writer forever: fail instead of hanging the test run."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("sqmy hung (a FIFO opened for reading?)")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _survived(result: Result) -> None:
    assert result.exit_code in (0, 1), result.output
    assert "内部错误" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("no_hang")
def test_validate_reports_every_hostile_file(hostile: Path, sqmy: Invoke) -> None:
    started = time.perf_counter()
    result = sqmy("validate", "--format", "json")
    assert time.perf_counter() - started < 30  # nothing expanded, nothing read twice
    _survived(result)
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    for name, (rule, line) in EXPECTED.items():
        hits = [f for f in found if f["path"] == f"items/2025/{name}" and f["rule"] == rule and f["severity"] == "error"]
        assert hits, f"{name}: no {rule}"
        if line is not None:
            assert hits[0]["line"] == line, f"{name}: {rule} at line {hits[0]['line']}, not {line}"
    assert [(f["path"], f["rule"]) for f in found if f["path"].startswith("items/2024")] == [("items/2024", "not-regular-file")]
    for name in FINE:
        assert not [f for f in found if name in f["path"]], name
    assert not (hostile / "pwned").exists()
    assert "链接到仓库之外" not in result.stdout


@pytest.mark.usefixtures("no_hang")
def test_status_and_stats_skip_hostile_files(hostile: Path, sqmy: Invoke) -> None:
    for _ in range(2):  # the second time from the local cache
        status = sqmy("status", "--format", "json")
        _survived(status)
        shown = {entry["id"] for entry in json.loads(status.stdout)}
        assert {"2025-0210-crlf-1", "2025-0211-bom-1", VALID} <= shown
        assert not shown & {name.removesuffix(".md") for name in EXPECTED}
        assert "2024-0101-outside-1" not in shown  # never read through the linked folder
        assert "个文件有错误，已跳过" in status.stderr

        text = sqmy("status")
        _survived(text)
        assert "2025-0210-crlf-1" in text.stdout

        stats = sqmy("stats", "--year", "2025", "--format", "json")
        _survived(stats)
        assert json.loads(stats.stdout)["period"] == "2025"


@pytest.mark.usefixtures("no_hang")
def test_a_fifo_in_place_of_a_registry_file_does_not_hang(office: Path, sqmy: Invoke) -> None:
    """units/ is read by the registry (which refuses special files) and hashed for the cache key."""
    people = office / "units" / "people.yml"
    people.unlink()
    os.mkfifo(people)
    result = sqmy("status")
    _survived(result)
    assert "units/people.yml" in result.output or "个文件有错误" in result.stderr
    validate = sqmy("validate")
    _survived(validate)
    assert "units/people.yml:1: 错误：名册文件 units/people.yml 不是普通文件" in validate.stdout


def test_new_refuses_a_linked_year_folder(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (office / "items" / "2026").symlink_to(elsewhere, target_is_directory=True)
    result = sqmy("new", "--title", "关于测试的建议", "--author", "zhang-wei", "--category", "社区管理", "--focus", "民之关切", "--source", "委员调研")
    assert result.exit_code == 2  # refused, nothing written: like any other place sqmy cannot write to
    assert "items/2026 是符号链接：sqmy 不通过链接写入信息；请改为普通文件夹" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_new_refuses_a_linked_items_folder(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    shutil.move(office / "items", tmp_path / "items")
    (office / "items").symlink_to(tmp_path / "items", target_is_directory=True)
    result = sqmy("new", "--title", "关于测试的建议", "--author", "zhang-wei", "--category", "社区管理", "--focus", "民之关切", "--source", "委员调研")
    assert result.exit_code == 2
    assert "items 是符号链接" in result.stderr
    assert not (tmp_path / "items" / "2026").exists()


def test_an_alias_bomb_in_the_registry_is_a_finding(office: Path, sqmy: Invoke) -> None:
    people = office / "units" / "people.yml"
    people.write_text(people.read_text("utf-8") + "# 以下是恶意内容\n" + "\n".join("- " + line for line in _bomb().splitlines()) + "\n", "utf-8")
    line = people.read_text("utf-8").split("\n").index("# 以下是恶意内容") + 2
    started = time.perf_counter()
    result = sqmy("validate")
    assert time.perf_counter() - started < 30
    _survived(result)
    assert f"units/people.yml:{line}: 错误：用了 YAML 锚点“&a0”：信息和名册不使用锚点和别名，请把内容直接写出" in result.stdout


def test_control_characters_in_a_body_are_an_error(office: Path, sqmy: Invoke) -> None:
    path = office / "items" / "2025" / "2025-1201-zhangwei-1.md"
    path.write_text(path.read_text("utf-8").rstrip("\n") + "\n\n复制来的文字\x0b和\x1b[31m颜色。\n", "utf-8")
    result = sqmy("validate", str(path))
    assert result.exit_code == 1
    assert "正文含有不可见的控制字符（U+000B）" in result.stdout


def test_validate_given_a_folder_reports_a_linked_subfolder(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (office / "items" / "2024").symlink_to(elsewhere, target_is_directory=True)
    result = sqmy("validate", "items")
    assert result.exit_code == 1
    assert "items/2024" in result.stdout
