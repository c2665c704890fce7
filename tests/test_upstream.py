"""Reference lists for 查重: upstream/*.yml and siblings/*/items.json read safely, and `sqmy upstream import`."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from sqmy import upstream
from sqmy.errors import Refused, SqmyError
from sqmy.findings import Finding
from sqmy.upstream import Reference, files, load_siblings, load_upstream

from .conftest import Invoke

GOOD_LIST = """\
# 市里下发的目录
name: 市政协2025年采用的社情民意信息
level: 市政协
year: 2025
items:
  - title: 关于加快推进农村生活污水治理的建议
    date: 2025-03-14
    origin: 某某县政协
    ref: 《社情民意信息》第12期
  - title: 关于规范校外培训机构收费的建议   # 只有标题
  - title: 农村客运班线停运问题亟待解决
    body: |
      一些乡镇的客运班线已经停运。

      建议恢复。
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def _sibling_json(rows: Sequence[object]) -> str:
    """As the archive writes items.json: indent=1, a row per object."""
    return json.dumps({"edition": "公开", "generated": "2026-11-01", "items": list(rows)}, ensure_ascii=False, indent=1)


def _texts(findings: Sequence[Finding]) -> list[str]:
    return [f.text() for f in findings]


# --- loading -------------------------------------------------------------------------


def test_good_lists_and_siblings_load_as_references(tmp_path: Path) -> None:
    _write(tmp_path / "upstream" / "市政协-2025.yml", GOOD_LIST)
    _write(tmp_path / "upstream" / "省政协.yml", "items:\n- title: 关于省里的一件事的建议\n")
    _write(tmp_path / "upstream" / "说明.md", "不是目录")  # only .yml files are lists
    _write(tmp_path / "siblings" / "某某县政协" / "items.json", _sibling_json([
        {"id": "2025-0314-zhangwei-1", "title": "关于某事的建议", "unit": "x", "unit_name": "城关委员联络组", "submitted": "2025-03-14",
         "url": "items/2025/2025-0314-zhangwei-1/", "status": "已审定", "a_newer_field": {"nested": [1, 2]}},
        {"id": "2025-0401-li-1", "title": "关于另一事的建议", "body": "全文第一段。\n\n全文第二段。", "submitted": None},
    ]))
    _write(tmp_path / "siblings" / "README.md", "放兄弟县的 items.json")

    refs, findings = load_upstream(tmp_path)
    assert findings == []
    assert [r.key for r in refs] == ["upstream/市政协-2025.yml#1", "upstream/市政协-2025.yml#2", "upstream/市政协-2025.yml#3", "upstream/省政协.yml#1"]
    first = refs[0]
    assert first == Reference(
        key="upstream/市政协-2025.yml#1", source="upstream", label="市政协2025年采用的社情民意信息 第1条",
        title="关于加快推进农村生活污水治理的建议", body="", date=dt.date(2025, 3, 14), origin="某某县政协", ref="《社情民意信息》第12期",
        path="upstream/市政协-2025.yml", line=6,
    )
    assert refs[1].line == 10
    assert refs[1].date is None
    assert refs[1].origin == ""
    assert refs[2].body == "一些乡镇的客运班线已经停运。\n\n建议恢复。"
    assert refs[3].label == "省政协 第1条"  # no name: the file stem

    sibs, findings = load_siblings(tmp_path)
    assert findings == []
    assert sibs == [
        Reference("siblings/某某县政协/2025-0314-zhangwei-1", "siblings", "某某县政协 2025-0314-zhangwei-1", "关于某事的建议", "",
                  dt.date(2025, 3, 14), "城关委员联络组", "items/2025/2025-0314-zhangwei-1/", "siblings/某某县政协/items.json", 5),
        Reference("siblings/某某县政协/2025-0401-li-1", "siblings", "某某县政协 2025-0401-li-1", "关于另一事的建议", "全文第一段。\n\n全文第二段。",
                  None, "", "", "siblings/某某县政协/items.json", 20),
    ]
    assert [p.relative_to(tmp_path).as_posix() for p in files(tmp_path)] == [
        "siblings/某某县政协/items.json", "upstream/市政协-2025.yml", "upstream/省政协.yml",
    ]


def test_missing_folders_are_no_references_and_no_findings(tmp_path: Path) -> None:
    assert load_upstream(tmp_path) == ([], [])
    assert load_siblings(tmp_path) == ([], [])
    assert files(tmp_path) == []
    (tmp_path / "upstream").mkdir()
    (tmp_path / "siblings").mkdir()
    assert load_upstream(tmp_path) == ([], [])
    assert load_siblings(tmp_path) == ([], [])


def test_bad_entries_are_findings_with_file_and_line_and_the_good_ones_are_kept(tmp_path: Path) -> None:
    _write(tmp_path / "upstream" / "市政协-2025.yml", (
        "name: 目录\n"                                   # 1
        "items:\n"                                       # 2
        "  - title: 关于好的一条的建议\n"                 # 3
        "  - titel: 拼错了字段名\n"                       # 4
        "  - title: 关于日期不对的建议\n"                 # 5
        "    date: 2025-13-01\n"                         # 6
        "  - 关于只写了一行字的建议\n"                     # 7
        "  - title: \"  \"\n"                            # 8
        f"  - title: {'长' * 201}\n"                     # 9
        "  - title: 关于正文太长的建议\n"                 # 10
        f"    body: {'字' * 50_001}\n"                   # 11
        "  - title: 关于好的一条的建议。\n"               # 12
        "  - title: 关于年份的建议\n"                     # 13
        "    date: 2025\n"                               # 14
    ))
    refs, findings = load_upstream(tmp_path)
    assert [(r.title, r.line) for r in refs] == [("关于好的一条的建议", 3), ("关于好的一条的建议。", 12)]
    texts = _texts(findings)
    f = "upstream/市政协-2025.yml"
    assert f"{f}:4: 错误：第 2 条缺少“标题”（title）" in texts
    assert any(t.startswith(f"{f}:4: 错误：第 2 条：未知字段 titel，是不是“title”？") for t in texts)
    assert f"{f}:6: 错误：第 3 条：字段 date（采用日期）的日期“2025-13-01”无效：应为真实存在的日期，写作 YYYY-MM-DD（如 2025-03-14）" in texts
    assert f"{f}:7: 错误：第 4 条应为键值对，每条写成“- title: 标题”，可加 date、origin、ref、body" in texts
    assert f"{f}:8: 错误：第 5 条的“标题”（title）是空的" in texts
    assert f"{f}:9: 错误：第 6 条：字段 title（标题）太长：不超过 200 个字" in texts
    assert f"{f}:11: 错误：第 7 条：字段 body（正文）太长：不超过 50000 个字" in texts
    assert f"{f}:12: 警告：第 8 条的标题与第 1 条重复：只保留一条即可" in texts
    assert any(t.startswith(f"{f}:14: 错误：第 9 条：字段 date（采用日期）应为文字") for t in texts)
    assert {x.field for x in findings if x.line == 6} == {"items[2].date"}
    assert all(x.path == f for x in findings)


@pytest.mark.parametrize(("text", "expected"), [
    ("items:\n  - &a\n    title: 关于锚点的建议\n  - *a\n", "upstream/x.yml:2: 错误：用了 YAML 锚点“&a”"),
    ("items:\n  - title: [关于\n", "upstream/x.yml:2: 错误：YAML 语法错误"),
    ("", "upstream/x.yml:1: 错误：文件是空的"),
    ("name: 目录\n", "upstream/x.yml:1: 错误：缺少必填字段 items（信息列表）"),
    ("- title: 关于列表的建议\n", "upstream/x.yml:1: 错误：字段 （整个文件）应为键值对"),
    ("items:\n  - title: 关于一件事的建议\nlevle: 市政协\n", "upstream/x.yml:3: 错误：未知字段 levle，是不是“level”？"),
    ("items: 关于一件事的建议\n", "upstream/x.yml:1: 错误：字段 items（信息列表）应为列表"),
    ("year: 二〇二五\nitems:\n", "upstream/x.yml:1: 错误：字段 year（年度）应为整数"),
])
def test_a_broken_list_is_a_finding_never_an_exception(tmp_path: Path, text: str, expected: str) -> None:
    _write(tmp_path / "upstream" / "x.yml", text)
    _, findings = load_upstream(tmp_path)
    assert any(t.startswith(expected) for t in _texts(findings)), _texts(findings)


def test_a_list_not_in_utf8_or_too_large_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "upstream").mkdir()
    (tmp_path / "upstream" / "gbk.yml").write_bytes("items:\n- title: 关于编码的建议\n".encode("gbk"))
    _write(tmp_path / "upstream" / "big.yml", "items:\n" + "- title: 关于很多条的建议\n" * 20)
    monkeypatch.setattr(upstream, "UPSTREAM_MAX_BYTES", 100)
    _, findings = load_upstream(tmp_path)
    assert _texts(findings) == [
        "upstream/big.yml:1: 错误：上级采用信息目录 upstream/big.yml 超过 0 MB，不予读取",
        "upstream/gbk.yml:1: 错误：文件不是 UTF-8 编码；请用 UTF-8 保存",
    ]


def test_bad_sibling_rows_are_findings_and_unknown_keys_are_ignored(tmp_path: Path) -> None:
    rows: list[object] = [
        {"id": "2025-0101-a-1", "title": "关于好的一条的建议", "future": True},
        {"id": 7, "title": "编号不是文字"},
        {"title": "没有编号"},
        {"id": "2025-0101-a-2"},
        {"id": "2025-0101-a-3", "title": "正文不是文字", "body": ["x"]},
        {"id": "2025-0101-a-4", "title": "长" * 201},
        {"id": "2025-0101-a-5", "title": "正文太长", "body": "字" * 50_001},
        {"id": "2025-0101-a-1", "title": "编号重复"},
        "不是对象",
        {"id": "有 空格", "title": "编号有空白"},
        {"id": "2025-0101-a-6", "title": "关于\u202e反转\u0007字符的建议"},
    ]
    path = _write(tmp_path / "siblings" / "甲县" / "items.json", _sibling_json(rows))
    lines = path.read_text("utf-8").split("\n")
    starts = [n for n, line in enumerate(lines, start=1) if line == "  {" or line.startswith('  "')]
    refs, findings = load_siblings(tmp_path)
    assert [(r.key, r.title, r.line) for r in refs] == [
        ("siblings/甲县/2025-0101-a-1", "关于好的一条的建议", starts[0]),
        ("siblings/甲县/2025-0101-a-6", "关于反转字符的建议", starts[10]),  # control and direction characters dropped
    ]
    f = "siblings/甲县/items.json"
    assert _texts(findings) == [
        f"{f}:{starts[1]}: 错误：第 2 条缺少“编号”（id）",
        f"{f}:{starts[2]}: 错误：第 3 条缺少“编号”（id）",
        f"{f}:{starts[3]}: 错误：第 4 条缺少“标题”（title）",
        f"{f}:{starts[4]}: 错误：第 5 条的“正文”（body）应为文字",
        f"{f}:{starts[5]}: 错误：第 6 条的“标题”（title）太长：不超过 200 个字",
        f"{f}:{starts[6]}: 错误：第 7 条的“正文”（body）太长：不超过 50000 个字",
        f"{f}:{starts[7]}: 警告：第 8 条的编号“2025-0101-a-1”与第 1 条重复：只读取第一条",
        f"{f}:{starts[8]}: 错误：第 9 条应为对象（含 id、title）",
        f"{f}:{starts[9]}: 错误：第 10 条的“编号”（id）无效：不能含空白或控制字符，不超过 200 个字符",
    ]


@pytest.mark.parametrize(("content", "expected"), [
    ('{"items": [\n {"id": "a", "title": "b"},\n]}', "siblings/乙县/items.json:3: 错误：JSON 语法错误（第 3 行第 1 列）"),
    ('[{"id": "a", "title": "b"}]', "siblings/乙县/items.json:1: 错误：应为 sqmy 归档网站生成的 items.json"),
    ('{"items": {"id": "a"}}', "siblings/乙县/items.json:1: 错误：应为 sqmy 归档网站生成的 items.json"),
    ("[" * 100_000 + "]" * 100_000, "siblings/乙县/items.json:1: 错误：JSON 无法读取（嵌套太深或含无效内容）"),
])
def test_a_broken_items_json_is_a_finding(tmp_path: Path, content: str, expected: str) -> None:
    _write(tmp_path / "siblings" / "乙县" / "items.json", content)
    refs, findings = load_siblings(tmp_path)
    assert refs == []
    assert any(t.startswith(expected) for t in _texts(findings)), _texts(findings)


def test_a_sibling_folder_without_items_json_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "siblings" / "丙县").mkdir(parents=True)
    assert _texts(load_siblings(tmp_path)[1]) == ["siblings/丙县:1: 警告：siblings/丙县/ 中没有 items.json：请放入该单位归档网站的 items.json"]


def test_links_and_special_files_are_refused_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "list.yml", "items:\n- title: 关于链接的建议\n")
    _write(outside / "office" / "items.json", _sibling_json([{"id": "a-1", "title": "关于链接的建议"}]))
    root = tmp_path / "office"
    (root / "upstream").mkdir(parents=True)
    (root / "upstream" / "链接.yml").symlink_to(outside / "list.yml")
    os.mkfifo(root / "upstream" / "管道.yml")  # would block a reader that opened it as a file
    (root / "siblings" / "丁县").mkdir(parents=True)
    (root / "siblings" / "丁县" / "items.json").symlink_to(outside / "office" / "items.json")
    (root / "siblings" / "戊县").symlink_to(outside / "office")
    refs, findings = load_upstream(root)
    assert refs == []
    assert _texts(findings) == [
        "upstream/管道.yml:1: 错误：上级采用信息目录 upstream/管道.yml 不是普通文件（是符号链接、文件夹或特殊文件）：sqmy 不跟随链接，请改为普通文件",
        "upstream/链接.yml:1: 错误：上级采用信息目录 upstream/链接.yml 不是普通文件（是符号链接、文件夹或特殊文件）：sqmy 不跟随链接，请改为普通文件",
    ]
    refs, findings = load_siblings(root)
    assert refs == []
    assert _texts(findings) == [
        "siblings/丁县/items.json:1: 错误：兄弟单位的信息列表 siblings/丁县/items.json 不是普通文件（是符号链接、文件夹或特殊文件）："
        "sqmy 不跟随链接，请改为普通文件",
        "siblings/戊县:1: 错误：兄弟单位的文件夹 siblings/戊县/ 是符号链接：sqmy 不跟随链接，请改为普通文件夹",
    ]
    assert files(root) == []

    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "upstream").symlink_to(outside)
    (linked / "siblings").symlink_to(outside)
    refs, findings = load_upstream(linked)
    assert refs == []
    assert _texts(findings) == ["upstream:1: 错误：上级采用信息目录的文件夹 upstream/ 不是普通文件夹（是符号链接或文件）：sqmy 不跟随链接，请改为普通文件夹"]
    assert load_siblings(linked)[0] == []
    assert [f.rule for f in load_siblings(linked)[1]] == ["not-regular-file"]
    assert files(linked) == []


# --- import ----------------------------------------------------------------------------


def _xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "采用目录"
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


CITY_ROWS: list[list[object]] = [
    ["2025年市政协采用社情民意信息目录"],
    [],
    ["序号", "信息标题", "报送单位", "采用日期", "刊物", "备注"],
    [1, "关于加快推进农村生活污水治理的建议", "某某县政协", dt.datetime(2025, 3, 14), "《社情民意信息》第12期", None],
    [2, "关于规范校外培训机构收费的建议", "甲县政协", "2025年4月2日", "第15期", None],
    [3, None, "乙县政协", "2025-04-03", None, "标题空"],
    [4, "农村客运班线停运问题亟待解决", "丙县政协", "2025.5.6", None, None],
    [5, "关于养老服务的建议", None, "2025-05-07", None, None],
    [6, "关于 规范 校外培训机构收费的建议", "丁县政协", "三月", None, "与第 2 条标题相同"],
    [7, "关于城区停车难的建议", None, "上旬", None, None],
]


def test_excel_import_previews_writes_with_apply_and_adds_nothing_twice(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "市政协采用目录.xlsx", CITY_ROWS)
    target = office / "upstream" / "市政协-2025.yml"

    preview = sqmy("upstream", "import", str(sheet), "--name", "市政协-2025", "--level", "市政协", "--year", "2025")
    assert preview.exit_code == 0, preview.output
    lines = preview.output.splitlines()
    assert lines[:6] == [
        "市政协采用目录.xlsx（工作表“采用目录”） → upstream/市政协-2025.yml（新建）",
        "新增 5 条：",
        "  + 关于加快推进农村生活污水治理的建议（2025-03-14，某某县政协，《社情民意信息》第12期）",
        "  + 关于规范校外培训机构收费的建议（2025-04-02，甲县政协，第15期）",
        "  + 农村客运班线停运问题亟待解决（2025-05-06，丙县政协）",
        "  + 关于养老服务的建议（2025-05-07）",
    ]
    assert "  + 关于城区停车难的建议" in lines
    assert "已在目录中 0 条（不重复添加）" in lines
    assert "  - 工作表“采用目录”第 6 行：标题为空" in lines
    assert "  - 工作表“采用目录”第 9 行：与工作表“采用目录”第 5 行的标题相同" in lines
    assert any("第 10 行：日期“上旬”无法识别" in line for line in lines)
    assert "说明：未识别的列没有导入：备注" in lines
    assert "（预览，未写入。确认无误后加 --apply 写入 upstream/市政协-2025.yml）" in lines
    assert not target.exists()

    applied = sqmy("upstream", "import", str(sheet), "--name", "市政协-2025", "--level", "市政协", "--year", "2025", "--apply")
    assert applied.exit_code == 0, applied.output
    assert "已写入 upstream/市政协-2025.yml：新增 5 条" in applied.output
    text = target.read_text("utf-8")
    assert text.startswith("# 上级采用信息目录（查重用）：由 sqmy upstream import 从“市政协采用目录.xlsx”导入\n")
    assert "level: 市政协\nyear: 2025\nitems:\n  - title: 关于加快推进农村生活污水治理的建议\n    date: '2025-03-14'\n    origin: 某某县政协\n" in text
    refs, findings = load_upstream(office)
    assert findings == []
    assert [r.title for r in refs] == ["关于加快推进农村生活污水治理的建议", "关于规范校外培训机构收费的建议", "农村客运班线停运问题亟待解决",
                                       "关于养老服务的建议", "关于城区停车难的建议"]
    assert refs[0].date == dt.date(2025, 3, 14)
    assert refs[0].label == "市政协-2025 第1条"

    again = sqmy("upstream", "import", str(sheet), "--name", "市政协-2025", "--apply")
    assert again.exit_code == 0, again.output
    assert "已在目录中 6 条（不重复添加）" in again.output  # the row with the same title too
    assert "upstream/市政协-2025.yml 无需修改" in again.output
    assert target.read_text("utf-8") == text

    as_json = sqmy("upstream", "import", str(sheet), "--name", "市政协-2025", "--format", "json")
    data = json.loads(as_json.output)
    assert data["added"] == []
    assert data["written"] is False
    assert len(data["existing"]) == 6

    listed = sqmy("upstream")
    assert listed.exit_code == 0, listed.output
    assert "  upstream/市政协-2025.yml  市政协-2025（市政协，2025年）  5 条" in listed.output
    listed_json = json.loads(sqmy("upstream", "--format", "json").output)
    assert listed_json["lists"] == [{"path": "upstream/市政协-2025.yml", "source": "upstream", "name": "市政协-2025", "level": "市政协",
                                     "year": 2025, "count": 5, "with_body": 0}]
    assert listed_json["findings"] == []


def test_import_appends_to_an_existing_list_without_rewriting_it(tmp_path: Path) -> None:
    target = _write(tmp_path / "upstream" / "市政协-2025.yml", GOOD_LIST.replace("\n", "\r\n") + "  # 以上为第一批\r\n")
    before = target.read_bytes().decode("utf-8")
    sheet = _xlsx(tmp_path / "第二批.xlsx", [
        ["标题", "日期", "正文"],
        ["关于加快推进农村生活污水治理的建议！", "2025-06-01", None],  # already there: punctuation does not count
        ["关于新的一件事的建议", "2025-06-02", "第一段。\n\n第二段：含冒号和 #号。\n  缩进的一行"],
        ["title: 关于看起来像字段的建议", None, None],
        ["关于多段正文的建议", None, "第一行。\n\n第二行。"],
    ])
    plan = upstream.plan_import(tmp_path, sheet, "市政协-2025", "省政协", None)
    assert [e["title"] for e in plan.added] == ["关于新的一件事的建议", "title: 关于看起来像字段的建议", "关于多段正文的建议"]
    assert plan.existing == ["关于加快推进农村生活污水治理的建议！"]
    assert plan.notes == ["upstream/市政协-2025.yml 已有的层级（level）为“市政协”，未修改；如需修改请直接编辑该文件"]
    upstream.write(tmp_path, plan)
    after = target.read_bytes().decode("utf-8")
    assert after.startswith(before)  # every byte kept, comments and line ends included
    assert "\n" not in after.replace("\r\n", "")
    refs, findings = load_upstream(tmp_path)
    assert findings == []
    assert [r.title for r in refs][3:] == ["关于新的一件事的建议", "title: 关于看起来像字段的建议", "关于多段正文的建议"]
    assert refs[3].body == "第一段。\n\n第二段：含冒号和 #号。\n  缩进的一行"  # a literal block: “第二段：” is text there, not a key
    assert "    body: |-\r\n      第一段。" in after
    assert refs[5].body == "第一行。\n\n第二行。"
    assert after.endswith("  - title: 关于多段正文的建议\r\n    body: |-\r\n      第一行。\r\n\r\n      第二行。\r\n")
    assert refs[3].line == 17  # GOOD_LIST has 15 lines, then the comment

    stale = upstream.plan_import(tmp_path, _xlsx(tmp_path / "第三批.xlsx", [["题目"], ["关于第三批的建议"]]), "市政协-2025", None, None)
    target.write_text(after + "  - title: 关于别人刚加的建议\n", "utf-8")
    with pytest.raises(SqmyError, match="在比对之后被修改过"):
        upstream.write(tmp_path, stale)


@pytest.mark.parametrize(("text", "expected"), [
    ("items:\n  - title: 关于一件事的建议\nlevel: 市政协\n", "“items:”不是最后一个字段"),
    ("items: [{title: 关于一件事的建议}]\n", "写在方括号中"),
])
def test_import_refuses_a_list_it_cannot_append_to(tmp_path: Path, text: str, expected: str) -> None:
    _write(tmp_path / "upstream" / "x.yml", text)
    sheet = _xlsx(tmp_path / "a.xlsx", [["标题"], ["关于新的一件事的建议"]])
    with pytest.raises(Refused, match=expected):
        upstream.plan_import(tmp_path, sheet, "x", None, None)


def test_import_into_an_empty_items_list(tmp_path: Path) -> None:
    _write(tmp_path / "upstream" / "x.yml", "name: 空目录\nitems: []  # 待导入\n")
    upstream.write(tmp_path, upstream.plan_import(tmp_path, _xlsx(tmp_path / "a.xlsx", [["标题"], ["关于新的一件事的建议"]]), "x", None, None))
    assert (tmp_path / "upstream" / "x.yml").read_text("utf-8") == "name: 空目录\nitems:  # 待导入\n  - title: 关于新的一件事的建议\n"
    assert load_upstream(tmp_path)[1] == []


def test_import_refuses_bad_names_broken_lists_links_and_other_files(tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "a.xlsx", [["标题"], ["关于新的一件事的建议"]])
    for bad in ("../x", "a/b", ".hidden", "", "a..b", "a\nb"):
        with pytest.raises(SqmyError, match="目录名称"):
            upstream.plan_import(tmp_path, sheet, bad, None, None)
    assert upstream.checked_name("市政协-2025.yml") == "市政协-2025"
    _write(tmp_path / "upstream" / "坏.yml", "items:\n  - titel: 拼错了\n")
    with pytest.raises(SqmyError, match=r"有 2 个错误，请先修正再导入：\nupstream/坏.yml:2: 错误：第 1 条"):
        upstream.plan_import(tmp_path, sheet, "坏", None, None)
    (tmp_path / "upstream" / "链接.yml").symlink_to(tmp_path / "upstream" / "坏.yml")
    with pytest.raises(Refused, match="不是普通文件"):
        upstream.plan_import(tmp_path, sheet, "链接", None, None)
    _write(tmp_path / "list.csv", "标题\n关于一件事的建议\n")
    with pytest.raises(SqmyError, match=r"不是 Excel（\.xlsx）或 Word（\.docx）文件"):
        upstream.plan_import(tmp_path, tmp_path / "list.csv", "新", None, None)
    _write(tmp_path / "fake.xlsx", "not a workbook")
    with pytest.raises(SqmyError, match="文件已损坏或不是 Excel 工作簿"):
        upstream.plan_import(tmp_path, tmp_path / "fake.xlsx", "新", None, None)
    no_title = _xlsx(tmp_path / "b.xlsx", [["序号", "单位"], [1, "甲县"]])
    with pytest.raises(SqmyError, match="找不到表头"):
        upstream.plan_import(tmp_path, no_title, "新", None, None)


def test_word_import_from_a_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("2025年省政协采用信息目录")
    table = document.add_table(rows=0, cols=4)
    for row in (["省政协2025年采用", "", "", ""], ["序号", "题目", "来源", "时间"],
                ["1", "关于加强 农村 饮水安全的建议", "某某县政协", "2025年3月14日"], ["2", "", "甲县", ""],
                ["3", "关于发展乡村旅游的建议", "乙县政协", "2025/4/1"]):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    path = tmp_path / "省政协目录.docx"
    document.save(str(path))
    plan = upstream.plan_import(tmp_path, path, "省政协-2025", "省政协", 2025)
    assert plan.source == "省政协目录.docx（表格 1）"
    assert plan.added == [
        {"title": "关于加强农村饮水安全的建议", "date": "2025-03-14", "origin": "某某县政协"},
        {"title": "关于发展乡村旅游的建议", "date": "2025-04-01", "origin": "乙县政协"},
    ]
    assert plan.skipped == ["表格 1 第 4 行：标题为空"]
    upstream.write(tmp_path, plan)
    refs, findings = load_upstream(tmp_path)
    assert findings == []
    assert len(refs) == 2


def test_word_import_from_numbered_paragraphs_and_from_titles(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("2025年市政协采用社情民意信息目录")
    document.add_paragraph("一、省政协采用")
    document.add_paragraph("1. 关于加快推进农村生活污水治理的建议（某某县政协）")
    document.add_paragraph("2、农村客运班线停运问题亟待解决")
    document.add_paragraph("（3）关于规范校外培训机构收费的建议")
    document.add_paragraph("关于养老服务的建议", style="List Number")  # numbered by Word: no number in the text
    document.add_paragraph("以上信息请各单位参阅。")
    numbered = tmp_path / "编号.docx"
    document.save(str(numbered))
    result = sqmy("upstream", "import", str(numbered), "--name", "市政协-2025", "--apply")
    assert result.exit_code == 0, result.output
    assert "编号.docx（编号段落） → upstream/市政协-2025.yml（新建）" in result.output
    assert "说明：第 2 段“省政协采用”像是小标题，未导入" in result.output
    refs, findings = load_upstream(office)
    assert findings == []
    assert [r.title for r in refs] == ["关于加快推进农村生活污水治理的建议（某某县政协）", "农村客运班线停运问题亟待解决",
                                       "关于规范校外培训机构收费的建议", "关于养老服务的建议"]

    plain = docx.Document()
    for text in ("2025年市政协采用信息目录", "关于城区停车难的建议", "农村客运班线停运问题亟待解决", "以上信息请各单位参阅。", "", "市政协办公室"):
        plain.add_paragraph(text)
    titles = tmp_path / "标题.docx"
    plain.save(str(titles))
    result = sqmy("upstream", "import", str(titles), "--name", "市政协-2025", "--format", "json", "--apply")
    data = json.loads(result.output)
    assert data["source"] == "标题.docx（标题段落）"
    assert data["added"] == [{"title": "关于城区停车难的建议"}]
    assert data["existing"] == ["农村客运班线停运问题亟待解决"]
    assert data["notes"] == ["第 1 段“2025年市政协采用信息目录”像是目录的标题，未导入"]
    assert data["written"] is True
    assert len(load_upstream(office)[0]) == 5


def test_cli_reports_findings_and_errors(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    _write(office / "upstream" / "x.yml", "items:\n  - titel: 拼错了\n")
    _write(office / "siblings" / "甲县" / "items.json", _sibling_json([{"id": "a-1", "title": "关于一件事的建议", "body": "正文"}]))
    listed = sqmy("upstream")
    assert listed.exit_code == 1
    assert "  siblings/甲县/items.json  甲县  1 条，1 条有正文" in listed.output
    assert "upstream/x.yml:2: 错误：第 1 条缺少“标题”（title）" in listed.output
    missing = sqmy("upstream", "import", str(tmp_path / "没有.xlsx"), "--name", "x")
    assert missing.exit_code == 2
    assert "找不到文件" in missing.output


def test_findings_of_one_file_are_capped_and_a_huge_items_json_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "siblings" / "甲县" / "items.json", _sibling_json([{"title": f"第{n}条"} for n in range(150)]))
    findings = load_siblings(tmp_path)[1]
    assert len(findings) == upstream.MAX_FINDINGS + 1
    assert findings[-1].message == "另有 50 处问题未列出"
    monkeypatch.setattr(upstream, "SIBLING_MAX_BYTES", 1000)
    assert _texts(load_siblings(tmp_path)[1]) == ["siblings/甲县/items.json:1: 错误：siblings/甲县/items.json 超过 0 MB，不予读取"]


def test_an_office_without_lists_says_how_to_make_one(office: Path, sqmy: Invoke) -> None:
    result = sqmy("upstream")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "上级采用信息目录（upstream/）：0 个。用 sqmy upstream import 导入市里下发的目录",
        "兄弟县（区）信息（siblings/）：0 个",
    ]
