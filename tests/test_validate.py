from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sqmy import registry
from sqmy import validate as validate_mod
from sqmy.dates import today
from sqmy.paths import Repo

from .conftest import SAMPLES, Invoke


def test_valid_sample_office_passes(office: Path, sqmy: Invoke) -> None:
    result = sqmy("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == "检查了 6 个文件：全部通过\n"


def test_broken_office_complete_output(broken_office: Path, sqmy: Invoke) -> None:
    result = sqmy("validate")
    assert result.exit_code == 1
    expected = (SAMPLES / "broken" / "expected.txt").read_text("utf-8")
    assert result.stdout == expected
    assert "Traceback" not in result.output


# One broken file per rule: the rule, the line it must be reported at.
RULES = [
    ("2025-0101-yaml-syntax", "yaml-syntax", 11),
    ("2025-0102-no-front-matter", "front-matter", 1),
    ("2025-0103-unclosed", "front-matter", 1),
    ("2025-0104-tab-indent", "tab-indent", 5),
    ("2025-0105-fullwidth-colon", "fullwidth-colon", 3),
    ("2025-0105-fullwidth-colon", "fullwidth-colon", 9),
    ("2025-0106-unknown-field", "unknown-field", 11),
    ("2025-0107-bad-enum", "enum", 9),
    ("2025-0107-bad-enum", "unknown-ref", 8),
    ("2025-0108-unknown-refs", "unknown-ref", 4),
    ("2025-0108-unknown-refs", "unknown-ref", 5),
    ("2025-0108-unknown-refs", "unknown-ref", 7),
    ("2025-0108-unknown-refs", "unknown-ref", 9),
    ("2025-0109-id-mismatch", "id-stem", 2),
    ("2025-0120-dup", "id-dir", 2),
    ("2025-0120-dup", "duplicate-id", 1),
    ("2025-0110-bad-dates", "date-invalid", 6),
    ("2025-0110-bad-dates", "date-future", 12),
    ("2025-0111-empty-body", "body-empty", 12),
    ("2025-0112-too-long", "body-length", 12),
    ("2025-0113-public-personal", "personal-data", 12),
    ("2025-0113-public-personal", "personal-data", 14),
    ("2025-0114-yaml11", "unknown-ref", 5),
    ("2025-0114-yaml11", "enum", 9),
    ("2025-0115-not-utf8", "encoding", 3),
    ("2025-0116-duplicate-key", "duplicate-key", 11),
    ("2025-0117-outcome-early", "outcome-before-approval", 12),
    ("2025-0118-wrong-types", "type", 4),
    ("2025-0119-missing", "required", 2),
]


@pytest.fixture
def findings_json(broken_office: Path, sqmy: Invoke) -> list[dict[str, object]]:
    result = sqmy("validate", "--format", "json")
    assert result.exit_code == 1
    data: list[dict[str, object]] = json.loads(result.stdout)  # JSON only on stdout
    return data


@pytest.mark.parametrize(("stem", "rule", "line"), RULES)
def test_each_rule_reported_at_its_line(findings_json: list[dict[str, object]], stem: str, rule: str, line: int) -> None:
    hits = [f for f in findings_json if str(f["path"]).endswith(f"{stem}.md") and f["rule"] == rule and f["line"] == line]
    assert hits, f"{stem}: no {rule} at line {line}"


def test_json_findings_shape(findings_json: list[dict[str, object]]) -> None:
    assert {tuple(sorted(f)) for f in findings_json} == {("field", "line", "message", "path", "rule", "severity")}
    too_long = next(f for f in findings_json if f["rule"] == "body-length")
    assert too_long["severity"] == "warning"


def test_yaml11_values_are_not_changed(findings_json: list[dict[str, object]]) -> None:
    messages = [str(f["message"]) for f in findings_json if "yaml11" in str(f["path"])]
    assert any("“010”" in m for m in messages)
    assert any("“on”" in m for m in messages)
    assert any("“12:30”" in m for m in messages)


def test_warnings_alone_exit_zero(office: Path, sqmy: Invoke) -> None:
    shutil.copy(SAMPLES / "broken" / "items" / "2025" / "2025-0112-too-long.md", office / "items" / "2025")
    result = sqmy("validate")
    assert result.exit_code == 0
    assert "警告：正文 1920 字" in result.stdout


def test_internal_item_with_phone_is_a_warning(office: Path, sqmy: Invoke) -> None:
    path = office / "items" / "2025" / "2025-0506-zhangwei-1.md"
    text = path.read_text("utf-8").replace("audience: 公开", "audience: 内部").replace("居民 4100 余户。", "居民 4100 余户，联系 13912345678。")
    path.write_text(text, "utf-8")
    result = sqmy("validate", str(path))
    assert result.exit_code == 0
    assert "警告：信息中不应含有手机号码（139****5678）" in result.stdout


def test_one_file_and_a_folder(broken_office: Path, sqmy: Invoke) -> None:
    result = sqmy("validate", "items/2025/2025-0109-id-mismatch.md")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("items/2025/2025-0109-id-mismatch.md:2: 错误：字段 id（编号）")
    assert result.stdout.endswith("检查了 1 个文件：1 个错误，0 个警告\n")
    # a single file is still compared with the rest of the repository for duplicate ids
    dup = sqmy("validate", "items/2025/2025-0120-dup.md")
    assert "与 items/2024/2025-0120-dup.md 重复" in dup.stdout


def test_missing_path_is_usage_error(office: Path, sqmy: Invoke) -> None:
    result = sqmy("validate", "nope.md")
    assert result.exit_code == 2
    assert "路径不存在：nope.md" in result.stderr


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqmy: Invoke) -> None:
    monkeypatch.chdir(tmp_path)
    result = sqmy("validate")
    assert result.exit_code == 2
    assert "找不到信息库" in result.stderr
    assert "Traceback" not in result.output


def test_root_option(office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqmy: Invoke) -> None:
    monkeypatch.chdir(tmp_path)
    result = sqmy("--root", str(office), "validate")
    assert result.exit_code == 0


def test_parallel_check_matches_serial(broken_office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo(broken_office)
    reg, _ = registry.load(repo)
    ctx = validate_mod.Context(repo, reg, today())
    paths = validate_mod.item_files(repo)
    serial = validate_mod.check_items(ctx, paths)
    monkeypatch.setattr(validate_mod, "PARALLEL_THRESHOLD", 2)
    parallel = validate_mod.check_items(ctx, paths)
    assert parallel == serial
    assert any(item is None for item, _ in parallel)


def test_nothing_written_by_validate(broken_office: Path, sqmy: Invoke) -> None:
    before = {p: p.read_bytes() for p in broken_office.rglob("*") if p.is_file()}
    sqmy("validate")
    sqmy("validate")
    after = {p: p.read_bytes() for p in broken_office.rglob("*") if p.is_file()}
    assert before == after
