from __future__ import annotations

import json
import os
import shutil
import signal
import unicodedata
from pathlib import Path

import pytest

from sqmy import load as load_mod
from sqmy import personal, registry
from sqmy import validate as validate_mod
from sqmy.dates import today
from sqmy.paths import Repo

from .conftest import SAMPLES, Invoke


def test_valid_sample_office_passes(office: Path, sqmy: Invoke) -> None:
    result = sqmy("validate")
    assert result.exit_code == 0, result.output
    # the sample office has no 考评办法 (its documents show that case) and no archive: warnings, not errors
    assert result.stdout.splitlines() == [
        "mkdocs.yml:1: 警告：缺少 mkdocs.yml：sqmy build 无法生成归档网站（sqmy init 新建的信息库自带一份）",
        "units/scoring.yml:1: 警告：缺少 units/scoring.yml：sqmy score 无法计算积分和等次，归档网站和通报中也没有积分和排名；"
        "请写明本单位的考评办法（sqmy init 新建的信息库自带一份）",
        "检查了 7 个文件：0 个错误，2 个警告",
    ]


def test_the_offices_other_files_are_checked_before_a_command_needs_them(office: Path, sqmy: Invoke) -> None:
    """mkdocs.yml without the sqmy plugin, an overriding template that does not parse, a broken Word style definition:
    validate names file and line, rather than `build`, `new` or `docx` failing later."""
    (office / "mkdocs.yml").write_text("site_name: 档案\nplugins:\n  - search\n", "utf-8")
    (office / "templates" / "item.md.j2").write_text("---\nid: {{ id }}\n---\n\n{% if title %}\n正文\n", "utf-8")
    (office / "templates" / "docx").mkdir(parents=True, exist_ok=True)
    (office / "templates" / "docx" / "styles.yml").write_text("page: [\n", "utf-8")
    found = json.loads(sqmy("validate", "--format", "json").stdout)
    rules = {(f["path"], f["rule"], f["severity"]) for f in found}
    assert ("mkdocs.yml", "office-file", "warning") in rules
    assert ("templates/item.md.j2", "template", "error") in rules
    assert any(path == "templates/docx/styles.yml" and rule == "docx-styles" for path, rule, _ in rules)
    template = next(f for f in found if f["rule"] == "template")
    assert template["line"] == 5  # where the unclosed block opens
    assert "模板语法错误" in template["message"]
    assert sqmy("validate").exit_code == 1


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
    path = office / "items" / "2025" / "2025-1201-zhangwei-1.md"  # a draft: no approval for the edit to void
    text = path.read_text("utf-8").replace("audience: 公开", "audience: 内部")
    path.write_text(text.rstrip("\n") + "\n\n联系 13912345678。\n", "utf-8")
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
    paths = load_mod.item_files(repo)
    serial = load_mod.check_items(ctx, paths)
    monkeypatch.setattr(load_mod, "PARALLEL_THRESHOLD", 2)
    parallel = load_mod.check_items(ctx, paths)
    assert parallel == serial
    assert any(e.item is None for e in parallel)
    assert all(len(e.blob) == 40 for e in parallel if e.findings == [] or e.item is not None)


def test_nothing_written_by_validate(broken_office: Path, sqmy: Invoke) -> None:
    """validate changes no file of the office; it only keeps what it checked in its cache (.sqmy/, ignored by Git)."""
    before = {p: p.read_bytes() for p in broken_office.rglob("*") if p.is_file() and ".sqmy" not in p.parts}
    first = sqmy("validate")
    second = sqmy("validate")  # from the cache
    after = {p: p.read_bytes() for p in broken_office.rglob("*") if p.is_file() and ".sqmy" not in p.parts}
    assert before == after
    assert first.exit_code == second.exit_code == 1
    assert first.stdout == second.stdout


# --- hostile and personal data (the sample files are in tests/samples/broken) ------------------------

MORE_RULES = [
    ("2025-0121-public-phones", "personal-data", 10),  # +86 139 1234 5678 in source_ref
    ("2025-0121-public-phones", "personal-data", 15),  # （0571）8765 4321 and １３９－８７６５－４３２１
    ("2025-0121-public-phones", "personal-data", 17),  # 110101 19900307 123X
    ("2025-0122-yaml-alias", "yaml-alias", 11),
    ("2025-0123-yaml-depth", "yaml-depth", 10),
    ("2025-0124-yaml-number", "yaml-number", 10),
    ("2025-0125-yaml-tag", "yaml-tag", 10),
]


@pytest.mark.parametrize(("stem", "rule", "line"), MORE_RULES)
def test_hostile_and_personal_rules_at_their_line(findings_json: list[dict[str, object]], stem: str, rule: str, line: int) -> None:
    hits = [f for f in findings_json if str(f["path"]).endswith(f"{stem}.md") and f["rule"] == rule and f["line"] == line]
    assert hits, f"{stem}: no {rule} at line {line}"
    assert all(f["severity"] == "error" for f in hits)


def test_each_kind_of_personal_data_in_a_public_item(findings_json: list[dict[str, object]]) -> None:
    found = sorted(
        (int(str(f["line"])), str(f["message"]).split("（")[0], f["field"])
        for f in findings_json
        if "2025-0121-public-phones" in str(f["path"]) and f["rule"] == "personal-data"
    )
    assert found == [
        (10, "公开信息不能含有手机号码", "source_ref"),
        (15, "公开信息不能含有固定电话", None),
        (15, "公开信息不能含有手机号码", None),
        (17, "公开信息不能含有身份证号码", None),
    ]
    messages = " ".join(str(f["message"]) for f in findings_json if "2025-0121-public-phones" in str(f["path"]))
    for masked in ("139****5678", "057*****4321", "139****4321", "110***********123X"):
        assert f"（{masked}）" in messages
    # the date, the amount and the letter number on line 13 are not personal data
    assert not any("2025-0121-public-phones" in str(f["path"]) and f["line"] == 13 for f in findings_json)


def test_internal_item_with_a_landline_is_a_warning(office: Path, sqmy: Invoke) -> None:
    path = office / "items" / "2025" / "2025-1201-zhangwei-1.md"
    path.write_text(path.read_text("utf-8-sig").replace("部分站点长期闭门。", "部分站点长期闭门，值班电话 010-6552 9988。"), "utf-8")
    result = sqmy("validate", "items/2025/2025-1201-zhangwei-1.md")
    assert result.exit_code == 0, result.output
    assert "items/2025/2025-1201-zhangwei-1.md:12: 警告：信息中不应含有固定电话（010****9988）" in result.stdout


PERSONAL_POSITIVE = [
    ("联系电话：13912345678。", personal.MOBILE, "13912345678"),
    ("请拨 139 1234 5678 咨询", personal.MOBILE, "139 1234 5678"),
    ("手机139-1234-5678", personal.MOBILE, "139-1234-5678"),
    ("手机 1391 234 5678", personal.MOBILE, "1391 234 5678"),
    ("手机139.1234.5678", personal.MOBILE, "139.1234.5678"),
    ("电话：１３９１２３４５６７８", personal.MOBILE, "１３９１２３４５６７８"),
    ("电话：１３９　１２３４　５６７８", personal.MOBILE, "１３９　１２３４　５６７８"),
    ("电话 +86 139 1234 5678", personal.MOBILE, "+86 139 1234 5678"),
    ("电话+8613912345678", personal.MOBILE, "+8613912345678"),
    ("电话 0086 13912345678", personal.MOBILE, "0086 13912345678"),
    ("电话（+86）139-1234-5678", personal.MOBILE, "（+86）139-1234-5678"),
    ("电话8613912345678", personal.MOBILE, "8613912345678"),
    ("Tel13912345678", personal.MOBILE, "13912345678"),
    ("座机 0571-87654321", personal.LANDLINE, "0571-87654321"),
    ("座机(0571)8765 4321", personal.LANDLINE, "(0571)8765 4321"),
    ("座机（0571）87654321", personal.LANDLINE, "（0571）87654321"),
    ("电话 010-6552 9988", personal.LANDLINE, "010-6552 9988"),
    ("电话 021 5432 1098", personal.LANDLINE, "021 5432 1098"),
    ("电话 057187654321", personal.LANDLINE, "057187654321"),
    ("电话 0938-8212345", personal.LANDLINE, "0938-8212345"),
    ("电话 +86 571 8765 4321", personal.LANDLINE, "+86 571 8765 4321"),
    ("电话 +86-10-65529988", personal.LANDLINE, "+86-10-65529988"),
    ("电话 0571－87654321", personal.LANDLINE, "0571－87654321"),
    ("身份证号 110101199003071234", personal.ID_NUMBER, "110101199003071234"),
    ("身份证号 11010119900307123X", personal.ID_NUMBER, "11010119900307123X"),
    ("身份证号 11010119900307123x。", personal.ID_NUMBER, "11010119900307123x"),
    ("身份证号 110101 19900307 1234", personal.ID_NUMBER, "110101 19900307 1234"),
    ("身份证号 110101-1990-0307-123X", personal.ID_NUMBER, "110101-1990-0307-123X"),
    ("身份证号 １１０１０１１９９００３０７１２３４", personal.ID_NUMBER, "１１０１０１１９９００３０７１２３４"),
    ("身份证ID330106200512310012", personal.ID_NUMBER, "330106200512310012"),
]

PERSONAL_NEGATIVE = [
    "2025年3月14日召开座谈会",
    "投入资金12345678元",
    "投入资金 15000000000 元",  # eleven digits that begin like a mobile: an amount
    "增长 13.5%，达 1234567 万元",
    "见 2025-0314-zhangwei-1",
    "示政协转〔2026〕3号",
    "浙政办发〔2025〕12号",
    "2020-2025年累计",
    "报送日期 2025-03-14，审核日期 2025-03-20",
    "覆盖 4100 余户、12800 人",
    "邮编 310000",
    "GDP 1234.5678 亿元",
    "人口 138.5 万人",
    "统一社会信用代码 91330100MA2H123456",
    "订单号 202503140001234567",  # 18 digits, but no possible birth date
    "编号 123456789012345678",
    "时间 08:30-17:30",
    "1998-2008 年",
    "12345 热线",
    "（2025）浙 0106 民初 1234 号",
    "ISBN 978-7-5399-1234-5",
    "摘要值 sha256:3b9c1e2f13912345678abc",  # digits inside a hash
    "提交 3cebf8bbb060b6f0183701322b",
    "版本 v1.13912345678",
]


@pytest.mark.parametrize(("text", "kind", "number"), PERSONAL_POSITIVE)
def test_personal_find_positive(text: str, kind: str, number: str) -> None:
    assert [(m.kind, m.text) for m in personal.find(text)] == [(kind, number)]
    [m] = personal.find(text)
    assert text[m.start : m.end] == number
    assert personal.has_any(text)
    assert number not in personal.mask(text)


@pytest.mark.parametrize("text", PERSONAL_NEGATIVE)
def test_personal_find_negative(text: str) -> None:
    assert list(personal.find(text)) == []
    assert personal.mask(text) == text


def test_personal_find_several_in_order() -> None:
    text = "甲13912345678 13812345678、乙0571-87654321和110101199003071234。"
    assert [m.kind for m in personal.find(text)] == [personal.MOBILE, personal.MOBILE, personal.LANDLINE, personal.ID_NUMBER]
    assert personal.mask(text) == "甲139****5678 138****5678、乙057*****4321和110***********1234。"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+86 139 1234 5678", "139****5678"),
        ("（+86）139-1234-5678", "139****5678"),
        ("0086 13912345678", "139****5678"),
        ("8613912345678", "139****5678"),
        ("１３９１２３４５６７８", "139****5678"),
        ("0571-87654321", "057*****4321"),
        ("110101 19900307 123x", "110***********123X"),
        ("12345", "*****"),
    ],
)
def test_mask_number(number: str, masked: str) -> None:
    assert personal.mask_number(number) == masked


def test_every_character_that_reads_as_a_digit_is_found() -> None:
    """Whatever NFKC (or Unicode's decimal value) makes a digit counts as one: no script hides a number."""
    for code in range(0x80, 0x110000):
        char = chr(code)
        norm = unicodedata.normalize("NFKC", char)
        value = str(unicodedata.decimal(char)) if unicodedata.category(char) == "Nd" else norm
        if len(value) == 1 and value.isascii() and value.isdigit():
            text = "139" + char + "2345678"
            assert [m.text for m in personal.find(text)] == [text], hex(code)


# --- links, special and huge files under items/ -------------------------------------------------------


def _not_regular(result_stdout: str) -> list[str]:
    return [line for line in result_stdout.splitlines() if "不是普通文件" in line or "是符号链接" in line]


def test_links_under_items_are_reported_and_not_followed(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "2024").mkdir(parents=True)
    secret = outside / "secret.md"
    secret.write_text("---\nid: 秘密\n---\n电话 13912345678\n", "utf-8")  # broken on purpose: any read would show
    (outside / "2024" / "2024-0101-x-1.md").write_text("not an item", "utf-8")
    (office / "items" / "2025" / "2025-0101-link-1.md").symlink_to(secret)
    (office / "items" / "2024").symlink_to(outside / "2024", target_is_directory=True)
    (office / "items" / "2025" / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    result = sqmy("validate", "--format", "json")
    assert result.exit_code == 1
    found = {(f["path"], f["rule"], f["line"]) for f in json.loads(result.stdout) if f["path"].startswith("items/")}
    assert found == {
        ("items/2024", "not-regular-file", 1),
        ("items/2025/2025-0101-link-1.md", "not-regular-file", 1),
        ("items/2025/dangling.md", "not-regular-file", 1),
    }
    text = sqmy("validate").stdout
    assert "items/2024:1: 错误：文件夹 items/2024 是符号链接：sqmy 不跟随链接，其中的信息没有读取；请改为普通文件夹" in text
    assert "items/2025/2025-0101-link-1.md:1: 错误：items/2025/2025-0101-link-1.md 不是普通文件（是符号链接）" in text
    assert "秘密" not in text
    assert "139****5678" not in text


def test_a_linked_items_folder_is_reported(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    shutil.move(office / "items", tmp_path / "items")
    (office / "items").symlink_to(tmp_path / "items", target_is_directory=True)
    result = sqmy("validate")
    assert result.exit_code == 1
    assert _not_regular(result.stdout) == ["items:1: 错误：文件夹 items 是符号链接：sqmy 不跟随链接，其中的信息没有读取；请改为普通文件夹"]


def test_a_file_named_through_a_linked_folder_is_refused(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    shutil.move(office / "items" / "2025", tmp_path / "2025")
    (office / "items" / "2025").symlink_to(tmp_path / "2025", target_is_directory=True)
    result = sqmy("validate", str(office / "items" / "2025" / "2025-0506-zhangwei-1.md"))
    assert result.exit_code == 1
    assert "items/2025:1: 错误：文件夹 items/2025 是符号链接" in result.stdout


def test_a_fifo_is_reported_without_being_opened(office: Path, sqmy: Invoke) -> None:
    os.mkfifo(office / "items" / "2025" / "2025-0102-fifo-1.md")
    os.mkfifo(office / "items" / "2025" / "pipe")  # special files are reported whatever their name
    signal.signal(signal.SIGALRM, _hung)
    signal.alarm(20)  # opening a FIFO for reading waits for a writer that never comes
    try:
        result = sqmy("validate")
    finally:
        signal.alarm(0)
    assert result.exit_code == 1
    assert _not_regular(result.stdout) == [
        "items/2025/2025-0102-fifo-1.md:1: 错误：items/2025/2025-0102-fifo-1.md 不是普通文件（是命名管道（FIFO））："
        "sqmy 不跟随链接，也不读取特殊文件；请改为普通文件",
        "items/2025/pipe:1: 错误：items/2025/pipe 不是普通文件（是命名管道（FIFO））：sqmy 不跟随链接，也不读取特殊文件；请改为普通文件",
    ]


def _hung(signum: int, frame: object) -> None:
    raise TimeoutError("sqmy waited on a FIFO")


def test_a_huge_item_is_refused_before_reading(office: Path, sqmy: Invoke) -> None:
    path = office / "items" / "2025" / "2025-0103-huge-1.md"
    path.write_text("---\nid: 2025-0103-huge-1\n---\n" + "很长" * 300_000, "utf-8")
    result = sqmy("validate", "--format", "json")
    [finding] = [f for f in json.loads(result.stdout) if "huge" in f["path"]]
    assert (finding["rule"], finding["line"]) == ("too-large", 1)
    assert "超过 512 KB" in finding["message"]


def test_a_link_to_another_item_is_no_duplicate(office: Path, sqmy: Invoke) -> None:
    """A link named like an item is reported as a link; the item it points to is not a duplicate because of it."""
    target = office / "items" / "2025" / "2025-0506-zhangwei-1.md"
    (office / "items" / "2024").mkdir()
    (office / "items" / "2024" / "2025-0506-zhangwei-1.md").symlink_to(target)
    found = json.loads(sqmy("validate", "--format", "json").stdout)
    assert sorted((f["path"], f["rule"]) for f in found if f["path"].startswith("items/")) == [("items/2024/2025-0506-zhangwei-1.md", "not-regular-file")]


def test_the_office_files_check_is_kept_until_one_of_them_changes(office: Path, sqmy: Invoke) -> None:
    """validate keeps its verdict on mkdocs.yml, the templates and the Word styles until one byte of them changes."""
    template = office / "templates" / "item.md.j2"

    def template_findings() -> list[int]:
        return [f["line"] for f in json.loads(sqmy("validate", "--format", "json").stdout) if f["rule"] == "template"]

    assert template_findings() == []
    assert template_findings() == []  # from what was kept
    good = template.read_text("utf-8")
    template.write_text(good + "{% if x %}\n", "utf-8")
    assert template_findings() != []
    template.write_text(good, "utf-8")
    assert template_findings() == []
