"""Rosters from Excel (sqmy people import, sqmy units import), people who never commit, and informants."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from sqmy import registry
from sqmy.errors import SqmyError
from sqmy.findings import ERROR
from sqmy.intake.roster import Edit, edit_registry
from sqmy.paths import find_repo

from .conftest import Invoke

PEOPLE_HEAD = ["姓名", "所在单位", "职务", "联系电话", "角色", "电子邮箱", "GitHub 账号", "编号", "备注"]


def _xlsx(path: Path, rows: Sequence[Sequence[object]], title: str = "名册", before: Sequence[Sequence[object]] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in [*before, *rows]:
        sheet.append(list(row))
    book.save(path)
    return path


def _registry(office: Path) -> registry.Registry:
    reg, findings = registry.load(find_repo(office))
    assert [f for f in findings if f.severity == ERROR] == []
    return reg


def test_people_import_shows_the_changes_writes_only_with_apply_and_changes_nothing_twice(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    people = office / "units" / "people.yml"
    people.write_text("# 人员名册（样本）\n" + people.read_text("utf-8").replace("  github: sample-zhangwei\n", "  github: sample-zhangwei  # 账号\n"), "utf-8")
    before = people.read_text("utf-8")
    sheet = _xlsx(tmp_path / "名册.xlsx", [
        PEOPLE_HEAD,
        ["张  薇", "城关委员联络组", "县政协委员", "139 0000 0009", "信息员", None, None, None, "联络组长"],
        ["李初", "社法委", None, None, "初审、办公室", None, None, None, None],
        ["钱多多", "城关委员联络组", "县政协委员", 13912345678, None, None, None, "qian-duoduo", None],
    ], before=[["2026年政协委员名册"]])

    preview = sqmy("people", "import", str(sheet))
    assert preview.exit_code == 0, preview.output
    assert "新增 1 人" in preview.output
    assert "+ qian-duoduo 钱多多" in preview.output
    assert "~ zhang-wei 张薇：职务 （空） → 县政协委员；联系电话 139****0001 → 139****0009；信息员 否 → 是" in preview.output
    assert "不变 1 人" in preview.output
    assert "名册中有、表中没有 4 人" in preview.output
    assert "王复（wang-fu）" in preview.output
    assert "未识别的列没有导入：备注" in preview.output
    assert "13900000009" not in preview.output  # the preview masks phones
    assert people.read_text("utf-8") == before  # a preview writes nothing

    applied = sqmy("people", "import", str(sheet), "--apply")
    assert applied.exit_code == 0, applied.output
    assert "已写入 units/people.yml：新增 1，修改 1" in applied.output
    after = people.read_text("utf-8")
    expected = before.replace("  email: zhang.wei@", "  title: 县政协委员\n  email: zhang.wei@").replace(
        '  phone: "13900000001"\n', '  phone: "13900000009"\n  informant: true\n',
    ) + '- id: qian-duoduo\n  name: 钱多多\n  kind: 委员\n  unit: chengguan-lianluozu\n  title: 县政协委员\n  phone: "13912345678"\n'
    assert after == expected  # comments, order and every other byte kept
    reg = _registry(office)
    assert reg.people["zhang-wei"].informant
    assert reg.people["zhang-wei"].phone == "13900000009"
    assert reg.people["qian-duoduo"].email == ""  # a member who only writes needs no email

    again = sqmy("people", "import", str(sheet), "--apply")
    assert again.exit_code == 0
    assert "units/people.yml 无需修改" in again.output
    assert "不变 3 人" in again.output
    assert people.read_text("utf-8") == after


def test_people_import_adds_a_role_with_todays_date_and_never_ends_one(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "r.xlsx", [["姓名", "角色"], ["王复", "复审"], ["赵复", "初审"]])
    result = sqmy("people", "import", str(sheet), "--apply")
    assert result.exit_code == 0, result.output
    assert "~ wang-fu 王复：审核角色 （无） → 增加复审" in result.output
    assert "赵复（zhao-fu）现任复审，表中未列出：名册未改动" in result.output
    reg = _registry(office)
    assert [(r.role, str(r.start), r.end) for r in reg.people["wang-fu"].roles][-1] == ("复审", "2026-11-28", None)
    assert [r.role for r in reg.people["zhao-fu"].roles] == ["复审", "初审"]


def test_people_import_errors_name_sheet_row_and_column_and_write_nothing(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    people = office / "units" / "people.yml"
    before = people.read_text("utf-8")
    sheet = _xlsx(tmp_path / "bad.xlsx", [
        ["编号", "姓名", "单位", "电话", "角色", "邮箱", "信息员"],
        [None, "张薇", "城关联络组", "无", "组长", "zhang@", "也许"],
        [None, "新来的", "社法委", None, None, None, None],
        ["Li-Chu", "李初", None, None, None, None, None],
        [None, "李初", None, None, None, None, None],
        [None, "李初", None, None, None, None, None],
        ["xin-ren", "新人", "社法委", None, "初审", None, None],
        ["zhang-wei-2", "张薇", None, None, None, None, None],
    ], title="委员")
    result = sqmy("people", "import", str(sheet), "--apply")
    assert result.exit_code == 1
    for message in (
        "委员!C2：单位“城关联络组”不在单位名册 units/units.yml 中",
        "委员!D2：不是电话号码",
        "委员!E2：角色“组长”应为初审、复审、审定、专家、办公室、信息员之一",
        "委员!F2：邮箱“zhang@”格式不对",
        "委员!G2：“也许”应为“是”或“否”",
        "委员!B3：“新来的”不在名册中：新增的请在“编号”列填写编号",
        "委员!A4：编号“Li-Chu”无效",
        "委员!B6：与第 5 行重复（都是 li-chu）",
        "委员!E7：“新人”担任初审角色，须填写邮箱",
        "委员!A8：名册中已有“张薇”（zhang-wei）：是同一人请把编号改为 zhang-wei",
    ):
        assert message in result.output
    assert "未写入任何内容" in result.output
    assert people.read_text("utf-8") == before


def test_an_import_that_would_break_the_registry_is_refused(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    people = office / "units" / "people.yml"
    before = people.read_text("utf-8")
    sheet = _xlsx(tmp_path / "dup.xlsx", [["姓名", "邮箱"], ["张薇", "li.chu@sample.example"]])
    result = sqmy("people", "import", str(sheet), "--apply")
    assert result.exit_code == 1
    assert "导入后 units/people.yml 会有 1 个错误" in result.output
    assert "邮箱“li.chu@sample.example”与第" in result.output
    assert people.read_text("utf-8") == before


@pytest.mark.parametrize(("name", "content", "message"), [
    ("名册.xls", b"\xd0\xcf\x11\xe0", "不是 .xlsx 文件"),
    ("名册.xlsx", b"PK\x03\x04 not really a workbook", "文件已损坏或不是 Excel 工作簿"),
])
def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(office: Path, sqmy: Invoke, tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = sqmy("people", "import", str(path))
    assert result.exit_code == 2
    assert message in result.output
    missing = sqmy("people", "import", str(tmp_path / "没有.xlsx"))
    assert missing.exit_code == 2
    assert "找不到名册文件" in missing.output


def test_a_sheet_without_a_header_is_named(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "x.xlsx", [["甲", "乙"], ["张薇", "1"]])
    result = sqmy("people", "import", str(sheet))
    assert result.exit_code == 2
    assert "找不到表头" in result.output
    other = sqmy("people", "import", str(sheet), "--sheet", "其他")
    assert other.exit_code == 2
    assert "没有工作表“其他”（有：名册）" in other.output


def test_units_import_sets_quotas_and_informants_and_adds_units(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    units = office / "units" / "units.yml"
    before = units.read_text("utf-8")
    sheet = _xlsx(tmp_path / "单位.xlsx", [
        ["单位名称", "简称", "类别", "2026年任务", "特约信息员", "编号"],
        ["社法委", None, None, 12, "李初", None],
        ["样本县住房和城乡建设局", None, None, None, "zhang-wei", None],
        ["样本县统计局", "县统计局", "部门", 1, None, "xian-tongjiju"],
    ], title="单位")
    result = sqmy("units", "import", str(sheet), "--apply")
    assert result.exit_code == 0, result.output
    assert "~ shefawei 样本县政协社会和法制委员会：特约信息员 （空） → li-chu；2026年任务 （空） → 12" in result.output
    assert "名册中有、表中没有 1 个单位（保留，未改动）：城关委员联络组（chengguan-lianluozu）" in result.output
    assert units.read_text("utf-8") == before.replace(
        "quota: {2025: 10}}", "quota: {2025: 10, 2026: 12}, informants: [li-chu]}",
    ).replace("short: 县住建局, kind: 部门}", "short: 县住建局, kind: 部门, informants: [zhang-wei]}") + (
        "- {id: xian-tongjiju, name: 样本县统计局, short: 县统计局, kind: 部门, quota: {2026: 1}}\n"
    )
    reg = _registry(office)
    assert reg.units["shefawei"].informants == ("li-chu",)
    assert reg.units["shefawei"].quota[2026] == 12
    assert reg.informant_class("zhang-wei") == registry.UNIT_INFORMANT
    assert sqmy("units", "import", str(sheet)).output.count("无需修改") == 1

    listed = sqmy("people", "--informant")
    assert "特约信息员（县住建局）" in listed.output
    assert "特约信息员（社法委）" in listed.output
    assert "共 2 人" in listed.output
    rows = json.loads(sqmy("units", "--format", "json").stdout)
    assert next(r for r in rows if r["id"] == "shefawei")["informants"] == ["li-chu"]


def test_a_units_sheet_with_an_unknown_informant_or_kind_is_refused(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "u.xlsx", [
        ["名称", "类别", "年度任务", "特约信息员", "编号"], ["新单位", "局", "三", "王五", "xin"], ["社法委", None, None, None, "sfw"],
    ])
    result = sqmy("units", "import", str(sheet), "--year", "2027")
    assert result.exit_code == 1
    assert "名册!B2：类别“局”应为" in result.output
    assert "名册!C2：2027年任务“三”应为不小于 0 的整数" in result.output
    assert "名册!D2：特约信息员“王五”不在人员名册中：请先用 sqmy people import 导入此人" in result.output
    assert "名册!E3：名册中已有“社法委”（shefawei）：是同一单位请把编号改为 shefawei" in result.output
    only_quota = _xlsx(tmp_path / "q.xlsx", [["单位", "2026年任务", "2027年度任务"], ["社法委", 11, 12]])
    planned = json.loads(sqmy("units", "import", str(only_quota), "--format", "json").stdout)
    assert planned["changed"] == [{"id": "shefawei", "name": "样本县政协社会和法制委员会", "fields": [
        {"field": "2026年任务", "old": "（空）", "new": "11"}, {"field": "2027年任务", "old": "（空）", "new": "12"},
    ]}]


# --- who must have an email -----------------------------------------------------------------------


def test_a_member_without_email_is_valid_and_a_reviewer_without_one_is_an_error(office: Path, sqmy: Invoke) -> None:
    people = office / "units" / "people.yml"
    text = people.read_text("utf-8")
    people.write_text(text.replace("  email: zhang.wei@sample.example\n  github: sample-zhangwei\n", ""), "utf-8")
    assert sqmy("validate").exit_code == 0
    people.write_text(text.replace("  email: li.chu@sample.example\n", "").replace("  github: sample-wangfu\n", ""), "utf-8")
    result = sqmy("validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("units/people.yml:8:") and "担任初审、办公室角色的人须填写邮箱（email）" in line for line in lines), result.output
    assert not any(line.startswith("units/people.yml:16:") for line in lines), result.output  # GitHub stays optional
    assert "1 个错误" in result.output
    assert registry.Registry.person_by_email(registry.load(find_repo(office))[0], "") is None


def test_a_units_informant_must_be_in_the_people_file(office: Path, sqmy: Invoke) -> None:
    units = office / "units" / "units.yml"
    units.write_text(units.read_text("utf-8").replace("kind: 部门}", "kind: 部门, informants: [zhang-wie]}"), "utf-8")
    result = sqmy("validate")
    assert result.exit_code == 1
    assert "units/units.yml:3:" in result.output
    assert "特约信息员“zhang-wie”不在人员名册" in result.output
    assert "是不是“zhang-wei”" in result.output


# --- statistics and scores by informant -----------------------------------------------------------


def test_stats_break_down_by_informant(office: Path, sqmy: Invoke) -> None:
    nobody = sqmy("stats", "--year", "2025", "--by", "informant")
    assert "【按信息员身份】" not in nobody.output  # the office names no informants: every author would be 其他
    assert list(json.loads(sqmy("stats", "--year", "2025", "--format", "json").stdout)["by"]["informant"]) == ["其他委员"]
    people = office / "units" / "people.yml"
    people.write_text(people.read_text("utf-8").replace('  phone: "13900000001"\n', '  phone: "13900000001"\n  informant: true\n'), "utf-8")
    result = json.loads(sqmy("stats", "--year", "2025", "--format", "json").stdout)
    assert list(result["by"]["informant"]) == ["信息员"]
    assert result["by"]["informant"]["信息员"]["collected"] == result["collected"] > 0
    text = sqmy("stats", "--year", "2025", "--by", "informant").output
    assert "【按信息员身份】" in text
    assert "按作者的身份计" in text


def test_score_breaks_down_by_informant_in_the_demo(demo: Path, sqmy: Invoke) -> None:
    result = json.loads(sqmy("score", "--year", "2025", "--format", "json").stdout)
    rows = {r["informant"]: r for r in result["by_informant"]}
    assert set(rows) <= set(registry.INFORMANT_CLASSES)
    assert registry.INFORMANT in rows
    for cls, row in rows.items():
        members = [p for p in result["people"] if p["informant"] == cls]
        assert row["people"] == len(members)
        assert row["points"] == pytest.approx(sum(p["points"] for p in members))
    assert "【按信息员身份】" in sqmy("score", "--year", "2025").output


# --- the editor under the import --------------------------------------------------------------------


def test_edit_registry_keeps_layout_in_block_and_flow_entries() -> None:
    text = (
        "# 单位\r\n- id: a\r\n  name: 甲  # 全称\r\n  quota:\r\n    2025: 1\r\n  roles:\r\n    - {role: 初审, from: 2024-01-01}\r\n"
        "- {id: b, name: 乙, roles: [{role: 初审, from: 2024-01-01}]}\r\n- {id: c, name: 丙}\r\n"
    )
    edits = [
        Edit("a", set={"name": "甲乙"}, nested={"quota": {"2026": 2}}, append={"roles": [{"role": "复审", "from": "2026-01-01"}]}),
        Edit("b", append={"roles": [{"role": "复审", "from": "2026-01-01"}]}),
        Edit("c", set={"informants": ["x", "y"]}, nested={"quota": {"2026": 3}}),
    ]
    new = edit_registry(text, "units/units.yml", edits, [{"id": "d", "name": "丁", "quota": {"2026": 1}}])
    assert new == (
        "# 单位\r\n- id: a\r\n  name: 甲乙  # 全称\r\n  quota:\r\n    2025: 1\r\n    2026: 2\r\n  roles:\r\n    - {role: 初审, from: 2024-01-01}\r\n"
        "    - {role: 复审, from: 2026-01-01}\r\n"
        "- {id: b, name: 乙, roles: [{role: 初审, from: 2024-01-01}, {role: 复审, from: 2026-01-01}]}\r\n"
        "- {id: c, name: 丙, informants: [x, y], quota: {2026: 3}}\r\n"
        "- id: d\r\n  name: 丁\r\n  quota: {2026: 1}\r\n"
    )
    assert edit_registry(text, "x", [], []) == text


def test_edit_registry_refuses_aliases_and_unknown_ids() -> None:
    with pytest.raises(SqmyError, match="格式错误"):
        edit_registry("- &p {id: a, name: 甲}\n- *p\n", "units/people.yml", [Edit("a", set={"name": "乙"})], [])
    with pytest.raises(SqmyError, match="找不到“b”"):
        edit_registry("- {id: a, name: 甲}\n", "units/people.yml", [Edit("b", set={"name": "乙"})], [])
